"""`threadpress build`: content/ → a static site, all or nothing, redoing only what changed.

The pipeline: plan (which thread files changed since the build state was saved) → run a task
per changed file (load, render, write into the staging folder) → check routes over every
thread's summary → site pages from summaries → commit (reused threads' entries move into the
staging folder, which is swapped in) → save the build state. The parent process holds
summaries only; one thread at a time is in memory in each worker.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Callable, Iterator

from . import crosslinks, routes, search, sitefs, state, taxonomies, tasks
from .config import CONFIG_NAME, Config, base_url_notice, load_config, override
from .errors import Diagnostic, ThreadpressError, plural, report
from .load import content_walk, display_path, place, twins
from .model import Summary
from .progress import Progress
from .pseudonyms import load_secret
from .redactions import load_redactions, unmatched
from .theme import resolve_theme
from .write import Output, Staging, locked, remove

PAGES_LIMIT = 1_000_000_000   # GitHub Pages refuses sites over 1 GB
POOL_MIN_BYTES = 1_000_000    # less changed input than this renders faster in one process


@dataclass
class Outcome:
    """What a build did, for the summary line (and for tests)."""

    threads: int = 0
    comments: int = 0
    rendered: int = 0
    reused: int = 0
    files: int = 0
    bytes: int = 0
    unchanged: bool = False
    diagnostics: list[Diagnostic] = field(default_factory=list)
    notices: list[Diagnostic] = field(default_factory=list)  # advice, e.g. base_url missing
    notes: list[str] = field(default_factory=list)   # said to the user, never a failure


def build_site(site: Path, output: Path | None = None, base_url: str | None = None,
               theme: str | None = None, jobs: int | None = None, quiet: bool = False,
               strict: bool = False, clean: bool = False, offline: bool | None = None) -> int:
    """Build SITE into OUTPUT (default SITE/output); returns the exit status."""
    started = time.monotonic()
    out = Output(output or site / "output")
    outcome = build_outcome(site, out.path, base_url, theme, jobs, quiet, clean, offline)
    report(outcome.diagnostics)
    errors = [d for d in outcome.diagnostics if not d.warning]
    if errors or (strict and outcome.diagnostics):
        n = len(errors)
        print(f"build failed: {plural(n, 'error')}, "
              f"{plural(len(outcome.diagnostics) - n, 'warning')}; the previous output is "
              "untouched", file=sys.stderr)
        return 1
    if not quiet:
        for note in outcome.notes:   # before the summary line, which stays last
            print(note, file=sys.stderr)
        print(summary_line(outcome, time.monotonic() - started, out.path), file=sys.stderr)
        if outcome.bytes > PAGES_LIMIT:
            print(f"warning: the site weighs {_size(outcome.bytes)}, over GitHub Pages' 1 GB "
                  "limit; `comment_pages: false` or a smaller `context_depth` shrink it",
                  file=sys.stderr)
        report(outcome.notices)  # advice, not problems in the input: --strict does not count it
    return 0


def build_outcome(site: Path, output: Path, base_url: str | None = None,
                  theme: str | None = None, jobs: int | None = None, quiet: bool = False,
                  clean: bool = False, offline: bool | None = None) -> Outcome:
    """Build SITE into OUTPUT and return what happened, diagnostics included, without reporting
    them (`serve` shows them in the browser too). A bad config or theme raises ThreadpressError."""
    out, where = _secure_paths(site, output, quiet)
    config, diags = load_config(site)
    config = override(config, base_url=base_url, theme=theme, offline=offline)
    resolved = resolve_theme(site, config.theme, from_command_line=theme is not None)
    # links leaving the theme are warned about here, once, with the build's other diagnostics
    diags = diags + sitefs.theme_problems((*resolved.template_dirs, *resolved.static_dirs))
    spec = tasks.make_spec(config, resolved, load_redactions(site),
                           load_secret(site) if config.anonymize_authors else b"")
    out.lock_path = where.with_suffix(".lock")
    with locked(out, quiet):
        out.recover()
        out.check_replaceable()
        out.remove_leftovers()
        outcome = _build(site, spec, out, jobs, quiet, clean, diags)
    notice = base_url_notice(config, site)
    outcome.notices = [notice] if notice else []
    return outcome


def _secure_paths(site: Path, output: Path, quiet: bool) -> tuple[Output, Path]:
    """The output and its build state file, made safe before anything in the state folder is
    opened (the secret and the lock included): no link there is followed (state.secure). An
    output inside the state folder (serve's preview) is ours too: a link there is removed,
    where a link named as the output elsewhere (`-o public`) leads to the folder to build."""
    out = Output(output)
    top = Path(os.path.abspath(site)) / state.STATE_DIR
    if out.link is not None and out.link.is_relative_to(top):
        warnings = state.secure(state.state_file(site, out.link), [out.link])
        out = Output(output)
    else:
        warnings = []
    where = state.state_file(site, out.path)
    for warning in warnings + state.secure(where, _cache_folders(where)):
        if not quiet:
            print(f"warning: {warning}", file=sys.stderr)
    return out, where


def _cache_folders(where: Path) -> list[Path]:
    """The folders of an output's cache, beside its build state file (see _build)."""
    index = search.folder(where)
    return [where.with_suffix(""), where.with_suffix("") / "posts", index, index / "docs",
            index / "shards"]


def _build(site: Path, spec: tasks.Spec, out: Output, jobs: int | None, quiet: bool,
           clean: bool, diags: list[Diagnostic]) -> Outcome:
    outcome = Outcome(diagnostics=list(diags))
    where = state.state_file(site, out.path)
    previous, warning = (state.State(spec=spec.key), None) if clean else \
        state.load(where, out.path, spec.key)
    if warning and not quiet:   # about the cache, not the input: never fails a --strict build
        print(f"warning: {warning}", file=sys.stderr)
    content = site / "content"
    if not content.is_dir():
        outcome.diagnostics.append(Diagnostic(f"no content folder at {content}", str(content)))
        return outcome
    found = content_walk(content)   # unreadable folders, links leaving the site: reported
    outcome.diagnostics.extend(found.diagnostics)
    files = found.files
    # author pages: each thread's posts, kept in a side file beside the build state
    posts = where.with_suffix("") / "posts" if "authors" in spec.config.taxonomies else None
    index = search.folder(where) if spec.config.search else None
    plan = _plan(files, content, previous, out.path, posts,
                 index and _docs_of(index, spec.key))
    if files and not plan.changed and len(plan.kept) == len(files) == len(previous.threads) \
            and (out.path / routes.INDEX).exists():
        return _unchanged(outcome, previous)   # the state vouched for the output's marker
    outcome.diagnostics += _template_diagnostics(spec)
    if any(not d.warning for d in outcome.diagnostics):
        return outcome
    progress = Progress(len(plan.changed), quiet)
    stage_dir = out.new_folder("staging")
    try:
        links = _links_file(where, previous.threads, spec)
        results = _run(plan, content, stage_dir, spec, jobs, progress, links, posts, index)
        entries = _entries(plan, previous, results, outcome)
        if any(not d.warning for d in outcome.diagnostics):
            return outcome
        results += _relink(plan, entries, content, stage_dir, spec, jobs, where, outcome)
        clashes = place(routes.collisions(
            ((e.summary.slug, e.summary.file) for e in entries.values()),
            ((a, e.summary.file, i) for e in entries.values()
             for i, a in enumerate(e.summary.aliases))))
        outcome.diagnostics.extend(clashes or [d for r in results for d in r.failures])
        outcome.diagnostics.extend(place(twins((e.summary.slug, e.summary.file, e.summary.id,
                                                e.summary.source) for e in entries.values())))
        if any(not d.warning for d in outcome.diagnostics):
            return outcome
        outcome.diagnostics += unmatched(spec.redactions, {n for e in entries.values()
                                                           for n in (e.summary.slug, e.summary.id)})
        build_id = state.build_id(spec.key, entries)
        stage = Staging(stage_dir)
        shards = search.plan(((rel, e.hash, e.summary.count) for rel, e in entries.items()),
                             spec.key) if index else []
        outcome.diagnostics.extend(search.build(shards, index, str(site / CONFIG_NAME))
                                   if index else [])
        if any(not d.warning for d in outcome.diagnostics):
            return outcome
        bundles = search.place(shards, index, stage) if index else []
        rendered = {r.rel for r in results}
        # where each thread's pages are until the commit: the sitemap reads their folders
        roots = {e.summary.slug: stage_dir if rel in rendered else out.path
                 for rel, e in entries.items()}
        reuse = _author_reuse(posts, previous.build_id, out.path, spec.key)
        _site_pages([e.summary for e in entries.values()], spec, stage, build_id,
                    roots, None if posts is None else
                    (posts, {rel: (e.summary, e.hash + spec.key) for rel, e in entries.items()}),
                    reuse, bundles)
        reused = _moves(plan.kept, previous, entries) + reuse.moved
        out.commit(stage_dir, reused)
        outcome.files = stage.files + reuse.files + sum(e.files for e in entries.values())
        outcome.bytes = stage.bytes + reuse.bytes + sum(e.bytes for e in entries.values())
        state.save(where, out.path, state.State(spec.key, build_id, entries, outcome.files,
                                                outcome.bytes))
        if posts is not None:
            _prune(posts, entries, spec.key)
            taxonomies.save_digests(posts.parent, build_id, reuse.pages)
        if index:
            search.prune(shards, index)
    finally:
        if stage_dir.exists():
            remove(stage_dir)
    outcome.threads = len(entries)
    outcome.comments = sum(e.summary.count for e in entries.values())
    outcome.reused = len(plan.kept)
    return outcome


def _template_diagnostics(spec: tasks.Spec) -> list[Diagnostic]:
    from .render import pages   # Jinja: only when something is rendered

    return pages.template_diagnostics(tasks.renderer(spec), spec.theme)


@dataclass
class _Plan:
    changed: list[tuple[str, Path]]   # (rel, path) to render, largest first
    kept: list[str]                   # rels whose pages are reused from the live output
    hashes: dict[str, str]


def _docs_of(index: Path, spec_key: str) -> Callable[[state.Entry], bool]:
    """Whether a thread's search documents are kept (else it is rendered again to write them)."""
    return lambda e: sitefs.real_dir(index / "docs" / search.doc_key(spec_key, e.hash))


def _plan(files: list[Path], content: Path, previous: state.State, output: Path,
          posts: Path | None = None,
          has_docs: Callable[[state.Entry], bool] | None = None) -> _Plan:
    changed: list[tuple[int, str, Path]] = []
    kept: list[str] = []
    hashes: dict[str, str] = {}
    for path in files:
        rel = path.relative_to(content).as_posix()
        st = path.stat()
        stat = state.file_stat(st)
        old = previous.threads.get(rel)
        if old is not None and previous.unchanged(rel, stat, path.read_bytes) \
                and all(sitefs.real_entry(output, e) for e in old.entries) \
                and (posts is None
                     or taxonomies.side_file(posts, rel, old.hash + previous.spec).exists()) \
                and (has_docs is None or has_docs(old)):
            kept.append(rel)
            hashes[rel] = old.hash
        else:
            changed.append((st.st_size, rel, path))
    changed.sort(key=lambda x: (-x[0], x[1]))
    return _Plan([(rel, path) for _, rel, path in changed], kept, hashes)


def _unchanged(outcome: Outcome, previous: state.State) -> Outcome:
    outcome.unchanged = True
    outcome.notes.clear()   # nothing was written: nothing to say about what was not
    for e in previous.threads.values():
        outcome.diagnostics.extend(e.warnings)
    outcome.threads = len(previous.threads)
    outcome.comments = sum(e.summary.count for e in previous.threads.values())
    outcome.reused = outcome.threads
    outcome.files, outcome.bytes = previous.files, previous.bytes
    return outcome


def _run(plan: _Plan, content: Path, stage: Path, spec: tasks.Spec, jobs: int | None,
         progress: Progress, links: tuple[str, str] = ("", ""),
         posts: Path | None = None, index: Path | None = None) -> list[tasks.Result]:
    docs = str(index / "docs") if index else ""
    work = [tasks.Task(rel, str(path), display_path(path), str(PurePosixPath(rel).with_suffix("")),
                       str(stage), spec, links, str(posts or ""), docs) for rel, path in plan.changed]
    jobs = jobs or os.cpu_count() or 1
    size = sum(p.stat().st_size for _, p in plan.changed)
    results = []
    for result in (_serial(work) if jobs <= 1 or len(work) <= 1 or size < POOL_MIN_BYTES
                   else _pool(work, jobs)):
        results.append(result)
        progress.step()
    progress.clear()
    return results


def _serial(work: list[tasks.Task]) -> Iterator[tasks.Result]:
    for task in work:
        yield tasks.run(task)


def _pool(work: list[tasks.Task], jobs: int) -> Iterator[tasks.Result]:
    method = os.environ.get("THREADPRESS_START_METHOD") or None
    ctx = multiprocessing.get_context(method)
    with ProcessPoolExecutor(max_workers=min(jobs, len(work)), mp_context=ctx,
                             initializer=tasks.worker_init, initargs=(os.getpid(),)) as pool:
        futures = [pool.submit(tasks.run, task) for task in work]
        try:
            for future in as_completed(futures):
                yield future.result()
        finally:
            for future in futures:
                future.cancel()


def _entries(plan: _Plan, previous: state.State, results: list[tasks.Result],
             outcome: Outcome) -> dict[str, state.Entry]:
    """The state entry of every thread file: reused ones as they were, rendered ones anew."""
    entries = {rel: previous.threads[rel] for rel in plan.kept}
    # a file moved (or renamed) since the last build is known by its thread's id
    current = {r.rel for r in results} | set(plan.kept)
    gone = {e.summary.id: e for rel, e in previous.threads.items() if rel not in current}
    for r in results:
        outcome.diagnostics.extend(r.diagnostics)
        old = previous.threads.get(r.rel) or (gone.get(r.summary.id) if r.summary else None)
        if r.summary is not None and old is not None:
            outcome.diagnostics.extend(place(moved_warning(old.summary, r.summary)))
        if r.summary is not None:
            entries[r.rel] = state.Entry(r.stat, r.hash, r.summary, r.entries, r.files, r.bytes,
                                         [d for d in r.diagnostics if d.warning],
                                         r.provides, r.wants, r.link_digest)
    for rel in plan.kept:
        outcome.diagnostics.extend(entries[rel].warnings)
    outcome.rendered = len(results)
    return entries


def _links_file(where: Path, threads: dict[str, state.Entry], spec: tasks.Spec
                ) -> tuple[str, str]:
    """The archive map as the threads (of the last build) give it, saved for the tasks."""
    if not spec.config.rewrite_links:
        return "", ""
    path = where.with_suffix(".links.json")
    targets = crosslinks.build_map((e.summary.slug, e.provides) for e in threads.values())
    return str(path), crosslinks.save_map(path, targets)


def _relink(plan: _Plan, entries: dict[str, state.Entry], content: Path, stage: Path,
            spec: tasks.Spec, jobs: int | None, where: Path, outcome: Outcome
            ) -> list[tasks.Result]:
    """Render again the threads whose links into the archive resolve differently under the
    map of this build's threads than under the map they were made with (a thread they link to
    was added, removed or moved). Rare, and at most one more round: the map comes from the
    thread files alone, never from what was rendered."""
    if not spec.config.rewrite_links:
        return []
    links = _links_file(where, entries, spec)
    targets = crosslinks.load_map(*links).targets
    stale = sorted(rel for rel, e in entries.items()
                   if e.wants and crosslinks.current_digest(e.wants, targets) != e.link_digest)
    if not stale:
        return []
    kept = set(plan.kept) - set(stale)
    plan.kept[:] = [rel for rel in plan.kept if rel in kept]
    again = _Plan([(rel, content / rel) for rel in stale], [], {})
    results = _run(again, content, stage, spec, jobs, Progress(0, True), links)
    rendered = outcome.rendered
    entries.update(_entries(again, state.State(), results, Outcome()))
    outcome.rendered = rendered + len(set(stale) - {rel for rel, _ in plan.changed})
    return results


def _moves(kept: list[str], previous: state.State, entries: dict[str, state.Entry]) -> list[str]:
    """What to move from the live output for the reused threads: a thread's whole folder when
    no other thread's entry, of the last build or of this one, lives inside it (one rename,
    and nothing left to delete), else its own entries one by one. A nested thread (`a/b` in
    `a`'s folder) or an alias redirect there, deleted since, is left behind with the old
    output; one rendered anew is already in the stage, where the whole folder cannot go."""
    shared = _shared_folders([*previous.threads.items(), *entries.items()])
    moves = []
    for rel in kept:
        old = previous.threads[rel]
        folder = routes.slug_dir(old.summary.slug).rstrip("/")
        # an alias's redirects live outside the thread's folder: they move one by one
        moves += old.entries if folder in shared else [folder] + [
            e for e in old.entries if not e.startswith(folder + "/")]
    return moves


def _shared_folders(owners: list[tuple[str, state.Entry]]) -> set[str]:
    """The output folders holding entries of more than one thread file."""
    first: dict[str, str] = {}
    shared = set()
    for rel, e in owners:
        for entry in e.entries:
            parts = entry.split("/")
            for i in range(1, len(parts)):
                folder = "/".join(parts[:i])
                if first.setdefault(folder, rel) != rel:
                    shared.add(folder)
    return shared


def moved_warning(old: Summary, new: Summary) -> list[Diagnostic]:
    """A thread whose slug changed since the last build, without an alias for the old one."""
    if old.slug == new.slug or old.slug in new.aliases:
        return []
    return [Diagnostic(f"the slug changed from {old.slug!r} to {new.slug!r} since the last "
                       f"build, so links to {old.slug}/ now break; add `aliases: [{old.slug}]` "
                       "to this file to keep them working", new.file, field=("slug",),
                       warning=True)]


def _author_reuse(posts: Path | None, build_id: str, live: Path, spec: str
                  ) -> taxonomies.Reuse:
    """What the live output's author pages are, to move the unchanged ones (the digests are
    trusted only when they were saved by the build whose output is live)."""
    reuse = taxonomies.Reuse(live, spec)
    if posts is not None:
        reuse.previous = taxonomies.load_digests(posts.parent, build_id)
    return reuse


def _prune(posts: Path, entries: dict[str, state.Entry], spec: str) -> None:
    """Side files of threads that are gone, deleted: the folder holds the current threads."""
    keep = {taxonomies.side_file(posts, rel, e.hash + spec).name for rel, e in entries.items()}
    for name in os.listdir(posts) if posts.is_dir() else ():
        if name not in keep:
            with suppress(OSError):   # a folder put there by hand: not ours to empty
                (posts / name).unlink()


def _site_pages(threads: list[Summary], spec: tasks.Spec, stage: Staging, build_id: str,
                roots: dict[str, Path],
                posts: tuple[Path, dict[str, tuple[Summary, str]]] | None,
                reuse: taxonomies.Reuse, bundles: list[str] = ()) -> None:
    """Every page made from all threads: index, 404, feed, sitemaps, tag and author pages
    (`posts`: the side files' folder and each thread's summary and side-file version)."""
    from . import feeds, sitemaps
    from .render import lists, pages, views

    config, theme = spec.config, spec.theme
    r = tasks.renderer(spec)
    ordered = views.sort_threads([t for t in threads if not t.removed], config.index_order)
    if "tags" in config.taxonomies:
        for path, text in lists.tag_pages(r, ordered):
            stage.write(path, text)
    if posts is not None:
        store = taxonomies.Posts(*posts)
        try:
            for path, text in lists.author_pages(r, store, reuse):
                stage.write(path, text)
        finally:
            store.close()
    stage.write(routes.MARKER, state.marker_text(build_id))
    for path, text in pages.index_pages(r, ordered):
        stage.write(path, text)
    stage.write(routes.NOT_FOUND, pages.not_found_page(r))
    stage.write(".nojekyll", "")
    if config.cname:
        stage.write("CNAME", config.cname.strip() + "\n")
    for static in theme.static_dirs:
        stage.copy_tree(static, routes.STATIC)
    if config.search:
        stage.write(routes.SEARCH_PAGE, pages.search_page(r, bundles))
    if config.base_url:
        sitemaps.write(stage, sitemaps.urls([(t, roots[t.slug]) for t in ordered], r.links,
                                            config.comment_pages), r.links)
        stage.write(routes.FEED, feeds.site_feed(r.links, config.title, threads))


def summary_line(o: Outcome, seconds: float, where: Path) -> str:
    if o.unchanged:
        return (f"nothing changed: {plural(o.threads, 'thread')}, "
                f"{plural(o.comments, 'comment')} in {seconds:.1f}s → {where}")
    return (f"built {plural(o.threads, 'thread')} ({o.rendered} rendered, "
            f"{o.threads - o.rendered} reused), {plural(o.comments, 'comment')}, "
            f"{plural(o.files, 'file')}, {_size(o.bytes)} in {seconds:.1f}s → {where}")


def _size(n: int) -> str:
    for unit in ("bytes", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1000
    return str(n)

