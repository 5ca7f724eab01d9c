"""The `gfm` body format: differential tests on real GitHub and Reddit bodies, and its rules."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dom import Element, parse
from support import REAL_FIXTURES
from threadpress.render.bodies import REL, render

REDDIT = REAL_FIXTURES / "reddit"
GITHUB = REAL_FIXTURES / "github"


def real_body(path: Path, start: str) -> str:
    """The one body (`body`/`selftext`) in a fixture that starts with `start`, LF line ends."""
    found, stack = [], [json.loads(path.read_text(encoding="utf-8"))]
    while stack:
        x = stack.pop()
        if isinstance(x, dict):
            found += [v for k, v in x.items() if k in ("body", "selftext")
                      and isinstance(v, str) and v.replace("\r\n", "\n").startswith(start)]
            stack.extend(x.values())
        elif isinstance(x, list):
            stack.extend(x)
    assert found, f"no body starting {start!r} in {path.name}"
    return found[0].replace("\r\n", "\n")


def both(body: str) -> tuple[Element, Element]:
    """The body rendered as `markdown` and as `gfm`, parsed."""
    return (parse(render(body, "markdown", lambda _: False)),
            parse(render(body, "gfm", lambda _: False)))


def tags(doc: Element, tag: str) -> list[Element]:
    return doc.find_all(tag)


def test_strikethrough_on_a_real_reddit_comment():
    body = real_body(REDDIT / "comments-fo7p5b-announcements-polls.json",
                     ">This (data) is totally going to be ~~used")
    md, gfm = both(body)
    assert not tags(md, "del") and "~~used by political subs~~" in md.text
    assert [d.text for d in tags(gfm, "del")] == ["used by political subs", 'who is "right"']


def test_task_lists_right_after_paragraphs_on_a_real_github_issue():
    """PyGithub #855: `**Currently Tested using Issue #30**` then `- [x] subscribed` lines."""
    body = real_body(GITHUB / "issue-pygithub-28-timeline.json", "See Issue #855")
    md, gfm = both(body)
    assert not tags(md, "li")  # python-markdown runs the items into the paragraph with <br>
    first = tags(gfm, "ul")[0]
    assert [li.text for li in first.find_all("li")] == [
        "\u2611 " + e for e in ("subscribed", "assigned", "referenced", "closed", "labeled")]
    assert first.parent.children.index(first) > 0
    assert len(tags(gfm, "li")) == 27  # "27 of the tests 27 known event types"


def test_parenthesis_numbered_list_on_a_real_reddit_comment():
    body = real_body(REDDIT / "comments-3hahrw-funny-continue-thread.json",
                     "1) he didn't mis-time")
    md, gfm = both(body)
    assert not tags(md, "ol")
    [ol] = tags(gfm, "ol")
    assert len(ol.find_all("li")) == 3


def test_a_link_whose_text_is_its_url_is_one_link():
    body = real_body(REDDIT / "comments-3hahrw-funny-continue-thread.json",
                     "[http://i.imgur.com/eoF76hj.gifv]")
    md, gfm = both(body)
    assert len(tags(md, "a")) > 1  # python-markdown links the URL inside the link again
    [a] = tags(gfm, "a")
    assert a.attrs["href"] == a.text == "http://i.imgur.com/eoF76hj.gifv"


def test_list_right_after_a_paragraph():
    md, gfm = both("Things to fix:\n- one\n- two")
    assert not tags(md, "ul")
    [ul] = tags(gfm, "ul")
    assert [li.text for li in ul.find_all("li")] == ["one", "two"]
    assert gfm.find("p").text == "Things to fix:"


def test_table_with_alignment():
    gfm = parse(render("| a | b |\n|:--|--:|\n| 1 | 2 |", "gfm", lambda _: False))
    assert [th.text for th in gfm.find_all("th")] == ["a", "b"]
    assert [td.attrs.get("align") for td in gfm.find_all("td")] == ["left", "right"]


def test_task_list_boxes_are_text_not_inputs():
    gfm = parse(render("- [x] done\n- [ ] todo", "gfm", lambda _: False))
    assert [li.text for li in gfm.find_all("li")] == ["\u2611 done", "\u2610 todo"]
    assert not gfm.find_all("input")


@pytest.mark.parametrize("raw", ["<b>bold</b>", "<div>\nblock\n</div>", "<!-- hidden -->",
                                 "<script>alert(1)</script>", "<img src=x onerror=alert(1)>",
                                 "<B>bold</B>", "<?php echo 1 ?>", "<!DOCTYPE html>", "</p>",
                                 "<Svg/OnLoad=alert(1)>"])
def test_raw_html_is_shown_as_text(raw):
    doc = parse(render(f"before\n\n{raw}\n\nafter", "gfm", lambda _: False))
    assert [el.tag for el in doc.iter()] == ["#document", "p", "p", "p"]
    assert doc.find_all("p")[1].text == raw


def test_html_in_code_stays_code_text():
    doc = parse(render("`<i>` and\n\n```\n<b>x</b>\n```", "gfm", lambda _: False))
    assert [c.text for c in doc.find_all("code")] == ["<i>", "<b>x</b>\n"]


def test_autolinks_follow_cmark_gfm():
    doc = parse(render("see www.example.com/x). and <https://a.test/b> or <me@a.test>", "gfm",
                       lambda _: False))
    assert [a.attrs["href"] for a in doc.find_all("a")] == [
        "http://www.example.com/x", "https://a.test/b", "mailto:me@a.test"]
    assert all(a.attrs["rel"] == REL for a in doc.find_all("a"))


# CommonMark autolinks: any scheme of 2 to 32 letters, digits, `+`, `.` or `-` starting with a
# letter (the sanitiser then drops an href whose scheme it does not allow), and e-mail addresses
# with every character an address may hold; each stays a link, never text with its brackets
@pytest.mark.parametrize("source,href", [
    ("<HTTPS://E.ORG/a>", "HTTPS://E.ORG/a"), ("<Http://e.org/>", "Http://e.org/"),
    ("<svn+ssh://h/r>", None), ("<coap.tcp://h>", None), ("<x-y://h>", None),
    ("<s3://b>", None), ("<Git://h/r>", None), ("<ab:>", None),
    ("<Me.X+1@host-1.test>", "mailto:Me.X+1@host-1.test"),
    ("<a@b.c>", "mailto:a@b.c"), ("<d@localhost>", "mailto:d@localhost"),
    ("<a1@9hO5st.T3-sT>", "mailto:a1@9hO5st.T3-sT"), ("<b@hosT.9x2>", "mailto:b@hosT.9x2"),
    ("<c@x.aBc>", "mailto:c@x.aBc"), ("</x@y.z>", "mailto:/x@y.z"),
    ("<a.!#$%&'*+/=?^_`{|}~-Z9@Host-9.test>",
     "mailto:a.!#$%&'*+/=?%5E_%60%7B%7C%7D~-Z9@Host-9.test"),
])
def test_autolinks_of_every_allowed_shape_stay_links(source, href):
    doc = parse(render(f"see {source} here", "gfm", lambda _: False))
    [a] = doc.find_all("a")
    assert a.text == source[1:-1] and doc.text.strip() == f"see {source[1:-1]} here"
    assert a.attrs.get("href") == href


@settings(max_examples=500)
@given(st.text("ab:@.-!?/Z9 <>x#", max_size=12), st.sampled_from(["{}", "t {} u", "{} u"]))
def test_text_in_angle_brackets_is_never_lost(inner, shape):
    """What cmark-gfm reads as raw HTML it drops, text and all: every `<` that could open a tag
    must be made text first, and only real autolinks left to it (shown without their `<>`)."""
    source = shape.format(f"<{inner}>")
    doc = parse(render(source, "gfm", lambda _: False))
    def visible(text: str) -> str:
        return "".join(text.replace("<", "").replace(">", "").split())
    assert visible(doc.text) == visible(source)


def test_quote_links_and_unsafe_links():
    doc = parse(render(">>c1 agreed, [x](javascript:alert(1))", "gfm", lambda i: i == "c1"))
    [quote, other] = doc.find_all("a")
    assert quote.classes == {"quotelink"} and quote.attrs["href"] == "#c-c1"
    assert not other.attrs.get("href", "").lower().startswith("javascript")
