"""One imported thread → what to write: find its file, merge three ways with the import record,
and check the result with the loader's own code before anything is written.

The import record (`<output>/_imports/<source>/<file stem>.json`) holds what the importer last
imported. It lives beside the thread files so that it travels with an archive kept in git:
whoever re-imports next, on whichever clone, merges against the same base. The loader skips
`_`-prefixed names, so records are never published.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import Diagnostic, ThreadpressError
from ..load import SUFFIXES, display_path, load_bytes
from ..parse import parse
from ..redact_files import for_import
from .common import dump, parse_json, safe_name, tidy
from .threeway import Counts, merge3, upstream_view

RECORDS = "_imports"
RECORD_VERSION = 1


@dataclass
class Plan:
    """The writes for one thread, decided before any file is touched."""

    path: Path                   # the thread file
    text: str | None             # its new text; None leaves the file as it is
    record: Path
    record_text: str
    status: str                  # new | unchanged | merged (…), printed by `import`
    stale: list[Path] = field(default_factory=list)  # the thread in the other format


def plan(out_dir: Path, source: str, tid: str, thread: dict, fmt: str, origin: str) -> Plan:
    """Decide the writes for one converted thread; `origin` names its payload(s) in messages."""
    folder = Path(out_dir) / source
    stem = safe_name(tid)
    target = folder / f"{stem}.{fmt}"
    record = Path(out_dir) / RECORDS / source / f"{stem}.json"
    existing = [p for p in (folder / f"{stem}{ext}" for ext in SUFFIXES) if p.is_file()]
    local_path = target if target in existing else (existing[0] if existing else None)
    if local_path is None:
        upstream = upstream_view(None, thread)  # gives a thread without comments its `[]`
        _takedown(out_dir, target, upstream)
        merged, status = upstream, "new"
    else:
        base = read_record(record)
        upstream = upstream_view(base, thread)
        local = read_local(local_path)
        _takedown(out_dir, target, upstream, local)
        merged, counts = merge3(base, local, upstream)
        _takedown(out_dir, target, merged, local)   # a local edit may hold removed text too
        status = _status(counts, merged == local and local_path == target)
    # tidy: a file may hold an escaped lone surrogate, and no file can be written with one
    text = None if status == "unchanged" else dump(tidy(merged), fmt)
    if text is not None:
        check_output(text, target, merged, origin)
    stale = [p for p in existing if p != target]
    return Plan(target, text, record, record_text(source, upstream, origin), status, stale)


def _takedown(out_dir: Path, target: Path, doc: dict, local: dict | None = None) -> None:
    """The site's redactions.yaml applied, in place, to what the import writes (the thread
    file and the record), so that a re-import never brings back what `threadpress redact`
    removed: the record's base and the file agree, and so does the payload, once redacted."""
    takedowns = for_import(Path(out_dir))
    if takedowns is not None:
        takedowns.apply(doc, target, local)


def _status(counts: Counts, same: bool) -> str:
    if same and not counts.conflicts:
        return "unchanged"
    return (f"merged (+{counts.added} comments, {counts.updated} updated, "
            f"{counts.kept} kept as edited)")


def read_local(path: Path) -> dict:
    """The thread file as the publisher left it; it must pass `check` before it is merged into."""
    name = display_path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ThreadpressError.one(f"cannot read the existing thread file: {exc.strerror}",
                                   file=name) from None
    loaded, diags = load_bytes(data, name, path.stem)
    errors = [d for d in diags if not d.warning]
    if loaded is None or errors:
        hint = Diagnostic("the thread file already there has errors: fix them (threadpress "
                          "check) or move the file away, then import again", name)
        raise ThreadpressError(errors + [hint])
    return parse(data.decode("utf-8-sig"), name)


def read_record(path: Path) -> dict | None:
    """The thread as last imported, or None when there is no record (a file from before)."""
    if not path.is_file():
        return None
    name = display_path(path)
    try:
        data = parse_json(path.read_bytes(), name)
    except OSError as exc:
        raise ThreadpressError.one(f"cannot read the import record: {exc.strerror}",
                                   file=name) from None
    thread = data.get("thread") if isinstance(data, dict) else None
    if not isinstance(thread, dict) or not isinstance(thread.get("comments", []), list) \
            or not all(isinstance(c, dict) and "id" in c for c in thread.get("comments", [])):
        raise ThreadpressError.one("not an import record (expected an object with `thread`); "
                                   "delete it to merge as if the file had never been imported",
                                   file=name)
    return thread


def record_text(source: str, upstream: dict, origin: str) -> str:
    """The record's JSON, one key a line so that git diffs of re-imports stay readable."""
    try:
        return json.dumps({"threadpress_import": RECORD_VERSION, "source": source,
                           "thread": upstream}, indent=1, ensure_ascii=False,
                          allow_nan=False) + "\n"
    except ValueError as exc:  # NaN or infinity that only a local edit kept out of the file
        raise ThreadpressError.one(f"the payload holds a value JSON cannot store: {exc}",
                                   file=origin) from None


def check_output(text: str, target: Path, thread: dict, origin: str) -> None:
    """Load `text` as `check` would; any error refuses the import, naming payload and field."""
    name = display_path(target)
    loaded, diags = load_bytes(text.encode("utf-8"), name, target.stem)
    errors = [d for d in diags if not d.warning]
    if loaded is not None and not errors:
        return
    raise ThreadpressError([_from_payload(d, thread, name, origin) for d in errors])


def _from_payload(d: Diagnostic, thread: dict, name: str, origin: str) -> Diagnostic:
    """Re-aim a loader error at the payload: the field, its comment's id, where it would land."""
    about = ""
    if len(d.field) >= 2 and d.field[0] == "comments" and isinstance(d.field[1], int):
        comments = thread.get("comments") or []
        if d.field[1] < len(comments) and isinstance(comments[d.field[1]], dict):
            about = f" (comment {_short(comments[d.field[1]].get('id'))})"
    at = f"{name}:{d.line}" if d.line is not None else name
    return Diagnostic(f"{d.message}{about}; it would be {at}, so nothing was written", origin,
                      field=d.field)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."

