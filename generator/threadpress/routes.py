"""The route table: every output path and URL of a site, and the rules that keep them apart.

Nothing else builds paths. A thread with slug `S` owns `S/index.html`, `S/thread.json` and the
folder `S/c/` (a page per comment, `S/c/<id>/index.html`); the site owns the top-level names in
`RESERVED`. Paths are worked out from small per-thread summaries before anything is rendered, so
two things that would land on one file are an error naming both sources, at `check` and `build`.

Every URL the site writes to one of its own files comes from `url_path` (through `Links`): each
segment percent-encoded, so a slug such as `a?b`, `a#b` or `a%20b` names its own folder in every
page, search result, sitemap, feed, redirect and JSON-LD alike.

Path segments longer than the file system's limit (255 bytes) get a stable shortened form: a
readable prefix, `~~`, and a hash of the whole segment. A raw `~` never survives the id encoding
(it becomes `~7E`), so a shortened segment cannot equal any other id's segment.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Iterable
from urllib.parse import quote

from .anchors import encode_id
from .errors import Diagnostic

NAME_MAX = 255                      # bytes in one file name, on every common file system
PATH_MAX = 4096                     # bytes in a whole path, on Linux
# Bytes of a thread's folder (its shortened segments): what is left of PATH_MAX holds the
# output folder's own path, the staging folder, `c/<comment id ≤ 255>/index.html` and the
# state folder's search documents.
SLUG_MAX = 1024
HASH_CHARS = 16
MARKER = ".threadpress-output"     # lets a rebuild know the folder it replaces is its own

THREAD_PAGE = "index.html"
THREAD_JSON = "thread.json"
COMMENTS = "c"
FEED = "feed.xml"                   # the site's feed, and each thread's (with base_url)
THREAD_OWNS = (THREAD_PAGE, THREAD_JSON, COMMENTS, FEED)   # names under a thread's folder

INDEX = "index.html"
PAGES = "page"                      # page/2/index.html, …
SINGLES = "single/"                 # threads without replies, listed apart (index_singles)
NOT_FOUND = "404.html"
STATIC = "static"
SITEMAP = "sitemap.xml"              # the sitemap index, of sitemaps/1.xml, …
SITEMAPS = "sitemaps"
ROBOTS = "robots.txt"
TAGS = "tags"                       # tags/<tag>/, and tags/ the list of all tags
AUTHORS = "authors"                 # authors/<name>/, and authors/ the list of all authors
SEARCH_PAGE = "search/index.html"
SEARCH_INDEX = "pagefind"           # pagefind/<shard>/: one Pagefind bundle per shard
# Top-level names the site uses or will use; a thread slug may not start with one of them.
RESERVED = frozenset({INDEX, NOT_FOUND, PAGES, STATIC, SITEMAP, MARKER, ".nojekyll", "CNAME",
                      SINGLES.rstrip("/"),
                      ROBOTS, FEED, TAGS, AUTHORS, "search", "pagefind",
                      SITEMAPS})


def segment(name: str) -> str:
    """A path segment that fits the file system: itself, or a readable prefix plus a hash."""
    raw = name.encode("utf-8", "surrogatepass")
    if len(raw) <= NAME_MAX:
        return name
    digest = hashlib.blake2b(raw, digest_size=HASH_CHARS // 2).hexdigest()
    keep = raw[: NAME_MAX - 2 - len(digest) - 40].decode("utf-8", "ignore")  # whole characters
    return f"{keep}~~{digest}"


def slug_dir(slug: str) -> str:
    """A thread's folder, relative to the output root, with a trailing slash."""
    return "/".join(segment(p) for p in slug.split("/")) + "/"


def comment_segment(cid: str) -> str:
    return segment(encode_id(cid))


def thread_page(slug: str) -> str:
    return slug_dir(slug) + THREAD_PAGE


def thread_json(slug: str) -> str:
    return slug_dir(slug) + THREAD_JSON


def thread_feed(slug: str) -> str:
    return slug_dir(slug) + FEED


def comment_dir(slug: str, cid: str) -> str:
    return f"{slug_dir(slug)}{COMMENTS}/{comment_segment(cid)}/"


def comment_page(slug: str, cid: str) -> str:
    return comment_dir(slug, cid) + "index.html"


def index_page(n: int, listing: str = "") -> str:
    """Page n (from 1) of the thread index, or of another listing in the folder `listing`."""
    return listing + (INDEX if n == 1 else f"{PAGES}/{n}/index.html")


def term_page(taxonomy: str, name: str, n: int) -> str:
    """Page n (from 1) of one tag's or one author's list: `tags/<tag>/`, `tags/<tag>/page/2/`."""
    base = f"{taxonomy}/{term_segment(name)}/"
    return base + (INDEX if n == 1 else f"{PAGES}/{n}/index.html")


# Names the list of all terms uses inside a taxonomy's folder (`tags/index.html`,
# `tags/page/2/`), compared without case (a case-insensitive disk folds them together).
TERMS_OWN = frozenset({INDEX, PAGES})


def term_segment(name: str) -> str:
    """A tag's or author's folder name: the name encoded like a comment id (one-to-one, safe
    in a path), shortened if long; a name the list of terms itself uses (an author called
    `page`, a tag `index.html`) gets its first letter encoded too (`~70age`), which is still
    one-to-one because the id encoding never writes a letter as `~` and hex."""
    encoded = encode_id(name)
    if encoded.lower() in TERMS_OWN:
        encoded = f"~{ord(encoded[0]):02X}{encoded[1:]}"
    return segment(encoded)


def term_href(taxonomy: str, name: str) -> str:
    """A tag's or author's first page from the site root, as a URL-encoded folder."""
    return url_path(folder_of(term_page(taxonomy, name, 1)))


def terms_page(taxonomy: str, n: int) -> str:
    """Page n of the list of all tags or all authors: `tags/`, `tags/page/2/`, …"""
    return f"{taxonomy}/" + (INDEX if n == 1 else f"{PAGES}/{n}/index.html")


def asset(name: str) -> str:
    return f"{STATIC}/{name}"


def search_bundle(shard: str) -> str:
    """A search shard's Pagefind bundle folder, with a trailing slash."""
    return f"{SEARCH_INDEX}/{shard}/"


def search_part(n: int) -> str:
    """A thread's n-th search document, inside its folder (only in Pagefind's input, never in
    the output: the search page maps it back to the thread page)."""
    return f"search-{n}.html"


def thread_entries(slug: str, comment_pages: bool, feed: bool = False) -> list[str]:
    """What a thread's build owns, as paths relative to the output root (files and folders);
    `comment_pages`: it has any, `feed`: it has one (the site has a base_url)."""
    base = slug_dir(slug)
    owned = [base + THREAD_PAGE, base + THREAD_JSON]
    return owned + [base + COMMENTS] * comment_pages + [base + FEED] * feed


def alias_entries(alias: str) -> list[str]:
    """What an alias (an old slug) owns: its redirect page and its comment pages' redirects."""
    base = slug_dir(alias)
    return [base + THREAD_PAGE, base + COMMENTS]


def url_path(route: str) -> str:
    """A route (a `/`-separated path from the output root, or from one page to another, `..`
    allowed) as the path of a URL that names it: each segment percent-encoded.

    Only RFC 3986's unreserved characters (letters, digits, `-._~`) stand for themselves. That
    covers WHATWG's path percent-encode set (controls, space, `"`, `#`, `<`, `>`, `?`, a
    backtick, `{`, `}`, and non-ASCII as its UTF-8 bytes), and also `%` (else `a%20b` would
    name `a b`), `:` (a relative link `a:b/` would be read as a scheme), `\\` (a browser reads
    it as `/`) and `;=,&+'!$()*@[]|^`, which some server or reader could take for something
    else. A server decodes each segment back to the name."""
    return "/".join(quote(part, safe="") for part in route.split("/"))


def folder_of(path: str) -> str:
    """The folder a page is served from: `a/b/index.html` → `a/b/`, `404.html` → ``."""
    return path.rsplit("/", 1)[0] + "/" if "/" in path else ""


@dataclass(frozen=True)
class Links:
    """URLs between pages: relative to the page that links, or absolute from `base_url`."""

    base_url: str = ""

    def href(self, page: str, target: str) -> str:
        """A relative URL from the page at path `page` to the file or folder `target`
        (a folder ends in `/`); URL-encoded."""
        here = folder_of(page).split("/")[:-1]
        there = target.split("/")
        common = 0
        while common < len(here) and common < len(there) - 1 and here[common] == there[common]:
            common += 1
        rel = "../" * (len(here) - common) + "/".join(there[common:])
        return url_path(rel)

    def absolute(self, target: str) -> str | None:
        """The absolute URL of a file or folder, when the site's base_url is known."""
        if not self.base_url:
            return None
        return self.base_url + url_path(target.removesuffix("index.html") if target.endswith(
            "/index.html") or target == "index.html" else target)


# A relative link to a folder (`../../`, `c/1/#c-1`, `./`), not one with a scheme, a root-relative
# one or a bare fragment.
_FOLDER_LINK = re.compile(r'href="(?![A-Za-z][A-Za-z0-9+.-]*:|/|#)([^"#?]*/)((?:#[^"]*)?)"')


def offline_links(page: str) -> str:
    """Every relative link to a folder made to end in `index.html`: opened from the disk (a USB
    stick, a downloaded copy) there is no web server to turn `thread/` into its index page."""
    return _FOLDER_LINK.sub(r'href="\1index.html\2"', page)


def collisions(slugs: Iterable[tuple[str, str]],
               aliases: Iterable[tuple[str, str, int]] = ()) -> list[Diagnostic]:
    """Two threads whose files would land on one path: one slug twice, a slug inside another
    thread's own files (its page, JSON or comment pages) or on a name the site uses, or a slug
    too long for the file system (SLUG_MAX); and the same for aliases (old slugs, which own a
    redirect page and comment redirects).

    `slugs` holds (slug, file it came from); `aliases` (alias, file, its index in the file's
    `aliases`). Needs slugs only: comment pages live inside their thread's `c/` folder and
    their segments are one-to-one within a thread."""
    routes = [(slug, source, ("slug",), "slug") for slug, source in slugs] + [
        (alias, source, ("aliases", i), "alias") for alias, source, i in aliases]
    diags: list[Diagnostic] = []
    owner: dict[str, tuple[str, str]] = {}
    pairs = sorted(routes, key=lambda p: (p[0], p[3] != "slug", p[1], p[2]))
    for slug, source, at, what in pairs:
        folder = slug_dir(slug)
        if folder in owner:
            first, kind = owner[folder]
            diags.append(Diagnostic(f"{what} {slug!r} is also the {kind} of {first}; both "
                                    "would be written to one folder", source, field=at))
            continue
        owner[folder] = (source, what)
    for slug, source, at, what in pairs:
        parts = slug_dir(slug).split("/")[:-1]
        size = len(slug_dir(slug).encode("utf-8", "surrogatepass"))
        if size > SLUG_MAX:
            shown = slug if len(slug) <= 60 else slug[:60] + "…"
            diags.append(Diagnostic(f"{what} {shown!r} is a folder path of {size} bytes, over "
                                    f"the {SLUG_MAX} a thread may take (its pages' paths must "
                                    f"fit the file system's {PATH_MAX}); choose a shorter "
                                    f"{what}", source, field=at))
            continue
        if parts[0] in RESERVED:
            diags.append(Diagnostic(f"{what} {slug!r} lands on {parts[0]!r}, which the site "
                                    f"itself uses; choose another {what}", source, field=at))
            continue
        for i in range(1, len(parts)):
            above = "/".join(parts[:i]) + "/"
            if above in owner and parts[i] in THREAD_OWNS:
                first, kind = owner[above]
                whose = f"thread {first}" if kind == "slug" else f"an alias in {first}"
                diags.append(Diagnostic(
                    f"{what} {slug!r} lands inside the files of {whose} "
                    f"({above}{parts[i]}); choose another {what}", source, field=at))
                break
    return diags


def is_inside(rel: str) -> bool:
    """A relative output path that stays inside the output folder: not empty, not absolute,
    no `.` or `..` segment (`.` alone would be the folder itself), no backslash or NUL."""
    return bool(rel) and not rel.startswith("/") and "\\" not in rel and "\x00" not in rel \
        and all(part not in ("..", ".") for part in rel.split("/"))
