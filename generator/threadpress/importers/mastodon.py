"""Mastodon status + context (`/api/v1/statuses/:id` and `/context`) → one thread.

Input: `{"status": {…}, "context": {"ancestors": […], "descendants": […]}}`, or the same with
`ancestors`/`descendants` at the top level, or a bare Status (a thread without comments).
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

from . import common
from .common import bad_input, clean, parse_json

TITLE_LENGTH = 80
TAG = re.compile(r"<[^>]*>")
BREAK = re.compile(r"<br\s*/?>|</p>", re.IGNORECASE)


def fetch(arg: str) -> bytes:
    """Download a status and its context, as one {"status", "context"}, given its URL."""
    m = re.match(r"(https://[^/\s]+)/(?:@[^/\s]+|web/statuses|web/@[^/\s]+)/(\d+)", arg)
    if not m:
        raise bad_input(arg, "not a Mastodon status URL (expected e.g. "
                             "https://mastodon.social/@user/109876543210)")
    api = f"{m.group(1)}/api/v1/statuses/{m.group(2)}"
    status = parse_json(common.http_get(api, arg), api)
    context = parse_json(common.http_get(api + "/context", arg), api + "/context")
    return json.dumps({"status": status, "context": context}).encode()


def convert(payload: bytes, name: str) -> list[dict]:
    """Convert one status with its context into a thread rooted at the top of its chain."""
    doc = parse_json(payload, name)
    statuses = _statuses(doc, name)
    root, rest = statuses[0], statuses[1:]
    times = _Times(name)
    # common.preorder keeps statuses caught in a reply cycle too (at the top level)
    comments = common.preorder([_comment(s, root["id"], times) for s in rest])
    # a status without its context says nothing about replies: a re-import keeps them
    return [_thread(root, comments if _has_context(doc) else None, times)]


def _has_context(doc: Any) -> bool:
    return isinstance(doc, dict) and any(k in doc for k in ("context", "ancestors",
                                                            "descendants"))


def _statuses(doc: Any, name: str) -> list[dict]:
    """Ancestors (oldest first), the status, then descendants, each id once, ids as strings."""
    if not isinstance(doc, dict):
        raise bad_input(name, "not a Mastodon thread: expected a JSON object with `status` "
                              "and `context`")
    if _is_status(doc):
        doc = {"status": doc}
    context = doc.get("context") if isinstance(doc.get("context"), dict) else doc
    status = doc.get("status")
    if not _is_status(status):
        hint = " (a context alone lacks the status itself)" if "descendants" in doc else ""
        raise bad_input(name, "not a Mastodon thread: expected `status` to be a Status with id, "
                              f"account and content{hint}")
    lists = {key: context.get(key, []) for key in ("ancestors", "descendants")}
    for key, items in lists.items():
        if not isinstance(items, list):
            raise bad_input(name, f"context.{key} must be a list of statuses")
    ordered = lists["ancestors"] + [status] + lists["descendants"]
    return _unique(ordered, name)


def _unique(items: list[Any], name: str) -> list[dict]:
    """Reblogs unwrapped, malformed entries refused, repeated ids dropped (first wins)."""
    seen: set[str] = set()
    out = []
    for i, s in enumerate(items):
        s = (s.get("reblog") or s) if isinstance(s, dict) else s
        if not _is_status(s):
            raise bad_input(name, f"status #{i + 1} of the thread has no id, account or content")
        sid = str(s["id"])
        if sid not in seen:
            seen.add(sid)
            out.append({**s, "id": sid})
    return out


def _is_status(s: Any) -> bool:
    return (isinstance(s, dict) and isinstance(s.get("id"), (str, int))
            and isinstance(s.get("account"), dict) and "content" in s)


def _parent(s: dict) -> str | None:
    p = s.get("in_reply_to_id")
    return None if p is None else str(p)


class _Times:
    """Times as ISO UTC; a malformed one is an input error naming the file and status."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, s: dict, key: str) -> str | None:
        return common.utc_time(s.get(key), self.name, f"status {s['id']}: {key}")


def _comment(s: dict, root_id: str, time: _Times) -> dict:
    """One status as a flat comment; replies to the root are top-level."""
    parent = _parent(s)
    return common.comment(
        id=s["id"],
        parent=parent if parent != root_id else None,
        author=_acct(s),
        created=time(s, "created_at"),
        edited=time(s, "edited_at"),
        score=_int(s.get("favourites_count")),
        url=s.get("url") or s.get("uri"),
        format="html",
        body=s.get("content") or "",
        **_extras(s),
    )


def _extras(s: dict) -> dict:
    """Source-specific keys, alphabetically: avatar, attachments, content_warning."""
    media = [clean({"type": m.get("type"), "url": m.get("url") or m.get("remote_url"),
                    "description": m.get("description")})
             for m in s.get("media_attachments") or [] if isinstance(m, dict)]
    account = s.get("account") or {}
    extra = {
        "attachments": media or None,
        "avatar": account.get("avatar_static") or account.get("avatar"),
        "content_warning": s.get("spoiler_text") or None,
    }
    return {k: v for k, v in extra.items() if v is not None}


def _thread(root: dict, comments: list[dict] | None, time: _Times) -> dict:
    """The thread: the top status of the chain is the opening post."""
    return common.thread(
        title=_title(root),
        id=root["id"],
        source=root.get("url") or root.get("uri"),
        author=_acct(root),
        created=time(root, "created_at"),
        points=_int(root.get("favourites_count")),
        score_unit="favourites",
        tags=[t["name"] for t in root.get("tags") or []
              if isinstance(t, dict) and isinstance(t.get("name"), str)] or None,
        format="html",
        body=root.get("content") or "",
        comments=comments,
        **_extras(root),
    )


def _title(s: dict) -> str:
    """Statuses have no title: use the content warning, else the start of the text."""
    warning = (s.get("spoiler_text") or "").strip()
    if warning:
        return warning
    text = html.unescape(TAG.sub("", BREAK.sub(" ", s.get("content") or "")))
    text = " ".join(text.split())
    if not text:
        return f"Post by @{_acct(s) or 'unknown'}"
    if len(text) <= TITLE_LENGTH:
        return text
    cut = text[:TITLE_LENGTH].rsplit(" ", 1)[0] or text[:TITLE_LENGTH]
    return cut + "…"


def _acct(s: dict) -> str | None:
    account = s.get("account") or {}
    return account.get("acct") or account.get("username")


def _int(v: Any) -> int | None:
    return v if isinstance(v, int) and not isinstance(v, bool) else None
