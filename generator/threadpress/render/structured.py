"""Structured data for search engines: schema.org JSON-LD, inlined in a page's <head>.

A thread page carries a `DiscussionForumPosting` whose `comment` is the whole tree, as Google's
guidance for threaded forums asks: every comment a `Comment` with its `url` (its permalink),
`author`, `datePublished`, the start of its `text` (TREE_TEXT characters: the page itself has
the whole text) and its replies nested in its own `comment`, down to TREE_DEPTH levels (deeper
replies are listed beside each other there). The tree is written out in one pass over the
comments in pre-order, never by recursion, so a chain of any depth serialises.
A comment page carries the comment itself, `parentItem` pointing at the comment it answers or
at the thread.

The JSON is escaped for a <script> element: `<`, `>` and `&` become `\\u003c`…, so no body can
close the element (`</script>`) or open a comment (`<!--`), and U+2028/U+2029 are escaped too.
"""

from __future__ import annotations

import json
from typing import Any, Callable

from markupsafe import Markup

from .. import routes
from ..times import iso
from .views import CommentView, ThreadView, excerpt

TREE_TEXT = 20        # characters of each comment's text in the thread page's tree (its budget: docs/themes.md)
# Comments nest at most this deep in the tree; deeper replies are listed beside each other at
# this depth, under their ancestor. Each level is two JSON levels (object, array), and readers
# of JSON-LD limit nesting (Ruby's default is 100 levels, Python's about 1,000).
TREE_DEPTH = 40
COMMENT_TEXT = 100    # characters of a comment's (or opening post's) text on its own page
_ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026",
            0x2028: "\\u2028", 0x2029: "\\u2029"}


def script_json(data: dict[str, Any]) -> Markup:
    """JSON safe to place between <script type="application/ld+json"> and </script>."""
    return Markup(_dumps(data).translate(_ESCAPES))


def _person(name: str | None) -> dict[str, str] | None:
    return {"@type": "Person", "name": name} if name else None


def _clean(d: dict[str, Any]) -> dict[str, Any]:
    """Drop keys without a value: an absent property says "unknown" in schema.org."""
    return {k: v for k, v in d.items() if v not in (None, "", [])}


def _comment(v: CommentView, url: str, chars: int) -> dict[str, Any]:
    c = v.c
    return _clean({"@type": "Comment", "url": url,
                   "author": None if c.deleted else _person(c.author),
                   "datePublished": iso(c.created) or None,
                   "text": excerpt(v.html, chars)})


def thread_data(view: ThreadView, url: str, permalink: Callable[[CommentView], str]
                ) -> Markup:
    """The thread page's DiscussionForumPosting with every comment nested under the one it
    answers; `permalink(v)` is a comment's URL."""
    t = view.t
    head = _clean({
        "@context": "https://schema.org", "@type": "DiscussionForumPosting", "url": url,
        "headline": t.title, "author": _person(t.author),
        "datePublished": iso(t.created) or None, "text": excerpt(view.html, COMMENT_TEXT),
        "sharedContent": view.url, "commentCount": view.count})
    text = _dumps(head)
    if view.comments:
        text = text[:-1] + ',"comment":' + _tree(view.comments, permalink) + "}"
    return Markup(text.translate(_ESCAPES))


def _tree(comments: list[CommentView], permalink: Callable[[CommentView], str]) -> str:
    """The comments (pre-order, each after its parent) as a JSON array of nested Comments.

    Each object is left open while its replies follow (`..."comment":[`) and closed when the
    walk comes back above its depth: the nesting is a count, not a call stack."""
    parts = ["["]
    open_depths: list[int] = []      # depths of the comments whose reply lists are open
    first = True                     # nothing yet in the innermost open list
    for v in comments:
        depth = min(v.c.depth, TREE_DEPTH)
        while open_depths and open_depths[-1] >= depth:
            open_depths.pop()
            parts.append("]}")
            first = False
        if not first:
            parts.append(",")
        fields = _dumps(_comment(v, permalink(v), TREE_TEXT))
        if v.c.children and depth < TREE_DEPTH:
            parts.append(fields[:-1] + ',"comment":[')
            open_depths.append(depth)
            first = True
        else:
            parts.append(fields)
            first = False
    parts.append("]}" * len(open_depths) + "]")
    return "".join(parts)


def _dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def comment_data(view: ThreadView, v: CommentView, url: str, parent_url: str) -> Markup:
    """A comment page's Comment, with the comment or thread it answers as `parentItem`."""
    parent = ({"@type": "Comment", "url": parent_url} if v.parent is not None else
              {"@type": "DiscussionForumPosting", "url": parent_url, "headline": view.t.title})
    return script_json({"@context": "https://schema.org", **_comment(v, url, COMMENT_TEXT),
                        "parentItem": parent})


def thread_url(links: routes.Links, page: str, slug: str) -> str:
    """The thread page's URL as seen from `page`: absolute with base_url, else relative."""
    target = routes.slug_dir(slug)
    return links.absolute(target) or links.href(page, target) or "./"
