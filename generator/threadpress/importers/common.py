"""Helpers shared by every importer: payload parsing, times, key order, output, merge, writing."""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import re
import stat
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import yaml

from .. import __version__
from ..errors import Diagnostic, ThreadpressError, plural
from ..parse import build, json_events, locate
from ..progress import Progress
from .trace import locate_failure
from .trace import payload as traced
from ..times import iso, to_time

if TYPE_CHECKING:
    from .reimport import Plan

USER_AGENT = f"threadpress/{__version__} (+https://github.com/threadpress)"
FETCH_TIMEOUT = 20
FETCH_TRIES = 3
_sleep = time.sleep  # tests replace this so retries do not wait

# Fixed key order keeps output deterministic and diffs readable; extras follow in given order.
THREAD_KEYS = ("title", "id", "url", "source", "author", "created", "points", "tags",
               "format", "body")
COMMENT_KEYS = ("id", "parent", "author", "created", "edited", "score", "url", "deleted",
                "dead", "format", "body")


# --- payloads -------------------------------------------------------------------------------

def parse_json(payload: bytes, name: str) -> Any:
    """Decode a UTF-8 JSON payload, raising a ThreadpressError that names the file and position.

    Any depth is read: json's C scanner recurses (about 500 levels of Algolia or Reddit replies,
    two JSON levels each), so deeper payloads go through the loader's iterative reader.
    """
    try:
        text = payload.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ThreadpressError.one(f"not UTF-8 text (byte {exc.start}): is this a JSON payload?",
                                   file=name) from None
    try:
        try:
            data = json.loads(text)
        except RecursionError:
            data = build(json_events(text, name), name, max_nesting=None)
    except json.JSONDecodeError as exc:
        end = text.rstrip()
        cut = exc.pos >= len(end) or exc.msg.startswith("Unterminated") or \
            not end.endswith(("}", "]"))  # a download that stopped early looks like this
        hint = " (truncated?)" if cut else ""
        raise ThreadpressError.one(f"not valid JSON{hint}: {exc.msg}", file=name,
                                   line=exc.lineno, column=exc.colno) from None
    except ValueError as exc:  # e.g. an integer longer than Python converts (4,300 digits)
        raise ThreadpressError.one(f"not usable JSON: {exc}", file=name) from None
    # a lone `\\ud800` escape decodes to text no file or terminal can take: mend it at once
    return traced(tidy(data) if _ESCAPED_SURROGATE.search(text) else data)


def bad_input(name: str, message: str) -> ThreadpressError:
    """An error for a payload of the wrong shape; `message` says what was expected and found."""
    return ThreadpressError.one(message, file=name)


def kind_of(value: Any) -> str:
    """A short description of a JSON value's type, for 'expected X, found Y' messages."""
    if isinstance(value, dict):
        keys = ", ".join(repr(k) for k in list(value)[:6])
        return f"an object with keys {keys}" if keys else "an empty object"
    if isinstance(value, list):
        return f"a list of {len(value)} item(s)"
    return {str: "a string", bool: "a boolean", type(None): "null"}.get(type(value), "a number")


# --- values ---------------------------------------------------------------------------------

_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def utc_iso(value: Any) -> str | None:
    """Epoch seconds (also as text), a datetime or ISO 8601 text → `YYYY-MM-DDTHH:MM:SSZ`.

    The thread loader's own rules (times.to_time) decide what is a time, so an importer never
    writes one that `threadpress check` would refuse.
    """
    if value is None or value is False or value == "":
        return None
    if isinstance(value, str) and _NUMBER.fullmatch(value.strip()):
        value = float(value)
    moment = to_time(value)
    if moment is None:
        raise ValueError(f"not a time: {value!r}")
    return iso(moment)


def as_time(value: Any) -> Any:
    """utc_iso for a payload's time where the importer cannot name the field: a value that is
    not a time passes through unchanged, and the check of what would be written refuses it,
    naming the thread file's field and the comment's id (one place judges values)."""
    try:
        return utc_iso(value)
    except (ValueError, TypeError, OverflowError):
        return value


def utc_time(value: Any, name: str, what: str) -> str | None:
    """utc_iso, with a malformed time reported as bad input naming the file and the field."""
    try:
        return utc_iso(value)
    except ValueError:
        raise bad_input(name, f"{what} is not a time: {value!r}") from None


_SURROGATE = re.compile("[\ud800-\udfff]")
_ESCAPED_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")
_INTEGER = re.compile(r"[+-]?\d{1,18}")
COUNTS = {"points", "score"}  # APIs send these as numbers or, now and then, numeric text


def tidy(thread: Any) -> Any:
    """An importer's thread (or a payload) made writable, in place and without recursion.

    Lone surrogates (a JSON `\\ud800`, or undecodable mail bytes) cannot be written as UTF-8:
    they become U+FFFD. Counts sent as numeric text become integers; any other wrong type is
    left for the loader's checks to refuse, naming the field.
    """
    if isinstance(thread, str):
        return _SURROGATE.sub("\ufffd", thread)
    stack: list[Any] = [thread] if isinstance(thread, (dict, list)) else []
    while stack:
        node = stack.pop()
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, value in list(items):
            if isinstance(value, str):
                if key in COUNTS and _INTEGER.fullmatch(value.strip()):
                    node[key] = int(value)
                elif _SURROGATE.search(value):
                    node[key] = _SURROGATE.sub("\ufffd", value)
            elif isinstance(value, (dict, list)):
                stack.append(value)
            if isinstance(key, str) and _SURROGATE.search(key):
                node[_SURROGATE.sub("\ufffd", key)] = node.pop(key)
    return thread


def clean(d: dict) -> dict:
    """Drop keys whose value is None."""
    return {k: v for k, v in d.items() if v is not None}


def _ordered(fields: dict, keys: tuple[str, ...]) -> dict:
    """Canonical keys first in fixed order, then the rest in their given order; no Nones."""
    out = {k: fields[k] for k in keys if k in fields}
    out.update((k, v) for k, v in fields.items() if k not in out)
    return clean(out)


def comment(**fields: Any) -> dict:
    """A comment dict in canonical key order; `deleted`/`dead` are written only when true."""
    for flag in ("deleted", "dead"):
        if not fields.get(flag):
            fields.pop(flag, None)
    return _ordered(fields, COMMENT_KEYS)


def thread(**fields: Any) -> dict:
    """A thread dict in canonical key order with `comments` last. A thread without the key
    (`comments=None`) comes from a payload that holds no comments and says nothing about them
    (an issue object alone): a re-import of it keeps the comments the thread has."""
    comments = fields.pop("comments", [])
    out = _ordered(fields, THREAD_KEYS)
    if comments is not None:
        out["comments"] = comments
    return out


def preorder(comments: list[dict]) -> list[dict]:
    """Order flat comments parent-first, siblings in their given order, without recursion.

    Comments whose parent is not in the list keep their `parent` and go where their own
    position puts them among the top level, so nothing is lost. Parent links that form a
    cycle (broken source data) are cut at the first comment met, which becomes top level and
    keeps the link it had as `cycle_parent`.
    """
    ids = {c["id"] for c in comments}
    kids: dict[Any, list[dict]] = {}
    roots: list[dict] = []
    for c in comments:
        p = c.get("parent")
        (kids.setdefault(p, []) if p in ids else roots).append(c)
    out: list[dict] = []
    seen: set = set()

    def walk(start: list[dict]) -> None:
        stack = list(reversed(start))
        while stack:
            c = stack.pop()
            seen.add(c["id"])
            out.append(c)
            stack.extend(reversed(kids.get(c["id"], [])))

    walk(roots)
    for c in comments:
        if c["id"] not in seen:
            c["cycle_parent"] = c.pop("parent")
            kids[c["cycle_parent"]].remove(c)
            walk([c])
    return out


# --- output ---------------------------------------------------------------------------------

# Line breaks to YAML besides \n: plain, single-quoted and block styles fold or normalise them
# (the pure-Python emitter writes a NEL single-quoted, and it reads back as a space); only
# double quotes keep them.
_FOLDED_BREAKS = ("\r", "\x85", "\u2028", "\u2029")
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _str_style(data: str, block: bool) -> str | None:
    if any(c in data for c in _FOLDED_BREAKS):
        return '"'
    return "|" if block and "\n" in data else None


def yaml_dumpers(base: type = getattr(yaml, "CSafeDumper", yaml.SafeDumper)) -> tuple[type, type]:
    """Two safe dumpers: one writing multi-line strings as readable `|` blocks, and an exact one
    for when a block would change a text; both double-quote strings that hold a folded break."""
    def represent(block: bool):
        def str_node(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
            return dumper.represent_scalar("tag:yaml.org,2002:str", data,
                                           style=_str_style(data, block))
        return str_node

    dumpers = (type("BlockDumper", (base,), {}), type("ExactDumper", (base,), {}))
    for dumper, block in zip(dumpers, (True, False)):
        dumper.add_representer(str, represent(block))
    return dumpers


_DUMPERS = yaml_dumpers()


def dump(thread: dict, fmt: str, dumpers: tuple[type, type] = _DUMPERS) -> str:
    """Serialise a thread deterministically as YAML (`yaml`) or JSON (`json`)."""
    if fmt == "json":
        return json.dumps(thread, indent=2, ensure_ascii=False, default=_json_value) + "\n"
    if fmt != "yaml":
        raise ThreadpressError.one(f"unknown output format {fmt!r}: expected yaml or json")
    opts = dict(sort_keys=False, allow_unicode=True, width=1 << 30, default_flow_style=False)
    block, exact = dumpers
    text = yaml.dump(thread, Dumper=block, **opts)
    # Block scalars are exact in theory; verify, since a silent change to a body is the worst bug.
    if yaml.load(text, Loader=_Loader) != thread:
        text = yaml.dump(thread, Dumper=exact, **opts)
    return text


def _json_value(value: Any) -> str:
    """Times a hand-edited YAML file holds as timestamps, when its thread is re-written as JSON."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} cannot be written as JSON")


# --- merge ----------------------------------------------------------------------------------

def flatten(comments: list) -> list[dict]:
    """Nested `replies` (a hand-edited file may use them) → the flat form, without recursion."""
    out: list[dict] = []
    stack = [(c, None) for c in reversed(comments)]
    while stack:
        c, parent = stack.pop()
        if not isinstance(c, dict) or "id" not in c:
            continue
        flat = {k: v for k, v in c.items() if k != "replies"}
        if parent is not None:
            flat["parent"] = parent
        out.append(flat)
        stack.extend((r, c["id"]) for r in reversed(c.get("replies") or []))
    return out


def combine(a: dict, b: dict) -> dict:
    """Two inputs of one import that give the same thread (an issue, then its comments; two
    pages of comments): the fuller thread's fields, the other's where it has none, and the
    comments of both (for a comment in both, the later input's copy)."""
    def filled(t: dict) -> int:
        return sum(1 for k, v in t.items() if k != "comments" and v not in (None, "", []))

    first, second = (a, b) if filled(a) >= filled(b) else (b, a)
    out = dict(first)
    for k, v in second.items():
        if k != "comments" and out.get(k) in (None, "", []):
            out[k] = v
    by_id: dict[str, dict] = {}
    for c in flatten(a.get("comments") or []) + flatten(b.get("comments") or []):
        by_id[c["id"]] = c
    covered = "comments" in a or "comments" in b  # neither holds comments: still says nothing
    out["comments"] = preorder(list(by_id.values())) if covered else None
    return thread(**out)


def merge(old: dict, new: dict) -> dict:
    """`new`, plus every comment of `old` missing from it, kept at its old place (after its
    nearest earlier sibling still there) and marked `removed_upstream: true`."""
    new_comments = flatten(new.get("comments") or [])
    present = {comment_key(c) for c in new_comments}
    old_comments = flatten(old.get("comments") or [])
    gone = {comment_key(c): c for c in old_comments if comment_key(c) not in present}
    if not gone:
        return new
    kids, by_id = children(new_comments)
    by_id.update((k, {**c, "removed_upstream": True}) for k, c in gone.items())
    slot_in(kids, children(old_comments)[0], set(gone))
    return {**new, "comments": walk_children(kids, by_id)}


def comment_key(c: dict) -> str:
    """A comment's id as text: a hand-edited file may say `id: 5` for the source's "5"."""
    return str(c["id"])


def parent_key(c: dict) -> str | None:
    parent = c.get("parent")
    return None if parent is None else str(parent)


def children(comments: list[dict]) -> tuple[dict[str | None, list[str]], dict[str, dict]]:
    """Child-id lists per parent id (None: top level) and comments by id, in list order."""
    kids: dict[str | None, list[str]] = {}
    by_id: dict[str, dict] = {}
    for c in comments:
        by_id[comment_key(c)] = c
        kids.setdefault(parent_key(c), []).append(comment_key(c))
    return kids, by_id


_FRONT = object()


def slot_in(kids: dict, other_kids: dict, added: set[str]) -> None:
    """Add the ids in `added` to the child lists `kids`, each right after its nearest earlier
    sibling in `other_kids` that `kids` already holds (first, if none); linear time."""
    for parent, others in other_kids.items():
        if not any(c in added for c in others):
            continue
        have = kids.setdefault(parent, [])
        present = set(have)
        after: dict[Any, list[str]] = {}
        last: Any = _FRONT
        for c in others:
            if c in added:
                after.setdefault(last, []).append(c)
            elif c in present:
                last = c
        slotted = list(after.get(_FRONT, []))
        for c in have:
            slotted.append(c)
            slotted.extend(after.get(c, []))
        kids[parent] = slotted


def walk_children(kids: dict, by_id: dict) -> list[dict]:
    """Pre-order over the child lists; comments under unknown parents follow, in list order."""
    out: list[dict] = []
    seen: set[str] = set()
    starts = [None] + [p for p in kids if p is not None and p not in by_id]
    for start in starts:
        stack = list(reversed(kids.get(start, [])))
        while stack:
            cid = stack.pop()
            if cid in seen:
                continue  # a parent cycle in hand-edited input must not loop forever
            seen.add(cid)
            out.append(by_id[cid])
            stack.extend(reversed(kids.get(cid, [])))
    out.extend(by_id[c] for c in by_id if c not in seen)  # cycles: keep, never drop
    return out


# --- fetching -------------------------------------------------------------------------------

def http_get(url: str, what: str) -> bytes:
    """GET a URL with retries and backoff; ThreadpressError with a way out when offline."""
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT,
                                                   "Accept": "application/json"})
    reason = ""
    for attempt in range(FETCH_TRIES):
        if attempt:
            _sleep(2 ** attempt)
        try:
            with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT) as response:
                return response.read()
        except urllib.error.HTTPError as exc:
            reason = f"HTTP {exc.code} {exc.reason}"
            if exc.code not in (429, 500, 502, 503, 504):
                break  # not found, forbidden…: retrying will not help
        except (urllib.error.URLError, OSError) as exc:
            reason = str(getattr(exc, "reason", exc))
    raise ThreadpressError.one(
        f"could not reach {url}: {reason}; save the payload with the curl line in "
        f"docs/import.md and pass the file", file=what)


def looks_remote(arg: str) -> bool:
    """True for an http(s) URL or a bare id (letters, digits, underscore)."""
    return bool(re.match(r"https?://", arg) or re.fullmatch(r"[A-Za-z0-9_]+", arg))


# --- running an import ----------------------------------------------------------------------

def safe_name(thread_id: str) -> str:
    """A file name for a thread id; ids that had to change get a short hash so they stay unique."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", thread_id).strip("._")[:80]
    if name != thread_id or not name:
        name = f"{name or 'thread'}-{hashlib.sha1(thread_id.encode()).hexdigest()[:8]}"
    return name


@dataclass
class Imported:
    """One thread an import wrote (or left alone), and what happened to it."""

    path: Path
    status: str  # new | unchanged | merged (+N comments, M updated, K kept as edited)


def run_import(source: str, inputs: list[str], out_dir: Path, fmt: str, *,
               stdin: BinaryIO | None = None, site_url: str | None = None,
               skip_from: list[str] | None = None, quiet: bool = True) -> list[Path]:
    """import_threads, returning only the thread files' paths."""
    return [i.path for i in import_threads(source, inputs, out_dir, fmt, stdin=stdin,
                                           site_url=site_url, skip_from=skip_from, quiet=quiet)]


def import_threads(source: str, inputs: list[str], out_dir: Path, fmt: str, *,
                   stdin: BinaryIO | None = None, site_url: str | None = None,
                   skip_from: list[str] | None = None, quiet: bool = True) -> list[Imported]:
    """Convert every input, merge each thread with its file, check the results with the
    loader's own code, and only if all of that succeeded write one file per thread.

    `site_url` is the original site's address, for sources whose payloads lack it (discourse);
    `skip_from` are patterns of senders to leave out (mbox). Inputs that give the same thread
    are combined (`combine`), and each thread is stamped `archived` with its input's time.
    Unless `quiet`, progress bars (on a terminal) and a summary line go to standard error.
    """
    started = time.monotonic()
    from . import get  # here, not at top: the package imports this module's names

    module = get(source)
    if fmt not in ("yaml", "json"):
        raise ThreadpressError.one(f"unknown output format {fmt!r}: expected yaml or json")
    options = _options(module, source, site_url, skip_from)
    threads, origins = _convert_all(module, source, inputs, stdin, options,
                                    Progress(len(inputs), quiet, "inputs read"))
    plans = _plan_all(Path(out_dir), source, threads, origins, fmt,
                      Progress(len(threads), quiet, "threads prepared"))
    progress = Progress(len(plans), quiet, "threads written")
    for p in plans:
        apply_plan(p)
        progress.step()
    outcomes = Counter(p.status.split(" ")[0] for p in plans)
    comments = sum(len(t.get("comments") or ()) for t in threads.values())
    progress.done(f"imported {plural(len(threads), 'thread')}, {plural(comments, 'comment')} "
                  f"from {plural(len(inputs), 'input')} ({outcomes['new']} new, {outcomes['merged']} merged, "
                  f"{outcomes['unchanged']} unchanged) in {time.monotonic() - started:.1f}s "
                  f"→ {Path(out_dir) / source}")
    return [Imported(p.path, p.status) for p in plans]


def _options(module: Any, source: str, site_url: str | None,
             skip_from: list[str] | None = None) -> dict[str, Any]:
    """Keyword arguments for the module's convert(): only those it takes, checked."""
    options: dict[str, Any] = {}
    takes = inspect.signature(module.convert).parameters
    if site_url:
        if "base_url" not in takes:
            raise ThreadpressError.one(f"--site-url is not used by {source}: its payloads "
                                       "carry their own addresses")
        if not site_url.startswith(("https://", "http://")):
            raise ThreadpressError.one(f"--site-url: expected an http(s) URL, found {site_url!r}")
        options["base_url"] = site_url
    if skip_from:
        if "skip_from" not in takes:
            raise ThreadpressError.one(f"--skip-from is only for mbox imports, not {source}")
        options["skip_from"] = [_pattern(p, "--skip-from") for p in skip_from]
    return options


def _pattern(text: str, option: str) -> re.Pattern:
    """A command-line regular expression, matched case-insensitively; a bad one is an error."""
    try:
        return re.compile(text, re.I)
    except re.error as exc:
        raise ThreadpressError.one(f"{option} {text!r}: not a regular expression: {exc}") from None


def archive_time(arg: str) -> str:
    """When an input was archived, in UTC: a saved file's modification time (so importing
    one file twice gives the same bytes), else now (a fetch, stdin); $SOURCE_DATE_EPOCH,
    when set, instead of either (the reproducible-builds convention)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return utc_iso(int(epoch))
    try:
        return utc_iso(int(Path(arg).stat().st_mtime)) if arg != "-" else utc_iso(int(time.time()))
    except OSError:
        return utc_iso(int(time.time()))


def _stamped(t: dict, archived: str) -> dict:
    """The thread with `archived` (unless its importer set one) last before its comments."""
    out = {k: v for k, v in t.items() if k != "comments"}
    out.setdefault("archived", archived)
    if "comments" in t:  # no key: the payload says nothing about comments (see `thread`)
        out["comments"] = t["comments"] or []
    return out


def _convert_all(module: Any, source: str, inputs: list[str], stdin: BinaryIO | None,
                 options: dict[str, Any], progress: Progress
                 ) -> tuple[dict[str, dict], dict[str, str]]:
    """Every input's threads by id, merged, and the input(s) each came from (for messages);
    every input's problems raised together."""
    threads: dict[str, dict] = {}
    origins: dict[str, list[str]] = {}
    errors: list[Diagnostic] = []
    for arg in inputs:
        try:
            name, converted = _convert_one(module, source, arg, stdin, options)
        except ThreadpressError as exc:
            errors.extend(exc.diagnostics)
            converted = []
        saved = archive_time(arg)
        for t in converted:
            tid = str(t["id"])
            t = _stamped(t, saved)
            threads[tid] = combine(threads[tid], t) if tid in threads else t
            origins.setdefault(tid, []).append(name)
        progress.step()
    progress.clear()
    if errors:
        raise ThreadpressError(errors)
    return threads, {tid: ", ".join(names) for tid, names in origins.items()}


def _plan_all(out_dir: Path, source: str, threads: dict[str, dict], origins: dict[str, str],
              fmt: str, progress: Progress) -> list[Plan]:
    """Every thread merged with its file, dumped and checked, before any is written: a bad
    existing file or a bad result stops the import with nothing changed."""
    from .reimport import plan  # here: reimport builds on this module

    plans, errors = [], []
    for tid, t in threads.items():
        try:
            plans.append(plan(out_dir, source, tid, t, fmt, origins[tid]))
        except ThreadpressError as exc:
            errors.extend(exc.diagnostics)
        progress.step()
    progress.clear()
    if errors:
        raise ThreadpressError(errors)
    return plans


def _convert_one(module: Any, source: str, arg: str, stdin: BinaryIO | None,
                 options: dict[str, Any]) -> tuple[str, list[dict]]:
    """Read one input (file, `-`, URL or id); (its name, its threads made writable)."""
    name, payload = _read_input(module, source, arg, stdin)
    try:
        threads = module.convert(payload, name, **options)
    except ThreadpressError:
        raise
    except (ValueError, KeyError, TypeError, AttributeError, IndexError, OverflowError) as exc:
        raise _unusable(lambda: module.convert(payload, name, **options), source, name,
                        payload, exc) from None
    for t in threads:
        tidy(t)
        if not isinstance(t.get("id"), (str, int)) or isinstance(t.get("id"), bool) \
                or not str(t["id"]).strip() or not t.get("title"):
            raise bad_input(name, f"the {source} payload gave a thread without id or title")
    return name, threads


def _unusable(convert: Any, source: str, name: str, payload: bytes,
              exc: Exception) -> ThreadpressError:
    """The error for a payload an importer tripped over: the field it read last, and its line
    when the payload is JSON (found by a second, traced run: see trace.py)."""
    why = f"{type(exc).__name__}: {exc}"
    found = locate_failure(convert, exc)
    if found is None:
        return bad_input(name, f"not a usable {source} payload: {why}")
    field, kind = found
    line = column = None
    if payload.lstrip()[:1] in (b"{", b"["):
        try:
            where = locate(payload.decode("utf-8-sig"), "payload.json", [field])
            line, column = where.get(field, (None, None))
        except (ThreadpressError, ValueError):
            pass
    what = f"`{field[-1]}` is missing" if kind == "missing" else \
        f"{kind} is not what a {source} payload has here"
    return ThreadpressError.one(f"{what} ({why})", name, line, column, field)


def _read_input(module: Any, source: str, arg: str, stdin: BinaryIO | None) -> tuple[str, bytes]:
    """Return (name for messages, payload bytes) for one command-line input."""
    if arg == "-":
        return "<stdin>", (stdin or sys.stdin.buffer).read()
    path = Path(arg)
    if path.is_file():
        try:
            return arg, path.read_bytes()
        except OSError as exc:
            raise ThreadpressError.one(f"cannot read: {exc.strerror}", file=arg) from None
    if looks_remote(arg) and hasattr(module, "fetch"):
        return arg, module.fetch(arg)
    hint = "" if hasattr(module, "fetch") else f" ({source} payloads must be saved to a file first)"
    raise ThreadpressError.one(f"no such file{hint}", file=arg)


def _new_file_mode() -> int:
    """What open() gives a new file: 0666 less the umask (0644 under the usual 022). Read
    once: setting the umask to read it is not safe while other threads create files."""
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


_NEW_FILE_MODE = _new_file_mode()


def _mode_of(path: Path) -> int:
    """The permission bits a rewrite of `path` keeps: its own, or a new file's."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return _NEW_FILE_MODE


def _write(path: Path, text: str, durable: bool = True) -> Path:
    """Write atomically (temp file + rename); leave the file alone when nothing changed.

    `durable=False` skips the fsync: a dump import writing thousands of files syncs once at
    the end instead (an fsync per file would dominate its time)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8")
    if path.is_file() and path.read_bytes() == data:
        return path
    mode = _mode_of(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, mode)   # mkstemp makes 0600: the file keeps its bits
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            if durable:
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path



def apply_plan(p: Any, durable: bool = True) -> None:
    """Carry out one thread's planned writes (a reimport.Plan): the thread file first (a record
    newer than its file would hide edits), its copy in the other format removed, the record."""
    if p.text is not None:
        _write(p.path, p.text, durable)
    for old in p.stale:  # the same thread in the other format would load twice
        old.unlink(missing_ok=True)
    _write(p.record, p.record_text, durable)
