"""`threadpress redact`: apply redactions.yaml to the thread files and import records themselves.

The build removes what redactions.yaml names from every page it makes (redactions.py), but the
text stays in `content/` and `content/_imports/`, which an archive on GitHub Pages publishes as
a public repository. This module makes the same removals in those files, in place:

- a removed comment keeps its id, its place (`parent`, `replies`), its time and format; its
  author, body, score, links and extras go, and it is marked `deleted: true` and
  `removed: <reason>` (`true` when the entry gives none);
- a removed thread (named, or by a removed author) keeps its id, slug, aliases and its comments'
  ids and places, so that its addresses still serve the notice: its title becomes `[removed]`
  and everything else goes. It is blanked, not deleted: deleting it would also delete those
  notices, and turn its entry into a warning that it names nothing;
- quoted copies of removed text and removed authors' names become `[removed]`, and links that
  carry a name are dropped, in every other text (title, bodies, extras).

What is removed is decided by the functions the build uses (redactions.thread_removal,
comment_removal, text_change), and before a thread file is written its new text is loaded and
taken down as the build would: the result must equal that of the old text, or nothing is
written. So a build after `redact` makes the same bytes as before it; the `removed:` marks keep
that so when the author's name, which matched an author entry, is gone from the file.

Re-imports keep it so: `import` applies the same takedowns to what it writes (`for_import`).
Running `redact` again finds nothing to do.

Nothing is written unless every file to change can be (each one that cannot is named), so a
site is never left with a thread file redacted and its import record not; a link is written
through to the file it names, and each file keeps its permission bits.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Callable, Iterator

from . import redactions, sitefs
from .errors import Diagnostic, ThreadpressError, plural
from .importers.common import _write as write_atomic
from .importers.common import dump, parse_json
from .load import COMMENT_KEYS, SUFFIXES, THREAD_KEYS, content_walk, display_path, load_bytes
from .model import Thread
from .parse import parse
from .redactions import MARK, REMOVED, Redactions

RECORDS = "_imports"   # importers/reimport.py: <folder>/_imports/<source>/<stem>.json
# what a removed comment keeps (redactions.remove_comment keeps the same, in the build)
_COMMENT_KEPT = ("id", "parent", "created", "format", "deleted", "dead")
_THREAD_KEPT = ("id", "slug", "aliases")


@dataclass
class Tally:
    """What redacting one document changed."""

    comments: int = 0     # comments emptied (or their mark's reason updated)
    threads: int = 0      # whole threads blanked
    texts: int = 0        # other texts that lost a quote, a name or a link

    def __bool__(self) -> bool:
        return bool(self.comments or self.threads or self.texts)

    def parts(self) -> list[str]:
        """`2 comments`, `1 thread`, `3 other texts (…)`: the comments always."""
        parts = [plural(self.comments, "comment")]
        if self.threads:
            parts.append(plural(self.threads, "thread"))
        if self.texts:
            parts.append(f"{plural(self.texts, 'other text')} (quotes, names, links)")
        return parts

    def add(self, other: "Tally") -> None:
        self.comments += other.comments
        self.threads += other.threads
        self.texts += other.texts


# --- one document ---------------------------------------------------------------------------

def redact_doc(doc: dict, slug: str, default_id: str, red: Redactions) -> Tally:
    """Apply the takedowns to one parsed thread (a thread file's, or an import record's
    `thread`), in place, as redactions.apply does to a loaded one; `default_id` is the id the
    loader gives a file without `id` (its name)."""
    tally = Tally()
    tid = _ident(doc.get("id")) or default_id
    reason = redactions.thread_removal(red, slug, tid, _text(doc.get("author")),
                                       _extras(doc, THREAD_KEYS))
    if reason is not None:
        tally.threads += _blank_thread(doc, reason)
        _rename_ids(doc, red, lambda c: True)
        return tally
    by_id = red.comment_reasons_of(slug, tid)
    gone: list[str] = []
    for c in comments_of(doc):
        why = redactions.comment_removal(red, by_id, _ident(c.get("id")) or "",
                                         _text(c.get("author")), _extras(c, COMMENT_KEYS))
        if why is not None:
            body = c.get("body")
            if isinstance(body, str) and body:
                gone.append(body)
            tally.comments += _blank_comment(c, why)
    renames = _rename_ids(doc, red, lambda c: MARK in c)
    change = redactions.text_change(red, gone, renames)
    if change is not None:
        tally.texts += _rewrite_texts(doc, change)
        tags = doc.get("tags")
        if isinstance(tags, list) and all(isinstance(t, str) for t in tags):
            kept = redactions.kept_tags(tags, change)
            if kept != tags:
                doc["tags"] = kept
                tally.texts += 1
    if red.authors:
        tally.texts += _drop_urls(doc, red.authors)
    return tally


def _rename_ids(doc: dict, red: Redactions, removed: Callable[[dict], bool]) -> dict[str, str]:
    """redactions.new_id for each comment of a parsed thread: its `id` and the `parent` of each
    of its replies changed, in place (nested replies follow by their place). Returns the map."""
    renames = {}
    for c in comments_of(doc):
        cid, parent = _ident(c.get("id")), _ident(c.get("parent"))
        for old, new in [(cid, cid and redactions.new_id(red, cid, removed(c))),
                         (parent, parent and redactions.new_id(red, parent, False))]:
            if new and old not in renames:
                renames[old] = new
    if renames:
        for c in comments_of(doc):
            for key in ("id", "parent"):
                value = _ident(c.get(key))
                if value in renames:
                    c[key] = renames[value]
    return renames


def comments_of(doc: dict) -> Iterator[dict]:
    """Every comment mapping of a thread, nested `replies` too, in file order, without
    recursion (a hand-written file may nest hundreds of levels)."""
    stack: list[Iterator[Any]] = [iter(_list(doc.get("comments")))]
    while stack:
        c = next(stack[-1], None)
        if c is None:
            stack.pop()
            continue
        if isinstance(c, dict):
            yield c
            stack.append(iter(_list(c.get("replies"))))


def _blank_comment(c: dict, reason: str) -> bool:
    """Empty one comment mapping to its place and the mark; whether that changed it."""
    out = {k: v for k, v in c.items() if k in _COMMENT_KEPT}
    out["deleted"] = True
    out[MARK] = reason or True
    if "replies" in c:
        out["replies"] = c["replies"]
    return _replace(c, out)


def _blank_thread(doc: dict, reason: str) -> bool:
    """Empty a whole thread to its routes: ids, slug, aliases, and its comments' places."""
    for c in comments_of(doc):
        out = {k: v for k, v in c.items() if k in ("id", "parent")}
        out["deleted"] = True
        if "replies" in c:
            out["replies"] = c["replies"]
        _replace(c, out)
    out = {"title": REMOVED, **{k: v for k, v in doc.items() if k in _THREAD_KEPT}}
    out[MARK] = reason or True
    if "comments" in doc:
        out["comments"] = doc["comments"]
    return _replace(doc, out)


def _replace(d: dict, new: dict) -> bool:
    """Make `d` hold exactly `new` (in its key order); whether anything changed."""
    if list(d.items()) == list(new.items()):
        return False
    d.clear()
    d.update(new)
    return True


def _rewrite_texts(doc: dict, change: Callable[[str], str]) -> int:
    """redactions.rewrite_texts for a parsed thread: title, body and extras of the thread and
    of every comment. Returns how many mappings changed."""
    changed = 0
    for d, known, texts in [(doc, THREAD_KEYS, ("title", "body"))] + \
            [(c, COMMENT_KEYS, ("body",)) for c in comments_of(doc)]:
        before = list(d.items())
        for key in texts:
            value = d.get(key)
            if isinstance(value, str) and value:
                d[key] = change(value)
        extra = _extras(d, known)
        if extra:
            _set_extras(d, known, redactions.rewrite_extra(extra, change))
        changed += before != list(d.items())
    return changed


def _set_extras(d: dict, known: frozenset[str], extra: dict) -> None:
    """Replace a mapping's unknown keys by `extra`, at the place of the first of them."""
    out: dict = {}
    for k, v in d.items():
        if k in known:
            out[k] = v
        elif extra is not None:
            out.update(extra)
            extra = None
    _replace(d, out)


def _drop_urls(doc: dict, names: dict[str, str]) -> int:
    """redactions.drop_urls for a parsed thread: links carrying a removed name are dropped."""
    dropped = 0
    for d, keys in [(doc, ("url", "source"))] + [(c, ("url",)) for c in comments_of(doc)]:
        for key in keys:
            value = d.get(key)
            if isinstance(value, str) and redactions.names_in(value, names):
                del d[key]
                dropped += 1
    return dropped


def _extras(d: dict, known: frozenset[str]) -> dict[str, Any]:
    """A mapping's unknown keys, as the loader gives them to `extra`."""
    return {k: v for k, v in d.items() if k not in known}


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _ident(value: Any) -> str | None:
    """An id as the loader reads it: integers (and 5.0) as text, text as it is."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value) if isinstance(value, (int, str)) else None


def _text(value: Any) -> str | None:
    """An author as the loader reads it: a number as text."""
    if isinstance(value, bool):
        return None
    return str(value) if isinstance(value, (str, int, float)) else None


# --- a site ---------------------------------------------------------------------------------

@dataclass
class Planned:
    """One file to rewrite: its new text and what redacting it changed."""

    path: Path              # as found under content/ (a link, perhaps)
    text: str
    tally: Tally
    record: bool = False
    of: tuple[Path, ...] = ()   # a record's thread files (as found)

    @property
    def target(self) -> Path:
        """The file written: `path` with every link followed."""
        return Path(os.path.realpath(self.path))


@dataclass(frozen=True)
class Known:
    """A thread file that loaded: what the build names it by, and what its import record
    is matched by once it has moved (the import writes both from the payload)."""

    slug: str
    id: str
    source: str | None


@dataclass
class Outcome:
    """What `redact` did to a site (or would do: `written` is False until the writes)."""

    planned: list[Planned] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    threads: int = 0        # thread files read
    records: int = 0        # import records read
    listed: bool = True     # whether redactions.yaml names anything
    written: bool = False
    done: list[Planned] = field(default_factory=list)   # written, in the order written

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if not d.warning]

    def listing(self) -> list[str]:
        """What --dry-run lists: each file it would change, and what in it."""
        return [f"would change {display_path(p.path)}: {_joined(p.tally.parts())}"
                for p in self.planned]

    def summary(self) -> str:
        """The line `redact` prints (`would redact …` before the writes, as --dry-run)."""
        seen = (f"{plural(self.threads, 'thread file')} and "
                f"{plural(self.records, 'import record')}")
        if not self.listed:
            return f"nothing to redact: no entries in {redactions.REDACTIONS_NAME}"
        if not self.planned:
            return f"nothing to redact: the takedowns are already in all {seen}"
        shown = self.done if self.written else self.planned
        if not shown:
            return (f"nothing was redacted: {plural(len(self.planned), 'file')} to change, "
                    "none written (see above); run threadpress redact again once they can be")
        files = [p for p in shown if not p.record]
        records = [p for p in shown if p.record]
        total = Tally()
        for p in files:
            total.add(p.tally)
        changed = {p.path for p in files}
        for p in records:   # a record holds its thread file's comments again: counted once
            if not changed.intersection(p.of):
                total.add(p.tally)
        parts = total.parts()
        if files or not records:
            where = f"in {len(files)} of {plural(self.threads, 'thread file')}"
            if self.records:
                where += f", and {len(records)} of {plural(self.records, 'import record')}"
        else:
            where = (f"in {len(records)} of {plural(self.records, 'import record')} "
                     "(no thread file needed a change)")
        verb = "redacted" if self.written else "would redact"
        left = len(self.planned) - len(shown)
        rest = f"; {plural(left, 'file')} not written (see above)" if left else ""
        return f"{verb} {_joined(parts)} {where}{rest}"


def _joined(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def redact_site(site: Path, write: bool = True) -> Outcome:
    """Apply SITE/redactions.yaml to every thread file and import record under SITE/content
    (with `write` false, only say what would change: --dry-run). Every file is planned (and
    its result checked) before any is written, and written only when every one can be; a
    thread file or record with errors is reported and left as it is, the others are still
    redacted. Raises ThreadpressError for a missing site or content folder, or a malformed
    redactions.yaml."""
    content = site / "content"
    if not site.is_dir():
        raise ThreadpressError.one("no such site folder", display_path(site))
    if not content.is_dir():
        raise ThreadpressError.one(f"no content folder at {display_path(content)}",
                                   display_path(site))
    red = redactions.load_redactions(site)
    outcome = Outcome(listed=bool(red))
    if not red:
        return outcome
    found = content_walk(content)
    outcome.diagnostics += found.diagnostics
    known: dict[Path, Known] = {}   # thread file → what names it, for its record
    plans: list[tuple[Path, Planned | None]] = []
    for path in found.files:
        slug = PurePosixPath(path.relative_to(content).as_posix()).with_suffix("").as_posix()
        plan = _plan_thread(path, slug, red, outcome, known)
        outcome.threads += 1
        if path in known:
            plans.append((path, plan))
    outcome.planned += _one_per_file(plans, site, outcome)
    plans = []
    listed = set(found.files)
    by_id: dict[str, list[Path]] = {}
    for path, k in known.items():
        by_id.setdefault(k.id, []).append(path)
    for path in _records(content, site, outcome):
        outcome.records += 1
        plans.append((path, _plan_record(path, content, red, Files(known, by_id, listed),
                                         outcome)))
    outcome.planned += _one_per_file(plans, site, outcome)
    outcome.diagnostics += redactions.unmatched(red, {n for k in known.values()
                                                      for n in (k.slug, k.id)})
    if write:
        _write_all(outcome)
    return outcome


def _one_per_file(plans: list[tuple[Path, Planned | None]], site: Path,
                  outcome: Outcome) -> list[Planned]:
    """One plan per real file. A link is written through to its file (which the walk keeps
    inside the site); two names of one file (links) must agree on its new text (None: as it
    is), or it is reported under each name and left as it is: one file cannot hold two
    takedowns, and writing either would change the other name's pages."""
    by_file: dict[str, list[tuple[Path, Planned | None]]] = {}
    for path, plan in plans:
        by_file.setdefault(os.path.realpath(path), []).append((path, plan))
    out: list[Planned] = []
    for real, named in by_file.items():
        texts = {p.text if p else None for _, p in named}
        chosen = next((p for _, p in named if p is not None), None)
        if chosen is not None and not sitefs.inside(Path(real), site):
            outcome.diagnostics.append(Diagnostic(
                "not redacted: a link to a file outside the site folder",
                display_path(chosen.path)))
        elif len(texts) > 1:
            for path, _ in named:
                others = ", ".join(display_path(p) for p, _ in named if p != path)
                outcome.diagnostics.append(Diagnostic(
                    f"not redacted: this file is also {others} (a link), and the takedowns "
                    "differ between its names; give them the same entries, or make the link a "
                    "copy", display_path(path)))
        elif chosen is not None:
            out.append(chosen)
    return out


def _write_all(outcome: Outcome) -> None:
    """Write the planned files: none when any cannot be (each such file named); each thread
    file just before its import record. A write that fails (a full disk) is named and ends
    the writes; running redact again finishes them."""
    problems = [d for p in outcome.planned for d in [_unwritable(p)] if d is not None]
    outcome.written = True
    if problems:
        outcome.diagnostics += problems
        return
    for p in _write_order(outcome.planned):
        try:
            write_atomic(p.target, p.text)
        except OSError as exc:
            left = len(outcome.planned) - len(outcome.done) - 1
            after = f", nor the {plural(left, 'file')} after it" if left else ""
            outcome.diagnostics.append(Diagnostic(
                f"cannot write this file ({exc.strerror or exc}): it was not changed{after}; "
                "run threadpress redact again once it can be written", display_path(p.path)))
            return
        outcome.done.append(p)


def _unwritable(p: Planned) -> Diagnostic | None:
    """Why a planned file cannot be written, or None. The new text goes to a temporary file
    in its folder, then takes the file's name: the folder must be writable; a file made
    read-only is respected. Checked for every file before any is written, so that a site is
    never left half redacted (a thread file done, its record not)."""
    through = f" (a link to {display_path(p.target)})" if p.path.is_symlink() else ""
    if not os.access(p.target.parent, os.W_OK | os.X_OK):
        why = f"its folder {display_path(p.target.parent)} is not writable"
    elif not os.access(p.target, os.W_OK):
        why = "it is read-only"
    else:
        return None
    return Diagnostic(f"cannot write this file{through}: {why}; nothing was written (make it "
                      "writable and run threadpress redact again)", display_path(p.path))


def _write_order(planned: list[Planned]) -> list[Planned]:
    """Each thread file followed by its import records, then the records left."""
    files = {p.path for p in planned if not p.record}
    after: dict[Path, list[Planned]] = {}
    rest: list[Planned] = []
    for r in planned:
        if r.record:
            home = next((t for t in r.of if t in files), None)
            (rest if home is None else after.setdefault(home, [])).append(r)
    out: list[Planned] = []
    for p in planned:
        if not p.record:
            out += [p, *after.get(p.path, [])]
    return out + rest


def _plan_thread(path: Path, slug: str, red: Redactions, outcome: Outcome,
                 known: dict[Path, Known]) -> Planned | None:
    """One thread file redacted, or None when it has nothing to redact (or has errors)."""
    name = display_path(path)
    try:
        data = sitefs.read_bytes(path)
    except ThreadpressError as e:
        outcome.diagnostics += e.diagnostics
        return None
    before, diags = load_bytes(data, name, slug)
    outcome.diagnostics += diags
    if before is None:
        outcome.diagnostics.append(Diagnostic("not redacted: fix the errors above (threadpress "
                                              "check) and run threadpress redact again", name))
        return None
    known[path] = Known(before.slug, before.id, before.source)
    outcome.diagnostics += redactions.missing_comments(before, red)
    doc = parse(sitefs.decode_text(data, name), name)
    tally = redact_doc(doc, before.slug, path.stem, red)
    if not tally:
        return None
    text = dump(doc, "json" if path.suffix.lower() == ".json" else "yaml")
    _check_same_build(text, name, slug, before, red)
    return Planned(path, text, tally)


def _check_same_build(text: str, name: str, slug: str, before: Thread, red: Redactions) -> None:
    """The redacted text must load, and build as the old one did: both taken down as the
    build takes them down give the same thread. Else nothing is written (a bug, not the
    user's: the message says so)."""
    after, diags = load_bytes(text.encode("utf-8"), name, slug)
    errors = [d for d in diags if not d.warning]
    if after is not None:
        redactions.apply(after, red)
        redactions.apply(before, red)
    if after is None or errors or _built(after) != _built(before):
        why = "; ".join(d.message for d in errors) or "its pages would change"
        raise ThreadpressError.one(f"redacting this file would not build as before ({why}); "
                                   "nothing was written. Please report this as a bug", name)


def _built(thread: Thread) -> Any:
    """What the build makes pages of: a removed thread's routes only (render/pages.py,
    removed_pages), else the whole thread."""
    if thread.removed is None:
        return thread
    return (thread.id, thread.slug, thread.aliases, thread.removed, thread.path,
            sorted(c.id for c in thread.comments))


def _records(content: Path, site: Path, outcome: Outcome) -> list[Path]:
    """Every import record under content/: `<folder>/_imports/<source>/<stem>.json`."""
    found = sitefs.walk(content, site, skip=lambda n: n.startswith("."))
    outcome.diagnostics += [d for d in found.diagnostics if RECORDS in d.file]
    return [p for p in found.files if p.suffix == ".json" and p.parent.parent.name == RECORDS]


@dataclass(frozen=True)
class Files:
    """The thread files found, for matching import records to them."""

    known: dict[Path, Known]        # those that loaded
    by_id: dict[str, list[Path]]    # those that loaded, by thread id
    listed: set[Path]               # all, with errors or not


def _plan_record(path: Path, content: Path, red: Redactions, files: Files,
                 outcome: Outcome) -> Planned | None:
    """One import record redacted as the thread file it belongs to, or None when it has
    nothing to redact, or cannot be read (reported: the other records are still redacted)."""
    name = display_path(path)
    try:
        data = parse_json(sitefs.read_bytes(path), name)
        thread = data.get("thread") if isinstance(data, dict) else None
        if not isinstance(thread, dict):
            raise ThreadpressError.one("not an import record (expected an object with "
                                       "`thread`)", name)
        of, names = _record_threads(path, thread, content, files, outcome)
        tally = Tally()
        for slug, tid in names:
            tally.add(redact_doc(thread, slug, tid or path.stem, red))
        if not tally:
            return None
        try:
            text = json.dumps(data, indent=1, ensure_ascii=False, allow_nan=False) + "\n"
        except ValueError as exc:
            raise ThreadpressError.one(f"cannot write the record back: {exc}", name) from None
    except ThreadpressError as e:
        outcome.diagnostics += e.diagnostics
        outcome.diagnostics.append(Diagnostic(
            "not redacted: fix this import record or delete it (a re-import then merges as if "
            "the thread were new) and run threadpress redact again", name))
        return None
    return Planned(path, text, tally, record=True, of=of)


def _record_threads(path: Path, thread: dict, content: Path, files: Files, outcome: Outcome
                    ) -> tuple[tuple[Path, ...], list[tuple[str, str]]]:
    """The thread files an import record belongs to, and the (slug, id) to redact it as.
    The import writes `<folder>/_imports/<source>/<stem>.json` beside `<folder>/<source>/
    <stem>.yaml`; a file moved or renamed since is found by what the import wrote into both,
    its id and its source link. A record whose thread file is gone gets the entries that
    need no thread file (authors), and those naming the thread where the import put it."""
    base = path.parent.parent.parent / path.parent.name / path.stem   # <folder>/<source>/<stem>
    at = [p for p in (base.with_suffix(s) for s in SUFFIXES) if p in files.listed]
    slug = base.relative_to(content).as_posix()
    if at and at[0] not in files.known:      # it has errors, reported with it
        return (), [(slug, "")]
    if at:
        k = files.known[at[0]]
        return (at[0],), [(k.slug, k.id)]
    tid = _ident(thread.get("id")) or path.stem
    source = thread.get("source") if isinstance(thread.get("source"), str) else None
    moved = [p for p in files.by_id.get(tid, []) if source is None or
             files.known[p].source in (None, source)]
    if moved:
        return tuple(moved), [(files.known[p].slug, files.known[p].id) for p in moved]
    outcome.diagnostics.append(Diagnostic(
        f"no thread file of this import record (not at {slug}, none with id {tid}): only the "
        f"author entries, and any naming {slug}, were applied to it", display_path(path),
        warning=True))
    return (), [(slug, "")]


# --- imports --------------------------------------------------------------------------------

@dataclass(frozen=True)
class ImportTakedowns:
    """A site's redactions, for an import writing into its content folder."""

    red: Redactions
    content: Path

    def apply(self, doc: dict, target: Path, local: dict | None = None) -> dict:
        """`doc` (an importer's thread, a merge's result) redacted, in place, as the thread file
        `target` will be: by its slug (the local file's `slug:` when it sets one) and id."""
        slug = (local or {}).get("slug") or doc.get("slug")
        if not isinstance(slug, str):
            rel = Path(os.path.abspath(target)).relative_to(self.content)
            slug = PurePosixPath(rel.as_posix()).with_suffix("").as_posix()
        redact_doc(doc, slug.strip("/"), target.stem, self.red)
        return doc


_CACHE: dict[tuple, ImportTakedowns | None] = {}


def for_import(out_dir: Path) -> ImportTakedowns | None:
    """The takedowns an import into `out_dir` must apply: SITE/redactions.yaml, where SITE
    holds the nearest `content` folder at or above `out_dir`; None when there is none (or no
    entry). Read once per file version: a dump import plans thousands of threads."""
    out = Path(os.path.abspath(out_dir))
    content = next((p for p in (out, *out.parents) if p.name == "content"), None)
    if content is None:
        return None
    path = content.parent / redactions.REDACTIONS_NAME
    try:
        st = path.stat()
        key: tuple = (str(path), st.st_mtime_ns, st.st_size, st.st_ino, os.getcwd())
    except OSError:
        return None
    if key not in _CACHE:
        shown = os.path.relpath(content.parent)   # messages name it as the user would
        red = redactions.load_redactions(content.parent if shown.startswith("..") else
                                         Path(shown))
        _CACHE.clear()
        _CACHE[key] = ImportTakedowns(red, content) if red else None
    return _CACHE[key]
