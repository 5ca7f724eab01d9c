"""The board theme's own control in a browser: the folded context chain on comment pages."""

from __future__ import annotations

import pytest

from browser_support import build, nav_thread, write_site

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def board_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("board-context")
    site = write_site(root / "site", "board", {"nav.json": nav_thread()})
    return build(site, root / "out")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_context_chain_unfolds_without_javascript(board_site, new_page, scheme):
    page = new_page(viewport={"width": 360, "height": 640}, color_scheme=scheme,
                    java_script_enabled=False)
    page.goto((board_site / "nav" / "c" / "deep-19" / "index.html").as_uri())
    assert page.is_visible("#c-deep-19")
    first = 'ol.ancestors a[href$="#c-deep-0"]'     # the chain's top, as an excerpt
    assert not page.is_visible(first)               # the chain starts folded
    page.click("details.chain > summary")
    assert page.is_visible(first)
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
