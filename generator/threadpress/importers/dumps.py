"""What the dump importers share: options, the SQLite spill, folding a dump's view of a thread
into its existing file, and the run's summary.

Why a spill: a month of Reddit comments is tens of GB, and a thread's comments are spread
through it. Each record is mapped to its thread-file form as it is read and appended to a
temporary SQLite database (stdlib, on disk beside the content); then threads are written one
at a time, straight from an index on the thread id. Memory holds one thread, not one month.

Why the content folder is the map between runs: a Reddit comment names its submission
(`link_id`), so a comment from next month's file finds its thread file by name,
`content/reddit/<id>.yaml`, with nothing else kept. The thread file is the truth: it survives
edits, `git checkout` and moves of the state folder, and a run reads and writes only the
threads its input touches. (Hacker News comments name only their parent, so hn-dump also
keeps a small id → story table; see hn_dump.)
"""

from __future__ import annotations

import importlib
import json
import os
import sqlite3
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from ..errors import Diagnostic, ThreadpressError
from ..load import SUFFIXES
from ..state import STATE_DIR
from ..times import iso, to_time
from . import common
from .dumpio import BadLines, Progress

DUMPS = {"reddit-dump": "threadpress.importers.reddit_dump",
         "hn-dump": "threadpress.importers.hn_dump"}


def run_dump(source: str, inputs: list[str], out_dir: Path, fmt: str | None, *,
             since: str | None = None, until: str | None = None,
             subreddits: list[str] | None = None, progress: Progress | None = None) -> "Summary":
    """Import whole dump files (`reddit-dump` or `hn-dump`) into `out_dir`.

    `fmt` None: new thread files are JSON (machine-made, thousands of them: JSON is several
    times faster to write and to load), and a thread file that exists keeps its format.
    """
    if fmt not in ("yaml", "json", None):
        raise ThreadpressError.one(f"unknown output format {fmt!r}: expected yaml or json")
    if subreddits and source != "reddit-dump":
        raise ThreadpressError.one("--subreddit is for reddit-dump")
    if "-" in inputs:
        raise ThreadpressError.one("dumps are read from files, not standard input: pass "
                                   "the file's name", file="-")
    module = importlib.import_module(DUMPS[source])
    opts = options(since, until, subreddits)
    try:
        return module.run(inputs, out_dir, fmt, opts, progress or Progress())
    except sqlite3.Error as exc:  # disk full, or another import holding the state
        raise ThreadpressError.one(f"the import's working database failed: {exc} (is the disk "
                                   "full, or another import of this site running?)",
                                   file=state_dir(out_dir)) from None
    except OSError as exc:
        raise ThreadpressError.one(f"cannot write: {exc.strerror}",
                                   file=exc.filename or out_dir) from None


@dataclass(frozen=True)
class Options:
    """Which records to keep: a time range [since, until) and, for Reddit, subreddits."""

    since: str = ""          # ISO UTC text, compared as text (the same fixed format)
    until: str = ""
    subreddits: frozenset[str] = frozenset()

    def keeps_time(self, created: str | None) -> bool:
        if not (self.since or self.until):
            return True
        if not created:
            return False
        return (not self.since or created >= self.since) and (not self.until or created < self.until)


def options(since: str | None, until: str | None, subreddits: list[str] | None) -> Options:
    """Options from the command line, each bad value an error naming its option."""
    names = {n.strip().lower().removeprefix("r/") for arg in subreddits or []
             for n in arg.split(",") if n.strip()}
    return Options(_day(since, "--since"), _day(until, "--until"), frozenset(names))


def _day(value: str | None, option: str) -> str:
    if not value:
        return ""
    text = value + "-01" if len(value) == 7 else value  # 2024-05 means the month's first day
    moment = to_time(text)
    if moment is None:
        raise ThreadpressError.one(f"{option}: expected a date like 2024-05-01 (or 2024-05), "
                                   f"found {value!r}")
    return iso(moment)


@dataclass
class Summary:
    """What a dump import did, for the report line and for tests."""

    items: int = 0
    threads: int = 0
    changed: int = 0
    skipped: int = 0         # records left out by --since/--until/--subreddit
    orphans: int = 0         # records whose thread could not be found
    bad: BadLines = field(default_factory=BadLines)
    errors: list[Diagnostic] = field(default_factory=list)

    def line(self) -> str:
        parts = [f"{self.items:,} items imported", f"{self.threads:,} threads",
                 f"{self.changed:,} written", f"{self.threads - self.changed:,} unchanged"]
        if self.skipped:
            parts.append(f"{self.skipped:,} filtered out")
        if self.orphans:
            parts.append(f"{self.orphans:,} without their story")
        parts.append(f"{self.bad.count:,} bad lines")
        return ", ".join(parts)


class Spill:
    """A temporary SQLite database in the state folder, deleted when closed."""

    def __init__(self, state: Path, schema: str, attach: dict[str, Path] | None = None) -> None:
        state.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=state, prefix="spill-", suffix=".sqlite")
        os.close(fd)
        self.path = Path(name)
        self.seq = 0  # the next record's sequence number, for the dumps' own order
        # A running import holds its state for minutes: fail fast rather than wait for it.
        self.db = sqlite3.connect(name, isolation_level=None, timeout=0.5)
        try:
            self._setup(schema, attach or {})
        except BaseException:
            self.__exit__()
            raise

    def _setup(self, schema: str, attach: dict[str, Path]) -> None:
        # Scratch data: no journal, no fsync; a crash only loses the spill, never content.
        for pragma in ("journal_mode=OFF", "synchronous=OFF", "temp_store=FILE",
                       "cache_size=-65536", "locking_mode=EXCLUSIVE"):
            self.db.execute(f"PRAGMA {pragma}")
        for alias, path in attach.items():  # not possible inside a transaction
            self.db.execute(f"ATTACH DATABASE ? AS {alias}", (str(path),))
            # Kept between runs, unlike the spill: a journal, so a crash cannot corrupt it.
            self.db.execute(f"PRAGMA {alias}.journal_mode=DELETE")
            self.db.execute(f"PRAGMA {alias}.synchronous=NORMAL")
        self.db.executescript(schema)
        self.db.execute("BEGIN")

    def __enter__(self) -> "Spill":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.db.close()
        self.path.unlink(missing_ok=True)


def state_dir(out_dir: Path) -> Path:
    """The site's state folder: beside the content folder."""
    return Path(out_dir).resolve().parent / STATE_DIR


def existing(folder: Path, tid: str) -> tuple[dict | None, str]:
    """The thread file already written for this id, parsed (or None), and its format."""
    from .reimport import read_local

    stem = common.safe_name(tid)
    for ext in SUFFIXES:
        path = folder / f"{stem}{ext}"
        if path.is_file():
            return read_local(path), "json" if ext == ".json" else "yaml"
    return None, "json"


def combine(old: dict | None, fields: dict | None, comments: list[dict], stub: dict) -> dict:
    """A dump's partial view of a thread folded into what its file already holds.

    A dump holds a month, not a thread's whole history, so nothing is dropped or marked gone:
    old comments keep their place, the dump's version of a comment replaces the old one, new
    comments join under their parents. Thread fields: this run's submission, else the file's,
    else `stub`. Re-running the same input gives the same thread, so the file is untouched.
    """
    base = fields or ({k: v for k, v in old.items() if k != "comments"} if old else stub)
    by_id: dict[str, dict] = {}
    if old:
        by_id.update((str(c["id"]), c) for c in common.flatten(old.get("comments") or []))
    for c in comments:
        by_id[c["id"]] = c
    return common.thread(**base, comments=common.preorder(list(by_id.values())))


def write(folder: Path, tid: str, fields: dict | None, comments: list[dict], stub: dict,
          fmt: str | None, origin: str, summary: Summary) -> None:
    """Fold one thread into its file and write it, through the importers' own planning (the
    three-way merge with the import record, the loader's check of the result), counting it in
    `summary`; a thread the check refuses is an error there, and the others go on. `fmt` None
    keeps an existing file's format. `folder` is `<out>/<source>`."""
    from .reimport import plan

    summary.threads += 1
    try:
        old, own = existing(folder, tid)
        t = common.tidy(combine(old, fields, comments, stub))
        p = plan(folder.parent, folder.name, tid, t, fmt or own, origin)
    except ThreadpressError as exc:
        summary.errors.extend(exc.diagnostics)
        return
    common.apply_plan(p, durable=False)  # finish() syncs once
    summary.changed += p.text is not None or bool(p.stale)


def wrong_type(d: dict, texts: tuple[str, ...], numbers: tuple[str, ...],
               lists: tuple[str, ...] = ()) -> tuple[str, str] | None:
    """(field, what is wrong) for the first value of a type no dump writes there (hostile or
    broken data), so it is reported as a bad line instead of reaching the mapping."""
    for key in texts:
        if not isinstance(d.get(key, ""), (str, type(None))):
            return key, f"expected text, found {type(d[key]).__name__}"
    for key in numbers:
        value = d.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            return key, f"expected an integer, found {value!r}"[:120]
    for key in lists:
        value = d.get(key)
        if value is not None and not (isinstance(value, list) and
                                      all(isinstance(v, (int, str)) for v in value)):
            return key, "expected a list of ids"
    return None


def rows(cursor: sqlite3.Cursor) -> Iterator[tuple]:
    """A query's rows, fetched in bounded batches."""
    while batch := cursor.fetchmany(1000):
        yield from batch


def packed(value: dict) -> str:
    """A record as compact JSON, for the spill."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def finish(summary: Summary, progress: Progress) -> Summary:
    """Sync the written files once, end the progress line, and fail with every error (a
    broken file) after the writes."""
    if summary.changed:
        os.sync()
    progress.finish()
    if summary.errors:
        raise ThreadpressError(summary.bad.diagnostics() + summary.errors)
    return summary
