"""Archived text is hostile: every field of a thread comes out inert."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dom import parse_file
from test_build import check_links, make_site
from threadpress.build import build_site
from threadpress.render.bodies import render

VECTORS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)><circle/></svg>",
    "<a href=\"javascript:alert(1)\">j</a>",
    "<a href=\"JaVaScRiPt:alert(1)\">mixed case</a>",
    "<a href=\"java\tscript:alert(1)\">tab</a>",
    "<a href=\"&#106;avascript:alert(1)\">entity</a>",
    "<a href=\" vbscript:msgbox(1)\">vb</a>",
    "<a href=\"data:text/html,<script>alert(1)</script>\">data</a>",
    "<iframe src=\"https://evil.example\"></iframe>",
    "<object data=x></object><embed src=x>",
    "<form action=x><input name=a></form>",
    "<style>body{display:none}</style>",
    "<p style=\"background:url(javascript:alert(1))\">styled</p>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
    "<svg><style><img src=x onerror=alert(1)></style></svg>",
    "<details open ontoggle=alert(1)>",
    "<body onload=alert(1)>",
    "[md link](javascript:alert(1)) and ![img](javascript:alert(2))",
    "<base href=\"https://evil.example/\"><meta http-equiv=refresh content=\"0;url=javascript:alert(1)\">",
    "\"><script>alert(1)</script>",
    "'><img src=x onerror=alert(1)>",
    # aimed at the inline JSON-LD: close its script element, open an HTML comment, end a line
    "</script><script>alert(1)</script>",
    "</SCRIPT ><!--<script>alert(1)</script>",
    "\u2028alert(1)\u2029 <!-- -->",
]
DANGEROUS_TAGS = {"script", "iframe", "object", "embed", "form", "style", "svg", "math", "img",
                  "base", "input", "noscript", "frame", "frameset", "applet", "meta_refresh"}


def hostile_thread() -> dict:
    v = " ".join(VECTORS)
    comments = []
    for i, fmt in enumerate(["markdown", "gfm", "html", "text"] * 2):
        comments.append({"id": f"x{i}\"><script>alert({i})</script>", "author": v, "format": fmt,
                         "body": v, "url": "javascript:alert(1)",
                         "parent": None if i < 4 else f"x{i - 4}\"><script>alert({i - 4})</script>"})
    for c in comments:
        if c["parent"] is None:
            del c["parent"]
    return {"title": v, "url": "java\tscript:alert(1)", "source": "JAVASCRIPT:alert(1)",
            "author": v, "tags": VECTORS[:5], "body": v, "format": "html", "comments": comments}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    site = make_site(tmp_path_factory.mktemp("hostile"),
                     {"evil.json": json.dumps(hostile_thread())})
    assert build_site(site, quiet=True) == 0
    return site / "output"


def test_no_active_content_reaches_any_page(built):
    pages = sorted(built.rglob("*.html"))
    assert len(pages) > 6
    for page in pages:
        doc = parse_file(page)
        for el in doc.iter():
            if el.tag == "script" and el.attrs == {"type": "application/ld+json"}:
                continue   # data, not code: test_inline_json_ld_stays_data checks it
            if _theme_search(el, page, built):
                continue
            assert el.tag not in DANGEROUS_TAGS, f"{page}: <{el.tag}>"
            if el.tag == "meta":
                assert "http-equiv" not in el.attrs, page
            for name, value in el.attrs.items():
                assert not name.startswith("on"), f"{page}: {name}= on <{el.tag}>"
                if name in ("href", "src", "action", "formaction", "xlink:href"):
                    probe = "".join(value.split()).lower()
                    assert not probe.startswith(("javascript:", "vbscript:", "data:")), \
                        f"{page}: {name}={value!r}"
            if "style" in el.attrs:  # only the theme's own indentation variable
                assert el.attrs["style"].startswith("--d:"), f"{page}: style on <{el.tag}>"
                assert el.attrs["style"][4:].isdigit()


def _theme_search(el, page: Path, root: Path) -> bool:
    """The theme's own search box (a form in the site header) and the search page's scripts
    (Pagefind's UI from the index, static/search.js): the only forms and scripts allowed."""
    form = el if el.tag == "form" else el.parent if el.tag in ("input", "button") else None
    if form is not None and form.tag == "form":
        return (form.attrs.get("role") == "search" and form.parent is not None
                and "site-head" in form.parent.classes
                and form.attrs["action"].endswith("search/")
                and {e.tag for e in form.iter()} == {"form", "input", "button"})
    on_search_page = page == root / "search" / "index.html"
    if el.tag == "noscript" and on_search_page:
        return [c.attrs.get("class") for c in el.children if not isinstance(c, str)] == \
            ["search-off"]
    if el.tag == "script" and on_search_page:
        src = el.attrs.get("src", "")
        return not el.children and (src == "../static/search.js" or (
            src.startswith("../pagefind/") and src.endswith("/pagefind-ui.js")))
    return False


def test_inline_json_ld_stays_data(built):
    """Each page has one JSON-LD element, whose text is the whole JSON (nothing closed it
    early) and holds no `<`, `>`, `&` or line separator that a parser could act on."""
    pages = sorted(built.rglob("*.html"))
    seen = 0
    for page in pages:
        scripts = parse_file(page).find_all("script")
        if page.parent == built or page.relative_to(built).parts[0] in ("tags", "authors", "search"):
            continue   # site pages: no structured data (their scripts are checked above)
        assert [s.attrs for s in scripts] == [{"type": "application/ld+json"}], page
        raw = scripts[0].text
        assert not set(raw) & {"<", ">", "&", "\u2028", "\u2029"}, page
        data = json.loads(raw)
        assert data["@type"] in ("DiscussionForumPosting", "Comment")
        seen += 1
    thread = json.loads(parse_file(built / "evil" / "index.html").find("script").text)
    assert "</script><script>alert(1)</script>" in thread["headline"]   # kept, as data
    assert seen > 6


def test_hostile_ids_still_link_correctly(built):
    assert check_links(built) == []


def test_hostile_text_is_shown_not_dropped(built):
    doc = parse_file(built / "evil" / "index.html")
    assert "<script>alert(1)</script>" in doc.find("h1").text  # escaped: visible as text
    authors = [el.text for el in doc.iter() if "author" in el.classes and el.tag == "span"]
    assert authors and all("<img src=x onerror=alert(1)>" in a for a in authors)


@pytest.mark.parametrize("fmt", ["markdown", "gfm", "html", "text"])
@pytest.mark.parametrize("vector", VECTORS)
def test_each_vector_in_each_format(fmt, vector):
    from dom import parse
    doc = parse(render(vector, fmt, lambda _: False))
    for el in doc.iter():
        assert el.tag not in DANGEROUS_TAGS
        assert not any(k.startswith("on") or k == "style" for k in el.attrs)
        href = "".join(el.attrs.get("href", "").split()).lower()
        assert not href.startswith(("javascript:", "vbscript:", "data:"))
        if el.tag == "a" and "href" in el.attrs:
            assert el.attrs.get("rel") == "nofollow ugc"
