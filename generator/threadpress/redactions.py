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

import bisect
import functools
import hashlib
import html
import json
import os
import re
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import Any, Callable, Iterable, Iterator
from urllib.parse import unquote

from . import sitefs
from .errors import Diagnostic, ThreadpressError
from .model import Comment, Thread
from .parse import locate, parse

REDACTIONS_NAME = "redactions.yaml"
REMOVED = "[removed]"
CACHE = ".threadpress/takedowns.json"   # each thread file's removed text (`site_texts`)
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
    # word runs of the text the site's other threads remove (`site_texts`): quotes of it in
    # any thread become "[removed]"
    quoted: frozenset[str] = frozenset()

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
        return self.author_reason(author)

    def author_reason(self, author: str | None) -> str | None:
        """Why an author's posts are removed (the name in any capitals), or None."""
        return self.folded_authors.get(author.casefold()) if author else None

    @cached_property
    def folded_authors(self) -> dict[str, str]:
        return {n.casefold(): r for n, r in sorted(self.authors.items(), reverse=True)}

    def comment_reasons(self, thread: Thread) -> dict[str, str]:
        """The thread's comments named by id (by its slug or by its id)."""
        return self.comment_reasons_of(thread.slug, thread.id)

    def comment_reasons_of(self, slug: str, tid: str) -> dict[str, str]:
        return {**self.comments.get(tid, {}), **self.comments.get(slug, {})}

    @cached_property
    def names(self) -> "Names | None":
        """A removed author's name, however it is written (see `Names`)."""
        return Names(self.authors) if self.authors else None


def load_redactions(site: Path) -> Redactions:
    """SITE/redactions.yaml, checked, with the text it removes from SITE/content (`site_texts`,
    cached in SITE/.threadpress); an absent file removes nothing. Raises ThreadpressError."""
    red = read_redactions(site)
    return site_texts(red, site / "content", site / CACHE) if red else red


def read_redactions(site: Path) -> Redactions:
    """SITE/redactions.yaml, checked, alone. Raises ThreadpressError."""
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
        renames = {c.id: new for c in thread.comments for new in [new_id(red, c.id, True)] if new}
        if renames:   # its comments' addresses still serve the notice: not under their old ids
            rename_comments(thread, renames)
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
    renames = {old: new for c in thread.comments
               for old, new in [(c.id, new_id(red, c.id, c.removed is not None)),
                                (c.missing_parent, c.missing_parent and
                                 new_id(red, c.missing_parent, False))] if new}
    if renames:
        rename_comments(thread, renames)
    scrub = text_change(red, gone, renames)
    if scrub is not None:
        rewrite_texts(thread, scrub)
        thread.tags = kept_tags(thread.tags, scrub)
    if red.authors:
        drop_urls(thread, red.authors)
    return missing


def new_id(red: Redactions, cid: str, removed: bool) -> str | None:
    """The id a comment takes instead of `cid`, or None when it keeps it. An id is an address
    (the comment's page, its anchor, the sitemap, thread.json): one that holds a removed name,
    or a removed comment's id that is a mail's Message-ID (`<…@host>`, made of the sender's
    address or host), is a trace of what was removed and is replaced by a hash of it. Links
    to the old address no longer land; a number or an opaque id stays, and so does its
    anchor."""
    if (removed and "@" in cid) or (red.names is not None and red.names.search(cid)):
        return "removed-" + hashlib.blake2b(cid.encode("utf-8", "surrogatepass"),
                                            digest_size=6).hexdigest()
    return None


def rename_comments(thread: Thread, renames: dict[str, str]) -> None:
    """Comments' ids changed in place, with every link to them (parents, children, the
    position map); a missing parent's id that `renames` names too."""
    for c in thread.comments:
        c.id = renames.get(c.id, c.id)
        if c.parent is not None:
            c.parent = renames.get(c.parent, c.parent)
        if c.missing_parent is not None:
            c.missing_parent = renames.get(c.missing_parent, c.missing_parent)
        c.children = [renames.get(k, k) for k in c.children]
    thread.positions = {c.id: i for i, c in enumerate(thread.comments)}


def kept_tags(tags: list[str], change: Callable[[str], str]) -> list[str]:
    """The tags a takedown leaves: a tag that holds removed text or a name is dropped (a tag
    is an address, /tags/<tag>/: "[removed]" would gather unrelated threads there)."""
    return [t for t in tags if change(t) == t]


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
    if why is None:
        why = red.author_reason(author)
    return marked(extra) if why is None else why


def text_change(red: Redactions, gone: list[str], renames: dict[str, str] | None = None
                ) -> Callable[[str], str] | None:
    """The change to every other text of a thread: copies of removed text — the removed
    comments' bodies (`gone`), and what the site's other threads remove (`red.quoted`) — and
    removed authors' names become "[removed]"; None when nothing would."""
    scrub = _quote_scrubber(frozenset(quote_keys(gone)), red.quoted)
    if renames:   # `>>id` links and mentions of a renamed comment's id (before the names)
        scrub = _chain(scrub, lambda s: _renamed(s, renames))
    if red.names is not None:
        names = red.names
        scrub = _chain(scrub, names.sub)
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
    """Whether a URL has a name as one of its parts (a path segment, `@name`, `~name`, a query
    value), however it is escaped or capitalised."""
    if not url:
        return False
    folded = {n.casefold() for n in names}
    return any(p.lstrip("@~").casefold() in folded
               for p in _URL_PARTS.split(Decoded(url).text))


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


# --- matching what a text says, however it is written -------------------------------------------
# A copy of removed text, or a removed name, may be written in another form than the original:
# entities (`&#109;alloryx`), URL escapes (`%6dalloryx`), JSON and JS escapes (`\u006d`), other
# capitals, Markdown or HTML around its words, other line breaks. Matching is done on the
# decoded text (`Decoded`), case-insensitively, word by word; what matched is replaced in the
# text as written, so a match that began inside an escape removes the whole escape.

_ESCAPE = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});?"
                     r"|(?:%[0-9A-Fa-f]{2})+|\\u[0-9a-fA-F]{4}|\\x[0-9a-fA-F]{2}|\\[nrt\"/\\]")
_JSON_ESCAPES = {"\\n": "\n", "\\r": "\r", "\\t": "\t", '\\"': '"', "\\/": "/", "\\\\": "\\"}
_DECODE_ROUNDS = 3     # `%26%23109%3B` is `&#109;` is `m`: escapes of escapes, a few deep


def _unescape(piece: str) -> str:
    if piece[0] == "&":
        return html.unescape(piece)
    if piece[0] == "%":
        return unquote(piece, errors="replace")
    if piece in _JSON_ESCAPES:
        return _JSON_ESCAPES[piece]
    return chr(int(piece[2:], 16))


class _Layer:
    """One round of decoding: the decoded text and where each of its pieces came from."""

    def __init__(self, text: str) -> None:
        out: list[str] = []
        self.dec: list[int] = []     # where each piece starts in the decoded text
        self.src: list[int] = []     # … and in the text it was decoded from
        self.end: list[int] = []     # where it ends there
        self.plain: list[bool] = []  # copied as it is (positions inside it map one to one)
        at = done = 0
        for m in _ESCAPE.finditer(text):
            if m.start() > done:
                self._piece(at, done, m.start(), True)
                out.append(text[done:m.start()])
                at += m.start() - done
            value = _unescape(m.group())
            self._piece(at, m.start(), m.end(), value == m.group())
            out.append(value)
            at += len(value)
            done = m.end()
        if done < len(text) or not self.dec:
            self._piece(at, done, len(text), True)
            out.append(text[done:])
        self.text = "".join(out)

    def _piece(self, dec: int, src: int, end: int, plain: bool) -> None:
        self.dec.append(dec)
        self.src.append(src)
        self.end.append(end)
        self.plain.append(plain)

    def start(self, a: int) -> int:
        i = bisect.bisect_right(self.dec, a) - 1
        return self.src[i] + (a - self.dec[i] if self.plain[i] else 0)

    def stop(self, b: int) -> int:
        i = max(0, bisect.bisect_left(self.dec, b) - 1)
        return min(self.end[i], self.src[i] + (b - self.dec[i])) if self.plain[i] \
            else self.end[i]


class Decoded:
    """A text with its escapes decoded (a few rounds deep), and the span of the original text
    that any span of the decoded one came from."""

    def __init__(self, text: str) -> None:
        self.layers: list[_Layer] = []
        while len(self.layers) < _DECODE_ROUNDS and _ESCAPE.search(text):
            layer = _Layer(text)
            if layer.text == text:
                break
            self.layers.append(layer)
            text = layer.text
        self.text = text

    def span(self, a: int, b: int) -> tuple[int, int]:
        for layer in reversed(self.layers):
            a, b = layer.start(a), layer.stop(b)
        return a, b


def replace_spans(text: str, spans: list[tuple[int, int]], by: str = REMOVED) -> str:
    """`text` with each span (of the original text; overlaps merged) replaced by `by`."""
    if not spans:
        return text
    merged: list[list[int]] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    out, done = [], 0
    for a, b in merged:
        out += [text[done:a], by]
        done = b
    out.append(text[done:])
    return "".join(out)


def replace_each(text: str, spans: list[tuple[int, int, str]]) -> str:
    """`text` with each span (of the original text) replaced by its own string; a span that
    overlaps an earlier one widens it, which keeps the earlier one's string."""
    merged: list[list] = []
    for a, b, by in sorted(spans):
        if merged and a < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b, by])
    out, done = [], 0
    for a, b, by in merged:
        out += [text[done:a], by]
        done = b
    out.append(text[done:])
    return "".join(out)


# An attribution line ("Mallory <m@example.org> wrote:", "On Mon, … Mallory wrote:"), whole:
# when it holds a removed name, the address and the rest of it go with the name.
_ATTRIBUTION = re.compile(r"(?m)^[ \t>]*(?=\S)([^\n]{1,300}?(?:\b(?:wrote|writes|écrit|schrieb|"
                          r"escribió|scrisse|skrev|napisał|kirjoitti|schreef)\b[^\n]{0,80}?"
                          r"|@[^\n]{0,200}?):[ \t]*$)", re.I)
# Before a name: a mention's mark (@name, ~name, u/name, /u/name); after it: its mail address.
_BEFORE = r"(@|~|/?u/)?"      # group 1: the mark; group 2 is the name
_AFTER = r"(?:@[\w-]+(?:\.[\w-]+)+|\"?[ \t]*<[^<>\s]*@[^<>\s]*>|[ \t]*\([^()\s]*@[^()\s]*\))?"


class Names:
    """Removed authors' names as words in any text, however written (decoded, any capitals,
    any white space between the words of a name), with a mention's mark before one and a mail
    address after; a mail's attribution line that holds one is removed whole."""

    def __init__(self, names: Iterable[str]) -> None:
        self.folded = {n.casefold() for n in names}
        alts = "|".join(r"\s+".join(map(re.escape, n.split()))
                        for n in sorted(names, key=lambda n: (-len(n), n)) if n.strip())
        self.pattern = re.compile(rf"(?<!\w){_BEFORE}({alts})(?!\w){_AFTER}", re.I)

    def spans(self, decoded: str) -> list[tuple[int, int]]:
        """Where the names are in a decoded text, attribution lines widened to the whole."""
        found = [m.span() for m in self.pattern.finditer(decoded)]
        if found and ":" in decoded:
            for m in _ATTRIBUTION.finditer(decoded):
                if any(m.start(1) <= a < m.end(1) for a, _ in found):
                    found.append(m.span(1))
        return found

    def search(self, text: str) -> bool:
        return bool(self.pattern.search(Decoded(text).text))

    def rename(self, text: str, by: Callable[[str], str]) -> str:
        """`text` with every name, and the mail address after it, replaced by `by(name)`
        (a mention keeps its mark: `@name` → `@` + `by(name)`); `by` is given the name as it
        matched, decoded, its white space made single spaces. Attribution lines keep their
        other words: a pseudonym says who wrote, as the name did."""
        d = Decoded(text)
        found = [(*d.span(m.start(2), m.end()), by(" ".join(m.group(2).split())))
                 for m in self.pattern.finditer(d.text)]
        return replace_each(text, found) if found else text

    def sub(self, text: str) -> str:
        """`text` with every removed name (and what carries it) replaced by "[removed]"."""
        d = Decoded(text)
        spans = self.spans(d.text)
        return replace_spans(text, [d.span(a, b) for a, b in spans]) if spans else text


# --- quotes of removed text ---------------------------------------------------------------------
# Removed text is matched word by word: its words, case-folded, with whatever lies between
# them (spaces, line breaks, `>` marks, Markdown, tags, entities) ignored. What counts as a
# copy: any QUOTE_WORDS words of it in a row, or a whole line or sentence of it that is
# shorter, or the whole of it — always at least QUOTE_MIN characters. Shorter runs are too
# common a phrase to remove wherever they are written.

QUOTE_WORDS = 6
_WORD = re.compile(r"\w+")
_MARKUP = re.compile(r"</?[A-Za-z][^<>]{0,500}>|\]\([^()\s]{0,2000}\)")   # tags, link targets
_UNIT = re.compile(r"(?<=[.!?])\s+|\n")


def _words(text: str) -> list[tuple[str, int, int]]:
    """(folded word, start, end) of each word of a decoded text, markup skipped."""
    out: list[tuple[str, int, int]] = []
    done = 0
    for m in _MARKUP.finditer(text):
        out += [(w.group().casefold(), done + w.start(), done + w.end())
                for w in _WORD.finditer(text, done, m.start())]
        done = m.end()
    out += [(w.group().casefold(), w.start(), w.end()) for w in _WORD.finditer(text, done)]
    return out


def _key(words: list[tuple[str, int, int]]) -> str:
    """A run of words by a hash of it: the build state keeps these (never the removed words),
    and a hash holds no word a reader could find."""
    text = " ".join(w for w, _, _ in words)
    digest = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()
    return f"{len(words)}.{digest}"


def quote_keys(texts: Iterable[str]) -> set[str]:
    """What `quotes` looks for: the word runs of the removed texts that count as a copy."""
    keys: set[str] = set()
    for text in texts:
        decoded = Decoded(text).text
        words = _words(decoded)
        keys.update(_key(words[i:i + QUOTE_WORDS]) for i in range(len(words) - QUOTE_WORDS + 1))
        parts = [words] if len(words) < QUOTE_WORDS else []
        done = 0
        for m in _UNIT.finditer(decoded + "\n"):
            parts.append([w for w in words if done <= w[1] < m.start()])
            done = m.end()
        keys.update(_key(p) for p in parts if 0 < len(p) < QUOTE_WORDS
                    and p[-1][2] - p[0][1] >= QUOTE_MIN)
    return keys


def _quote_spans(decoded: str, known: Callable[[str], bool], lengths: set[int]
                 ) -> list[tuple[int, int]]:
    words = _words(decoded)
    spans = []
    for i in range(len(words)):
        for n in lengths:
            run = words[i:i + n]
            if len(run) == n and run[-1][2] - run[0][1] >= QUOTE_MIN and known(_key(run)):
                spans.append((run[0][1], run[-1][2]))
    return spans


@functools.lru_cache(maxsize=8)   # the site's set is the same for every thread of a build
def _lengths(keys: frozenset[str]) -> frozenset[int]:
    return frozenset(int(k.partition(".")[0]) for k in keys)


def _quote_scrubber(*key_sets: set[str] | frozenset[str]) -> Callable[[str], str] | None:
    """Replaces copies of removed text (see QUOTE_WORDS) with "[removed]": linear in the text
    (a set lookup for each word and each run length), nothing compiled per thread."""
    sets = [k for k in key_sets if k]
    if not sets:
        return None
    lengths = set().union(*map(_lengths, sets))
    known = sets[0].__contains__ if len(sets) == 1 else lambda k: any(k in s for s in sets)

    def scrub(text: str) -> str:
        d = Decoded(text)
        spans = _quote_spans(d.text, known, lengths)
        return replace_spans(text, [d.span(a, b) for a, b in spans]) if spans else text
    return scrub


def _renamed(text: str, renames: dict[str, str]) -> str:
    for old, new in renames.items():
        if old in text:
            text = text.replace(old, new)
    return text


def _chain(first: Callable[[str], str] | None, second: Callable[[str], str]
           ) -> Callable[[str], str]:
    if first is None:
        return second
    return lambda s: second(first(s))


# --- removed text quoted in other threads ----------------------------------------------------------

def site_texts(red: Redactions, content: Path, cache: Path | None = None) -> Redactions:
    """`red` with `quoted`: the word runs (QUOTE_WORDS) of every text the site's thread files
    remove — removed comments' bodies, and the title, body and comments of removed threads —
    so that a quote of one in any other thread is removed too. Its digest covers them: when a
    removed text changes, every thread is rendered again. `cache` (a file beside the build
    state) keeps each file's runs by a hash of its bytes, so only changed files are loaded
    again; it is only an optimisation, and a cache that does not parse is ignored."""
    if not (red.comments or red.threads or red.authors) or not content.is_dir():
        return red
    from .load import content_walk, load_bytes

    old = _read_cache(cache, red.digest)
    new: dict[str, list] = {}
    for path in content_walk(content).files:
        rel = path.relative_to(content).as_posix()
        try:
            data = sitefs.read_bytes(path)
        except ThreadpressError:
            continue   # the build names it
        digest = hashlib.blake2b(data, digest_size=16).hexdigest()
        keys = old.get(rel, (None, None))[1] if old.get(rel, (None,))[0] == digest else None
        if keys is None:
            thread, _ = load_bytes(data, rel, PurePosixPath(rel).with_suffix("").as_posix())
            keys = sorted(quote_keys(removed_texts(thread, red))) if thread is not None else []
        new[rel] = [digest, keys]
    _write_cache(cache, red.digest, new)
    quoted = frozenset(k for _, keys in new.values() for k in keys)
    h = hashlib.blake2b(f"{red.digest}\0".encode(), digest_size=16)
    for k in sorted(quoted):
        h.update(k.encode("utf-8", "surrogatepass") + b"\0")
    return replace(red, quoted=quoted, digest=h.hexdigest())


def removed_texts(thread: Thread, red: Redactions) -> list[str]:
    """What the takedowns remove of one thread, as text: all of it when the thread is
    removed, else its removed comments' bodies."""
    if thread_removal(red, thread.slug, thread.id, thread.author, thread.extra) is not None:
        return [thread.title, thread.body, *(c.body for c in thread.comments if c.body)]
    by_id = red.comment_reasons(thread)
    return [c.body for c in thread.comments if c.body and
            comment_removal(red, by_id, c.id, c.author, c.extra) is not None]


def _read_cache(cache: Path | None, digest: str) -> dict[str, tuple[str, list[str]]]:
    try:
        doc = json.loads(cache.read_text(encoding="utf-8")) if cache else None
    except (OSError, ValueError):
        return {}
    if not isinstance(doc, dict) or doc.get("digest") != digest or \
            not isinstance(doc.get("files"), dict):
        return {}
    return {rel: (v[0], v[1]) for rel, v in doc["files"].items()
            if isinstance(v, list) and len(v) == 2 and isinstance(v[0], str)
            and isinstance(v[1], list) and all(isinstance(k, str) for k in v[1])}


def _write_cache(cache: Path | None, digest: str, files: dict[str, list]) -> None:
    if cache is None or any(p.is_symlink() for p in (cache, cache.parent)):
        return   # never written through a link: it could lead out of the site
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_name(f".{cache.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"digest": digest, "files": files}, ensure_ascii=False),
                       encoding="utf-8")
        os.replace(tmp, cache)
    except OSError:
        pass   # a cache that cannot be written costs time at the next build, nothing else
