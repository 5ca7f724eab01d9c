"""What archive care costs (docs/archive-care.md): build times with each feature on and off.

    python bench/bench_care.py CORPUS [--jobs 1] [--runs 1]

CORPUS is a folder written by ../shared/bench/gen_corpus.py; its canonical/ threads are copied
into a site whose thread sources are Hacker News URLs, so every thread and comment is in the
archive map. Prints, as medians of --runs, the CPU time of a cold build with: the defaults
(rewrite_links on), rewrite_links off, anonymize_authors on, and a redactions.yaml naming 50
authors and 50 comments; then the incremental cases: a takedown added to a built site (every
thread renders again: the file is part of the spec), and a new thread that another links to
(two threads render: the new one and the one whose link now resolves). No pass/fail.
"""

from __future__ import annotations

import argparse
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path


HN = "https://news.ycombinator.com/item?id="


def make_site(corpus: Path, root: Path, config: str = "") -> Path:
    content = root / "content"
    content.mkdir(parents=True)
    for path in sorted((corpus / "canonical").glob("*.yaml")):
        text = path.read_text(encoding="utf-8").replace("https://news.example.org/item?id=", HN)
        (content / path.name).write_text(text, encoding="utf-8")
    (root / "threadpress.yaml").write_text(config, encoding="utf-8")
    return root


def redactions(content: Path, n: int = 50) -> str:
    """50 authors and 50 comments of the corpus, spread over it."""
    authors: list[str] = []
    comments: list[tuple[str, str]] = []
    for path in sorted(content.glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        ids = re.findall(r'^- id: "([^"]+)"', text, re.M)
        names = re.findall(r'^  author: "([^"]+)"', text, re.M)
        if ids and len(comments) < n:
            comments.append((path.stem, ids[0]))
        if names and len(authors) < n and names[0] not in authors:
            authors.append(names[0])
    return ("comments:\n" + "".join(f"  - {{thread: {t}, id: '{c}', reason: asked}}\n"
                                    for t, c in comments)
            + "authors:\n" + "".join(f"  - {{name: '{a}'}}\n" for a in authors))


def timed(site: Path, jobs: int, clean: bool) -> float:
    """CPU seconds of one build in a fresh process (no body cache or renderer carried over);
    CPU time, not wall time, so that other work on the machine does not count."""
    cmd = [sys.executable, "-m", "threadpress", "build", str(site), "-q", "-j", str(jobs)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    if subprocess.run(cmd + ["--clean"] * clean).returncode != 0:
        sys.exit(f"build of {site} failed")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--runs", type=int, default=1)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        probe = make_site(args.corpus, base / "probe")
        threads = len(list((probe / "content").glob("*.yaml")))
        takedown = redactions(probe / "content")
        print(f"{threads} threads, jobs={args.jobs}, median of {args.runs}")
        cases = {"defaults (rewrite_links on)": "", "rewrite_links: false": "rewrite_links: false\n",
                 "anonymize_authors: true": "anonymize_authors: true\n",
                 "redactions (50 authors, 50 comments)": None}
        for name, config in cases.items():
            times = []
            for i in range(args.runs):
                site = make_site(args.corpus, base / f"s{len(times)}-{i}-{hash(name) & 0xffff}",
                                 config or "")
                if config is None:
                    (site / "redactions.yaml").write_text(takedown, encoding="utf-8")
                times.append(timed(site, args.jobs, clean=True))
                shutil.rmtree(site)
            print(f"  cold, {name:<38} {statistics.median(times):6.2f} s CPU")
        site = make_site(args.corpus, base / "inc")
        timed(site, args.jobs, clean=True)
        (site / "redactions.yaml").write_text("comments:\n  - {thread: t000001, id: '1000001'}\n")
        took = timed(site, args.jobs, False)
        print(f"  rebuild after one takedown               {took:6.2f} s CPU")
        first = sorted((site / "content").glob("*.yaml"))[0]
        first.write_text(first.read_text().replace("comments:\n", "body: see "
                                                   f"{HN}99999999\ncomments:\n", 1))
        timed(site, args.jobs, False)
        (site / "content" / "new.yaml").write_text(f"title: New\nsource: {HN}99999999\n")
        took = timed(site, args.jobs, False)
        print(f"  rebuild after a new, linked-to thread    {took:6.2f} s CPU")


if __name__ == "__main__":
    main()
