"""GitHub importer: REST issues, comments and timelines, GraphQL discussions, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from threadpress.errors import ThreadpressError
from threadpress.importers import github
from support import REAL_FIXTURES, loads_cleanly

HERE = Path(__file__).resolve().parent / "fixtures" / "import"
REAL = REAL_FIXTURES / "github"


def real(name: str) -> bytes:
    return (REAL / name).read_bytes()


def test_real_issue_alone():
    [thread] = github.convert(real("issue-pygithub-28.json"), "issue.json")
    assert thread["title"] == "Issue created by PyGithub"
    assert thread["id"] == "PyGithub-PyGithub-28"
    assert thread["source"] == "https://github.com/PyGithub/PyGithub/issues/28"
    assert thread["author"] == "jacquev6" and thread["tags"] == ["bug", "question"]
    # an issue alone says nothing about its comments: no key, so a re-import keeps them
    assert "comments" not in thread and thread["state"] == "closed"
    loads_cleanly(thread)


def test_real_timeline_takes_commented_events():
    payload = real("issue-pygithub-28-timeline.json")
    events = json.loads(payload)
    [thread] = github.convert(payload, "timeline.json")
    expected = [str(e["id"]) for e in events if e.get("event") == "commented"]
    assert [c["id"] for c in thread["comments"]] == expected and len(expected) == 3
    assert all("parent" not in c for c in thread["comments"])  # issue comments are flat
    assert thread["comments"][0]["url"].endswith("#issuecomment-20227753")
    assert thread["title"] == "PyGithub/PyGithub#28" and thread["id"] == "PyGithub-PyGithub-28"
    loads_cleanly(thread)


def test_real_legacy_comments_with_issue_get_built_permalinks():
    issue = json.loads(real("issue-pygithub-28.json"))
    comments = json.loads(real("issue-pygithub-28-comments-2012.json"))
    payload = json.dumps({"issue": issue, "comments": comments}).encode()
    [thread] = github.convert(payload, "both.json")
    assert [c["id"] for c in thread["comments"]] == ["5449237", "5518272"]
    first = thread["comments"][0]
    assert first["url"] == "https://github.com/PyGithub/PyGithub/issues/28#issuecomment-5449237"
    assert "\r" not in first["body"] and "\n\nI'm currently" in first["body"]
    assert first["author"] == "jacquev6" and "edited" not in first
    loads_cleanly(thread)


def test_real_legacy_comments_alone_are_refused():
    # the 2012 schema has no issue_url: the comments cannot be tied to an issue
    with pytest.raises(ThreadpressError) as err:
        github.convert(real("issue-pygithub-28-comments-2012.json"), "comments-2012.json")
    assert "comments-2012.json" in str(err.value)
    assert "comment 5449237 has no issue_url" in str(err.value)


def test_real_comment_list_mixing_issues_gives_one_thread_each():
    payload = real("issue-comments-github-to-sqlite.json")
    comments = json.loads(payload)
    threads = github.convert(payload, "comments.json")
    assert [t["title"] for t in threads] == ["dogsheep/github-to-sqlite#3",
                                              "dogsheep/github-to-sqlite#4"]
    got = {c["id"]: t["id"] for t in threads for c in t["comments"]}
    assert got == {str(c["id"]): "dogsheep-github-to-sqlite-" + c["issue_url"].rsplit("/", 1)[1]
                   for c in comments}
    assert all("\r" not in c["body"] for t in threads for c in t["comments"])
    for t in threads:
        loads_cleanly(t)


def test_real_discussion_with_id_only_comments():
    payload = real("discussion-pygithub-2993-graphql.json")
    node = json.loads(payload)["data"]["node"]
    [thread] = github.convert(payload, "discussion.json")
    assert thread["title"] == node["title"]
    assert thread["id"] == "PyGithub-PyGithub-discussion-2993"
    [answer] = thread["comments"]  # the answer's body is in the payload; the other is not
    assert answer["id"] == "10426644" and answer["answer"] is True
    assert answer["url"] == node["answer"]["url"] and answer["author"] == "dawngerpony"
    assert thread["missing_comments"] == 1 and thread["category"] == "Q&A"
    loads_cleanly(thread)


def test_issue_with_comments_fixture():
    [thread] = github.convert((HERE / "github-issue-with-comments.json").read_bytes(), "i.json")
    assert thread["id"] == "acme-widgets-7" and thread["pull_request"] is True
    assert thread["points"] == 3 and thread["reactions"] == {"+1": 2, "heart": 1}
    assert thread["body"] == "Steps:\n\n1. wait for Tuesday\n"
    assert thread["tags"] == ["bug", "needs triage"]
    first, ghost = thread["comments"]  # the duplicate delivery of 101 is dropped
    assert first["edited"] == "2023-01-03T00:00:00Z" and first["score"] == 4
    assert first["body"] == "Confirmed.\nAlso on Wednesdays."
    assert ghost["author"] == "ghost" and "edited" not in ghost
    loads_cleanly(thread)


def test_discussion_replies_are_flattened_with_parent():
    payload = (HERE / "github-discussion-replies.json").read_bytes()
    nodes = json.loads(payload)["data"]["repository"]["discussion"]["comments"]["nodes"]
    [thread] = github.convert(payload, "d.json")
    expected = []
    for n in nodes:
        if "body" in n:
            expected.append((str(n["databaseId"]), None))
            expected += [(str(r["databaseId"]), str(n["databaseId"]))
                         for r in n.get("replies", {}).get("nodes", [])]
    assert [(c["id"], c.get("parent")) for c in thread["comments"]] == expected
    c = {x["id"]: x for x in thread["comments"]}
    assert c["201"]["answer"] is True and c["201"]["edited"] == "2024-05-01T09:05:00Z"
    assert c["302"]["dead"] is True and c["302"]["author"] == "ghost"
    assert c["302"]["minimized_reason"] == "SPAM"
    assert thread["missing_comments"] == 2  # one id-only node, one beyond the page
    assert thread["points"] == 7 and thread["tags"] == ["design"]
    loads_cleanly(thread)


@pytest.mark.parametrize("payload, words", [
    (b'{"issue": {"number": 1, "title": "x"', "not valid JSON"),
    (b'{"post_stream": {"posts": []}}', "not a GitHub issue"),
    (b'[]', "no comments"),
    (b'[{"number": 3, "title": "an issue list", "body": ""}]', "not a GitHub comment"),
    (b'[{"body": "hi", "id": 5}]', "no issue_url"),
    (b'{"issue": {"title": "x"}, "comments": []}', "`issue` must be"),
    (b'{"data": null, "errors": [{"message": "Could not resolve"}]}', "Could not resolve"),
    (b'{"data": {"node": {"__typename": "Issue", "title": "x"}}}', "not a GitHub discussion"),
    (b'"just a string"', "expected an object or a list"),
])
def test_bad_input_names_the_file(payload, words):
    with pytest.raises(ThreadpressError) as err:
        github.convert(payload, "saved/gh.json")
    assert "saved/gh.json" in str(err.value) and words in str(err.value)
