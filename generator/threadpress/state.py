"""Build state: what the last build of an output read and wrote, so the next one redoes only
what changed.

Kept in `<site>/.threadpress/build/<output hash>.json` (one file per output folder). For each
thread file: its stat and content hash, the summary its pages gave the site pages, its warnings
and the entries it owns in the output. A thread is reused when its file's hash and the render
spec (config, theme files, threadpress's own code) are unchanged, and its entries are still in
the output that the state names (the output's marker carries the build id). Anything else —
a corrupt, foreign or other-version state — is discarded with a warning, never trusted.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

from . import __version__
from .errors import Diagnostic
from .model import Summary
from .routes import MARKER

STATE_DIR = ".threadpress"
FORMAT = 2
RACY_NS = 2_000_000_000   # file times coarser than this are not trusted to tell two versions apart


@dataclass
class Entry:
    """One thread file as the last build saw it."""

    stat: tuple[int, int, int]          # size, mtime_ns, inode: a cheap "unchanged?" check
    hash: str                           # of the file's bytes and its path in content/
    summary: Summary
    entries: list[str]                  # output paths the thread owns
    files: int                          # files in those entries
    bytes: int                          # what those entries weigh
    warnings: list[Diagnostic]
    # links into the archive (crosslinks.py): the keys the thread holds, the keys its bodies
    # link to, and how those resolved when its pages were made
    provides: list[tuple[str, str]]
    wants: list[str]
    link_digest: str


@dataclass
class State:
    spec: str = ""
    build_id: str = ""
    threads: dict[str, Entry] = field(default_factory=dict)
    files: int = 0                      # in the whole output
    bytes: int = 0
    saved_ns: int = 0                   # when it was saved: newer stats are not trusted

    def unchanged(self, rel: str, stat: tuple[int, int, int], read: "Callable[[], bytes]") -> bool:
        """Whether a thread file is as the last build saw it. The stat alone decides only for
        files last modified well before the state was saved: a file written in the same tick
        as its previous version could otherwise pass for it (git's "racy clean" problem)."""
        old = self.threads.get(rel)
        if old is None:
            return False
        if old.stat == stat and stat[1] < self.saved_ns - RACY_NS:
            return True
        return old.hash == file_hash(rel, read())


def state_file(site: Path, output: Path) -> Path:
    key = hashlib.blake2b(str(output).encode("utf-8", "surrogateescape"),
                          digest_size=8).hexdigest()
    return site / STATE_DIR / "build" / f"{key}.json"


def file_hash(rel: str, data: bytes) -> str:
    h = hashlib.blake2b(rel.encode("utf-8", "surrogateescape") + b"\0", digest_size=16)
    h.update(data)
    return h.hexdigest()


def build_id(spec: str, entries: dict[str, Entry]) -> str:
    """Names an output by its inputs, so that equal inputs give byte-identical output."""
    h = hashlib.blake2b(spec.encode(), digest_size=8)
    for rel in sorted(entries):
        h.update(f"\0{rel}\0{entries[rel].hash}".encode("utf-8", "surrogateescape"))
    return h.hexdigest()


def marker_text(build_id: str) -> str:
    return f"This folder is built by threadpress; a build replaces it whole.\nbuild {build_id}\n"


def load(path: Path, output: Path, spec: str) -> tuple[State, str | None]:
    """The state to trust, and a warning when one was found and discarded."""
    if not path.exists():
        return State(spec=spec), None
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        if raw.get("format") != FORMAT or raw.get("version") != __version__:
            return State(spec=spec), f"build state {path} is from another version; building cold"
        if raw.get("output") != str(output):
            return State(spec=spec), f"build state {path} is for another output; building cold"
        state = State(spec=raw["spec"], build_id=raw["build_id"],
                      files=int(raw["files"]), bytes=int(raw["bytes"]),
                      saved_ns=int(raw["saved_ns"]),
                      threads={rel: _entry(e) for rel, e in raw["threads"].items()})
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return State(spec=spec), f"build state {path} is unreadable or corrupt; building cold"
    if not _marker_matches(output, state.build_id):
        return State(spec=spec), (None if not state.threads else
                                  f"output {output} is not the one the build state describes; "
                                  "building cold")
    if state.spec != spec:
        state.threads = {}   # config, theme or code changed: every page may differ
    return state, None


def _marker_matches(output: Path, build_id: str) -> bool:
    try:
        return (output / MARKER).read_text(encoding="utf-8") == marker_text(build_id)
    except (OSError, UnicodeDecodeError):
        return False


def save(path: Path, output: Path, state: State) -> None:
    data = {"format": FORMAT, "version": __version__, "output": str(output), "spec": state.spec,
            "build_id": state.build_id,
            "files": state.files, "bytes": state.bytes, "saved_ns": time.time_ns(),
            "threads": {rel: _dump_entry(e) for rel, e in sorted(state.threads.items())}}
    path.parent.mkdir(parents=True, exist_ok=True)
    ignore = path.parent / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# threadpress build state: safe to delete (the next build is cold)\n*\n")
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    os.replace(tmp, path)


def _dump_entry(e: Entry) -> dict[str, Any]:
    s = asdict(e.summary)
    for key in ("created", "updated"):
        s[key] = s[key].isoformat() if s[key] else None
    return {"stat": list(e.stat), "hash": e.hash, "summary": s, "entries": e.entries,
            "files": e.files, "bytes": e.bytes, "warnings": [asdict(d) for d in e.warnings],
            "provides": e.provides, "wants": e.wants, "link_digest": e.link_digest}


def _entry(raw: dict[str, Any]) -> Entry:
    s = dict(raw["summary"])
    for key in ("created", "updated"):
        s[key] = datetime.fromisoformat(s[key]) if s[key] else None
    s["tags"] = tuple(s["tags"])
    s["aliases"] = tuple(s.get("aliases", ()))
    known = {f.name for f in fields(Summary)}
    if set(s) != known:
        raise KeyError("summary fields")
    warnings = []
    for d in raw["warnings"]:
        d["field"] = tuple(d["field"])
        d["other"] = tuple(d["other"]) if d["other"] is not None else None
        warnings.append(Diagnostic(**d))
    return Entry(stat=tuple(raw["stat"]), hash=raw["hash"], summary=Summary(**s),
                 entries=list(raw["entries"]), files=int(raw["files"]),
                 bytes=int(raw["bytes"]), warnings=warnings,
                 provides=[(str(k), str(c)) for k, c in raw["provides"]],
                 wants=[str(k) for k in raw["wants"]], link_digest=str(raw["link_digest"]))
