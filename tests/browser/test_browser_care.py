"""Archive care in a real browser: old URLs redirect without JavaScript; archive links land."""

from __future__ import annotations

import re

import pytest

from browser_support import anchor, build, write_site

pytestmark = pytest.mark.browser

MOVED = """\
title: Moved thread
slug: new/place
aliases: [old-place]
source: https://news.ycombinator.com/item?id=500
comments:
  - {id: "501", author: a, body: first}
  - {id: "502", author: b, parent: "501", body: second}
"""
LINKING = """\
title: Linking thread
comments:
  - {id: "9", author: c, body: "as said in https://news.ycombinator.com/item?id=502"}
"""


@pytest.fixture(scope="module")
def care_site(theme, tmp_path_factory, serve):
    root = tmp_path_factory.mktemp(f"care-{theme}")
    site = write_site(root / "site", theme, {"moved.yaml": MOVED, "linking.yaml": LINKING})
    out = build(site, root / "out")
    return serve(out).url


@pytest.mark.parametrize("old, new", [("old-place/", "new/place/"),
                                      ("old-place/c/502/", "new/place/c/502/")])
def test_an_old_url_redirects_without_javascript(care_site, new_page, old, new):
    page = new_page(java_script_enabled=False)
    page.goto(care_site + old)
    page.wait_for_url(care_site + new)
    assert page.locator("h1, article.current").count() >= 1


def test_a_link_to_an_archived_comment_lands_on_the_copy(care_site, new_page):
    page = new_page()
    page.goto(care_site + "linking/")
    link = page.locator("a.archived")
    assert link.get_attribute("title") == "https://news.ycombinator.com/item?id=502"
    link.click()
    page.wait_for_url(re.compile(re.escape(care_site + "new/place/c/502/") + "$"))
    assert page.locator(f"#{anchor('502')}").is_visible()
