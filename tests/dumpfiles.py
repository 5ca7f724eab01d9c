"""Small dump files for the dump importers' tests, in every compression the dumps come in."""

from __future__ import annotations

import bz2
import gzip
import json
import lzma
from pathlib import Path
from typing import Iterable

import yaml
import zstandard

SUFFIX = {"plain": ".jsonl", "gzip": ".jsonl.gz", "bz2": ".jsonl.bz2", "xz": ".jsonl.xz",
          "zstd": ".zst", "zstd-long": ".zst"}
LONG_WINDOW_LOG = 28  # a 256 MB window, over zstandard's default limit of 2**27, as the dumps


def lines(records: Iterable[dict | str]) -> bytes:
    """JSON Lines; a str is written as it is (a bad line)."""
    return b"".join((r if isinstance(r, str) else json.dumps(r)).encode() + b"\n"
                    for r in records)


def compress(data: bytes, kind: str) -> bytes:
    if kind == "plain":
        return data
    if kind == "gzip":
        return gzip.compress(data)
    if kind == "bz2":
        return bz2.compress(data)
    if kind == "xz":
        return lzma.compress(data)
    if kind == "zstd":
        return zstandard.ZstdCompressor().compress(data)
    # Streamed (size unknown) so the frame keeps its long window, as `zstd --long=31` does.
    params = zstandard.ZstdCompressionParameters(window_log=LONG_WINDOW_LOG, enable_ldm=True)
    cobj = zstandard.ZstdCompressor(compression_params=params).compressobj()
    return cobj.compress(data) + cobj.flush()


def write(folder: Path, stem: str, records: Iterable[dict | str], kind: str = "plain") -> Path:
    """Write records as a dump file; returns its path."""
    path = folder / f"{stem}{SUFFIX[kind]}"
    path.write_bytes(compress(lines(records), kind))
    return path


# --- Reddit records across the years' field variants ------------------------------------------

def submission(sid: str, **fields) -> dict:
    d = {"id": sid, "title": f"Post {sid}", "selftext": "", "author": "op",
         "created_utc": 1600000000, "score": 10, "num_comments": 2, "is_self": True,
         "subreddit": "test", "permalink": f"/r/test/comments/{sid}/post_{sid}/",
         "url": f"https://www.reddit.com/r/test/comments/{sid}/post_{sid}/"}
    d.update(fields)
    return {k: v for k, v in d.items() if v is not ...}


def reddit_comment(cid: str, link: str, parent: str | None = None, **fields) -> dict:
    d = {"id": cid, "link_id": f"t3_{link}", "parent_id": f"t1_{parent}" if parent else f"t3_{link}",
         "author": "someone", "body": f"comment {cid}", "created_utc": 1600000100, "score": 1,
         "edited": False, "distinguished": None, "subreddit": "test"}
    d.update(fields)
    return {k: v for k, v in d.items() if v is not ...}


def parsed(path: Path) -> dict:
    """A thread file, YAML or JSON, as data."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        return json.loads(text)
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
