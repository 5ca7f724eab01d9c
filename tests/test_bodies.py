"""Comment bodies: markdown, html and text each render as they should (checked by parsing)."""

from __future__ import annotations

from dom import Element, parse
import pytest

from threadpress.anchors import encode_id
from threadpress.render.bodies import REL, render

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


# --- the plain-text fast path gives exactly python-markdown's output ---------------------------

import json  # noqa: E402
import random  # noqa: E402
from pathlib import Path  # noqa: E402

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from threadpress.render import bodies  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared"
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
    for path in sorted((SHARED / "fixtures" / "reddit").glob("*.json")):
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
           "\ue000999999\ue001", "a\ue002\ue004b", "\uf8ff\U000f0000"]


@pytest.mark.parametrize("fmt", ["markdown", "html", "text"])
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


def test_url_trimming_keeps_balanced_parentheses_over_long_tails():
    doc = html("see https://e.org/a_(b)" + ")" * 30_000 + "." * 30_000, "text")
    [a] = doc.find_all("a")
    assert a.attrs["href"] == "https://e.org/a_(b)"
