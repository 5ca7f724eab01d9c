"""`threadpress serve` in Chromium: an edit shows in the open page by itself, a broken file
shows the error overlay (as text), and fixing it brings the page back."""

from __future__ import annotations

import pytest

from browser_support import Recorder
from serve_support import finish, start, thread_yaml, write_site

pytestmark = pytest.mark.browser

OVERLAY = "#__threadpress-overlay"
SOON = 8000   # ms: "within a few seconds", with room for two cores shared by many runs

HEADING = """text => { const h = document.querySelector('h1');
                       return !!h && h.textContent.trim() === text; }"""


@pytest.fixture
def preview(tmp_path):
    site = write_site(tmp_path / "site", {"a.yaml": thread_yaml("First A"),
                                          "b.yaml": thread_yaml("B")})
    running = start(site)
    yield running
    finish(running)


def test_edits_errors_and_recovery_show_in_the_open_page(preview, new_page):
    thread = preview.preview.site / "content" / "a.yaml"
    page = new_page()
    recorder = Recorder(page)
    page.goto(preview.url + "a/")
    page.wait_for_function(HEADING, arg="First A")
    page.evaluate("window.__same_document = true")   # gone once the page reloads

    thread.write_text(thread_yaml("Second A", 3))
    page.wait_for_function(HEADING, arg="Second A", timeout=SOON)
    assert page.evaluate("window.__same_document") is None   # it reloaded by itself
    assert page.locator("#c-c2").count() == 1

    thread.write_text("title: Broken\ncreated: '<b>soon</b>'\ncomments: []\n")
    overlay = page.locator(OVERLAY)
    overlay.wait_for(state="visible", timeout=SOON)
    text = overlay.inner_text()
    assert "content/a.yaml:2:10: error: created:" in text and "<b>soon</b>" in text
    assert page.locator(f"{OVERLAY} b").count() == 0       # the quoted markup stays text
    box = overlay.bounding_box()
    assert box["width"] >= 1000 and box["height"] >= 700   # over the whole viewport

    late = new_page()                                      # a page opened during the error
    late.goto(preview.url)
    late.locator(OVERLAY).wait_for(state="visible", timeout=SOON)

    thread.write_text(thread_yaml("Fixed A"))
    page.wait_for_function(HEADING, arg="Fixed A", timeout=SOON)
    assert page.locator(OVERLAY).count() == 0
    late.locator(OVERLAY).wait_for(state="detached", timeout=SOON)
    assert recorder.problems == []


def test_pages_under_the_base_path_link_to_each_other(preview, new_page):
    page = new_page()
    missing = preview.url + "no/such/page/"
    recorder = Recorder(page, allow_status={missing})
    page.goto(preview.url)
    assert page.url.endswith("/archive/")
    page.click("text=First A")
    page.wait_for_function(HEADING, arg="First A")
    assert page.url == preview.url + "a/"
    page.goto(missing)
    assert page.locator("h1").inner_text().strip() == "Not found"
    page.click("main a")
    assert page.url == preview.url
    assert recorder.problems == []


VISIBILITY = """hidden => { Object.defineProperty(document, 'hidden', {value: hidden,
                                                                 configurable: true});
                            document.dispatchEvent(new Event('visibilitychange')); }"""


def test_tabs_out_of_view_leave_connections_for_the_others(preview, new_page):
    """A browser opens six connections to a server at most: tabs out of view stop listening,
    so many open tabs do not stall the next page, and they catch up when seen again."""
    first = new_page()
    tabs = [first] + [first.context.new_page() for _ in range(7)]
    for tab in tabs:
        tab.goto(preview.url + "b/")
        tab.wait_for_function(HEADING, arg="B")
        tab.evaluate(VISIBILITY, True)
    tabs[0].evaluate("window.__same_document = true")
    viewer = first.context.new_page()
    viewer.goto(preview.url + "a/")
    viewer.wait_for_function(HEADING, arg="First A")
    (preview.preview.site / "content" / "a.yaml").write_text(thread_yaml("Second A"))
    viewer.wait_for_function(HEADING, arg="Second A", timeout=SOON)
    assert tabs[0].evaluate("window.__same_document") is True   # out of view: left alone
    tabs[0].evaluate(VISIBILITY, False)
    tabs[0].wait_for_function("() => window.__same_document === undefined", timeout=SOON)
