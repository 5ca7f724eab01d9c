"""Shared, generic helpers for the test suite."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

# `path:line:column: error|warning: field.path: message` (the field part is optional)
DIAG = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?P<column>\d+): (?P<kind>error|warning):"
                  r"(?: (?P<field>[^\s:]+):)? (?P<message>.*)$")


def parse_diagnostic(text: str) -> dict:
    """Split one rendered diagnostic into its parts; fails the test when it has no line:column."""
    m = DIAG.match(text)
    assert m, f"not a placed diagnostic: {text!r}"
    d = m.groupdict()
    d["line"], d["column"] = int(d["line"]), int(d["column"])
    return d


@pytest.fixture
def site(tmp_path: Path):
    """A factory for a site folder: site({"content/a.yaml": "...", ...}) → the folder."""

    def make(files: dict[str, str | bytes]) -> Path:
        root = tmp_path / "site"
        (root / "content").mkdir(parents=True, exist_ok=True)
        for rel, data in files.items():
            p = root / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(data, bytes):
                p.write_bytes(data)
            else:
                p.write_text(textwrap.dedent(data), encoding="utf-8")
        return root

    return make
