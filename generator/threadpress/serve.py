"""`threadpress serve`: build, serve the site locally under its base_url's path, rebuild when
a watched file changes, and have open pages reload (or show the build's errors) by themselves.

Serve builds into SITE/.threadpress/serve/, never into output/: the build state is per output
folder, so its incremental builds are independent of `threadpress build`'s. The pages are built
with base_url set to the local address under the same path, so canonical and 404 links work
here as they will where the site is published.
"""

from __future__ import annotations

import os
import queue
import signal
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

from .build import Outcome, summary_line, build_outcome
from .config import load_config
from .devserver import PreviewServer, Status
from .errors import Diagnostic, ThreadpressError, report
from .state import STATE_DIR
from .watch import Watcher

SERVE_DIR = "serve"
SETTLE = 0.15        # seconds without a further change before a burst of changes is built
BURST_MAX = 2.0      # seconds a stream of changes (a git checkout) may hold a build back
POLL = 0.5           # how often the main thread looks up from waiting (Ctrl-C, stop)


def site_path(site: Path, fallback: str) -> str:
    """The URL path of the site's base_url (`/archive/`), or `fallback` if the config is bad."""
    try:
        config, _ = load_config(site)
    except ThreadpressError:
        return fallback
    return urlsplit(config.base_url).path or "/"


def local_url(bind: str, port: int, path: str) -> str:
    host = "localhost" if bind in ("", "0.0.0.0", "::") else bind
    return f"http://{f'[{host}]' if ':' in host else host}:{port}{path}"


class Preview:
    """A site being served: the server, the watcher and the builds between them."""

    def __init__(self, site: Path, port: int = 8000, bind: str = "127.0.0.1") -> None:
        self.site = Path(os.path.abspath(site))
        if not self.site.is_dir():
            raise ThreadpressError.one(f"no site folder at {self.site}")
        self.output = self.site / STATE_DIR / SERVE_DIR
        self.bind = bind
        self.status = Status(site_path(self.site, "/"))
        self._lock = _only_preview(self.output.parent)
        try:
            self.server = PreviewServer(bind, port, self.output, self.status)
        except BaseException:
            os.close(self._lock)
            raise
        self.changes: queue.Queue[Path] = queue.Queue()
        self.watcher = Watcher(self.site, self.changes)
        self.ready = threading.Event()   # set once the first build is done, good or not
        self._thread = threading.Thread(target=self.server.serve_forever, name="serve-http",
                                        kwargs={"poll_interval": 0.2}, daemon=True)

    @property
    def url(self) -> str:
        return local_url(self.bind, self.server.port, self.status.prefix)

    def run(self, stop: threading.Event | None = None) -> None:
        """Serve and rebuild until `stop` is set (or Ctrl-C); always shuts down cleanly."""
        stop = stop or threading.Event()
        try:
            _keep_out_of_git(self.output.parent)
            self.watcher.start()
            self._thread.start()
            self.build([])
            print(f"serving {self.url} (Ctrl-C to stop)", file=sys.stderr, flush=True)
            self.ready.set()
            while not stop.is_set():
                changed = self._next_burst(stop)
                if changed:
                    self.build(changed)
        finally:
            self.close()

    def _next_burst(self, stop: threading.Event) -> list[Path]:
        """Changed paths of the next burst of changes (an editor's save is several events)."""
        try:
            first = self.changes.get(timeout=POLL)
        except queue.Empty:
            return []
        seen = {first: None}
        until = time.monotonic() + BURST_MAX
        while not stop.is_set() and time.monotonic() < until:
            try:
                seen[self.changes.get(timeout=SETTLE)] = None
            except queue.Empty:
                break
        return list(seen)

    def build(self, changed: list[Path]) -> None:
        """Rebuild (the engine redoes only what changed), tell the terminal and the pages."""
        if changed:
            names = ", ".join(_rel(p, self.site) for p in changed[:5])
            more = f" and {len(changed) - 5} more" if len(changed) > 5 else ""
            print(f"changed: {names}{more}", file=sys.stderr)
        prefix = site_path(self.site, self.status.prefix)
        if prefix != self.status.prefix:
            self.status.prefix = prefix
            print(f"base_url changed: now serving {self.url}", file=sys.stderr)
        started = time.monotonic()
        outcome, diags = self._build_once()
        report(diags)
        errors = [str(d) for d in diags if not d.warning]
        if errors:
            print(f"build failed: {len(errors)} error{'s' * (len(errors) != 1)}; still serving "
                  "the last good build, and showing the errors on open pages", file=sys.stderr)
        elif outcome is not None:
            print(summary_line(outcome, time.monotonic() - started, self.output),
                  file=sys.stderr)
        self.status.publish(errors, rebuilt=bool(outcome and not errors and not outcome.unchanged))

    def _build_once(self) -> tuple[Outcome | None, list[Diagnostic]]:
        try:
            outcome = build_outcome(self.site, self.output, base_url=self.url)
        except ThreadpressError as e:   # the config or the theme
            return None, e.diagnostics
        return outcome, outcome.diagnostics

    def close(self) -> None:
        self.watcher.stop()
        self.status.stop()
        if self._thread.is_alive():
            self.server.shutdown()
        self.server.server_close()
        os.close(self._lock)   # (closing releases the lock)


def _only_preview(folder: Path) -> int:
    """Hold the site's preview lock: two previews of one site would build into one folder, each
    with its own port in every link. Returns the lock's file descriptor."""
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / "serve.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        import fcntl
    except ImportError:   # not POSIX: no lock
        return fd
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise ThreadpressError.one(f"another `threadpress serve` is previewing {folder.parent} "
                                   "already; stop it first (or serve a copy of the site)")
    return fd


def _keep_out_of_git(folder: Path) -> None:
    """The preview (and its staging folders beside it) is never committed, in archives whose
    .gitignore predates it too."""
    ignore = folder / ".gitignore"
    if not ignore.exists():
        folder.mkdir(parents=True, exist_ok=True)
        ignore.write_text("# threadpress's build state and preview: safe to delete\n*\n")


def _rel(path: Path, site: Path) -> str:
    try:
        return path.relative_to(site).as_posix()
    except ValueError:
        return str(path)


def serve_site(site: Path, port: int = 8000, bind: str = "127.0.0.1") -> int:
    """`threadpress serve`: returns the exit status once stopped (Ctrl-C is a clean stop)."""
    preview = Preview(site, port, bind)
    _stop_on_signals()
    try:
        preview.run()
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)
    return 0


def _stop_on_signals() -> None:
    """Ctrl-C stops the server cleanly (through KeyboardInterrupt), even when the shell that
    started it in the background had SIGINT ignored. (SIGTERM keeps its default: the output
    is swapped in atomically, so being killed mid-build loses nothing.)"""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.default_int_handler)
