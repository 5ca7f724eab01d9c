"""Finding the field of a payload that an importer tripped over.

Importers read payloads with plain `.get()` and indexing, and a payload of an unexpected shape
makes one of them fail with a bare AttributeError, TypeError, KeyError or ValueError. Rather
than guard every read in seven importers, a failed conversion runs once more over a *traced*
copy of the payload, whose mappings and lists note every read. The field to name is the read
that produced the very object an AttributeError names, else the key a KeyError misses, else
the last read that produced a value of the type the message names (a good guess, not proof).
This costs nothing for payloads that convert: only the failing run is traced.
"""

from __future__ import annotations

import re
from contextvars import ContextVar
from typing import Any, Callable

from ..errors import Field

Log = list  # of (field, value type name, value) reads, newest last
_LOG: ContextVar[Log | None] = ContextVar("threadpress_trace", default=None)
KEEP = 500_000  # reads remembered (a stacked walk may trip over an item read long before)

# how Python's messages name the type it met: 'int' object …, got 'dict', (not "float")
_TYPE_NAME = re.compile(r"'(\w+)' object|, not '?(\w+)'?|got '(\w+)'|\(not \"(\w+)\"\)")
_NAMES = {"str": "a string", "int": "a number", "float": "a number", "bool": "true or false",
          "NoneType": "null", "list": "a list", "dict": "an object", "_Dict": "an object",
          "_List": "a list"}


def payload(data: Any) -> Any:
    """`data` itself, or a traced copy of it while `locate_failure` is running."""
    log = _LOG.get()
    return data if log is None else _traced(data, log)


def locate_failure(convert: Callable[[], Any], exc: Exception) -> tuple[Field, str] | None:
    """Run `convert` again over traced payloads; (the field read last before `exc`, and the
    kind of value found there, or "missing"), or None when no read explains it."""
    log: Log = []
    token = _LOG.set(log)
    try:
        convert()
    except Exception as again:  # noqa: BLE001 - the same failure again is the point of this run
        if type(again) is type(exc):
            exc = again  # its objects are the traced run's, which the log holds
    finally:
        _LOG.reset(token)
    if isinstance(exc, KeyError):
        return next(((f, "missing") for f, kind, _ in reversed(log) if kind == "missing"), None)
    culprit = getattr(exc, "obj", _NOTHING)  # AttributeError knows the object it was asked
    for field, kind, value in reversed(log):
        if value is culprit:
            return field, _NAMES.get(kind, kind)
    m = _TYPE_NAME.search(str(exc))
    wanted = next(g for g in m.groups() if g) if m else (
        "str" if isinstance(exc, ValueError) else None)
    for field, kind, _ in reversed(log):
        if kind == wanted or (wanted in ("dict", "list") and kind == "_" + wanted.title()):
            return field, _NAMES.get(kind, kind)
    return None


_NOTHING = object()


def _note(log: Log, field: Field, value: Any) -> Any:
    log.append((field, type(value).__name__, value))
    if len(log) > 2 * KEEP:
        del log[:-KEEP]
    return value


class _Dict(dict):
    """A payload mapping that notes each read (`d[k]`, `d.get(k)`) in the log."""

    def __init__(self, field: Field, log: Log) -> None:
        super().__init__()
        self.field, self.log = field, log

    def get(self, key: Any, default: Any = None) -> Any:
        if key not in self:
            return default
        return _note(self.log, self.field + (key,), dict.__getitem__(self, key))

    def __getitem__(self, key: Any) -> Any:
        if key not in self:
            self.log.append((self.field + (key,), "missing", None))
        return _note(self.log, self.field + (key,), dict.__getitem__(self, key))


class _List(list):
    """A payload list that notes each item read, by index or by iteration."""

    def __init__(self, field: Field, log: Log) -> None:
        super().__init__()
        self.field, self.log = field, log

    def __getitem__(self, index: Any) -> Any:
        value = list.__getitem__(self, index)
        return value if isinstance(index, slice) else _note(self.log, self.field + (index,), value)

    def __iter__(self):
        for i in range(len(self)):
            yield _note(self.log, self.field + (i,), list.__getitem__(self, i))

    def __reversed__(self):
        for i in range(len(self) - 1, -1, -1):
            yield _note(self.log, self.field + (i,), list.__getitem__(self, i))


def _traced(data: Any, log: Log) -> Any:
    """A copy of `data` made of _Dict and _List, built without recursion."""
    def make(value: Any, field: Field) -> Any:
        if isinstance(value, dict):
            copy: Any = _Dict(field, log)
        elif isinstance(value, list):
            copy = _List(field, log)
        else:
            return value
        pending.append((copy, value, field))
        return copy

    pending: list[tuple[Any, Any, Field]] = []
    root = make(data, ())
    while pending:
        copy, value, field = pending.pop()
        if isinstance(copy, _Dict):
            for k, v in value.items():
                dict.__setitem__(copy, k, make(v, field + (k,)))
        else:
            list.extend(copy, [make(v, field + (i,)) for i, v in enumerate(value)])
    return root
