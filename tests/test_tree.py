"""tree.build: parents, children, depth, pre-order, descendants, sibling order; broken trees."""

from __future__ import annotations

import json
import sys

import pytest

from threadpress import tree
from threadpress.load import load_text
from threadpress.model import Comment, Thread
from threadpress.parse import MAX_NESTING
from support import parse_diagnostic



def load(text: str, name: str = "t.yaml", sort: str = "original"):
    return load_text(text, name, "t", sort)


def ok(text: str, name: str = "t.yaml", sort: str = "original") -> Thread:
    thread, diags = load(text, name, sort)
    assert thread is not None and not [d for d in diags if not d.warning], [str(d) for d in diags]
    return thread


def failing(text: str, name: str = "t.yaml") -> list[dict]:
    thread, diags = load(text, name)
    assert thread is None
    return [parse_diagnostic(str(d)) for d in diags]


MIXED = """\
title: t
comments:
  - id: a
    replies:
      - id: b
        replies:
          - id: c
      - id: d
  - id: e
  - id: f
    parent: b
  - id: g
    parent: e
    replies:
      - id: h
        parent: g
"""


def test_computed_fields_mixed_forms():
    t = ok(MIXED)
    ids = [c.id for c in t.comments]
    assert ids == ["a", "b", "c", "f", "d", "e", "g", "h"]          # pre-order, file order
    got = {c.id: (c.parent, c.depth, c.children, c.descendants, c.index) for c in t.comments}
    assert got == {
        "a": (None, 0, ["b", "d"], 4, 0),
        "b": ("a", 1, ["c", "f"], 2, 1),
        "c": ("b", 2, [], 0, 2),
        "f": ("b", 2, [], 0, 3),
        "d": ("a", 1, [], 0, 4),
        "e": (None, 0, ["g"], 2, 5),
        "g": ("e", 1, ["h"], 1, 6),
        "h": ("g", 2, [], 0, 7),
    }
    assert t.max_depth == 2 and [c.id for c in t.roots] == ["a", "e"]
    assert [c.id for c in t.ancestors(t.comment("f"))] == ["a", "b"]
    assert [c.id for c in t.ancestors(t.comment("f"), limit=1)] == ["b"]
    assert t.ancestors(t.comment("a")) == []
    assert t.parent_of(t.comment("h")).id == "g" and t.parent_of(t.comment("a")) is None
    assert [c.id for c in t.replies(t.comment("a"))] == ["b", "d"]
    assert t.positions == {c.id: i for i, c in enumerate(t.comments)}
    assert t.get("zzz") is None and t.get("c").id == "c"


def test_flat_parent_may_come_later_in_the_file():
    t = ok("title: t\ncomments:\n- {id: 2, parent: 1}\n- {id: 1}\n")
    assert [(c.id, c.parent, c.depth) for c in t.comments] == [("1", None, 0), ("2", "1", 1)]


def test_integer_and_string_ids_are_the_same():
    t = ok('{"title": "t", "comments": [{"id": 7}, {"id": "8", "parent": 7}]}', "t.json")
    assert t.comment("8").parent == "7"


def test_duplicate_ids_name_both_places():
    text = "title: t\ncomments:\n  - id: 1\n    replies:\n      - id: 2\n  - id: 2\n"
    [d] = failing(text)
    assert (d["line"], d["column"], d["field"]) == (6, 9, "comments[1].id")
    assert "duplicate comment id '2'" in d["message"]
    assert "also at comments[0].replies[0].id (line 5)" in d["message"]


def test_duplicate_int_and_string_id():
    [d] = failing('{"title": "t",\n "comments": [{"id": 1},\n {"id": "1"}]}', "t.json")
    assert (d["line"], d["column"]) == (3, 9) and "(line 2)" in d["message"]


def test_missing_parent_orphans_comment_and_replies():
    text = ("title: t\ncomments:\n  - id: 1\n  - id: 2\n    parent: 99\n"
            "  - id: 3\n    parent: 2\n")
    thread, diags = load(text)
    assert thread is not None
    [d] = [parse_diagnostic(str(d)) for d in diags]
    assert d["kind"] == "warning" and (d["line"], d["column"]) == (5, 13)
    assert d["field"] == "comments[1].parent" and "'99'" in d["message"]
    two = thread.comment("2")
    assert two.orphan and two.missing_parent == "99" and two.parent is None and two.depth == 0
    assert thread.comment("3").parent == "2" and not thread.comment("3").orphan
    assert [c.id for c in thread.comments] == ["1", "2", "3"]


def test_parent_cycle_names_the_ids():
    text = ("title: t\ncomments:\n  - {id: a, parent: c}\n  - {id: b, parent: a}\n"
            "  - {id: c, parent: b}\n  - {id: d, parent: d}\n  - {id: e}\n")
    got = failing(text)
    assert len(got) == 2
    first, second = got
    assert "cycle" in first["message"]
    assert all(f"'{x}'" in first["message"] for x in "abc")
    assert (first["line"], first["column"]) == (3, 21)
    assert "'d' → 'd'" in second["message"] and (second["line"], second["column"]) == (6, 21)


def test_cycle_through_nesting():
    # b is nested under a, while a names b as its parent
    [d] = failing("title: t\ncomments:\n  - id: a\n    parent: b\n    replies:\n      - id: b\n")
    assert "cycle" in d["message"] and "'a'" in d["message"] and "'b'" in d["message"]


def test_nested_under_one_but_parent_names_another():
    text = ("title: t\ncomments:\n  - id: a\n  - id: b\n    replies:\n"
            "      - id: c\n        parent: a\n")
    [d] = failing(text)
    assert (d["line"], d["column"], d["field"]) == (7, 17, "comments[1].replies[0].parent")
    assert "nested under 'b'" in d["message"] and "'a'" in d["message"]


def test_a_broken_tree_is_not_guessed_at():
    """A duplicate id, or a parent that disagrees with the nesting, stops the tree there: the
    orphans and cycles that guessing would produce are not reported on top."""
    [d] = failing("title: t\ncomments:\n  - {id: 1}\n  - {id: 1, parent: 9}\n"
                  "  - {id: 2, parent: 2}\n")
    assert "duplicate comment id '1'" in d["message"]
    [d] = failing("title: t\ncomments:\n  - id: a\n    replies:\n      - {id: b, parent: x}\n"
                  "  - {id: c, parent: c}\n")
    assert "nested under 'a'" in d["message"]
    th = Thread(id="t", slug="t", title="t", path="x.yaml")
    raws = [tree.Raw(Comment(id="a"), None, None, ("comments", 0)),
            tree.Raw(Comment(id="b"), 0, "x", ("comments", 0, "replies", 0)),
            tree.Raw(Comment(id="c"), None, "c", ("comments", 1))]
    assert len(tree.build(th, raws)) == 1 and th.comments == []


def test_nested_and_matching_parent_is_fine():
    t = ok("title: t\ncomments:\n  - id: a\n    replies:\n      - {id: b, parent: a}\n")
    assert t.comment("b").parent == "a"


def test_deleted_and_dead_keep_place_and_replies():
    t = ok("title: t\ncomments:\n  - id: 1\n    deleted: true\n    replies:\n      - id: 2\n"
           "        dead: true\n        replies: [{id: 3}]\n  - id: 4\n")
    assert [c.id for c in t.comments] == ["1", "2", "3", "4"]
    assert t.comment("1").deleted and t.comment("2").dead and t.comment("3").depth == 2
    assert t.comment("1").descendants == 2


SORTABLE = """\
title: t
comments:
  - {id: a, created: 2024-01-03T00:00:00Z, score: 1}
  - {id: b, score: 5}
  - {id: c, created: 2024-01-01T00:00:00Z, score: 5}
  - {id: d, created: 2024-01-02T00:00:00Z}
  - {id: e, created: 2024-01-01T00:00:00Z, score: 9}
  - id: p
    replies:
      - {id: p1, created: 2024-01-05T00:00:00Z, score: 1}
      - {id: p2, created: 2024-01-04T00:00:00Z, score: 2}
"""


@pytest.mark.parametrize("sort,roots,kids", [
    ("original", "a b c d e p", "p1 p2"),
    ("oldest", "c e d a b p", "p2 p1"),      # ties (c, e) keep file order; missing last
    ("newest", "a d c e b p", "p1 p2"),
    ("score", "e b c a d p", "p2 p1"),       # b and c tie at 5: file order
])
def test_sibling_order(sort, roots, kids):
    t = ok(SORTABLE, sort=sort)
    assert " ".join(c.id for c in t.roots) == roots
    assert t.comment("p").children == kids.split()
    # pre-order follows the sorted order
    assert [c.id for c in t.comments][-3:] == ["p"] + kids.split()


def test_per_thread_sort_beats_the_site_default():
    t = ok(SORTABLE.replace("title: t\n", "title: t\nsort: score\n"), sort="oldest")
    assert [c.id for c in t.roots][0] == "e"


# --- depth -------------------------------------------------------------------------------------

CHAIN = 100_000


def test_flat_chain_of_100000():
    comments = [{"id": 0}] + [{"id": i, "parent": i - 1} for i in range(1, CHAIN)]
    text = json.dumps({"title": "chain", "comments": comments})
    t = ok(text, "t.json")
    assert len(t.comments) == CHAIN and t.max_depth == CHAIN - 1
    last = t.comments[-1]
    assert last.depth == CHAIN - 1 and last.index == CHAIN - 1
    assert t.comments[0].descendants == CHAIN - 1
    chain = t.ancestors(last)
    assert len(chain) == CHAIN - 1 and chain[0].id == "0" and chain[-1].id == str(CHAIN - 2)
    # a traversal a theme might do, by ids, without recursion
    seen, stack = 0, [t.roots[0].id]
    while stack:
        c = t.comment(stack.pop())
        seen += 1
        stack.extend(reversed(c.children))
    assert seen == CHAIN


def test_flat_chain_in_yaml_with_a_broken_link_far_down():
    lines = ["title: chain", "comments:", "- {id: 0}"]
    lines += [f"- {{id: {i}, parent: {i - 1}}}" for i in range(1, CHAIN)]
    lines[-1] = f"- {{id: {CHAIN - 1}, parent: {CHAIN - 1}}}"  # a self-cycle at the bottom
    thread, diags = load("\n".join(lines) + "\n")
    assert thread is None
    [d] = [parse_diagnostic(str(d)) for d in diags]
    assert "cycle" in d["message"] and (d["line"], d["column"]) == (CHAIN + 2, 23)


def test_flat_cycle_of_100000():
    comments = [{"id": i, "parent": (i - 1) % CHAIN} for i in range(CHAIN)]
    thread, diags = load(json.dumps({"title": "loop", "comments": comments}), "t.json")
    assert thread is None and len(diags) == 1 and "cycle" in diags[0].message


def nested_json(levels: int) -> str:
    return ('{"title": "deep", "comments": '
            + '[{"id": "x%d", "replies": ' * levels % tuple(range(levels))
            + "[]" + "}]" * levels + "}")


def test_deep_nested_json_beyond_python_recursion_limit_loads():
    levels = sys.getrecursionlimit() + 200          # 2 containers a level: well past the limit
    assert 2 * levels + 2 < MAX_NESTING
    t = ok(nested_json(levels), "t.json")
    assert len(t.comments) == levels and t.max_depth == levels - 1
    assert t.comments[-1].id == f"x{levels - 1}" and t.comments[0].descendants == levels - 1


def test_nested_form_deeper_than_max_nesting_is_a_clear_error():
    levels = MAX_NESTING // 2 + 10
    [d] = failing(nested_json(levels), "t.json")
    assert f"more than {MAX_NESTING} levels" in d["message"] and "flat form" in d["message"]
    assert d["line"] == 1


def test_tree_build_directly():
    th = Thread(id="t", slug="t", title="t", path="x.yaml")
    raws = [tree.Raw(Comment(id="a"), None, None, ("comments", 0)),
            tree.Raw(Comment(id="b"), 0, None, ("comments", 0, "replies", 0)),
            tree.Raw(Comment(id="c"), None, "b", ("comments", 1))]
    assert tree.build(th, raws) == []
    assert [(c.id, c.depth, c.descendants) for c in th.comments] == [
        ("a", 0, 2), ("b", 1, 1), ("c", 2, 0)]


def test_empty_thread():
    th = Thread(id="t", slug="t", title="t")
    assert tree.build(th, []) == [] and th.comments == [] and th.max_depth == -1
