"""Re-import never undoes the publisher: a three-way merge of the last import (the record),
the thread file as edited, and the new payload; checked by parsing the files written."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from dom import parse_file
from support import REAL_FIXTURES
from threadpress.cli import main
from threadpress.importers.threeway import merge3, upstream_view
from threadpress.load import load_content

OWN = Path(__file__).resolve().parent / "fixtures" / "import"
LOBSTERS = REAL_FIXTURES / "lobsters" / "story-d9ucpe-2021-schema.json"


def _import(capsys, source: str, payload: Path, content: Path, *extra: str) -> list[str]:
    """Run `threadpress import`; its lines per thread, then the totals of its summary line."""
    capsys.readouterr()
    code = main(["import", source, str(payload), "-o", str(content), "-v", *extra])
    out, err = capsys.readouterr()
    assert code == 0, err
    totals = re.search(r"inputs? \((\d+ new, \d+ merged, \d+ unchanged)\)", err)
    assert totals, err
    return out.splitlines() + [totals.group(1)]


def _read(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _write(path: Path, doc: dict) -> None:
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")


def _leaf(doc: dict) -> dict:
    """A comment no other comment answers."""
    parents = {str(c.get("parent")) for c in doc["comments"]}
    return next(c for c in reversed(doc["comments"]) if str(c["id"]) not in parents)


def _status(line: str) -> str:
    return line.split(": ", 1)[1]


def test_lobsters_edits_survive_reimport_and_the_thread_never_moves(tmp_path, capsys):
    """The issue's scenario: slug, title, a tag, a comment deleted by hand, one removed."""
    site = tmp_path / "site"
    content = site / "content"
    lines = _import(capsys, "lobsters", LOBSTERS, content)
    [path] = (content / "lobsters").iterdir()
    assert lines == [f"{path}: new", "1 new, 0 merged, 0 unchanged"]
    doc = _read(path)
    doc.update(slug="strace-problems", title="A better title", tags=doc.get("tags", []) + ["mine"])
    removed = _leaf(doc)
    doc["comments"].remove(removed)
    hidden = doc["comments"][0]
    hidden["deleted"] = True
    _write(path, doc)
    edited = path.read_bytes()

    lines = _import(capsys, "lobsters", LOBSTERS, content)
    assert lines == [f"{path}: unchanged", "0 new, 0 merged, 1 unchanged"]
    assert path.read_bytes() == edited  # not even re-formatted

    # upstream moves on: a new reply, a changed score, and a new title the publisher overrode
    payload = json.loads(LOBSTERS.read_text(encoding="utf-8"))
    payload["title"] = "Upstream retitled"
    scored = next(c for c in payload["comments"] if c["short_id"] not in
                  (hidden["id"], removed["id"]))
    scored["score"] += 10
    reply = dict(payload["comments"][-1], short_id="zz9999", comment="<p>late reply</p>",
                 short_id_url="https://lobste.rs/c/zz9999", url="https://lobste.rs/c/zz9999")
    payload["comments"].append(reply)
    later = tmp_path / "later.json"
    later.write_text(json.dumps(payload), encoding="utf-8")
    lines = _import(capsys, "lobsters", later, content)
    # kept as edited: the header (slug, title, tags), the hand-deleted and the removed comment;
    # updated: the score, and `archived` (a newer save of the payload)
    assert lines == [f"{path}: merged (+1 comments, 2 updated, 3 kept as edited)",
                     "0 new, 1 merged, 0 unchanged"]
    assert list((content / "lobsters").iterdir()) == [path]
    after = _read(path)
    assert (after["slug"], after["title"]) == ("strace-problems", "A better title")
    assert after["tags"] == doc["tags"]
    by_id = {c["id"]: c for c in after["comments"]}
    assert removed["id"] not in by_id
    assert by_id[hidden["id"]]["deleted"] is True
    assert by_id[hidden["id"]]["body"] == hidden["body"]
    assert by_id[scored["short_id"]]["score"] == scored["score"]
    assert by_id["zz9999"]["body"] == "<p>late reply</p>"

    assert main(["check", str(site)]) == 0
    assert main(["build", str(site), "-q", "-j", "1"]) == 0
    page = parse_file(site / "output" / "strace-problems" / "index.html")
    assert page.find("h1").text.strip().startswith("A better title")
    assert not (site / "output" / "lobsters").exists()


EVERY_SOURCE = {"hn": "hn-firebase-small.jsonl", "reddit": "reddit-small.json",
                "lobsters": "lobsters-2025.json", "discourse": "discourse-topic-modern.json",
                "github": "github-issue-with-comments.json", "mastodon": "mastodon-thread.json",
                "mbox": "mbox-small.mbox"}


@pytest.mark.parametrize("source", sorted(EVERY_SOURCE))
def test_every_importer_keeps_hand_edits(source, tmp_path, capsys):
    """The issue's edits on one thread of each source, re-imported from the same payload."""
    content = tmp_path / "site" / "content"
    payload = OWN / EVERY_SOURCE[source]
    _import(capsys, source, payload, content)
    path = max((content / source).iterdir(), key=lambda p: len(_read(p)["comments"]))
    doc = _read(path)
    assert len(doc["comments"]) >= 2
    doc.update(slug=f"kept/{source}", title="Mine", tags=["mine"])
    removed = _leaf(doc)
    doc["comments"].remove(removed)
    doc["comments"][0].update(deleted=True, body="[withdrawn]")
    _write(path, doc)
    for again in (payload, payload):  # twice: the second import sees the first one's record
        lines = _import(capsys, source, again, content)
        assert f"{path}: unchanged" in lines
    after = _read(path)
    assert after == doc
    assert [t.slug for t in load_content(content).threads if t.title == "Mine"] == \
        [f"kept/{source}"]


def test_hn_upstream_changes_land_where_not_edited(tmp_path, capsys):
    content = tmp_path / "site" / "content"
    payload = json.loads((OWN / "hn-algolia-small.json").read_text(encoding="utf-8"))
    first = tmp_path / "first.json"
    first.write_text(json.dumps(payload), encoding="utf-8")
    _import(capsys, "hn", first, content)
    path = content / "hn" / "100.yaml"
    doc = _read(path)
    mine, theirs = doc["comments"][0], doc["comments"][1]
    mine["body"] = "<p>fixed a typo</p>"
    _write(path, doc)

    top = payload["children"][0]
    top["text"] = "<p>edited upstream too</p>"     # the publisher's text wins
    assert str(top["id"]) == mine["id"]
    child = top["children"][0]
    assert str(child["id"]) == theirs["id"]
    child["text"] = "<p>edited upstream</p>"       # not edited here: it lands
    child["points"] = 99
    gone = payload["children"].pop()              # vanished upstream: kept and marked
    top["children"].append({"id": 999, "type": "comment", "author": "zed",
                            "created_at_i": 1577990000, "text": "<p>new</p>",
                            "children": []})
    second = tmp_path / "second.json"
    second.write_text(json.dumps(payload), encoding="utf-8")
    [line, total] = _import(capsys, "hn", second, content)
    assert _status(line) == "merged (+1 comments, 2 updated, 1 kept as edited)"
    after = {c["id"]: c for c in _read(path)["comments"]}
    assert after[mine["id"]]["body"] == "<p>fixed a typo</p>"
    assert after[theirs["id"]]["body"] == "<p>edited upstream</p>"
    assert after[theirs["id"]]["score"] == 99
    assert after[str(gone["id"])]["removed_upstream"] is True
    assert after["999"]["parent"] == mine["id"]
    order = list(after)
    assert order.index("999") > order.index(theirs["id"])  # after its older sibling

    # the gone comment comes back: the mark goes, since the publisher never touched it
    _import(capsys, "hn", first, content)
    back = {c["id"]: c for c in _read(path)["comments"]}
    assert "removed_upstream" not in back[str(gone["id"])]
    assert back[mine["id"]]["body"] == "<p>fixed a typo</p>"


def test_the_record_travels_with_the_content_and_is_never_published(tmp_path, capsys):
    site = tmp_path / "site"
    _import(capsys, "hn", OWN / "hn-algolia-small.json", site / "content")
    record = site / "content" / "_imports" / "hn" / "100.json"
    data = json.loads(record.read_text(encoding="utf-8"))
    assert data["source"] == "hn" and data["thread"]["id"] == "100"
    assert [t.slug for t in load_content(site / "content").threads] == ["hn/100"]


def test_without_a_record_the_file_wins_and_new_comments_arrive(tmp_path, capsys):
    """A thread imported before records existed: nothing in it is taken for stale."""
    content = tmp_path / "content"
    payload = json.loads((OWN / "hn-algolia-small.json").read_text(encoding="utf-8"))
    _import(capsys, "hn", OWN / "hn-algolia-small.json", content)
    (content / "_imports" / "hn" / "100.json").unlink()
    path = content / "hn" / "100.yaml"
    doc = _read(path)
    doc["title"] = "Mine"
    _write(path, doc)
    payload["title"] = "Theirs"
    payload["children"].append({"id": 777, "type": "comment", "author": "new",
                                "text": "<p>hi</p>", "children": []})
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(payload), encoding="utf-8")
    _import(capsys, "hn", changed, content)
    after = _read(path)
    tops = [c["id"] for c in after["comments"] if "parent" not in c]
    assert after["title"] == "Mine" and tops[-1] == "777"
    assert (content / "_imports" / "hn" / "100.json").is_file()


def test_a_broken_record_is_named_and_nothing_is_written(tmp_path, capsys):
    content = tmp_path / "content"
    _import(capsys, "hn", OWN / "hn-algolia-small.json", content)
    record = content / "_imports" / "hn" / "100.json"
    record.write_text("[1, 2]", encoding="utf-8")
    before = (content / "hn" / "100.yaml").read_bytes()
    assert main(["import", "hn", str(OWN / "hn-algolia-small.json"), "-o", str(content)]) == 1
    err = capsys.readouterr().err
    assert str(record) in err and "not an import record" in err
    assert (content / "hn" / "100.yaml").read_bytes() == before


# --- the merge itself, table-driven ------------------------------------------------------

def _t(title: str = "T", **comments: dict) -> dict:
    return {"title": title, "id": "1",
            "comments": [{"id": cid, **fields} for cid, fields in comments.items()]}


@pytest.mark.parametrize("base, local, new, expected", [
    ("a", "a", "b", "b"),        # upstream change lands
    ("a", "x", "b", "x"),        # local edit wins
    ("a", "x", "a", "x"),        # local edit, no upstream change
    ("a", "b", "b", "b"),        # both made the same change
])
def test_field_rules(base, local, new, expected):
    merged, _ = merge3(_t(base), _t(local), _t(new))
    assert merged["title"] == expected


def test_a_field_removed_locally_stays_removed_and_ids_compare_as_text():
    base = _t(c={"body": "B", "score": 1})
    local = {"title": "T", "id": "1", "comments": [{"id": "c", "score": 1}]}
    new = _t(c={"body": "B2", "score": 2})
    merged, counts = merge3(base, local, new)
    assert merged["comments"] == [{"id": "c", "score": 2}]
    assert (counts.updated, counts.kept, counts.conflicts) == (1, 1, 1)
    local_int = {"title": "T", "id": 1, "comments": [{"id": 5, "body": "B"}]}
    merged, counts = merge3(_t(**{"5": {"body": "B"}}), local_int, _t(**{"5": {"body": "N"}}))
    assert merged["comments"] == [{"id": 5, "body": "N"}] and counts.kept == 0


def test_replies_to_a_comment_the_publisher_removed_stay_out():
    base = _t(a={}, b={"parent": "a"})
    local = _t(a={})
    new = _t(a={}, b={"parent": "a"}, c={"parent": "b"}, d={"parent": "a"})
    merged, counts = merge3(base, local, new)
    assert [c["id"] for c in merged["comments"]] == ["a", "d"]
    assert (counts.added, counts.kept) == (1, 1)


def test_upstream_view_marks_what_vanished_in_its_old_place():
    base = _t(a={}, b={"parent": "a"}, c={"parent": "a"})
    view = upstream_view(base, _t(a={}, c={"parent": "a"}))
    assert [(c["id"], c.get("removed_upstream")) for c in view["comments"]] == \
        [("a", None), ("b", True), ("c", None)]


def test_merging_a_deep_flat_chain_needs_no_recursion():
    depth = 20_000
    chain = {str(i): ({"parent": str(i - 1)} if i else {}) for i in range(depth)}
    base = _t(**chain)
    new = _t(**{**chain, "new": {"parent": str(depth - 1)}})
    merged, counts = merge3(base, base, new)
    assert len(merged["comments"]) == depth + 1 and counts.added == 1
