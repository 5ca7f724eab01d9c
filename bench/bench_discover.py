"""What the reader-facing extras cost (issue 16): structured data, feeds, sitemaps, tag and
author pages, on the shared corpus (no pass/fail).

    python bench/bench_discover.py CORPUS [--jobs 2]

Builds CORPUS/canonical cold with every extra on (`base_url` set, `taxonomies: [tags,
authors]`, comment pages on), then again after one thread file changed, and prints: wall time
of each build and of its site pages (index, feeds, sitemaps, tag and author pages: the part
made from all threads at once), the parent's peak memory, the output by part, and the bytes of
JSON-LD inside thread and comment pages (what the thread pages would weigh without it, beside
Hugo's thread pages when `hugo` is on the PATH).
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "generator"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_size import json_ld_bytes, parts  # noqa: E402
from threadpress import build  # noqa: E402

CONFIG = "base_url: https://example.org/archive/\ntaxonomies: [tags, authors]\n"


def timed_site_pages(spent: list[float]):
    original = build._site_pages

    def wrapper(*args, **kwargs):
        started = time.monotonic()
        try:
            return original(*args, **kwargs)
        finally:
            spent.append(time.monotonic() - started)
    build._site_pages = wrapper


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    spent: list[float] = []
    timed_site_pages(spent)
    with tempfile.TemporaryDirectory(dir=args.corpus.parent) as tmp:
        site = Path(tmp) / "site"
        shutil.copytree(args.corpus / "canonical", site / "content")
        (site / "threadpress.yaml").write_text(CONFIG)
        for name in ("cold", "one thread changed"):
            if name != "cold":
                first = sorted((site / "content").rglob("*.*"))[0]
                first.write_bytes(first.read_bytes() + b"\n")
            started = time.monotonic()
            assert build.build_site(site, jobs=args.jobs, quiet=True, clean=name == "cold") == 0
            wall = time.monotonic() - started
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"{name:<20} wall {wall:7.1f} s   site pages {spent[-1]:6.1f} s   "
                  f"parent's peak memory {peak:6.0f} MiB")
        out = site / "output"
        sizes = parts(out)
        print("output: " + "  ".join(f"{k} {v / 1e6:.1f} MB" for k, v in sizes.items()))
        counts = {d: sum(1 for _ in (out / d).rglob("index.html")) for d in ("tags", "authors")}
        print(f"tag pages {counts['tags']}, author pages {counts['authors']}, sitemap files "
              f"{len(list((out / 'sitemaps').iterdir()))}, thread feeds "
              f"{sum(1 for _ in out.rglob('feed.xml')) - 1}")
        thread_ld, comment_ld = json_ld_bytes(out)
        print(f"JSON-LD: {thread_ld / 1e6:.1f} MB in thread pages "
              f"({thread_ld / sizes['thread pages']:.1%}), {comment_ld / 1e6:.1f} MB in comment "
              f"pages ({comment_ld / sizes['comment pages']:.1%})")
        if shutil.which("hugo"):
            hugo = Path(tmp) / "hugo"
            subprocess.run(["hugo", "--quiet", "--source", str(args.corpus / "hugo"),
                            "--destination", str(hugo)], check=True)
            pages = sum(p.stat().st_size for p in hugo.rglob("index.html")
                        if p.parent.parent.name == "threads")
            print(f"thread pages {sizes['thread pages'] / pages:.2f}x Hugo's "
                  f"({(sizes['thread pages'] - thread_ld) / pages:.2f}x without the JSON-LD)")
        print(json.dumps({"sizes": sizes, "json_ld": [thread_ld, comment_ld]}))


if __name__ == "__main__":
    main()
