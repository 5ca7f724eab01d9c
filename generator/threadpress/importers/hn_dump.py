"""Hacker News item dumps: Firebase items (the API's /v0/item objects, or the BigQuery
`hacker_news.full` export), one per line or in one JSON array, plain or compressed.

Items are spilled, each is assigned its story by climbing `parent` links, and one thread file
per story is written under `<out>/hn/` by the same code as `threadpress import hn` (stories,
polls and their options, jobs, dead and deleted items alike).

A comment names only its parent, never its story, so the story of every item imported is
kept in `.threadpress/hn-dump.sqlite` (two integers per item): a reply in next month's dump
to a comment imported last month still finds its thread.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from ..errors import ThreadpressError
from . import dumps, hn
from .common import utc_iso
from .dumpio import Progress, records

MAP = "hn-dump.sqlite"
SCHEMA = """
CREATE TABLE IF NOT EXISTS known.roots(id INTEGER PRIMARY KEY, root INTEGER NOT NULL);
CREATE TABLE items(id INTEGER PRIMARY KEY, parent INTEGER, root INTEGER, data TEXT);
"""
NO_STORY = 0  # the root of items whose chain of parents reaches no story
BATCH = 20_000
CACHE = 400_000  # recently resolved id → story pairs kept in memory (replies follow parents)
NUMBERS = ("id", "parent", "time", "score", "descendants")  # BigQuery exports may quote them
TEXTS = ("type", "by", "text", "title", "url")


def run(inputs: list[str], out_dir: Path, fmt: str | None, opts: dumps.Options,
        progress: Progress) -> dumps.Summary:
    """Import the item dumps; bad lines are counted, a broken file fails after the writes."""
    summary = dumps.Summary()
    state = dumps.state_dir(out_dir)
    with dumps.Spill(state, SCHEMA, attach={"known": state / MAP}) as spill:
        for arg in inputs:
            _read(Path(arg), spill.db, opts, summary, progress)
        _resolve(spill.db)
        spill.db.execute("CREATE INDEX items_root ON items(root, id)")
        _write_all(spill.db, Path(out_dir) / "hn", fmt, ", ".join(inputs), summary, progress)
        spill.db.execute("INSERT OR REPLACE INTO known.roots SELECT id, root FROM items "
                         f"WHERE root != {NO_STORY}")
        spill.db.execute("COMMIT")
    return dumps.finish(summary, progress)


def _read(path: Path, db: sqlite3.Connection, opts: dumps.Options, summary: dumps.Summary,
          progress: Progress) -> None:
    rows: list[tuple] = []
    try:
        for number, d in records(path, summary.bad, progress):
            progress.items += 1
            row = _row(d, str(path), number, opts, summary)
            if row:
                rows.append(row)
                summary.items += 1
            if len(rows) >= BATCH:
                _insert(db, rows)
    except ThreadpressError as exc:
        summary.errors.extend(exc.diagnostics)
    _insert(db, rows)


def _insert(db: sqlite3.Connection, rows: list[tuple]) -> None:
    db.executemany("INSERT OR REPLACE INTO items VALUES (?, ?, ?, ?)", rows)
    rows.clear()


def _row(d: dict, name: str, number: int, opts: dumps.Options,
         summary: dumps.Summary) -> tuple | None:
    """(id, parent, root, item) for the spill, or None when bad or filtered out."""
    for key in NUMBERS:
        value = d.get(key)
        if isinstance(value, str) and value.isascii() and value.isdigit():
            d[key] = int(value)
    if not _is_int(d.get("id")):
        summary.bad.add(name, number, "no integer `id`", ("id",))
        return None
    wrong = dumps.wrong_type(d, TEXTS, ("score", "descendants"), ("kids", "parts"))
    if wrong:
        summary.bad.add(name, number, wrong[1], wrong[:1])
        return None
    try:
        created = utc_iso(d.get("time"))
    except ValueError:
        summary.bad.add(name, number, f"not a time: {d.get('time')!r}", ("time",))
        return None
    if not opts.keeps_time(created):
        summary.skipped += 1
        return None
    parent = d.get("parent") if _is_int(d.get("parent")) else None
    story = d.get("type") in hn.STORY_TYPES or (parent is None and "type" not in d)
    return d["id"], parent, d["id"] if story else None, dumps.packed(d)


def _is_int(value: Any) -> bool:
    """An item id: an integer SQLite can hold (HN's are below 10**8)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2 ** 63


# --- stories ---------------------------------------------------------------------------------

def _resolve(db: sqlite3.Connection) -> None:
    """Give every item its story (`root`), in id order: a reply's parent is almost always
    older, hence resolved just before and still cached. Each item is climbed at most once."""
    cache: dict[int, int] = {}
    updates: list[tuple[int, int]] = []
    last = -1
    while batch := db.execute("SELECT id, parent, root FROM items WHERE id > ? ORDER BY id "
                              "LIMIT ?", (last, BATCH)).fetchall():
        for item, parent, root in batch:
            if root is None and item not in cache:
                _climb(db, item, parent, cache, updates)
            elif root is not None:
                cache[item] = root
        last = batch[-1][0]
        _flush(db, updates)
        while len(cache) > CACHE:
            del cache[next(iter(cache))]  # oldest first: dicts keep insertion order
    _flush(db, updates)


def _climb(db: sqlite3.Connection, item: int, parent: int | None, cache: dict[int, int],
           updates: list[tuple[int, int]]) -> None:
    """Follow parents up to a known story; every item passed gets it (or NO_STORY)."""
    path, seen = [item], {item}
    root = NO_STORY
    while parent is not None and parent not in seen:
        if parent in cache:
            root = cache[parent]
            break
        row = db.execute("SELECT parent, root FROM items WHERE id = ?", (parent,)).fetchone()
        if row is None:
            known = db.execute("SELECT root FROM known.roots WHERE id = ?", (parent,)).fetchone()
            root = known[0] if known else NO_STORY
            break
        if row[1] is not None:
            root = row[1]
            break
        path.append(parent)
        seen.add(parent)
        parent = row[0]
    for i in path:
        cache[i] = root
        updates.append((root, i))


def _flush(db: sqlite3.Connection, updates: list[tuple[int, int]]) -> None:
    db.executemany("UPDATE items SET root = ? WHERE id = ?", updates)
    updates.clear()


# --- writing ---------------------------------------------------------------------------------

def _write_all(db: sqlite3.Connection, folder: Path, fmt: str | None, origin: str,
               summary: dumps.Summary, progress: Progress) -> None:
    summary.orphans = db.execute(f"SELECT count(*) FROM items WHERE root = {NO_STORY}") \
        .fetchone()[0]
    roots = db.execute(f"SELECT DISTINCT root FROM items WHERE root != {NO_STORY} ORDER BY 1")
    for (root,) in dumps.rows(roots):
        items = [json.loads(data) for (data,) in db.execute(
            "SELECT data FROM items WHERE root = ? ORDER BY id", (root,))]
        try:
            fields, comments = _thread(root, items)
        except ThreadpressError as exc:
            summary.errors.extend(exc.diagnostics)
            continue
        stub = {"title": f"Hacker News item {root}", "id": str(root),
                "source": hn.SITE + str(root), "format": "html"}
        dumps.write(folder, str(root), fields, comments, stub, fmt, origin, summary)
        progress.threads = summary.threads
        progress.show()


def _thread(root: int, items: list[dict]) -> tuple[dict | None, list[dict]]:
    """The story's thread fields (None when it is not in this run) and the comments."""
    sid = str(root)
    if any(str(i["id"]) == sid for i in items):
        t = hn._firebase(items, sid)
        return {k: v for k, v in t.items() if k != "comments"}, t["comments"]
    # A later month's replies to a story imported before: in id (time) order.
    return None, [hn._firebase_comment(i, str(i["id"]), str(i.get("parent")), sid)
                  for i in items if i.get("type") != "pollopt"]
