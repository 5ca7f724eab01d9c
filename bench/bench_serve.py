"""Live-preview latency of `threadpress serve` (figures only, no pass/fail).

    python bench/bench_serve.py [CONTENT] [--edits 5]

CONTENT is a folder of thread files (default: the repository's example content/; or the
canonical/ folder of a corpus written by ../shared/bench/gen_corpus.py). It is copied into a
temporary site, `threadpress serve --port 0` is started on it, and the script prints: the time
to the first "serving" line (the cold build included), then for --edits edits of one thread
file (a newline appended: a new hash, the same thread) the time from the write to the event
that tells open pages to reload, and to the reloaded thread page's last byte — the issue's
"an edit shows in the open page within a few seconds".
"""

from __future__ import annotations

import argparse
import http.client
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("content", nargs="?", default=str(REPO / "content"))
    ap.add_argument("--edits", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        shutil.copytree(args.content, site / "content")
        (site / "threadpress.yaml").write_text("base_url: https://me.github.io/archive/\n")
        files = sorted(p for p in (site / "content").rglob("*") if p.suffix in (".yaml", ".json"))
        started = time.monotonic()
        proc = subprocess.Popen([sys.executable, "-m", "threadpress", "serve", str(site),
                                 "--port", "0"], stderr=subprocess.PIPE, text=True)
        try:
            url = _serving(proc)
            print(f"{len(files)} thread files; first build and serving: "
                  f"{time.monotonic() - started:.2f}s")
            _edits(url, site / "content", files, args.edits)
        finally:
            proc.terminate()
            proc.wait()


def _serving(proc: subprocess.Popen) -> str:
    while True:
        line = proc.stderr.readline()
        if not line:
            sys.exit("serve exited before serving")
        if line.startswith("serving "):
            return line.split()[1]


def _edits(url: str, content: Path, files: list[Path], n: int) -> None:
    port, path = int(url.split(":")[2].split("/")[0]), "/" + url.split("/", 3)[3]
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    conn.request("GET", "/__threadpress/events")
    events = conn.getresponse()
    seen = _next(events)["build"]
    target = max(files, key=lambda p: p.stat().st_size)   # the heaviest thread: the worst case
    page = path + target.relative_to(content).with_suffix("").as_posix() + "/"   # its slug
    to_event, to_page = [], []
    for _ in range(n):
        t = time.monotonic()
        with open(target, "a") as f:
            f.write("\n")
        while (state := _next(events))["build"] == seen:
            pass
        seen = state["build"]
        to_event.append(time.monotonic() - t)
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        c.request("GET", page)
        c.getresponse().read()
        to_page.append(time.monotonic() - t)
    print(f"edit of {target.name} ({target.stat().st_size / 1e3:.0f} kB), {n} times:")
    for name, xs in (("  write → reload event", to_event), ("  write → page loaded", to_page)):
        print(f"{name}: median {statistics.median(xs):.2f}s, max {max(xs):.2f}s")


def _next(events: http.client.HTTPResponse) -> dict:
    while True:
        line = events.fp.readline()
        if not line:
            sys.exit("the event stream ended")
        if line.startswith(b"data: "):
            return json.loads(line[6:])


if __name__ == "__main__":
    main()
