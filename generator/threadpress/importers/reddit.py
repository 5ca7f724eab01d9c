"""Reddit: a thread's `.json` — a list of two Listings, the t3 post and the t1 comment forest."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from .common import (as_time, bad_input, clean, comment, http_get, kind_of, parse_json,
                     thread)

SITE = "https://www.reddit.com"
GONE = ("[deleted]", "[removed]")
EXPECTED = ("not a Reddit thread .json: expected a list of two Listings "
            "(the t3 post, then the t1 comments)")
_ENTITY_AFTER_AMP = re.compile(r"&amp;(?![#A-Za-z0-9]+;)")


def convert(payload: bytes, name: str) -> list[dict]:
    """Convert one thread's `.json` (with or without raw_json=1) into one thread."""
    data = parse_json(payload, name)
    post = _post_of(data, name)
    escaped = _escaped(post, data)
    comments, more = _comments(data[1]["data"].get("children") or [], post, escaped)
    return [to_thread(post, comments, more, escaped)]


def fetch(arg: str) -> bytes:
    """Download a thread's `.json` given its URL or its base-36 id."""
    if re.fullmatch(r"[a-z0-9]{4,10}", arg):
        url = f"{SITE}/comments/{arg}"
    elif re.match(r"https?://([a-z]+\.)?(reddit\.com|redd\.it)/", arg):
        parts = urlsplit(arg)
        url = urlunsplit(("https", parts.netloc, parts.path.rstrip("/").removesuffix(".json"),
                          "", ""))
    else:
        raise bad_input(arg, "not a Reddit thread URL or id (expected e.g. 3hahrw or "
                             "https://www.reddit.com/r/funny/comments/3hahrw/ba_dum_tsss/)")
    return http_get(f"{url}.json?raw_json=1&limit=500", arg)


def _post_of(data: Any, name: str) -> dict:
    """The t3 post's data, after checking the payload's overall shape."""
    listings = data if isinstance(data, list) else []
    ok = len(listings) >= 2 and all(_is_listing(x) for x in listings[:2])
    posts = listings[0]["data"].get("children") or [] if ok else []
    if not ok or not posts or posts[0].get("kind") != "t3":
        found = kind_of(data)
        if isinstance(data, list) and data:
            found += f" whose first is {kind_of(data[0])}"
        raise bad_input(name, f"{EXPECTED}; found {found}")
    return posts[0]["data"]


def _is_listing(value: Any) -> bool:
    """A `{"kind": "Listing", "data": {...}}` wrapper."""
    return isinstance(value, dict) and value.get("kind") == "Listing" \
        and isinstance(value.get("data"), dict)


def _escaped(post: dict, data: list) -> bool:
    """Was the payload fetched without raw_json=1? Then its HTML fields are entity-escaped."""
    html = post.get("selftext_html") or ""
    if not html:
        first = (data[1]["data"].get("children") or [{}])[0]
        html = (first.get("data") or {}).get("body_html") or ""
    return html.startswith("&lt;")


def unescape(text: str | None, escaped: bool) -> str | None:
    """Undo Reddit's entity escaping of Markdown/plain text.

    Without raw_json every `&`, `<`, `>` arrives as `&amp;`, `&lt;`, `&gt;`: undo all three
    (`&amp;` last, so `&amp;lt;` stays the text `&lt;`). With raw_json old bodies can still
    hold a stored `&amp;` (its body_html shows `&amp;amp;`): turning that into `&` changes
    nothing Markdown renders, unless it would start an entity, so those are left alone.
    """
    if text is None:
        return None
    if escaped:
        return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return _ENTITY_AFTER_AMP.sub("&", text)


def _comments(forest: list, post: dict, escaped: bool) -> tuple[list[dict], dict]:
    """Flatten the nested forest in pre-order with an explicit stack (chains can be deep).

    Returns the comments and the thread-level more-stub totals for top-level stubs.
    """
    top: dict = {}
    out: list[dict] = []
    by_id: dict[str, dict] = {}
    stack: list[tuple[dict, str | None]] = [(t, None) for t in reversed(forest)]
    while stack:
        thing, parent = stack.pop()
        data = thing.get("data") or {}
        if thing.get("kind") == "more":
            _add_more(by_id[parent] if parent in by_id else top, data)
            continue
        if thing.get("kind") != "t1":
            continue  # nothing else appears in a comment forest
        c = to_comment(data, parent, post, escaped)
        out.append(c)
        by_id[c["id"]] = c
        replies = data.get("replies")
        children = replies["data"].get("children") or [] if isinstance(replies, dict) else []
        stack.extend((child, c["id"]) for child in reversed(children))
    return out, top


def _add_more(target: dict, stub: dict) -> None:
    """Count a `more` stub on its parent: hidden comments, or a "continue this thread" link."""
    if stub.get("id") == "_" or (not stub.get("count") and not stub.get("children")):
        target["continue_thread"] = True
        return
    hidden = stub.get("count") or len(stub.get("children") or [])
    target["more_count"] = target.get("more_count", 0) + hidden


def to_comment(d: dict, parent: str | None, post: dict, escaped: bool) -> dict:
    """One t1's data → a flat comment (API payloads and dumps alike); `post` gives the
    permalink prefix when the comment has none."""
    body = d.get("body")
    author = d.get("author")
    permalink = d.get("permalink") or f"{post.get('permalink', '')}{d['id']}/"
    return comment(
        id=str(d["id"]), parent=parent,
        author=None if author in GONE else author,
        created=as_time(d.get("created_utc")),
        edited=_edited(d.get("edited")),
        score=d.get("score"),
        url=SITE + permalink,
        deleted=author in GONE or body in GONE,
        format="gfm",
        body=None if body in GONE else unescape(body, escaped),
        removed=True if body == "[removed]" else None,
        distinguished=d.get("distinguished") or None,
        stickied=True if d.get("stickied") else None)


def _edited(value: Any) -> str | bool | None:
    """`false`, `true` or an epoch → omitted, true, or a UTC time."""
    if value is True:
        return True
    return as_time(value) if value else None


def to_thread(post: dict, comments: list[dict], more: dict, escaped: bool) -> dict:
    """The t3 post's data plus the flat comments → a thread (API payloads and dumps alike)."""
    source = SITE + post["permalink"] if post.get("permalink") else None
    url = post.get("url") or None
    if url and escaped:
        url = unescape(url, escaped)  # escaped payloads escape link URLs too
    if url and (post.get("is_self") or url in (source, post.get("permalink"))):
        url = None  # a self post links to itself
    selftext = post.get("selftext") or None
    flair = unescape(post.get("link_flair_text"), escaped)
    return thread(
        title=unescape(post.get("title"), escaped), id=str(post["id"]), url=url,
        source=source,
        author=None if post.get("author") in GONE else post.get("author"),
        created=as_time(post.get("created_utc")), points=post.get("score"),
        tags=[flair] if flair else None, format="gfm",
        body=None if selftext in GONE else unescape(selftext, escaped),
        edited=_edited(post.get("edited")),
        subreddit=post.get("subreddit"),
        num_comments=post.get("num_comments"),
        deleted=True if selftext in GONE or post.get("author") in GONE else None,
        removed=True if selftext == "[removed]" else None,
        poll=_poll(post.get("poll_data"), escaped),
        **more, comments=comments)


def _poll(poll: Any, escaped: bool) -> dict | None:
    """A poll post's `poll_data` → the thread's `poll` (docs/format.md): options with their
    votes, the total and when voting ends (Reddit gives it in milliseconds)."""
    if not isinstance(poll, dict) or not isinstance(poll.get("options"), list) \
            or not poll["options"]:
        return None
    ends = poll.get("voting_end_timestamp")
    return clean({
        "options": [clean({"text": unescape(o["text"], escaped)
                           if isinstance(o.get("text"), str) else "",
                           "votes": o.get("vote_count")})
                    for o in poll["options"] if isinstance(o, dict)],
        "total": poll.get("total_vote_count"),
        "ends": as_time(ends // 1000) if isinstance(ends, int) and not isinstance(ends, bool)
        else None,
    })
