"""Whole-site build benchmark on the shared corpus, side by side with Hugo (no pass/fail).

    python bench/bench_site.py CORPUS [--runs 3] [--jobs N] [--configs pages,nopages]

CORPUS is a folder written by ../shared/bench/gen_corpus.py (canonical/ and hugo/ inside). For
each config — `pages` (the default: a page per comment) and `nopages` (`comment_pages: false`,
the work Hugo's site does) — it prints, as medians of --runs, wall time, CPU time, the peak
memory of the largest process and comments/s for: a cold build (`--clean`), a rebuild after one
thread changed, and a rebuild with nothing changed; then Hugo's cold build of the same threads
when `hugo` is on the PATH, and the ratios the build-engine issue sets targets for.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Callable

MEASURE = """
import resource, subprocess, sys, time
t = time.monotonic()
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
wall = time.monotonic() - t
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print(code, wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss)
"""


def measure(cmd: list[str]) -> dict[str, float]:
    """One run in a fresh wrapper process, so its children's peak memory is this run's alone."""
    out = subprocess.run([sys.executable, "-c", MEASURE, *cmd], capture_output=True, text=True,
                         check=True).stdout.split()
    code, wall, cpu, rss_kb = int(out[0]), float(out[1]), float(out[2]), int(out[3])
    if code != 0:
        raise SystemExit(f"failed ({code}): {' '.join(cmd)}")
    return {"wall": wall, "cpu": cpu, "rss": rss_kb / 1024}


def median(runs: list[dict[str, float]]) -> dict[str, float]:
    return {k: statistics.median(r[k] for r in runs) for k in runs[0]}


def row(label: str, m: dict[str, float], comments: int) -> str:
    return (f"{label:<34} {m['wall']:8.2f} s {m['cpu']:8.2f} CPU-s {m['rss']:8.0f} MiB "
            f"{comments / m['wall']:10,.0f} comments/s")


def site_for(corpus: Path, work: Path, comment_pages: bool) -> Path:
    site = work / ("pages" if comment_pages else "nopages")
    shutil.copytree(corpus / "canonical", site / "content")
    (site / "threadpress.yaml").write_text(f"comment_pages: {str(comment_pages).lower()}\n")
    return site


def touch_one(site: Path, n: int) -> None:
    """Add a reply to one thread (a different one each time)."""
    files = sorted((site / "content").glob("*.yaml"))
    path = files[n % len(files)]
    path.write_text(path.read_text() + "\n# edited %d\n" % n)


def corpus_and_build(args: argparse.Namespace) -> tuple[int, Callable[[Path], list[str]]]:
    """The corpus's comment count (after a header line about it), and the quiet build command
    of a site with the chosen --jobs."""
    stats = json.loads((args.corpus / "stats.json").read_text())
    print(f"corpus {args.corpus}: {stats['threads']} threads, {stats['comments']:,} comments; "
          f"medians of {args.runs}")
    jobs = ["-j", str(args.jobs)] if args.jobs else []
    return stats["comments"], lambda site: [sys.executable, "-m", "threadpress", "build",
                                            str(site), "-q", *jobs]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=None)
    ap.add_argument("--configs", default="nopages,pages")
    args = ap.parse_args()
    comments, build = corpus_and_build(args)
    with tempfile.TemporaryDirectory(dir=args.corpus.parent) as tmp:
        work = Path(tmp)
        hugo = None
        if shutil.which("hugo"):
            runs = [measure(["hugo", "--quiet", "--source", str(args.corpus / "hugo"),
                             "--destination", str(work / f"hugo-{i}")]) for i in range(args.runs)]
            hugo = median(runs)
            print(row("hugo, cold", hugo, comments))
        for config in args.configs.split(","):
            site = site_for(args.corpus, work, config == "pages")
            cmd = build(site)
            cold = median([measure([*cmd, "--clean"]) for _ in range(args.runs)])
            one = []
            for i in range(args.runs):
                touch_one(site, i)
                one.append(measure(cmd))
            same = median([measure(cmd) for _ in range(args.runs)])
            one_m = median(one)
            size = sum(p.stat().st_size for p in (site / "output").rglob("*") if p.is_file())
            print(row(f"threadpress {config}, cold", cold, comments))
            print(row(f"threadpress {config}, one thread changed", one_m, comments))
            print(row(f"threadpress {config}, nothing changed", same, comments))
            print(f"{'':34} output {size / 1e6:,.1f} MB")
            if hugo:
                print(f"{'':34} ratios to Hugo's cold wall time: cold {cold['wall'] / hugo['wall']:.2f}x, "
                      f"one changed {one_m['wall'] / hugo['wall']:.3f}x, "
                      f"nothing changed {same['wall'] / hugo['wall']:.3f}x; "
                      f"peak memory {cold['rss'] / hugo['rss']:.2f}x Hugo's")


if __name__ == "__main__":
    main()
