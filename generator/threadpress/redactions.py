"""Takedowns: `redactions.yaml` at the site root names comments, threads and authors to remove.

The file is checked like a thread file (every problem named by file, line and field, all in
one run). `apply` removes what it names from one loaded thread, in place, before anything is
rendered: a removed comment keeps its id (its place and anchor) and loses its text, author,
link and extras; quoted copies of its text in the thread's other comments become
"[removed]"; a removed author's name is replaced in every text of the thread. A thread that is
removed (by name, or because its author is) is rendered as a short notice (render/pages.py).

`threadpress redact` (redact_files.py) makes the same removals in the thread files and import
records themselves, decided by the same functions (`thread_removal`, `comment_removal`,
`text_change`), and marks what it took down with `removed: <reason>` (an extra, MARK): a file
so marked builds as removed with or without its entry, since the author's name it was matched
by is gone from it.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Callable, Iterator

from .errors import Diagnostic, ThreadpressError
from .model import Comment, Thread
from .parse import locate, parse

REDACTIONS_NAME = "redactions.yaml"
REMOVED = "[removed]"
MARK = "removed"      # the extra `threadpress redact` writes on a comment or thread it took down
QUOTE_MIN = 12        # shorter lines of a removed comment are too common to scrub elsewhere
_SECTIONS = {"comments": ("thread", "id", "reason"), "threads": ("thread", "reason"),
             "authors": ("name", "reason")}
_REQUIRED = {"comments": ("thread", "id"), "threads": ("thread",), "authors": ("name",)}


@dataclass(frozen=True)
class Redactions:
    """What to remove. Threads are named by slug or id; `reason` is "" when none was given."""

    comments: dict[str, dict[str, str]] = field(default_factory=dict)  # thread → id → reason
    threads: dict[str, str] = field(default_factory=dict)              # thread → reason
    authors: dict[str, str] = field(default_factory=dict)              # name → reason
    digest: str = ""                                                   # of all of the above
    file: str = ""
    # where each thread or comment entry is: (thread) or (thread, id) → (field, line)
    places: dict[tuple[str, ...], tuple[tuple, tuple[int, int]]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.comments or self.threads or self.authors)

    def thread_reason(self, thread: Thread) -> str | None:
        """Why the whole thread is removed, or None when it is not."""
        return self.thread_reason_of(thread.slug, thread.id, thread.author)

    def thread_reason_of(self, slug: str, tid: str, author: str | None) -> str | None:
        """thread_reason for a thread known by its slug, id and author (a file not loaded)."""
        for key in (slug, tid):
            if key in self.threads:
                return self.threads[key]
        return self.authors.get(author) if author else None

    def comment_reasons(self, thread: Thread) -> dict[str, str]:
        """The thread's comments named by id (by its slug or by its id)."""
        return self.comment_reasons_of(thread.slug, thread.id)

    def comment_reasons_of(self, slug: str, tid: str) -> dict[str, str]:
        return {**self.comments.get(tid, {}), **self.comments.get(slug, {})}

    @cached_property
    def names(self) -> re.Pattern | None:
        """A removed author's name as a word (or an @mention) in any text."""
        if not self.authors:
            return None
        alts = "|".join(re.escape(n) for n in sorted(self.authors, key=lambda n: (-len(n), n)))
        return re.compile(rf"(?<![\w@])@?(?:{alts})(?![\w])")


def load_redactions(site: Path) -> Redactions:
    """SITE/redactions.yaml, checked; an absent file removes nothing. Raises ThreadpressError."""
    path = site / REDACTIONS_NAME
    if not path.is_file():
        return Redactions()
    name = str(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise ThreadpressError.one(f"not UTF-8 text (offset {e.start})", name, 1, 1) from None
    doc = parse(text, name)
    diags: list[Diagnostic] = []
    red = _check(doc, name, diags)
    if diags:
        where = locate(text, name, [d.field for d in diags])
        for d in diags:
            d.line, d.column = where.get(d.field, (1, 1))
        raise ThreadpressError(diags)
    red_digest = hashlib.blake2b(text.encode("utf-8", "surrogateescape"), digest_size=16)
    return Redactions(red.comments, red.threads, red.authors, red_digest.hexdigest(), name,
                      _places(doc, text, name))


def _places(doc: dict | None, text: str, name: str
            ) -> dict[tuple[str, ...], tuple[tuple, tuple[int, int]]]:
    """Where each thread and comment entry is, for warnings about entries that name nothing."""
    keys: dict[tuple[str, ...], tuple] = {}
    for section in ("threads", "comments"):
        for i, e in enumerate((doc or {}).get(section) or []):
            thread = str(e["thread"]).strip("/")
            keys[(thread, str(e["id"])) if section == "comments" else (thread,)] = (section, i)
    where = locate(text, name, keys.values()) if keys else {}
    return {k: (at, where.get(at, (1, 1))) for k, at in keys.items()}


def unmatched(red: Redactions, names: set[str]) -> list[Diagnostic]:
    """Warnings for entries naming a thread (by slug or id) that is not in `names`."""
    seen = {k[0] for k in red.places}
    return [_warn(red, (thread,) if (thread,) in red.places else
                  next(k for k in red.places if k[0] == thread),
                  f"no thread has the slug or id {thread!r}; this entry removes nothing")
            for thread in sorted(seen - names)]


def _warn(red: Redactions, key: tuple[str, ...], message: str) -> Diagnostic:
    at, (line, column) = red.places.get(key, ((), (1, 1)))
    return Diagnostic(message, red.file, line, column, field=at, warning=True)


def _check(doc: Any, name: str, diags: list[Diagnostic]) -> Redactions:
    red = Redactions()
    if doc is None:
        return red
    if not isinstance(doc, dict):
        diags.append(Diagnostic("expected a mapping with comments, threads and authors lists",
                                name, field=()))
        return red
    for section, items in doc.items():
        if section not in _SECTIONS:
            diags.append(Diagnostic(f"unknown section {section!r} (expected comments, threads "
                                    "or authors)", name, field=(section,)))
            continue
        if items is None:
            continue
        if not isinstance(items, list):
            diags.append(Diagnostic("expected a list", name, field=(section,)))
            continue
        for i, item in enumerate(items):
            entry = _entry(item, section, (section, i), name, diags)
            if entry is not None:
                _add(red, section, entry)
    return red


def _entry(item: Any, section: str, at: tuple, name: str, diags: list[Diagnostic]
           ) -> dict[str, str] | None:
    keys = _SECTIONS[section]
    if not isinstance(item, dict):
        diags.append(Diagnostic(f"expected a mapping with {', '.join(keys)}", name, field=at))
        return None
    entry: dict[str, str] = {}
    ok = True
    for key, value in item.items():
        if key not in keys:
            diags.append(Diagnostic(f"unknown key {key!r} (expected {', '.join(keys)})", name,
                                    field=at + (key,)))
            ok = False
        elif isinstance(value, bool) or not isinstance(value, (str, int)) or not str(value).strip():
            diags.append(Diagnostic("expected a non-empty string", name, field=at + (key,)))
            ok = False
        else:
            entry[key] = str(value)
    for key in _REQUIRED[section]:
        if key not in item:
            diags.append(Diagnostic(f"`{key}` is required", name, field=at))
            ok = False
    return entry if ok else None


def _add(red: Redactions, section: str, e: dict[str, str]) -> None:
    reason = e.get("reason", "")
    if section == "comments":
        red.comments.setdefault(e["thread"].strip("/"), {})[e["id"]] = reason
    elif section == "threads":
        red.threads[e["thread"].strip("/")] = reason
    else:
        red.authors[e["name"]] = reason


# --- applying them ------------------------------------------------------------------------------

def missing_comments(thread: Thread, red: Redactions) -> list[Diagnostic]:
    """Warnings for comment entries that name no comment of the thread (none when the whole
    thread is removed): what `apply` returns, for `check`, which applies nothing."""
    if not red or red.thread_reason(thread) is not None:
        return []
    return [_warn(red, (name, cid) if (name, cid) in red.places else (thread.id, cid),
                  f"thread {thread.slug!r} has no comment {cid!r}; this entry removes nothing")
            for name in dict.fromkeys((thread.id, thread.slug))
            for cid in red.comments.get(name, {})
            if cid not in thread.positions]


def apply(thread: Thread, red: Redactions) -> list[Diagnostic]:
    """Remove from one thread, in place, what the redactions name, and what its file marks as
    removed (see the module's doc); returns warnings for comment entries that name no comment
    of the thread."""
    reason = thread_removal(red, thread.slug, thread.id, thread.author, thread.extra)
    if reason is not None:
        thread.removed = reason
        return []
    by_id = red.comment_reasons(thread)
    missing = missing_comments(thread, red)
    gone: list[str] = []
    for c in thread.comments:
        why = comment_removal(red, by_id, c.id, c.author, c.extra)
        if why is not None:
            if c.body:
                gone.append(c.body)
            remove_comment(c, why)
    scrub = text_change(red, gone)
    if scrub is not None:
        rewrite_texts(thread, scrub)
    if red.authors:
        drop_urls(thread, red.authors)
    return missing


def marked(extra: dict[str, Any]) -> str | None:
    """The reason a `removed:` mark in a file gives (`true`: none), or None when unmarked."""
    value = extra.get(MARK)
    return "" if value is True else value if isinstance(value, str) else None


def thread_removal(red: Redactions, slug: str, tid: str, author: str | None,
                   extra: dict[str, Any]) -> str | None:
    """Why a whole thread is removed (an entry first, then its file's mark), or None."""
    reason = red.thread_reason_of(slug, tid, author)
    return marked(extra) if reason is None else reason


def comment_removal(red: Redactions, by_id: dict[str, str], cid: str, author: str | None,
                    extra: dict[str, Any]) -> str | None:
    """Why one comment is removed — named by id, by its author, or marked — or None."""
    why = by_id.get(cid)
    if why is None and author is not None:
        why = red.authors.get(author)
    return marked(extra) if why is None else why


def text_change(red: Redactions, gone: list[str]) -> Callable[[str], str] | None:
    """The change to every other text of a thread: quoted copies of the removed comments'
    bodies (`gone`) and removed authors' names become "[removed]"; None when nothing would."""
    scrub = _quote_scrubber(gone)
    if red.names is not None:
        names = red.names
        scrub = _chain(scrub, lambda s: names.sub(REMOVED, s))
    return scrub


def drop_urls(thread: Thread, names: set[str] | dict[str, Any]) -> None:
    """Links that carry a name in their path (Mastodon's `/@name/…`) are dropped with it."""
    thread.url = None if names_in(thread.url, names) else thread.url
    thread.source = None if names_in(thread.source, names) else thread.source
    for c in thread.comments:
        if names_in(c.url, names):
            c.url = None


_URL_PARTS = re.compile(r"[/?#&=]")


def names_in(url: str | None, names: set[str] | dict[str, Any]) -> bool:
    """Whether a URL has a name as one of its parts (a path segment, `@name`, a query value)."""
    return bool(url) and any(p.lstrip("@~") in names for p in _URL_PARTS.split(url))


def remove_comment(c: Comment, reason: str) -> None:
    """A comment emptied of everything but its place: id, parent, time."""
    c.removed = reason
    c.deleted = True
    c.author = None
    c.body = ""
    c.url = None
    c.score = None
    c.edited = None
    c.extra = {}


def rewrite_texts(thread: Thread, change: Callable[[str], str]) -> None:
    """Apply a text change to every text of a thread a reader sees: title, bodies, extras."""
    thread.title = change(thread.title)
    thread.body = change(thread.body)
    thread.extra = rewrite_extra(thread.extra, change)
    for c in thread.comments:
        if c.body:
            c.body = change(c.body)
        if c.extra:
            c.extra = rewrite_extra(c.extra, change)


def rewrite_extra(extra: dict[str, Any], change: Callable[[str], str]) -> dict[str, Any]:
    """Extras are any source's data (mentions, poll options…): changed as their JSON text, a
    flat pass with no walk over their nesting; dropped when the change breaks the JSON."""
    if not extra:
        return extra
    text = json.dumps(extra, ensure_ascii=False, sort_keys=False, default=str)
    new = change(text)
    if new == text:
        return extra
    try:
        out = json.loads(new)
    except ValueError:
        return {}
    return out if isinstance(out, dict) else {}


_HTML_TAG = re.compile(r"<[^>]*>")
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n")


def _units(text: str) -> Iterator[str]:
    """A text's lines and sentences (tags end one too), without quote marks around them."""
    for part in _SENTENCE.split(_HTML_TAG.sub("\n", text)):
        part = part.strip().lstrip("> ").strip()
        if len(part) >= QUOTE_MIN:
            yield part


def _quote_scrubber(bodies: list[str]) -> Callable[[str], str] | None:
    """Replaces quoted copies of removed text (any line or sentence of it, long enough to be
    more than a common phrase) with "[removed]". Set lookups, not one regex of every removed
    sentence: linear in the text, and nothing to compile per thread."""
    units = {u for body in bodies for u in _units(body)}
    if not units:
        return None

    def scrub(text: str) -> str:
        for part in dict.fromkeys(_units(text)):
            if part in units:
                text = text.replace(part, REMOVED)
        return text
    return scrub


def _chain(first: Callable[[str], str] | None, second: Callable[[str], str]
           ) -> Callable[[str], str]:
    if first is None:
        return second
    return lambda s: second(first(s))
