"""A warm worker for tools/mutate.py: imports pytest and the libraries once, forks per mutant.

Started with its private package copy first on PYTHONPATH and the repository as the working
folder. It never imports threadpress itself, so each forked child imports the package (with
the mutant just written into the copy) and the test modules afresh. Reads one JSON request a
line on stdin, {"args": [pytest arguments], "timeout": seconds}, and answers one JSON line,
{"code": pytest's exit code or null, "timeout": true|false}.
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


def run(args: list[str], timeout: float) -> dict:
    pid = os.fork()
    if pid == 0:  # the child: its own process group, so a timeout can kill what it starts
        os.setsid()
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        code = 3
        try:
            code = int(pytest.main(args))
        finally:
            os._exit(code)
    deadline = time.monotonic() + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return {"code": os.waitstatus_to_exitcode(status), "timeout": False}
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
        print(json.dumps(run(request["args"], request["timeout"])), flush=True)


if __name__ == "__main__":
    main()
