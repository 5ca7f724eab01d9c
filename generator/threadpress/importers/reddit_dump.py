"""Reddit dumps (Pushshift, Arctic Shift): `RS_*`/`RC_*` monthly files or per-subreddit
`*_submissions`/`*_comments` files, JSON Lines, one submission or comment per line.

Each line is mapped by the same functions as the API importer (reddit.to_thread and
reddit.to_comment) and spilled; then one thread file per submission is written under
`<out>/reddit/`, the folder the API importer uses, so both kinds of import meet in one file.
Dump text is entity-escaped like an API payload fetched without raw_json (`&gt;`, `&amp;`).
"""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import ThreadpressError
from . import dumps, reddit
from .common import utc_iso
from .dumpio import Progress, records

SCHEMA = """
CREATE TABLE posts(id TEXT PRIMARY KEY, data TEXT) WITHOUT ROWID;
CREATE TABLE comments(link TEXT, seq INTEGER, data TEXT);
"""
BATCH = 20_000
TEXTS = ("link_id", "parent_id", "author", "body", "subreddit", "permalink", "distinguished",
         "title", "selftext", "url", "link_flair_text")
NUMBERS = ("score", "num_comments")


def run(inputs: list[str], out_dir: Path, fmt: str | None, opts: dumps.Options,
        progress: Progress) -> dumps.Summary:
    """Import the dump files; bad lines are counted, a broken file fails after the writes."""
    summary = dumps.Summary()
    with dumps.Spill(dumps.state_dir(out_dir), SCHEMA) as spill:
        for arg in inputs:
            _read(Path(arg), spill, opts, summary, progress)
        spill.db.execute("CREATE INDEX comments_link ON comments(link, seq)")
        _write_all(spill, Path(out_dir) / "reddit", fmt, ", ".join(inputs), summary, progress)
    return dumps.finish(summary, progress)


def _read(path: Path, spill: dumps.Spill, opts: dumps.Options, summary: dumps.Summary,
          progress: Progress) -> None:
    """Spill one file's records, in batches."""
    posts: list[tuple] = []
    comments: list[tuple] = []
    try:
        for number, d in records(path, summary.bad, progress):
            progress.items += 1
            summary.items += _take(d, str(path), number, opts, summary, posts, comments)
            if len(comments) + len(posts) >= BATCH:
                _flush(spill, posts, comments)
    except ThreadpressError as exc:
        summary.errors.extend(exc.diagnostics)
    _flush(spill, posts, comments)


def _flush(spill: dumps.Spill, posts: list[tuple], comments: list[tuple]) -> None:
    """Append a batch; a comment's sequence number keeps the dumps' order within its thread."""
    spill.db.executemany("INSERT OR REPLACE INTO posts VALUES (?, ?)", posts)
    spill.db.executemany("INSERT INTO comments VALUES (?, ?, ?)",
                         [(link, spill.seq + i, data) for i, (link, data) in enumerate(comments)])
    spill.seq += len(comments)
    posts.clear()
    comments.clear()


def _take(d: dict, name: str, number: int, opts: dumps.Options, summary: dumps.Summary,
          posts: list[tuple], comments: list[tuple]) -> bool:
    """Map one record (True), or count it as filtered out or bad (False)."""
    bad = summary.bad
    if not isinstance(d.get("id"), str) or not d["id"]:
        bad.add(name, number, "no string `id`", ("id",))
        return False
    wrong = dumps.wrong_type(d, TEXTS, NUMBERS)
    if wrong:
        bad.add(name, number, wrong[1], wrong[:1])
        return False
    if "link_id" in d and not _bare(d["link_id"], "t3_"):
        bad.add(name, number, "names no submission", ("link_id",))
        return False
    if opts.subreddits and (d.get("subreddit") or "").lower() not in opts.subreddits:
        summary.skipped += 1
        return False
    for key in ("created_utc", "edited"):  # the mapping passes a bad time on: judge it here
        value = d.get(key)
        if not (key == "edited" and isinstance(value, bool)) and not _is_time(value):
            bad.add(name, number, f"not a time: {value!r}"[:120], (key,))
            return False
    try:
        mapped = _map(d)
    except (ValueError, TypeError, AttributeError, KeyError) as exc:
        # A nested field of a shape no dump has (e.g. poll_data.options holding numbers):
        # one hostile line must not end an import of millions.
        bad.add(name, number, f"a field of an unexpected shape ({type(exc).__name__}: {exc})")
        return False
    if mapped is None:
        bad.add(name, number, "neither a submission (title) nor a comment (link_id)")
        return False
    tid, record = mapped
    if not opts.keeps_time(record.get("created")):
        summary.skipped += 1
        return False
    (posts if "title" in record else comments).append((tid, dumps.packed(record)))
    return True


def _map(d: dict) -> tuple[str, dict] | None:
    """(thread id, comment) for a comment, (its id, thread fields) for a submission."""
    if "link_id" in d:
        return _comment(d)
    if "title" in d or "selftext" in d:
        fields = _post(d)
        return fields["id"], fields
    return None


def _is_time(value: object) -> bool:
    try:
        utc_iso(value)
        return True
    except (ValueError, TypeError, OverflowError):
        return False


def _bare(thing_id: object, prefix: str) -> str:
    """`t3_abc` → `abc` (old dumps sometimes omit the prefix)."""
    return str(thing_id or "").removeprefix(prefix)


def _comment(d: dict) -> tuple[str, dict]:
    link = _bare(d["link_id"], "t3_")
    parent = str(d.get("parent_id") or "")
    post = {"permalink": f"/r/{d.get('subreddit') or 'all'}/comments/{link}/_/"}
    c = reddit.to_comment(d, _bare(parent, "t1_") if parent.startswith("t1_") else None,
                          post, escaped=True)
    if not c.get("parent"):
        c.pop("parent", None)  # `t1_` alone names no comment: top level
    return link, c


def _post(d: dict) -> dict:
    tid = d["id"]
    post = dict(d, title=d.get("title") or f"Reddit post {tid}",
                permalink=d.get("permalink") or
                f"/r/{d.get('subreddit') or 'all'}/comments/{tid}/")
    fields = reddit.to_thread(post, [], {}, escaped=True)
    del fields["comments"]
    return fields


def _write_all(spill: dumps.Spill, folder: Path, fmt: str | None, origin: str,
               summary: dumps.Summary, progress: Progress) -> None:
    """One thread at a time, in id order: its submission (if read) and its comments."""
    db = spill.db
    ids = db.execute("SELECT id FROM posts UNION SELECT link FROM comments ORDER BY 1")
    for (tid,) in dumps.rows(ids):
        row = db.execute("SELECT data FROM posts WHERE id = ?", (tid,)).fetchone()
        fields = json.loads(row[0]) if row else None
        comments = [json.loads(data) for (data,) in db.execute(
            "SELECT data FROM comments WHERE link = ? ORDER BY seq", (tid,))]
        stub = {"title": f"Reddit post {tid}", "id": tid,
                "source": f"{reddit.SITE}/comments/{tid}/", "format": "gfm"}
        dumps.write(folder, tid, fields, comments, stub, fmt, origin, summary)
        progress.threads = summary.threads
        progress.show()
