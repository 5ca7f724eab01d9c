"""Thread files → validated threads with comment trees, and every problem found on the way."""

from __future__ import annotations

import functools
import gc
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any, Callable, Iterable

from . import routes, sitefs, tree
from .errors import Diagnostic, Field, ThreadpressError
from .model import FORMATS, SCORE_UNIT, SORTS, Comment, Thread
from .parse import locate, parse
from .times import EPOCH_MAX, EPOCH_MIN, ISO_TIME, to_time  # noqa: F401 (part of this API)

SUFFIXES = (".yaml", ".yml", ".json")
THREAD_KEYS = frozenset({"title", "id", "slug", "url", "source", "author", "created", "points",
                         "tags", "body", "format", "sort", "comments", "aliases"})
COMMENT_KEYS = frozenset({"id", "author", "created", "edited", "score", "body", "format",
                          "deleted", "dead", "url", "replies", "parent"})
MAX_EXTRA_DEPTH = 100   # nesting allowed in the values of unknown keys


@dataclass
class Loaded:
    """The outcome of loading one site's content: the good threads and all diagnostics."""

    @dataclass
    class Brief:
        """What is kept of every good thread: its route and its size."""

        slug: str
        path: str
        id: str
        comments: int
        deepest: int          # the longest chain of replies, counting the top-level comment
        aliases: tuple[str, ...] = ()
        source: str | None = None

    threads: list[Thread] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    loaded: list[Brief] = field(default_factory=list)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if not d.warning]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.warning]


def thread_files(content_dir: Path) -> list[Path]:
    """Every thread file under content/, in a stable order; `_` and `.` names are skipped."""
    return content_walk(content_dir).files


def content_walk(content_dir: Path) -> sitefs.Walk:
    """The thread files under content/ and the problems met finding them (unreadable folders,
    names that are not UTF-8, links leading outside the site, which is content/'s parent)."""
    if content_dir.is_symlink() and not sitefs.inside(content_dir, content_dir.parent):
        return sitefs.Walk(diagnostics=[sitefs.outside_link(content_dir)])
    found = sitefs.walk(content_dir, content_dir.parent, skip=lambda n: n.startswith(("_", ".")))
    found.files = [p for p in found.files if p.suffix.lower() in SUFFIXES]
    return found


def load_content(content_dir: Path, sort: str = "original", keep: bool = True,
                 inspect: Callable[[Thread], list[Diagnostic]] | None = None) -> Loaded:
    """Load every thread file; a broken file is reported and skipped, never fatal to the run.
    With `keep` false only each thread's summary stays (`Loaded.loaded`): memory does not grow
    with the archive (what `check` needs); `inspect` adds its findings on each loaded thread."""
    result = Loaded()
    if not content_dir.is_dir() and not content_dir.is_symlink():
        where = sitefs.shown(content_dir)
        result.diagnostics.append(Diagnostic(f"no content folder at {where}", where))
        return result
    # Loading makes millions of small objects and no reference cycles: the cyclic garbage
    # collector would rescan them all again and again (measured: half the load time).
    paused = gc.isenabled()
    gc.disable()
    try:
        _load_files(content_dir, sort, result, keep, inspect)
    finally:
        if paused:
            gc.enable()
    return result


def _load_files(content_dir: Path, sort: str, result: Loaded, keep: bool,
                inspect: Callable[[Thread], list[Diagnostic]] | None) -> None:
    found = content_walk(content_dir)
    result.diagnostics.extend(found.diagnostics)
    for path in found.files:
        rel = path.relative_to(content_dir)
        slug = PurePosixPath(rel.as_posix()).with_suffix("").as_posix()
        try:
            data = sitefs.read_bytes(path)
        except ThreadpressError as e:
            result.diagnostics.extend(e.diagnostics)
            continue
        thread, diags = load_bytes(data, display_path(path), slug, sort)
        result.diagnostics.extend(diags)
        if thread is not None:
            result.loaded.append(Loaded.Brief(thread.slug, thread.path, thread.id,
                                              len(thread.comments), thread.max_depth + 1,
                                              tuple(thread.aliases), thread.source))
            if inspect is not None:
                result.diagnostics.extend(inspect(thread))
            if keep:
                result.threads.append(thread)
    # two threads on one path: the same rule, from the same module, as the build's
    clashes = place(routes.collisions(((b.slug, b.path) for b in result.loaded),
                                      ((a, b.path, i) for b in result.loaded
                                       for i, a in enumerate(b.aliases))))
    if clashes:
        result.diagnostics.extend(clashes)
        bad = {d.file for d in clashes}
        result.threads = [t for t in result.threads if t.path not in bad]
        result.loaded = [b for b in result.loaded if b.path not in bad]
    result.diagnostics.extend(place(twins((b.slug, b.path, b.id, b.source)
                                          for b in result.loaded)))


def twins(threads: Iterable[tuple[str, str, str, str | None]]) -> list[Diagnostic]:
    """Warnings for one discussion kept in two files, from (slug, file, id, source): the same
    `source` URL, or the same id written in both (an id that is only the file's name, the
    default, says nothing: `2023/01.yaml` and `2024/01.yaml` are two threads). Each later
    file names the first; both stay in the site, so the index lists the discussion twice."""
    seen: dict[tuple[str, str], str] = {}
    found: list[Diagnostic] = []
    for slug, file, ident, source in sorted(threads, key=lambda t: t[1]):
        source = source and source.strip()
        # http(s) only, as the build's summaries keep it (render/urls.py): check says what build does
        keys = [("id", ident)] if ident != PurePosixPath(slug).name else []
        if source and source.lower().startswith(("http://", "https://")):
            keys.append(("source", source))
        for key in keys:
            first = seen.setdefault(key, file)
            if first != file:
                hint = "keep one file" + (", or give each its own id" if key[0] == "id" else "")
                found.append(Diagnostic(
                    f"thread {key[0]} {key[1]!r} is also the {key[0]} of {first}: the same "
                    f"discussion twice, which the index lists twice ({hint})", file,
                    field=(key[0],), warning=True))
                break
    return found


def place(diags: list[Diagnostic]) -> list[Diagnostic]:
    """Give line and column to diagnostics about thread files, by reading each file once."""
    by_file: dict[str, list[Diagnostic]] = {}
    for d in diags:
        by_file.setdefault(d.file, []).append(d)
    for name, group in by_file.items():
        try:
            text = Path(name).read_bytes().decode("utf-8-sig")
        except (OSError, UnicodeDecodeError):
            continue
        _placed(group, text, name)
    return diags


display_path = sitefs.shown


def load_bytes(data: bytes, name: str, slug: str, sort: str = "original"
               ) -> tuple[Thread | None, list[Diagnostic]]:
    """Decode a file's bytes and load it; binary or non-UTF-8 files get one clear error."""
    if b"\x00" in data[:8192]:
        return None, [Diagnostic("binary file, not a YAML or JSON thread file", name, 1, 1)]
    try:
        text = sitefs.decode_text(data, name)
    except ThreadpressError as e:
        return None, e.diagnostics
    return load_text(text, name, slug, sort)


def load_text(text: str, name: str, slug: str, sort: str = "original"
              ) -> tuple[Thread | None, list[Diagnostic]]:
    """Load one thread from text; `name` decides the format (.json or YAML) and names the file."""
    try:
        doc = parse(text, name)
    except ThreadpressError as e:
        return None, e.diagnostics
    checker = _Checker(name)
    thread = checker.thread(doc, slug)
    if thread is not None:
        raws = checker.raws
        problems = tree.build(thread, raws, sort=thread.sort or sort)
        checker.diags.extend(problems)
    diags = _placed(checker.diags, text, name)
    if any(not d.warning for d in diags):
        return None, diags
    return thread, diags


def _placed(diags: list[Diagnostic], text: str, name: str) -> list[Diagnostic]:
    """Give each diagnostic the line and column of its field, found by re-reading the file."""
    if not diags:
        return diags
    wanted = [d.field for d in diags] + [d.other for d in diags if d.other is not None]
    where = locate(text, name, wanted)
    for d in diags:
        if d.line is None and d.field in where:
            d.line, d.column = where[d.field]
        elif d.line is None and d.field == ():
            d.line, d.column = 1, 1  # about the whole file (e.g. an empty one)
        if d.other is not None and d.other in where:
            d.other_line = where[d.other][0]
    # in file order, as an editor lists them (the sort is stable: ties keep their order)
    diags.sort(key=lambda d: (d.line is None, d.line or 0, d.column or 0))
    return diags


def _count(v: Any) -> str | None:
    ok = isinstance(v, int) and not isinstance(v, bool) and v >= 0
    return None if ok else f"expected a count (0 or more), found {v!r}; not shown"


def _flag(v: Any) -> str | None:
    return None if isinstance(v, bool) else f"expected true or false, found {v!r}; not shown"


def _when(v: Any) -> str | None:
    return None if to_time(v) is not None else \
        f"expected a time (such as 2024-05-01T12:00:00Z), found {v!r}; not shown"


def _unit(v: Any) -> str | None:
    ok = isinstance(v, str) and SCORE_UNIT.fullmatch(v)
    return None if ok else (f"expected what the score counts, a plain lower-case plural such as "
                            f"likes, found {v!r}; shown as points")


def _poll(v: Any) -> str | None:
    """A poll: `options`, a list of {text, votes}; `total` votes and `ends` (a time) optional."""
    options = v.get("options") if isinstance(v, dict) else None
    if not isinstance(options, list) or not options or not all(
            isinstance(o, dict) and isinstance(o.get("text"), str) for o in options):
        return (f"expected a poll: a mapping whose `options` is a list of {{text, votes}}, "
                f"found {_kind(v)}; not shown")
    problems = [_count(o["votes"]) for o in options if "votes" in o]
    problems += [_count(v["total"])] if "total" in v else []
    problems += [_when(v["ends"])] if "ends" in v else []
    return next((p for p in problems if p), None)


# Extras the renderer reads (docs/format.md, "Extras the renderer reads"): a value it cannot
# use is ignored there, and warned about here.
_RENDERED_EXTRAS = {"archived": _when, "more_count": _count, "num_comments": _count,
                    "continue_thread": _flag, "removed_upstream": _flag,
                    "score_unit": _unit, "poll": _poll, "action": _flag}


@functools.lru_cache(maxsize=1024)
def _near_key(key: str, known: frozenset[str]) -> str | None:
    """The known key one edit (insert, delete, replace, swap) away from `key`, if any."""
    return next((k for k in sorted(known) if _one_edit(key, k)), None)


def _one_edit(a: str, b: str) -> bool:
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1
                                  and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    short, long = (a, b) if len(a) < len(b) else (b, a)
    i = next((i for i in range(len(short)) if short[i] != long[i]), len(short))
    return short[i:] == long[i + 1:]


class _Checker:
    """Checks a parsed document field by field, collecting every problem rather than stopping."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.diags: list[Diagnostic] = []
        self.raws: list[tree.Raw] = []

    def error(self, path: Field, message: str) -> None:
        self.diags.append(Diagnostic(message, self.name, field=tuple(path)))

    def thread(self, doc: Any, slug: str) -> Thread | None:
        if doc is None:
            self.error((), "the file is empty; a thread file is a mapping with at least a title")
            return None
        if not isinstance(doc, dict):
            # named, never quoted: a file that is no thread file may hold anything (a .env)
            found = _kind(doc).split(" (", 1)[0]
            self.error((), f"expected a mapping (title, comments, …), found {found}")
            return None
        title = self.text(doc, "title", (), required=True)
        thread = Thread(
            id=self.ident(doc, "id", ()) or PurePosixPath(slug).name,
            slug=self.slug(doc, slug),
            title=title or "",
            path=self.name,
            url=self.text(doc, "url", ()),
            source=self.text(doc, "source", ()),
            author=self.text(doc, "author", (), numbers=True),
            created=self.time(doc, "created", ()),
            points=self.integer(doc, "points", ()),
            tags=self.tags(doc),
            body=self.text(doc, "body", ()) or "",
            format=self.choice(doc, "format", (), FORMATS) or "markdown",
            sort=self.choice(doc, "sort", (), SORTS),
            aliases=self.aliases(doc),
            extra=self.extra(doc, THREAD_KEYS, ()),
        )
        self.comments(doc.get("comments"), ("comments",))
        return thread

    def comments(self, items: Any, path: Field) -> None:
        """Walk nested `replies` depth-first with an explicit stack, recording file order."""
        if items is None:
            return
        if not isinstance(items, list):
            self.error(path, f"expected a list of comments, found {_kind(items)}")
            return
        stack: list[tuple[Any, Field, int | None]] = [(iter(enumerate(items)), path, None)]
        while stack:
            entries, at, nest_parent = stack[-1]
            nxt = next(entries, None)
            if nxt is None:
                stack.pop()
                continue
            i, item = nxt
            index = self.comment(item, at + (i,), nest_parent)
            replies = item.get("replies") if isinstance(item, dict) else None
            if replies is None:
                continue
            if not isinstance(replies, list):
                self.error(at + (i, "replies"), f"expected a list of comments, found {_kind(replies)}")
                continue
            stack.append((iter(enumerate(replies)), at + (i, "replies"), index))

    def comment(self, item: Any, path: Field, nest_parent: int | None) -> int | None:
        if not isinstance(item, dict):
            self.error(path, f"expected a comment (a mapping with an id), found {_kind(item)}")
            return None
        cid = self.ident(item, "id", path, required=True)
        c = Comment(
            id=cid or "",
            author=self.text(item, "author", path, numbers=True),
            created=self.time(item, "created", path),
            edited=self.edited(item, path),
            score=self.integer(item, "score", path),
            body=self.text(item, "body", path) or "",
            format=self.choice(item, "format", path, FORMATS) or "markdown",
            deleted=self.boolean(item, "deleted", path),
            dead=self.boolean(item, "dead", path),
            url=self.text(item, "url", path),
            extra=self.extra(item, COMMENT_KEYS, path),
        )
        declared = self.ident(item, "parent", path)
        if cid is None:
            return None
        self.raws.append(tree.Raw(c, nest_parent, declared, path))
        return len(self.raws) - 1

    # --- fields ---------------------------------------------------------------------------

    def text(self, d: dict, key: str, path: Field, required: bool = False,
             numbers: bool = False) -> str | None:
        v = d.get(key)
        if v is None:
            if required:
                self.error(path + (key,) if key in d else path, f"`{key}` is required")
            return None
        if numbers and isinstance(v, (int, float)) and not isinstance(v, bool):
            return str(v)
        if not isinstance(v, str):
            self.error(path + (key,), f"expected a string, found {_kind(v)}")
            return None
        if required and not v.strip():
            self.error(path + (key,), f"`{key}` must not be empty")
        return v

    def ident(self, d: dict, key: str, path: Field, required: bool = False) -> str | None:
        v = d.get(key)
        if v is None:
            if required:
                self.error(path + (key,) if key in d else path, f"`{key}` is required")
            return None
        n = _integral(v)
        if n is not None:
            v = n
        if isinstance(v, bool) or not isinstance(v, (str, int)):
            self.error(path + (key,), f"expected a string or an integer, found {_kind(v)}")
            return None
        s = str(v)
        if not s.strip():
            self.error(path + (key,), f"`{key}` must not be empty")
            return None
        return s

    def slug(self, d: dict, default: str) -> str:
        v = d.get("slug")
        if v is None:
            return default
        return self.path(v, ("slug",)) or default

    def path(self, v: Any, at: Field) -> str | None:
        """A slug-like URL path (a slug, an alias), or None after reporting why not."""
        if not isinstance(v, str):
            self.error(at, f"expected a string, found {_kind(v)}")
            return None
        parts = v.strip("/").split("/")
        bad = [p for p in parts if p in ("", ".", "..") or "\\" in p
               or any(ord(ch) < 32 for ch in p)]
        if bad:
            self.error(at, f"{v!r} is not a safe URL path (no empty, '.' or '..' parts)")
            return None
        return "/".join(parts)

    def aliases(self, d: dict) -> list[str]:
        """Old slugs of the thread: each becomes a redirect to it."""
        v = d.get("aliases")
        if v is None:
            return []
        if not isinstance(v, list):
            self.error(("aliases",), f"expected a list of old slugs, found {_kind(v)}")
            return []
        out = [self.path(a, ("aliases", i)) for i, a in enumerate(v)]
        return [a for a in out if a is not None]

    def integer(self, d: dict, key: str, path: Field) -> int | None:
        v = d.get(key)
        if v is None:
            return None
        n = _integral(v)
        if n is None:
            self.error(path + (key,), f"expected an integer, found {_kind(v)}")
        return n

    def boolean(self, d: dict, key: str, path: Field) -> bool:
        v = d.get(key)
        if v is None:
            return False
        if not isinstance(v, bool):
            self.error(path + (key,), f"expected true or false, found {_kind(v)}")
            return False
        return v

    def choice(self, d: dict, key: str, path: Field, allowed: tuple) -> str | None:
        v = d.get(key)
        if v is None:
            return None
        if v not in allowed:
            self.error(path + (key,), f"expected one of {', '.join(allowed)}, found {v!r}")
            return None
        return v

    def tags(self, d: dict) -> list[str]:
        v = d.get("tags")
        if v is None:
            return []
        if not isinstance(v, list):
            self.error(("tags",), f"expected a list of strings, found {_kind(v)}")
            return []
        out = []
        for i, t in enumerate(v):
            if isinstance(t, str):
                out.append(t)
            else:
                self.error(("tags", i), f"expected a string, found {_kind(t)}")
        return out

    def extra(self, d: dict, known: frozenset[str], path: Field) -> dict[str, Any]:
        """The keys threadpress does not use, kept for thread.json: any data nested at most
        MAX_EXTRA_DEPTH levels (it is written out by a recursive JSON encoder). One that is a
        single edit from a known key is most likely a typo, and gets a warning saying which."""
        out = {}
        for key, value in d.items():
            if key in known:
                continue
            near = _near_key(str(key), known)
            problem = _RENDERED_EXTRAS[key](value) if key in _RENDERED_EXTRAS else None
            if near:
                problem = f"unknown key, kept as an extra: did you mean `{near}`?"
            if problem:
                self.diags.append(Diagnostic(problem, self.name, field=path + (key,),
                                             warning=True))
            if _deeper_than(value, MAX_EXTRA_DEPTH):
                self.error(path + (key,), f"nested more than {MAX_EXTRA_DEPTH} levels "
                           f"deep; an unknown key (kept for thread.json) may nest at most that deep")
            else:
                out[key] = value
        return out

    def time(self, d: dict, key: str, path: Field) -> datetime | None:
        v = d.get(key)
        if v is None:
            return None
        t = to_time(v)
        if t is None:
            self.error(path + (key,), f"expected a time (ISO 8601 such as 2024-05-01T12:00:00Z, "
                                      f"or Unix seconds), found {_shown(v)}")
        return t

    def edited(self, d: dict, path: Field) -> datetime | bool | None:
        v = d.get("edited")
        if isinstance(v, bool):
            return v
        return self.time(d, "edited", path)


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether lists or mappings nest more than `limit` levels deep in `value`."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        v, depth = stack.pop()
        if not isinstance(v, (dict, list)):
            continue
        if depth >= limit:
            return True
        stack.extend((child, depth + 1) for child in (v.values() if isinstance(v, dict) else v))
    return False


def _shown(v: Any, limit: int = 40) -> str:
    """A scalar as it was written in the file, shortened: text as text, never a Python repr."""
    if isinstance(v, bool):
        text = str(v).lower()
    elif isinstance(v, (str, int, float)):
        text = str(v)
    else:
        return _kind(v)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _integral(v: Any) -> int | None:
    """An integer, or a float with no fraction (JSON does not tell 1.0 from 1); else None."""
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return None


def _kind(v: Any) -> str:
    """Name a value's type the way a YAML or JSON author thinks of it, with the value shortened
    in brackets after it."""
    if v is None:
        return "nothing"
    if isinstance(v, bool):
        return f"a boolean ({str(v).lower()})"
    if isinstance(v, int):
        return f"an integer ({_shown(v)})"
    if isinstance(v, float):
        return f"a number ({v})"
    if isinstance(v, str):
        short = v if len(v) <= 30 else v[:27] + "..."
        return f"a string ({short!r})"
    if isinstance(v, list):
        return "a list"
    if isinstance(v, dict):
        return "a mapping"
    return type(v).__name__
