"""Search in Chromium: the box on a thread page leads to results that land on the comment.

One small site per theme (Pagefind indexes it once for the module), served at the root and as
a project site under /repo/ (built with that base_url).
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from browser_support import LOREM, WAIT, anchor, assert_shown, build, settled_results, write_site

pytestmark = pytest.mark.browser

WORD = "quixotically"        # occurs in one comment only
DEEP = "deep-27"


def search_thread() -> str:
    """A chain 30 deep (the target far below the fold) under a long first comment."""
    comments = [{"id": "top", "author": "ana", "body": LOREM * 40}]
    parent = "top"
    for i in range(30):
        body = LOREM + (f"The parser reads {WORD} long inputs. " if f"deep-{i}" == DEEP else "")
        comments.append({"id": f"deep-{i}", "parent": parent, "author": f"user{i % 7}",
                         "body": body * 3})
        parent = f"deep-{i}"
    return json.dumps({"id": "s1", "title": "Parsers and their inputs", "tags": ["parsing"],
                       "author": "ana", "comments": comments})


def other_thread() -> str:
    return json.dumps({"id": "s2", "title": "Another thread", "tags": ["other"],
                       "comments": [{"id": "x1", "author": "bo", "body": LOREM}]})


HOSTILE = '<img src=x onerror="window.__hit=1"><script>window.__hit=2</script>'


def hostile_thread() -> str:
    return json.dumps({"id": "s3", "title": "Hostile " + HOSTILE, "tags": [HOSTILE],
                       "comments": [{"id": "h1", "author": HOSTILE, "format": "text",
                                     "body": f"zebraword {HOSTILE} &lt;b&gt;"}]})


@pytest.fixture(scope="module")
def search_sites(theme, tmp_path_factory, serve) -> dict[str, str]:
    """{"root": URL, "repo": URL} of the search site built with `theme`."""
    root = tmp_path_factory.mktemp(f"search-{theme}")
    site = write_site(root / "site", theme, {"parsers.json": search_thread(),
                                              "other.json": other_thread(),
                                              "hostile.json": hostile_thread()})
    at_root = build(site, root / "at-root")
    holder = root / "pages"
    holder.mkdir()
    server = serve(holder, sites=("repo/",))
    build(site, holder / "repo", base_url=server.url + "repo/")
    return {"root": serve(at_root).url, "repo": server.url + "repo/"}


@pytest.mark.parametrize("where", ["root", "repo"])
def test_a_word_in_one_deep_comment_lands_on_that_comment(search_sites, new_page, where):
    base = search_sites[where]
    page = new_page(viewport={"width": 1024, "height": 700})
    page.goto(base + "other/")
    page.fill(".site-search input[name=q]", WORD)
    page.press(".site-search input[name=q]", "Enter")
    page.wait_for_url(f"{base}search/?q={WORD}")
    results = settled_results(page)
    assert results.count() == 1
    result = results.first
    assert result.locator(".pagefind-ui__result-title").first.inner_text().strip() == \
        "Parsers and their inputs"
    nested = result.locator(".pagefind-ui__result-nested a.pagefind-ui__result-link")
    assert nested.count() == 1
    assert nested.inner_text().strip() == "user6"     # the author of deep-27 (27 % 7)
    href = nested.get_attribute("href")
    assert urlsplit(href).path == urlsplit(base).path + "parsers/"
    assert urlsplit(href).fragment == anchor(DEEP)
    nested.click()
    page.wait_for_url(f"{base}parsers/#{anchor(DEEP)}")
    s = assert_shown(page, anchor(DEEP))
    assert s["docTop"] > s["viewport"], "test precondition: the comment is below the fold"


def test_filters_by_tag_and_author(search_sites, new_page):
    page = new_page()
    page.goto(search_sites["root"] + "search/?q=archived")
    assert settled_results(page).count() == 2
    names = page.locator(".pagefind-ui__filter-name")
    expect(names).to_have_count(2, timeout=WAIT)   # the filters load apart from the results
    assert sorted(n.strip().lower() for n in names.all_inner_texts()) == ["author", "tag"]
    page.locator(".pagefind-ui__filter-name", has_text="tag").click()
    page.locator(".pagefind-ui__filter-label", has_text="other").click()
    [result] = settled_results(page, 1).all()
    title = result.locator(".pagefind-ui__result-title").first.inner_text().strip()
    assert title == "Another thread"


@pytest.mark.parametrize("held", [0, 1])
def test_every_filter_shows_when_one_loads_after_the_results(search_sites, new_page, held):
    """Pagefind's UI keeps the filter list of the first answer; with a filter file held back
    until the results are shown, the page searches again once every filter is there."""
    page = new_page()
    requests, kept = [], []

    def filter_file(route) -> None:   # the `held`-th filter file waits; the others go
        requests.append(route.request.url)
        if len(requests) - 1 == held:
            kept.append(route)
        else:
            route.continue_()

    page.route("**/filter/*.pf_filter", filter_file)
    page.goto(search_sites["root"] + "search/?q=archived")
    assert settled_results(page).count() == 2
    assert len(requests) == 2, f"test precondition: two filter files, asked for {requests}"
    kept[0].continue_()
    names = page.locator(".pagefind-ui__filter-name")
    expect(names).to_have_count(2, timeout=WAIT)
    assert sorted(n.strip().lower() for n in names.all_inner_texts()) == ["author", "tag"]


def test_without_javascript_the_search_page_says_so(search_sites, new_page):
    page = new_page(java_script_enabled=False)
    page.goto(search_sites["repo"] + "parsers/")
    page.fill(".site-search input[name=q]", WORD)
    page.press(".site-search input[name=q]", "Enter")
    page.wait_for_url(f"{search_sites['repo']}search/?q={WORD}")
    note = page.locator(".search-off")
    assert "needs JavaScript" in note.inner_text()
    assert note.locator("a").get_attribute("href") == "../"


def test_hostile_text_in_results_is_text(search_sites, new_page):
    page = new_page()
    page.goto(search_sites["root"] + "search/?q=zebraword")
    result = settled_results(page)
    page.wait_for_load_state("networkidle")
    assert page.evaluate("window.__hit") is None
    area = page.locator("#search")
    assert area.locator("img, script, iframe").count() == 0
    assert "<script>" in result.first.inner_text()
