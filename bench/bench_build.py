"""Build-time benchmark: prints figures for sites of several shapes (no pass/fail).

    python bench/bench_build.py [--scale 1.0] [--jobs N]

Shapes: many small threads; one wide thread; a deep chain with comment pages (capped context);
a 100,000-deep chain (thread page only). Linear time shows as a steady comments/second.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

from threadpress.build import build_site

WORDS = ("thread archive link anchor comment reply static page build render tree deep "
         "markdown quote stable permanent").split()


def body(rng: random.Random) -> str:
    words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 60)))
    return f"> {rng.choice(WORDS)} quoted\n\n{words} https://example.org/{rng.randint(1, 999)}"


def forest(n: int, rng: random.Random, chain: bool = False) -> list[dict]:
    comments = []
    for i in range(n):
        c = {"id": str(i), "author": f"user{rng.randint(1, 500)}",
             "created": 1_700_000_000 + i * 7, "score": rng.randint(-3, 300), "body": body(rng)}
        if i:
            c["parent"] = str(i - 1) if chain else (str(rng.randrange(i)) if rng.random() < 0.8 else None)
        comments.append({k: v for k, v in c.items() if v is not None})
    return comments


def write(site: Path, threads: dict[str, dict], config: str = "") -> None:
    (site / "content").mkdir(parents=True)
    for name, data in threads.items():
        (site / "content" / f"{name}.json").write_text(json.dumps(data))
    (site / "threadpress.yaml").write_text(config)


def measure(label: str, site: Path, comments: int, jobs: int | None) -> None:
    start = time.perf_counter()
    status = build_site(site, quiet=True, jobs=jobs)
    took = time.perf_counter() - start
    out = site / "output"
    files = sum(1 for p in out.rglob("*") if p.is_file())
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    print(f"{label:<44} {comments:>9,} comments {took:8.2f} s {comments / took:>10,.0f} comments/s "
          f"{files:>9,} files {size / 2**20:9.1f} MiB  exit {status}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--jobs", type=int, default=None)
    args = ap.parse_args()
    rng = random.Random(42)
    s = args.scale
    root = Path(tempfile.mkdtemp(prefix="tp-bench-"))
    try:
        cases = [
            ("200 threads x 100 comments, comment pages", 200, int(100 * s), False, ""),
            ("1 wide thread, comment pages", 1, int(20_000 * s), False, ""),
            ("chain 20,000 deep, comment pages (depth 50)", 1, int(20_000 * s), True, ""),
            ("chain 100,000 deep, thread page only", 1, int(100_000 * s), True, "comment_pages: false\n"),
        ]
        for label, threads, per, chain, config in cases:
            site = root / label.split(",")[0].replace(" ", "_")
            write(site, {f"t{i}": {"title": f"Thread {i}", "created": 1_700_000_000 + i,
                                   "comments": forest(per, rng, chain)} for i in range(threads)},
                  config)
            measure(label, site, threads * per, args.jobs)
            shutil.rmtree(site)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak memory (parent process): {peak:,.0f} MiB; cpus: {os.cpu_count()}; "
              f"python {sys.version.split()[0]}")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
