"""Dump-import benchmark: prints figures (no pass/fail) for `threadpress import reddit-dump`.

    python bench/bench_dump.py                 # 100,000 comments over 2,000 submissions
    python bench/bench_dump.py --full          # 1,000,000 comments over 20,000 submissions
    python bench/bench_dump.py --full --memory # and 3,000,000 over 60,000: memory must not grow
    python bench/bench_dump.py --comments N --submissions M [--no-build] [--comment-pages]

Writes a synthetic Arctic-Shift-style month (RS_ and RC_ .zst files, long window, the field
set of real dumps) in a temporary folder, then runs the CLI in child processes and reports,
per child, wall and CPU time, items/s and peak RSS (os.wait4's rusage of that child alone;
CPU time says what the import costs when other work shares the cores):
  1. import of the month;  2. `threadpress build` of the archive;
  3. import of one more month (comments on 5% of the threads), and the build after it.
The build runs with comment_pages: false unless --comment-pages (a page per comment is
1,000,000 pages at --full; that measures the build engine, not the import).
Targets (issue 14): import >= 15,000 items/s, peak <= 500 MB, flat from 1M to 3M items.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import zstandard

WORDS = ("the of and to a in is it you that was for on are with as they be at one have this "
         "from or had by not but what some we can out other were all there when up use your "
         "how said each which do their time if will way about many then them would like so "
         "thread archive comment reply kernel compiler python rust database cache").split()
START = 1_696_118_400  # 2023-10-01T00:00:00Z
MONTH = 31 * 86400


def text(rng: random.Random) -> str:
    words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 70)))
    r = rng.random()
    if r < 0.1:
        return f"&gt; {rng.choice(WORDS)} quoted\n\n{words}"
    if r < 0.15:
        return f"{words}\n\n* one\n* two https://example.org/{rng.randint(1, 999)}"
    if r < 0.17:
        return "[deleted]"
    return words


def submission(i: int, rng: random.Random, t: int) -> dict:
    sid = f"s{i:07x}"
    return {"id": sid, "name": f"t3_{sid}", "title": f"Post {i}: " + text(rng)[:80],
            "selftext": text(rng) if rng.random() < 0.5 else "", "author": f"u{rng.randint(1, 50000)}",
            "created_utc": t, "score": rng.randint(0, 5000), "num_comments": 0,
            "permalink": f"/r/bench/comments/{sid}/post_{i}/", "subreddit": "bench",
            "subreddit_id": "t5_2qh1i", "is_self": True, "url": f"https://www.reddit.com/r/bench/comments/{sid}/post_{i}/",
            "over_18": False, "spoiler": False, "stickied": False, "locked": False, "gilded": 0,
            "link_flair_text": None, "retrieved_on": t + 3600, "domain": "self.bench",
            "edited": False, "distinguished": None, "thumbnail": "self", "upvote_ratio": 0.97}


def comment(cid: int, sid: str, parent: str | None, rng: random.Random, t: int) -> dict:
    body = text(rng)
    return {"id": f"c{cid:08x}", "name": f"t1_c{cid:08x}", "link_id": f"t3_{sid}",
            "parent_id": f"t1_{parent}" if parent else f"t3_{sid}",
            "author": "[deleted]" if body == "[deleted]" else f"u{rng.randint(1, 200000)}",
            "body": body, "created_utc": t if rng.random() < 0.8 else str(t),
            "score": rng.randint(-20, 3000), "edited": False, "distinguished": None,
            "subreddit": "bench", "subreddit_id": "t5_2qh1i", "controversiality": 0,
            "gilded": 0, "stickied": False, "score_hidden": False, "is_submitter": False,
            "author_flair_text": None, "author_flair_css_class": None, "collapsed": False,
            "retrieved_on": t + 3600, "permalink": f"/r/bench/comments/{sid}/_/c{cid:08x}/",
            "archived": False, "can_gild": True, "total_awards_received": 0}


def write_zst(path: Path, records) -> int:
    """Stream JSON Lines into a long-window .zst as the real dumps are; returns the count."""
    params = zstandard.ZstdCompressionParameters(window_log=27, enable_ldm=True,
                                                 compression_level=3)
    n = 0
    with open(path, "wb") as f:
        with zstandard.ZstdCompressor(compression_params=params).stream_writer(f) as w:
            for r in records:
                w.write(json.dumps(r).encode() + b"\n")
                n += 1
    return n


def month(folder: Path, tag: str, n_comments: int, sids: list[str], seed: int,
          start: int) -> Path:
    """Comments spread over `sids`, in time order as a monthly dump is."""
    rng = random.Random(seed)
    recent: dict[str, list[str]] = {}

    def comments():
        for i in range(n_comments):
            sid = rng.choice(sids)
            earlier = recent.setdefault(sid, [])
            parent = rng.choice(earlier) if earlier and rng.random() < 0.7 else None
            c = comment(seed * 10_000_000 + i, sid, parent, rng, start + i * MONTH // n_comments)
            earlier.append(c["id"])
            del earlier[:-20]  # bounded: replies go to one of the last 20 comments
            yield c
    rc = folder / f"RC_{tag}.zst"
    write_zst(rc, comments())
    return rc


def run(cmd: list[str], label: str, items: int | None = None) -> dict:
    """Run a child; its own wall time and peak RSS, from wait4."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = proc.stdout.read().decode()
    err = proc.stderr.read().decode()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{label} failed:\n{err[-2000:]}")
    cpu = usage.ru_utime + usage.ru_stime
    rate = f", {items / wall:,.0f} items/s ({items / cpu:,.0f} per CPU-second)" if items else ""
    said = [ln for ln in (out.strip() or err.strip()).splitlines()  # import: stdout, build: stderr
            if not ln.startswith("warning:")]
    line = said[-1] if said else ""
    print(f"{label}: {wall:,.1f} s wall, {cpu:,.1f} s CPU{rate}, peak RSS {usage.ru_maxrss / 1024:,.0f} MB"
          f"{'  [' + line + ']' if line else ''}", flush=True)
    return {"wall": wall, "cpu": cpu, "rss_mb": usage.ru_maxrss / 1024}


def generate(tmp: Path, n_comments: int, n_subs: int) -> None:
    """The month's RS/RC files and the next month's RC (comments on 5% of the threads)."""
    rng = random.Random(1)
    sids = [f"s{i:07x}" for i in range(n_subs)]
    write_zst(tmp / "RS_2023-10.zst",
              (submission(i, rng, START + i * MONTH // n_subs) for i in range(n_subs)))
    month(tmp, "2023-10", n_comments, sids, 1, START)
    month(tmp, "2023-11", max(1, n_comments // 20), sids[: max(1, n_subs // 20)], 2,
          START + MONTH)


def in_child(target, *args) -> None:
    """Run in a fresh interpreter: a forked child's peak RSS starts at its parent's, so the
    process that spawns the measured commands must stay small."""
    proc = multiprocessing.get_context("spawn").Process(target=target, args=args)
    proc.start()
    proc.join()
    if proc.exitcode:
        sys.exit(f"{target.__name__} failed")


def bench(n_comments: int, n_subs: int, build: bool, comment_pages: bool) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="tp-dump-"))
    try:
        site = tmp / "site"
        site.mkdir()
        (site / "threadpress.yaml").write_text(
            f"title: Bench\ncomment_pages: {str(comment_pages).lower()}\n")
        t0 = time.perf_counter()
        in_child(generate, tmp, n_comments, n_subs)
        rs, rc, rc2 = tmp / "RS_2023-10.zst", tmp / "RC_2023-10.zst", tmp / "RC_2023-11.zst"
        size = (rs.stat().st_size + rc.stat().st_size) / 1e6
        print(f"\n{n_comments:,} comments over {n_subs:,} submissions: dump {size:,.0f} MB "
              f"compressed, generated in {time.perf_counter() - t0:,.0f} s", flush=True)
        tp = [sys.executable, "-m", "threadpress"]
        run(tp + ["import", "reddit-dump", str(rs), str(rc), "-o", str(site / "content")],
            "import", n_comments + n_subs)
        if build:
            run(tp + ["build", str(site)], "build", n_comments + n_subs)
        extra = max(1, n_comments // 20)
        run(tp + ["import", "reddit-dump", str(rc2), "-o", str(site / "content")],
            f"re-import one more month ({extra:,} comments on 5% of the threads)", extra)
        if build:
            run(tp + ["build", str(site)], "build after it")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--comments", type=int, default=100_000)
    ap.add_argument("--submissions", type=int, default=None, help="default: comments / 50")
    ap.add_argument("--full", action="store_true", help="1,000,000 comments, 20,000 submissions")
    ap.add_argument("--memory", action="store_true", help="also 3x the size, to show flat memory")
    ap.add_argument("--no-build", action="store_true", help="import only")
    ap.add_argument("--comment-pages", action="store_true", help="build a page per comment")
    args = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # still remove the temp folder
    n = 1_000_000 if args.full else args.comments
    subs = args.submissions or max(1, n // 50)
    bench(n, subs, not args.no_build, args.comment_pages)
    if args.memory:
        bench(3 * n, 3 * subs, False, args.comment_pages)


if __name__ == "__main__":
    main()
