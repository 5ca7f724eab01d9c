"""Atom feeds, read back with feedparser (a strict parse: any XML error sets `bozo`)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from dom import parse_file
from test_build import make_site
from threadpress import feeds
from threadpress.build import build_site

feedparser = pytest.importorskip("feedparser")
etree = pytest.importorskip("lxml.etree")

BASE = "https://ex.org/repo/"


def thread(title: str, day: int, n: int, **extra) -> str:
    return yaml.safe_dump({"title": title, "author": "op", "created": f"2024-03-{day:02d}T08:00:00Z",
                           **extra, "comments": [
        {"id": f"c{i}", "author": f"u{i}", "created": f"2024-03-{day:02d}T1{i}:00:00Z",
         "body": f"Comment {i} quoting >>c0" if i else "First", "parent": None if i < 2 else "c0"}
        for i in range(n)] + [{"id": "gone", "deleted": True}]})


def read(path: Path):
    raw = path.read_bytes()
    etree.fromstring(raw)            # well-formed XML
    parsed = feedparser.parse(raw)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    site = make_site(tmp_path_factory.mktemp("feeds"), {
        "old.yaml": thread("Old one", 1, 3), "new.yaml": thread("New one", 5, 4),
        "undated.yaml": yaml.safe_dump({"title": "No date", "comments": [{"id": "1"}]})},
        f"base_url: {BASE}\ntitle: My archive\n")
    assert build_site(site, quiet=True) == 0
    return site / "output"


def test_site_feed_lists_the_newest_threads_first(out):
    f = read(out / "feed.xml")
    assert f.feed.title == "My archive"
    assert f.feed.id == BASE + "feed.xml"
    assert [e.title for e in f.entries] == ["New one", "Old one", "No date"]
    assert [e.id for e in f.entries] == [BASE + "new/", BASE + "old/", BASE + "undated/"]
    assert [e.link for e in f.entries] == [e.id for e in f.entries]
    assert f.entries[0].updated == "2024-03-05T13:00:00Z"   # its newest comment
    assert f.entries[0].published == "2024-03-05T08:00:00Z"
    assert f.entries[2].updated == feeds.EPOCH              # no time known: a fixed one


def test_thread_feed_lists_its_newest_comments_with_permalinks(out):
    f = read(out / "new" / "feed.xml")
    assert f.feed.title == "New one" and f.feed.link == BASE + "new/"
    assert [e.id for e in f.entries] == [BASE + f"new/c/c{i}/" for i in (3, 2, 1, 0)]
    assert all(e.author == f"u{e.id[-2]}" for e in f.entries)
    assert "gone" not in {e.id.rsplit("/", 2)[-2] for e in f.entries}   # deleted: left out
    # the body in full, its quote link made absolute
    body = f.entries[0].content[0].value
    assert "Comment 3 quoting" in body and f'href="{BASE}new/#c-c0"' in body


def test_feeds_are_linked_from_the_index_and_thread_pages(out):
    index = parse_file(out / "index.html").find("link", type="application/atom+xml")
    assert index.attrs["href"] == "feed.xml"
    page = parse_file(out / "new" / "index.html").find("link", type="application/atom+xml")
    assert page.attrs["href"] == "feed.xml"   # the thread's own, beside its page


def test_feed_ids_are_stable_across_rebuilds(out, tmp_path):
    site = out.parent
    before = read(out / "new" / "feed.xml").entries
    (site / "content" / "old.yaml").write_text(thread("Old one", 1, 5))
    assert build_site(site, quiet=True) == 0
    assert read(out / "new" / "feed.xml").entries == before
    assert len(read(out / "old" / "feed.xml").entries) == 5


def test_hostile_text_stays_text(tmp_path):
    title = "</title><script>alert(1)</script>\x01\x0b&amp;\ufffe"
    site = make_site(tmp_path, {"x.yaml": thread(title, 2, 2)}, f"base_url: {BASE}\n")
    assert build_site(site, quiet=True) == 0
    for path in (site / "output" / "feed.xml", site / "output" / "x" / "feed.xml"):
        f = read(path)
        assert "</title><script>alert(1)</script>&amp;" in f.entries[0].title


def test_no_feeds_without_base_url(tmp_path):
    site = make_site(tmp_path, {"a.yaml": thread("A", 1, 2)})
    assert build_site(site, quiet=True) == 0
    out = site / "output"
    assert not (out / "feed.xml").exists() and not (out / "a" / "feed.xml").exists()
    assert parse_file(out / "index.html").find("link", type="application/atom+xml") is None


def test_a_thread_feed_holds_the_newest_comments_only(tmp_path):
    site = make_site(tmp_path, {"t.yaml": yaml.safe_dump({"title": "Busy", "comments": [
        {"id": str(i), "author": "a", "created": f"2024-01-01T00:{i:02d}:00Z", "body": "x"}
        for i in range(feeds.THREAD_ENTRIES + 5)]})}, f"base_url: {BASE}\n")
    assert build_site(site, quiet=True) == 0
    ids = [e.id for e in read(site / "output" / "t" / "feed.xml").entries]
    newest = range(feeds.THREAD_ENTRIES + 4, 4, -1)
    assert ids == [f"{BASE}t/c/{i}/" for i in newest]
