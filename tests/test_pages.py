"""What the default theme's pages show, field by field (checked by parsing the HTML)."""

from __future__ import annotations

import io

import pytest

from dom import parse_file
from test_build import comment_articles, make_site
from threadpress import build as build_module
from threadpress.build import build_site

THREAD = """\
title: Links that last
url: https://www.example.org/post
source: https://news.example.com/item/1
author: alice
created: 2024-03-01T10:00:00Z
points: 42
tags: [archiving, urls]
body: The opening post.
comments:
  - id: c1
    author: bob
    created: 2024-03-01T11:30:00Z
    score: 7
    body: First reply, quite long enough to be a description of its own page.
    replies:
      - id: c2
        author: alice
        body: the author answers
      - id: c3
        deleted: true
        replies:
          - {id: c4, author: carol, body: still here}
"""


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    site = make_site(tmp_path_factory.mktemp("pages"), {"t.yaml": THREAD},
                     "timezone: Europe/Berlin\ndate_format: '%d.%m.%Y %H:%M'\n")
    assert build_site(site, quiet=True) == 0
    return site / "output"


def by_id(doc):
    return {el.attrs["id"]: el for el in comment_articles(doc)}


def test_thread_header(out):
    head = parse_file(out / "t" / "index.html").find("header", cls="thread-head")
    title = head.find("h1").find("a")
    assert (title.text, title.attrs["href"]) == ("Links that last", "https://www.example.org/post")
    assert head.find("span", cls="domain").text == "(example.org)"
    assert head.find("span", cls="points").text == "42 points"
    assert head.find("span", cls="author").text == "by alice"
    time = head.find("time")
    assert (time.attrs["datetime"], time.text) == ("2024-03-01T10:00:00Z", "01.03.2024 11:00")
    assert head.find("a", cls="count").text == "4 comments"
    assert head.find("a", cls="source").attrs["href"] == "https://news.example.com/item/1"
    assert [li.text for li in head.find("ul", cls="tags").find_all("li")] == ["archiving", "urls"]


def test_comment_metadata_op_mark_and_deleted_placeholder(out):
    comments = by_id(parse_file(out / "t" / "index.html"))
    c1 = comments["c-c1"]
    assert c1.find("span", cls="author").text == "bob"
    # the date is the permalink's text; the page's JSON-LD carries the exact time, once
    assert c1.find("a", cls="permalink").text == "01.03.2024 12:30"
    assert c1.find("time") is None
    assert c1.find("span", cls="score").text == "7 points"
    assert c1.find("a", cls="permalink").attrs["href"] == "c/c1/"
    assert "by-op" in comments["c-c2"].classes and "by-op" not in c1.classes
    assert comments["c-c2"].find("abbr", cls="op") is not None
    gone = comments["c-c3"]
    assert "deleted" in gone.classes and gone.find("p", cls="placeholder") is not None
    # the deleted comment keeps its place: its reply still hangs below it, at depth 2
    assert comments["c-c4"].find("a", cls="parent").attrs["href"] == "#c-c3"
    assert comments["c-c4"].find("span", cls="depth").text == "2"


def test_comment_page_meta_describes_the_comment(out):
    doc = parse_file(out / "t" / "c" / "c1" / "index.html")
    assert doc.find("title").text.startswith("bob on “Links that last”")
    # the social preview describes the comment; no second copy in name=description
    description = doc.find("meta", property="og:description").attrs["content"]
    assert description.startswith("First reply, quite long enough")
    assert doc.find("meta", name="description") is None


def test_index_lists_each_thread_with_its_facts(out):
    item = parse_file(out / "index.html").find("ol", cls="threads").find("li")
    assert item.find("a", cls="title").attrs["href"] == "t/"
    meta = item.find("p", cls="meta")
    assert [s.text for s in meta.find_all("span")] == ["42 points", "by alice"]
    assert meta.find("time").text == "2024-03-01"
    assert meta.find("a").text == "4 comments"
    assert [li.text for li in item.find("ul", cls="tags").find_all("li")] == ["archiving", "urls"]


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_and_summary_on_a_terminal_only(tmp_path, monkeypatch):
    # (a base_url: without one, a warning saying what breaks follows the summary line)
    site = make_site(tmp_path / "s", {"a.yaml": "title: A\n", "b.yaml": "title: B\n"},
                     "base_url: https://threads.example.org/\n")
    terminal = _Terminal()
    monkeypatch.setattr(build_module.sys, "stderr", terminal)
    assert build_site(site) == 0
    shown = terminal.getvalue().replace("\r", "\n")
    assert "2/2 threads" in shown
    assert shown.rstrip().splitlines()[-1].removeprefix("\033[K").startswith("built 2 threads")
    quiet = _Terminal()
    monkeypatch.setattr(build_module.sys, "stderr", quiet)
    assert build_site(site, quiet=True) == 0
    assert quiet.getvalue() == ""
    piped = io.StringIO()
    monkeypatch.setattr(build_module.sys, "stderr", piped)
    assert build_site(site) == 0
    # off a terminal (a CI log): no progress bar, but the summary line
    assert piped.getvalue().startswith("nothing changed: 2 threads") and "\r" not in piped.getvalue()


@pytest.mark.parametrize("theme", ["default", "board"])
def test_comment_page_titles_name_anonymous_and_deleted_authors_apart(tmp_path, theme):
    thread = ("title: T\ncomments:\n  - {id: a, body: no author given}\n"
              "  - {id: b, author: '', body: an empty author}\n"
              "  - {id: d, deleted: true}\n  - {id: n, author: nora, body: hi}\n"
              "  - {id: r, parent: a, body: a reply}\n")
    site = make_site(tmp_path, {"t.yaml": thread}, f"theme: {theme}\n")
    assert build_site(site, quiet=True, jobs=1) == 0
    for cid, name in [("a", "anonymous"), ("b", "anonymous"), ("d", "[deleted]"), ("n", "nora")]:
        doc = parse_file(site / "output" / "t" / "c" / cid / "index.html")
        title = doc.find("title").text
        og = doc.find("meta", property="og:title").attrs["content"]
        assert title.startswith(f"{name} on") or f"· {name} on" in title, title
        assert og.startswith(f"{name} on")
