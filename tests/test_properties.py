"""Property tests: random forests round-trip between the nested, flat and mixed forms, and the
computed tree fields keep their invariants."""

from __future__ import annotations

import json

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from threadpress.load import load_text
from threadpress.model import Thread


@st.composite
def forests(draw):
    """(ids, parents): parents[i] is None or an index < i; ids unique once made strings."""
    n = draw(st.integers(0, 60))
    parents = [None if i == 0 else draw(st.one_of(st.none(), st.integers(0, i - 1)))
               for i in range(n)]
    raw_ids = draw(st.lists(st.one_of(st.integers(-10**6, 10**12),
                                      st.text(st.characters(codec="utf-8",
                                                            exclude_categories=("Cs", "Cc")),
                                              min_size=1, max_size=8).filter(lambda s: s.strip())),
                            min_size=n, max_size=n, unique_by=lambda v: str(v)))
    # scores and times give the sort modes something to do
    scores = draw(st.lists(st.one_of(st.none(), st.integers(-3, 3)), min_size=n, max_size=n))
    return raw_ids, parents, scores


def children_of(parents):
    kids = [[] for _ in parents]
    roots = []
    for i, p in enumerate(parents):
        (roots if p is None else kids[p]).append(i)
    return roots, kids


def nested_doc(ids, parents, scores, flat_mask=None):
    """The nested form; where flat_mask[i] is set, comment i is written at top level with `parent`
    instead (the mixed form), after everything else, in pre-order."""
    roots, kids = children_of(parents)
    flat_mask = flat_mask or [False] * len(ids)

    def comment(i):
        c = {"id": ids[i]}
        if scores[i] is not None:
            c["score"] = scores[i]
        return c

    top, later = [], []
    # iterative pre-order; each entry: (index, the list it goes into)
    stack = [(i, top) for i in reversed(roots)]
    while stack:
        i, into = stack.pop()
        c = comment(i)
        if flat_mask[i] and parents[i] is not None:
            c["parent"] = ids[parents[i]]
            later.append(c)
        else:
            into.append(c)
        if kids[i]:
            c["replies"] = []
            stack.extend((k, c["replies"]) for k in reversed(kids[i]))
    return {"title": "random", "comments": top + later}


def preorder(parents):
    roots, kids = children_of(parents)
    out, stack = [], list(reversed(roots))
    while stack:
        i = stack.pop()
        out.append(i)
        stack.extend(reversed(kids[i]))
    return out


def flat_doc(ids, parents, scores, order):
    comments = []
    for i in order:
        c = {"id": ids[i]}
        if parents[i] is not None:
            c["parent"] = ids[parents[i]]
        if scores[i] is not None:
            c["score"] = scores[i]
        comments.append(c)
    return {"title": "random", "comments": comments}


def load(text, name, sort="original") -> Thread:
    thread, diags = load_text(text, name, "random", sort)
    assert thread is not None and diags == [], [str(d) for d in diags]
    return thread


def shape(t: Thread):
    return [(c.id, c.parent, c.depth, c.children, c.descendants, c.index, c.score)
            for c in t.comments]


def check_invariants(t: Thread) -> None:
    ids = [c.id for c in t.comments]
    assert len(ids) == len(set(ids))                                  # each comment once
    assert t.positions == {cid: n for n, cid in enumerate(ids)}
    assert t.max_depth == max((c.depth for c in t.comments), default=-1)
    for n, c in enumerate(t.comments):
        assert c.index == n
        kids = [t.comment(k) for k in c.children]
        assert c.descendants == sum(1 + k.descendants for k in kids)
        # the subtree is the contiguous run right after the comment in pre-order
        below = t.comments[n + 1: n + 1 + c.descendants]
        assert all(d.depth > c.depth for d in below)
        assert n + 1 + c.descendants == len(t.comments) or \
            t.comments[n + 1 + c.descendants].depth <= c.depth
        for k in kids:
            assert k.parent == c.id and k.index > c.index and k.depth == c.depth + 1
        if c.parent is None:
            assert c.depth == 0 and t.ancestors(c) == []
        else:
            p = t.comment(c.parent)
            assert c.id in p.children and p.index < c.index
            assert t.ancestors(c) == t.ancestors(p) + [p]
            assert len(t.ancestors(c)) == c.depth
        assert not c.orphan


COMMON = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@COMMON
@given(forests(), st.data())
def test_nested_flat_and_mixed_forms_agree(forest, data):
    ids, parents, scores = forest
    nested = load(yaml.safe_dump(nested_doc(ids, parents, scores), sort_keys=False,
                                 allow_unicode=True), "t.yaml")
    check_invariants(nested)
    expected_order = [str(ids[i]) for i in preorder(parents)]
    assert [c.id for c in nested.comments] == expected_order
    for c in nested.comments:
        i = [str(x) for x in ids].index(c.id)
        assert c.parent == (None if parents[i] is None else str(ids[parents[i]]))

    # flat, in pre-order and in creation order (parents first, not pre-order): the same tree
    for order in (preorder(parents), list(range(len(ids)))):
        flat = load(json.dumps(flat_doc(ids, parents, scores, order)), "t.json")
        assert shape(flat) == shape(nested)

    # mixed: some comments nested, others flat naming their parent. Flat ones are written after
    # all nested ones, so only a trailing run of each comment's replies may go flat: otherwise
    # the file order (which is the original order) would differ.
    drawn = data.draw(st.lists(st.booleans(), min_size=len(ids), max_size=len(ids)))
    mask = [False] * len(ids)
    for kids in children_of(parents)[1]:
        for k in reversed(kids):
            if not drawn[k]:
                break
            mask[k] = True
    mixed = load(json.dumps(nested_doc(ids, parents, scores, mask)), "t.json")
    assert shape(mixed) == shape(nested)


@COMMON
@given(forests())
def test_score_order_sorts_siblings_stably(forest):
    ids, parents, scores = forest
    t = load(json.dumps(flat_doc(ids, parents, scores, range(len(ids)))), "t.json", sort="score")
    check_invariants(t)
    original = load(json.dumps(flat_doc(ids, parents, scores, range(len(ids)))), "t.json")
    for c in [None] + t.comments:
        got = t.roots if c is None else t.replies(c)
        before = original.roots if c is None else original.replies(original.comment(c.id))
        assert sorted(x.id for x in got) == sorted(x.id for x in before)
        # highest first, missing last, ties in file order
        key = {x.id: (x.score is None, -(x.score or 0), n) for n, x in enumerate(before)}
        assert [x.id for x in got] == sorted((x.id for x in before), key=key.__getitem__)
