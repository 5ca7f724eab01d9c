"""Build state: what the last build of an output read and wrote, so the next one redoes only
what changed.

Kept in `<site>/.threadpress/build/<output hash>.json` (one file per output folder). For each
thread file: its stat and content hash, the summary its pages gave the site pages, its warnings
and the entries it owns in the output. A thread is reused when its file's hash and the render
spec (config, theme files, threadpress's own code) are unchanged, and its entries are still in
the output that the state names (the output's marker carries the build id). Anything else —
a corrupt, foreign or other-version state — is discarded with a warning, never trusted.

Nor is what it holds: the state folder is in the site, where a contributed commit, a restored
CI cache or a hand edit may put anything. Every value is checked for its type, every path in it
(slugs, aliases, output entries) must be relative and stay inside the output, and the state
folder holds no symbolic link (`secure`: a link there is removed, never followed), so nothing
outside the site and the output is read, listed, moved or published because the state says so.
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

from . import __version__, sitefs
from .errors import Diagnostic, ThreadpressError
from .model import Summary
from .routes import MARKER, is_inside

STATE_DIR = ".threadpress"
# 3: the stat holds the ctime too
FORMAT = 3
RACY_NS = 2_000_000_000   # file times coarser than this are not trusted to tell two versions apart


@dataclass
class Entry:
    """One thread file as the last build saw it."""

    stat: tuple[int, int, int, int]     # file_stat(): a cheap "unchanged?" check
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

    def unchanged(self, rel: str, stat: tuple[int, int, int, int],
                  read: "Callable[[], bytes]") -> bool:
        """Whether a thread file is as the last build saw it. The stat alone decides only for
        files whose inode last changed well before the state was saved: a file written in the
        same tick as its previous version could otherwise pass for it (git's "racy clean"
        problem). The ctime is the clock to trust: an editor, `touch -d` or `git checkout`
        can put the mtime back, nothing but the system clock puts the ctime back."""
        old = self.threads.get(rel)
        if old is None:
            return False
        if old.stat == stat and stat[3] < self.saved_ns - RACY_NS:
            return True
        return old.hash == file_hash(rel, read())


def file_stat(st: os.stat_result) -> tuple[int, int, int, int]:
    """What a thread file's stat must match to be taken as unchanged without reading it: size,
    mtime, inode and ctime. Size and mtime alone miss a same-size edit whose mtime was put
    back; every write (and every utime) sets the ctime to now. Hashing every file on every
    build would read the whole content/ folder (about 1 s per GB) to save what this misses
    only when the clock is turned back."""
    return (st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns)


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


def secure(where: Path, folders: list[Path] = ()) -> list[str]:
    """Make the state folder safe to use, before anything in it is opened. `.threadpress` must
    be a real folder (a link there is an error: it also holds the site's secret, which is not
    ours to drop). In the build folder and in `folders`, the cache folders inside it, no
    symbolic link (nor pipe, socket or device) is left: each is removed, the link itself, with
    a warning naming it; so is the build folder or a cache folder that is a link (they are
    made again when needed, and the next build is cold where they were)."""
    top = where.parent.parent
    if os.path.lexists(top) and not sitefs.real_dir(top):
        raise ThreadpressError.one(
            "the build state folder is a symbolic link or not a folder; threadpress keeps its "
            "state only in a folder of the site (nothing is followed out of it): replace it by "
            "a folder", sitefs.shown(top))
    warnings = []
    for folder in (where.parent, *folders):
        if os.path.lexists(folder) and not sitefs.real_dir(folder):
            warnings += _drop(Path(folder))
            continue
        try:
            with os.scandir(folder) as it:
                odd = [Path(e.path) for e in it
                       if not (e.is_dir(follow_symlinks=False) or e.is_file(follow_symlinks=False))]
        except OSError:
            continue   # missing (made when needed), or unreadable: its users say so
        for path in odd:
            warnings += _drop(path)
    return warnings


def _drop(path: Path) -> list[str]:
    try:
        os.unlink(path)
    except OSError as e:
        raise ThreadpressError.one(f"cannot remove a symbolic link or special file from the "
                                   f"build state folder: {e.strerror or e}",
                                   sitefs.shown(path)) from None
    return [f"{sitefs.shown(path)}: a symbolic link or special file in the build state folder; "
            "removed, not followed"]


def load(path: Path, output: Path, spec: str) -> tuple[State, str | None]:
    """The state to trust, and a warning when one was found and discarded."""
    if not os.path.lexists(path):
        return State(spec=spec), None
    try:
        raw = json.loads(sitefs.read_own(path).decode("utf-8"))
        if not isinstance(raw, dict):
            raise ValueError("not an object")
        if raw.get("format") != FORMAT or raw.get("version") != __version__:
            return State(spec=spec), f"build state {path} is from another version; building cold"
        if raw.get("output") != str(output):
            return State(spec=spec), f"build state {path} is for another output; building cold"
        state = State(spec=_str(raw["spec"]), build_id=_str(raw["build_id"]),
                      files=_int(raw["files"]), bytes=_int(raw["bytes"]),
                      saved_ns=_int(raw["saved_ns"]),
                      threads={_path(rel): _entry(e) for rel, e in _dict(raw["threads"]).items()})
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
    if not os.path.lexists(ignore):
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
    """An entry as saved; ValueError (or KeyError, TypeError) when anything in it is not what
    save() writes: a wrong type, a path that leaves the output, a slug that is not one."""
    s = dict(_dict(_dict(raw)["summary"]))
    for key in ("created", "updated"):
        s[key] = datetime.fromisoformat(_str(s[key])) if s[key] else None
        if s[key] is not None and s[key].tzinfo is None:
            raise ValueError("a time without its zone")
    s["tags"] = tuple(_list(s["tags"]))
    s["aliases"] = tuple(_list(s["aliases"]))
    known = {f.name for f in fields(Summary)}
    if set(s) != known:
        raise KeyError("summary fields")
    summary = _typed(Summary(**s))
    if not all(_is_slug(slug) for slug in (summary.slug, *summary.aliases)):
        raise ValueError("a slug that is not a safe URL path")
    warnings = []
    for d in _list(raw["warnings"]):
        d = dict(_dict(d))
        d["field"] = tuple(_list(d["field"]))
        d["other"] = tuple(_list(d["other"])) if d["other"] is not None else None
        warnings.append(_typed(Diagnostic(**d)))
    stat = tuple(_int(n) for n in _list(raw["stat"]))
    if len(stat) != 4:
        raise ValueError("stat")
    return Entry(stat=stat, hash=_str(raw["hash"]), summary=summary,
                 entries=[_path(e) for e in _list(raw["entries"])], files=_int(raw["files"]),
                 bytes=_int(raw["bytes"]), warnings=warnings,
                 provides=[(_str(k), _str(c)) for k, c in _list(raw["provides"])],
                 wants=[_str(k) for k in _list(raw["wants"])],
                 link_digest=_str(raw["link_digest"]))


# --- checking what was read back: each raises ValueError, or returns the value as it is ---------

def _of(kind: type, name: str) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise ValueError(f"expected {name}, found {type(value).__name__}")
        return value
    return check


_str, _int, _list, _dict = _of(str, "a string"), _of(int, "a number"), _of(list, "a list"), \
    _of(dict, "an object")


def _path(rel: Any) -> str:
    """A path relative to the output (or to content/) that stays inside it."""
    if not is_inside(_str(rel)):
        raise ValueError(f"{rel!r} leaves its folder")
    return rel


def _is_slug(slug: str) -> bool:
    """A slug as load.py makes them: `/`-separated parts, none empty, `.` or `..`, no
    backslash or control character (so its folder is inside the output)."""
    return all(part not in ("", ".", "..") and "\\" not in part
               and not any(ord(ch) < 32 for ch in part) for part in slug.split("/"))


_FIELD_TYPES: dict[str, Callable[[Any], bool]] = {
    "str": lambda v: isinstance(v, str),
    "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "bool": lambda v: isinstance(v, bool),
    "None": lambda v: v is None,
    "datetime": lambda v: isinstance(v, datetime),
    "tuple[str, ...]": lambda v: isinstance(v, tuple) and all(isinstance(x, str) for x in v),
    "Field": lambda v: isinstance(v, tuple) and all(
        isinstance(x, (str, int)) and not isinstance(x, bool) for x in v),
}


def _typed(record: Any) -> Any:
    """A dataclass read back, once each field holds a value of its annotated type (a
    field of a type this table does not know fails: add it here)."""
    for f in fields(record):
        value = getattr(record, f.name)
        if not any(_FIELD_TYPES[kind.strip()](value) for kind in str(f.type).split("|")):
            raise ValueError(f"{f.name}: {type(value).__name__}")
    return record
