"""Atom feeds (RFC 4287): `feed.xml`, the site's newest threads, and `<thread>/feed.xml`, the
thread's newest comments. Only with base_url: a feed reader needs absolute URLs.

Each entry's id is its permalink (the thread's page, the comment's page or anchor), which never
changes while base_url stays; a time that is unknown is written as the epoch, since Atom
requires one and the output must not depend on when it was built. The site feed is made from
the threads' summaries; a thread's feed is rendered by the thread's own task, so a changed
thread changes its feed and nothing else re-renders.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Iterable
from xml.sax.saxutils import escape, quoteattr

from . import routes
from .model import Summary
from .times import iso

if TYPE_CHECKING:
    from .render.pages import Renderer
    from .render.views import ThreadView

ENTRIES = 50          # entries in the site's feed: the newest threads
THREAD_ENTRIES = 20   # in a thread's feed: its newest comments, in full (at M, 50 of them made
                      # the thread feeds 45 MB, 8% of the site)
EPOCH = "1970-01-01T00:00:00Z"
ATOM = "http://www.w3.org/2005/Atom"
# Characters XML 1.0 does not allow, even escaped: archived text may hold them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def text(s: str) -> str:
    """Text content for XML: escaped, without the characters XML cannot carry."""
    return escape(_NOT_XML.sub("", s))


def attr(s: str) -> str:
    return quoteattr(_NOT_XML.sub("", s))


def _when(t: datetime | None) -> str:
    return iso(t) or EPOCH


def _feed(title: str, self_url: str, page_url: str, author: str, entries: list[str],
          updated: str) -> str:
    return ('<?xml version="1.0" encoding="utf-8"?>\n'
            f'<feed xmlns="{ATOM}">\n'
            f"<title>{text(title)}</title>\n<id>{text(self_url)}</id>\n"
            f"<updated>{updated}</updated>\n<author><name>{text(author)}</name></author>\n"
            f'<link rel="self" type="application/atom+xml" href={attr(self_url)}/>\n'
            f'<link rel="alternate" type="text/html" href={attr(page_url)}/>\n'
            f'<generator uri="https://pypi.org/project/threadpress/">threadpress</generator>\n'
            + "".join(entries) + "</feed>\n")


def _entry(title: str, url: str, updated: str, published: str | None, author: str | None,
           summary: str | None = None, html: str | None = None, base: str = "") -> str:
    parts = [f"<entry>\n<title>{text(title)}</title>\n<id>{text(url)}</id>\n",
             f'<link rel="alternate" type="text/html" href={attr(url)}/>\n',
             f"<updated>{updated}</updated>\n"]
    if published:
        parts.append(f"<published>{published}</published>\n")
    if author:
        parts.append(f"<author><name>{text(author)}</name></author>\n")
    if summary:
        parts.append(f"<summary>{text(summary)}</summary>\n")
    if html is not None:
        # xml:base: a relative link in a body resolves against the thread page, as on the site
        parts.append(f'<content type="html" xml:base={attr(base)}>{text(html)}</content>\n')
    return "".join(parts) + "</entry>\n"


def site_feed(links: routes.Links, title: str, threads: Iterable[Summary]) -> str:
    """feed.xml: the newest threads (by creation, as the index orders them; undated last). A
    removed thread has no entry: not even an empty one says where it was."""
    newest = sorted((t for t in threads if not t.removed), key=lambda t: (
        -(t.created.timestamp()) if t.created else float("inf"), t.slug))[:ENTRIES]
    entries = [_entry(t.title, links.absolute(routes.slug_dir(t.slug)) or "",
                      _when(t.updated or t.created), iso(t.created) or None, t.author,
                      summary=_about(t)) for t in newest]
    updated = max((_when(t.updated or t.created) for t in newest), default=EPOCH)
    return _feed(title, links.absolute(routes.FEED) or "", links.absolute(routes.INDEX) or "",
                 title, entries, updated)


def _about(t: Summary) -> str:
    count = f"{t.count} comment{'s' * (t.count != 1)}"
    return f"{count} · {t.domain}" if t.domain else count


def thread_feed(r: "Renderer", view: "ThreadView") -> str:
    """<thread>/feed.xml: the thread's newest comments, in full (sanitised HTML, links made
    absolute), newest first; comments without a time come last, in thread order."""
    slug = view.slug
    page = r.links.absolute(routes.slug_dir(slug)) or ""
    dated = sorted((v for v in view.comments if not v.c.deleted),
                   key=lambda v: (-(v.c.created.timestamp()) if v.c.created else float("inf"),
                                  v.c.index))[:THREAD_ENTRIES]
    from .render import bodies

    entries = [_entry(f"{v.c.author or 'anonymous'} on “{view.t.title}”",
                      r.comment_url(slug, v, page), _when(v.c.created), iso(v.c.created) or None,
                      v.c.author or "anonymous",
                      html=bodies.rebase_quotelinks(str(v.html), page), base=page)
               for v in dated]
    updated = max([_when(v.c.created) for v in dated] + [_when(view.t.created)])
    return _feed(view.t.title, r.links.absolute(routes.thread_feed(slug)) or "", page,
                 view.t.author or "anonymous", entries, updated)
