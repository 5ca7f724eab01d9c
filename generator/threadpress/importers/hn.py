"""Hacker News: the Algolia items API (nested `children`) or Firebase items (flat, with `kids`).

Each field is decoded the way its API encodes it: Firebase titles are HTML (its docs say so:
`&amp;` means `&`), Algolia titles are plain text; both APIs' `text` is HTML, and Algolia's
items from about 2011 carry line breaks as a literal backslash-n, turned back into newlines.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

from ..errors import ThreadpressError
from .common import (as_time, bad_input, clean, comment, http_get, kind_of, parse_json, thread,
                     tidy)
from .trace import payload as traced

SITE = "https://news.ycombinator.com/item?id="
API = "https://hn.algolia.com/api/v1/items/"
STORY_TYPES = ("story", "ask", "poll", "job")
PLACEHOLDERS = ("[dead]", "[deleted]", "[flagged]")  # stand-ins, not text anyone wrote
# A flagged dead comment's text comes with this prefix (HN shows it before the text); the words
# after it are the comment's own, and the prefix is a state, kept as `dead: true`.
FLAGGED = "[flagged] "
EXPECTED = ("not a Hacker News Algolia item or Firebase item list: expected an object with "
            "'children' or 'kids', or a list (or JSON Lines) of items with 'id'")


def convert(payload: bytes, name: str) -> list[dict]:
    """Convert an Algolia item tree or a Firebase item list/JSON Lines file into one thread."""
    data = _load(payload, name)
    if isinstance(data, dict) and "children" in data:
        return [_algolia(data, name)]
    if isinstance(data, dict) and ("kids" in data or data.get("type") in STORY_TYPES):
        data = [data]
    if isinstance(data, list) and data and all(_is_item(i) for i in data):
        return [_firebase(data, name)]
    raise bad_input(name, f"{EXPECTED}; found {_describe(data)}")


def fetch(arg: str) -> bytes:
    """Download a story's Algolia item tree, given its id or any URL that names it."""
    if arg.startswith(API):
        return http_get(arg, arg)
    found = re.search(r"(?:[?&]id=|items/)(\d+)", arg) or re.fullmatch(r"(\d+)", arg)
    if not found:
        raise bad_input(arg, "not a Hacker News item id or URL (expected e.g. 2396027 or "
                             "https://news.ycombinator.com/item?id=2396027)")
    return http_get(API + found.group(1), arg)


def _load(payload: bytes, name: str) -> Any:
    """Parse JSON, or JSON Lines (one Firebase item per line) when the whole is not JSON."""
    try:
        return parse_json(payload, name)
    except ThreadpressError as first:
        lines = [ln for ln in payload.decode("utf-8", "replace").splitlines() if ln.strip()]
        if len(lines) < 2:
            raise
        items = []
        for line in lines:
            try:
                items.append(tidy(json.loads(line)))
            except (ValueError, RecursionError):
                raise first from None  # neither JSON nor JSON Lines: report the JSON error
        return traced(items)


def _is_item(value: Any) -> bool:
    """A Firebase item: an object with an id, not an Algolia tree or a Reddit thing."""
    return isinstance(value, dict) and "id" in value and "children" not in value \
        and "kind" not in value


def _describe(data: Any) -> str:
    """What was found instead, for the error message."""
    if isinstance(data, list) and data:
        return f"{kind_of(data)} whose first is {kind_of(data[0])}"
    return kind_of(data)


def _not_story(name: str, item: dict) -> Exception:
    """The error for a comment given where a story was expected, naming its parent."""
    story = item.get("story_id") or item.get("parent") or item.get("parent_id")
    hint = f" (its parent is {story})" if story else ""
    return bad_input(name, f"item {item.get('id')} is a {item.get('type')}, not a story: "
                           f"import the story it belongs to{hint}")


# --- Algolia ------------------------------------------------------------------------------

def _algolia(root: dict, name: str) -> dict:
    """The story and its nested children, flattened in pre-order without recursion."""
    if root.get("type") not in STORY_TYPES:
        raise _not_story(name, root)
    story_id = str(root["id"])
    comments: list[dict] = []
    stack = [(child, story_id) for child in reversed(root.get("children") or [])]
    while stack:
        item, parent = stack.pop()
        cid = str(item["id"])
        comments.append(_algolia_comment(item, cid, parent, story_id))
        stack.extend((child, cid) for child in reversed(item.get("children") or []))
    return _story(root, story_id, root.get("author"), root.get("created_at_i")
                  or root.get("created_at"), root.get("points"), comments,
                  title=root.get("title"), text=_algolia_text(root.get("text")))


# A backslash-n that is not itself escaped (`\\n` in a code sample stays as written).
_LITERAL_NEWLINE = re.compile(r"(?<!\\)\\n")


def _algolia_text(text: Any) -> Any:
    """Algolia's HTML, with the literal `\\n` line breaks of old items made real newlines."""
    return _LITERAL_NEWLINE.sub("\n", text) if isinstance(text, str) else text


def _algolia_comment(item: dict, cid: str, parent: str, story_id: str) -> dict:
    """One Algolia child → a flat comment."""
    text, state = _own_text(_algolia_text(item.get("text")))
    gone = item.get("author") is None and not text  # Algolia nulls both for deleted comments
    return comment(id=cid, parent=None if parent == story_id else parent,
                   author=item.get("author"),
                   created=as_time(item.get("created_at_i") or item.get("created_at")),
                   score=item.get("points"), url=SITE + cid,
                   deleted=bool(item.get("deleted")) or gone or state == "deleted",
                   dead=bool(item.get("dead")) or state == "dead",
                   format="html", body=text or None)


def _own_text(text: Any) -> tuple[Any, str | None]:
    """A comment's text without HN's stand-ins, and the state they meant: `[dead]` or
    `[flagged]` alone (no text kept) and the `[flagged] ` prefix → "dead"; `[deleted]` →
    "deleted"."""
    if not isinstance(text, str):
        return text, None
    if text in PLACEHOLDERS:
        return None, "deleted" if text == "[deleted]" else "dead"
    if text.startswith(FLAGGED):
        return text[len(FLAGGED):].lstrip() or None, "dead"
    return text, None


def _story(item: dict, story_id: str, author: Any, created: Any, points: Any,
           comments: list[dict], title: Any, text: Any) -> dict:
    """Thread fields shared by both APIs; `title` and `text` already decoded."""
    return thread(title=title or f"Hacker News item {story_id}", id=story_id,
                  url=item.get("url") or None, source=SITE + story_id, author=author,
                  created=as_time(created), points=points, format="html",
                  body=text or None, dead=True if item.get("dead") else None,
                  deleted=True if item.get("deleted") else None, comments=comments)


# --- Firebase ------------------------------------------------------------------------------

def _firebase(items: list[dict], name: str) -> dict:
    """Find the story among flat items, then walk `kids` in order from it."""
    by_id: dict[str, dict] = {}
    for item in items:
        by_id.setdefault(str(item["id"]), item)  # a repeated item (re-fetched) counts once
    story = _find_story(by_id, name)
    story_id = str(story["id"])
    kids = _kids(by_id)
    comments: list[dict] = []
    seen = {story_id}
    stack = [(k, story_id) for k in reversed(kids.get(story_id, []))]
    while stack:
        cid, parent = stack.pop()
        if cid in seen:
            continue
        seen.add(cid)
        comments.append(_firebase_comment(by_id[cid], cid, parent, story_id))
        stack.extend((k, cid) for k in reversed(kids.get(cid, [])))
    # Items not reachable from the story (their parent was not saved) are kept, not dropped.
    comments += [_firebase_comment(i, cid, str(i.get("parent", "")) or None, story_id)
                 for cid, i in by_id.items() if cid not in seen and i.get("type") != "pollopt"]
    title = story.get("title")
    out = _story(story, story_id, story.get("by"), story.get("time"), story.get("score"),
                 comments, title=html.unescape(title) if isinstance(title, str) else title,
                 text=story.get("text"))
    return _with_poll(out, story, by_id)


def _find_story(by_id: dict[str, dict], name: str) -> dict:
    """The item typed story/ask/poll/job, else the one no other item lists as a kid."""
    typed = [i for i in by_id.values() if i.get("type") in STORY_TYPES]
    if len(typed) == 1:
        return typed[0]
    if len(typed) > 1:
        ids = ", ".join(str(i["id"]) for i in typed)
        raise bad_input(name, f"expected one story in the item list, found {len(typed)}: {ids}")
    listed = {str(k) for i in by_id.values() for k in i.get("kids") or []}
    tops = [i for cid, i in by_id.items() if cid not in listed and str(i.get("parent")) not in by_id]
    if len(tops) != 1:
        raise bad_input(name, "expected one story in the item list (an item of type story, "
                              f"ask, poll or job), found {len(tops)} unparented items")
    if tops[0].get("type") == "comment" or "parent" in tops[0]:
        raise _not_story(name, tops[0])
    return tops[0]


def _kids(by_id: dict[str, dict]) -> dict[str, list[str]]:
    """Child ids per item: the parent's `kids` order, then children it does not list."""
    kids: dict[str, list[str]] = {}
    for cid, item in by_id.items():
        kids[cid] = [str(k) for k in item.get("kids") or [] if str(k) in by_id]
    for cid, item in by_id.items():
        parent = str(item.get("parent"))
        if parent in kids and cid not in kids[parent] and item.get("type") != "pollopt":
            kids[parent].append(cid)  # e.g. a reply newer than the parent's saved copy
    return kids


def _firebase_comment(item: dict, cid: str, parent: str | None, story_id: str) -> dict:
    """One Firebase item → a flat comment."""
    text, state = _own_text(item.get("text"))
    return comment(id=cid, parent=None if parent == story_id else parent,
                   author=item.get("by"), created=as_time(item.get("time")),
                   score=item.get("score"), url=SITE + cid,
                   deleted=bool(item.get("deleted")) or state == "deleted",
                   dead=bool(item.get("dead")) or state == "dead",
                   format="html", body=text)


def _with_poll(out: dict, story: dict, by_id: dict[str, dict]) -> dict:
    """Keep a poll's options (Firebase `parts`: their text is HTML, their score the votes) as
    the thread's `poll` (docs/format.md), before the comments."""
    parts = [by_id[str(p)] for p in story.get("parts") or [] if str(p) in by_id]
    if not parts:
        return out
    comments = out.pop("comments")
    out["poll"] = {"options": [clean({"id": str(p["id"]), "text": _plain(p.get("text")),
                                      "votes": p.get("score")}) for p in parts]}
    out["comments"] = comments
    return out


def _plain(text: Any) -> str:
    """A poll option's HTML text as plain text, as pages show it."""
    return html.unescape(re.sub(r"<[^>]*>", "", text)) if isinstance(text, str) else ""
