"""Helpers shared by test modules (a plain module: `conftest` is ambiguous beside tests/browser)."""

from __future__ import annotations

import os
import re
from pathlib import Path

from threadpress.errors import Diagnostic
from threadpress.importers.common import dump
from threadpress.load import load_text
from threadpress.model import Thread

# Real payloads from public repositories, copied byte for byte with their licences
# (tests/fixtures/real/PROVENANCE.md): the tests never read anything outside the repository.
REAL_FIXTURES = Path(__file__).resolve().parent / "fixtures" / "real"
# Why the real mail archives are not among them (a test that needs them skips with this).
NO_MBOX_CORPUS = ("the ponymail mbox corpus has no licence that allows copying it into this "
                  "repository (tests/fixtures/real/PROVENANCE.md)")

# `path:line:column: error|warning: field.path: message` (the field part is optional)
DIAG = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?P<column>\d+): (?P<kind>error|warning):"
                  r"(?: (?P<field>[^\s:]+):)? (?P<message>.*)$")


def python_env(**extra: str) -> dict[str, str]:
    """The environment for a child Python running threadpress: the installed package, as CI
    installs it (not generator/, where the threadpress.themes package is missing), or the copy
    a PYTHONPATH already set names (tools/mutate.py sets one)."""
    return {**os.environ, **extra}


def parse_diagnostic(text: str) -> dict:
    """Split one rendered diagnostic into its parts; fails the test when it has no line:column."""
    m = DIAG.match(text)
    assert m, f"not a placed diagnostic: {text!r}"
    d = m.groupdict()
    d["line"], d["column"] = int(d["line"]), int(d["column"])
    return d


# path[:line[:column]]: kind: [field:] message (a template error has a line but no column)
ANY_DIAG = re.compile(r"^(?P<path>.+?)(?::(?P<line>\d+)(?::(?P<column>\d+))?)?: "
                      r"(?P<kind>error|warning): (?P<message>.*)$")


def diagnostics(err: str) -> list[dict]:
    """Each line of a command's stderr that is a diagnostic, parsed (a summary line is not)."""
    found = []
    for line in err.splitlines():
        m = ANY_DIAG.match(line)
        if m:
            d = m.groupdict()
            d["line"] = d["line"] and int(d["line"])
            d["column"] = d["column"] and int(d["column"])
            found.append(d)
    return found


def load_imported(thread: dict) -> tuple[Thread, list[Diagnostic]]:
    """An importer's thread through the project's loader: no errors allowed, every comment kept."""
    loaded, diags = load_text(dump(thread, "yaml"), "t.yaml", "t")
    errors = [str(d) for d in diags if not d.warning]
    assert loaded is not None and not errors, errors
    assert len(loaded.comments) == len(thread.get("comments") or [])
    return loaded, [d for d in diags if d.warning]


def loads_cleanly(thread: dict) -> Thread:
    """The loaded thread (see load_imported)."""
    return load_imported(thread)[0]


def load_warnings(thread: dict) -> list[Diagnostic]:
    """The loader's warnings for an importer's thread (see load_imported)."""
    return load_imported(thread)[1]
