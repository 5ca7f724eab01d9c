"""Mastodon importer: status + context built from the documented Status/Context entities."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from threadpress.errors import ThreadpressError
from threadpress.importers import mastodon
from support import loads_cleanly, load_warnings

HERE = Path(__file__).resolve().parent / "fixtures" / "import"
THREAD = HERE / "mastodon-thread.json"


def test_root_is_top_of_ancestors_and_every_status_arrives_with_its_parent():
    doc = json.loads(THREAD.read_bytes())
    statuses = doc["context"]["ancestors"] + [doc["status"]] + doc["context"]["descendants"]
    root = statuses[0]
    [thread] = mastodon.convert(THREAD.read_bytes(), "m.json")
    assert thread["id"] == root["id"] == "100"
    assert thread["author"] == "alice" and thread["tags"] == ["code"]
    assert thread["title"] == "Hot take: tabs > spaces. #code"
    assert thread["source"] == "https://social.example/@alice/100"
    expected = {s["id"]: (None if s["in_reply_to_id"] == root["id"] else s["in_reply_to_id"])
                for s in statuses[1:]}
    assert {c["id"]: c.get("parent") for c in thread["comments"]} == expected
    loads_cleanly(thread)


def test_comments_are_in_pre_order():
    [thread] = mastodon.convert(THREAD.read_bytes(), "m.json")
    assert [c["id"] for c in thread["comments"]] == ["110", "120", "130", "135", "140", "150"]
    seen: set[str] = set()
    for c in thread["comments"]:
        assert c.get("parent") in seen | {None, "999"}  # parents first; 999 is an orphan
        seen.add(c["id"])


def test_fields_map():
    [thread] = mastodon.convert(THREAD.read_bytes(), "m.json")
    c = {x["id"]: x for x in thread["comments"]}
    assert c["120"]["edited"] == "2024-06-01T02:05:00Z" and c["120"]["created"] == "2024-06-01T02:00:00Z"
    assert c["130"]["content_warning"] == "code style flamewar"
    assert c["110"]["author"] == "bob@other.example" and c["110"]["format"] == "html"
    assert c["110"]["url"] == "https://social.example/@bob@other.example/110"
    assert c["130"]["score"] == 130 % 4 and c["140"]["attachments"] == [
        {"type": "image", "url": "https://files.social.example/m.png", "description": "a chart"}]
    assert c["150"]["parent"] == "999"
    warnings = load_warnings(thread)
    assert any("999" in str(w) for w in warnings)


def test_top_level_context_form_and_bare_status():
    payload = (HERE / "mastodon-toplevel-context.json").read_bytes()
    [thread] = mastodon.convert(payload, "m.json")
    assert thread["id"] == "100" and [c["id"] for c in thread["comments"]] == ["110", "120"]
    status = json.loads(payload)["status"]
    [alone] = mastodon.convert(json.dumps(status).encode(), "s.json")
    assert alone["id"] == "100" and "comments" not in alone  # says nothing about replies
    loads_cleanly(alone)


def test_title_falls_back_and_truncates():
    doc = json.loads(THREAD.read_bytes())
    root = doc["context"]["ancestors"][0]
    root["content"] = "<p>" + "word " * 40 + "</p>"
    [thread] = mastodon.convert(json.dumps({"status": root}).encode(), "m.json")
    assert thread["title"].endswith("…") and len(thread["title"]) <= 81
    root["content"] = ""
    [thread] = mastodon.convert(json.dumps({"status": root}).encode(), "m.json")
    assert thread["title"] == "Post by @alice"


def test_reply_cycle_keeps_everything():
    doc = json.loads(THREAD.read_bytes())
    root = doc["context"]["ancestors"][0]
    a, b = (dict(doc["status"], id="a", in_reply_to_id="b"),
            dict(doc["status"], id="b", in_reply_to_id="a"))
    [thread] = mastodon.convert(json.dumps({"status": root, "descendants": [a, b]}).encode(), "m")
    assert sorted(c["id"] for c in thread["comments"]) == ["a", "b"]
    loads_cleanly(thread)


@pytest.mark.parametrize("payload, words", [
    (b'{"status": {"id": "1"', "not valid JSON"),
    (b'{"ancestors": [], "descendants": []}', "a context alone lacks the status"),
    (b'[1, 2]', "not a Mastodon thread"),
    (b'{"post_stream": {"posts": []}}', "not a Mastodon thread"),
    (b'{"status": {"id": "1", "account": {"acct": "a"}, "content": ""}, '
     b'"context": {"ancestors": {}, "descendants": []}}', "context.ancestors"),
    (b'{"status": {"id": "1", "account": {"acct": "a"}, "content": ""}, '
     b'"descendants": [{"id": "2"}]}', "status #2"),
    (b'{"status": {"id": "1", "account": {"acct": "a"}, "content": "", "created_at": "x"}}',
     "not a time"),
])
def test_bad_input_names_the_file(payload, words):
    with pytest.raises(ThreadpressError) as err:
        mastodon.convert(payload, "saved/toot.json")
    assert "saved/toot.json" in str(err.value) and words in str(err.value)
