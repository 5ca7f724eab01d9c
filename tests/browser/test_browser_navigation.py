"""Links to comments land on them: scrolled into view, unobscured, highlighted, never hidden."""

from __future__ import annotations

import re

import pytest

from browser_support import anchor, assert_shown, encode, target_state

pytestmark = pytest.mark.browser

NAV = "nav/"


def click_link(page, source: str, target: str, quotelink: bool = False) -> None:
    """Click the link to `#target` that belongs to comment `source` itself (not to a reply
    nested inside it, in themes that nest), and wait for the URL to name the target."""
    marked = page.evaluate(
        """([source, target, quote]) => {
             const el = document.getElementById(source);
             const links = [...el.querySelectorAll('a[href]')].filter(a =>
                 a.hash === '#' + target && a.classList.contains('quotelink') === quote &&
                 a.closest('[id^="c-"]') === el);
             if (!links.length) return false;
             links[0].setAttribute('data-test-click', '');
             // a long replies list is folded under its count: a reader opens it first
             const fold = links[0].closest('details');
             if (fold && !fold.open && el.contains(fold))
               fold.querySelector(':scope > summary').setAttribute('data-test-open', '');
             return true;
           }""", [source, target, quotelink])
    kind = "quote link" if quotelink else "link"
    assert marked, f"#{source} has no {kind} to #{target} on {page.url}"
    if page.locator("[data-test-open]").count():
        page.locator("[data-test-open]").click()
    link = page.locator("[data-test-click]")
    link.click()
    page.wait_for_url(re.compile(re.escape("#" + target) + "$"))


@pytest.mark.parametrize("cid", ["deep-19", "hidden-2", "filler-13", "quoter"])
def test_opening_a_comment_url_shows_it(fixture_site, new_page, cid):
    page = new_page()
    page.goto(fixture_site.url + NAV + "#" + anchor(cid))
    s = assert_shown(page, anchor(cid))
    assert s["docTop"] > s["viewport"], "test precondition: the target must be below the fold"


@pytest.mark.parametrize("width", [360, 1280])
def test_deep_comment_of_the_example_thread(example_sites, example_thread, new_page, width):
    from browser_support import thread_data
    site = example_sites["root"]
    comments = thread_data(site, example_thread)["comments"]
    deepest = max(comments, key=lambda c: (c["depth"], c["id"] != comments[-1]["id"]))
    page = new_page(viewport={"width": width, "height": 740})
    page.goto(site.url + example_thread + "#" + anchor(deepest["id"]))
    assert_shown(page, anchor(deepest["id"]))


def test_comment_inside_a_collapsed_branch_is_opened(fixture_site, new_page):
    page = new_page()
    page.goto(fixture_site.url + NAV + "#" + anchor("top"))
    closed = page.evaluate("""id => {
        let n = 0;
        for (let d = document.getElementById(id).closest('details'); d;
             d = d.parentElement && d.parentElement.closest('details')) { d.open = false; n++; }
        return n; }""", anchor("hidden-2"))
    assert closed, "#c-hidden-2 is not inside a collapsible branch (<details>)"
    assert not target_state(page, anchor("hidden-2"))["rendered"], "closing the branch hid nothing"
    page.goto(fixture_site.url + NAV + "#" + anchor("hidden-2"))
    assert_shown(page, anchor("hidden-2"))


def test_back_to_thread_link(fixture_site, new_page):
    page = new_page()
    page.goto(f"{fixture_site.url}{NAV}c/{encode('deep-19')}/")
    back = page.locator(f'a[href$="#{anchor("deep-19")}"]').filter(
        has_text=re.compile(r"back|thread", re.I)).first
    back.click()
    page.wait_for_url(fixture_site.url + NAV + "#" + anchor("deep-19"))
    assert_shown(page, anchor("deep-19"))


@pytest.mark.parametrize("source,target,quote", [
    ("late", "mid", False),        # parent link, far above
    ("mid", "late", False),        # reply link, far below
    ("deep-18", "deep-19", False),  # reply link in a deep chain
    ("quoter", "top", True),       # >>top in the body, from the very end
])
def test_links_between_comments(fixture_site, new_page, source, target, quote):
    if fixture_site.theme == "board" and (source, target) == ("late", "mid"):
        pytest.skip("board, like the seed's view, has no link up to the parent (docs/themes-board.md)")
    page = new_page()
    page.goto(fixture_site.url + NAV + "#" + anchor(source))
    assert_shown(page, anchor(source))
    click_link(page, anchor(source), anchor(target), quote)
    assert_shown(page, anchor(target))


def test_quote_link_on_a_comment_page_leads_to_the_thread(fixture_site, new_page):
    page = new_page()
    page.goto(f"{fixture_site.url}{NAV}c/quoter/")
    page.locator(f'a.quotelink[href$="#{anchor("top")}"]').first.click()
    page.wait_for_url(fixture_site.url + NAV + "#" + anchor("top"))
    assert_shown(page, anchor("top"))


def branch_of(page, cid: str) -> str:
    """Mark the innermost <details> around a comment; returns a selector for its <summary>."""
    found = page.evaluate("""id => { const d = document.getElementById(id).closest('details');
        if (!d) return false; d.setAttribute('data-test-branch', ''); return true; }""", anchor(cid))
    assert found, f"#{anchor(cid)} is not inside a collapsible branch"
    return "[data-test-branch] > summary"


def test_collapse_and_expand_without_javascript(fixture_site, new_page):
    page = new_page(java_script_enabled=False)
    page.goto(fixture_site.url + NAV)
    hidden = page.locator("#" + anchor("hidden"))
    outside = page.locator("#" + anchor("branch"))
    summary = page.locator(branch_of(page, "hidden"))
    assert hidden.is_visible()
    summary.click()
    hidden.wait_for(state="hidden")
    assert outside.is_visible(), "collapsing a branch hid the comment it belongs to"
    assert summary.is_visible(), "the control to expand the branch again is gone"
    summary.click()
    hidden.wait_for(state="visible")
    # collapse again, then follow a link into the branch: the comment must not stay hidden
    summary.click()
    hidden.wait_for(state="hidden")
    page.goto(fixture_site.url + NAV + "#" + anchor("hidden-2"))
    assert_shown(page, anchor("hidden-2"))


def test_linked_comment_loaded_without_javascript(fixture_site, new_page):
    page = new_page(java_script_enabled=False)
    page.goto(fixture_site.url + NAV + "#" + anchor("hidden-2"))
    assert_shown(page, anchor("hidden-2"))
