"""Lobsters: a story's `/s/<short_id>.json`, in any of its three schema generations.

2021: `indent_level` (1-based) only; 2022: adds `parent_comment`; 2025: `depth` (0-based) and
`commenting_user` as a plain string. Comments arrive in display (pre-)order in every generation.
"""

from __future__ import annotations

import re
from typing import Any

from .common import (as_time, bad_input, comment, http_get, kind_of, parse_json, preorder,
                     thread)

SITE = "https://lobste.rs"
EXPECTED = "not a Lobsters story .json: expected an object with 'short_id', 'title' and 'comments'"


def fetch(arg: str) -> bytes:
    """Download a story's `.json`, given its short id or any URL of the story."""
    m = re.search(r"lobste\.rs/s/([a-z0-9]+)", arg) or re.fullmatch(r"([a-z0-9]{4,10})", arg)
    if not m:
        raise bad_input(arg, "not a Lobsters story id or URL (expected e.g. tdfoqh or "
                             "https://lobste.rs/s/tdfoqh)")
    return http_get(f"{SITE}/s/{m.group(1)}.json", arg)


def convert(payload: bytes, name: str) -> list[dict]:
    """Convert one story's `.json` into one thread."""
    story = parse_json(payload, name)
    if not (isinstance(story, dict) and story.get("short_id") and story.get("title")
            and isinstance(story.get("comments", []), list)):
        raise bad_input(name, f"{EXPECTED}; found {kind_of(story)}")
    items = story.get("comments") or []
    for i, c in enumerate(items):
        if not isinstance(c, dict) or not c.get("short_id"):
            raise bad_input(name, f"comments[{i}]: expected a comment object with 'short_id'; "
                                  f"found {kind_of(c)}")
    parents = _parents(items)
    comments = [_comment(c, parent) for c, parent in zip(items, parents)]
    return [_thread(story, preorder(comments))]


def _level(c: dict) -> int:
    """0-based nesting level from `depth` (2025) or `indent_level` (1-based, older)."""
    if c.get("depth") is not None:
        return int(c["depth"])
    return int(c.get("indent_level") or 1) - 1


def _parents(items: list[dict]) -> list[str | None]:
    """Each comment's parent: `parent_comment` when the schema has it, else rebuilt from the
    nesting levels with a stack of the open ancestors (array order is display order)."""
    out: list[str | None] = []
    open_: list[str] = []  # open_[k] = the latest comment seen at level k
    for c in items:
        level = max(_level(c), 0)
        del open_[level:]
        if "parent_comment" in c:
            out.append(c["parent_comment"] or None)
        else:
            out.append(open_[-1] if open_ else None)
        open_.append(c["short_id"])
    return out


def _user(value: Any) -> tuple[str | None, str | None]:
    """(username, absolute avatar URL) from a user object or a plain username string."""
    if isinstance(value, dict):
        avatar = value.get("avatar_url")
        if avatar and avatar.startswith("/"):
            avatar = SITE + avatar
        return value.get("username"), avatar
    return (value or None), None


def _edited(c: dict) -> str | None:
    """The edit time when it differs from the creation time (updated_at / last_edited_at)."""
    created = as_time(c.get("created_at"))
    changed = as_time(c.get("last_edited_at") or c.get("updated_at"))
    return changed if changed and changed != created else None


def _comment(c: dict, parent: str | None) -> dict:
    """One Lobsters comment → a flat comment."""
    author, avatar = _user(c.get("commenting_user"))
    return comment(
        id=str(c["short_id"]), parent=parent, author=author,
        created=as_time(c.get("created_at")), edited=_edited(c), score=c.get("score"),
        url=c.get("url") or c.get("short_id_url"),
        deleted=bool(c.get("is_deleted") or c.get("is_moderated")),
        format="html", body=c.get("comment"),
        moderator_action=True if c.get("is_moderated") else None,
        flags=c.get("flags") or None, avatar=avatar)


def _thread(story: dict, comments: list[dict]) -> dict:
    """The story's fields plus the flat comments → a thread."""
    author, _ = _user(story.get("submitter_user"))
    return thread(
        title=story["title"], id=str(story["short_id"]), url=story.get("url") or None,
        source=story.get("comments_url") or story.get("short_id_url"), author=author,
        created=as_time(story.get("created_at")), points=story.get("score"),
        tags=[str(t) for t in story.get("tags") or []] or None, format="html",
        body=story.get("description") or None, num_comments=story.get("comment_count"),
        comments=comments)
