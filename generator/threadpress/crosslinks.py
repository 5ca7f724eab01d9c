"""Links into the archive: a link to a thread or comment that the site holds leads to its copy.

One table row per source turns the URL forms of that site into a key that names an item
independently of the form used (`hn:123`, `reddit:c:abc`, `github:owner/repo#7`, …). Each
thread *provides* keys (its own, from its `source` URL; its comments', from their `url`, or for
Hacker News their ids) and *wants* keys (the links in its bodies). The map of provided keys to
(slug, comment id) holds ids only, one entry per archived item.

A thread's pages depend on how its wanted keys resolve, so each build records a digest of that
resolution per thread; the build re-renders any thread whose digest differs under the final
map (see build.py), which keeps incremental builds equal to cold ones without making every
thread depend on every other.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable
from urllib.parse import unquote

from . import routes
from .anchors import anchor
from .model import Thread
from .render.urls import safe_url

Target = tuple[str, str]          # (thread slug, comment id or "" for the thread itself)


def _hn(m: re.Match) -> str:
    return f"hn:{m['id']}"


def _reddit(m: re.Match) -> str:
    return f"reddit:c:{m['c']}" if m["c"] else f"reddit:{m['post']}"


def _github(m: re.Match) -> str:
    if m["c"]:
        return f"github:c:{m['c']}"
    return f"github:{m['repo'].lower()}#{m['n']}"


def _discourse(m: re.Match) -> str:
    post = m["post"] if m["post"] and m["post"] != "1" else ""
    return f"discourse:{m['host'].lower()}/{m['topic']}" + (f"/{post}" if post else "")


def _lobsters(m: re.Match) -> str:
    c = m["c"] or m["c2"]
    return f"lobsters:c:{c}" if c else f"lobsters:{m['s']}"


def _message_id(m: re.Match) -> str:
    return f"mid:{unquote(m['mid']).strip('<>')}"


def _mastodon(m: re.Match) -> str:
    return f"mastodon:{m['host'].lower()}/{m['id']}"


# (source, URL form, key). Matched against the whole URL; the first row that matches wins.
TABLE: list[tuple[str, re.Pattern, Callable[[re.Match], str]]] = [
    ("hn", re.compile(r"https?://news\.ycombinator\.com/item\?id=(?P<id>\d+)(?:[&#].*)?"), _hn),
    ("reddit", re.compile(r"https?://(?:[a-z]+\.)?reddit\.com/r/[^/]+/comments/(?P<post>[a-z0-9]+)"
                          r"(?:/[^/?#]*(?:/(?P<c>[a-z0-9]+))?)?/?(?:[?#].*)?"), _reddit),
    ("reddit", re.compile(r"https?://redd\.it/(?P<post>[a-z0-9]+)/?(?P<c>(?!))?"), _reddit),
    ("github", re.compile(r"https?://github\.com/(?P<repo>[^/]+/[^/]+)/(?:issues|pull|discussions)/"
                          r"(?P<n>\d+)/?(?:#(?:issuecomment|discussioncomment)-(?P<c>\d+))?"),
     _github),
    ("lobsters", re.compile(r"https?://lobste\.rs/(?:s/(?P<s>[a-z0-9]+)(?:/[^#?]*)?"
                            r"(?:#c_(?P<c>[a-z0-9]+))?|c/(?P<c2>[a-z0-9]+))/?"), _lobsters),
    ("mastodon", re.compile(r"https?://(?P<host>[^/]+)/(?:@[^/]+|users/[^/]+/statuses)/"
                            r"(?P<id>\d+)/?"), _mastodon),
    # mailing lists: archives that find a message by its Message-ID
    ("mbox", re.compile(r"https?://lore\.kernel\.org/(?:[^/]+/)?(?P<mid>[^/?#]+(?:@|%40)[^/?#]+)"
                        r"(?:/(?:[tT]/?)?)?(?:#.*)?"), _message_id),
    ("mbox", re.compile(r"https?://(?:www\.)?mail-archive\.com/search\?l=mid&q=(?P<mid>[^&#]+)"),
     _message_id),
    ("mbox", re.compile(r"https?://marc\.info/\?i=(?P<mid>[^&#]+)"), _message_id),
    ("mbox", re.compile(r"https?://lists\.debian\.org/msgid-search/(?P<mid>[^?#]+)"), _message_id),
    ("discourse", re.compile(r"https?://(?P<host>[^/]+)/t/(?:[^/]+/)?(?P<topic>\d+)"
                             r"(?:/(?P<post>\d+))?/?(?:\?.*)?"), _discourse),
]


def url_key(url: str | None) -> str | None:
    """The key of an item a URL names, or None when no table row knows the URL. The rows match
    the URL as a browser reads it (render/urls.py), so the host they see is the one a click on
    the original link would reach: `https://evil.example\\@news.ycombinator.com/item?id=1` is
    no Hacker News item."""
    if not url or len(url) > 2000:
        return None
    href = safe_url(url)
    if href is None:
        return None
    for _, pattern, key in TABLE:
        m = pattern.fullmatch(href)
        if m:
            return key(m)
    return None


def provides(thread: Thread) -> list[tuple[str, str]]:
    """(key, comment id or "") of every item the thread holds that a link could name."""
    own = url_key(thread.source)   # not `url`: that is what the thread is about
    root = thread.extra.get("message_id")   # a mailing-list thread (importers/mbox.py)
    if own is None and isinstance(root, str) and "@" in root:
        own = f"mid:{root.strip('<>')}"
    out: list[tuple[str, str]] = [(own, "")] if own else []
    hn = own is not None and own.startswith("hn:")
    mail = own is not None and own.startswith("mid:")
    for c in thread.comments:
        key = url_key(c.url) or (f"hn:{c.id}" if hn and c.id.isdigit() else None) or (
            f"mid:{c.id}" if mail and "@" in c.id else None)
        if key:
            out.append((key, c.id))
    return out


@dataclass
class Archive:
    """The map of archived items, and what one thread's render looked up in it."""

    targets: dict[str, Target] = field(default_factory=dict)
    wanted: dict[str, Target | None] = field(default_factory=dict)   # this thread's lookups

    def for_thread(self) -> "Archive":
        return Archive(self.targets)

    def resolve(self, url: str) -> Target | None:
        key = url_key(url)
        if key is None:
            return None
        target = self.targets.get(key)
        self.wanted[key] = target
        return target

    def digest(self) -> str:
        return resolution_digest(self.wanted)


def resolution_digest(wanted: dict[str, Target | None]) -> str:
    """Names how a thread's links resolved: equal digests, equal pages."""
    h = hashlib.blake2b(digest_size=8)
    for key in sorted(wanted):
        h.update(json.dumps([key, wanted[key]]).encode())
    return h.hexdigest()


def current_digest(wants: Iterable[str], targets: dict[str, Target]) -> str:
    return resolution_digest({k: targets.get(k) for k in wants})


def build_map(items: Iterable[tuple[str, Iterable[tuple[str, str]]]]) -> dict[str, Target]:
    """(slug, provided keys) of every thread → the map; the first slug (sorted) wins a key two
    threads provide, so the map does not depend on the order threads were built in."""
    targets: dict[str, Target] = {}
    for slug, keys in sorted(items, key=lambda x: x[0]):
        for key, cid in keys:
            targets.setdefault(key, (slug, cid))
    return targets


def save_map(path: Path, targets: dict[str, Target]) -> str:
    """Write the map where workers read it; returns its digest (which names the version)."""
    text = json.dumps(targets, sort_keys=True, separators=(",", ":"))
    digest = hashlib.blake2b(text.encode(), digest_size=8).hexdigest()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return digest


_LOADED: dict[tuple[str, str], Archive] = {}


def load_map(path: str, digest: str) -> Archive:
    """The map saved as `digest`, read once per process."""
    archive = _LOADED.get((path, digest))
    if archive is None:
        _LOADED.clear()
        raw = json.loads(Path(path).read_text(encoding="utf-8")) if path else {}
        archive = _LOADED[(path, digest)] = Archive({k: tuple(v) for k, v in raw.items()})
    return archive


# --- rewriting a rendered body ----------------------------------------------------------------

# nh3 writes every link as `<a href="…"` (the href first, double-quoted, entities escaped)
_LINK = re.compile(r'<a href="(https?://[^"]+)"')


def rewrite(fragment: str, slug: str, archive: Archive, comment_pages: bool) -> str:
    """A sanitised body's links to archived items, pointed at the copies (relative to the
    thread page; comment pages rebase them like quote links), the original URL as the title."""
    if "<a href=\"http" not in fragment:
        return fragment

    def swap(m: re.Match) -> str:
        original = html.unescape(m.group(1))
        target = archive.resolve(original)
        if target is None:
            return m.group(0)
        href = archived_href(slug, target, comment_pages)
        return f'<a class="archived" href="{html.escape(href)}" title="{m.group(1)}"'

    return _LINK.sub(swap, fragment)


def archived_href(slug: str, target: Target, comment_pages: bool) -> str:
    """From the page of thread `slug` to an archived thread or comment."""
    other, cid = target
    page = routes.thread_page(slug)
    if not cid:
        return routes.Links().href(page, routes.slug_dir(other)) or "./"
    if comment_pages:
        return routes.Links().href(page, routes.comment_dir(other, cid))
    return routes.Links().href(page, routes.slug_dir(other)) + "#" + anchor(cid)
