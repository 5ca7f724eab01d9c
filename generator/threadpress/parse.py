"""YAML and JSON text → plain Python data, iteratively, with positions found on demand.

Both formats are read as one stream of events, `(kind, value, line, column)` with kind in
map/seq/end/scalar, so that one iterative builder (no recursion: nesting may be deep) makes the
data and one walker finds where a field path sits when a diagnostic needs its line.
"""

from __future__ import annotations

import bisect
import json
import math
import re
from typing import Any, Iterable, Iterator

import yaml

from .errors import Field, ThreadpressError

# Each level of `replies` nesting is two levels of YAML/JSON (a mapping and a list); libyaml slows
# down sharply past a few thousand levels, and deeper chains belong in the flat form anyway.
MAX_NESTING = 4096
MAX_DIGITS = 4300   # Python's own limit for int <-> text: longer integers are refused

Event = tuple  # (kind, value, line, column); line and column are 1-based

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_COLLECTION_TAGS = {None, "!", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}


def parse(text: str, name: str) -> Any:
    """Parse a thread file's text; the format follows the file name's extension."""
    if _is_json(name):
        return _parse_json(text, name)
    return build(yaml_events(text, name), name)


def _is_json(name: str) -> bool:
    return name.lower().endswith(".json")


def locate(text: str, name: str, paths: Iterable[Field]) -> dict[Field, tuple[int, int]]:
    """Find (line, column) for each field path, or for its nearest enclosing one that exists."""
    wanted = {tuple(p) for p in paths}
    prefixes = {p[:i] for p in wanted for i in range(len(p) + 1)}
    found: dict[Field, tuple[int, int]] = {}
    events = json_events(text, name) if _is_json(name) else yaml_events(text, name)
    try:
        for path, line, col in _value_starts(events):
            if path in prefixes:
                found[path] = (line, col)
    except ThreadpressError:
        pass  # the file parsed before; a walker error here can only mean a partial answer
    result = {}
    for p in wanted:
        for i in range(len(p), -1, -1):
            if p[:i] in found:
                result[p] = found[p[:i]]
                break
    return result


def build(events: Iterable[Event], name: str, max_nesting: int | None = MAX_NESTING) -> Any:
    """Make Python data from an event stream, with a stack instead of recursion; an error met
    on the way is given the field path it was found at.

    `max_nesting=None` lifts the limit: importers read foreign payloads (an Algolia tree nests
    two levels per reply) and write them flat, so their depth costs nothing later."""
    stack: list[list] = []  # [container, pending key or _NO_KEY]
    try:
        return _build(events, name, stack, max_nesting)
    except ThreadpressError as e:
        for d in e.diagnostics:
            d.field = d.field or _path_of(stack)
        raise


def _path_of(stack: list[list]) -> Field:
    """The field path of the value being built (the mapping itself while a key is read)."""
    path: list = []
    for i, (container, key) in enumerate(stack):
        inner = i < len(stack) - 1  # then the value being built is its newest entry
        if isinstance(container, list):
            path.append(len(container) - inner)
        elif inner:
            path.append(next(reversed(container)))
        elif key is not _NO_KEY:
            path.append(key)
    return tuple(path)


def _build(events: Iterable[Event], name: str, stack: list[list], max_nesting: int | None
           ) -> Any:
    root: Any = None
    for kind, value, line, col in events:
        if kind == "end":
            stack.pop()
            continue
        if kind == "map" or kind == "seq":
            if max_nesting is not None and len(stack) >= max_nesting:
                raise ThreadpressError.one(
                    f"nested more than {MAX_NESTING} levels deep (about {MAX_NESTING // 2} levels of "
                    "replies); write deep reply chains in the "
                    "flat form (each comment names its `parent`)", name, line, col)
            node: Any = {} if kind == "map" else []
        else:
            node = value
        if not stack:
            root = node
        else:
            top = stack[-1]
            container = top[0]
            if isinstance(container, list):
                container.append(node)
            elif top[1] is _NO_KEY:
                if kind != "scalar":
                    raise ThreadpressError.one("a mapping key must be a plain value", name, line, col)
                key = value if isinstance(value, str) else str(value)
                if key in container:
                    raise ThreadpressError.one(f"duplicate key {key!r}", name, line, col)
                top[1] = key
            else:
                container[top[1]] = node
                top[1] = _NO_KEY
        if kind != "scalar":
            stack.append([node, _NO_KEY])
    return root


_NO_KEY = object()


def _value_starts(events: Iterable[Event]) -> Iterator[tuple[Field, int, int]]:
    """Yield (path, line, column) for every value (not key) in an event stream."""
    stack: list[list] = []  # [is_map, next index or pending key, path]
    for kind, value, line, col in events:
        if kind == "end":
            stack.pop()
            continue
        if not stack:
            path: Field = ()
        else:
            top = stack[-1]
            if top[0]:
                if top[1] is _NO_KEY:
                    top[1] = value if isinstance(value, str) else str(value)
                    continue
                path = top[2] + (top[1],)
                top[1] = _NO_KEY
            else:
                path = top[2] + (top[1],)
                top[1] += 1
        yield path, line, col
        if kind == "map":
            stack.append([True, _NO_KEY, path])
        elif kind == "seq":
            stack.append([False, 0, path])


# --- YAML -----------------------------------------------------------------------------------

def yaml_events(text: str, name: str) -> Iterator[Event]:
    """libyaml's events as ours: scalars resolved by the safe rules, anything unsafe refused."""
    loader = None
    documents = 0
    try:
        loader = _Loader(text)
        while loader.check_event():
            ev = loader.get_event()
            mark = ev.start_mark
            pos = (mark.line + 1, mark.column + 1) if mark else (None, None)
            if isinstance(ev, yaml.ScalarEvent):
                yield ("scalar", _checked(_scalar(ev, name, pos), name, pos), *pos)
            elif isinstance(ev, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                if ev.tag not in _COLLECTION_TAGS:
                    raise ThreadpressError.one(f"YAML tag {_tag(ev.tag)} is not allowed", name, *pos)
                yield ("map" if isinstance(ev, yaml.MappingStartEvent) else "seq", None, *pos)
            elif isinstance(ev, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                yield ("end", None, *pos)
            elif isinstance(ev, yaml.AliasEvent):
                raise ThreadpressError.one(
                    f"YAML aliases (*{ev.anchor}) are not allowed in thread files", name, *pos)
            elif isinstance(ev, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    raise ThreadpressError.one(
                        "a thread file holds one YAML document, not several", name, *pos)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (None, None)
        problem = " ".join(str(x) for x in (e.context, e.problem) if x)
        start = e.context_mark
        if start is not None and mark is not None and (start.line, start.column) != (
                mark.line, mark.column):   # where the unfinished construct began, too
            problem += f" (started at {start.line + 1}:{start.column + 1})"
        if "maximum nesting depth" in problem:  # libyaml's own limit (1,000 levels)
            raise ThreadpressError.one(
                "nested too deeply for the YAML parser; write deep reply chains in the flat form "
                "(each comment names its `parent`)", name, line, col) from None
        raise ThreadpressError.one(f"not valid YAML: {problem}", name, line, col) from None
    except yaml.reader.ReaderError as e:
        # a character YAML does not allow (control characters, ...): name it and say where
        line, col = _line_col(text, e.position) if isinstance(e.position, int) else (None, None)
        what = f"U+{e.character:04X}" if isinstance(e.character, int) else repr(e.character)
        raise ThreadpressError.one(f"not valid YAML: character {what} is not allowed "
                                   "(control characters must be escaped in a quoted string)",
                                   name, line, col) from None
    except yaml.YAMLError as e:
        raise ThreadpressError.one(f"not valid YAML: {e}", name) from None
    except UnicodeError as e:  # a lone surrogate in text handed in directly
        raise ThreadpressError.one(f"not valid text: {e.reason}", name) from None
    finally:
        if loader is not None:
            loader.dispose()


def _line_col(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _tag(tag: str | None) -> str:
    return str(tag).replace("tag:yaml.org,2002:", "!!")


# A plain scalar is a number, a boolean or null only where JSON (and YAML 1.2) and YAML 1.1
# agree that it is one: ids such as 017, 0x10, 1:20, 1_000, +5 or .5 stay the text as written,
# where YAML 1.1 would turn them into other numbers, and text that YAML 1.1 writers such as
# PyYAML leave unquoted (1e3) reads back as the text it was. Timestamps stay text too; the time
# fields read ISO 8601 text.
_NULL = re.compile(r"~|null|Null|NULL|")
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT = re.compile(r"-?(?:0|[1-9][0-9]*)")
_FLOAT = re.compile(r"-?(?:0|[1-9][0-9]*)\.[0-9]+(?:[eE][-+][0-9]+)?")
_NON_FINITE = re.compile(r"[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)")


def _scalar(ev: Any, name: str, pos: tuple) -> Any:
    """One YAML scalar event → a value: quoted text stays text, plain text resolves as in JSON."""
    tag = ev.tag
    if tag in (None, "!"):
        if not ev.implicit[0]:  # quoted, a block scalar, or the non-specific tag `!`
            return ev.value
        if ev.value == "<<":
            raise ThreadpressError.one("YAML merge keys (<<) are not allowed in thread files",
                                       name, *pos)
        value = _resolve(ev.value, name, pos)
        return ev.value if value is _TEXT else value
    kind = tag[len(_YAML_TAG):] if tag.startswith(_YAML_TAG) else None
    if kind not in _TAGGED:
        raise ThreadpressError.one(f"YAML tag {_tag(tag)} is not allowed", name, *pos)
    if kind == "str":
        return ev.value
    value = _resolve(ev.value, name, pos)
    if kind == "float" and type(value) is int:
        value = float(value)
    if value is _TEXT or _TAGGED[kind] is not type(value):
        raise ThreadpressError.one(f"!!{kind} does not fit {ev.value}", name, *pos)
    return value


_YAML_TAG = "tag:yaml.org,2002:"
_TAGGED = {"str": str, "int": int, "float": float, "bool": bool, "null": type(None)}
_TEXT = object()  # _resolve's answer for a plain scalar that is text


def _resolve(text: str, name: str, pos: tuple) -> Any:
    """A plain scalar's value by the JSON-like rules above, or _TEXT."""
    if _NULL.fullmatch(text):
        return None
    if text in _BOOL:
        return _BOOL[text]
    if _INT.fullmatch(text):
        if len(text.lstrip("-")) > MAX_DIGITS:
            raise ThreadpressError.one(_TOO_LONG, name, *pos)
        return int(text)
    if _FLOAT.fullmatch(text):
        return float(text)
    if _NON_FINITE.fullmatch(text):
        if text.lower().endswith("nan"):
            return math.nan
        return -math.inf if text.startswith("-") else math.inf
    return _TEXT


def check_scalar(value: Any) -> str | None:
    """What makes a parsed scalar unfit for a thread file (and for thread.json), or None."""
    if isinstance(value, str):
        bad = _SURROGATE.search(value)
        if bad:
            return (f"a lone surrogate (U+{ord(bad.group()):04X}) is not text; "
                    "write the character itself, or its surrogate pair")
    elif isinstance(value, float) and not math.isfinite(value):
        return f"{_FINITE_NAMES.get(str(value), value)} is not allowed: numbers must be finite"
    return None


def _checked(value: Any, name: str, pos: tuple) -> Any:
    problem = check_scalar(value)
    if problem:
        raise ThreadpressError.one(problem, name, *pos)
    return value


def _all_fit(data: Any) -> bool:
    """Whether every key and scalar in parsed data passes check_scalar (iteratively)."""
    stack = [data]
    while stack:
        v = stack.pop()
        if isinstance(v, dict):
            stack.extend(v.keys())
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
        elif check_scalar(v):
            return False
    return True


_FINITE_NAMES = {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}
_TOO_LONG = f"an integer of more than {MAX_DIGITS} digits is not allowed"
_SURROGATE = re.compile("[\ud800-\udfff]")


# --- JSON -----------------------------------------------------------------------------------

class _Redo(Exception):
    """json.loads met something it accepts but we do not (a duplicate key, NaN)."""


def _pairs(pairs: list) -> dict:
    d = dict(pairs)
    if len(d) != len(pairs):
        raise _Redo
    return d


def _constant(word: str) -> Any:
    raise _Redo


def _finite(token: str) -> float:
    value = float(token)
    if not math.isfinite(value):   # 1e400: too large for a double
        raise _Redo
    return value


def _may_hold_surrogates(text: str) -> bool:
    """Whether JSON text can parse to a string with a lone surrogate: only through a `\\uD8..`
    escape (or a surrogate already in the text, when it was not decoded from a file)."""
    if "\\u" in text and _SURROGATE_ESCAPE.search(text):
        return True
    return bool(_SURROGATE.search(text))


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _parse_json(text: str, name: str) -> Any:
    if not text.strip():
        return None  # an empty file: the loader says so in its own words
    try:
        data = json.loads(text, object_pairs_hook=_pairs, parse_constant=_constant,
                          parse_float=_finite)
        if not _may_hold_surrogates(text) or _all_fit(data):
            return data
    except json.JSONDecodeError as e:
        raise ThreadpressError.one(f"not valid JSON: {e.msg}", name, e.lineno, e.colno) from None
    except (_Redo, RecursionError, ValueError):
        pass
    # json's C scanner recurses, and does not place duplicate keys, NaN, over-long integers or
    # values check_scalar refuses: deep nesting and those problems go through our iterative,
    # validating reader, which says where.
    return build(json_events(text, name), name)


_TOKEN = re.compile(r"""[ \t\r\n]*(?:
      (?P<punct>[{}\[\],:])
    | (?P<string>"(?:[^"\\\x00-\x1f]|\\.)*")
    | (?P<number>-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)
    | (?P<word>true|false|null)
    )""", re.X)
_WORDS = {"true": True, "false": False, "null": None}

# what the reader expects next
_VALUE, _VALUE_OR_CLOSE, _KEY, _KEY_OR_CLOSE, _COLON, _COMMA_OR_CLOSE, _DONE = range(7)
_EXPECTED = {_VALUE: "a value", _VALUE_OR_CLOSE: "a value or ']'", _KEY: "a key (a string)",
             _KEY_OR_CLOSE: "a key (a string) or '}'", _COLON: "':'",
             _COMMA_OR_CLOSE: "',' or a closing bracket", _DONE: "the end of the file"}


def json_events(text: str, name: str) -> Iterator[Event]:
    """A small iterative, validating JSON reader that knows where each value starts."""
    newlines = [m.start() for m in re.finditer("\n", text)]

    def where(offset: int) -> tuple[int, int]:
        line = bisect.bisect_left(newlines, offset)
        start = newlines[line - 1] + 1 if line else 0
        return line + 1, offset - start + 1

    def fail(message: str, offset: int) -> ThreadpressError:
        return ThreadpressError.one(f"not valid JSON: {message}", name, *where(offset))

    stack: list[str] = []  # "{" or "[" for each open container
    expect = _VALUE
    pos, end = 0, len(text)
    while True:
        m = _TOKEN.match(text, pos)
        if not m or m.end() == m.start():
            rest = pos + len(text[pos:]) - len(text[pos:].lstrip(" \t\r\n"))
            if rest >= end:
                if expect != _DONE:
                    raise fail(f"the file ends where {_EXPECTED[expect]} was expected", end)
                return
            raise fail(f"expected {_EXPECTED[expect]}", rest)
        start = m.start(m.lastgroup)
        pos = m.end()
        group, tok = m.lastgroup, m.group(m.lastgroup)
        if group == "punct":
            if tok in "{[" and expect in (_VALUE, _VALUE_OR_CLOSE):
                stack.append(tok)
                expect = _KEY_OR_CLOSE if tok == "{" else _VALUE_OR_CLOSE
                yield ("map" if tok == "{" else "seq", None, *where(start))
            elif tok in "}]" and stack and stack[-1] == ("{" if tok == "}" else "[") and (
                    expect == _COMMA_OR_CLOSE
                    or expect == (_KEY_OR_CLOSE if tok == "}" else _VALUE_OR_CLOSE)):
                stack.pop()
                expect = _COMMA_OR_CLOSE if stack else _DONE
                yield ("end", None, *where(start))
            elif tok == "," and expect == _COMMA_OR_CLOSE and stack:
                expect = _KEY if stack[-1] == "{" else _VALUE
            elif tok == ":" and expect == _COLON:
                expect = _VALUE
            else:
                raise fail(f"expected {_EXPECTED[expect]}, found {tok!r}", start)
            continue
        if group == "string":
            try:
                value: Any = json.loads(tok)
            except json.JSONDecodeError as e:
                raise fail(e.msg, start + e.pos) from None
            _checked(value, name, where(start))
            if expect in (_KEY, _KEY_OR_CLOSE):
                expect = _COLON
                yield ("scalar", value, *where(start))
                continue
        elif group == "number":
            if len(tok.lstrip("-")) > MAX_DIGITS and "." not in tok and "e" not in tok.lower():
                raise ThreadpressError.one(_TOO_LONG, name, *where(start))
            value = _checked(json.loads(tok), name, where(start))
        else:
            value = _WORDS[tok]
        if expect not in (_VALUE, _VALUE_OR_CLOSE):
            raise fail(f"expected {_EXPECTED[expect]}, found {tok[:20]!r}", start)
        expect = _COMMA_OR_CLOSE if stack else _DONE
        yield ("scalar", value, *where(start))
