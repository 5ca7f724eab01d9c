"""What `threadpress serve` watches: a site's content/, themes/ and threadpress.yaml, through
watchfiles (inotify and its kin on other systems), each changed path put on a queue."""

from __future__ import annotations

import queue
import threading
from pathlib import Path

from .config import CONFIG_NAME

TREES = ("content", "themes")
WATCHED = frozenset({CONFIG_NAME, *TREES})


class _Either:
    """Set when either event is (watchfiles asks its stop_event only for `is_set`)."""

    def __init__(self, a: threading.Event, b: threading.Event) -> None:
        self.a, self.b = a, b

    def is_set(self) -> bool:
        return self.a.is_set() or self.b.is_set()


class Watcher:
    """Two watching threads. One watches content/ and themes/ recursively; the other watches
    the site folder itself, not recursively (it also holds output folders, whose many
    sub-folders must not be watched), for threadpress.yaml, and for content/ or themes/
    appearing or going, which restarts the first over the folders that exist now."""

    def __init__(self, site: Path, changes: "queue.Queue[Path]") -> None:
        self.site, self.changes = site, changes
        self._stop = threading.Event()
        self._restart = threading.Event()
        self._threads = [threading.Thread(target=self._trees, name="watch-trees", daemon=True),
                         threading.Thread(target=self._root, name="watch-site", daemon=True)]

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

    def _root(self) -> None:
        from watchfiles import watch

        for batch in watch(self.site, recursive=False, raise_interrupt=False,
                           watch_filter=lambda _, path: Path(path).name in WATCHED,
                           stop_event=self._stop):
            for _, path in batch:
                if Path(path).name in TREES:
                    self._restart.set()
                self.changes.put(Path(path))
