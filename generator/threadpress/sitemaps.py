"""Sitemaps that scale: `sitemap.xml` is an index of `sitemaps/1.xml`, `sitemaps/2.xml`, …,
each at most 50,000 URLs and 50 MB (the protocol's limits), and `robots.txt` names the index.

Every thread page is listed, and every comment page when they are on, each with `lastmod` from
the thread's newest comment (a comment page shows its replies, so it changes with them). The
comment pages' URLs are not kept anywhere: they are read back from the folders the pages were
written to — the staging folder for a thread rendered in this build, the live output for a
reused one — one thread at a time, so the parent's memory holds one thread's names and one
sitemap file at most, and the list is exactly the pages that exist (an incremental build
lists what a cold one does). Only with base_url: a sitemap needs absolute URLs. A folder is
listed only when it is reached through real folders of that root (sitefs.real_entry), and only
the comment pages' folders in it, never through a link: the sitemap names nothing outside.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable, Iterator
from xml.sax.saxutils import escape

from . import routes, sitefs
from .model import Summary
from .times import iso
from .write import Staging

MAX_URLS = 50_000
MAX_BYTES = 50_000_000 - 1_000    # room for the header and footer
NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
_HEAD = f'<?xml version="1.0" encoding="UTF-8"?>\n<{{0}} xmlns="{NS}">\n'


def chunk_path(n: int) -> str:
    """The n-th (from 1) sitemap file under the index."""
    return f"{routes.SITEMAPS}/{n}.xml"


def urls(threads: list[tuple[Summary, Path]], links: routes.Links, comment_pages: bool
         ) -> Iterator[tuple[str, str]]:
    """(absolute URL, lastmod or "") of the home page, then each thread and its comment pages;
    `threads` pairs a summary with the output root its pages are in now."""
    newest = max((iso(s.updated) for s, _ in threads), default="")
    yield links.absolute(routes.INDEX) or "", newest
    for s, root in threads:
        folder = routes.slug_dir(s.slug)
        mod = iso(s.updated)
        yield links.absolute(folder) or "", mod
        if comment_pages and s.count:
            yield from ((links.absolute(f"{folder}{routes.COMMENTS}/{name}/") or "", mod)
                        for name in _names(root, folder + routes.COMMENTS))


def _names(root: Path, rel: str) -> list[str]:
    """The comment pages' folders in `root`/`rel` (none when it is not a real folder there:
    a thread whose comment pages are all gone, or a link)."""
    if not (sitefs.real_entry(root, rel) and sitefs.real_dir(root / rel)):
        return []
    with os.scandir(root / rel) as listing:
        return sorted(e.name for e in listing if e.is_dir(follow_symlinks=False))


def write(stage: Staging, entries: Iterable[tuple[str, str]], base: routes.Links) -> int:
    """The sitemap files and their index into `stage`; returns the number of files."""
    done: list[str] = []            # each file's newest lastmod
    lines: list[str] = []
    size, newest = 0, ""
    for loc, mod in entries:
        line = f"<url><loc>{escape(loc)}</loc>{f'<lastmod>{mod}</lastmod>' if mod else ''}</url>\n"
        if len(lines) == MAX_URLS or size + len(line.encode()) > MAX_BYTES:
            _flush(stage, len(done) + 1, lines)
            done.append(newest)
            lines, size, newest = [], 0, ""
        lines.append(line)
        size += len(line.encode())
        newest = max(newest, mod)
    _flush(stage, len(done) + 1, lines)
    done.append(newest)
    index = "".join(f"<sitemap><loc>{escape(base.absolute(chunk_path(n)) or '')}</loc>"
                    f"{f'<lastmod>{mod}</lastmod>' if mod else ''}</sitemap>\n"
                    for n, mod in enumerate(done, 1))
    stage.write(routes.SITEMAP, _HEAD.format("sitemapindex") + index + "</sitemapindex>\n")
    stage.write(routes.ROBOTS, robots(base))
    return len(done)


def _flush(stage: Staging, n: int, lines: list[str]) -> None:
    stage.write(chunk_path(n), _HEAD.format("urlset") + "".join(lines) + "</urlset>\n")


def robots(links: routes.Links) -> str:
    """Everything may be crawled; the sitemap index is named by its absolute URL. (Crawlers
    read robots.txt only at a domain's root: under a project path it is inert, but harmless.)"""
    return f"User-agent: *\nAllow: /\n\nSitemap: {links.absolute(routes.SITEMAP)}\n"
