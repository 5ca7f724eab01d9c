"""The safety net for changes that must not change the output: the example site, built in both
themes, without and with `base_url`, and `--offline`, gives exactly the bytes recorded in
tests/golden/ (a SHA-256 and size per file). A change that means to change the output
regenerates them on purpose:

    UPDATE_GOLDEN=1 pytest tests/test_golden.py

and the diff of tests/golden/ shows which files changed. Not recorded: Pagefind's own files
(their bytes are Pagefind's, and change with its version) and the output marker (it names the
build); the search page names its bundle folders by the build's spec key, which changes with
threadpress's code, so that name is compared as a placeholder.

Also: a cold build with one job, a cold build with two, and incremental builds that end at
the same sources all give the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from pathlib import Path

import pytest

from test_build import _tree_bytes
from threadpress.build import build_site

REPO = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).resolve().parent / "golden"
VARIANTS = {
    "default": {}, "default-base-url": {"base_url": "https://you.github.io/archive/"},
    "default-offline": {"offline": True},
    "board": {"theme": "board"},
    "board-base-url": {"theme": "board", "base_url": "https://you.github.io/archive/"},
    "board-offline": {"theme": "board", "offline": True},
}
_BUNDLE = re.compile(rb"pagefind/[0-9a-f]{16}/")


def example_site(root: Path) -> Path:
    site = root / "site"
    shutil.copytree(REPO / "content", site / "content")
    shutil.copy(REPO / "threadpress.yaml", site / "threadpress.yaml")
    return site


def recorded(out: Path) -> dict[str, list]:
    """path → [sha256, size] of every file the golden covers."""
    files = {}
    for path, data in _tree_bytes(out).items():
        if path.startswith("pagefind/") or path == ".threadpress-output":
            continue
        if path == "search/index.html":
            data = _BUNDLE.sub(b"pagefind/BUNDLE/", data)
        files[path] = [hashlib.sha256(data).hexdigest(), len(data)]
    return files


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    return example_site(tmp_path_factory.mktemp("golden"))


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_the_example_site_is_byte_for_byte_the_golden_one(site, tmp_path, variant):
    out = tmp_path / "out"
    assert build_site(site, out, quiet=True, jobs=1, **VARIANTS[variant]) == 0
    got = recorded(out)
    golden = GOLDEN / f"{variant}.json"
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.mkdir(exist_ok=True)
        golden.write_text(json.dumps(got, indent=0, sort_keys=True) + "\n", encoding="utf-8")
    want = json.loads(golden.read_text(encoding="utf-8"))
    changed = sorted(p for p in set(got) & set(want) if got[p] != want[p])
    assert (sorted(set(want) - set(got)), sorted(set(got) - set(want)), changed) == ([], [], []), (
        "missing, new and changed files against tests/golden/ "
        "(UPDATE_GOLDEN=1 pytest tests/test_golden.py records the new output on purpose)")


def test_cold_parallel_and_incremental_builds_are_the_same_bytes(tmp_path):
    """One job or two, cold or after edits that are undone again: the same site."""
    site = example_site(tmp_path)
    config = {"base_url": "https://you.github.io/archive/"}
    assert build_site(site, tmp_path / "one", quiet=True, jobs=1, **config) == 0
    assert build_site(site, tmp_path / "two", quiet=True, jobs=2, **config) == 0
    cold = _tree_bytes(tmp_path / "one")
    assert _tree_bytes(tmp_path / "two") == cold
    # incremental: the same output folder through an edit, a new thread, and back again
    out = tmp_path / "inc"
    tiny = site / "content" / "tiny.yaml"
    original = tiny.read_bytes()
    extra = site / "content" / "extra.yaml"
    assert build_site(site, out, quiet=True, jobs=2, **config) == 0
    tiny.write_bytes(original.replace(b"points: 12", b"points: 13", 1))
    extra.write_text("title: Extra\ncomments: [{id: 1, body: hello}]\n", encoding="utf-8")
    assert build_site(site, out, quiet=True, jobs=2, **config) == 0
    assert _tree_bytes(out) != cold
    tiny.write_bytes(original)
    extra.unlink()
    assert build_site(site, out, quiet=True, jobs=1, **config) == 0
    assert _tree_bytes(out) == cold
