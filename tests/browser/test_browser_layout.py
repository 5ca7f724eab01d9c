"""Layout at phone and desktop widths, and screenshots of every page kind for people to look at.

Screenshots go to $SCREENSHOT_DIR (default: test-artifacts/screenshots at the repo root, which
git ignores) as <theme>/<page>-<width>-<scheme>.png. With UPDATE_DOCS_SCREENSHOTS=1 the few
the README shows are copied to docs/screenshots/ as well.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from browser_support import REPO, encode, thread_data

pytestmark = pytest.mark.browser

WIDTHS = {"phone": 360, "desktop": 1280}
HEIGHTS = {"phone": 740, "desktop": 800}
SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR") or REPO / "test-artifacts" / "screenshots")
DOCS = {  # (theme, file in SCREENSHOTS/<theme>/) → docs/screenshots/<name>
    ("default", "thread-desktop-light.png"): "thread-desktop-light.png",
    ("default", "thread-phone-dark.png"): "thread-phone-dark.png",
    ("board", "thread-desktop-light.png"): "board-thread-desktop.png",
}

OVERFLOW = """() => { const s = document.scrollingElement;
  const wide = [...document.querySelectorAll('body *')].filter(e => {
      const r = e.getBoundingClientRect(); return r.right > s.clientWidth + 1 && r.width > 0; })
    .filter(e => !e.closest('pre, table') || e.matches('pre, table'))
    .slice(0, 5).map(e => e.localName + '.' + e.className + ' right=' + Math.round(
      e.getBoundingClientRect().right));
  return {scroll: s.scrollWidth, client: s.clientWidth, wide}; }"""


@pytest.mark.parametrize("size", list(WIDTHS))
def test_no_horizontal_scrolling(fixture_site, new_page, size):
    """Long URLs, long words, wide code and tables, a chain 30 deep: nothing scrolls sideways."""
    page = new_page(viewport={"width": WIDTHS[size], "height": HEIGHTS[size]})
    deepest = thread_data(fixture_site, "layout/")["comments"][-1]
    assert deepest["depth"] >= 30
    for url in [fixture_site.url, fixture_site.url + "layout/",
                f"{fixture_site.url}layout/c/{encode(deepest['id'])}/",
                f"{fixture_site.url}layout/c/l15/"]:
        page.goto(url)
        s = page.evaluate(OVERFLOW)
        assert s["scroll"] <= s["client"], f"{url} scrolls sideways at {WIDTHS[size]}px: {s}"
    # the deepest comment keeps a readable width
    page.goto(fixture_site.url + "layout/")
    box = page.locator("#c-l30").bounding_box()
    assert box and box["width"] >= min(0.5 * WIDTHS[size], 300), \
        f"the comment at depth 30 is squeezed to {box and box['width']:.0f}px"


def shoot(page, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path))
    assert path.stat().st_size > 2000, f"{path} looks empty"


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("size", list(WIDTHS))
def test_screenshots(example_sites, example_thread, fixture_site, new_page, theme, size, scheme):
    site = example_sites["root"]
    comments = thread_data(site, example_thread)["comments"]
    deepest = max(comments, key=lambda c: c["depth"])
    page = new_page(viewport={"width": WIDTHS[size], "height": HEIGHTS[size]},
                    color_scheme=scheme)
    out = SCREENSHOTS / theme
    shots = {
        "index": site.url,
        "thread": site.url + example_thread,
        "thread-deep": f"{site.url}{example_thread}#c-{encode(deepest['id'])}",
        "comment": f"{site.url}{example_thread}c/{encode(deepest['id'])}/",
        "layout": fixture_site.url + "layout/#c-l12",
    }
    for name, url in shots.items():
        page.goto(url)
        page.evaluate("document.fonts.ready")
        assert page.evaluate("document.scrollingElement.scrollWidth <= "
                             "document.scrollingElement.clientWidth"), f"{url} scrolls sideways"
        shoot(page, out / f"{name}-{size}-{scheme}.png")
    if os.environ.get("UPDATE_DOCS_SCREENSHOTS") == "1":
        for (t, src), dest in DOCS.items():
            if t == theme and (out / src).is_file():
                (REPO / "docs" / "screenshots").mkdir(parents=True, exist_ok=True)
                shutil.copyfile(out / src, REPO / "docs" / "screenshots" / dest)
