"""A hostile thread (fixtures/hostile.yaml) runs no script at all, whatever the theme."""

from __future__ import annotations

import json

import pytest

from browser_support import RECORD_DIALOGS, Recorder

pytestmark = pytest.mark.browser

# Everything in the DOM that could run script, load active content or restyle the page.
DOM_CHECK = """
() => {
  const bad = [];
  const urlAttrs = ['href', 'src', 'action', 'formaction', 'xlink:href', 'data', 'poster',
                    'background', 'srcset', 'ping', 'cite'];
  // The theme's own search box (a form in the site header that sends `q` to the site's search
  // page) is allowed; nothing else that is a form or a control.
  const own = document.querySelector('header.site-head > form.site-search[role=search]');
  const ownOk = own && own.getAttribute('action') && new URL(own.action).origin === location.origin
      && /\\/search\\/(index\\.html)?$/.test(new URL(own.action).pathname)
      && [...own.querySelectorAll('*')].every(e => (e.localName === 'input' && e.type === 'search'
          && e.name === 'q' && e.attributes.length === 4) || (e.localName === 'button'
          && e.type === 'submit' && e.attributes.length === 1));
  if (own && !ownOk) bad.push('<form class=site-search> not the theme own');
  for (const el of document.querySelectorAll('*')) {
    if (own && own.contains(el) && ownOk
        && [...el.attributes].every(a => !a.name.toLowerCase().startsWith('on'))) continue;
    const tag = el.localName;
    if (['script', 'style', 'iframe', 'frame', 'frameset', 'object', 'embed', 'applet', 'base',
         'form', 'svg', 'math', 'template', 'noscript', 'img', 'video', 'audio', 'input',
         'button', 'textarea', 'select'].includes(tag)
        && !(tag === 'script' && el.type === 'application/ld+json'))   // JSON-LD: data, never run
      bad.push('<' + tag + '>');
    if (tag === 'meta' && el.hasAttribute('http-equiv')) bad.push('<meta http-equiv>');
    if (tag === 'link' && !(el.rel === 'stylesheet' || el.rel === 'canonical' || el.rel === 'icon'
                            || el.rel === 'alternate' && el.type === 'application/atom+xml')
        || tag === 'link' && !el.href.startsWith(location.origin) && el.rel !== 'canonical')
      bad.push('<link rel=' + el.rel + ' href=' + el.href + '>');
    for (const a of el.attributes) {
      const name = a.name.toLowerCase();
      if (name.startsWith('on')) bad.push(tag + '[' + name + '=' + a.value + ']');
      if (name === 'srcdoc') bad.push(tag + '[srcdoc]');
      if (name === 'style' && !/^\\s*(--[\\w-]+\\s*:\\s*[\\d.]+\\s*;?\\s*)*$/.test(a.value))
        bad.push(tag + '[style=' + a.value + ']');
      if (urlAttrs.includes(name)) {
        const squeezed = a.value.replace(/[\\u0000-\\u0020\\u007f]/g, '').toLowerCase();
        let scheme = '';
        try { scheme = new URL(a.value, location.href).protocol; } catch (e) {}
        if (/^(javascript|data|vbscript):/.test(squeezed) ||
            ['javascript:', 'data:', 'vbscript:'].includes(scheme))
          bad.push(tag + '[' + name + '=' + a.value + ']');
      }
    }
  }
  return bad;
}
"""

CLICKABLE = """
(i) => {
  const a = document.querySelectorAll('a[href]')[i];
  const r = a.getBoundingClientRect();
  return a.checkVisibility() && r.width > 0 && r.top + scrollY >= 0 && r.left + scrollX >= 0;
}
"""


@pytest.fixture
def hostile_page(new_page):
    page = new_page()
    page.add_init_script(RECORD_DIALOGS)
    return page, Recorder(page)


def hostile_urls(site) -> list[str]:
    data = json.loads((site.output / "hostile" / "thread.json").read_text(encoding="utf-8"))
    from browser_support import encode
    return ([site.url, site.url + "hostile/"]
            + [f"{site.url}hostile/c/{encode(c['id'])}/" for c in data["comments"]])


def check_page(page, rec: Recorder) -> None:
    assert page.evaluate("document.body.innerText.length") > 40, f"{page.url} shows nothing"
    bad = page.evaluate(DOM_CHECK)
    assert not bad, f"{page.url} has active content: {bad}"
    assert not rec.calls(), f"script ran on {page.url}: {rec.calls()}"
    assert not rec.problems, "\n".join(rec.problems)


def test_hostile_pages_have_no_active_content(fixture_site, hostile_page):
    page, rec = hostile_page
    for url in hostile_urls(fixture_site):
        response = page.goto(url)
        assert response and response.status == 200, url
        check_page(page, rec)


def test_hostile_title_author_and_tags_are_text(fixture_site, hostile_page):
    page, rec = hostile_page
    page.goto(fixture_site.url + "hostile/")
    assert "<script>alert('title')</script>" in page.title()
    text = page.locator("main").inner_text()
    for shown in ["<img src=x onerror=alert('author')>", "<script>alert('tag')</script>",
                  "\"><script>alert('comment-author')</script>", "<svg/onload=alert('author2')>"]:
        assert shown in text, f"{shown!r} is not shown as text"


def test_clicking_every_link_runs_nothing(fixture_site, hostile_page):
    page, rec = hostile_page
    clicked: set[str] = set()
    for src in hostile_urls(fixture_site):
        page.goto(src)
        hrefs = page.eval_on_selector_all("a[href]", "as => as.map(a => a.href)")
        for i, href in enumerate(hrefs):
            if not href.startswith(fixture_site.url) or href in clicked:
                continue
            clicked.add(href)
            if page.url.split("#")[0] != src:
                page.goto(src)
            link = page.locator("a[href]").nth(i)
            if page.evaluate(CLICKABLE, i):
                link.click()
            else:  # e.g. a skip link parked off-screen, or one inside a folded branch
                link.dispatch_event("click")
            page.wait_for_load_state()
            check_page(page, rec)
    assert len(clicked) > 10, f"only {len(clicked)} links were found to click"
