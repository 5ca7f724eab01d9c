"""The board theme's own control in a browser: the context chain on comment pages, shown whole
(the seed's view) and folding without JavaScript."""

from __future__ import annotations

import pytest

from browser_support import build, nav_thread, write_site

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def board_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("board-context")
    site = write_site(root / "site", "board", {"nav.json": nav_thread()})
    return build(site, root / "out")


@pytest.mark.parametrize("width", [360, 1280])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_context_chain_is_shown_whole_and_folds_without_javascript(board_site, new_page, scheme,
                                                                   width):
    page = new_page(viewport={"width": width, "height": 640}, color_scheme=scheme,
                    java_script_enabled=False)
    page.goto((board_site / "nav" / "c" / "deep-19" / "index.html").as_uri())
    assert page.is_visible("header.thread-head h1.title")   # the thread's header first
    assert page.is_visible("#c-deep-19.current")
    top = "details.chain article#c-deep-0"                  # the chain's top, whole
    assert page.is_visible(top) and page.is_visible(f"{top} .body")
    assert page.is_visible(f"{top} a.no")
    # the chain reads top-down: each ancestor above the next, the comment last
    ys = page.eval_on_selector_all(
        "section.context article.comment", "els => els.map(e => e.getBoundingClientRect().top)")
    assert ys == sorted(ys) and len(ys) >= 2
    page.click("details.chain > summary")                   # folds away on a click
    assert not page.is_visible(top) and page.is_visible("#c-deep-19")
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
