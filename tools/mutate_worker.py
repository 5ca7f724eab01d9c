"""A warm worker for tools/mutate.py: imports pytest and the libraries once, forks per mutant.

Started with its private package copy first on PYTHONPATH and the repository as the working
folder. It never imports threadpress itself, so each forked child imports the package (with
the mutant just written into the copy) and the test modules afresh. Reads one JSON request a
line on stdin, {"args": [pytest arguments], "timeout": seconds, "budgets": {nodeid: seconds}},
and answers one JSON line, {"code": pytest's exit code or null, "timeout": true|false}. A test
that runs past its budget (a mutant made a loop endless) ends the child at once with TIMED_OUT.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time

# the slow imports every test run needs, done once here instead of in every child
import hypothesis  # noqa: F401
import jinja2  # noqa: F401
import markdown  # noqa: F401
import nh3  # noqa: F401
import pytest
import yaml  # noqa: F401


TIMED_OUT = 124


class _Budget:
    """A pytest plugin: a wall-clock budget per test, then exit (not an exception: hypothesis
    would catch it and rerun the endless example while shrinking)."""

    def __init__(self, budgets: dict[str, float]) -> None:
        self.budgets = budgets

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item, nextitem):  # noqa: ANN001
        signal.signal(signal.SIGALRM, lambda *_: os._exit(TIMED_OUT))
        signal.setitimer(signal.ITIMER_REAL, self.budgets.get(item.nodeid, 60.0))
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)


def run(args: list[str], timeout: float, budgets: dict[str, float]) -> dict:
    pid = os.fork()
    if pid == 0:  # the child: its own process group, so a timeout can kill what it starts
        os.setsid()
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        code = 3
        try:
            code = int(pytest.main(args, plugins=[_Budget(budgets)]))
        finally:
            os._exit(code)
    deadline = time.monotonic() + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            code = os.waitstatus_to_exitcode(status)
            return {"code": code, "timeout": code == TIMED_OUT}
        if time.monotonic() > deadline:
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            os.waitpid(pid, 0)
            return {"code": None, "timeout": True}
        time.sleep(0.02)


def main() -> None:
    for line in sys.stdin:
        request = json.loads(line)
        answer = run(request["args"], request["timeout"], request.get("budgets", {}))
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    main()
