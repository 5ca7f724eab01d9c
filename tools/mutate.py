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
RESULTS = REPO / ".mutation" / "results.json"  # the last status of every mutant, per module
MAX_WORKERS = 2  # the machine is shared: never more
KILLED = ("killed", "timeout")


@dataclass
class Module:
    name: str
    path: Path             # the source file, relative to the repository
    inside: Path           # the same inside a package copy: threadpress/tree.py
    tests: list[str]       # test files or folders that guard it
    equivalent: dict[str, str]
    once: set[str] = field(default_factory=set)  # functions run once per process (caches)
    source: str = ""
    mutants: list[Mutant] = field(default_factory=list)   # the ones to run
    keys: set[str] = field(default_factory=set)           # every mutant's, filtered or not


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
    if args.equivalents_md:
        _print_equivalents(modules)
        return 0
    for m in modules:
        m.source = (REPO / m.path).read_text(encoding="utf-8")
        found = mutants(m.source, m.name, set(config.get("message_calls", [])))
        m.mutants = [x for x in found if not args.k or args.k in x.key]
        m.keys = {x.key for x in found}
    saved = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    earlier = _killed_earlier(modules, saved) if args.survivors else []
    if args.list:
        for m in modules:
            for x in m.mutants:
                _print_mutant(m, x)
        return 0
    results = _run(modules, config, args.jobs) if any(m.mutants for m in modules) else []
    if results is None:
        return 2
    _save(saved, modules, results)
    if earlier:
        print(f"\n{len(earlier)} mutants killed in an earlier run were not rerun (--survivors)")
    return _report(modules, earlier + results, args)


def _killed_earlier(modules: list[Module], saved: dict) -> list[Result]:
    """Take the mutants killed in the last run out of the work, and count them as killed."""
    earlier = []
    for m in modules:
        before = saved.get(m.name, {})
        earlier += [Result(x, "killed") for x in m.mutants if before.get(x.key) in KILLED]
        m.mutants = [x for x in m.mutants if before.get(x.key) not in KILLED]
    return earlier


def _run(modules: list[Module], config: dict, jobs: int) -> list[Result] | None:
    """Trace the tests, then run every mutant; None when the tests fail unmutated."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # clean up the copies when stopped
    jobs = max(1, min(jobs, MAX_WORKERS))
    with tempfile.TemporaryDirectory(prefix="mutate-") as tmp:
        boxes = [_sandbox(Path(tmp) / f"w{n}", config) for n in range(jobs)]
        coverage = _baseline(modules, config.get("deselect", []), boxes[0], Path(tmp))
        if coverage is None:
            return None
        return _run_all(modules, coverage, boxes, Path(tmp))


def _save(saved: dict, modules: list[Module], results: list[Result]) -> None:
    """Record each mutant's status, keeping earlier ones of mutants that still exist."""
    for m in modules:
        saved[m.name] = {k: v for k, v in saved.get(m.name, {}).items() if k in m.keys}
    for r in results:
        saved[r.mutant.module][r.mutant.key] = r.status
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(saved, indent=1, ensure_ascii=False, sort_keys=True))


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="tools/mutate.py", description=__doc__.split("\n")[0])
    p.add_argument("modules", nargs="*",
                   help="module names from tools/mutation.toml (default: all)")
    p.add_argument("-k", metavar="TEXT", help="only mutants whose key contains TEXT")
    p.add_argument("-j", "--jobs", type=int, default=MAX_WORKERS, help="parallel runs (at most 2)")
    p.add_argument("--list", action="store_true", help="print the mutants and stop")
    p.add_argument("--survivors", action="store_true",
                   help="rerun only mutants not killed in the last run (.mutation/results.json); "
                        "sound while the module's tests only grow")
    p.add_argument("--toml", action="store_true",
                   help="also print the survivors as lines to paste under [equivalent.MODULE]")
    p.add_argument("--equivalents-md", action="store_true",
                   help="print the equivalent mutants and their reasons as Markdown, and stop")
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
    parent = Path(config["package"]).parent
    modules = [Module(n, Path(table[n]["path"]), Path(table[n]["path"]).relative_to(parent),
                      table[n]["tests"], equivalent.get(n, {}), set(table[n].get("once", [])))
               for n in (names or table)]
    for m in modules:
        missing = [t for t in m.tests if not (REPO / t).exists()]
        if missing:
            print(f"tools/mutate.py: {m.name}: no {', '.join(missing)}; left out", file=sys.stderr)
            m.tests = [t for t in m.tests if t not in missing]
    return modules


# --- which tests run which lines ------------------------------------------------------------

def _pytest_args(targets: list[str]) -> list[str]:
    # one hypothesis seed, so a property test explores the same examples with and without mutants
    return ["-q", "--no-header", "-p", "no:cacheprovider", "--tb=no", "--hypothesis-seed=0",
            *targets]


def _env(box: Path, tmp: Path, **extra: str) -> dict[str, str]:
    """The package copy first on the path, no bytecode caches (a mutant is rewritten in place
    within the same second, and a stale .pyc would hide it), hypothesis' files kept aside."""
    return {**os.environ, "PYTHONPATH": str(box), "PYTHONDONTWRITEBYTECODE": "1",
            "HYPOTHESIS_STORAGE_DIRECTORY": str(tmp / "hypothesis"), **extra}


def _baseline(modules: list[Module], deselect: list[str], box: Path, tmp: Path) -> dict | None:
    """Run the modules' tests once, unmutated, recording the lines each test executes."""
    tests = sorted({t for m in modules for t in m.tests})
    files = [str(box / m.inside) for m in modules]
    out = tmp / "coverage.json"
    env = _env(box, tmp, MUTATE_COVER_FILES=os.pathsep.join(files), MUTATE_COVER_OUT=str(out))
    env["PYTHONPATH"] += os.pathsep + str(TOOLS)
    command = [sys.executable, "-m", "pytest", *_pytest_args(tests), "-p", "mutate_cover",
               "-m", "not browser", *(f"--deselect={d}" for d in deselect)]
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
    for info in data["tests"].values():  # paths inside the copy → paths as the config writes them
        info["lines"] = {Path(f).relative_to(box).as_posix(): ls for f, ls in info["lines"].items()}
    return data["tests"]


def _selected(module: Module, mutant: Mutant, coverage: dict) -> list[tuple[float, str]]:
    """(seconds, nodeid) of the module's tests that run the mutated lines, fastest first.

    Module-level code, and functions that run once per process (the tracer sees them only in
    the first test), are run by every test that touches the module."""
    path = module.inside.as_posix()
    everywhere = not mutant.in_function or mutant.key.split(":")[0] in module.once
    last = mutant.line + module.source.count("\n", mutant.start, mutant.end)
    wanted = set(range(mutant.line, last + 1))
    chosen = []
    for nodeid, info in coverage.items():
        file = nodeid.split("::")[0]
        if not any(file == t or file.startswith(t.rstrip("/") + "/") for t in module.tests):
            continue
        lines = info["lines"].get(path)
        if lines and (everywhere or wanted.intersection(lines)):
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


def _run_all(modules: list[Module], coverage: dict, boxes: list[Path], tmp: Path) -> list[Result]:
    work = [(m, x) for m in modules for x in m.mutants]
    workers: Queue[tuple[Path, subprocess.Popen]] = Queue()
    for box in boxes:
        workers.put((box, subprocess.Popen(
            [sys.executable, str(TOOLS / "mutate_worker.py")], cwd=REPO, env=_env(box, tmp),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)))

    def one(item: tuple[Module, Mutant]) -> Result:
        box, worker = workers.get()
        try:
            return _run_one(item[0], item[1], coverage, box, worker)
        finally:
            workers.put((box, worker))

    results: list[Result] = []
    try:
        with ThreadPoolExecutor(len(boxes)) as pool:
            for r in pool.map(one, work):
                results.append(r)
                print(f"\r{len(results)}/{len(work)} mutants", end="", file=sys.stderr, flush=True)
    finally:
        print(file=sys.stderr)
        while not workers.empty():
            worker = workers.get()[1]
            worker.stdin.close()
            worker.wait()
    return results


def _run_one(module: Module, mutant: Mutant, coverage: dict, box: Path,
             worker: subprocess.Popen) -> Result:
    tests = _selected(module, mutant, coverage)
    if not tests:
        return Result(mutant, "uncovered")
    target = box / module.inside
    timeout = 20 + 3 * sum(s for s, _ in tests)
    started = time.monotonic()
    target.write_text(mutant.apply(module.source), encoding="utf-8")
    try:
        # a test may take 10 s + 5 times as long as it did unmutated before it counts as endless
        budgets = {t: 10 + 5 * s for s, t in tests}
        worker.stdin.write(json.dumps({"args": _pytest_args([t for _, t in tests]) + ["-x"],
                                       "timeout": timeout, "budgets": budgets}) + "\n")
        worker.stdin.flush()
        answer = json.loads(worker.stdout.readline())
    finally:
        target.write_text(module.source, encoding="utf-8")
    seconds = time.monotonic() - started
    if answer["timeout"]:
        return Result(mutant, "timeout", len(tests), seconds)
    # pytest exits 1 when a test fails, 2 or 4 when a test module cannot be imported (the
    # mutant broke the package), 5 when it found no tests (which the baseline rules out)
    status = {0: "survived", 5: "error"}.get(answer["code"], "killed")
    return Result(mutant, status, len(tests), seconds)


# --- the report -----------------------------------------------------------------------------

def _report(modules: list[Module], results: list[Result], args: argparse.Namespace) -> int:
    by_module: dict[str, list[Result]] = {}
    for r in results:
        by_module.setdefault(r.mutant.module, []).append(r)
    print(f"\n{'module':<16}{'mutants':>8}{'killed':>8}{'equivalent':>11}{'survived':>9}"
          f"{'score':>8}")
    below = False
    for m in modules:
        rs = by_module.get(m.name, [])
        killed = sum(r.status in KILLED for r in rs)
        equivalent = sum(r.status not in KILLED and r.mutant.key in m.equivalent
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
    survivors = [r for r in rs if r.status not in KILLED
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
        if r is not None and r.status in KILLED:
            print(f"{m.name}: marked equivalent but killed (drop the mark): {key}")
    if not filtered:
        for key in m.equivalent:
            if key not in m.keys:
                print(f"{m.name}: marked equivalent but no longer generated (drop the mark): {key}")


def _print_equivalents(modules: list[Module]) -> None:
    """The [equivalent.*] tables as Markdown, for docs/mutation.md."""
    for m in modules:
        print(f"\n### {m.path}\n")
        if not m.equivalent:
            print("None.")
        for key, reason in m.equivalent.items():
            print(f"- `` {key} ``  \n  {reason}")


def _print_mutant(m: Module, x: Mutant, note: str = "") -> None:
    old, new = x.diff(m.source)
    print(f"  {m.path}:{x.line}: {x.key}" + (f"  [{note}]" if note else ""))
    print(f"      - {old[:150]}\n      + {new[:150]}")


if __name__ == "__main__":
    sys.exit(main())
