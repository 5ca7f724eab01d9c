"""Import benchmark: prints figures (no pass/fail) for deep payloads and real re-imports.

    python bench/bench_import.py [--depths 1000,5000,20000]

Deep Algolia chains at several depths (linear time shows as a steady comments/second), then
each large shared payload (../shared/fixtures, when present) imported fresh and re-imported
over itself with a hand edit (the three-way merge and the check of what would be written).
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path

from threadpress.importers.common import import_threads
from threadpress.importers.threeway import merge3

SHARED = Path(__file__).resolve().parents[2] / "shared" / "fixtures"
REAL = [("hn", "hn-algolia/item-2396027-whoishiring-2011-04.json"),
        ("reddit", "reddit/comments-fo7p5b-announcements-polls.json"),
        ("mbox", "mbox/maven-dev-2017-11.mbox")]


def algolia_chain(depth: int) -> str:
    """An Algolia story with one reply chain `depth` deep, as text (json.dumps would recurse)."""
    head = json.dumps({"id": 1, "type": "story", "title": "Deep", "created_at_i": 1})[:-1]
    parts = [head + ', "children": [']
    for i in range(depth):
        item = {"id": 10 + i, "type": "comment", "author": "u", "text": f"<p>reply {i}</p>",
                "created_at_i": 2 + i}
        parts.append(json.dumps(item)[:-1] + ', "children": [')
    return "".join(parts) + "]}" * (depth + 1)


def timed(source: str, payload: Path, out: Path) -> tuple[float, str]:
    start = time.perf_counter()
    done = import_threads(source, [str(payload)], out, "yaml")
    return time.perf_counter() - start, ", ".join(sorted({d.status.split(" ")[0] for d in done}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--depths", default="1000,5000,20000")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="tp-bench-import-"))
    try:
        print("deep Algolia chain          depth   seconds   comments/s")
        for depth in map(int, args.depths.split(",")):
            payload = tmp / f"deep-{depth}.json"
            payload.write_text(algolia_chain(depth), encoding="utf-8")
            seconds, _ = timed("hn", payload, tmp / f"out-{depth}")
            print(f"{'':27} {depth:>6} {seconds:>9.2f} {depth / seconds:>12,.0f}")
        print("\nwide re-import (merge3)    comments  new    seconds")
        for width in (10_000, 40_000):
            seconds = wide_merge(width)
            print(f"{'':27} {width:>8} {width:>5} {seconds:>9.2f}")
        print("\nreal payload                          size   import  re-import (edited)")
        for source, rel in REAL:
            payload = SHARED / rel
            if not payload.is_file():
                continue
            out = tmp / f"real-{source}"
            first, _ = timed(source, payload, out)
            edit_one(out / source)
            again, status = timed(source, payload, out)
            print(f"{rel[:36]:36} {payload.stat().st_size / 1e6:>5.1f}MB {first:>7.2f}s "
                  f"{again:>7.2f}s  ({status})")
    finally:
        shutil.rmtree(tmp)


def wide_merge(width: int) -> float:
    """Merge a re-import that adds `width` top-level comments between `width` old ones."""
    def thread(ids: list[str]) -> dict:
        return {"title": "Wide", "id": "1", "comments": [{"id": i, "body": i} for i in ids]}

    old = [f"o{i}" for i in range(width)]
    new = [x for i in range(width) for x in (f"o{i}", f"n{i}")]
    start = time.perf_counter()
    merged, counts = merge3(thread(old), thread(old), thread(new))
    assert counts.added == width and len(merged["comments"]) == 2 * width
    return time.perf_counter() - start


def edit_one(folder: Path) -> None:
    """A publisher's edit: retitle the first thread file (plain text edit of its first line)."""
    path = sorted(folder.iterdir())[0]
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[0] = "title: Edited by hand"
    path.write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    main()
