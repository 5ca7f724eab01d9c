"""Comment bodies: markdown, html and text each render as they should (checked by parsing)."""

from __future__ import annotations

import pytest

from dom import Element, parse
from threadpress.anchors import encode_id
from threadpress.render.bodies import REL, rebase_quotelinks, render

NONE = lambda _: False  # noqa: E731  (no comment ids known)


def html(body: str, fmt: str = "markdown", known=NONE) -> Element:
    return parse(render(body, fmt, known))


def test_markdown_quotes_nest():
    doc = html("> outer\n> > inner\n\nafter")
    outer = doc.find("blockquote")
    inner = outer.find_all("blockquote")[1]
    assert "outer" in outer.find("p").text and inner.find("p").text == "inner"
    assert [p.text for p in doc.children if isinstance(p, Element) and p.tag == "p"] == ["after"]


def test_markdown_bare_urls_become_links_without_trailing_punctuation():
    doc = html("see https://example.org/a_(b), and (https://example.org/c).")
    assert [a.attrs["href"] for a in doc.find_all("a")] == [
        "https://example.org/a_(b)", "https://example.org/c"]
    assert all(a.attrs["rel"] == REL for a in doc.find_all("a"))


def test_markdown_fenced_code_lists_and_paragraphs():
    doc = html("Intro\n\n```python\nif a < b:\n    pass\n```\n\n- one\n- two\n\n1. first\n2. second")
    code = doc.find("pre").find("code")
    assert code.attrs["class"] == "language-python" and "if a < b:" in code.text
    assert [li.text for li in doc.find("ul").find_all("li")] == ["one", "two"]
    assert [li.text for li in doc.find("ol").find_all("li")] == ["first", "second"]
    assert doc.find("p").text == "Intro"


def test_markdown_code_spans_do_not_link_urls():
    doc = html("`https://example.org/x` and https://example.org/y")
    assert doc.find("code").text == "https://example.org/x"
    assert [a.attrs["href"] for a in doc.find_all("a")] == ["https://example.org/y"]


def test_raw_html_in_markdown_is_shown_as_text():
    doc = html("a <b>bold</b> claim")
    assert doc.find("b") is None and "<b>bold</b>" in doc.find("p").text


def test_html_format_keeps_allowed_markup():
    doc = html("<p>one <em>two</em></p><ul><li>x</li></ul><a href='https://e.org'>l</a>", "html")
    assert doc.find("em").text == "two" and doc.find("li").text == "x"
    assert doc.find("a").attrs == {"href": "https://e.org", "rel": REL}


def test_text_format_escapes_and_keeps_paragraphs_breaks_and_quotes():
    doc = html("first <b>line</b>\nsecond line\n\n> quoted\n> > deeper\nreply\n\nhttps://e.org/x.",
               "text")
    paragraphs = [p for p in doc.iter() if p.tag == "p"]
    assert paragraphs[0].text == "first <b>line</b>\nsecond line"
    assert paragraphs[0].find("br") is not None and doc.find("b") is None
    quote = doc.find("blockquote")
    assert quote.find("p").text == "quoted"
    assert quote.find_all("blockquote")[1].find("p").text == "deeper"  # find() includes self
    assert doc.find("a").attrs["href"] == "https://e.org/x"


def test_quote_links_only_for_known_ids_and_after_escaping():
    known = {"12", "a.b"}.__contains__
    quoted: list[str] = []
    doc = parse(render(">>12 yes, >>99 no, >>a.b. <script>x</script>", "markdown", known, quoted))
    links = doc.find_all("a", cls="quotelink")
    assert [(a.attrs["href"], a.text) for a in links] == [("#c-12", ">>12"), ("#c-a.b", ">>a.b")]
    assert quoted == ["12", "a.b"]
    assert doc.find("script") is None and ">>99" in doc.text


def test_quote_links_in_html_and_text_formats():
    known = {"7"}.__contains__
    for fmt, body in (("html", "<p>&gt;&gt;7 right</p>"), ("text", ">>7 right")):
        doc = html(body, fmt, known)
        assert [a.attrs["href"] for a in doc.find_all("a", cls="quotelink")] == ["#c-7"], fmt


def paragraph_parts(doc: Element) -> list:
    """The first paragraph's (or a bare fragment's) children: text, and links as (a, href, text)."""
    return [c if isinstance(c, str) else (c.tag, c.attrs.get("href"), c.text)
            for c in (doc.find("p") or doc).children]


@pytest.mark.parametrize("fmt", ["markdown", "text", "html"])
def test_text_around_quote_links_is_kept_exactly(fmt):
    known = {"12", "x."}.__contains__
    doc = html("see >>12, and >>12). Or >>x.: end >>99, too", fmt, known)
    assert paragraph_parts(doc) == [
        "see ", ("a", "#c-12", ">>12"), ", and ", ("a", "#c-12", ">>12"), "). Or ",
        ("a", "#c-x.", ">>x."), ": end >>99, too"]


def test_trailing_punctuation_belongs_to_a_known_id():
    known = {"12)", "a.b"}.__contains__
    doc = html(">>12) and >>a.b.", "text", known)
    assert paragraph_parts(doc) == [("a", "#c-12~29", ">>12)"), " and ",
                                    ("a", "#c-a.b", ">>a.b"), "."]


def test_quoted_ids_are_collected_in_order():
    quoted: list[str] = []
    render(">>2 then >>1, >>3 (unknown)", "text", {"1", "2"}.__contains__, quoted)
    assert quoted == ["2", "1"]
    assert parse(render(">>2", "text", {"2"}.__contains__)).find("a").attrs["href"] == "#c-2"


@pytest.mark.parametrize("fmt", ["markdown", "text"])
def test_text_around_bare_urls_is_kept_exactly(fmt):
    doc = html("go to https://e.org/a, https://e.org/b). (https://e.org/c_(d)) "
               "http://e.org/e'f foohttps://e.org/g https://e.org/?a=1&b=2!", fmt)
    assert paragraph_parts(doc) == [
        "go to ", ("a", "https://e.org/a", "https://e.org/a"), ", ",
        ("a", "https://e.org/b", "https://e.org/b"), "). (",
        ("a", "https://e.org/c_(d)", "https://e.org/c_(d)"), ") ",
        ("a", "http://e.org/e", "http://e.org/e"), "'f foohttps://e.org/g ",
        ("a", "https://e.org/?a=1&b=2", "https://e.org/?a=1&b=2"), "!"]


def shape(el: Element):
    """An element's nesting: (tag, text) for paragraphs, (tag, [children's shapes]) otherwise."""
    if el.tag == "p":
        return el.tag, el.text
    return el.tag, [shape(c) for c in el.children if isinstance(c, Element)]


@pytest.mark.parametrize("fmt, text", [
    ("text", 'mail <https://e.org/a?b=1&c=2> and "https://e.org/d"'),
    ("markdown", 'mail https://e.org/a?b=1&c=2 and "https://e.org/d"'),  # <URL> is an autolink
])
def test_urls_in_angle_brackets_and_quotes_end_there(fmt, text):
    doc = html('mail <https://e.org/a?b=1&c=2> and "https://e.org/d"', fmt)
    assert [a.attrs["href"] for a in doc.find_all("a")] == ["https://e.org/a?b=1&c=2",
                                                             "https://e.org/d"]
    assert doc.text == text


@pytest.mark.parametrize("fmt, body, after", [
    ("text", ">>7's point", "'s point"),
    ("text", '>>7"quoted"', '"quoted"'),
    ("html", "<p>&gt;&gt;7</p>", ""),
    ("html", "<p>&gt;&gt;7&nbsp;yes</p>", "\xa0yes"),
    ("html", "<p>&gt;&gt;7&lt;3</p>", "<3"),
])
def test_quote_ids_end_at_quotes_and_markup(fmt, body, after):
    doc = html(body, fmt, {"7"}.__contains__)
    assert paragraph_parts(doc) == [("a", "#c-7", ">>7")] + ([after] if after else [])


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_urls_end_at_quotes_and_markup(fmt):
    doc = html('https://e.org/a<b https://e.org/c"d https://e.org/e`f https://e.org/g>>12 '
               "https:// alone", fmt, {"12"}.__contains__)
    assert [a.attrs["href"] for a in doc.find_all("a")] == [
        "https://e.org/a", "https://e.org/c", "https://e.org/e", "https://e.org/g", "#c-12"]
    assert "https:// alone" in doc.text


def test_back_to_back_and_empty_quotes():
    known = {"12", "13"}.__contains__
    doc = html(">>12>>13 and >>... and >>", "text", known)
    assert paragraph_parts(doc) == [("a", "#c-12", ">>12"), ("a", "#c-13", ">>13"),
                                    " and >>... and >>"]


def test_markdown_tables_and_numbered_lists():
    doc = html("| a | b |\n|---|---|\n| 1 | 2 |\n\n3. c\n4. d\n\n* e")
    assert [th.text for th in doc.find_all("th")] == ["a", "b"]
    assert [td.text for td in doc.find_all("td")] == ["1", "2"]
    assert doc.find("ol").attrs == {"start": "3"}  # the list starts where the author's did
    assert [li.text for li in doc.find("ol").find_all("li")] == ["c", "d"]
    assert [li.text for li in doc.find("ul").find_all("li")] == ["e"]


def test_text_quote_depth_goes_up_and_down():
    doc = html("> > deep\n> shallow\nnone\n>> two at once\n>\tone\n\n>\n>x\n> > > three", "text")
    assert shape(doc)[1] == [
        ("blockquote", [("blockquote", [("p", "deep")]), ("p", "shallow")]),
        ("p", "none"),
        ("blockquote", [("blockquote", [("p", "two at once")]), ("p", "one")]),
        ("blockquote", [("p", "\nx"), ("blockquote", [("blockquote", [("p", "three")])])]),
    ]


def test_text_paragraphs_and_crlf():
    doc = html("\r\n\r\na\r\nb\r\n  \r\n\r\n\r\nc\r\n\t\r\nd\r\n\r\n", "text")
    paragraphs = doc.find_all("p")
    assert [p.text for p in paragraphs] == ["a\nb", "c", "d"]
    assert len(paragraphs[0].find_all("br")) == 1 and doc.find("br").parent is paragraphs[0]


def test_text_leading_newline_is_no_empty_line():
    doc = html("\nfirst", "text")
    assert [p.text for p in doc.find_all("p")] == ["first"] and doc.find("br") is None


def test_markdown_crlf_paragraphs():
    doc = html("a\r\nb\r\n\r\nc")
    assert [p.text for p in doc.find_all("p")] == ["a\nb", "c"]


def test_raw_block_html_in_markdown_is_shown_as_text():
    doc = html("<div onclick=\"x()\">\n<script>alert(1)</script>\n</div>\n\nafter")
    assert doc.find("div") is None and doc.find("script") is None
    assert [p.text for p in doc.find_all("p")] == [
        '<div onclick="x()">\n<script>alert(1)</script>\n</div>', "after"]


def test_rebase_quotelinks_points_at_the_thread_page():
    body = render(">>12 and [a link](https://e.org/#x)", "markdown", {"12"}.__contains__)
    assert rebase_quotelinks(body, "") == body
    doc = parse(rebase_quotelinks(body, "../../"))
    assert [a.attrs["href"] for a in doc.find_all("a")] == ["../../#c-12", "https://e.org/#x"]


# --- the plain-text fast path gives exactly python-markdown's output ---------------------------

import json  # noqa: E402
import random  # noqa: E402

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from support import REAL_FIXTURES  # noqa: E402
from threadpress.render import bodies, cost  # noqa: E402

# every character class the fast path must judge: plain ones, and each Markdown trigger
ALPHABET = "ab Zé1 9\n\n.,;:?!'\"/%$@()=+-_*`#>[]<&\\~|{}^\t\r" + "\u00a0\u2014\u4e00"


def _agrees(text: str) -> bool:
    """True when the fast path took the body (and then it must match python-markdown)."""
    fast = bodies._plain_markdown(text)
    if fast is None:
        return False
    assert fast == bodies._markdown(text), repr(text)
    return True


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=60))
def test_fast_path_equals_python_markdown_on_generated_bodies(text):
    _agrees(text)


def test_fast_path_equals_python_markdown_on_words_and_real_bodies():
    rng = random.Random(7)
    words = "the archive of a thread keeps every reply, with links that last; ok? yes! 42 (sic) " \
            "don't \"quote\" 50% $5 a/b @you = + - é 討論".split(" ")
    texts = [" ".join(rng.choice(words) for _ in range(rng.randint(1, 40))) +
             rng.choice(["", "\n", "\n\n", "\n\nsecond para", "\nline two"]) for _ in range(2000)]
    reddit = sorted((REAL_FIXTURES / "reddit").glob("*.json"))
    assert len(reddit) == 2
    for path in reddit:
        texts += [m for m in _strings(json.loads(path.read_text()), "body")]
    taken = sum(_agrees(t) for t in texts)
    assert taken > 500   # the path is really exercised, not skipped


def _strings(data, key: str) -> list[str]:
    """Every string under `key` anywhere in a JSON document (iteratively)."""
    out, stack = [], [data]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            out += [v for k, v in node.items() if k == key and isinstance(v, str)]
            stack += list(node.values())
        elif isinstance(node, list):
            stack += node
    return out


def test_cached_bodies_keep_their_own_quote_links():
    known = {"a", "b"}.__contains__
    first, second = [], []
    html_a = render(">>a said", "markdown", known, first)
    html_b = render(">>b said", "markdown", known, second)
    assert first == ["a"] and second == ["b"] and html_a != html_b
    assert render(">>a said", "markdown", known, []) == html_a


# --- private-use characters: the renderer's placeholders cannot be forged ------------------

PRIVATE = ["\ue0007\ue001", "\ue000", "\ue001", "\ue002", "\ue002\ue003", "\ue0000\ue001\ue001",
           "\ue000999999\ue001", "a\ue002\ue004b", "\uf8ff\U000f0000", "\ue003", "\ue003b",
           "\ue002\ue007", "\ue004\ue005\ue006\ue007"]


@pytest.mark.parametrize("fmt", ["markdown", "html", "text", "gfm"])
@pytest.mark.parametrize("chars", PRIVATE)
def test_private_use_characters_round_trip(fmt, chars):
    known = {"7", "0"}.__contains__
    doc = html(f"before {chars} >>7 after", fmt, known)
    assert doc.text.replace("\n", "").strip() == f"before {chars} >>7 after"
    [a] = doc.find_all("a", cls="quotelink")
    assert a.attrs["href"] == "#c-7"


def test_quote_link_to_an_id_with_private_use_characters():
    cid = "x\ue000\ue002y"
    doc = html(f">>{cid}.", "text", {cid}.__contains__)
    [a] = doc.find_all("a", cls="quotelink")
    assert a.text == f">>{cid}" and a.attrs["href"] == "#c-" + encode_id(cid)


# --- trailing punctuation: bounded work, the same links -----------------------------------

@pytest.mark.parametrize("body,linked,after", [
    (">>x" + "." * 40_000, "x", "." * 40_000),
    (">>x..." + "!" * 60, "x..", ".!" + "!" * 59),      # within MAX_QUOTE_TRIM of the end
    (">>x..." + "!" * 100, "x", "..." + "!" * 100),     # beyond it: only the bare id is tried
    (">>x." + "?" * 63, "x.", "?" * 63),
])
def test_quote_link_trimming(body, linked, after):
    doc = html(body, "text", {"x", "x.", "x.."}.__contains__)
    [a] = doc.find_all("a", cls="quotelink")
    assert a.text == ">>" + linked and doc.text.strip().endswith(after)


@pytest.mark.parametrize("tail,linked", [
    (bodies.MAX_QUOTE_TRIM, "y."),       # the last cut tried leaves the known id `y.`
    (bodies.MAX_QUOTE_TRIM + 1, None),   # one cut further is not tried, and bare `y` is unknown
])
def test_quote_link_trimming_stops_exactly_at_its_bound(tail, linked):
    doc = html("see >>y." + "." * tail, "text", {"y."}.__contains__)
    links = [a.text for a in doc.find_all("a", cls="quotelink")]
    assert links == ([">>" + linked] if linked else [])
    assert doc.text.strip() == "see >>y." + "." * tail


@pytest.mark.parametrize("over,tag", [(0, "em"), (1, None)])
def test_markdown_budget_is_inclusive(monkeypatch, over, tag):
    """A body estimated at exactly the budget is still Markdown; one unit more is plain text."""
    monkeypatch.setattr(bodies.cost, "markdown_cost", lambda text: cost.MARKDOWN_BUDGET + over)
    doc = html("some *stress* here")
    assert [e.tag for e in doc.find_all("em")] == ([tag] if tag else [])
    assert doc.text.strip() == ("some stress here" if tag else "some *stress* here")


def test_url_trimming_keeps_balanced_parentheses_over_long_tails():
    doc = html("see https://e.org/a_(b)" + ")" * 30_000 + "." * 30_000, "text")
    [a] = doc.find_all("a")
    assert a.attrs["href"] == "https://e.org/a_(b)"


@pytest.mark.parametrize("text", ["1. one", "10. x", "a\n\n1. x", "a\n\n b", "a\n===", "a\n--",
                                  "a\n\n+ x", "+ item", "- x", " a", "_a_", "see http://e.org",
                                  "a  \nb"])
def test_fast_path_declines_markdown_syntax(text):
    """Line starts, underlines, emphasis, URLs and hard breaks mean something to Markdown."""
    assert not _agrees(text) and bodies._plain_markdown(text) is None


def test_render_cache_serves_repeats_and_stays_bounded(monkeypatch):
    rendered = []
    real = bodies.text_html
    monkeypatch.setattr(bodies, "text_html", lambda t: rendered.append(t) or real(t))
    monkeypatch.setattr(bodies, "CACHE_SIZE", 3)
    for body in ["a", "b", "a", "c", "d", "e", "a"]:
        assert parse(render(body, "text", NONE)).find("p").text == body
        assert len(bodies._CACHE) <= 3
    # the second "a" came from the cache; the third came after the cache was emptied at its bound
    assert rendered == ["a", "b", "c", "d", "e", "a"]
