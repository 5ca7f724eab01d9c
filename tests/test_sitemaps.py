"""Sitemaps: an index of files of at most 50,000 URLs, validated against the protocol's XSD."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from test_build import make_site
from threadpress import sitemaps
from threadpress.build import build_site

etree = pytest.importorskip("lxml.etree")

SCHEMA = Path(__file__).parent / "fixtures" / "sitemap.xsd"
NS = {"s": sitemaps.NS}
BASE = "https://ex.org/repo/"


def thread(n: int, day: int) -> str:
    return yaml.safe_dump({"title": f"T{n}", "created": f"2024-03-0{day}T10:00:00Z", "comments": [
        {"id": f"c{i}", "author": "a", "created": f"2024-03-0{day}T1{i}:00:00Z", "body": "x"}
        for i in range(n)]})


THREADS = {"a.yaml": thread(2, 1), "b b.yaml": thread(3, 2), "empty.yaml": thread(0, 3)}


def valid(path: Path) -> etree._ElementTree:
    doc = etree.parse(str(path))
    schema = etree.XMLSchema(etree.parse(str(SCHEMA)))
    assert schema.validate(doc), (path, schema.error_log)
    return doc


def read(out: Path) -> tuple[list[str], dict[str, str]]:
    """The sitemap files the index names (validated), and every URL's lastmod."""
    index = valid(out / "sitemap.xml")
    files = index.xpath("/s:sitemapindex/s:sitemap/s:loc/text()", namespaces=NS)
    urls: dict[str, str] = {}
    for loc in files:
        assert loc.startswith(BASE)
        doc = valid(out / loc.removeprefix(BASE))
        entries = doc.xpath("/s:urlset/s:url", namespaces=NS)
        assert len(entries) <= sitemaps.MAX_URLS
        for e in entries:
            url = e.findtext("s:loc", namespaces=NS)
            assert url not in urls
            urls[url] = e.findtext("s:lastmod", default="", namespaces=NS)
    return files, urls


def build(tmp: Path, config: str = "") -> Path:
    site = make_site(tmp, THREADS, f"base_url: {BASE}\n" + config)
    assert build_site(site, quiet=True) == 0
    return site / "output"


def test_every_thread_and_comment_page_with_the_newest_comment_as_lastmod(tmp_path):
    files, urls = read(build(tmp_path))
    assert files == [BASE + "sitemaps/1.xml"]
    assert urls == {
        BASE: "2024-03-03T10:00:00Z",
        BASE + "a/": "2024-03-01T11:00:00Z",
        BASE + "a/c/c0/": "2024-03-01T11:00:00Z", BASE + "a/c/c1/": "2024-03-01T11:00:00Z",
        BASE + "b%20b/": "2024-03-02T12:00:00Z",
        **{BASE + f"b%20b/c/c{i}/": "2024-03-02T12:00:00Z" for i in range(3)},
        BASE + "empty/": "2024-03-03T10:00:00Z"}


def test_without_comment_pages_only_thread_pages(tmp_path):
    _, urls = read(build(tmp_path, "comment_pages: false\n"))
    assert sorted(urls) == [BASE, BASE + "a/", BASE + "b%20b/", BASE + "empty/"]


def test_split_into_files_under_the_index(tmp_path, monkeypatch):
    monkeypatch.setattr(sitemaps, "MAX_URLS", 3)
    out = build(tmp_path)
    files, urls = read(out)
    assert files == [f"{BASE}sitemaps/{n}.xml" for n in (1, 2, 3)]
    assert len(urls) == 9
    # each file's lastmod in the index is the newest of its URLs
    index = etree.parse(str(out / "sitemap.xml"))
    mods = index.xpath("//s:sitemap/s:lastmod/text()", namespaces=NS)
    assert mods[0] == "2024-03-03T10:00:00Z"


def test_robots_txt_names_the_index(tmp_path):
    lines = (build(tmp_path) / "robots.txt").read_text().splitlines()
    assert "User-agent: *" in lines and f"Sitemap: {BASE}sitemap.xml" in lines


def test_none_without_base_url(tmp_path):
    site = make_site(tmp_path, THREADS)
    assert build_site(site, quiet=True) == 0
    out = site / "output"
    assert not (out / "sitemap.xml").exists() and not (out / "sitemaps").exists()
    assert not (out / "robots.txt").exists()


def test_a_rebuild_lists_reused_and_rendered_threads_alike(tmp_path):
    out = build(tmp_path)
    (tmp_path / "content" / "a.yaml").write_text(thread(4, 1))
    assert build_site(tmp_path, quiet=True) == 0
    _, urls = read(out)
    assert {u for u in urls if "/c/" in u} == {BASE + f"a/c/c{i}/" for i in range(4)} | \
        {BASE + f"b%20b/c/c{i}/" for i in range(3)}
    assert urls[BASE + "a/"] == "2024-03-01T13:00:00Z"


def test_the_build_says_why_there_is_no_sitemap(tmp_path, capsys):
    site = make_site(tmp_path, THREADS)
    assert build_site(site) == 0
    err = capsys.readouterr().err
    assert "warning: base_url: not set" in err and "sitemaps" in err
    site2 = make_site(tmp_path / "2", THREADS, f"base_url: {BASE}\n")
    assert build_site(site2) == 0
    assert "base_url: not set" not in capsys.readouterr().err
