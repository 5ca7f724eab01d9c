"""Discourse topic JSON (`/t/<slug>/<id>.json`) → one thread; comments keep their post numbers."""

from __future__ import annotations

import html
import re
from typing import Any

from . import common
from .common import bad_input, parse_json

# post_type 2 = moderator action ("This topic is now pinned"), 3 = small action (closed, moved …)
ACTION_TYPES = (2, 3)
LIKE = 2  # the post action type id of a like, in the old `actions_summary` schema
# modern avatar templates name the forum's host: /user_avatar/<host>/<user>/{size}/<n>.png
AVATAR_HOST = re.compile(r"^/user_avatar/([A-Za-z0-9.-]+)/")


def fetch(arg: str) -> bytes:
    """Download a topic's JSON with all its posts (`print=true`: up to 1,000), given its URL."""
    m = re.match(r"(https?://[^/\s]+)/t/(?:[^/\s]+/)?(\d+)", arg)
    if not m:
        raise bad_input(arg, "not a Discourse topic URL (expected e.g. "
                             "https://meta.discourse.org/t/some-topic/12345)")
    return common.http_get(f"{m.group(1)}/t/{m.group(2)}.json?print=true", arg)


def convert(payload: bytes, name: str, base_url: str | None = None) -> list[dict]:
    """Convert one topic; `base_url` (https://forum.example) makes permalinks absolute."""
    doc = parse_json(payload, name)
    posts = _posts(doc, name)
    base = (base_url or _origin(name) or _guess_base(posts) or "").rstrip("/")
    topic = _Topic(doc, base, name)
    first = next((p for p in posts if p.get("post_number") == 1), None)
    comments = [topic.comment(p) for p in posts if p.get("post_number") != 1]
    return [topic.thread(first, comments)]


def _posts(doc: Any, name: str) -> list[dict]:
    """The topic's posts, checked enough that conversion cannot trip over their shape."""
    stream = doc.get("post_stream") if isinstance(doc, dict) else None
    posts = stream.get("posts") if isinstance(stream, dict) else None
    if not isinstance(posts, list):
        raise bad_input(name, "not a Discourse topic: expected post_stream.posts "
                              "(save /t/<slug>/<id>.json)")
    if not isinstance(doc.get("title") or doc.get("fancy_title"), str):
        raise bad_input(name, "not a Discourse topic: it has no title")
    for i, p in enumerate(posts):
        if not isinstance(p, dict) or isinstance(p.get("post_number"), bool) \
                or not isinstance(p.get("post_number"), int):
            raise bad_input(name, f"post_stream.posts[{i}] has no integer post_number")
    numbers = [p["post_number"] for p in posts]
    if len(set(numbers)) != len(numbers):
        raise bad_input(name, "post_stream.posts repeats a post_number")
    return sorted(posts, key=lambda p: p["post_number"])


def _origin(name: str) -> str | None:
    """The forum's origin when the payload was named by its URL (https://host/t/…)."""
    m = re.match(r"(https?://[^/\s]+)/t/", name)
    return m.group(1) if m else None


def _guess_base(posts: list[dict]) -> str | None:
    """The forum's origin, when an avatar path names it (modern Discourse does)."""
    for p in posts:
        m = AVATAR_HOST.match(str(p.get("avatar_template") or ""))
        if m:
            return f"https://{m.group(1)}"
    return None


class _Topic:
    """Per-topic context shared by every post: its permalink base and avatar base."""

    def __init__(self, doc: dict, base: str, name: str) -> None:
        self.doc = doc
        self.name = name
        self.base = base
        self.topic_id = doc.get("id")
        self.slug = doc.get("slug") or "topic"

    def link(self, post_number: int | None = None) -> str | None:
        """The post's permalink, `/t/<slug>/<id>/<n>`; None when the forum's host is unknown."""
        if not self.base or self.topic_id is None:
            return None
        path = f"{self.base}/t/{self.slug}/{self.topic_id}"
        return path if post_number is None else f"{path}/{post_number}"

    def avatar(self, template: Any) -> str | None:
        """An absolute https avatar URL at 90 px, or None when it cannot be made absolute."""
        if not isinstance(template, str) or not template:
            return None
        url = template.replace("{size}", "90")
        if url.startswith("//"):
            return "https:" + url
        if url.startswith("/"):
            return self.base + url if self.base else None
        return url if url.startswith(("https://", "http://")) else None

    def title(self) -> str:
        """`title` is plain text; `fancy_title` carries HTML entities such as &ndash;."""
        raw = self.doc.get("title")
        if isinstance(raw, str) and raw.strip():
            return raw
        return html.unescape(self.doc.get("fancy_title") or "")

    def thread(self, first: dict | None, comments: list[dict]) -> dict:
        """The thread: topic fields plus the opening post (post 1) as body."""
        doc, op = self.doc, first or {}
        creator = (doc.get("details") or {}).get("created_by") or {}
        tags = [t if isinstance(t, str) else t.get("name") for t in doc.get("tags") or []]
        return common.thread(
            title=self.title(),
            id=str(self.topic_id) if self.topic_id is not None else None,
            source=self.link(),
            author=op.get("username") or creator.get("username"),
            created=self.time(op.get("created_at") or doc.get("created_at"), "created_at"),
            points=_likes(op) if first else None,
            tags=[t for t in tags if isinstance(t, str)] or None,
            format="html",
            body=op.get("cooked") or "",
            score_unit="likes",  # Discourse counts likes: pages say "2 likes", nothing for none
            comments=comments,
        )

    def comment(self, post: dict) -> dict:
        """One post other than the first, flat: reply_to_post_number names its parent."""
        number = post["post_number"]
        reply_to = post.get("reply_to_post_number")
        return common.comment(
            id=str(number),
            # replies to the opening post are top-level comments; a parent absent from the
            # payload is kept so the loader reports the comment as an orphan
            parent=str(reply_to) if reply_to not in (None, 1) else None,
            author=post.get("username"),
            created=self.time(post.get("created_at"), f"post {number} created_at"),
            edited=self.edited(post),
            score=_likes(post),
            url=self.link(number),
            deleted=bool(post.get("deleted_at") or post.get("user_deleted")),
            # posts hidden by community flags are collapsed on Discourse, as dead ones are on HN
            dead=bool(post.get("hidden")),
            format="html",
            body=post.get("cooked") or "",
            action_code=post.get("action_code"),
            answer=True if post.get("accepted_answer") else None,
            avatar=self.avatar(post.get("avatar_template")),
            # shown as an action line ("— moderator: This topic is now pinned"), not a comment
            action=True if post.get("post_type") in ACTION_TYPES else None,
        )

    def time(self, value: Any, what: str) -> str | None:
        return common.utc_time(value, self.name, what)

    def edited(self, post: dict) -> str | bool | None:
        """Discourse bumps `version` on each edit; updated_at also moves for other reasons."""
        version = post.get("version")
        if not isinstance(version, int) or version <= 1:
            return None
        return self.time(post.get("updated_at"), f"post {post['post_number']} updated_at") or True


def _likes(post: dict) -> int | None:
    """`like_count`, or the like count in the old schema's actions_summary."""
    n = post.get("like_count")
    if isinstance(n, int) and not isinstance(n, bool):
        return n
    for action in post.get("actions_summary") or []:
        if isinstance(action, dict) and action.get("id") == LIKE:
            count = action.get("count")
            return count if isinstance(count, int) else None
    return None
