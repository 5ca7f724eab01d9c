"""Output size benchmark on the shared corpus, beside Hugo's output (no pass/fail).

    python bench/bench_size.py CORPUS

Builds CORPUS/canonical with each setting (the default; `comment_pages: false`; a short
`context_depth`) and prints the bytes of each part of the output (thread pages, comment pages,
thread.json, the rest), bytes per comment, the JSON-LD's share of the thread pages, and the ratios the lean-output issue sets targets
for: thread pages against Hugo's thread pages for the same threads, and the whole output
against Hugo's whole output. Sizes are apparent sizes (the sum of file lengths), as GitHub Pages
counts them. Hugo's side is built when `hugo` is on the PATH.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

_SCRIPT = b'<script type="application/ld+json">'
SETTINGS = {"default": "", "no comment pages": "comment_pages: false\n",
            "context_depth: 5": "context_depth: 5\n"}


def parts(out: Path) -> dict[str, int]:
    sizes = {"thread pages": 0, "comment pages": 0, "thread.json": 0, "tags+authors": 0,
             "feeds+sitemaps": 0, "rest": 0}
    for path in out.rglob("*"):
        if not path.is_file():
            continue
        rel = path.relative_to(out).parts
        n = path.stat().st_size
        if rel[-1] == "thread.json":
            sizes["thread.json"] += n
        elif rel[0] in ("tags", "authors"):
            sizes["tags+authors"] += n
        elif rel[-1] in ("feed.xml", "sitemap.xml", "robots.txt") or rel[0] == "sitemaps":
            sizes["feeds+sitemaps"] += n
        elif len(rel) >= 4 and rel[-3] == "c" and rel[-1] == "index.html":
            sizes["comment pages"] += n
        elif len(rel) == 2 and rel[-1] == "index.html" and rel[0] not in ("page", "static"):
            sizes["thread pages"] += n
        else:
            sizes["rest"] += n
    return sizes


def json_ld_bytes(out: Path) -> tuple[int, int]:
    """Bytes of the JSON-LD elements in thread pages and in comment pages."""
    thread = comment = 0
    for page in out.rglob("index.html"):
        raw = page.read_bytes()
        start = raw.find(_SCRIPT)
        if start < 0:
            continue
        n = raw.find(b"</script>", start) + len(b"</script>") - start
        if page.parent.parent.name == "c":
            comment += n
        else:
            thread += n
    return thread, comment


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("corpus", type=Path)
    args = ap.parse_args()
    comments = json.loads((args.corpus / "stats.json").read_text())["comments"]
    with tempfile.TemporaryDirectory(dir=args.corpus.parent) as tmp:
        work = Path(tmp)
        hugo_pages = hugo_all = None
        if shutil.which("hugo"):
            subprocess.run(["hugo", "--quiet", "--source", str(args.corpus / "hugo"),
                            "--destination", str(work / "hugo")], check=True)
            files = [p for p in (work / "hugo").rglob("*") if p.is_file()]
            hugo_all = sum(p.stat().st_size for p in files)
            hugo_pages = sum(p.stat().st_size for p in files
                             if p.name == "index.html" and p.parent.parent.name == "threads")
            print(f"{'hugo':<18} thread pages {hugo_pages / 1e6:8.1f} MB   all {hugo_all / 1e6:8.1f} MB")
        site = work / "site"
        shutil.copytree(args.corpus / "canonical", site / "content")
        for name, config in SETTINGS.items():
            (site / "threadpress.yaml").write_text(config)
            subprocess.run([sys.executable, "-m", "threadpress", "build", str(site), "-q"],
                           check=True)
            sizes = parts(site / "output")
            total = sum(sizes.values())
            line = "  ".join(f"{k} {v / 1e6:7.1f} MB" for k, v in sizes.items())
            print(f"{name:<18} {line}   all {total / 1e6:7.1f} MB = {total / comments:6.0f} "
                  "bytes/comment")
            ld = json_ld_bytes(site / "output")[0]
            print(f"{'':<18} JSON-LD in thread pages {ld / 1e6:.1f} MB = {ld / comments:.0f} "
                  "bytes/comment")
            if hugo_all:
                print(f"{'':<18} thread pages {sizes['thread pages'] / hugo_pages:.2f}x Hugo's "
                      f"thread pages ({(sizes['thread pages'] - ld) / hugo_pages:.2f}x without "
                      f"the JSON-LD); all {total / hugo_all:.2f}x Hugo's whole output")


if __name__ == "__main__":
    main()
