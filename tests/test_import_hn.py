"""Hacker News importer: Algolia item trees and Firebase item lists / JSON Lines."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from threadpress.errors import ThreadpressError
from threadpress.importers import hn
from threadpress.importers.common import dump, run_import
from support import REAL_FIXTURES, loads_cleanly

OWN = Path(__file__).resolve().parent / "fixtures" / "import"
WHOISHIRING = REAL_FIXTURES / "hn-algolia" / "item-2396027-whoishiring-2011-04.json"


def convert(path: Path) -> dict:
    [t] = hn.convert(path.read_bytes(), str(path))
    return t


def test_algolia_small():
    t = convert(OWN / "hn-algolia-small.json")
    assert t["title"] == "Show HN: Small & tidy" and t["id"] == "100" and "url" not in t
    assert t["source"] == "https://news.ycombinator.com/item?id=100" and t["points"] == 42
    assert [(c["id"], c.get("parent")) for c in t["comments"]] == \
        [("101", None), ("103", "101"), ("104", "103"), ("102", None)]
    deleted = t["comments"][1]
    assert deleted["deleted"] is True and "author" not in deleted and "body" not in deleted
    assert t["comments"][0]["format"] == "html" and t["comments"][0]["score"] == 5
    assert t["comments"][0]["url"] == "https://news.ycombinator.com/item?id=101"
    assert t["created"] == "2020-01-02T03:04:05Z"
    loads_cleanly(t)


def test_firebase_list_and_json_lines_agree():
    a = convert(OWN / "hn-firebase-small.json")
    b = convert(OWN / "hn-firebase-small.jsonl")
    assert dump(a, "yaml") == dump(b, "yaml")
    # kids order, then a reply the parent's saved kids did not list yet
    assert [(c["id"], c.get("parent")) for c in a["comments"]] == [
        ("201", None), ("205", "201"), ("206", "205"), ("203", "201"), ("202", None),
        ("207", "202"), ("204", None)]
    by = {c["id"]: c for c in a["comments"]}
    assert by["205"]["deleted"] is True and "author" not in by["205"]
    assert by["206"]["parent"] == "205"  # replies to a deleted comment are kept
    assert by["204"]["dead"] is True and "body" not in by["204"]  # "[dead]" is a placeholder
    assert a["title"] == "Ask HN: Firebase?" and a["points"] == 99 and a["author"] == "frank"
    loads_cleanly(a)


def test_firebase_story_found_without_type():
    items = json.loads((OWN / "hn-firebase-small.json").read_text())
    for i in items:
        if i["id"] == 200:
            del i["type"]
    [t] = hn.convert(json.dumps(items).encode(), "x.json")
    assert t["id"] == "200" and len(t["comments"]) == 7


def test_firebase_single_story_item():
    item = {"by": "a", "id": 5, "kids": [6], "title": "Lonely", "type": "story", "time": 1}
    [t] = hn.convert(json.dumps(item).encode(), "one.json")
    assert t["title"] == "Lonely" and t["comments"] == []


def test_comment_item_is_rejected_with_a_hint():
    item = {"id": 7, "type": "comment", "author": "x", "text": "hi", "parent_id": 5,
            "story_id": 5, "children": []}
    with pytest.raises(ThreadpressError) as err:
        hn.convert(json.dumps(item).encode(), "c.json")
    assert "not a story" in str(err.value) and "5" in str(err.value)


def test_reddit_file_given_to_hn(tmp_path):
    src = OWN / "reddit-small.json"
    with pytest.raises(ThreadpressError) as err:
        run_import("hn", [str(src)], tmp_path, "yaml")
    d = err.value.diagnostics[0]
    assert d.file == str(src)
    assert "not a Hacker News Algolia item or Firebase item list" in d.message
    assert "'kind'" in d.message  # says what it found
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize("payload", [b"[]", b"{}", b'"text"', b"[1, 2]", b'{"kids": []}'])
def test_wrong_shapes_are_rejected(payload):
    with pytest.raises(ThreadpressError) as err:
        hn.convert(payload, "w.json")
    assert err.value.diagnostics[0].file == "w.json"


def test_truncated_json_lines_reports_json_error():
    text = (OWN / "hn-firebase-small.jsonl").read_bytes()[:-30]
    with pytest.raises(ThreadpressError) as err:
        hn.convert(text, "t.jsonl")
    assert "not valid JSON" in str(err.value)


def test_fetch_parses_ids_and_urls(monkeypatch):
    seen = []
    monkeypatch.setattr(hn, "http_get", lambda url, what: seen.append(url) or b"{}")
    hn.fetch("2396027")
    hn.fetch("https://news.ycombinator.com/item?id=2396027")
    assert seen == ["https://hn.algolia.com/api/v1/items/2396027"] * 2
    with pytest.raises(ThreadpressError):
        hn.fetch("https://example.com/")


# --- the real Algolia payload ----------------------------------------------------------------

@pytest.fixture
def whoishiring() -> tuple[dict, dict]:
    return json.loads(WHOISHIRING.read_bytes()), convert(WHOISHIRING)


def _expected(root: dict) -> tuple[list[tuple[str, str | None]], Counter]:
    """Independent extraction: (id, parent_id) in pre-order and the per-depth counts."""
    out, depths = [], Counter()
    stack = [(c, 1) for c in reversed(root["children"])]
    while stack:
        c, depth = stack.pop()
        parent = None if c["parent_id"] == root["id"] else str(c["parent_id"])
        out.append((str(c["id"]), parent))
        depths[depth] += 1
        stack.extend((k, depth + 1) for k in reversed(c["children"]))
    return out, depths


def test_whoishiring_every_comment_with_its_parent(whoishiring):
    raw, t = whoishiring
    expected, depths = _expected(raw)
    assert len(t["comments"]) == 296 == len(expected)
    assert dict(depths) == {1: 219, 2: 48, 3: 21, 4: 5, 5: 1, 6: 2}  # PROVENANCE.md
    assert [(c["id"], c.get("parent")) for c in t["comments"]] == expected
    assert len({c["id"] for c in t["comments"]}) == 296
    assert "url" not in t and t["points"] == 280 and t["author"] == "whoishiring"
    assert not any(c.get("deleted") or c.get("dead") for c in t["comments"])
    assert all(c["format"] == "html" and c["body"] for c in t["comments"])
    loads_cleanly(t)


def test_whoishiring_loader_depth(whoishiring):
    from threadpress.load import load_text

    _, t = whoishiring
    thread, _ = load_text(dump(t, "yaml"), "t.yaml", "t")
    assert thread.max_depth == 5  # depth 6 in PROVENANCE terms, 0-based here


def test_whoishiring_import_twice_is_byte_identical(whoishiring, tmp_path):
    [p] = run_import("hn", [str(WHOISHIRING)], tmp_path / "a", "yaml")
    [q] = run_import("hn", [str(WHOISHIRING)], tmp_path / "b", "yaml")
    run_import("hn", [str(WHOISHIRING)], tmp_path / "a", "yaml")  # re-import over itself
    assert p.read_bytes() == q.read_bytes()


def test_whoishiring_reimport_merges(whoishiring, tmp_path):
    raw, _ = whoishiring
    [path] = run_import("hn", [str(WHOISHIRING)], tmp_path, "yaml")
    gone = raw["children"][0]["children"][0]          # a reply, dropped upstream
    raw["children"][0]["children"].pop(0)
    raw["children"][1]["text"] = "<p>edited upstream</p>"
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(raw))
    run_import("hn", [str(changed)], tmp_path, "yaml")
    import yaml
    merged = yaml.safe_load(path.read_text())
    by = {c["id"]: c for c in merged["comments"]}
    assert len(merged["comments"]) == 296
    kept = by[str(gone["id"])]
    assert kept["removed_upstream"] is True and kept["parent"] == str(raw["children"][0]["id"])
    order = [c["id"] for c in merged["comments"]]
    assert order.index(str(gone["id"])) == order.index(str(raw["children"][0]["id"])) + 1
    assert by[str(raw["children"][1]["id"])]["body"] == "<p>edited upstream</p>"
    before = path.read_bytes()
    run_import("hn", [str(changed)], tmp_path, "yaml")
    assert path.read_bytes() == before


# --- each field decoded as its API encodes it ------------------------------------------------

def test_firebase_titles_are_html_and_get_decoded():
    items = json.loads((OWN / "hn-firebase-small.json").read_text())
    story = next(i for i in items if i.get("title"))
    story["title"] = "An archive-worthy discussion &amp; more &#x27;quoted&#x27; &lt;3"
    [t] = hn.convert(json.dumps(items).encode(), "f.json")
    assert t["title"] == "An archive-worthy discussion & more 'quoted' <3"


def test_algolia_titles_are_plain_text_and_stay_as_written():
    tree = json.loads((OWN / "hn-algolia-small.json").read_text())
    tree["title"] = "Why &amp; is how you write & in HTML"
    [t] = hn.convert(json.dumps(tree).encode(), "a.json")
    assert t["title"] == "Why &amp; is how you write & in HTML"


def test_algolia_literal_backslash_n_becomes_a_line_break():
    tree = json.loads((OWN / "hn-algolia-small.json").read_text())
    tree["children"][0]["text"] = ("<p>New York, NY -\\nRuby back end</p><pre><code>  * one\\n"
                                   "  * two\\n</code></pre><p>printf(\"hi\\\\n\")</p>")
    [t] = hn.convert(json.dumps(tree).encode(), "a.json")
    assert t["comments"][0]["body"] == ("<p>New York, NY -\nRuby back end</p><pre><code>  * one\n"
                                        "  * two\n</code></pre><p>printf(\"hi\\\\n\")</p>")


def test_whoishiring_has_no_literal_backslash_n_left():
    raw = json.loads(WHOISHIRING.read_text())
    stack, escaped = [raw], 0
    while stack:
        item = stack.pop()
        stack.extend(item.get("children") or [])
        escaped += "\\n" in (item.get("text") or "")
    assert escaped == 32   # the payload's own count
    t = convert(WHOISHIRING)
    assert not [c["id"] for c in t["comments"] if "\\n" in (c.get("body") or "")]
    code = next(c for c in t["comments"] if c["id"] == "2396194")["body"]
    assert "\n    - Linux kernel\n" in code
