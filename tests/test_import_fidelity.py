"""Source fidelity of imports: what a payload does not hold is never taken as removed, and what
a source means (a poll, a moderator action, likes rather than points, a flagged comment's text)
reaches the page as the source shows it. Checked through the files written and the HTML built."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from dom import parse_file
from support import REAL_FIXTURES
from threadpress.cli import main
from threadpress.importers import hn

OWN = Path(__file__).resolve().parent / "fixtures" / "import"
LEGACY = OWN / "github-comments-2012.json"   # real: PyGithub's ReplayData (PROVENANCE.md)
ISSUE = OWN / "github-issue-with-comments.json"


def _run(capsys, *args: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main([str(a) for a in args])
    return code, capsys.readouterr().err


def _read(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _split_issue(tmp_path: Path) -> tuple[Path, Path]:
    """The fixture's issue and its comments as two files, as `curl` saves them."""
    doc = json.loads(ISSUE.read_text(encoding="utf-8"))
    issue, comments = tmp_path / "issue.json", tmp_path / "comments.json"
    issue.write_text(json.dumps(doc["issue"]), encoding="utf-8")
    comments.write_text(json.dumps(doc["comments"]), encoding="utf-8")
    return issue, comments


# --- GitHub: comments that cannot be tied to an issue; payloads without comments -----------

def test_legacy_comments_beside_an_issue_are_an_error_naming_the_file(tmp_path, capsys):
    issue, _ = _split_issue(tmp_path)
    content = tmp_path / "content"
    code, err = _run(capsys, "import", "github", issue, LEGACY, "-o", content)
    assert code == 1
    [line] = [ln for ln in err.splitlines() if "error" in ln]
    assert line.startswith(f"{LEGACY}: error: ")
    assert "comment 5449237 has no issue_url; cannot tell which issue it belongs to" in line
    assert "Traceback" not in err and not content.exists()  # nothing written, not even a folder


def test_legacy_comments_wrapped_with_their_issue_import(tmp_path, capsys):
    issue = json.loads(ISSUE.read_text(encoding="utf-8"))["issue"]
    wrapped = tmp_path / "thread.json"
    wrapped.write_text(json.dumps({"issue": issue, "comments": json.loads(LEGACY.read_bytes())}),
                       encoding="utf-8")
    code, err = _run(capsys, "import", "github", wrapped, "-o", tmp_path / "content")
    assert code == 0, err
    doc = _read(tmp_path / "content" / "github" / "acme-widgets-7.yaml")
    assert [c["id"] for c in doc["comments"]] == ["5449237", "5518272"]
    assert doc["comments"][0]["url"] == issue["html_url"] + "#issuecomment-5449237"


def test_reimporting_the_issue_alone_marks_no_comment_removed(tmp_path, capsys):
    content = tmp_path / "content"
    path = content / "github" / "acme-widgets-7.yaml"
    assert _run(capsys, "import", "github", ISSUE, "-o", content)[0] == 0
    before = _read(path)
    assert [c["id"] for c in before["comments"]] == ["101", "102"]
    issue, _ = _split_issue(tmp_path)
    doc = json.loads(issue.read_text(encoding="utf-8"))
    issue.write_text(json.dumps({**doc, "title": "Widgets break on Tuesdays"}), encoding="utf-8")
    code, err = _run(capsys, "import", "github", issue, "-o", content)
    assert code == 0, err
    after = _read(path)
    assert after["title"] == "Widgets break on Tuesdays"  # the issue's own fields still update
    assert after["comments"] == before["comments"]        # and its comments are untouched
    record = json.loads((content / "_imports" / "github" / "acme-widgets-7.json").read_text())
    assert [c["id"] for c in record["thread"]["comments"]] == ["101", "102"]


def test_a_payload_that_holds_the_comments_still_marks_the_missing_one(tmp_path, capsys):
    content = tmp_path / "content"
    assert _run(capsys, "import", "github", ISSUE, "-o", content)[0] == 0
    doc = json.loads(ISSUE.read_text(encoding="utf-8"))
    fewer = tmp_path / "fewer.json"
    fewer.write_text(json.dumps({**doc, "comments": [c for c in doc["comments"]
                                                     if c["id"] != 102]}), encoding="utf-8")
    assert _run(capsys, "import", "github", fewer, "-o", content)[0] == 0
    after = {c["id"]: c for c in _read(content / "github" / "acme-widgets-7.yaml")["comments"]}
    assert after["102"].get("removed_upstream") is True and "removed_upstream" not in after["101"]


def test_issue_and_its_comments_as_two_inputs_combine(tmp_path, capsys):
    issue, comments = _split_issue(tmp_path)
    content = tmp_path / "content"
    assert _run(capsys, "import", "github", comments, issue, "-o", content)[0] == 0
    doc = _read(content / "github" / "acme-widgets-7.yaml")
    assert doc["title"] != "acme/widgets#7" and [c["id"] for c in doc["comments"]] == ["101", "102"]
    # the issue alone, imported first, is a thread with no comments yet (`comments: []`)
    other = tmp_path / "other"
    assert _run(capsys, "import", "github", issue, "-o", other)[0] == 0
    assert _read(other / "github" / "acme-widgets-7.yaml")["comments"] == []


# --- what a source means, on the page -------------------------------------------------------

THEMES = ["default", "board"]
POLLS = REAL_FIXTURES / "reddit" / "comments-fo7p5b-announcements-polls.json"
DISCOURSE = REAL_FIXTURES / "discourse" / "topic-57-try-discourse-sandbox.json"


def _site(tmp_path: Path, capsys, theme: str, source: str, *inputs: Path) -> Path:
    """Import `inputs`, then check and build a site with `theme`; the site's folder."""
    site = tmp_path / "site"
    (site / "content").mkdir(parents=True, exist_ok=True)
    (site / "threadpress.yaml").write_text(f"title: Fidelity\ntheme: {theme}\n", encoding="utf-8")
    code, err = _run(capsys, "import", source, *inputs, "-o", site / "content")
    assert code == 0, err
    code, err = _run(capsys, "check", site, "--strict")
    assert code == 0, err
    code, err = _run(capsys, "build", site, "-q", "-j", "1")
    assert code == 0, err
    return site


def _words(el) -> str:
    return " ".join(el.text.split())


@pytest.mark.parametrize("theme", THEMES)
def test_a_reddit_poll_shows_its_options_votes_and_total(tmp_path, capsys, theme):
    site = _site(tmp_path, capsys, theme, "reddit", POLLS)
    data = json.loads(POLLS.read_bytes())[0]["data"]["children"][0]["data"]["poll_data"]
    page = parse_file(site / "output" / "reddit" / "fo7p5b" / "index.html")
    [poll] = page.find_all("section", cls="poll")
    options = [(_words(li.find(cls="option")), _words(li.find(cls="votes")))
               for li in poll.find_all("li")]
    assert options == [(o["text"], f"{o['vote_count']:,} votes") for o in data["options"]]
    head = _words(poll.find(cls="poll-head"))
    assert head.startswith(f"Poll: {data['total_vote_count']:,} votes")
    assert poll.find("time").attrs["datetime"] == "2020-03-27T16:10:28Z"
    # the poll is part of the opening post, before the comments
    order = [el for el in page.iter() if el is poll or el.attrs.get("id") == "comments"]
    assert order[0] is poll


def test_poll_option_text_is_plain_escaped_text(tmp_path, capsys):
    doc = json.loads((OWN / "reddit-small.json").read_bytes())
    doc[0]["data"]["children"][0]["data"]["poll_data"] = {
        "options": [{"text": "<b>bold</b> & <script>x()</script>", "vote_count": 1},
                    {"text": "no votes yet"}], "total_vote_count": 1}
    payload = tmp_path / "poll.json"
    payload.write_text(json.dumps(doc), encoding="utf-8")
    site = _site(tmp_path, capsys, "default", "reddit", payload)
    [page] = [p for p in (site / "output" / "reddit").rglob("index.html")
              if "/c/" not in p.as_posix()]
    poll = parse_file(page).find("section", cls="poll")
    first, second = poll.find_all("li")
    assert not first.find("b") and not first.find("script")   # shown, not interpreted
    assert _words(first.find(cls="option")) == "<b>bold</b> & <script>x()</script>"
    assert _words(first.find(cls="votes")) == "1 vote"
    assert second.find(cls="votes") is None                    # no count: none invented


@pytest.mark.parametrize("theme", THEMES)
def test_a_discourse_moderator_action_is_an_action_line(tmp_path, capsys, theme):
    site = _site(tmp_path, capsys, theme, "discourse", DISCOURSE)
    page = parse_file(site / "output" / "discourse" / "57" / "index.html")
    [action] = page.find_all(cls="action")
    assert action.attrs["id"] == "c-2" and "comment" not in action.classes
    assert action.tag != "article" and page.find("article", id="c-2") is None
    text = _words(action)
    assert text.startswith("— moderator samsaffron: This topic is now pinned.")
    assert action.find("time").attrs["datetime"] == "2013-02-04T20:26:32Z"
    assert action.find("a", cls="permalink").attrs["href"] == "c/2/"
    assert not action.find(cls="score") and not action.find(cls="replies")
    # its own page shows the same line, marked as the page's subject
    own = parse_file(site / "output" / "discourse" / "57" / "c" / "2" / "index.html")
    assert "current" in own.find(id="c-2").classes
    # the other posts are still comments
    assert page.find("article", id="c-3") is not None


@pytest.mark.parametrize("theme", THEMES)
def test_discourse_scores_are_likes_and_no_likes_says_nothing(tmp_path, capsys, theme):
    site = _site(tmp_path, capsys, theme, "discourse", DISCOURSE)
    page = parse_file(site / "output" / "discourse" / "57" / "index.html")
    scores = [_words(s) for s in page.find_all(cls="score")]
    likes = {str(p["post_number"]): next((a["count"] for a in p["actions_summary"]
                                          if a["id"] == 2), 0)
             for p in json.loads(DISCOURSE.read_bytes())["post_stream"]["posts"]}
    if theme == "default":  # the board theme shows no comment scores at all
        assert scores == [f"{n} like{'s' if n != 1 else ''}"
                          for pid, n in likes.items() if pid != "1" and n] and scores
    assert not any("point" in s for s in scores)
    assert likes["1"] == 0 and page.find(cls="points") is None   # the opening post: no likes
    index = parse_file(site / "output" / "index.html")
    assert index.find(cls="points") is None and "point" not in _words(index)


@pytest.mark.parametrize("theme", THEMES)
def test_hacker_news_scores_stay_points(tmp_path, capsys, theme):
    site = _site(tmp_path, capsys, theme, "hn", OWN / "hn-algolia-small.json")
    page = parse_file(site / "output" / "hn" / "100" / "index.html")
    assert _words(page.find(cls="points")) == "42 points"
    if theme == "default":
        assert "5 points" in [_words(s) for s in page.find_all(cls="score")]


def test_a_bad_score_unit_or_poll_is_a_warning_and_not_shown(tmp_path, capsys):
    content = tmp_path / "content"
    content.mkdir()
    (content / "t.yaml").write_text(
        "title: T\npoints: 3\nscore_unit: 5\npoll:\n  options: three\ncomments:\n"
        "  - id: a\n    score: 2\n    action: maybe\n", encoding="utf-8")
    code, err = _run(capsys, "check", tmp_path)
    assert code == 0
    warned = {m.group(1): m.group(2) for m in
              re.finditer(r"t\.yaml:\d+:\d+: warning: ([\w\[\]\.]+): (.*)", err)}
    assert set(warned) == {"score_unit", "poll", "comments[0].action"}, err
    assert "shown as points" in warned["score_unit"]
    assert main(["build", str(tmp_path), "-q", "-j", "1"]) == 0
    page = parse_file(tmp_path / "output" / "t" / "index.html")
    assert _words(page.find(cls="points")) == "3 points" and page.find(cls="poll") is None
    assert page.find("article", id="c-a") is not None   # not an action line


# --- Hacker News: a flagged comment's text without the prefix -------------------------------

def _algolia(text: str) -> bytes:
    child = {"id": 201, "type": "comment", "author": "troll", "created_at_i": 1577934300,
             "text": text, "points": None, "parent_id": 200, "children": []}
    return json.dumps({"id": 200, "type": "story", "title": "T", "author": "pg",
                       "created_at_i": 1577934245, "points": 3, "children": [child]}).encode()


def test_a_flagged_comment_keeps_its_words_not_the_prefix():
    [thread] = hn.convert(_algolia("[flagged] <p>buy cheap watches</p>"), "a.json")
    [c] = thread["comments"]
    assert c["body"] == "<p>buy cheap watches</p>" and c["dead"] is True
    firebase = [{"id": 200, "type": "story", "title": "T", "kids": [201, 202]},
                {"id": 201, "type": "comment", "parent": 200, "by": "x", "text": "[flagged] spam"},
                {"id": 202, "type": "comment", "parent": 200, "by": "y", "text": "[dead]"}]
    [thread] = hn.convert(json.dumps(firebase).encode(), "f.json")
    flagged, dead = thread["comments"]
    assert flagged["body"] == "spam" and flagged["dead"] is True
    assert "body" not in dead and dead["dead"] is True
    [thread] = hn.convert(_algolia("<p>[flagged] is how HN marks them</p>"), "a.json")
    assert thread["comments"][0]["body"].startswith("<p>[flagged]")  # words, not a prefix
    assert "dead" not in thread["comments"][0]


def test_a_flagged_comment_on_the_page_is_dead_without_the_prefix(tmp_path, capsys):
    payload = tmp_path / "hn.json"
    payload.write_bytes(_algolia("[flagged] <p>buy cheap watches</p>"))
    site = _site(tmp_path, capsys, "default", "hn", payload)
    c = parse_file(site / "output" / "hn" / "200" / "index.html").find("article", id="c-201")
    assert "dead" in c.classes and _words(c.find(cls="body")) == "buy cheap watches"


def test_a_poll_from_hacker_news_items_is_shown_too(tmp_path, capsys):
    items = [{"id": 300, "type": "poll", "title": "Tabs?", "by": "pg", "time": 1577934245,
              "score": 9, "parts": [301, 302], "kids": []},
             {"id": 301, "type": "pollopt", "poll": 300, "text": "Tabs &amp; more", "score": 4},
             {"id": 302, "type": "pollopt", "poll": 300, "text": "Spaces", "score": 1}]
    [thread] = hn.convert(json.dumps(items).encode(), "poll.json")
    assert thread["poll"]["options"][0] == {"id": "301", "text": "Tabs & more", "votes": 4}
    payload = tmp_path / "poll.json"
    payload.write_text(json.dumps(items), encoding="utf-8")
    site = _site(tmp_path, capsys, "board", "hn", payload)
    poll = parse_file(site / "output" / "hn" / "300" / "index.html").find("section", cls="poll")
    assert [_words(li) for li in poll.find_all("li")] == ["Tabs & more 4 votes", "Spaces 1 vote"]


def test_a_poll_with_a_bad_count_says_so_once(tmp_path, capsys):
    content = tmp_path / "content"
    content.mkdir()
    (content / "t.yaml").write_text("title: T\npoll: {options: [{text: a, votes: many}]}\n",
                                    encoding="utf-8")
    code, err = _run(capsys, "check", tmp_path)
    assert code == 0
    [message] = [m.group(1) for m in re.finditer(r"t\.yaml:2:7: warning: poll: (.*)", err)]
    assert message.startswith("expected a count") and "poll:" not in message
