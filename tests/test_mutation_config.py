"""tools/mutation.toml stays true as the code changes: the modules and tests it names exist,
every mutant it calls equivalent is still made by the tool, and docs/mutation.md lists exactly
those. (The mutation run itself is slow and on demand: see docs/mutation.md.)"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")   # Python 3.11+, as tools/mutate.py needs

REPO = Path(__file__).resolve().parents[1]
CONFIG = tomllib.loads((REPO / "tools" / "mutation.toml").read_text(encoding="utf-8"))
MODULES = sorted(CONFIG["modules"])


@pytest.fixture(scope="module")
def generated() -> dict[str, set[str]]:
    """Every mutant key the tool makes, per module."""
    sys.path.insert(0, str(REPO / "tools"))
    try:
        from mutants import mutants
    finally:
        sys.path.remove(str(REPO / "tools"))
    calls = set(CONFIG.get("message_calls", []))
    return {name: {m.key for m in mutants((REPO / spec["path"]).read_text(encoding="utf-8"),
                                          name, calls)}
            for name, spec in CONFIG["modules"].items()}


@pytest.mark.parametrize("module", MODULES)
def test_each_module_and_its_tests_exist(module):
    spec = CONFIG["modules"][module]
    assert (REPO / spec["path"]).is_file()
    assert spec["tests"] and all((REPO / t).exists() for t in spec["tests"])


@pytest.mark.parametrize("module", MODULES)
def test_every_equivalent_mutant_is_still_made(generated, module):
    """A change that removes or rewrites an equivalent mutant's line is noticed here, so the
    reasons in tools/mutation.toml never speak of code that is gone."""
    listed = set(CONFIG["equivalent"].get(module, {}))
    assert listed <= generated[module], sorted(listed - generated[module])
    assert all(reason.strip() for reason in CONFIG["equivalent"].get(module, {}).values())


def test_the_docs_list_exactly_the_equivalent_mutants():
    text = (REPO / "docs" / "mutation.md").read_text(encoding="utf-8")
    listed = text.split("## Survivors that change nothing", 1)[1]
    documented = re.findall(r"^- `` (.*) ``  $", listed, flags=re.M)
    expected = [key for module in CONFIG["modules"] for key in CONFIG["equivalent"].get(module, {})]
    assert sorted(documented) == sorted(expected)
