"""Tag pages and author pages: `tags/<tag>/`, `authors/<name>/`, paginated, with the lists of
all tags (`tags/`) and all authors (`authors/`). `taxonomies:` in the config picks them.

Tag pages are made from the threads' summaries, which the build holds anyway. Author pages need
every comment of every thread (who wrote it, where, its first words): far too much to hold. So
each thread's task writes its own contribution — one JSON line per post — into a side file in
the build state folder (`<state>/posts/<hash of the file's path>.jsonl`), beside, never inside,
the output. A reused thread's side file is the one its last rendering wrote, so a changed
thread changes only its own lines. At site-page time the side files of the current threads are
streamed into an SQLite database on disk and read back per author in order: memory stays
bounded, the cost is one sort, and an incremental build gives what a cold one does.

The state folder is in the site, where anyone may have edited it: side files and digests are
read without following a link, and a row or digest of the wrong shape is discarded, never
used (a side file holding one is removed with a warning, so the next build renders its
thread again).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from . import routes, sitefs
from .anchors import anchor
from .model import Summary
from .times import iso

TERMS_PER_PAGE = 500      # names on a page of the list of all tags or authors
POSTS_PER_PAGE = 50       # posts on a page of one author's list
EXCERPT = 200             # characters of each post's text on an author page


def side_file(folder: str | Path, rel: str, version: str) -> Path:
    """Where a thread file's posts are kept, in the build state folder. `version` names what
    they were made from (the file's hash and the spec's key): a build that fails after
    writing a side file must not leave it where the last good build's thread will look."""
    key = f"{rel}\0{version}".encode("utf-8", "surrogateescape")
    return Path(folder) / f"{hashlib.blake2b(key, digest_size=12).hexdigest()}.jsonl"


def spill(view, path: Path) -> None:
    """Write a thread's posts (its opening post, then every comment with an author, in thread
    order) as JSON lines: [author, created, position (-1: the thread), comment id, excerpt]."""
    from .render.views import excerpt

    t = view.t
    rows = [[t.author, iso(t.created), -1, "", excerpt(view.html, EXCERPT)]] if t.author else []
    rows += [[v.c.author, iso(v.c.created), v.c.index, v.id, excerpt(v.html, EXCERPT)]
             for v in view.comments if v.c.author and not v.c.deleted]
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    os.replace(tmp, path)


def tag_pages(threads: list[Summary]) -> Iterator[tuple[str, list[Summary]]]:
    """(tag, its threads in index order) for every tag, by name; `threads` in index order."""
    by_tag: dict[str, list[Summary]] = {}
    for t in threads:
        for tag in dict.fromkeys(t.tags):
            by_tag.setdefault(tag, []).append(t)
    for tag in sorted(by_tag):
        yield tag, by_tag[tag]


class Posts:
    """Every post of the site, per author, in an SQLite database on disk (a temporary file)."""

    def __init__(self, folder: str | Path, threads: dict[str, tuple[Summary, str]]) -> None:
        """`threads`: thread file (rel) → its summary and side-file version."""
        self._dir = tempfile.TemporaryDirectory(prefix="threadpress-posts-")
        self.db = sqlite3.connect(os.path.join(self._dir.name, "posts.db"))
        self.db.executescript(
            "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-16000;"
            "CREATE TABLE thread(id INTEGER PRIMARY KEY, slug TEXT, title TEXT);"
            "CREATE TABLE post(author TEXT, created TEXT, thread INTEGER, pos INTEGER,"
            " cid TEXT, text TEXT);")
        for n, rel in enumerate(sorted(threads)):
            s, version = threads[rel]
            self.db.execute("INSERT INTO thread VALUES (?, ?, ?)", (n, s.slug, s.title))
            self.db.executemany("INSERT INTO post VALUES (?, ?, ?, ?, ?, ?)",
                                ((a, c, n, p, cid, text) for a, c, p, cid, text
                                 in _rows(side_file(folder, rel, version))))
        self.db.execute("CREATE INDEX by_author ON post(author)")

    def close(self) -> None:
        self.db.close()
        self._dir.cleanup()

    def authors(self) -> Iterator[tuple[str, int]]:
        """(author, number of posts), by name."""
        yield from self.db.execute(
            "SELECT author, COUNT(*) FROM post GROUP BY author ORDER BY author")

    def count(self) -> int:
        """How many authors there are."""
        return self.db.execute("SELECT COUNT(DISTINCT author) FROM post").fetchone()[0]

    def of(self, author: str) -> Iterator[tuple[str, str, str, int, str, str]]:
        """An author's posts as (created, slug, title, position, comment id, text): newest
        first, undated last, ties in thread order."""
        yield from self.db.execute(
            "SELECT created, slug, title, pos, cid, text FROM post JOIN thread ON thread.id ="
            " post.thread WHERE author = ? ORDER BY created = '', created DESC, slug, pos",
            (author,))


def _rows(path: Path) -> list[list]:
    """A side file's rows, or none when it is missing or not what spill() writes (a corrupt
    one is removed, with a warning: its thread is rendered again by the next build)."""
    try:
        data = sitefs.read_own(path)
    except FileNotFoundError:
        return []
    except OSError:
        data = b"\xff"   # a link or a folder: corrupt
    try:
        rows = [json.loads(line) for line in data.decode("utf-8").splitlines()]
        if all(_is_row(row) for row in rows):
            return rows
    except ValueError:
        pass
    print(f"warning: {sitefs.shown(path)}: a corrupt file in the build state, discarded; the "
          "next build renders its thread again", file=sys.stderr)
    with contextlib.suppress(OSError):
        os.unlink(path)
    return []


def _is_row(row: object) -> bool:
    """[author, created, position, comment id, excerpt], as spill() writes them."""
    return isinstance(row, list) and len(row) == 5 and isinstance(row[2], int) \
        and all(isinstance(row[i], str) for i in (0, 1, 3, 4))


def post_link(links: routes.Links, comment_pages: bool) -> Callable[[str, str, str], str]:
    """How an author page links to a post: the comment's page, or its anchor without pages."""
    def link(page: str, slug: str, cid: str) -> str:
        if not cid:
            return links.href(page, routes.slug_dir(slug))
        if comment_pages:
            return links.href(page, routes.comment_dir(slug, cid))
        return links.href(page, routes.slug_dir(slug)) + "#" + anchor(cid)
    return link


DIGESTS = "authors.json"


@dataclass
class Reuse:
    """Author pages carried over from the live output: an author's folder is moved, not
    rendered, when the digest of everything its pages show (the spec's key, the author's posts
    with their threads' slugs and titles) equals the one the live output's build saved."""

    live: Path                      # the live output
    salt: str                       # the spec's key: templates, config and code
    previous: dict[str, list] = field(default_factory=dict)   # author → [digest, files, bytes]
    pages: dict[str, list] = field(default_factory=dict)      # the same, for this build
    moved: list[str] = field(default_factory=list)            # folders to move from `live`
    files: int = 0                  # in the moved folders
    bytes: int = 0

    def digest(self, posts: "Posts", author: str) -> str:
        h = hashlib.blake2b(f"{self.salt}\0{author}".encode("utf-8", "surrogatepass"),
                            digest_size=16)
        for row in posts.of(author):
            h.update(json.dumps(row, ensure_ascii=False).encode("utf-8", "surrogatepass"))
        return h.hexdigest()

    def keep(self, author: str, digest: str, folder: str) -> bool:
        """Whether the author's pages can be moved from the live output as they are."""
        old = self.previous.get(author)
        if old is None or old[0] != digest or not sitefs.real_dir(self.live / folder) \
                or not sitefs.real_entry(self.live, folder.rstrip("/")):
            return False
        self.pages[author] = old
        self.moved.append(folder.rstrip("/"))
        self.files, self.bytes = self.files + old[1], self.bytes + old[2]
        return True


def load_digests(folder: Path, build_id: str) -> dict[str, list]:
    """The author pages' digests saved by the build that made the live output (none when the
    file describes another build: a failed build never saves it)."""
    try:
        data = json.loads(sitefs.read_own(folder / DIGESTS).decode("utf-8"))
    except (OSError, ValueError):
        return {}
    if not build_id or not isinstance(data, dict) or data.get("build_id") != build_id:
        return {}
    pages = data.get("pages")
    if not isinstance(pages, dict):
        return {}
    # [digest, files, bytes] each: anything else is not used (that author is rendered again)
    return {author: page for author, page in pages.items()
            if isinstance(page, list) and len(page) == 3 and isinstance(page[0], str)
            and all(isinstance(n, int) and not isinstance(n, bool) for n in page[1:])}


def save_digests(folder: Path, build_id: str, pages: dict[str, list]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{DIGESTS}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps({"build_id": build_id, "pages": pages}, ensure_ascii=False),
                   encoding="utf-8")
    os.replace(tmp, folder / DIGESTS)
