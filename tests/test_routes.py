"""The route table (routes.py) on its own: every path a site writes, the links between them,
and the collisions it refuses. Builds check the same rules end to end (test_incremental.py)."""

from __future__ import annotations

import hashlib
import posixpath
from urllib.parse import unquote

import ada_url
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from threadpress import routes
from threadpress.anchors import encode_id


# --- path segments --------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["a", "x" * 255, "é" * 127 + "x", "討" * 85])
def test_a_segment_that_fits_is_itself(name):
    assert len(name.encode()) <= 255 and routes.segment(name) == name


@pytest.mark.parametrize("name", ["x" * 256, "é" * 128, "討" * 86, "a" * 1000,
                                  "é" * 2 + "x" * 300])
def test_a_segment_too_long_becomes_a_prefix_and_a_hash(name):
    short = routes.segment(name)
    prefix, digest = short.split("~~")
    assert digest == hashlib.blake2b(name.encode(), digest_size=8).hexdigest()
    assert len(short.encode()) <= 255
    # the prefix: the most whole characters that fit in 255 bytes less `~~`, the hash and 40
    # bytes to spare (for a suffix such as `.html`)
    room = 255 - 2 - 16 - 40
    assert prefix == name.encode()[:room].decode("utf-8", "ignore")


def test_any_text_gets_a_segment_even_a_lone_surrogate():
    short = routes.segment("\ud800" * 300)
    assert short.split("~~")[1] == hashlib.blake2b(
        ("\ud800" * 300).encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()


@given(st.text(min_size=1, max_size=400))
def test_segments_are_one_to_one_and_fit(name):
    """Two ids never share a comment's folder, however long (a `~` is always encoded)."""
    seg = routes.comment_segment(name)
    assert len(seg.encode("utf-8", "surrogatepass")) <= 255
    assert seg == encode_id(name) or "~~" in seg
    assert ("~~" in seg) == (len(encode_id(name).encode("utf-8", "surrogatepass")) > 255)


@given(st.lists(st.text(min_size=1, max_size=300), min_size=2, max_size=2, unique=True))
def test_two_ids_never_share_a_segment(ids):
    a, b = ids
    assert routes.comment_segment(a) != routes.comment_segment(b)


# --- paths ----------------------------------------------------------------------------------

def test_a_threads_paths():
    assert routes.slug_dir("a/b") == "a/b/"
    assert routes.thread_page("a/b") == "a/b/index.html"
    assert routes.thread_json("a") == "a/thread.json"
    assert routes.thread_feed("a") == "a/feed.xml"
    assert routes.comment_dir("a", "7") == "a/c/7/"
    assert routes.comment_page("a", "x/y") == f"a/c/{encode_id('x/y')}/index.html"
    long = "t" * 300
    assert routes.thread_page(f"{long}/b") == f"{routes.segment(long)}/b/index.html"


def test_what_a_thread_and_an_alias_own():
    assert routes.thread_entries("a", False) == ["a/index.html", "a/thread.json"]
    assert routes.thread_entries("a", True) == ["a/index.html", "a/thread.json", "a/c"]
    assert routes.thread_entries("a", True, feed=True) == [
        "a/index.html", "a/thread.json", "a/c", "a/feed.xml"]
    assert routes.thread_entries("a", False, feed=True) == [
        "a/index.html", "a/thread.json", "a/feed.xml"]
    assert routes.alias_entries("old/a") == ["old/a/index.html", "old/a/c"]
    assert set(routes.THREAD_OWNS) == {"index.html", "thread.json", "c", "feed.xml"}


def test_site_pages():
    assert routes.index_page(1) == "index.html"
    assert routes.index_page(2) == "page/2/index.html"
    assert routes.index_page(3, "single/") == "single/page/3/index.html"
    assert routes.index_page(1, "single/") == "single/index.html"
    assert routes.term_page("tags", "a b", 1) == f"tags/{encode_id('a b')}/index.html"
    assert routes.term_page("authors", "x", 2) == "authors/x/page/2/index.html"
    assert routes.terms_page("tags", 1) == "tags/index.html"
    assert routes.terms_page("tags", 4) == "tags/page/4/index.html"
    assert routes.term_href("tags", "a b") == "tags/" + encode_id("a b").replace("%", "%25") + "/"
    assert routes.asset("style.css") == "static/style.css"
    assert routes.search_bundle("3") == "pagefind/3/"
    assert routes.search_part(2) == "search-2.html"


@pytest.mark.parametrize("path,folder", [
    ("a/b/index.html", "a/b/"), ("404.html", ""), ("a/", "a/"), ("index.html", "")])
def test_folder_of(path, folder):
    assert routes.folder_of(path) == folder


def test_reserved_names_cover_every_site_route():
    site_routes = [routes.INDEX, routes.index_page(2), routes.NOT_FOUND, routes.asset("x"),
                   routes.SITEMAP, "sitemaps/1.xml", routes.ROBOTS, routes.FEED, routes.MARKER,
                   routes.terms_page(routes.TAGS, 1), routes.terms_page(routes.AUTHORS, 1),
                   routes.SEARCH_PAGE, routes.search_bundle("1"),
                   routes.index_page(1, routes.SINGLES),
                   ".nojekyll", "CNAME"]
    assert {p.split("/")[0] for p in site_routes} <= routes.RESERVED


# --- links ----------------------------------------------------------------------------------

SEGMENT = st.sampled_from(["a", "b", "c", "x y", "é", "1"])
FOLDER = st.lists(SEGMENT, max_size=4).map(lambda parts: "".join(p + "/" for p in parts))


@given(FOLDER, FOLDER, st.booleans())
def test_a_relative_link_leads_to_its_target(page_folder, target, to_file):
    page = page_folder + "index.html"
    target = target + "feed.xml" if to_file else target
    href = routes.Links().href(page, target)
    assert not href.startswith("/") and "://" not in href
    resolved = posixpath.normpath(posixpath.join("/" + page_folder, unquote(href)))
    assert resolved == posixpath.normpath("/" + target)
    if target.endswith("/") or not target:   # a folder's link stays a folder's
        assert href == "" or href.endswith("/")


# Any segment a slug or an encoded id may have: every character but `/` (not "", "." or "..").
# (drawn mostly from the characters that URLs give a meaning to, and `%20`'s)
ANY_SEGMENT = st.text(st.sampled_from("?#%:\\ ;@&=+.20aFé\t") | st.characters(
    exclude_characters="/", exclude_categories=("Cs",)), min_size=1, max_size=12).filter(
    lambda s: s not in (".", ".."))
ANY_FOLDER = st.lists(st.sampled_from(["a", "b"]) | ANY_SEGMENT, max_size=4).map(
    lambda parts: "".join(p + "/" for p in parts))
SITE = "http://site.test/sub/"


def reference_path(route: str) -> str:
    """A route as a URL path, written apart from routes.py: every byte outside RFC 3986's
    unreserved set as %XX."""
    keep = set(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~/")
    return "".join(chr(b) if b in keep else f"%{b:02X}" for b in route.encode())


def served_path(url: str) -> str | None:
    """The file a server at SITE would send for an absolute URL (each segment decoded), or None
    for a URL outside the site."""
    parsed = ada_url.URL(url)
    if not parsed.href.startswith(SITE):
        return None
    return "/".join(unquote(p, errors="strict") for p in parsed.pathname[len("/sub/"):].split("/"))


@given(ANY_FOLDER, ANY_FOLDER, st.booleans())
@example("", "a?b/", False)
@example("x/", "a#b/", False)
@example("a b/", "a%20b/", True)
@example("", "q:x/", False)
@example("é/", "%/", False)
@example("", "a\\b/", False)
def test_a_relative_link_leads_to_its_target_whatever_its_segments(page_folder, target, to_file):
    """Read as a browser reads it (WHATWG, backslash, `?`, `#`, `%`, `:` and all), a link from
    one route to another names the other route's own file, never a neighbour's (`a%20b` is not
    `a b`)."""
    page = page_folder + "index.html"
    target = target + "feed.xml" if to_file else target
    href = routes.Links().href(page, target) or "./"   # (as pages write a link to their folder)
    assert served_path(ada_url.join_url(SITE + reference_path(page), href)) == target


@given(ANY_FOLDER)
@example("a?b/")
@example("a#b/")
@example("a%20b/")
def test_an_absolute_link_names_its_route(target):
    url = routes.Links(SITE).absolute(target + "index.html")
    assert url == SITE + reference_path(target)
    assert served_path(url) == target


@pytest.mark.parametrize("route, path", [
    ("a?b/", "a%3Fb/"), ("a#b/", "a%23b/"), ("a%20b/", "a%2520b/"), ("a b/", "a%20b/"),
    ("é/ü/", "%C3%A9/%C3%BC/"), ("q:x/", "q%3Ax/"), ("../x/index.html", "../x/index.html"),
    ("~a-b_c.d/", "~a-b_c.d/"), ("", "")])
def test_url_path_encodes_each_segment(route, path):
    assert routes.url_path(route) == path


def test_relative_links_go_up_only_as_far_as_needed():
    links = routes.Links()
    assert links.href("a/b/index.html", "") == "../../"
    assert links.href("a/b/index.html", "a/c/") == "../c/"
    assert links.href("a/b/index.html", "a/b/c/1/") == "c/1/"
    assert links.href("a/b/index.html", "a/b/") == ""
    assert links.href("a/index.html", "b/index.html") == "../b/index.html"
    assert links.href("a/index.html", "a/index.html") == "index.html"
    assert links.href("index.html", "a b/") == "a%20b/"
    assert links.href("a/c/1/index.html", "a/") == "../../"
    assert links.href("page/2/index.html", "") == "../../"


def test_absolute_links():
    links = routes.Links("https://x.org/r/")
    assert links.absolute("a b/index.html") == "https://x.org/r/a%20b/"
    assert links.absolute("index.html") == "https://x.org/r/"
    assert links.absolute("a/feed.xml") == "https://x.org/r/a/feed.xml"
    assert links.absolute("a/myindex.html") == "https://x.org/r/a/myindex.html"
    assert links.absolute("a/") == "https://x.org/r/a/"
    assert routes.Links().absolute("a/") is None


@pytest.mark.parametrize("page,offline", [
    ('<a href="../../#c-1">', '<a href="../../index.html#c-1">'),
    ('<a href="c/1/">', '<a href="c/1/index.html">'),
    ('<a href="./">', '<a href="./index.html">'),
    ('<a href="">', '<a href="">'),
    ('<a href="a/?q=1">', '<a href="a/?q=1">'),
    ('<a href="#c-1">', '<a href="#c-1">'),
    ('<a href="https://x.org/a/">', '<a href="https://x.org/a/">'),
    ('<a href="mailto:a/">', '<a href="mailto:a/">'),
    ('<a href="/">', '<a href="/">'),
    ('<link href="../s.css">', '<link href="../s.css">'),
    ('<a href="a/"><a href="b/#x">', '<a href="a/index.html"><a href="b/index.html#x">'),
    ('<a href="a/#">', '<a href="a/index.html#">'),
    ('<a href="a/#b/">', '<a href="a/index.html#b/">'),
    ('<a href="#b/">', '<a href="#b/">'),
    ('<a href="a/?q=b/">', '<a href="a/?q=b/">'),
    # any scheme is left alone: letters, then letters, digits, `+`, `.` or `-`
    ('<a href="HTTPS://x.org/a/">', '<a href="HTTPS://x.org/a/">'),
    ('<a href="x:a/">', '<a href="x:a/">'),
    ('<a href="s3://b/">', '<a href="s3://b/">'),
    ('<a href="sA://b/">', '<a href="sA://b/">'),
    ('<a href="git+ssh://h/r/">', '<a href="git+ssh://h/r/">'),
    ('<a href="a.b://h/">', '<a href="a.b://h/">'),
    ('<a href="x-y://h/">', '<a href="x-y://h/">'),
])
def test_offline_links_name_files(page, offline):
    assert routes.offline_links(page) == offline


# --- collisions -----------------------------------------------------------------------------

def messages(slugs, aliases=()):
    return [(d.file, d.field, d.message) for d in routes.collisions(slugs, aliases)]


def test_distinct_slugs_do_not_collide():
    assert messages([("a", "a.yaml"), ("b", "b.yaml"), ("a-b", "x.yaml"), ("a/d", "d.yaml"),
                     ("a/cc", "e.yaml"), ("pages", "p.yaml"), ("x/page", "q.yaml")]) == []


def test_one_slug_twice_names_both_files_once():
    [(file, field, message)] = messages([("a", "z.yaml"), ("a", "b.yaml")])
    assert (file, field) == ("z.yaml", ("slug",))
    assert "also the slug of b.yaml" in message


def test_an_alias_on_a_slug_is_blamed_on_the_alias():
    [(file, field, message)] = messages([("a", "z.yaml")], [("a", "b.yaml", 3)])
    assert (file, field) == ("b.yaml", ("aliases", 3))
    assert message.startswith("alias 'a' is also the slug of z.yaml")


def test_two_aliases_on_one_folder():
    [(file, field, message)] = messages([], [("a", "z.yaml", 0), ("a", "b.yaml", 1)])
    assert (file, field) == ("z.yaml", ("aliases", 0)) and "also the alias of b.yaml" in message


@pytest.mark.parametrize("slug", sorted(routes.RESERVED) + ["page/2", "static/x", "tags/a",
                                                            "search/q", "single/x"])
def test_a_slug_on_a_site_route(slug):
    [(file, field, message)] = messages([(slug, "t.yaml")])
    assert (file, field) == ("t.yaml", ("slug",))
    assert f"lands on {slug.split('/')[0]!r}, which the site itself uses" in message


def test_an_alias_on_a_site_route():
    [(file, field, message)] = messages([("a", "a.yaml")], [("static", "a.yaml", 0)])
    assert field == ("aliases", 0) and message.startswith("alias 'static' lands on")


@pytest.mark.parametrize("owned", routes.THREAD_OWNS)
def test_a_slug_inside_another_threads_files(owned):
    [(file, field, message)] = messages([("a/b", "a.yaml"), (f"a/b/{owned}/x", "z.yaml")])
    assert (file, field) == ("z.yaml", ("slug",))
    assert f"lands inside the files of thread a.yaml (a/b/{owned})" in message


def test_a_slug_inside_an_aliases_files():
    [(file, _, message)] = messages([("z", "z.yaml")], [("old", "a.yaml", 0)]) + \
        messages([("old/c/1", "z.yaml")], [("old", "a.yaml", 0)])
    assert file == "z.yaml" and "lands inside the files of an alias in a.yaml (old/c)" in message


def test_a_slug_inside_a_duplicated_slugs_files_names_the_first_owner():
    found = messages([("a", "a.yaml"), ("a", "b.yaml"), ("a/c/1", "c.yaml")])
    assert [(f, "thread a.yaml" in m) for f, _, m in found] == [("b.yaml", False),
                                                                 ("c.yaml", True)]


def test_each_slug_is_reported_once():
    # `page/c/1` is on a site route and inside the (itself refused) thread `page`
    assert [f for f, _, _ in messages([("page", "p.yaml"), ("page/c/1", "q.yaml")])] == [
        "p.yaml", "q.yaml"]
    # `a/c/b/c/x` is inside both `a`'s and `a/c/b`'s files: the outermost is named
    found = messages([("a", "a.yaml"), ("a/c/b", "b.yaml"), ("a/c/b/c/x", "x.yaml")])
    assert [(f, m.split("(")[1]) for f, _, m in found] == [
        ("b.yaml", "a/c); choose another slug"), ("x.yaml", "a/c); choose another slug")]


def test_a_slug_below_another_thread_but_not_in_its_files():
    assert messages([("a", "a.yaml"), ("a/b/c/index.html", "z.yaml")]) == []


def test_collisions_are_reported_in_a_stable_order():
    slugs = [("b", "2.yaml"), ("a", "3.yaml"), ("b", "1.yaml"), ("a", "4.yaml")]
    assert messages(slugs) == messages(list(reversed(slugs)))
    assert [f for f, _, _ in messages(slugs)] == ["4.yaml", "2.yaml"]


# --- staying inside the output ----------------------------------------------------------------

@pytest.mark.parametrize("rel", ["a", "a/b.html", "a/.b", "a..b/c", "...", "a/b/"])
def test_paths_inside(rel):
    assert routes.is_inside(rel)


@pytest.mark.parametrize("rel", ["", "/abs", "../x", "a/../../x", "a/..", ".", "./a", "a/./b",
                                 "a\\b", "..\\x", "a\x00b"])
def test_paths_outside(rel):
    assert not routes.is_inside(rel)
