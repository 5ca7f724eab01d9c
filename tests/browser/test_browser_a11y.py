"""Accessibility: axe-core finds nothing serious in light or dark; the keyboard alone works."""

from __future__ import annotations

import re

import pytest

from browser_support import encode, thread_data

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
