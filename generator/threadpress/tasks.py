"""Units of build work as plain values: a thread file's path in, its pages and summary out.

A `Task` names one thread file and the `Spec` its pages depend on; `run` loads that one file,
renders it into the staging folder and returns a `Result`. Nothing is shared through globals
set before a fork, so a serial loop, a process pool under any start method (or, one day, a
cluster) can run the same tasks. Each worker process builds its renderer once per spec.
"""

from __future__ import annotations

import gc
import hashlib
import os
import sys
import threading
import zoneinfo
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, fields
from importlib import metadata, resources
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__, crosslinks, pseudonyms, redactions, routes, sitefs
from .config import Config
from .errors import Diagnostic, ThreadpressError
from .load import load_bytes
from .model import Summary
from .theme import Theme, builtin_themes
from .write import Staging

if TYPE_CHECKING:
    from .render import pages

IO_THREADS = 4
# The distributions whose code shapes the output (bodies, sanitising, templates, YAML, the
# search index): a new version of any of them is a new spec, so no page made by the old one is
# reused (a security fix in nh3 reaches every page at the next build).
OUTPUT_LIBRARIES = ("nh3", "markdown", "cmarkgfm", "jinja2", "markupsafe", "pyyaml", "pagefind",
                    "pagefind-bin", "ada-url")


@dataclass(frozen=True)
class Spec:
    """What every thread page depends on besides its own file; `key` hashes all of it."""

    config: Config
    theme: Theme
    key: str
    redactions: redactions.Redactions = field(default_factory=redactions.Redactions)
    secret: bytes = b""           # the pseudonym key, when anonymize_authors is on


@dataclass(frozen=True)
class Task:
    rel: str          # the file's path under content/, as posix
    path: str         # where to read it
    name: str         # how messages name it
    slug: str         # the slug its path gives (the file may set another)
    stage: str        # the staging folder to write into
    spec: Spec
    links: tuple[str, str] = ("", "")   # the archive map's file and digest (crosslinks.py)
    posts: str = ""   # the folder for its posts' side file (author pages), or "" for none
    search: str = ""  # the folder of search documents, when search is on


@dataclass
class Result:
    rel: str
    summary: Summary | None          # None when the file has errors
    entries: list[str] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    # Rendering or writing failed (a template error, a full disk, or a path that another
    # thread's route took: then the route check names the real cause instead).
    failures: list[Diagnostic] = field(default_factory=list)
    hash: str = ""
    stat: tuple[int, int, int, int] = (0, 0, 0, 0)
    files: int = 0
    bytes: int = 0
    provides: list[tuple[str, str]] = field(default_factory=list)   # see crosslinks.py
    wants: list[str] = field(default_factory=list)
    link_digest: str = ""


def make_spec(config: Config, theme: Theme,
              takedowns: redactions.Redactions | None = None, secret: bytes = b"") -> Spec:
    """The spec and its key: the config, every theme file a template can reach, the code, the
    versions of Python and the libraries that shape the output, the site's time zone rules, the
    redactions and (a hash of) the pseudonym secret. A takedown re-renders every thread: an
    author's name may appear in any thread's text, and takedowns are rare."""
    takedowns = takedowns or redactions.Redactions()
    h = hashlib.blake2b(digest_size=16)
    h.update(f"{__version__}\0{[(f.name, getattr(config, f.name)) for f in fields(config)]!r}"
             .encode("utf-8", "surrogateescape"))
    h.update(f"\0{takedowns.digest}\0".encode() + hashlib.sha256(secret).digest())
    h.update(f"{dependency_versions()!r}\0".encode())
    h.update(zone_data(config.timezone) + b"\0")
    for folder in (*theme.template_dirs, *theme.static_dirs, builtin_themes(), _code()):
        _hash_tree(h, folder)
    return Spec(config, theme, h.hexdigest(), takedowns, secret)


def dependency_versions() -> tuple[tuple[str, str], ...]:
    """(name, version) of Python and of every library that shapes the output."""
    found = [("python", sys.version)]
    for name in OUTPUT_LIBRARIES:
        try:
            found.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:   # an optional part (pagefind-bin) not installed
            found.append((name, ""))
    return tuple(found)


def zone_data(name: str) -> bytes:
    """The time zone's rules as the build reads them (the system's zoneinfo or the tzdata
    package): new rules for the site's zone change the times on its pages."""
    if not name or name.startswith("/") or ".." in name.split("/"):   # not a zone key
        return b""
    for folder in zoneinfo.TZPATH:
        path = Path(folder) / name
        if path.is_file():
            return path.read_bytes()
    try:
        return resources.files("tzdata.zoneinfo").joinpath(name).read_bytes()
    except (ModuleNotFoundError, OSError):
        return b""


def _code() -> Path:
    return Path(str(resources.files("threadpress")))


def _hash_tree(h: "hashlib._Hash", folder: Path) -> None:
    # the files the renderer may use: links leaving the theme are never read (see sitefs)
    for path in sitefs.walk(folder, folder.parent, skip=lambda n: n == "__pycache__").files:
        h.update(path.relative_to(folder).as_posix().encode("utf-8", "surrogateescape") + b"\0")
        h.update(sitefs.read_bytes(path))


_RENDERERS: dict[str, "pages.Renderer"] = {}   # one: this spec's, in this theme folder


def renderer(spec: Spec) -> "pages.Renderer":
    """The spec's renderer, made once per process (Jinja and the body renderers load here:
    a build with nothing to render never imports them)."""
    from .render import pages

    # the key names what the pages say, not where the theme is: two sites with equal themes
    # (one process, the tests) must not share a renderer that reads the other's folder
    key = f"{spec.key}\0{[str(d) for d in spec.theme.template_dirs]}"
    r = _RENDERERS.get(key)
    if r is None:
        _RENDERERS.clear()
        r = _RENDERERS[key] = pages.Renderer(spec.theme, spec.config)
    return r


def run(task: Task) -> Result:
    """Load one thread file and write its pages into the staging folder."""
    # A thread is millions of small objects without reference cycles: the cyclic collector
    # would rescan them again and again while they are made (measured: half the load time).
    paused = gc.isenabled()
    gc.disable()
    try:
        return _run(task)
    finally:
        if paused:
            gc.enable()


def _run(task: Task) -> Result:
    from .state import file_hash, file_stat  # here, not at the top: state imports this module's neighbours

    st = os.stat(task.path)
    try:
        data = sitefs.read_bytes(Path(task.path))
    except ThreadpressError as e:   # unreadable: an error naming the file
        return Result(task.rel, None, diagnostics=e.diagnostics)
    result = Result(task.rel, None, hash=file_hash(task.rel, data),
                    stat=file_stat(st))
    thread, result.diagnostics = load_bytes(data, task.name, task.slug, task.spec.config.sort)
    del data
    if thread is None:
        return result
    from .render import views

    result.diagnostics += redactions.apply(thread, task.spec.redactions)
    rewrite = task.spec.config.rewrite_links and thread.removed is None
    if rewrite:
        result.provides = crosslinks.provides(thread)
    if task.spec.secret:
        pseudonyms.anonymize(thread, task.spec.secret)
    result.summary = views.summary(thread)
    if routes.collisions([(thread.slug, task.name)],
                         [(a, task.name, i) for i, a in enumerate(thread.aliases)]):
        return result   # a slug on a site route: reported with every other clash
    archive = crosslinks.load_map(*task.links).for_thread() if rewrite else None
    try:
        result.files, result.bytes = _write_pages(renderer(task.spec), thread, Path(task.stage),
                                                  archive, _side(task, result.hash))
    except ThreadpressError as e:
        result.failures.extend(e.diagnostics)
    if archive is not None:
        result.wants, result.link_digest = sorted(archive.wanted), archive.digest()
    if task.search:
        _write_search_docs(task, thread, result)
    result.entries = routes.thread_entries(
        thread.slug, task.spec.config.comment_pages and bool(thread.comments),
        feed=bool(task.spec.config.base_url))
    for alias in thread.aliases:
        result.entries += routes.alias_entries(alias)[:1 + bool(thread.comments)]
    return result


def _side(task: Task, file_hash: str) -> str:
    """Where the thread's posts go (author pages), or "" when there are no author pages."""
    from . import taxonomies
    if not task.posts:
        return ""
    return str(taxonomies.side_file(task.posts, task.rel, file_hash + task.spec.key))


def _write_pages(r: "pages.Renderer", thread, root: Path,
                 archive: "crosslinks.Archive | None", posts: str = "") -> tuple[int, int]:
    """Render a thread's pages into `root`; with `posts` (a side-file path), its posts too."""
    from .render import pages, views

    view = None if thread.removed is not None else views.thread_view(
        thread, r.config.remote_images, archive, r.config.comment_pages)
    if posts and view is not None:
        from . import taxonomies
        taxonomies.spill(view, Path(posts))
    stage = Staging(root)
    files = size = 0
    # Writing a page is mostly waiting on mkdir/open; a few I/O threads overlap that wait
    # with rendering the next page (the GIL is released during those system calls).
    with ThreadPoolExecutor(max_workers=IO_THREADS) as io:
        pending: deque = deque()
        for path, text in pages.thread_pages(r, thread, archive, view):
            raw = text.encode("utf-8")
            files, size = files + 1, size + len(raw)
            pending.append(io.submit(stage.write, path, raw))
            if len(pending) > 8 * IO_THREADS:  # bounded: pages are not all held in memory
                pending.popleft().result()
        for f in pending:
            f.result()
    return files, size


def _write_search_docs(task: Task, thread, result: Result) -> None:
    from . import search

    dest = Path(task.search) / search.doc_key(task.spec.key, result.hash)
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        search.write_docs(thread, dest, task.spec.config.language)
    except OSError as e:
        result.failures.append(Diagnostic(f"cannot write search documents: {e.strerror}",
                                          str(e.filename or dest)))


def worker_init(parent: int) -> None:
    """In each worker process: exit when the parent dies, so a killed build leaves no orphans."""
    def watch() -> None:
        import time
        while True:
            time.sleep(0.5)
            try:
                os.kill(parent, 0)   # (under forkserver the parent process is not ppid)
            except ProcessLookupError:
                os._exit(1)
            except PermissionError:
                pass
    threading.Thread(target=watch, daemon=True).start()
