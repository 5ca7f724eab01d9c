"""URLs as a browser reads them: archived URLs (which may become links, the domain shown beside
them) and the site's own links for slugs that URLs give a meaning to (`?`, `#`, `%`, space,
non-ASCII): every link on every page, the search index, the sitemap and the feeds lead to the
thread's own folder. Chromium's reading is compared in tests/browser/test_browser_urls.py."""

from __future__ import annotations

import gzip
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import unquote, urlsplit

import ada_url
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from dom import Element, parse_file
from test_build import make_site
from threadpress import crosslinks, routes
from threadpress.build import build_site
from threadpress.render.urls import domain, read_url, safe_url

EVIL = "https://evil.example\\@good.example/path"


# --- archived URLs --------------------------------------------------------------------------

@pytest.mark.parametrize("url, host, href", [
    # a backslash ends the host of an http(s) URL: the browser goes to evil.example
    (EVIL, "evil.example", "https://evil.example/@good.example/path"),
    ("https://good.example@evil.example/", "evil.example", "https://evil.example/"),
    ("https://user:pw@www.x.org/a", "x.org", "https://www.x.org/a"),
    ("https://\\\\evil.example/", "evil.example", "https://evil.example/"),
    ("https:evil.example/x", "evil.example", "https://evil.example/x"),
    ("  https://x.org/ ", "x.org", "https://x.org/"),
    ("https://ev\til.exa\nmple/a\r/b", "evil.example", "https://evil.example/a/b"),
    ("https://%65vil.example/", "evil.example", "https://evil.example/"),
    ("https://EVIL.example./", "evil.example.", "https://evil.example./"),
    ("https://evil。example/", "evil.example", "https://evil.example/"),      # an ideographic dot
    ("http://0x7f.1/", "127.0.0.1", "http://127.0.0.1/"),
    ("https://[::1]:8443/", "[::1]", "https://[::1]:8443/"),
    # an internationalised name as the browser sends it (punycode), never decoded for show
    ("https://bücher.example/", "xn--bcher-kva.example", "https://xn--bcher-kva.example/"),
    ("https://xn--bcher-kva.example/", "xn--bcher-kva.example",
     "https://xn--bcher-kva.example/"),
    ("https://faß.de/", "xn--fa-hia.de", "https://xn--fa-hia.de/"),
])
def test_an_archived_url_is_read_as_the_browser_reads_it(url, host, href):
    assert domain(url) == host
    assert safe_url(url) == href


@pytest.mark.parametrize("url", [
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", " java\tscript:alert(1)", "data:text/html,x",
    "vbscript:x", "mailto:a@b.example", "file:///etc/passwd", "/relative", "relative/path",
    "//x.org/", "https://", "https://ex ample/", "https://a<b/", "https://[::1/",
    "https://999.1.1.1.1/x", "https://a\x00b/", "https://\ud800.example/", "", None])
def test_what_is_no_http_link_never_becomes_one(url):
    assert safe_url(url) is None


@pytest.mark.parametrize("url", ["https://ex ample/", "https://a%00b/", "https://[::1/",
                                 "https://", "not a url", "", None])
def test_a_url_whose_host_cannot_be_read_has_no_domain(url):
    assert domain(url) is None


URLISH = st.text(st.sampled_from("htps:/\\@.%ex1[]:?#\t\n x") | st.characters(
    exclude_categories=("Cs",)), max_size=40)


@given(st.one_of(URLISH, URLISH.map(lambda s: "https://" + s), URLISH.map(lambda s: "http:" + s)))
@example(EVIL)
def test_a_link_and_its_domain_agree(text):
    """The shown domain is the host of the link written (which the browser reads again)."""
    href = safe_url(text)
    if href is None:
        return
    again = read_url(href)
    assert again is not None and again.href == href   # a link is its own serialisation
    assert safe_url(href) == href and domain(href) == domain(text)
    # written so, no reader misreads it: urllib (feed readers, crawlers) finds the same host
    assert "@" not in urlsplit(href).netloc and "\\" not in href
    assert urlsplit(href).hostname == again.hostname.strip("[]")


def test_an_archive_link_is_matched_by_the_host_the_browser_goes_to():
    assert crosslinks.url_key("https://news.ycombinator.com/item?id=1") == "hn:1"
    assert crosslinks.url_key("https://NEWS.ycombinator.com/item?id=1") == "hn:1"
    assert crosslinks.url_key("https://evil.example\\@news.ycombinator.com/item?id=1") is None
    assert crosslinks.url_key("https://x@news.ycombinator.com/item?id=1") == "hn:1"
    assert crosslinks.url_key("https://u@forum.example/t/x/12") == "discourse:forum.example/12"
    # forum.example's path `/@evil.example/t/x/12`: no topic of either site
    assert crosslinks.url_key("https://forum.example\\@evil.example/t/x/12") is None
    assert crosslinks.url_key("https://evil.example\\@forum.example/t/x/12") is None


# --- the site's own links, for slugs that URLs give a meaning to ------------------------------

SLUGS = ["a?b", "a#b", "a%20b", "a b", "a%b", "100%", "é/ü", "q:x", "x'y\"<>`{}", "a;b=c&d+e"]
SITE_URL = "https://site.example/sub/"


def thread(i: int, slug: str) -> str:
    return json.dumps({
        "id": f"t{i}", "title": f"Thread {slug}", "slug": slug, "url": EVIL, "author": "op",
        "tags": [slug], "aliases": [f"old/{slug}"], "body": f"opening word{i}",
        "comments": [{"id": "1", "author": slug, "body": f"first reply{i}"},
                     {"id": "k?#% é", "author": "bo", "parent": "1", "body": f"second z{i}"}]})


@pytest.fixture(scope="module", params=["base_url", "offline"])
def built(request, tmp_path_factory) -> tuple[Path, str]:
    """(output, the URL the output is read at) of a site of a thread per slug in SLUGS: with a
    base_url under a sub-path, or opened from the disk (--offline, no base_url)."""
    root = tmp_path_factory.mktemp(request.param)
    config = f"title: Links\nbase_url: {SITE_URL}\n" if request.param == "base_url" else \
        "title: Links\n"
    site = make_site(root / "site", {f"t{i}.json": thread(i, s) for i, s in enumerate(SLUGS)},
                     config)
    out = root / "out"
    assert build_site(site, out, quiet=True, offline=request.param == "offline") == 0
    return out, SITE_URL if request.param == "base_url" else "file:///srv/out/"


def at(base: str, rel: str) -> str:
    """The URL of the output file `rel` read at `base`: each segment encoded, as a browser's
    address bar has it (percent-encoding everything outside RFC 3986's unreserved set)."""
    keep = set(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~/")
    return base + "".join(chr(b) if b in keep else f"%{b:02X}" for b in rel.encode())


def served(out: Path, base: str, url: str) -> str | None:
    """The output path a server (or the disk) gives for an absolute URL: each segment decoded,
    a folder's index.html; None for a URL outside the site."""
    parsed = ada_url.URL(url)
    start = ada_url.URL(base).pathname
    if parsed.origin != ada_url.URL(base).origin or not parsed.pathname.startswith(start):
        return None
    rel = "/".join(unquote(p, errors="strict") for p in parsed.pathname[len(start):].split("/"))
    return rel + "index.html" if rel == "" or rel.endswith("/") else rel


def resolve(out: Path, base: str, page: str, link: str) -> str | None:
    """`link` written in the output file `page`, followed as a browser does."""
    return served(out, base, ada_url.join_url(at(base, page), link))


def page_links(doc: Element) -> list[tuple[str, str]]:
    """(what, URL) of every link a page makes: attributes, the search box's data, the refresh
    of a redirect, and every `url` in its JSON-LD."""
    links = []
    for el in doc.iter():
        for name in ("href", "src", "action", "data-root"):
            if name in el.attrs:
                links.append((f"{el.tag} {name}", el.attrs[name]))
        if "data-bundles" in el.attrs:
            links += [("bundle", b) for b in json.loads(el.attrs["data-bundles"])]
        if el.tag == "meta" and el.attrs.get("http-equiv") == "refresh":
            links.append(("refresh", el.attrs["content"].split("url=", 1)[1]))
        if el.tag == "meta" and el.attrs.get("property") == "og:url":
            links.append(("og:url", el.attrs["content"]))
        if el.tag == "script" and el.attrs.get("type") == "application/ld+json":
            links += [("JSON-LD", u) for u in json_urls(json.loads(el.text))]
    return links


def json_urls(data) -> list[str]:
    found, stack = [], [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            found += [v for k, v in item.items() if k in ("url", "@id") and isinstance(v, str)]
            stack += [v for k, v in item.items() if k not in ("url", "@id")]
        elif isinstance(item, list):
            stack += item
    return found


def html_pages(out: Path) -> list[str]:
    return sorted(p.relative_to(out).as_posix() for p in out.rglob("*.html"))


def title_of(out: Path, rel: str) -> str:
    return parse_file(out / rel).find("title").text


def test_every_link_on_every_page_leads_to_a_file_of_the_site(built):
    out, base = built
    broken = []
    for page in html_pages(out):
        for what, link in page_links(parse_file(out / page)):
            target = resolve(out, base, page, link)
            if target is None:
                continue   # another site's (the archived URL, the generator's home)
            exists = (out / target).is_file() or (what == "bundle" and
                                                  (out / target).parent.is_dir())
            if not exists:
                broken.append((page, what, link, target))
    assert broken == []


def test_a_thread_is_linked_at_its_own_folder_never_a_neighbours(built):
    """`a%20b` and `a b` are two threads: each link to one, from the index, its tag's page, its
    old address, and its own canonical link and JSON-LD, reaches that one."""
    out, base = built
    index = parse_file(out / "index.html")
    listed = {a.text: resolve(out, base, "index.html", a.attrs["href"])
              for a in index.find_all("a", cls="title")}
    assert listed == {f"Thread {s}": routes.thread_page(s) for s in SLUGS}
    for slug in SLUGS:
        page = routes.thread_page(slug)
        assert title_of(out, page).startswith(f"Thread {slug} ")
        doc = parse_file(out / page)
        canonical = doc.find("link", rel="canonical")
        data = json.loads(doc.find("script", type="application/ld+json").text)
        own = [data["url"]] + ([canonical.attrs["href"]] if canonical else [])
        assert bool(canonical) == (base == SITE_URL)
        for link in own:
            assert resolve(out, base, page, link) == page, link
        old = routes.thread_page(f"old/{slug}")
        refresh = dict(page_links(parse_file(out / old)))["refresh"]
        assert resolve(out, base, old, refresh) == page
        tag = routes.term_page("tags", slug, 1)
        links = [resolve(out, base, tag, a.attrs["href"])
                 for a in parse_file(out / tag).find_all("a", cls="title")]
        assert links == [page]


def test_the_archived_url_shows_the_domain_the_browser_goes_to(built):
    out, _ = built
    for page in ("index.html", routes.thread_page("a?b")):
        shown = {el.text for el in parse_file(out / page).find_all("span", cls="domain")}
        assert shown == {"(evil.example)"}
    hrefs = {a.attrs["href"] for a in parse_file(out / routes.thread_page("a b")).find_all("a")}
    assert "https://evil.example/@good.example/path" in hrefs and EVIL not in hrefs


def fragments(out: Path) -> list[dict]:
    """Every search document Pagefind indexed, as its UI reads it."""
    found = []
    for path in sorted(out.glob("pagefind/*/fragment/*.pf_fragment")):
        raw = gzip.decompress(path.read_bytes())
        found.append(json.loads(raw[len(b"pagefind_dcd"):]))
    return found


def test_a_search_result_lands_on_its_threads_folder(built):
    """A result's link (its `url` meta, from the site's root, where the search page's script
    resolves it; the sub-results add the comment's anchor) is the thread page that holds the
    words."""
    out, base = built
    docs = fragments(out)
    assert len(docs) == len(SLUGS)
    for doc in docs:
        holder = doc["url"].lstrip("/").rsplit("/", 1)[0] + "/index.html"   # the file's path
        landed = resolve(out, base, "", doc["meta"]["url"])
        assert landed == holder and title_of(out, landed).startswith(doc["meta"]["title"] + " ")


ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def test_the_sitemap_lists_each_page_at_its_own_url(built):
    out, base = built
    if base != SITE_URL:
        pytest.skip("a sitemap needs base_url")
    locs = [loc.text for f in sorted((out / routes.SITEMAPS).glob("*.xml"))
            for loc in ET.parse(f).iter(f"{SITEMAP}loc")]
    pages = {served(out, base, loc) for loc in locs}
    assert len(pages) == len(locs)
    want = {"index.html"} | {routes.thread_page(s) for s in SLUGS} | {
        routes.comment_page(s, c) for s in SLUGS for c in ("1", "k?#% é")}
    assert pages == want


def test_the_feeds_link_each_entry_at_its_own_page(built):
    out, base = built
    if base != SITE_URL:
        pytest.skip("a feed needs base_url")
    feeds = [routes.FEED] + [routes.thread_feed(s) for s in SLUGS]
    for feed in feeds:
        tree = ET.parse(out / feed)
        self_link = tree.find(f"{ATOM}link[@rel='self']").attrib["href"]
        assert served(out, base, self_link) == feed
        for entry in tree.iter(f"{ATOM}entry"):
            link = served(out, base, entry.find(f"{ATOM}link").attrib["href"])
            assert link is not None and (out / link).is_file()
            if feed == routes.FEED:
                assert title_of(out, link).startswith(entry.find(f"{ATOM}title").text + " ")
