"""The sanitiser's allowlist, as docs/format.md states it: each allowed tag, attribute, URL scheme
and class survives; everything else, and the content of the dropped tags, is gone."""

from __future__ import annotations

import pytest

from dom import Element, parse
from threadpress.render.bodies import REL, render

NONE = lambda _: False  # noqa: E731  (no comment ids known)

# the allowlist as documented (docs/format.md, "What survives sanitising"); kept apart from the
# module's own constants on purpose, so that a change to either is noticed
SIMPLE_TAGS = ["a", "abbr", "b", "blockquote", "code", "del", "em", "h1", "h2", "h3", "h4", "h5",
               "h6", "i", "ins", "kbd", "mark", "p", "pre", "q", "s", "samp", "small", "span",
               "strike", "strong", "sub", "sup", "u"]
NESTED_TAGS = {  # tags that only exist inside another
    "li": "<ul><li>x</li></ul>", "ul": "<ul><li>x</li></ul>", "ol": "<ol><li>x</li></ol>",
    "dl": "<dl><dt>t</dt><dd>x</dd></dl>", "dt": "<dl><dt>x</dt></dl>",
    "dd": "<dl><dd>x</dd></dl>", "details": "<details><summary>s</summary>x</details>",
    "summary": "<details><summary>x</summary></details>",
    **{tag: "<table><thead><tr><th>h</th></tr></thead><tbody><tr><td>x</td></tr></tbody>"
            "<tfoot><tr><td>f</td></tr></tfoot></table>"
       for tag in ("table", "thead", "tbody", "tfoot", "tr", "th", "td")},
}
VOID_TAGS = ["br", "hr"]
DROPPED_WITH_CONTENT = ["script", "style", "template", "iframe", "object", "noscript",
                        "textarea", "select", "math", "svg", "title", "xmp", "noembed",
                        "noframes", "plaintext"]
CODE_LANGUAGES = ["python", "py", "js", "javascript", "ts", "typescript", "json", "yaml", "sh",
                  "bash", "shell", "console", "html", "css", "sql", "c", "cpp", "go", "rust",
                  "java", "ruby", "diff", "text", "toml", "ini", "xml", "nginx", "apache"]


REMOTE_IMAGES = False   # set for each test by the fixture below


@pytest.fixture(autouse=True, params=[False, True], ids=["images-as-links", "remote_images"])
def remote_images(request, monkeypatch):
    """Every rule holds with the site's `remote_images: true` too, where a second sanitiser
    (the same allowlist, plus <img src alt>) takes over."""
    monkeypatch.setattr(f"{__name__}.REMOTE_IMAGES", request.param)


def clean(fragment: str) -> Element:
    return parse(render(fragment, "html", NONE, remote_images=REMOTE_IMAGES))


@pytest.mark.parametrize("tag", SIMPLE_TAGS)
def test_allowed_tags_survive(tag):
    el = clean(f"<{tag}>kept</{tag}>").find(tag)
    assert el is not None and el.text == "kept"


@pytest.mark.parametrize("tag", sorted(NESTED_TAGS))
def test_allowed_nested_tags_survive(tag):
    assert clean(NESTED_TAGS[tag]).find(tag) is not None


@pytest.mark.parametrize("tag", VOID_TAGS)
def test_allowed_void_tags_survive(tag):
    doc = clean(f"<p>a<{tag}>b</p>")
    assert doc.find(tag) is not None and doc.text == "ab"


# (`img` is not here: an image becomes a named link to it, see test_images.py)
@pytest.mark.parametrize("tag", ["div", "form", "input", "button", "video", "font",
                                 "center", "marquee", "link", "meta", "base", "embed"])
def test_other_tags_go_but_their_text_stays(tag):
    doc = clean(f"<p>a <{tag}>b</{tag}> c</p>")
    assert doc.find(tag) is None and doc.text.split() == ["a", "b", "c"]


@pytest.mark.parametrize("tag", DROPPED_WITH_CONTENT)
def test_dangerous_tags_go_with_their_content(tag):
    inner = "<option>secret</option>" if tag == "select" else "secret"
    doc = clean(f"<p>kept</p><{tag}>{inner}</{tag}>")
    assert doc.find(tag) is None and doc.text.strip() == "kept"


@pytest.mark.parametrize("fragment, tag, attrs", [
    ('<a href="https://e.org/" title="t">x</a>', "a", {"href": "https://e.org/", "title": "t",
                                                      "rel": REL}),
    ('<abbr title="HyperText">HTML</abbr>', "abbr", {"title": "HyperText"}),
    ('<table><tr><td align="right">1</td></tr></table>', "td", {"align": "right"}),
    ('<table><tr><th align="center">h</th></tr></table>', "th", {"align": "center"}),
    ('<ol start="3"><li>c</li></ol>', "ol", {"start": "3"}),
])
def test_allowed_attributes_survive(fragment, tag, attrs):
    assert clean(fragment).find(tag).attrs == attrs


@pytest.mark.parametrize("fragment, tag", [
    ('<a href="https://e.org/" style="color:red" id="x" onclick="f()" target="_blank" '
     'hreflang="en">x</a>', "a"),
    ('<table><tr><td colspan="2" rowspan="2" valign="top" headers="h">x</td></tr></table>', "td"),
    ('<p style="position:fixed" align="left" class="x" start="1">x</p>', "p"),
    ('<ol type="a" reversed>x</ol>', "ol"),
    ('<abbr href="https://e.org/" align="left">x</abbr>', "abbr"),
])
def test_other_attributes_go(fragment, tag):
    assert set(clean(fragment).find(tag).attrs) <= {"href", "rel"}


def test_title_and_lang_are_allowed_on_every_tag():
    assert clean('<span title="t" lang="en">x</span>').find("span").attrs == {"title": "t",
                                                                              "lang": "en"}


@pytest.mark.parametrize("href", ["https://e.org/a?b=1#c", "http://e.org/", "mailto:a@e.org",
                                  "/relative/path", "#c-12"])
def test_link_schemes_kept(href):
    a = clean(f'<a href="{href}">x</a>').find("a")
    assert a.attrs["href"] == href and a.attrs["rel"] == REL


@pytest.mark.parametrize("href", ["javascript:alert(1)", "JaVaScRiPt:alert(1)",
                                  "data:text/html,<script>x</script>", "vbscript:x", "ftp://e.org/",
                                  "file:///etc/passwd", "tel:123"])
def test_link_schemes_dropped(href):
    a = clean(f'<a href="{href}">x</a>').find("a")
    assert a is not None and "href" not in a.attrs and a.text == "x"


def test_html_comments_are_removed():
    doc = clean("<p>a<!-- hidden --><!--[if IE]><b>old</b><![endif]-->b</p>")
    assert doc.comments == [] and doc.find("p").text == "ab"


def test_only_known_classes_survive():
    doc = clean('<a class="quotelink evil" href="#c-1">x</a><span class="quotelink">y</span>'
                '<code class="language-python language-evil">z</code>')
    assert doc.find("a").attrs["class"] == "quotelink"
    assert "class" not in doc.find("span").attrs
    assert doc.find("code").attrs["class"] == "language-python"


@pytest.mark.parametrize("language", CODE_LANGUAGES)
def test_fenced_code_keeps_known_language_classes(language):
    code = parse(render(f"```{language}\nx = 1\n```", "markdown", NONE,
                        remote_images=REMOTE_IMAGES)).find("code")
    assert code.attrs["class"] == f"language-{language}"


def test_fenced_code_drops_unknown_language_classes():
    code = parse(render("```brainfuck\n+++\n```", "markdown", NONE,
                        remote_images=REMOTE_IMAGES)).find("code")
    assert code.classes == set() and code.text.strip() == "+++"
