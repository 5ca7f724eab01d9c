"""The one error type for problems in the user's input, and the diagnostics it carries."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

Field = tuple  # a path into a parsed document, e.g. ("comments", 3, "replies", 0, "id")


def field_name(path: Field) -> str:
    """Render a field path as `comments[3].replies[0].id`."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


# what str.splitlines() breaks at, and the other control characters: a diagnostic is one line
_BREAKS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def one_line(text: str) -> str:
    """Text quoted from a file (a value, a file name) kept on one line: control characters and
    line breaks are shown as escapes (`\\n`, `\\x07`, `\\u2028`)."""
    return _BREAKS.sub(lambda m: repr(m.group())[1:-1], text)


@dataclass
class Diagnostic:
    """One problem found in one file: an error, or a warning when `warning` is set."""

    message: str
    file: str = ""
    line: int | None = None
    column: int | None = None
    field: Field = ()
    warning: bool = False
    other: Field | None = None   # a second place the problem involves (e.g. the first duplicate)
    other_line: int | None = None

    def __str__(self) -> str:
        where = self.file or "threadpress"
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        kind = "warning" if self.warning else "error"
        name = field_name(self.field)
        about = f" {name}:" if name else ""
        also = ""
        if self.other is not None:
            at = f" (line {self.other_line})" if self.other_line is not None else ""
            also = f"; also at {field_name(self.other)}{at}"
        return one_line(f"{where}: {kind}:{about} {self.message}{also}")


@dataclass
class ThreadpressError(Exception):
    """A user-facing failure; carries every diagnostic found, each naming file, line and field."""

    diagnostics: list[Diagnostic] = field(default_factory=list)

    @classmethod
    def one(cls, message: str, file: str | Path = "", line: int | None = None,
            column: int | None = None, field: Field = ()) -> "ThreadpressError":
        return cls([Diagnostic(message, str(file), line, column, tuple(field))])

    def __str__(self) -> str:
        return "\n".join(str(d) for d in self.diagnostics)

    def __reduce__(self):  # survive the trip back from a worker process
        return (type(self), (self.diagnostics,))


def report(diags: list[Diagnostic]) -> None:
    """Print diagnostics for the user, one a line, on standard error."""
    for d in diags:
        print(d, file=sys.stderr)


def plural(n: int, one: str, many: str | None = None) -> str:
    """`1 error`, `2 errors`: a count with its noun."""
    return f"{n} {one if n == 1 else (many or one + 's')}"
