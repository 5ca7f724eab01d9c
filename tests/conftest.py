"""Shared, generic helpers for the test suite."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest


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
