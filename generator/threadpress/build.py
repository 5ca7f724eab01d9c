"""`threadpress build`: content/ → a static site, all or nothing."""

from __future__ import annotations

import gc
import multiprocessing
from collections import deque
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

from .config import Config, load_config, override
from .errors import report
from .load import Loaded, load_content
from .model import Thread
from .render import pages, views
from .write import Staging, staged

IO_THREADS = 4

# Set in the parent before the pool forks, so workers share the loaded threads without pickling.
_JOB: tuple[list[Thread], pages.Renderer, Path] | None = None


def build_site(site: Path, output: Path | None = None, base_url: str | None = None,
               theme: str | None = None, jobs: int | None = None, quiet: bool = False,
               strict: bool = False) -> int:
    """Build SITE into OUTPUT (default SITE/output); returns the exit status."""
    started = time.monotonic()
    config, diags = load_config(site)
    config = override(config, base_url=base_url, theme=theme)
    loaded = load_content(site / "content", config.sort)
    gc.freeze()  # the loaded threads live to the end: keep the collector from rescanning them
    try:
        return _build(site, config, loaded, diags, output, jobs, quiet, strict, started)
    finally:
        gc.unfreeze()


def _build(site: Path, config: Config, loaded: Loaded, diags: list, output: Path | None,
           jobs: int | None, quiet: bool, strict: bool, started: float) -> int:
    diags = diags + loaded.diagnostics
    report(diags)
    errors = [d for d in diags if not d.warning]
    if errors or (strict and diags):
        print(f"build failed: {len(errors)} errors, {len(diags) - len(errors)} warnings; "
              "the previous output is untouched", file=sys.stderr)
        return 1
    resolved = pages.resolve_theme(site, config.theme)
    renderer = pages.Renderer(resolved, config)
    threads = views.sort_threads(loaded.threads, config.index_order)
    output = output or site / "output"
    progress = _Progress(len(threads), quiet)
    with staged(output) as stage:
        _render_threads(threads, renderer, stage, jobs, progress)
        _site_pages(threads, renderer, resolved, config, stage)
    comments = sum(len(t.comments) for t in threads)
    progress.done(f"built {len(threads)} threads, {comments} comments, {stage.files} files "
                  f"in {time.monotonic() - started:.1f}s → {output}")
    return 0


def _render_threads(threads: list[Thread], renderer: pages.Renderer, stage: Staging,
                    jobs: int | None, progress: "_Progress") -> None:
    global _JOB
    jobs = jobs or os.cpu_count() or 1
    comments = sum(len(t.comments) for t in threads)
    if jobs <= 1 or len(threads) <= 1 or comments < 2000 or not _can_fork():
        for i in range(len(threads)):
            stage.files += _render_one_with(threads, renderer, stage.root, i)
            progress.step()
        return
    _JOB = (threads, renderer, stage.root)
    try:
        ctx = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
            # largest threads first, so one big thread does not finish last alone
            order = sorted(range(len(threads)), key=lambda i: -len(threads[i].comments))
            for written in pool.map(_render_one, order, chunksize=1):
                stage.files += written
                progress.step()
    finally:
        _JOB = None


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def _render_one(i: int) -> int:
    assert _JOB is not None
    threads, renderer, root = _JOB
    return _render_one_with(threads, renderer, root, i)


def _render_one_with(threads: list[Thread], renderer: pages.Renderer, root: Path, i: int) -> int:
    stage = Staging(root)
    # Writing a page is mostly waiting on mkdir/open; a few I/O threads overlap that wait
    # with rendering the next page (the GIL is released during those system calls).
    written = 0
    with ThreadPoolExecutor(max_workers=IO_THREADS) as io:
        pending: deque = deque()
        for path, text in pages.thread_pages(renderer, threads[i]):
            pending.append(io.submit(stage.write, path, text))
            if len(pending) > 8 * IO_THREADS:  # bounded: pages are not all held in memory
                pending.popleft().result()
                written += 1
        for f in pending:
            f.result()
            written += 1
    return written


def _site_pages(threads: list[Thread], renderer: pages.Renderer, theme: pages.Theme,
                config: Config, stage: Staging) -> None:
    summaries = [views.summary_view(t) for t in threads]
    for path, text in pages.index_pages(renderer, summaries):
        stage.write(path, text)
    stage.write("404.html", pages.not_found_page(renderer))
    stage.write(".nojekyll", "")
    if config.cname:
        stage.write("CNAME", config.cname.strip() + "\n")
    for static in theme.static_dirs:
        stage.copy_tree(static, "static")
    if config.base_url:
        stage.write("sitemap.xml", pages.sitemap(config, threads))


class _Progress:
    """Threads done / total and a last summary line, on a terminal only (and not with -q)."""

    def __init__(self, total: int, quiet: bool) -> None:
        self.total, self.n = total, 0
        self.tty = not quiet and sys.stderr.isatty()

    def step(self) -> None:
        self.n += 1
        if self.tty:
            width = 30
            filled = width * self.n // max(self.total, 1)
            sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {self.n}/{self.total} threads")
            sys.stderr.flush()

    def done(self, line: str) -> None:
        if self.tty:
            sys.stderr.write("\r\033[K" + line + "\n")
