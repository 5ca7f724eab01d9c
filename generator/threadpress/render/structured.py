"""Structured data for search engines: schema.org JSON-LD, inlined in a page's <head>.

A thread page carries a `DiscussionForumPosting` with its first few top-level comments as
`Comment` items (each with its reply count) and the count of all: every comment would repeat
the page's text a second time, and the lean-output target for thread pages (≤ 1.3× Hugo's)
leaves no room for that (measured on the S corpus: all top-level comments with 100 characters
each made the JSON-LD 9% of the thread pages; at M, five of 80 characters made the thread
pages 1.32× Hugo's, 1.29× without JSON-LD). A comment page carries the
comment itself, `parentItem` pointing at the comment it answers or at the thread.

The JSON is escaped for a <script> element: `<`, `>` and `&` become `\\u003c`…, so no body can
close the element (`</script>`) or open a comment (`<!--`), and U+2028/U+2029 are escaped too.
"""

from __future__ import annotations

import json
from itertools import islice
from typing import Any, Callable

from markupsafe import Markup

from .. import routes
from ..times import iso
from .views import CommentView, ThreadView, excerpt

TOP_COMMENTS = 3      # top-level comments listed on the thread page (commentCount has all)
TOP_TEXT = 60         # characters of each one's text
COMMENT_TEXT = 100    # characters of a comment's (or opening post's) text on its own page
_ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026",
            0x2028: "\\u2028", 0x2029: "\\u2029"}


def script_json(data: dict[str, Any]) -> Markup:
    """JSON safe to place between <script type="application/ld+json"> and </script>."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return Markup(text.translate(_ESCAPES))


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
    """The thread page's DiscussionForumPosting; `permalink(v)` is a comment's URL."""
    t = view.t
    top = [dict(_comment(v, permalink(v), TOP_TEXT), commentCount=v.c.descendants)
           for v in islice((v for v in view.comments if v.c.depth == 0), TOP_COMMENTS)]
    return script_json(_clean({
        "@context": "https://schema.org", "@type": "DiscussionForumPosting", "url": url,
        "headline": t.title, "author": _person(t.author),
        "datePublished": iso(t.created) or None, "text": excerpt(view.html, COMMENT_TEXT),
        "sharedContent": view.url, "commentCount": view.count, "comment": top}))


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
