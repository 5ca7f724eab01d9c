"""Re-import as a three-way merge: what was last imported (base), the thread file as the
publisher left it (local), and the new payload (upstream).

A field the publisher left as it was imported takes the upstream value; a field they changed
keeps their value. A comment they removed from the file stays removed (and so do new replies
to it), comments new upstream are added, comments gone upstream are kept and marked
`removed_upstream: true`. Everything runs over flat comment lists, without recursion.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .common import (children, comment_key, flatten, merge, parent_key, slot_in,
                     walk_children)

_MISSING = object()


@dataclass
class Counts:
    """What a merge did, for the per-thread line `import` prints."""

    added: int = 0       # comments new upstream, added
    updated: int = 0     # items (the thread's header, comments) that took upstream changes
    kept: int = 0        # items whose local edits were kept (a removed comment counts too)
    conflicts: int = 0   # of those, items where upstream changed what the publisher edited


def upstream_view(base: dict | None, new: dict) -> dict:
    """What the importer now sees of the thread, and what the next merge compares with: `new`,
    plus every comment of `base` missing from it, kept and marked removed upstream.

    A comment is marked removed only on the strength of a payload that holds the thread's
    comments: a `new` without a `comments` key (an issue object saved alone) says nothing
    about them, so the comments last imported stay as they were."""
    if "comments" not in new:
        return {**new, "comments": (base or {}).get("comments") or []}
    return new if base is None else merge(base, new)


def merge3(base: dict | None, local: dict, upstream: dict) -> tuple[dict, Counts]:
    """Merge `upstream` into `local` given `base`; with no base, every difference is local."""
    counts = Counts()
    if base is None:  # a file imported before records existed: never overwrite what is there
        base = _as_if_imported(local, upstream)
    head = {k: v for k, v in upstream.items() if k != "comments"}
    merged, changed = _fields(_header(base), _header(local), head)
    _count(counts, changed)
    merged["comments"] = _comments(base, local, upstream, counts)
    return merged, counts


def _as_if_imported(local: dict, upstream: dict) -> dict:
    """A base for a file without a record: upstream as it stands, limited to the comments the
    file has, so that every difference counts as an edit and every other comment as new."""
    held = {comment_key(c) for c in flatten(local.get("comments") or [])}
    comments = [c for c in flatten(upstream.get("comments") or []) if comment_key(c) in held]
    return {**upstream, "comments": comments}


def _header(thread: dict) -> dict:
    return {k: v for k, v in thread.items() if k != "comments"}


def _comments(base: dict, local: dict, upstream: dict, counts: Counts) -> list[dict]:
    """The merged flat comment list: local order, with upstream's new comments slotted in."""
    base_c = {comment_key(c): c for c in flatten(base.get("comments") or [])}
    new_list = flatten(upstream.get("comments") or [])
    new_c = {comment_key(c): c for c in new_list}
    local_list = flatten(local.get("comments") or [])
    by_id: dict[str, dict] = {}
    for c in local_list:
        k = comment_key(c)
        if k in new_c:  # not in base: added by hand under an id upstream now uses; hand wins
            c, changed = _fields(base_c.get(k, new_c[k]), c, new_c[k])
            _count(counts, changed)
        by_id.setdefault(k, c)
    kids, _ = children(list(by_id.values()))
    removed = {k for k in base_c if k not in by_id}
    added: set[str] = set()
    for c in new_list:
        k = comment_key(c)
        if k in by_id:
            continue
        if k in removed or parent_key(c) in removed:
            removed.add(k)  # the publisher removed it, or the comment it answers
            counts.kept += k in base_c
            continue
        by_id[k] = c
        added.add(k)
    counts.added = len(added)
    slot_in(kids, children(new_list)[0], added)
    return walk_children(kids, by_id)


def _fields(base: dict, local: dict, new: dict) -> tuple[dict, tuple[bool, bool, bool]]:
    """Merge one mapping's fields; returns it and (updated, kept an edit, edit met a change)."""
    out: dict = {}
    updated = kept = conflict = False
    for k in _keys(new, local, base):
        b, l, n = base.get(k, _MISSING), local.get(k, _MISSING), new.get(k, _MISSING)
        if _same(k, l, b):
            fresh = not _same(k, n, l)
            value = n if fresh else l  # unchanged keeps `id: 5` as written, not as "5"
            updated = updated or fresh
        else:
            value = l
            kept = True
            conflict = conflict or not _same(k, n, b)
        if value is not _MISSING:
            out[k] = value
    return out, (updated, kept, conflict)


def _count(counts: Counts, changed: tuple[bool, bool, bool]) -> None:
    updated, kept, conflict = changed
    counts.updated += updated
    counts.kept += kept
    counts.conflicts += conflict


def _keys(*mappings: dict) -> list[str]:
    """Every key, in the order of the first mapping that has it (upstream's canonical order)."""
    seen: dict[str, None] = {}
    for m in mappings:
        seen.update(dict.fromkeys(m))
    return list(seen)


def _same(key: str, a: Any, b: Any) -> bool:
    """Equal values of the same type (True is not 1); ids compare as text (5 is "5")."""
    if key in ("id", "parent") and a is not _MISSING and b is not _MISSING:
        return str(a) == str(b)
    return type(a) is type(b) and a == b
