"""Output does not depend on the process: imports in fresh interpreters under different
PYTHONHASHSEEDs (which reorder sets and dicts built from them) give the same bytes.

(Builds get the same check in test_build.py: test_builds_are_byte_identical_across_hash_seeds.)
"""

from __future__ import annotations

import json
import subprocess
import sys

from support import python_env
from test_build import _tree_bytes
from test_import_build import OWN, OWN_FILES

SEEDS = ("0", "1", "4242")

# every importer on its own fixtures, to YAML and to JSON, in one fresh process
IMPORT_ALL = """
import json, sys
from pathlib import Path
from threadpress.importers.common import run_import
jobs, out = json.loads(sys.argv[1]), Path(sys.argv[2])
for source, files in jobs.items():
    for fmt in ("yaml", "json"):
        run_import(source, files, out / fmt, fmt)
"""


def test_imports_are_byte_identical_across_hash_seeds(tmp_path):
    jobs = {source: [str(OWN / f) for f in files] for source, files in OWN_FILES.items()}
    trees = []
    for seed in SEEDS:
        out = tmp_path / seed
        subprocess.run([sys.executable, "-c", IMPORT_ALL, json.dumps(jobs), str(out)],
                       check=True, env=python_env(PYTHONHASHSEED=seed), timeout=300)
        trees.append(_tree_bytes(out))
    assert set(OWN_FILES) <= {path.split("/")[1] for path in trees[0]}  # every importer wrote
    assert trees[0] == trees[1] == trees[2]
