"""Reddit importer: thread .json with more stubs, deletions, escaping, deep nesting."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
import yaml

from threadpress.errors import ThreadpressError
from threadpress.importers import reddit
from threadpress.importers.common import run_import
from support import REAL_FIXTURES, loads_cleanly

OWN = Path(__file__).resolve().parent / "fixtures" / "import"
POLLS = REAL_FIXTURES / "reddit" / "comments-fo7p5b-announcements-polls.json"
FUNNY = REAL_FIXTURES / "reddit" / "comments-3hahrw-funny-continue-thread.json"


def convert(path: Path) -> dict:
    [t] = reddit.convert(path.read_bytes(), str(path))
    return t


def test_small_thread_structure_and_fields():
    t = convert(OWN / "reddit-small.json")
    assert [(c["id"], c.get("parent")) for c in t["comments"]] == [
        ("c1", None), ("c2", "c1"), ("c3", "c2"), ("c4", "c1"), ("c5", "c1"), ("c6", None)]
    assert t["title"] == "A title & more" and t["tags"] == ["Discussion"]
    assert "url" not in t  # a self post's url is its own permalink
    assert t["source"] == "https://www.reddit.com/r/test/comments/abc123/a_title/"
    assert t["points"] == 321 and t["created"] == "2020-09-13T12:26:39Z"
    assert t["more_count"] == 12 and t["num_comments"] == 20
    by = {c["id"]: c for c in t["comments"]}
    assert by["c1"]["more_count"] == 7 and by["c1"]["edited"] == "2020-09-13T12:35:00Z"
    assert by["c1"]["body"] == "Top **one** & a [link](https://x.test/?a=1&b=2)"
    assert by["c1"]["url"] == "https://www.reddit.com/r/test/comments/abc123/a_title/c1/"
    assert by["c2"]["deleted"] is True and "author" not in by["c2"] and "body" not in by["c2"]
    assert by["c3"]["continue_thread"] is True and by["c3"]["author"] == "bob"
    assert by["c4"]["removed"] is True and by["c4"]["deleted"] is True
    assert by["c5"]["deleted"] is True and by["c5"]["body"].startswith("account gone")
    assert by["c6"]["distinguished"] == "moderator" and by["c6"]["stickied"] is True
    assert "edited" not in by["c6"] and all(c["format"] == "gfm" for c in t["comments"])
    loads_cleanly(t)


def test_raw_json_keeps_entities_that_mean_something():
    t = convert(OWN / "reddit-small.json")
    by = {c["id"]: c for c in t["comments"]}
    assert by["c5"]["body"].endswith("&amp;lt;tag&amp;gt;")  # would otherwise become a tag
    assert t["body"] == "Self text with & an entity &#x200B;\n\n> quote"


def test_without_raw_json_everything_is_unescaped():
    t = convert(OWN / "reddit-escaped.json")
    assert t["title"] == "Less <than> & more"
    assert t["url"] == "https://example.com/a?b=1&c=2"
    [c] = t["comments"]
    assert c["body"] == "5 < 6 && 7 > 3, literal &lt;"
    assert c["url"] == "https://www.reddit.com/r/test/comments/esc001/esc/e1/"


def test_unescape_rules():
    assert reddit.unescape("a &amp;lt; b", True) == "a &lt; b"
    assert reddit.unescape("&lt;&gt;&amp;", True) == "<>&"
    assert reddit.unescape("q=1&amp;r=2 &amp;nbsp; &amp;#x27;", False) == "q=1&r=2 &amp;nbsp; &amp;#x27;"
    assert reddit.unescape("&lt;kept&gt;", False) == "&lt;kept&gt;"


def test_deep_chain_without_recursion():
    """Reddit chains can be thousands deep; flattening must not recurse."""
    depth = 5000
    leaf: object = ""
    for i in reversed(range(depth)):
        node = {"kind": "t1", "data": {"id": f"d{i}", "author": "a", "body": str(i),
                                       "created_utc": 1.0, "replies": leaf}}
        leaf = {"kind": "Listing", "data": {"children": [node]}}
    post = {"id": "deep", "title": "Deep", "permalink": "/r/x/comments/deep/d/"}
    comments, _ = reddit._comments(leaf["data"]["children"], post, False)
    assert len(comments) == depth and comments[-1]["parent"] == f"d{depth - 2}"


def test_deep_json_of_the_wrong_shape_is_read_then_refused():
    payload = b"[" * 100000 + b"]" * 100000  # any depth is read; the shape is still wrong
    with pytest.raises(ThreadpressError) as err:
        reddit.convert(payload, "deep.json")
    [d] = err.value.diagnostics
    assert d.file == "deep.json" and "expected a list of two Listings" in d.message


@pytest.mark.parametrize("payload, found", [
    (b"{}", "an empty object"),
    (b"[]", "a list of 0"),
    (b'[{"kind": "Listing", "data": {"children": []}}]', "a list of 1"),
    (b'{"id": 1, "children": []}', "an object"),
])
def test_wrong_shapes(payload, found):
    with pytest.raises(ThreadpressError) as err:
        reddit.convert(payload, "w.json")
    d = err.value.diagnostics[0]
    assert d.file == "w.json" and "not a Reddit thread .json" in d.message and found in d.message


def test_hn_file_given_to_reddit(tmp_path):
    src = OWN / "hn-algolia-small.json"
    with pytest.raises(ThreadpressError) as err:
        run_import("reddit", [str(src)], tmp_path, "yaml")
    assert err.value.diagnostics[0].file == str(src) and not any(tmp_path.iterdir())


def test_fetch_urls(monkeypatch):
    seen = []
    monkeypatch.setattr(reddit, "http_get", lambda url, what: seen.append(url) or b"[]")
    reddit.fetch("3hahrw")
    reddit.fetch("https://www.reddit.com/r/funny/comments/3hahrw/ba_dum_tsss/?utm=x#frag")
    assert seen == ["https://www.reddit.com/comments/3hahrw.json?raw_json=1&limit=500",
                    "https://www.reddit.com/r/funny/comments/3hahrw/ba_dum_tsss.json?raw_json=1&limit=500"]
    with pytest.raises(ThreadpressError):
        reddit.fetch("https://example.com/nope")


# --- the real payloads -----------------------------------------------------------------------

def _walk(path: Path) -> dict:
    """Independent extraction from the payload: comments with parents, deletions, more stubs."""
    data = json.loads(path.read_bytes())
    out = {"pairs": [], "deleted": 0, "removed": 0, "more": Counter(), "continued": set(),
           "depths": Counter()}
    stack = [(t, None, 1) for t in reversed(data[1]["data"]["children"])]
    while stack:
        thing, parent, depth = stack.pop()
        d = thing["data"]
        if thing["kind"] == "more":
            if d["id"] == "_":
                out["continued"].add(parent)
            else:
                out["more"][parent] += d["count"] or len(d["children"])
            continue
        out["pairs"].append((d["id"], parent))
        out["depths"][depth] += 1
        out["deleted"] += d["author"] in ("[deleted]", "[removed]") or d["body"] in ("[deleted]", "[removed]")
        out["removed"] += d["body"] == "[removed]"
        if d["replies"]:
            stack.extend((k, d["id"], depth + 1) for k in reversed(d["replies"]["data"]["children"]))
    return out


@pytest.mark.parametrize("path, count, deleted, stubs, depth", [
    (POLLS, 492, 19, 222, 10),
    (FUNNY, 476, 16, 18, 10),
])
def test_real_thread(path, count, deleted, stubs, depth):
    t = convert(path)
    expected = _walk(path)
    assert len(t["comments"]) == count == len(expected["pairs"])  # PROVENANCE.md counts
    assert [(c["id"], c.get("parent")) for c in t["comments"]] == expected["pairs"]
    assert sum(1 for c in t["comments"] if c.get("deleted")) == deleted == expected["deleted"]
    assert max(expected["depths"]) == depth
    by = {c["id"]: c for c in t["comments"]}
    more = {cid: c["more_count"] for cid, c in by.items() if "more_count" in c}
    if t.get("more_count"):
        more[None] = t["more_count"]
    assert more == dict(expected["more"])
    assert {cid for cid, c in by.items() if c.get("continue_thread")} == expected["continued"]
    # a deleted author with a surviving body keeps the body; "[deleted]" bodies are dropped
    assert all(c.get("body") not in ("[deleted]", "[removed]") for c in t["comments"])
    thread = loads_cleanly(t)
    assert thread.max_depth == depth - 1


def test_polls_post_fields():
    t = convert(POLLS)
    assert t["title"] == "Introducing Reddit Polls, An All-New Post Type" and "url" not in t
    assert t["points"] == 66707 and t["edited"] == "2020-03-24T23:10:24Z"
    options = t["poll"]["options"]
    assert len(options) == 6 and options[0] == {"text": "Hopeful", "votes": 1675}
    assert t["poll"]["total"] == 11249 and t["poll"]["ends"] == "2020-03-27T16:10:28Z"
    stubs = sum(1 for c in t["comments"] if "more_count" in c) + ("more_count" in t)
    assert stubs <= 222  # several stubs can sit on one parent


def test_funny_old_schema_and_amp():
    t = convert(FUNNY)
    assert t["url"] == "http://i.imgur.com/eoF76hj.gifv"
    amp = [c for c in t["comments"] if "youtube.com/watch?v=BdsQBqN7bCw" in c.get("body", "")]
    assert amp and amp[0]["body"] == "https://www.youtube.com/watch?v=BdsQBqN7bCw&feature=youtu.be&t=15s"
    assert all(c["url"].startswith("https://www.reddit.com/r/funny/comments/3hahrw/") for c in t["comments"])


def test_import_twice_identical_and_merge(tmp_path):
    src = POLLS if POLLS.is_file() else OWN / "reddit-small.json"
    [p] = run_import("reddit", [str(src)], tmp_path / "a", "yaml")
    [q] = run_import("reddit", [str(src)], tmp_path / "b", "yaml")
    assert p.read_bytes() == q.read_bytes()
    data = json.loads(src.read_bytes())
    forest = data[1]["data"]["children"]
    dropped = forest.pop(1)["data"]["id"]
    forest[0]["data"]["body"] = "changed upstream"
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(data))
    run_import("reddit", [str(changed)], tmp_path / "a", "yaml")
    merged = yaml.safe_load(p.read_text())
    by = {c["id"]: c for c in merged["comments"]}
    assert by[dropped]["removed_upstream"] is True and "parent" not in by[dropped]
    assert by[forest[0]["data"]["id"]]["body"] == "changed upstream"
    before = p.read_bytes()
    run_import("reddit", [str(changed)], tmp_path / "a", "yaml")
    assert p.read_bytes() == before
