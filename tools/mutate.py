#!/usr/bin/env python3
"""Mutation testing for threadpress: would the tests notice a small regression in a module?

    python tools/mutate.py                  # every module in tools/mutation.toml
    python tools/mutate.py anchors times    # some of them
    python tools/mutate.py parse -k json_events   # only mutants whose key contains the text
    python tools/mutate.py tree --list      # the mutants, without running anything

Each mutant (see tools/mutants.py) is one small edit of one module. The tests that guard the
module (tools/mutation.toml) run once under a line tracer; each mutant then runs only the tests
that execute its line, fastest first, stopping at the first failure, in a private copy of the
package (at most 2 at a time: the machine is shared). A mutant is killed when a test fails or
times out. The score counts only mutants that change behaviour: survivors listed under
[equivalent.MODULE] in tools/mutation.toml, each with the reason, are left out.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import tomllib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from queue import Queue

from mutants import Mutant, mutants

TOOLS = Path(__file__).resolve().parent
REPO = TOOLS.parent
CONFIG = TOOLS / "mutation.toml"
MAX_WORKERS = 2  # the machine is shared: never more


@dataclass
class Module:
    name: str
    path: Path             # the source file, relative to the repository
    tests: list[str]       # test files or folders that guard it
    equivalent: dict[str, str]
    source: str = ""
    mutants: list[Mutant] = field(default_factory=list)


@dataclass
class Result:
    mutant: Mutant
    status: str            # killed | timeout | survived | uncovered | error
    tests_run: int = 0
    seconds: float = 0.0


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    config = tomllib.loads(CONFIG.read_text(encoding="utf-8"))
    modules = _modules(config, args.modules)
    for m in modules:
        m.source = (REPO / m.path).read_text(encoding="utf-8")
        found = mutants(m.source, m.name, set(config.get("message_calls", [])))
        m.mutants = [x for x in found if not args.k or args.k in x.key]
    if args.list:
        for m in modules:
            for x in m.mutants:
                _print_mutant(m, x)
        return 0
    coverage = _baseline(modules, config.get("deselect", []))
    if coverage is None:
        return 2
    results = _run_all(modules, coverage, min(args.jobs, MAX_WORKERS), config)
    return _report(modules, results, args)


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="tools/mutate.py", description=__doc__.split("\n")[0])
    p.add_argument("modules", nargs="*", help="module names from tools/mutation.toml (default: all)")
    p.add_argument("-k", metavar="TEXT", help="only mutants whose key contains TEXT")
    p.add_argument("-j", "--jobs", type=int, default=MAX_WORKERS, help="parallel runs (at most 2)")
    p.add_argument("--list", action="store_true", help="print the mutants and stop")
    p.add_argument("--toml", action="store_true",
                   help="also print the survivors as lines to paste under [equivalent.MODULE]")
    p.add_argument("--fail-under", type=float, default=90.0,
                   help="exit 1 when a module's score is below this percentage (default 90)")
    return p.parse_args(argv)


def _modules(config: dict, names: list[str]) -> list[Module]:
    table = config["modules"]
    unknown = [n for n in names if n not in table]
    if unknown:
        sys.exit(f"tools/mutate.py: unknown module {', '.join(unknown)}; "
                 f"known: {', '.join(table)} (add one in {CONFIG.relative_to(REPO)})")
    equivalent = config.get("equivalent", {})
    modules = [Module(n, Path(table[n]["path"]), table[n]["tests"], equivalent.get(n, {}))
               for n in (names or table)]
    for m in modules:
        missing = [t for t in m.tests if not (REPO / t).exists()]
        if missing:
            print(f"tools/mutate.py: {m.name}: no {', '.join(missing)}; left out", file=sys.stderr)
            m.tests = [t for t in m.tests if t not in missing]
    return modules


# --- which tests run which lines ------------------------------------------------------------

def _pytest_command(targets: list[str]) -> list[str]:
    # one hypothesis seed, so a property test explores the same examples with and without mutants
    return [sys.executable, "-m", "pytest", "-q", "--no-header", "-p", "no:cacheprovider",
            "--tb=no", "--hypothesis-seed=0", *targets]


def _baseline(modules: list[Module], deselect: list[str]) -> dict | None:
    """Run the modules' tests once, unmutated, recording the lines each test executes."""
    tests = sorted({t for m in modules for t in m.tests})
    files = [str((REPO / m.path).resolve()) for m in modules]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "coverage.json"
        env = {**os.environ, "MUTATE_COVER_FILES": os.pathsep.join(files),
               "MUTATE_COVER_OUT": str(out), "HYPOTHESIS_STORAGE_DIRECTORY": tmp,
               "PYTHONPATH": os.pathsep.join([str(TOOLS), os.environ.get("PYTHONPATH", "")])}
        command = _pytest_command(tests) + ["-p", "mutate_cover", "-m", "not browser"]
        command += [f"--deselect={d}" for d in deselect]
        print(f"baseline: {' '.join(tests)} (traced) ...", file=sys.stderr, flush=True)
        started = time.monotonic()
        proc = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)
        data = json.loads(out.read_text()) if out.exists() else None
    if proc.returncode != 0 or data is None:
        print(proc.stdout[-3000:], proc.stderr[-3000:], sep="\n", file=sys.stderr)
        print("tools/mutate.py: the tests fail without any mutant; fix that first", file=sys.stderr)
        return None
    print(f"baseline: {len(data['tests'])} tests in {time.monotonic() - started:.0f}s",
          file=sys.stderr)
    return data["tests"]


def _selected(module: Module, mutant: Mutant, coverage: dict) -> list[tuple[float, str]]:
    """(seconds, nodeid) of the module's tests that run the mutated lines, fastest first."""
    path = str((REPO / module.path).resolve())
    last = mutant.line + mutant.replacement.count("\n") + module.source.count(
        "\n", mutant.start, mutant.end)
    wanted = set(range(mutant.line, last + 1))
    chosen = []
    for nodeid, info in coverage.items():
        file = nodeid.split("::")[0]
        if not any(file == t or file.startswith(t.rstrip("/") + "/") for t in module.tests):
            continue
        lines = info["lines"].get(path)
        if lines and (not mutant.in_function or wanted.intersection(lines)):
            chosen.append((info["seconds"], nodeid))
    return sorted(chosen)


# --- running mutants ------------------------------------------------------------------------

def _sandbox(root: Path, config: dict) -> Path:
    """A private copy of the package, first on PYTHONPATH, where one mutant at a time is written."""
    box = root / "pkg"
    package = REPO / config["package"]
    shutil.copytree(package, box / package.name, ignore=shutil.ignore_patterns("__pycache__"))
    for inside, target in config.get("links", {}).items():
        (box / inside).symlink_to(REPO / target)
    return box


def _run_all(modules: list[Module], coverage: dict, jobs: int, config: dict) -> list[Result]:
    work = [(m, x) for m in modules for x in m.mutants]
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="mutate-") as tmp:
        boxes: Queue[Path] = Queue()
        for n in range(jobs):
            boxes.put(_sandbox(Path(tmp) / f"w{n}", config))
        hypothesis_dir = Path(tmp) / "hypothesis"
        done = 0

        def one(item: tuple[Module, Mutant]) -> Result:
            box = boxes.get()
            try:
                return _run_one(item[0], item[1], coverage, box, config, hypothesis_dir)
            finally:
                boxes.put(box)

        with ThreadPoolExecutor(jobs) as pool:
            for r in pool.map(one, work):
                results.append(r)
                done += 1
                print(f"\r{done}/{len(work)} mutants", end="", file=sys.stderr, flush=True)
        print(file=sys.stderr)
    return results


def _run_one(module: Module, mutant: Mutant, coverage: dict, box: Path, config: dict,
             hypothesis_dir: Path) -> Result:
    tests = _selected(module, mutant, coverage)
    if not tests:
        return Result(mutant, "uncovered")
    target = box / Path(module.path).relative_to(Path(config["package"]).parent)
    env = {**os.environ, "PYTHONPATH": str(box), "PYTHONDONTWRITEBYTECODE": "1",
           "HYPOTHESIS_STORAGE_DIRECTORY": str(hypothesis_dir)}
    timeout = 15 + 3 * sum(s for s, _ in tests)
    started = time.monotonic()
    target.write_text(mutant.apply(module.source), encoding="utf-8")
    try:
        proc = subprocess.Popen(_pytest_command([t for _, t in tests]) + ["-x"], cwd=REPO, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)
        try:
            code = proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            return Result(mutant, "timeout", len(tests), time.monotonic() - started)
    finally:
        target.write_text(module.source, encoding="utf-8")
    status = {0: "survived", 4: "error", 5: "error"}.get(code, "killed")
    return Result(mutant, status, len(tests), time.monotonic() - started)


# --- the report -----------------------------------------------------------------------------

def _report(modules: list[Module], results: list[Result], args: argparse.Namespace) -> int:
    by_module: dict[str, list[Result]] = {}
    for r in results:
        by_module.setdefault(r.mutant.module, []).append(r)
    print(f"\n{'module':<16}{'mutants':>8}{'killed':>8}{'equivalent':>11}{'survived':>9}{'score':>8}")
    below = False
    for m in modules:
        rs = by_module.get(m.name, [])
        killed = sum(r.status in ("killed", "timeout") for r in rs)
        equivalent = sum(r.status not in ("killed", "timeout") and r.mutant.key in m.equivalent
                         for r in rs)
        counted = len(rs) - equivalent
        score = 100.0 * killed / counted if counted else 100.0
        below |= score < args.fail_under
        print(f"{m.name:<16}{len(rs):>8}{killed:>8}{equivalent:>11}{counted - killed:>9}"
              f"{score:>7.1f}%")
    for m in modules:
        _module_details(m, by_module.get(m.name, []), args.toml, bool(args.k))
    return 1 if below else 0


def _module_details(m: Module, rs: list[Result], toml: bool, filtered: bool) -> None:
    survivors = [r for r in rs if r.status not in ("killed", "timeout")
                 and r.mutant.key not in m.equivalent]
    if survivors:
        print(f"\n{m.name}: {len(survivors)} surviving mutants")
        for r in survivors:
            _print_mutant(m, r.mutant, f"{r.status}, {r.tests_run} tests")
    if toml and survivors:
        print(f"\n[equivalent.{m.name}]")
        for r in survivors:
            print(f"{json.dumps(r.mutant.key, ensure_ascii=False)} = \"\"")
    keys = {r.mutant.key: r for r in rs}
    for key in m.equivalent:
        r = keys.get(key)
        if r is not None and r.status in ("killed", "timeout"):
            print(f"{m.name}: marked equivalent but killed (drop the mark): {key}")
    generated = {x.key for x in m.mutants}
    if not filtered:
        for key in m.equivalent:
            if key not in generated:
                print(f"{m.name}: marked equivalent but no longer generated (drop the mark): {key}")


def _print_mutant(m: Module, x: Mutant, note: str = "") -> None:
    old, new = x.diff(m.source)
    print(f"  {m.path}:{x.line}: {x.key}" + (f"  [{note}]" if note else ""))
    print(f"      - {old[:150]}\n      + {new[:150]}")


if __name__ == "__main__":
    sys.exit(main())
