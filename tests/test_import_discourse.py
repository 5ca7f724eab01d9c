"""Discourse importer: real try.discourse.org topic, a modern-schema fixture, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from threadpress.errors import ThreadpressError
from threadpress.importers import discourse
from support import REAL_FIXTURES, loads_cleanly, load_warnings

HERE = Path(__file__).resolve().parent / "fixtures" / "import"
REAL = REAL_FIXTURES / "discourse" / "topic-57-try-discourse-sandbox.json"


def real_payload() -> bytes:
    return REAL.read_bytes()


def test_real_topic_every_post_with_its_parent():
    payload = real_payload()
    posts = json.loads(payload)["post_stream"]["posts"]
    [thread] = discourse.convert(payload, "topic.json")
    expected = [(str(p["post_number"]),
                 None if p["reply_to_post_number"] in (None, 1) else str(p["reply_to_post_number"]))
                for p in posts if p["post_number"] != 1]
    assert [(c["id"], c.get("parent")) for c in thread["comments"]] == expected
    assert [c["id"] for c in thread["comments"]] == ["2", "3", "14"]  # gaps kept
    assert thread["title"] == "THIS SITE IS A SANDBOX -- it is reset every day"
    assert thread["id"] == "57" and thread["author"] == "samsaffron"
    assert thread["created"] == "2013-02-04T20:26:26Z"  # -05:00 offset converted to UTC
    assert thread["format"] == "html" and thread["body"].startswith("<p>Welcome!</p>")
    loads_cleanly(thread)


def test_real_topic_states_scores_avatars():
    [thread] = discourse.convert(real_payload(), "topic.json")
    by_id = {c["id"]: c for c in thread["comments"]}
    assert by_id["2"]["action"] is True  # "This topic is now pinned": an action line
    assert "action" not in by_id["3"] and "action" not in by_id["14"]
    assert by_id["3"]["score"] == 5  # old schema: likes from actions_summary
    assert by_id["14"]["avatar"].startswith("https://www.gravatar.com/avatar/")
    assert "s=90" in by_id["14"]["avatar"]
    assert all(c["format"] == "html" and "deleted" not in c for c in thread["comments"])
    assert "url" not in by_id["3"]  # host unknown: no permalink rather than a broken one


def test_real_topic_permalinks_with_base_url():
    [thread] = discourse.convert(real_payload(), "topic.json", base_url="https://try.discourse.org/")
    by_id = {c["id"]: c for c in thread["comments"]}
    slug = "this-site-is-a-sandbox-it-is-reset-every-day"
    assert by_id["14"]["url"] == f"https://try.discourse.org/t/{slug}/57/14"
    assert thread["source"] == f"https://try.discourse.org/t/{slug}/57"


def test_modern_topic():
    payload = (HERE / "discourse-topic-modern.json").read_bytes()
    [thread] = discourse.convert(payload, "modern.json")
    assert thread["title"] == "Caching strategies \u2013 what works?"  # from fancy_title
    assert thread["tags"] == ["performance", "cache"]
    assert thread["source"] == "https://forum.example.org/t/caching-strategies/4242"
    c = {x["id"]: x for x in thread["comments"]}
    assert [x["id"] for x in thread["comments"]] == ["2", "3", "4", "5", "6", "9", "10"]
    assert c["3"]["parent"] == "2" and c["4"]["parent"] == "3" and c["10"]["parent"] == "3"
    assert "parent" not in c["6"]  # reply to post 1 = top level
    assert c["9"]["parent"] == "7"  # parent absent from the payload: kept, an orphan
    assert c["4"]["deleted"] is True and c["6"]["dead"] is True
    assert c["5"]["action"] is True and c["5"]["action_code"] == "closed.enabled"
    assert c["3"]["url"] == "https://forum.example.org/t/caching-strategies/4242/3"
    assert c["2"]["avatar"] == "https://forum.example.org/user_avatar/forum.example.org/bob/90/2_2.png"
    assert c["10"]["avatar"] == "https://cdn.example.net/a/90.png"
    assert c["2"]["score"] == 2 and c["3"]["score"] == 0
    assert list(c["2"])[:7] == ["id", "author", "created", "score", "url", "format", "body"]
    warnings = load_warnings(thread)
    assert any("7" in str(w) for w in warnings)  # the orphan is reported, not an error


def test_deep_reply_chain_needs_no_recursion():
    posts = [{"post_number": n, "username": f"u{n % 7}", "cooked": f"<p>{n}</p>",
              "created_at": "2024-01-01T00:00:00Z", "reply_to_post_number": n - 1 if n > 2 else None}
             for n in range(1, 3001)]
    payload = json.dumps({"title": "Deep", "id": 1, "post_stream": {"posts": posts}}).encode()
    [thread] = discourse.convert(payload, "deep.json")
    assert len(thread["comments"]) == 2999 and thread["comments"][-1]["parent"] == "2999"
    loads_cleanly(thread)


@pytest.mark.parametrize("payload, words", [
    (b'{"post_stream": {"posts": [', "not valid JSON"),
    (b'[{"kind": "Listing"}]', "not a Discourse topic"),
    (b'{"title": "x", "post_stream": {"posts": [{"cooked": "hi"}]}}', "post_number"),
    (b'{"post_stream": {"posts": []}}', "no title"),
    (b'{"title": "x", "post_stream": {"posts": [{"post_number": 2, "created_at": "soon"}]}}',
     "not a time"),
])
def test_bad_input_names_the_file(payload, words):
    with pytest.raises(ThreadpressError) as err:
        discourse.convert(payload, "saved/topic.json")
    assert "saved/topic.json" in str(err.value) and words in str(err.value)


def test_another_sources_file_is_refused():
    github = HERE / "github-issue-with-comments.json"
    with pytest.raises(ThreadpressError, match="not a Discourse topic"):
        discourse.convert(github.read_bytes(), str(github))
