"""Honest about what is missing: replies that were not archived, comments removed upstream,
and when and from where a thread was archived, in both themes (checked by parsing pages)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from dom import Element, parse_file
from threadpress.build import build_site
from threadpress.importers.common import run_import

HERE = Path(__file__).resolve().parent
THREAD = """\
title: Polls
source: https://www.reddit.com/r/announcements/comments/fo7p5b/
archived: 2026-11-30T08:00:00Z
more_count: 40
num_comments: 3982
comments:
  - id: a
    url: https://www.reddit.com/r/announcements/comments/fo7p5b/_/a/
    more_count: 1
    body: one
  - id: b
    parent: a
    continue_thread: true
    url: https://www.reddit.com/r/announcements/comments/fo7p5b/_/b/
    body: two
  - id: c
    removed_upstream: true
    body: three
  - id: d
    more_count: 3
    continue_thread: true
    body: four
"""


@pytest.fixture(scope="module", params=["default", "board"])
def page(request, tmp_path_factory) -> Element:
    root = tmp_path_factory.mktemp(request.param)
    (root / "content").mkdir()
    (root / "content" / "polls.yaml").write_text(THREAD, encoding="utf-8")
    (root / "threadpress.yaml").write_text(f"theme: {request.param}\n", encoding="utf-8")
    assert build_site(root, quiet=True) == 0
    return parse_file(root / "output" / "polls" / "index.html")


def article(page: Element, cid: str) -> Element:
    return page.find("article", id=f"c-{cid}")


def notes(el: Element) -> list[str]:
    return [" ".join(p.text.split()) for p in el.find_all("p", cls="not-archived")]


def test_replies_behind_more_stubs_are_counted_where_they_were(page):
    # `a` has an archived reply: the note ends a's reply group, after `b`, as the stub did
    assert notes(article(page, "a")) == []
    [group] = page.find_all("details", cls="branch")
    body = [x for x in group.find("div", cls="branch-body").children if isinstance(x, Element)]
    assert [x.tag for x in body] == ["article", "p"] and body[0].attrs["id"] == "c-b"
    assert notes(group)[-1] == "1 more reply was not archived. Read it there."
    assert body[1].attrs["style"] == "--d:1"          # indented like the replies
    link = body[1].find("a")
    assert link.attrs["href"] == "https://www.reddit.com/r/announcements/comments/fo7p5b/_/a/"
    # without archived replies the note sits in the comment itself
    assert notes(article(page, "b")) == [
        "The discussion continues below here on the original site; that part was not "
        "archived. Read it there."]
    # without a link to the comment, the note says what is missing and nothing more
    assert notes(article(page, "d")) == [
        "3 more replies were not archived. The discussion continues below here on the "
        "original site; that part was not archived."]
    assert notes(article(page, "c")) == []


def test_top_level_comments_not_archived_are_counted_at_the_end(page):
    section = page.find("section", cls="comments")
    last = [p for p in section.children if isinstance(p, Element) and p.tag == "p"]
    assert [" ".join(p.text.split()) for p in last] == [
        "40 more comments were not archived. Read it there."]


def test_comments_removed_upstream_are_marked(page):
    marks = page.find_all("span", cls="removed")
    assert len(marks) == 1 and marks[0].text == "removed upstream"
    assert article(page, "c").find("span", cls="removed") is marks[0]


def test_the_original_sites_comment_count_when_larger(page):
    head = page.find("header", cls="thread-head")
    assert head.find("a", cls="count").text == "4 comments"
    assert head.find("span", cls="total").text in ("of 3,982 on the original site", "(of 3,982)")


def test_when_and_from_where_the_thread_was_archived(page):
    archived = page.find("header", cls="thread-head").find("span", cls="archived")
    assert archived.find("time").attrs["datetime"] == "2026-11-30T08:00:00Z"
    assert " ".join(archived.text.split()) == "archived 2026-11-30 from reddit.com"


def test_import_stamps_archived_with_the_saved_files_time(tmp_path, monkeypatch):
    src = tmp_path / "item.json"
    src.write_bytes((HERE / "fixtures" / "import" / "hn-algolia-small.json").read_bytes())
    os.utime(src, (1700000000, 1700000000))
    [path] = run_import("hn", [str(src)], tmp_path / "out", "yaml")
    assert yaml.safe_load(path.read_text())["archived"] == "2023-11-14T22:13:20Z"
    first = path.read_bytes()
    run_import("hn", [str(src)], tmp_path / "out", "yaml")
    assert path.read_bytes() == first             # the same saved file again: the same bytes
    os.utime(src, (1800000000, 1800000000))       # saved again later
    run_import("hn", [str(src)], tmp_path / "out", "yaml")
    assert yaml.safe_load(path.read_text())["archived"] == "2027-01-15T08:00:00Z"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1600000000")   # reproducible builds: fixed
    [other] = run_import("hn", [str(src)], tmp_path / "out2", "yaml")
    assert yaml.safe_load(other.read_text())["archived"] == "2020-09-13T12:26:40Z"


@pytest.mark.parametrize("theme", ["default", "board"])
def test_on_its_own_page_a_comment_says_what_is_missing_below_it(tmp_path, theme):
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "polls.yaml").write_text(THREAD, encoding="utf-8")
    (tmp_path / "threadpress.yaml").write_text(f"theme: {theme}\n", encoding="utf-8")
    assert build_site(tmp_path, quiet=True) == 0
    doc = parse_file(tmp_path / "output" / "polls" / "c" / "a" / "index.html")
    current = [a for a in doc.find_all("article") if "current" in a.classes]
    assert [notes(a) for a in current] == [["1 more reply was not archived. Read it there."]]


@pytest.mark.parametrize("theme", ["default", "board"])
def test_a_mail_thread_says_which_list_it_was_archived_from(tmp_path, theme):
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "m.yaml").write_text(
        "title: M\nformat: text\nbody: hi\nmessage_id: a@b\nmailing_list: dev@maven.apache.org\n"
        "archived: 2026-11-30T08:00:00Z\n", encoding="utf-8")
    (tmp_path / "threadpress.yaml").write_text(f"theme: {theme}\n", encoding="utf-8")
    assert build_site(tmp_path, quiet=True) == 0
    head = parse_file(tmp_path / "output" / "m" / "index.html").find("header", cls="thread-head")
    text = " ".join(head.find("span", cls="archived").text.split())
    assert text == "archived 2026-11-30 from dev@maven.apache.org"
