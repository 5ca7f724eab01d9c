"""What full-text search costs, on the shared corpus (no pass/fail: it prints figures).

    python bench/bench_search.py CORPUS [--runs 1] [--jobs N] [--no-query]

CORPUS is a folder written by ../shared/bench/gen_corpus.py. It builds the corpus cold with
`search: false` and with search on (the default), and prints, beside issue 16's bounds:

- the wall time, CPU time and peak memory (of the largest process) of both cold builds, and of
  indexing alone (every shard rebuilt from the kept search documents): the bound is indexing
  ≤ 0.5× the cold build's wall time, and ≤ 1 GB of memory;
- a rebuild after one thread changed, with and without search (only its shard is re-indexed);
- the index's bytes against the thread pages' (bound: ≤ 0.5×);
- what a query downloads, measured in Chromium (Debian's, at /usr/bin/chromium) over HTTP:
  every response after the search page itself, for a word found in one comment and for a
  common word; Pagefind's scripts, styles and wasm (fetched once, then cached) shown apart.
  Bound: ≤ 1 MB.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import shutil
import sys
import tempfile
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_site import corpus_and_build, measure, median, row, site_for, touch_one  # noqa: E402

INDEX_ONLY = """
import json, shutil, sys
from pathlib import Path
from threadpress import search
root = Path(sys.argv[1])
state = json.loads(root.with_suffix(".json").read_text())
shards = search.plan(((rel, e["hash"], e["summary"]["count"]) for rel, e in state["threads"].items()),
                     state["spec"])
shutil.rmtree(root / "shards", ignore_errors=True)
assert not search.build(shards, root)
print(len(shards))
"""


def index_folder(site: Path) -> Path:
    return next((site / ".threadpress" / "build").glob("*.search"))


def tree_bytes(root: Path, pattern: str = "*") -> int:
    return sum(p.stat().st_size for p in root.rglob(pattern) if p.is_file())


def thread_page_bytes(out: Path) -> int:
    """The thread pages: index.html beside each thread.json."""
    return sum((p.parent / "index.html").stat().st_size for p in out.rglob("thread.json"))


def rare_word(site: Path) -> str:
    """The rarest word of the comments (ideally in one comment only), from the search documents."""
    from collections import Counter
    import re
    counts: Counter[str] = Counter()
    for path in (index_folder(site) / "docs").rglob("*.html"):
        for para in re.findall(r"<p>([^<]*)</p>", path.read_text(encoding="utf-8")):
            counts.update(set(re.findall(r"\b[a-z]{5,}\b", para.lower())))
    return min(counts, key=lambda w: (counts[w], w)) if counts else "zebra"


def query_bytes(out: Path, words: list[str]) -> list[tuple[str, int, int, int]]:
    """(word, results shown, bytes of index data, bytes of Pagefind's code) for each query."""
    from playwright.sync_api import sync_playwright

    quiet = type("Quiet", (http.server.SimpleHTTPRequestHandler,),
                 {"log_message": lambda self, *a: None})
    handler = functools.partial(quiet, directory=str(out))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}/"
    rows = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        for word in words:
            ctx = browser.new_context()
            page = ctx.new_page()
            sizes: dict[str, int] = {}
            page.on("requestfinished", lambda r: sizes.__setitem__(
                r.url, r.sizes()["responseBodySize"]))
            page.goto(f"{base}search/?q={word}")
            page.wait_for_selector(".pagefind-ui__result, .pagefind-ui__message", timeout=60000)
            page.wait_for_load_state("networkidle")
            shown = page.locator(".pagefind-ui__result").count()
            code = sum(n for u, n in sizes.items() if u.endswith((".js", ".css", ".pagefind")))
            data = sum(n for u, n in sizes.items() if "/pagefind/" in u and not u.endswith(
                (".js", ".css", ".pagefind")))
            rows.append((word, shown, data, code))
            ctx.close()
        browser.close()
    httpd.shutdown()
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=None)
    ap.add_argument("--no-query", action="store_true", help="skip the Chromium query figures")
    args = ap.parse_args()
    comments, build = corpus_and_build(args)
    with tempfile.TemporaryDirectory(dir=args.corpus.parent) as tmp:
        work = Path(tmp)
        off = site_for(args.corpus, work / "off", True)
        (off / "threadpress.yaml").write_text("search: false\n")
        on = site_for(args.corpus, work / "on", True)
        cold = {}
        for name, site in (("off", off), ("on", on)):
            cmd = build(site)
            cold[name] = median([measure([*cmd, "--clean"]) for _ in range(args.runs)])
            print(row(f"cold build, search {name}", cold[name], comments))
        index = median([measure([sys.executable, "-c", INDEX_ONLY, str(index_folder(on))])
                        for _ in range(args.runs)])
        print(row("indexing alone (every shard)", index, comments))
        shards = len(list((index_folder(on) / "shards").iterdir()))
        for name, site in (("off", off), ("on", on)):
            one = []
            for i in range(args.runs):
                touch_one(site, i)
                one.append(measure(build(site)))
            print(row(f"one thread changed, search {name}", median(one), comments))
        out = on / "output"
        index_bytes = tree_bytes(out / "pagefind")
        pages = thread_page_bytes(out)
        print(f"\nshards: {shards}; index {index_bytes / 1e6:.1f} MB in "
              f"{sum(1 for p in (out / 'pagefind').rglob('*') if p.is_file()):,} files; "
              f"thread pages {pages / 1e6:.1f} MB; whole output {tree_bytes(out) / 1e6:.1f} MB")
        print(f"bounds: indexing {index['wall'] / cold['off']['wall']:.2f}x the cold build's wall "
              f"time (≤ 0.5; the build grew by {cold['on']['wall'] / cold['off']['wall'] - 1:.2f}x,"
              f" CPU by {cold['on']['cpu'] / cold['off']['cpu'] - 1:.2f}x), "
              f"peak {index['rss']:.0f} MiB (≤ 1 GB), "
              f"index {index_bytes / pages:.2f}x the thread pages (≤ 0.5)")
        if not args.no_query:
            for word, shown, data, code in query_bytes(out, [rare_word(on), "the"]):
                print(f"query {word!r}: {shown} results; downloads {data / 1e3:,.0f} kB of index "
                      f"+ {code / 1e3:,.0f} kB of Pagefind's code (cached after the first) = "
                      f"{(data + code) / 1e6:.2f} MB (≤ 1 MB)")
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
