"""Every page of the example site loads cleanly, at a domain's root and under /repo/ (a GitHub
Pages project site); a missing path shows 404.html, styled, with working links."""

from __future__ import annotations

from collections import deque

import pytest

from browser_support import Recorder, same_site_links

pytestmark = pytest.mark.browser


def all_pages(site) -> set[str]:
    """Every HTML page in the output, as URLs (a folder's index.html as the folder)."""
    urls = set()
    for f in site.output.rglob("*.html"):
        rel = f.relative_to(site.output).as_posix()
        if rel == "404.html":
            continue
        urls.add(site.url + (rel[: -len("index.html")] if rel.endswith("index.html") else rel))
    return urls


def styled(page, base: str) -> bool:
    """The site's own stylesheet (under `base`) loaded and has rules."""
    sheets = page.evaluate("[...document.styleSheets].map(s => [s.href, s.cssRules.length])")
    return any(href and href.startswith(base) and n > 0 for href, n in sheets)


@pytest.mark.parametrize("where", ["root", "repo"])
def test_every_page_loads_without_errors(example_sites, new_page, where):
    """Crawl from the index by following links, then visit any page no link reached:
    no console errors, no failed requests, no HTTP errors, no link out of the site's folder."""
    site = example_sites[where]
    page = new_page()
    rec = Recorder(page)
    origin = site.url.split("/", 3)[:3]
    seen, queue, visited = {site.url}, deque([site.url]), []
    files = all_pages(site)
    while queue or files - seen:
        url = queue.popleft() if queue else sorted(files - seen)[0]
        seen.add(url)
        response = page.goto(url, wait_until="load")
        assert response is not None and response.status == 200, f"{url}: {response and response.status}"
        visited.append(url)
        hrefs = page.eval_on_selector_all("a[href]", "as => [...new Set(as.map(a => a.href))]")
        for href in hrefs:
            if href.split("/", 3)[:3] != origin:
                continue
            assert href.startswith(site.url), f"{url} links out of the site's folder: {href}"
            link = href.split("#")[0]
            if link not in seen and not link.endswith(".json"):
                seen.add(link)
                queue.append(link)
        assert not rec.problems, "\n".join(rec.problems)
    assert len(visited) >= len(files) > 1
    assert styled(page, site.url), "no stylesheet loaded"


def test_missing_path_shows_the_404_page(example_sites, new_page):
    site = example_sites["repo"]
    missing = site.url + "no/such/page/"
    page = new_page()
    rec = Recorder(page, allow_status={missing})
    response = page.goto(missing)
    assert response is not None and response.status == 404
    assert "404.html" not in page.url
    # styled: the theme's stylesheet was fetched and applies
    assert styled(page, site.url), "404.html is not styled"
    assert page.evaluate("document.querySelector('main, [role=main]') !== null")
    links = [u for u in same_site_links(page, site.url) if u != missing]  # not #main
    assert site.url in links, f"404.html does not link to the site's index: {links}"
    assert not rec.problems, "\n".join(rec.problems)
    for link in links:
        page.goto(missing)
        page.evaluate("url => [...document.querySelectorAll('a[href]')]"
                      ".find(a => a.href.split('#')[0] === url).setAttribute('data-go', '')", link)
        page.locator("[data-go]").click()
        page.wait_for_load_state()
        assert page.url.split("#")[0] == link
        assert page.evaluate("document.title") and "Not found" not in page.title(), \
            f"the link to {link} on 404.html leads to a missing page"
    assert not rec.problems, "\n".join(rec.problems)


def test_missing_path_at_the_root(example_sites, new_page):
    site = example_sites["root"]
    missing = site.url + "a/b/c/d"
    page = new_page()
    rec = Recorder(page, allow_status={missing})
    assert page.goto(missing).status == 404
    assert styled(page, site.url)
    page.locator('a[href="/"]').first.click()
    page.wait_for_url(site.url)
    assert not rec.problems, "\n".join(rec.problems)
