"""Benchmark the loading stage: generate sites into a temp dir, load them, print the figures.

    python bench/bench_load.py              # full size: 1,000,000 comments, 100,000-deep chain
    python bench/bench_load.py --scale 0.1  # a quicker run

Each case runs in a fresh child process so that its peak memory (ru_maxrss) is its own.
Figures are wall-clock load time (parsing, checking, tree building, for every file under
content/), comments per second, and the child's peak resident memory.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

CASES = ("many", "chain", "wide")


def comments_for(n: int, rng: random.Random, prefix: str = "") -> list[dict]:
    """n comments in the flat form, replying to random earlier ones (a realistic bushy shape)."""
    out = []
    for i in range(n):
        c = {"id": f"{prefix}{i}", "author": f"user{rng.randrange(1000)}",
             "created": 1_700_000_000 + i * 7, "score": rng.randrange(-5, 100),
             "body": "A comment with *some* markdown and a [link](https://example.org/).\n"}
        if i and rng.random() < 0.8:
            c["parent"] = f"{prefix}{rng.randrange(max(0, i - 50), i)}"
        out.append(c)
    return out


def write(path: Path, doc: dict, fmt: str) -> None:
    if fmt == "json":
        path.write_text(json.dumps(doc), encoding="utf-8")
    else:
        path.write_text(yaml.dump(doc, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper),
                                  sort_keys=False, width=200), encoding="utf-8")


def generate(case: str, fmt: str, root: Path, scale: float) -> int:
    rng = random.Random(42)
    content = root / "content"
    content.mkdir(parents=True)
    if case == "many":
        files, per = max(1, int(1000 * scale)), 1000
        for f in range(files):
            sub = content / f"s{f % 10}"
            sub.mkdir(exist_ok=True)
            write(sub / f"t{f}.{fmt}", {"title": f"Thread {f}", "created": 1_700_000_000,
                                        "comments": comments_for(per, rng)}, fmt)
        return files * per
    if case == "chain":
        n = max(2, int(100_000 * scale))
        chain = [{"id": 0}] + [{"id": i, "parent": i - 1, "body": "re"} for i in range(1, n)]
        write(content / f"chain.{fmt}", {"title": "chain", "comments": chain}, fmt)
        return n
    if case == "wide":
        n = max(2, int(200_000 * scale))
        wide = [{"id": "root"}] + [{"id": i, "parent": "root", "score": rng.randrange(100),
                                    "body": "me too"} for i in range(1, n)]
        write(content / f"wide.{fmt}", {"title": "wide", "sort": "score", "comments": wide}, fmt)
        return n
    raise ValueError(case)


def measure(root: Path) -> dict:
    """Runs in the child: load the site once, report time and peak memory."""
    from threadpress.load import load_content

    start = time.perf_counter()
    loaded = load_content(root / "content")
    seconds = time.perf_counter() - start
    assert not loaded.errors, [str(d) for d in loaded.errors[:5]]
    comments = sum(len(t.comments) for t in loaded.threads)
    rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return {"seconds": seconds, "comments": comments,
            "deepest": max(t.max_depth + 1 for t in loaded.threads), "peak_mib": rss_kib / 1024}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--scale", type=float, default=1.0, help="size factor (default 1.0)")
    ap.add_argument("--cases", default=",".join(CASES))
    ap.add_argument("--formats", default="yaml,json")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(measure(Path(args.child))))
        return
    import threadpress.parse as parse
    loader = parse._Loader.__name__
    print(f"python {sys.version.split()[0]}, PyYAML {yaml.__version__} ({loader}), scale {args.scale}")
    print(f"{'case':<6} {'fmt':<5} {'comments':>10} {'deepest':>8} {'size MiB':>9} "
          f"{'load s':>8} {'comments/s':>11} {'peak MiB':>9}")
    for case in args.cases.split(","):
        for fmt in args.formats.split(","):
            with tempfile.TemporaryDirectory(prefix="tp-bench-") as tmp:
                root = Path(tmp)
                n = generate(case, fmt, root, args.scale)
                size = sum(p.stat().st_size for p in (root / "content").rglob("*") if p.is_file())
                out = subprocess.run([sys.executable, __file__, "--child", str(root)],
                                     capture_output=True, text=True)
                if out.returncode:
                    print(f"{case:<6} {fmt:<5} FAILED\n{out.stderr[-2000:]}")
                    continue
                r = json.loads(out.stdout)
                assert r["comments"] == n
                print(f"{case:<6} {fmt:<5} {n:>10,} {r['deepest']:>8,} {size / 2**20:>9.1f} "
                      f"{r['seconds']:>8.2f} {n / r['seconds']:>11,.0f} {r['peak_mib']:>9.0f}",
                      flush=True)


if __name__ == "__main__":
    main()
