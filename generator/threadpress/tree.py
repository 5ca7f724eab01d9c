"""Comment trees: parents, children, depth, pre-order and descendant counts, in linear time.

Everything here is iterative: real reply chains are thousands deep, and a test builds one of
100,000. Links between comments are ids (strings), never object references.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable

from .errors import Diagnostic, Field
from .model import Comment, Thread


@dataclass
class Raw:
    """A comment as found in the file, before the tree is known."""

    comment: Comment
    nest_parent: int | None   # index (in file order) of the comment it is nested under
    declared_parent: str | None  # its `parent:` field
    path: Field               # where it sits in the document, for messages


def build(thread: Thread, raws: list[Raw], sort: str = "original") -> list[Diagnostic]:
    """Link `raws` into `thread.comments` (pre-order); returns errors and warnings found."""
    diags: list[Diagnostic] = []
    first: dict[str, int] = {}
    for i, raw in enumerate(raws):
        cid = raw.comment.id
        if cid in first:
            other = raws[first[cid]].path
            d = _diag(thread, raw.path + ("id",), f"duplicate comment id {cid!r}")
            d.other = other + ("id",)
            diags.append(d)
        else:
            first[cid] = i
    if diags:
        return diags
    parents = _resolve_parents(thread, raws, first, diags)
    if any(not d.warning for d in diags):
        return diags
    cycle_errors = _find_cycles(thread, raws, parents)
    if cycle_errors:
        return diags + cycle_errors
    _link(thread, [r.comment for r in raws], parents, sort)
    return diags


def _resolve_parents(thread: Thread, raws: list[Raw], first: dict[str, int],
                     diags: list[Diagnostic]) -> list[int | None]:
    """Each comment's parent index: nesting and `parent:` must agree; a missing parent orphans."""
    parents: list[int | None] = []
    for raw in raws:
        c, declared = raw.comment, raw.declared_parent
        if raw.nest_parent is not None:
            nested_id = raws[raw.nest_parent].comment.id
            if declared is not None and declared != nested_id:
                diags.append(_diag(thread, raw.path + ("parent",),
                                   f"comment {c.id!r} is nested under {nested_id!r} "
                                   f"but names {declared!r} as its parent"))
            parents.append(raw.nest_parent)
        elif declared is None:
            parents.append(None)
        elif declared in first:
            parents.append(first[declared])
        else:
            c.orphan, c.missing_parent = True, declared
            diags.append(_diag(thread, raw.path + ("parent",),
                               f"comment {c.id!r} replies to {declared!r}, which is not in this "
                               "thread; shown at top level as orphaned", warning=True))
            parents.append(None)
    return parents


def _find_cycles(thread: Thread, raws: list[Raw], parents: list[int | None]) -> list[Diagnostic]:
    """Parent links that loop back; each comment is walked once (0 new, 1 walking, 2 done)."""
    state = [0] * len(raws)
    errors = []
    for start in range(len(raws)):
        walk = []
        i: int | None = start
        while i is not None and state[i] == 0:
            state[i] = 1
            walk.append(i)
            i = parents[i]
        if i is not None and state[i] == 1:
            loop = walk[walk.index(i):]
            ids = " → ".join(repr(raws[j].comment.id) for j in loop + [i])
            errors.append(_diag(thread, raws[i].path + ("parent",),
                                f"parent links form a cycle: {ids}"))
        for j in walk:
            state[j] = 2
    return errors


def _link(thread: Thread, comments: list[Comment], parents: list[int | None], sort: str) -> None:
    children: list[list[int]] = [[] for _ in comments]
    roots = []
    for i, p in enumerate(parents):
        (roots if p is None else children[p]).append(i)
    key = sort_key(sort)
    if key is not None:
        roots = _sorted(roots, comments, key)
        children = [_sorted(kids, comments, key) if len(kids) > 1 else kids for kids in children]
    order: list[int] = []
    depth = [0] * len(comments)
    stack = list(reversed(roots))
    while stack:
        i = stack.pop()
        order.append(i)
        kids = children[i]
        for k in kids:
            depth[k] = depth[i] + 1
        stack.extend(reversed(kids))
    for i in reversed(order):
        c, p = comments[i], parents[i]
        c.depth = depth[i]
        c.children = [comments[k].id for k in children[i]]
        c.descendants = sum(comments[k].descendants + 1 for k in children[i])
        c.parent = None if p is None else comments[p].id
    thread.comments = [comments[i] for i in order]
    thread.positions = {c.id: n for n, c in enumerate(thread.comments)}
    for n, c in enumerate(thread.comments):
        c.index = n
    thread.max_depth = max(depth) if comments else -1


_EARLY = datetime.min.replace(tzinfo=timezone.utc)


def sort_key(sort: str) -> Callable[[Comment], tuple] | None:
    """Sibling order. Comments without the value sort last; ties keep the file's order."""
    if sort == "oldest":
        return lambda c: (c.created is None, c.created or _EARLY)
    if sort == "newest":
        return lambda c: (c.created is None, -(c.created or _EARLY).timestamp())
    if sort == "score":
        return lambda c: (c.score is None, -(c.score or 0))
    return None


def _sorted(ids: list[int], comments: list[Comment], key: Callable) -> list[int]:
    return sorted(ids, key=lambda i: key(comments[i]))  # sorted() is stable: ties keep order


def _diag(thread: Thread, path: Field, message: str, warning: bool = False) -> Diagnostic:
    return Diagnostic(message, thread.path, field=path, warning=warning)

