"""A pytest plugin for tools/mutate.py: which lines of the mutated modules each test runs.

Loaded with `-p mutate_cover` (tools/ on PYTHONPATH). MUTATE_COVER_FILES names the source files
(os.pathsep between them) and MUTATE_COVER_OUT the JSON file to write:
{"tests": {nodeid: {"seconds": s, "lines": {file: [line, ...]}}}}. Only this process is traced:
lines run in a subprocess or a process pool are not seen.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from pathlib import Path

import pytest

_FILES = {str(Path(f).resolve())
          for f in os.environ.get("MUTATE_COVER_FILES", "").split(os.pathsep) if f}
_results: dict[str, dict] = {}
_current: set[tuple[str, int]] = set()


def _line_tracer(frame, event, arg):  # noqa: ANN001 (sys.settrace's signature)
    if event == "line":
        _current.add((frame.f_code.co_filename, frame.f_lineno))
    return _line_tracer


def _call_tracer(frame, event, arg):  # noqa: ANN001
    # called for every function call: answer quickly for everything outside the target files
    if frame.f_code.co_filename in _FILES:
        _current.add((frame.f_code.co_filename, frame.f_lineno))
        return _line_tracer
    return None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):  # noqa: ANN001
    _current.clear()
    started = time.perf_counter()
    sys.settrace(_call_tracer)
    threading.settrace(_call_tracer)
    try:
        yield
    finally:
        sys.settrace(None)
        threading.settrace(None)  # type: ignore[arg-type]
        lines: dict[str, list[int]] = {}
        for f, n in _current:
            lines.setdefault(f, []).append(n)
        _results[item.nodeid] = {"seconds": time.perf_counter() - started,
                                 "lines": {f: sorted(ns) for f, ns in lines.items()}}


def pytest_sessionfinish(session, exitstatus):  # noqa: ANN001
    out = os.environ.get("MUTATE_COVER_OUT")
    if out:
        Path(out).write_text(json.dumps({"exitstatus": int(exitstatus), "tests": _results}))
