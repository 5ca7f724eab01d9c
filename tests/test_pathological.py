"""Bodies whose cost in python-markdown (or in our own regexes) would be quadratic are bounded.

Timing-free: each case is sized so that the quadratic path takes minutes (20 kB of `[` took
92 s), and the test's own timeout (pytest-timeout) turns a regression into a failure; the cost
estimate that guards markdown is checked by value.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dom import parse
from threadpress.render import cost
from threadpress.render.bodies import render
from threadpress.render.views import excerpt

# Shapes found by rendering generated bodies (token × count) and keeping those whose time grew
# about fourfold when their size doubled.
SHAPES = {
    "brackets": "[" * 20_000,
    "images": "![" * 10_000,
    "link heads": "[a](" * 5_000,
    "reference heads": "[a][" * 5_000,
    "footnote-like": "[^" * 10_000,
    "brackets and code": "[`" * 10_000,
    "brackets and angles": "[<" * 10_000,
    "empty link heads": "[](" * 7_000,
    "unclosed brackets in prose": "word :( [ " * 2_000,
    "headings": "# a\n" * 10_000,
    "rules": "---\n" * 10_000,
    "stars": "***\n" * 10_000,
    "setext": "a\n=\n" * 10_000,
    "bare list markers": "- \n" * 10_000,
    "dashes": "-\n" * 20_000,
    "emphasis": "*a*" * 40_000,
    "code fences": "```\n" * 30_000,
    "tilde fences": "~~~\n" * 30_000,
    "autolinks": "<http://a" * 40_000,
    "backslashes": "\\" * 100_000,
    "code spans": "`a" * 50_000,
    "nested quotes": "> " * 40_000,
}


@pytest.mark.timeout(30)
@pytest.mark.parametrize("name", sorted(SHAPES))
def test_pathological_bodies_render_in_bounded_time(name):
    body = SHAPES[name]
    assert cost.markdown_cost(body) > cost.MARKDOWN_BUDGET   # so it takes the linear path
    html = render(body, "markdown", lambda _: False)
    doc = parse(html)
    # nothing is lost: the text is all there, shown as text (`>` at a line's start is a quote)
    def visible(text: str) -> str:
        return "".join(text.split()).replace(">", "")
    assert visible(doc.text) == visible(body)
    if name == "nested quotes":
        assert len(doc.find_all("blockquote")) == cost.MAX_QUOTE_DEPTH
        assert doc.text.count(">") == body.count(">") - cost.MAX_QUOTE_DEPTH


@pytest.mark.parametrize("path", ["README.md", "docs/format.md", "docs/import.md",
                                  "docs/themes.md"])
def test_ordinary_markdown_stays_markdown(path):
    from pathlib import Path
    text = (Path(__file__).resolve().parents[1] / path).read_text(encoding="utf-8")
    assert cost.markdown_cost(text) < cost.MARKDOWN_BUDGET // 20
    # and a long body of ordinary paragraphs with links and emphasis, too
    prose = "A [link](https://example.org/a) with *stress* and `code`, (an aside).\n\n" * 2_000
    assert cost.markdown_cost(prose) < cost.MARKDOWN_BUDGET // 5


@pytest.mark.timeout(30)
@pytest.mark.parametrize("body", ["<" * 100_000, "<" * 1_000_000, "(https://" * 100_000,
                                  "<a " * 300_000])
def test_meta_description_is_linear(body):
    # descriptions come from the sanitised body: render, then excerpt
    html = render(body, "markdown", lambda _: False)
    assert len(excerpt(html, 200)) <= 200


@pytest.mark.timeout(30)
@pytest.mark.parametrize("fmt", ["markdown", "text", "html"])
def test_quote_link_trimming_is_linear(fmt):
    body = (">>x" + "." * 40_000 + " ") * 5
    doc = parse(render(body, fmt, {"x"}.__contains__))
    assert len(doc.find_all("a", cls="quotelink")) == 5


TOKENS = ["[", "![", "]", "(", ")", "](", "<", ">", "> ", "`", "```\n", "*", "_", "**", "\\",
          "&", "&#", "#", "\n", "\n\n", "- ", "1. ", "---\n", "=\n", "a", " ", "http://a.b/",
          "|", "~~~\n", ">>1", "\ue000", "\ue001", "[a]: ", "    "]


@st.composite
def bodies(draw, longest: int):
    """Runs of markdown tokens: the shapes that matter are repetitions, mixed."""
    runs = draw(st.lists(st.tuples(st.sampled_from(TOKENS), st.integers(1, 4000)),
                         min_size=1, max_size=5))
    body = "".join(token * n for token, n in runs)
    return body[:longest]


def check_body(body: str) -> None:
    html = render(body, "markdown", {"1"}.__contains__)
    parse(html)


@pytest.mark.timeout(60)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bodies(longest=30_000))
def test_generated_bodies_render_in_bounded_time(body):
    check_body(body)


@pytest.mark.fuzz
@pytest.mark.timeout(1800)
@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bodies(longest=100_000))
def test_generated_bodies_render_in_bounded_time_more(body):
    check_body(body)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("body", [
    "1. " * 1000, "- " * 1000, "* " * 1000, "> " * 1000, "> 1. " * 500, "1) " * 1000,
    "\n".join(" " * (4 * i) + "- a" for i in range(400)),
    "\n".join(" " * (4 * i) + "1. a" for i in range(400)),
    "\n".join("\t" * i + "- a" for i in range(400)),
])
def test_deep_nesting_does_not_reach_the_recursion_limit(body):
    assert cost.markdown_cost(body) > cost.MARKDOWN_BUDGET
    doc = parse(render(body, "markdown", lambda _: False))
    assert len(doc.find_all("blockquote")) <= cost.MAX_QUOTE_DEPTH


@pytest.mark.parametrize("body", ["- a\n  - b\n    - c\n", "> > > deep enough\n",
                                  "1. one\n   1. nested\n", "    code\n" * 100])
def test_ordinary_nesting_stays_markdown(body):
    assert cost.markdown_cost(body) < cost.MARKDOWN_BUDGET // 100
