"""Source fidelity of imports: what a payload does not hold is never taken as removed, and what
a source means (a poll, a moderator action, likes rather than points, a flagged comment's text)
reaches the page as the source shows it. Checked through the files written and the HTML built."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from threadpress.cli import main

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
