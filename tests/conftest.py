"""Shared, generic helpers for the test suite."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest
from hypothesis import settings

# Under CI the property tests draw the same examples on every run, so a landing never fails on
# an example nobody has seen; locally they search afresh each run (HYPOTHESIS_PROFILE picks).
settings.register_profile("ci", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else
                                                              "explore"))


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


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """`fuzz` tests (minutes long) run only when selected by marker (`pytest -m fuzz`)."""
    if "fuzz" in (config.getoption("-m") or ""):
        return
    skip = pytest.mark.skip(reason="the long fuzz run: select it with pytest -m fuzz")
    for item in items:
        if item.get_closest_marker("fuzz"):
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _fresh_render_cache():
    """Each test renders its bodies itself: none passes on another test's cached result (and
    tools/mutate.py sees which test runs which rendering line)."""
    from threadpress.render import bodies
    bodies._CACHE.clear()
