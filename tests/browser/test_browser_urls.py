"""URLs in Chromium: the generator reads archived URLs as the browser does (generated inputs
against `new URL(x)`), and a search result for a thread whose slug URLs give a meaning to
(`a?b`, `a#b`, `a%20b`) lands on that thread."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from browser_support import build, settled_results, write_site
from threadpress.render.urls import read_url

pytestmark = pytest.mark.browser

# (the userinfo dropped, as the generator drops it from the links it writes)
READ_JS = """(texts) => texts.map((t) => {
  let u;
  try { u = new URL(t); } catch (e) { return null; }
  if (u.username || u.password) { u.username = ""; u.password = ""; }
  return [u.protocol, u.hostname, u.href];
})"""


@pytest.fixture(scope="module")
def blank(browser):
    page = browser.new_page()
    yield page
    page.close()


# What archived URLs are made of, the characters URL parsers treat apart above all.
PART = st.text(st.sampled_from("ab.-:/\\@%?#[]\t\n 0x7fAé。ß\u00ad") | st.characters(
    exclude_categories=("Cs",)), max_size=24)
URLS = st.one_of(PART.map(lambda s: "https://" + s), PART.map(lambda s: "http:" + s),
                 PART.map(lambda s: "HTTPS:\\\\" + s), st.builds(
                     lambda a, b: f"https://{a}@{b}", PART, PART), PART)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(URLS, min_size=1, max_size=20))
@example(["https://evil.example\\@good.example/path", "https://good.example@evil.example/",
          "https://ev\til.example/", "https://bücher.example/", "https://faß.de/",
          "http://0x7f.1/", "https://[::1]:80/", "https://evil。example/", "https://%65vil.x/",
          "javascript:alert(1)", "https://ex ample/"])
def test_an_archived_url_is_read_as_chromium_reads_it(blank, texts):
    """An http(s) URL that the generator makes a link of is read by Chromium with the same scheme
    and host, and the link written (its serialisation) leads where the archived text leads.
    (Chromium takes some URLs the standard refuses, such as a space in a host: those never
    become links and have no domain shown; and it escapes a few more characters in paths, `|`:
    the same in the text and in the link.)"""
    ours = [read_url(text) for text in texts]
    links = [u for u in ours if u is not None and u.scheme in ("http:", "https:")]
    chromium = blank.evaluate(READ_JS, texts + [u.href for u in links])
    theirs, of_links = iter(chromium[:len(texts)]), iter(chromium[len(texts):])
    for text, mine, seen in zip(texts, ours, theirs):
        if mine is None or mine.scheme not in ("http:", "https:"):
            continue
        assert seen is not None and seen[:2] == [mine.scheme, mine.hostname], text
        assert next(of_links) == seen, text


SLUGS = ["a?b", "a#b", "a%20b", "a b", "é/ü"]


@pytest.fixture(scope="module")
def slug_sites(tmp_path_factory, serve) -> dict[str, str]:
    """{"root": URL, "repo": URL}: the site served at the root, and under /repo/ (built with
    that base_url), where a link that climbs too far leaves the site."""
    root = tmp_path_factory.mktemp("slugs")
    threads = {f"t{i}.json": json.dumps({
        "id": f"t{i}", "title": f"Thread {slug}", "slug": slug,
        "comments": [{"id": "1", "author": "ana", "body": f"common unique{i}word"}]})
        for i, slug in enumerate(SLUGS)}
    site = write_site(root / "site", "default", threads)
    holder = root / "pages"
    holder.mkdir()
    server = serve(holder, sites=("repo/",))
    build(site, holder / "repo", base_url=server.url + "repo/")
    return {"root": serve(build(site, root / "out")).url, "repo": server.url + "repo/"}


@pytest.mark.parametrize("where", ["root", "repo"])
@pytest.mark.parametrize("i", range(len(SLUGS)))
def test_a_search_result_lands_on_its_thread(slug_sites, new_page, i, where):
    """The result's title leads to the thread page, its comment to the comment's anchor."""
    base = slug_sites[where]
    page = new_page()
    page.goto(f"{base}search/?q=unique{i}word")
    result = settled_results(page, 1).first
    title = result.locator(".pagefind-ui__result-title a.pagefind-ui__result-link").first
    assert title.evaluate("a => a.href") == f"{base}{quote(SLUGS[i], safe='/')}/"
    result.locator(".pagefind-ui__result-nested a.pagefind-ui__result-link").click()
    page.wait_for_url(f"{base}{quote(SLUGS[i], safe='/')}/#c-1")
    assert page.title().startswith(f"Thread {SLUGS[i]} ")
