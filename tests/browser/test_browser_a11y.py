"""Accessibility: axe-core finds nothing serious in light or dark; the keyboard alone works;
the search page's text (Pagefind's UI, with results) reads at 4.5:1 or more in both schemes."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest

from browser_support import LOREM, REPO, build, encode, thread_data, write_site

pytestmark = pytest.mark.browser


def page_urls(site, thread: str) -> dict[str, str]:
    """The index, the example's biggest thread and the comment page of its deepest comment."""
    comments = thread_data(site, thread)["comments"]
    deepest = max(comments, key=lambda c: c["depth"])
    return {"index": site.url, "thread": site.url + thread,
            "comment": f"{site.url}{thread}c/{encode(deepest['id'])}/"}


@pytest.fixture(scope="session")
def axe():
    from axe_playwright_python.sync_playwright import Axe
    return Axe()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("kind", ["index", "thread", "comment"])
def test_axe_finds_no_serious_violations(example_sites, example_thread, new_page, axe, kind,
                                         scheme):
    page = new_page(color_scheme=scheme)
    page.goto(page_urls(example_sites["root"], example_thread)[kind])
    results = axe.run(page, options={"resultTypes": ["violations"]})
    bad = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    report = "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']}\n" + "\n".join(
            f"    {n['target']}: {n.get('failureSummary', '').splitlines()[-1:]}"
            for n in v["nodes"][:6]) for v in bad)
    assert not bad, f"{scheme} {kind} page:\n{report}"


FOCUS_STATE = """
() => {
  const el = document.activeElement;
  const r = el.getBoundingClientRect(), s = getComputedStyle(el);
  const first = el.getClientRects()[0] || r;   // a link wrapped over lines: its first line
  const hit = document.elementFromPoint(first.left + Math.min(first.width / 2, 8),
                                        first.top + first.height / 2);
  return {tag: el.localName, text: el.innerText.trim(), href: el.getAttribute('href'),
          inMain: !!el.closest('main'),
          visible: r.width > 1 && r.height > 1 && r.top >= 0 && r.bottom <= innerHeight
                   && r.left >= 0 && r.right <= innerWidth && !!hit && el.contains(hit),
          outline: s.outlineStyle, outlineWidth: parseFloat(s.outlineWidth),
          shadow: s.boxShadow};
}
"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("kind", ["index", "thread", "comment"])
def test_keyboard_skip_link_and_focus_outlines(example_sites, example_thread, new_page, kind,
                                               scheme):
    page = new_page(color_scheme=scheme)
    page.goto(page_urls(example_sites["root"], example_thread)[kind])
    page.keyboard.press("Tab")
    first = page.evaluate(FOCUS_STATE)
    assert first["tag"] == "a" and re.search(r"skip to (the )?(main )?content", first["text"], re.I), \
        f"the first Tab focuses {first}, not a “Skip to content” link"
    assert first["visible"], f"the focused skip link is not visible: {first}"
    # outlines on the links that follow
    for _ in range(10):
        page.keyboard.press("Tab")
        s = page.evaluate(FOCUS_STATE)
        if s["tag"] in ("a", "summary", "button"):
            assert (s["outline"] != "none" and s["outlineWidth"] > 0) or s["shadow"] != "none", \
                f"no visible focus indicator on {s}"
            assert s["visible"], f"the focused element is not visible: {s}"
    # the skip link leads into the main content
    page.reload()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    s = page.evaluate(FOCUS_STATE)
    assert s["inMain"], f"after “Skip to content”, Tab focuses {s}, outside <main>"


# --- the search page: Pagefind's UI, with results, in both schemes ---------------------------

SEARCH_WORD = "lantern"
SEARCH_THREADS = 7        # one more than Pagefind shows at first: the "Load more" button shows


def lantern_thread(n: int) -> str:
    """One of the search site's threads: each has the word, a tag of its own and two authors."""
    comments = [{"id": f"l{n}-{i}", "author": f"keeper{(n + i) % 4}",
                 "body": f"{LOREM}The {SEARCH_WORD} on the pier is lit at dusk, number {n}."}
                for i in range(2)]
    return json.dumps({"id": f"lamp{n}", "title": f"Lanterns of the harbour, part {n}",
                       "tags": ["harbour", f"part-{n}"], "author": "keeper0",
                       "body": f"Who keeps the {SEARCH_WORD}s?", "comments": comments})


@pytest.fixture(scope="module")
def search_site(theme, tmp_path_factory, serve) -> str:
    """The URL of a small site built with `theme` whose search for SEARCH_WORD finds every
    thread: results with sub-results, highlighted words, tag and author filters, a button."""
    root = tmp_path_factory.mktemp(f"a11y-search-{theme}")
    site = write_site(root / "site", theme, {f"lamp{n}.json": lantern_thread(n)
                                              for n in range(SEARCH_THREADS)})
    return serve(build(site, root / "out")).url


RESULTS_SHOWN = """n => document.querySelectorAll('.pagefind-ui__result').length >= n
  && !document.querySelector('.pagefind-ui__loading')
  && !!document.querySelector('.pagefind-ui__result-excerpt mark')"""


def open_search(page, url: str, query: str, shown: int = 1, filters: bool = True) -> None:
    """The search page for `query`, waiting until `shown` results have their text; with
    `filters`, its filter panels open (their labels and counts are text to check too)."""
    page.goto(f"{url}search/?q={query}")
    page.wait_for_function(RESULTS_SHOWN, arg=shown)
    if filters:
        for name in page.locator(".pagefind-ui__filter-name").all():
            name.click()
        page.locator(".pagefind-ui__filter-label").first.wait_for()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_contrast_violations_on_the_search_page(search_site, new_page, axe, scheme):
    page = new_page(color_scheme=scheme)
    open_search(page, search_site, SEARCH_WORD, shown=5)
    results = axe.run(page, options={"resultTypes": ["violations"]})
    bad = [v for v in results.response["violations"]
           if v["id"] == "color-contrast" or v["impact"] in ("serious", "critical")]
    report = "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']}\n" + "\n".join(
            f"    {n['target']}: {n.get('failureSummary', '').splitlines()[-1:]}"
            for n in v["nodes"][:8]) for v in bad)
    assert not bad, f"{scheme} search page with results:\n{report}"


# The colour of each piece of text and the background it is seen on: the first opaque
# background among its ancestors, with the translucent ones between composited over it, and
# the text's colour composited over that (its alpha times the opacity of it and its ancestors).
TEXT_COLOURS = """
(parts) => {
  const rgba = s => { const m = (s.match(/[\\d.]+/g) || []).map(Number);
                      return m.length >= 4 ? m.slice(0, 4) : [...m.slice(0, 3), 1]; };
  const over = (top, under) => {
    const a = top[3] + under[3] * (1 - top[3]);
    return [0, 1, 2].map(i => (top[i] * top[3] + under[i] * under[3] * (1 - top[3])) / a)
                    .concat([a]); };
  const backdrop = el => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = rgba(getComputedStyle(e).backgroundColor);
      if (c[3] > 0) layers.push(c);
      if (c[3] >= 1) break;
    }
    return layers.reverse().reduce((under, c) => over(c, under), [255, 255, 255, 1]); };
  const opacity = el => { let o = 1;
    for (let e = el; e; e = e.parentElement) o *= parseFloat(getComputedStyle(e).opacity);
    return o; };
  const out = [];
  for (const [name, selector, pseudo] of parts) {
    const els = [...document.querySelectorAll(selector)].filter(e => e.getClientRects().length);
    if (!els.length) out.push({name, missing: selector});
    for (const el of els) {
      const s = getComputedStyle(el, pseudo || null), bg = backdrop(el);
      const fg = rgba(s.color);
      fg[3] *= (pseudo ? parseFloat(s.opacity) : 1) * opacity(el);
      out.push({name, text: (pseudo ? el.placeholder : el.textContent).trim().slice(0, 40),
                fg: over(fg, bg).slice(0, 3), bg: bg.slice(0, 3)});
    }
  }
  return out;
}
"""

SEARCH_TEXT = [  # (what, selector, pseudo-element): every kind of text on the search page
    ("the search input", ".pagefind-ui__search-input", None),
    ("its placeholder", ".pagefind-ui__search-input", "::placeholder"),
    ("the clear button", ".pagefind-ui__search-clear", None),
    ("the count of results", ".pagefind-ui__message", None),
    ("a result's title", ".pagefind-ui__result-title .pagefind-ui__result-link", None),
    ("a result's excerpt", ".pagefind-ui__result-excerpt", None),
    ("a highlighted word", ".pagefind-ui__result-excerpt mark", None),
    ("a comment's link", ".pagefind-ui__result-nested .pagefind-ui__result-link", None),
    ("a filter's name", ".pagefind-ui__filter-name", None),
    ("a filter's value and count", ".pagefind-ui__filter-label", None),
    ("the load-more button", ".pagefind-ui__button", None),
]


def luminance(rgb: list[float]) -> float:
    """WCAG 2 relative luminance of an sRGB colour (0–255 channels)."""
    def linear(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (linear(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: list[float], b: list[float]) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_contrast_is_computed_as_wcag_says():
    assert contrast([0, 0, 0], [255, 255, 255]) == pytest.approx(21)
    assert contrast([57, 57, 57], [22, 24, 28]) == pytest.approx(1.54, abs=0.01)  # issue 21
    assert contrast([119, 119, 119], [255, 255, 255]) == pytest.approx(4.48, abs=0.01)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_search_page_text_has_contrast_in_both_schemes(search_site, new_page, scheme):
    page = new_page(color_scheme=scheme)
    open_search(page, search_site, SEARCH_WORD, shown=5)
    seen = page.evaluate(TEXT_COLOURS, [list(p) for p in SEARCH_TEXT])
    missing = [s for s in seen if "missing" in s]
    assert not missing, f"{scheme}: nothing on the search page to check for {missing}"
    low = [f"{s['name']} {s['text']!r}: rgb{tuple(round(c) for c in s['fg'])} on "
           f"rgb{tuple(round(c) for c in s['bg'])}, {contrast(s['fg'], s['bg']):.2f}:1"
           for s in seen if contrast(s["fg"], s["bg"]) < 4.5]
    assert not low, f"{scheme} search page, text under 4.5:1:\n" + "\n".join(low[:12])
    # the input follows the scheme: no white box on a dark page
    field = next(s for s in seen if s["name"] == "the search input")
    page_bg = next(s for s in seen if s["name"] == "the count of results")["bg"]
    assert (luminance(field["bg"]) < 0.2) == (scheme == "dark") == (luminance(page_bg) < 0.2), \
        f"{scheme}: the search input's background rgb{tuple(field['bg'])} is not of the scheme"


# Screenshots of the search page for people to look at, beside test_browser_layout.py's; with
# UPDATE_DOCS_SCREENSHOTS=1 the default theme's dark desktop one is docs/screenshots' too.
SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR") or REPO / "test-artifacts" / "screenshots")
SHOT_SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}
DOCS_SHOT = ("default", "search-desktop-dark.png", "search-dark-desktop.png")


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("size", list(SHOT_SIZES))
def test_search_page_screenshots(example_sites, example_thread, new_page, theme, size, scheme):
    """The example site's search for the longest word of its biggest thread's title."""
    site = example_sites["root"]
    title = thread_data(site, example_thread)["title"]
    word = max(re.findall(r"[a-z]+", title.lower()), key=len)
    page = new_page(viewport=SHOT_SIZES[size], color_scheme=scheme)
    open_search(page, site.url, word, filters=False)
    page.evaluate("document.fonts.ready")
    path = SCREENSHOTS / theme / f"search-{size}-{scheme}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path))
    assert path.stat().st_size > 2000, f"{path} looks empty"
    if os.environ.get("UPDATE_DOCS_SCREENSHOTS") == "1" and (theme, path.name) == DOCS_SHOT[:2]:
        (REPO / "docs" / "screenshots").mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, REPO / "docs" / "screenshots" / DOCS_SHOT[2])
