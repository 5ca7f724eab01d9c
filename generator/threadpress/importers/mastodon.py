"""Mastodon status + context (`/api/v1/statuses/:id` and `/context`) → one thread.

Input: `{"status": {…}, "context": {"ancestors": […], "descendants": […]}}`, or the same with
`ancestors`/`descendants` at the top level, or a bare Status (a thread without comments).
"""

from __future__ import annotations

import html
import re
from typing import Any

from .common import bad_input, clean, parse_json, utc_iso

COMMENT_ORDER = ("id", "parent", "author", "created", "edited", "score", "url", "deleted", "dead",
                 "format", "body")
TITLE_LENGTH = 80
TAG = re.compile(r"<[^>]*>")
BREAK = re.compile(r"<br\s*/?>|</p>", re.IGNORECASE)


def convert(payload: bytes, name: str) -> list[dict]:
    """Convert one status with its context into a thread rooted at the top of its chain."""
    doc = parse_json(payload, name)
    statuses = _statuses(doc, name)
    root, rest = statuses[0], statuses[1:]
    comments = [_comment(s, root["id"]) for s in _preorder(rest, root["id"])]
    return [_thread(root, comments)]


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


def _preorder(statuses: list[dict], root_id: str) -> list[dict]:
    """Parents before replies, siblings in source order; iterative, so any depth is fine."""
    ids = {s["id"] for s in statuses}
    children: dict[str, list[dict]] = {}
    tops = []
    for s in statuses:
        p = _parent(s)
        if p in ids and p != s["id"]:
            children.setdefault(p, []).append(s)
        else:
            tops.append(s)  # replies to the root, and orphans whose parent is not in the payload
    out: list[dict] = []
    seen: set[str] = set()
    stack = list(reversed(tops))
    while stack:
        s = stack.pop()
        if s["id"] in seen:
            continue
        seen.add(s["id"])
        out.append(s)
        stack.extend(reversed(children.get(s["id"], [])))
    # statuses caught in a reply cycle are unreachable from any top: keep them, at the top level
    out.extend({**s, "in_reply_to_id": None} for s in statuses if s["id"] not in seen)
    return out


def _comment(s: dict, root_id: str) -> dict:
    """One status as a flat comment."""
    parent = _parent(s)
    fields = {
        "id": s["id"],
        "parent": parent if parent != root_id else None,
        "author": _acct(s),
        "created": utc_iso(s.get("created_at")),
        "edited": utc_iso(s.get("edited_at")),
        "score": _int(s.get("favourites_count")),
        "url": s.get("url") or s.get("uri"),
        "format": "html",
        "body": s.get("content") or "",
    }
    out = {k: fields[k] for k in COMMENT_ORDER if fields.get(k) is not None}
    out.update(_extras(s))
    return out


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


def _thread(root: dict, comments: list[dict]) -> dict:
    """The thread: the top status of the chain is the opening post."""
    thread = {
        "title": _title(root),
        "id": root["id"],
        "source": root.get("url") or root.get("uri"),
        "author": _acct(root),
        "created": utc_iso(root.get("created_at")),
        "points": _int(root.get("favourites_count")),
        "tags": [t["name"] for t in root.get("tags") or []
                 if isinstance(t, dict) and isinstance(t.get("name"), str)] or None,
        "body": root.get("content") or "",
        "format": "html",
        "comments": comments,
    }
    return clean({**thread, **_extras(root)})


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
