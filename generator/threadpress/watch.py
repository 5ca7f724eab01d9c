"""What `threadpress serve` watches: everything a build reads from the site (content/, themes/
and FILES: threadpress.yaml, redactions.yaml, the pseudonym secret), through watchfiles
(inotify and its kin on other systems), each changed path put on a queue."""

from __future__ import annotations

import os
import queue
import threading
from pathlib import Path, PurePosixPath

from .config import CONFIG_NAME
from .pseudonyms import SECRET_FILE
from .redactions import REDACTIONS_NAME

TREES = ("content", "themes")
# Every file a build reads outside TREES, relative to the site, by the names its loaders use:
# a takedown in redactions.yaml must leave the preview as soon as it is saved. A new input
# goes here (test_serve checks that a build opens nothing else of the site's).
FILES = (PurePosixPath(CONFIG_NAME), PurePosixPath(REDACTIONS_NAME),
         PurePosixPath(SECRET_FILE.as_posix()))
# The folders FILES are in, watched (each not recursively) besides the site folder itself
FOLDERS = tuple(sorted({f.parent for f in FILES if f.parent != PurePosixPath(".")}))
WATCHED = frozenset({*FILES, *FOLDERS, *(PurePosixPath(t) for t in TREES)})


class _Either:
    """Set when either event is (watchfiles asks its stop_event only for `is_set`)."""

    def __init__(self, a: threading.Event, b: threading.Event) -> None:
        self.a, self.b = a, b

    def is_set(self) -> bool:
        return self.a.is_set() or self.b.is_set()


class Watcher:
    """Two watching threads. One watches content/ and themes/ recursively; the other watches
    the site folder itself and FOLDERS, not recursively (they also hold output folders and the
    build state, whose many sub-folders must not be watched), for FILES, and for content/,
    themes/ or a folder of FOLDERS appearing or going, which restarts the watcher concerned
    over the folders that exist now."""

    def __init__(self, site: Path, changes: "queue.Queue[Path]") -> None:
        self.site, self.changes = site, changes
        self._real = Path(os.path.realpath(site))
        self._stop = threading.Event()
        self._restart = threading.Event()        # the trees watcher: start over
        self._restart_files = threading.Event()  # the files watcher: start over
        self._threads = [threading.Thread(target=self._trees, name="watch-trees", daemon=True),
                         threading.Thread(target=self._files, name="watch-site", daemon=True)]

    def start(self) -> None:
        for t in self._threads:
            t.start()

    @property
    def running(self) -> bool:
        return any(t.is_alive() for t in self._threads)

    def stop(self, timeout: float = 2.0) -> None:
        self._stop.set()
        for t in self._threads:
            if t.is_alive():
                t.join(timeout)

    def _trees(self) -> None:
        from watchfiles import DefaultFilter, watch   # (editor swap files, .git, caches out)

        while not self._stop.is_set():
            self._restart.clear()
            roots = [self.site / name for name in TREES if (self.site / name).is_dir()]
            if not roots:
                self._restart.wait(0.5)
                continue
            try:
                for batch in watch(*roots, watch_filter=DefaultFilter(), raise_interrupt=False,
                                   stop_event=_Either(self._stop, self._restart)):
                    for _, path in batch:
                        self.changes.put(Path(path))
            except (OSError, RuntimeError):   # a root went away while it was being watched:
                self._stop.wait(0.5)          # the site watcher saw it too; start over

    def _files(self) -> None:
        from watchfiles import watch

        while not self._stop.is_set():
            self._restart_files.clear()
            roots = [self.site, *(self.site / f for f in FOLDERS if (self.site / f).is_dir())]
            try:
                for batch in watch(*roots, recursive=False, raise_interrupt=False,
                                   watch_filter=lambda _, path: self._relative(path) in WATCHED,
                                   stop_event=_Either(self._stop, self._restart_files)):
                    for _, path in batch:
                        self._seen(Path(path))
            except (OSError, RuntimeError):   # a folder went away while it was being watched
                self._stop.wait(0.5)

    def _seen(self, path: Path) -> None:
        rel = self._relative(str(path))
        if rel in FOLDERS:
            self._restart_files.set()
        elif rel is not None and str(rel) in TREES:
            self._restart.set()
        self.changes.put(path)

    def _relative(self, path: str) -> PurePosixPath | None:
        """`path` relative to the site (which the notifier may name by its real path)."""
        for base in (self.site, self._real):
            try:
                return PurePosixPath(Path(path).relative_to(base).as_posix())
            except ValueError:
                pass
        return None
