"""An image-only post, as a reader sees it: its alt text or file name and a link to the image,
with nothing requested from the original site (checked in Chromium)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from browser_support import build, write_site
from support import REAL_FIXTURES

pytestmark = pytest.mark.browser

DISCOURSE = REAL_FIXTURES / "discourse" / "topic-57-try-discourse-sandbox.json"
IMAGE = "http://i288.photobucket.com/albums/ll164/stienman/ahh.gif"


@pytest.fixture(scope="module")
def image_site(theme, tmp_path_factory, serve) -> str:
    """The Discourse sandbox topic (post 3 is nothing but an image), built with `theme`."""
    from threadpress.importers.common import run_import

    root = tmp_path_factory.mktemp(f"images-{theme}")
    [path] = run_import("discourse", [str(DISCOURSE)], root / "import", "yaml")
    site = write_site(root / "site", theme, {"topic.yaml": path})
    return serve(build(site, root / "out")).url + "topic/"


def test_an_image_only_post_shows_its_name_and_a_link_and_loads_nothing_remote(image_site,
                                                                                  new_page):
    page = new_page()
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto(image_site + "#c-3")
    post = page.locator("#c-3 .body")
    link = post.locator("a.image")
    assert link.is_visible()
    assert link.inner_text() == "image: ahh.gif" and link.get_attribute("href") == IMAGE
    assert post.locator("img").count() == 0
    box = post.bounding_box()
    assert box and box["height"] > 10          # not an empty comment
    here = urlsplit(image_site).netloc
    assert [u for u in requested if urlsplit(u).netloc not in (here, "")] == []
