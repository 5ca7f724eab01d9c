"""Takedowns (redactions.yaml): removed text, authors and threads are absent from every output
file; removed comments keep their place; a removed thread's addresses serve a notice."""

from __future__ import annotations

import html
import json
from pathlib import Path
from urllib.parse import unquote

import pytest

from dom import parse_file
from support import parse_diagnostic
from test_build import check_links, make_site
from threadpress.anchors import anchor
from threadpress.build import build_site
from threadpress.cli import main

HOSTILE = ('<script>alert("HOSTILE-Q1")</script><img src=x onerror="HOSTILE-Q2()">'
           "Plans of the zebra cartel, ZEBRA-PAYLOAD-7 included.\n\n"
           "[click](javascript:HOSTILE-Q3)")

THREAD = f"""\
title: An ordinary thread
author: opener_k2
comments:
  - id: "1"
    author: alice_p4
    body: First!
  - id: "2"
    parent: "1"
    author: mallory_q7
    format: html
    body: {json.dumps(HOSTILE)}
    url: https://example.org/mallory_q7/2
    extra: {{badge: MALLORY-BADGE}}
  - id: "3"
    parent: "2"
    author: bob_r5
    body: |
      >>2 said

      > Plans of the zebra cartel, ZEBRA-PAYLOAD-7 included.

      I disagree.
  - id: "4"
    parent: "1"
    author: eve_z3
    body: EVE-WORDS-88 are mine.
  - id: "5"
    parent: "4"
    author: carol_m1
    body: "@eve_z3 thanks, and eve_z3 is right."
"""
BY_EVE = """\
title: EVE-TITLE-51
author: eve_z3
comments:
  - {id: a, author: alice_p4, body: EVE-THREAD-BODY-9}
"""
DRAMA = """\
title: DRAMA-TITLE-21
author: opener_k2
comments:
  - {id: x, author: bob_r5, body: DRAMA-BODY-31}
"""
BY_ID = """{"title": "IDTHREAD-TITLE-41", "id": "777", "comments": [{"id": "y", "body": "IDTHREAD-BODY"}]}"""

REDACTIONS = """\
comments:
  - {thread: plain, id: "2", reason: "removed at the author's request"}
threads:
  - {thread: forum/drama}
  - {thread: "777", reason: "<b onmouseover=alert(1)>legal</b>"}
authors:
  - {name: eve_z3, reason: "author's request"}
"""
GONE = ["HOSTILE-Q1", "HOSTILE-Q2", "HOSTILE-Q3", "ZEBRA-PAYLOAD", "zebra cartel", "mallory",
        "MALLORY-BADGE", "eve_z3", "EVE-WORDS", "EVE-TITLE", "EVE-THREAD-BODY", "DRAMA-TITLE",
        "DRAMA-BODY", "IDTHREAD"]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    root = make_site(tmp_path_factory.mktemp("redact"), {
        "plain.yaml": THREAD, "eve.yaml": BY_EVE, "forum/drama.yaml": DRAMA, "byid.json": BY_ID,
        "other.yaml": "title: Kept\ncomments:\n  - {id: k, author: alice_p4, body: kept}\n"},
        "base_url: https://example.org/archive/\n")
    (root / "redactions.yaml").write_text(REDACTIONS)
    assert build_site(root, quiet=True) == 0
    return root / "output"


def test_no_redacted_string_in_any_output_file(site):
    seen = []
    for path in sorted(p for p in site.rglob("*") if p.is_file()):
        raw = path.read_bytes().decode("utf-8", "replace")
        for text in (raw, html.unescape(raw), unquote(raw), json.dumps(raw)):
            seen += [f"{path.relative_to(site)}: {s}" for s in GONE if s.lower() in text.lower()]
    assert sorted(set(seen)) == []
    assert (site / "plain" / "index.html").is_file()   # the search covered real pages


def test_a_removed_comment_keeps_its_place_and_says_why(site):
    doc = parse_file(site / "plain" / "index.html")
    articles = [a for a in doc.find_all("article") if "comment" in a.classes]
    assert [a.attrs["id"] for a in articles] == [anchor(i) for i in "12345"]
    removed = articles[1]
    assert removed.find(cls="author").text == "[removed]"
    assert removed.find(cls="body").text.strip() == "Removed (removed at the author's request)."
    assert removed.find(cls="origin") is None
    # the reply's quote link still lands on it; the quoted copy of its text is gone
    reply = articles[2]
    assert reply.find("a", cls="quotelink").attrs["href"] == f"#{anchor('2')}"
    assert "[removed]" in reply.find(cls="body").text
    # the author-redacted comment, and the mention of its author in a reply
    assert articles[3].find(cls="author").text == "[removed]"
    assert articles[4].find(cls="body").text.strip() == "[removed] thanks, and [removed] is right."
    assert check_links(site) == []


def test_thread_json_marks_removed_comments_without_their_content(site):
    data = json.loads((site / "plain" / "thread.json").read_text())
    by_id = {c["id"]: c for c in data["comments"]}
    assert by_id["2"] == {"id": "2", "parent": "1", "depth": 1, "deleted": True,
                          "format": "html", "removed": "removed at the author's request"}
    assert by_id["4"]["removed"] == "author's request" and "author" not in by_id["4"]


def test_removed_threads_serve_a_notice_at_every_address_and_leave_the_index(site):
    for page in ("eve/index.html", "eve/c/a/index.html", "forum/drama/index.html",
                 "forum/drama/c/x/index.html", "byid/index.html"):
        doc = parse_file(site / page)
        assert doc.find("h1").text == "Removed", page
        assert doc.find("meta", name="robots").attrs["content"] == "noindex"
    notice = parse_file(site / "byid" / "index.html").find("p", cls="removed").text
    assert notice == "This thread was removed from the archive (<b onmouseover=alert(1)>legal</b>)."
    assert parse_file(site / "byid" / "index.html").find("b") is None   # text, not markup
    assert json.loads((site / "forum/drama/thread.json").read_text()) == \
        {"slug": "forum/drama", "removed": True}
    index = parse_file(site / "index.html")
    titles = [a.text for a in index.find_all("a") if a.attrs.get("href") in
              ("plain/", "other/", "eve/", "byid/", "forum/drama/")]
    assert sorted(titles) == ["An ordinary thread", "Kept"]


def test_an_author_still_shown_elsewhere_is_kept_there(site):
    doc = parse_file(site / "other" / "index.html")
    assert doc.find(cls="author").text == "alice_p4"


@pytest.mark.parametrize("text, where, message", [
    ("comments:\n  - {thread: a}\n", (2, 5), "`id` is required"),
    ("comments:\n  - {thread: a, id: 1, why: x}\n", (2, 29), "unknown key 'why'"),
    ("threads: {thread: a}\n", (1, 10), "expected a list"),
    ("authors:\n  - {name: [x]}\n", (2, 12), "expected a non-empty string"),
    ("people:\n  - {name: x}\n", (2, 3), "unknown section 'people'"),
    ("- a\n", (1, 1), "expected a mapping"),
])
def test_a_bad_redactions_file_is_an_error_naming_line_and_field(tmp_path, capsys, text, where,
                                                                  message):
    root = make_site(tmp_path / "s", {"a.yaml": "title: A\n"})
    (root / "redactions.yaml").write_text(text)
    assert main(["build", str(root), "-q"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    d = parse_diagnostic(err[0])
    assert d["path"].endswith("redactions.yaml") and d["kind"] == "error"
    assert (d["line"], d["column"]) == where and message in d["message"]
    assert "Traceback" not in "\n".join(err)
    assert main(["check", str(root)]) == 1
    assert parse_diagnostic(capsys.readouterr().err.splitlines()[0]) == d


def test_a_new_takedown_reaches_pages_already_built(tmp_path):
    root = make_site(tmp_path / "s", {"plain.yaml": THREAD})
    assert build_site(root, quiet=True) == 0
    assert "ZEBRA-PAYLOAD" in (root / "output" / "plain" / "index.html").read_text()
    (root / "redactions.yaml").write_text("comments:\n  - {thread: plain, id: '2'}\n")
    assert build_site(root, quiet=True) == 0
    page = parse_file(root / "output" / "plain" / "index.html")
    assert "ZEBRA-PAYLOAD" not in page.text
    assert page.find("article", id=anchor("2")).find(cls="body").text.strip() == "Removed."


def test_entries_that_name_nothing_are_warnings_naming_their_line(tmp_path, capsys):
    root = make_site(tmp_path / "s", {"plain.yaml": THREAD})
    (root / "redactions.yaml").write_text(
        "comments:\n  - {thread: plain, id: '2'}\n  - {thread: plain, id: '99'}\n"
        "threads:\n  - {thread: typo/slug}\n")
    assert main(["build", str(root), "-q"]) == 0
    found = sorted((d["line"], d["field"], d["message"]) for d in map(
        parse_diagnostic, capsys.readouterr().err.splitlines()))
    assert [(line, field) for line, field, _ in found] == [(3, "comments[1]"), (5, "threads[0]")]
    assert "no comment '99'" in found[0][2] and "'typo/slug'" in found[1][2]
    assert main(["build", str(root), "-q", "--strict"]) == 1


SCHEMA = Path(__file__).resolve().parents[1] / "generator/threadpress/schema/redactions.schema.json"


@pytest.mark.parametrize("text, ok", [
    (REDACTIONS, True), ("", True), ("comments:\n", True),
    ("comments:\n  - {thread: a}\n", False),
    ("comments:\n  - {thread: a, id: 1, why: x}\n", False),
    ("threads: {thread: a}\n", False),
    ("authors:\n  - {name: [x]}\n", False),
    ("authors:\n  - {name: '  '}\n", False),
    ("people:\n  - {name: x}\n", False),
    ("- a\n", False),
])
def test_the_schema_agrees_with_the_loader(tmp_path, text, ok):
    import jsonschema
    import yaml

    from threadpress.errors import ThreadpressError
    from threadpress.redactions import load_redactions

    validator = jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text()))
    (tmp_path / "redactions.yaml").write_text(text)
    try:
        load_redactions(tmp_path)
        loader_ok = True
    except ThreadpressError:
        loader_ok = False
    assert (loader_ok, validator.is_valid(yaml.safe_load(text))) == (ok, ok)
