"""Full-text search that needs no server: Pagefind indexes in shards, merged in the browser.

What is indexed is what readers search for: each thread's title, its opening post, and every
comment's author and text, as small *search documents* (plain text in minimal HTML, one per
`PART_COMMENTS` comments), never the thread pages with their navigation and repeated context.
Each comment is a heading whose id is the comment's anchor, so Pagefind's sub-results land on
the comment itself, titled with its author.

A thread's task writes its documents into the build state folder, under a key made of the
thread file's hash and the render spec: a documents folder never changes once written. Threads
fall into shards by a hash of their file's path; a shard is named by what it holds, so its
index is built only when one of its threads changed, and is kept in the state folder. The
staged output gets hard links (or copies) of every shard, so the swap stays atomic. There is a
power of two of shards, about `SHARD_COMMENTS` comments each: Pagefind's memory is bounded by
one shard, and a query fetches a few small files from each shard.

The state folder is in the site, where anyone may have put a link: its documents and shards are
read without following one (sitefs.own_files), so nothing outside the site is indexed or
published, and pruning deletes only what is inside it.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Iterable, Iterator

from . import routes, sitefs
from .anchors import anchor
from .errors import Diagnostic
from .model import Thread
from .write import Staging

PART_COMMENTS = 100       # comments per search document: a result's fragment stays small
SHARD_COMMENTS = 50_000   # comments per shard, about: bounds Pagefind's memory and its time
# Pagefind's scripts, styles and wasm: the output needs one copy (the first shard's).
ASSETS = ("pagefind.js", "pagefind-worker.js", "pagefind-ui.js", "pagefind-ui.css",
          "pagefind-highlight.js", "pagefind-modular-ui.js", "pagefind-modular-ui.css",
          "pagefind-component-ui.js", "pagefind-component-ui.css")
EMPTY = ".empty"           # marks a shard whose documents hold no word: Pagefind makes no index
NOTHING = "nothing to index"
# Seconds one shard's Pagefind run may take: a shard is bounded (SHARD_COMMENTS), and indexes
# in seconds; a run this long is stuck (it was, on a `<html lang>` holding a NUL), never slow.
PAGEFIND_TIMEOUT = 600
UNUSED = ("pagefind-modular-ui.js", "pagefind-modular-ui.css", "pagefind-component-ui.js",
          "pagefind-component-ui.css", "pagefind-highlight.js")


def folder(state_file: Path) -> Path:
    """Where an output's search documents and shard indexes are kept, beside its build state."""
    return state_file.with_suffix(".search")


def doc_key(spec_key: str, file_hash: str) -> str:
    """Names a thread's documents by everything they depend on (its file and the spec)."""
    return hashlib.blake2b(f"{spec_key}\0{file_hash}".encode(), digest_size=12).hexdigest()


# --- documents (written by each thread's task) -------------------------------------------------

def write_docs(thread: Thread, dest: Path, language: str) -> None:
    """A thread's search documents into `dest`, whole or not at all (a rename)."""
    if sitefs.real_dir(dest):
        return   # the same key: the same documents
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()   # a removed thread has no documents: its folder is kept, empty
    for rel, text in documents(thread, language):
        path = tmp.joinpath(*rel.split("/"))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    try:
        os.replace(tmp, dest)
    except OSError:   # written meanwhile by another process (same key, same contents)
        shutil.rmtree(tmp, ignore_errors=True)


def documents(thread: Thread, language: str) -> Iterator[tuple[str, str]]:
    """(path, html) of each search document: `<thread folder>/search-<n>.html`; a result's URL
    is its `url` meta, the thread page's folder from the site root."""
    from .render import bodies, views

    known = thread.positions.__contains__
    base = routes.slug_dir(thread.slug)
    if thread.removed is not None:   # taken down (redactions.yaml): not even its address is
        return                       # in the index (an empty document would be a result URL)
    # the result's link: the thread page from the site root (the route table's URL, each
    # segment encoded), not Pagefind's, which is the document's file path unencoded (`a?b/…`).
    # From the root, not from the search page: Pagefind resolves a sub-result's URL (`…#c-1`)
    # from the root of its own URL space, so a `../` would climb out of a project path.
    page = routes.url_path(base)
    head = (f'<!doctype html><html lang="{escape(language)}"><head><meta charset="utf-8">'
            f'<meta data-pagefind-meta="url[content]" content="{escape(page)}">'
            f'<meta data-pagefind-meta="title[content]" content="{escape(thread.title)}">')
    tags = "".join(f'<meta data-pagefind-filter="tag[content]" content="{escape(t)}">'
                   for t in thread.tags)
    comments = thread.comments
    for part in range(max(1, -(-len(comments) // PART_COMMENTS))):
        chunk = comments[part * PART_COMMENTS: (part + 1) * PART_COMMENTS]
        body: list[str] = []
        if part == 0:
            body.append(f"<h1>{escape(thread.title)}</h1>")
            if thread.body:
                text = views.plain_text(bodies.render(thread.body, thread.format, known))
                body.append(f"<p>{escape(text)}</p>")
        authors = sorted({c.author for c in chunk if c.author and not c.deleted})
        for c in chunk:
            if not c.body:
                continue   # nothing to find (a deleted comment without its text)
            text = views.plain_text(bodies.render(c.body, c.format, known))
            body.append(f'<h2 id="{anchor(c.id)}">{escape(views.author_name(c))}</h2>'
                        f'<p>{escape(text)}</p>')
        filters = "".join(f'<meta data-pagefind-filter="author[content]" content="{escape(a)}">'
                          for a in authors)
        yield (f"{base}{routes.search_part(part)}",
               f"{head}{tags}{filters}</head><body>{''.join(body)}</body></html>\n")


# --- shards (planned and indexed by the build) ------------------------------------------------

@dataclass(frozen=True)
class Shard:
    name: str               # changes when any of its documents or the spec changes
    docs: tuple[str, ...]   # `<document key>/<part>` of each search document it holds


def plan(threads: Iterable[tuple[str, str, int]], spec_key: str) -> list[Shard]:
    """Shards for (file path, file hash, comments) of every thread. Each search document goes
    to a shard by a hash of its thread's path and its part number, so a thread bigger than a
    shard is spread over several, and a shard's size stays bounded whatever the threads."""
    threads = sorted(threads)
    total = sum(count + 1 for _, _, count in threads)
    k = 1
    while k * SHARD_COMMENTS < total:
        k *= 2
    groups: list[list[str]] = [[] for _ in range(k)]
    for rel, file_hash, count in threads:
        key = doc_key(spec_key, file_hash)
        for part in range(max(1, -(-count // PART_COMMENTS))):
            where = f"{rel}\0{part}".encode("utf-8", "surrogateescape")
            bucket = int.from_bytes(hashlib.blake2b(where, digest_size=8).digest(), "big") % k
            groups[bucket].append(f"{key}/{part}")
    return [Shard(hashlib.blake2b(f"{k}/{i}/{','.join(g)}".encode(), digest_size=8).hexdigest(),
                  tuple(g)) for i, g in enumerate(groups) if g]


def build(shards: list[Shard], root: Path, config: str = "threadpress.yaml"
          ) -> list[Diagnostic]:
    """Index every shard not already kept in `root`/shards (Pagefind, one shard at a time);
    a failure is reported against the `search` setting of the `config` file."""
    for shard in shards:
        dest = root / "shards" / shard.name
        if sitefs.real_dir(dest) and (sitefs.real_entry(dest, "pagefind-entry.json")
                                      or sitefs.real_entry(dest, EMPTY)):
            continue
        work = root / f".{shard.name}.{os.getpid()}.tmp"
        shutil.rmtree(work, ignore_errors=True)
        try:
            _gather(shard, root / "docs", work / "in")
            problem = _pagefind(work / "in", work / "out")
            if problem == NOTHING:   # documents without a word (a title such as "["): no index
                (work / "out").mkdir(parents=True, exist_ok=True)
                (work / "out" / EMPTY).write_text("")
                problem = None
            elif problem:
                return [Diagnostic(f"search index: {problem}; `search: false` builds "
                                   "without search", config, field=("search",))]
            for name in UNUSED:
                (work / "out" / name).unlink(missing_ok=True)
            if not (work / "out" / EMPTY).exists():
                canonical(work / "out")
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.rmtree(dest, ignore_errors=True)
            os.replace(work / "out", dest)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return []


def _gather(shard: Shard, docs: Path, dest: Path) -> None:
    """Pagefind's input for a shard: links to its documents, at their paths in the site."""
    parts: dict[str, set[str]] = {}
    for doc in shard.docs:
        key, part = doc.split("/")
        parts.setdefault(key, set()).add(routes.search_part(int(part)))
    for key, names in parts.items():
        src = docs / key
        for path in sitefs.own_files(src):
            if path.name in names:
                target = dest / path.relative_to(src)
                target.parent.mkdir(parents=True, exist_ok=True)
                _link(path, target)


def _pagefind(site: Path, out: Path) -> str | None:
    """Runs Pagefind's CLI, for PAGEFIND_TIMEOUT seconds at most; what went wrong, or None."""
    cmd = [*pagefind_command(), "--site", str(site), "--output-path", str(out), "--silent"]
    try:   # `python -m pagefind` execs its binary: the timeout's kill stops Pagefind itself
        done = subprocess.run(cmd, capture_output=True, text=True, errors="replace",
                              timeout=PAGEFIND_TIMEOUT)
    except subprocess.TimeoutExpired:
        return f"Pagefind did not finish within {PAGEFIND_TIMEOUT} seconds and was stopped"
    except OSError as e:
        return f"cannot run Pagefind ({e.strerror})"
    if done.returncode != 0 or not (out / "pagefind-entry.json").exists():
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        if "not able to build an index" in " ".join(tail):
            return NOTHING
        if "No module named pagefind" in " ".join(tail) or "binary" in " ".join(tail).lower():
            return "Pagefind is not installed (pip install 'pagefind[bin]')"
        return "Pagefind failed: " + " / ".join(tail)
    return None


def pagefind_command() -> list[str]:
    """How Pagefind's CLI is started (the pagefind package's own entry point)."""
    return [sys.executable, "-m", "pagefind"]


# --- determinism and escaping ---------------------------------------------------------------------
# Pagefind writes its filter values, and the list of filters in its metadata, in hash-map order,
# which changes from run to run; file names are hashes of the contents. Both files are gzipped
# CBOR after a fixed header: sorted (and the values escaped) and renamed here, so equal input
# gives equal bytes.

HEADER = b"pagefind_dcd"


def canonical(bundle: Path) -> None:
    """Sort and escape a Pagefind bundle's filters; rename the files whose hashes change."""
    entry_path = bundle / "pagefind-entry.json"
    entry = entry_path.read_text(encoding="utf-8")
    for meta_path in sorted(bundle.glob("pagefind.*.pf_meta")):
        meta = _read_cbor(meta_path)
        renamed = {}
        for name, old in meta[3]:
            path = bundle / "filter" / f"{old}.pf_filter"
            values = _read_cbor(path)
            # Pagefind's UI shows filter values as HTML, not text: escaped here, `<img>` is
            # shown, never made (escaping in the document does not help: Pagefind decodes it)
            values[1] = sorted([escape(v), ids] for v, ids in values[1])
            new = _write_cbor(bundle / "filter", old.split("_")[0], values, len(old.split("_")[1]),
                              ".pf_filter")
            if path.name != new.name:
                path.unlink()
            renamed[old] = new.stem
        meta[3] = sorted([name, renamed[old]] for name, old in meta[3])
        # `pagefind.<language>_<hash>.pf_meta`; the language is a BCP 47 tag (config.py)
        old_hash = meta_path.name.removeprefix("pagefind.").removesuffix(".pf_meta")
        lang, digest = old_hash.rsplit("_", 1)
        new_path = _write_cbor(bundle, f"pagefind.{lang}", meta, len(digest), ".pf_meta")
        if new_path != meta_path:
            meta_path.unlink()
        new_hash = new_path.name.removeprefix("pagefind.").removesuffix(".pf_meta")
        entry = entry.replace(f'"{old_hash}"', f'"{new_hash}"')
    entry_path.write_text(entry, encoding="utf-8")


def _read_cbor(path: Path):
    import cbor2

    raw = gzip.decompress(path.read_bytes())
    return cbor2.loads(raw[len(HEADER):])


def _write_cbor(folder: Path, prefix: str, value, digits: int, suffix: str) -> Path:
    import cbor2

    raw = HEADER + cbor2.dumps(value)
    digest = hashlib.blake2b(raw, digest_size=8).hexdigest()[:digits]
    path = folder / f"{prefix}_{digest}{suffix}"
    path.write_bytes(gzip.compress(raw, mtime=0))
    return path


def _link(src: Path, dest: Path) -> None:
    """A hard link (the files are never changed in place), or a copy across file systems."""
    try:
        os.link(src, dest)
    except OSError:
        shutil.copyfile(src, dest)


def place(shards: list[Shard], root: Path, stage: Staging) -> list[str]:
    """Every shard into the staged output; the bundle paths, first one with Pagefind's scripts."""
    bundles = []
    shards = [s for s in shards if not os.path.lexists(root / "shards" / s.name / EMPTY)]
    for i, shard in enumerate(shards):
        src = root / "shards" / shard.name
        rel = routes.search_bundle(shard.name)
        for path in sitefs.own_files(src):
            if i and path.name in ASSETS:
                continue
            target = stage.path(rel + path.relative_to(src).as_posix())
            target.parent.mkdir(parents=True, exist_ok=True)
            _link(path, target)
            stage.files += 1
            stage.bytes += path.stat().st_size
        bundles.append(rel)
    return bundles


def prune(shards: list[Shard], root: Path) -> None:
    """Drop documents and shards that the output no longer uses."""
    keep = {"docs": {d.split("/")[0] for s in shards for d in s.docs},
            "shards": {s.name for s in shards}}
    for kind, names in keep.items():
        where = root / kind
        if sitefs.real_dir(where):
            for path in where.iterdir():
                if path.name not in names:
                    _delete(path)


def _delete(path: Path) -> None:
    """A folder and what is in it, or a file or link (the link itself, never what it leads to)."""
    if sitefs.real_dir(path):
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)
