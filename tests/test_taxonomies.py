"""Tag pages and author pages: read from the DOM, every link followed to what it names."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urljoin

import pytest
import yaml

from dom import parse_file
from test_build import check_links, make_site
from threadpress import taxonomies
from threadpress.build import build_site
from threadpress.config import load_config
from threadpress.errors import ThreadpressError

HOSTILE = "../<b>x y</b>/."


def thread(title: str, day: int, tags: list[str], authors: list[str]) -> str:
    return yaml.safe_dump({
        "title": title, "author": authors[0], "created": f"2024-03-{day:02d}T08:00:00Z",
        "tags": tags, "body": f"Opening of {title}",
        "comments": [{"id": f"c{i}", "author": a, "created": f"2024-03-{day:02d}T1{i}:00:00Z",
                      "body": f"{a} says {i} in {title}"} for i, a in enumerate(authors)]
        + [{"id": "gone", "deleted": True, "author": authors[0], "body": "removed"}]})


THREADS = {
    "a.yaml": thread("Alpha", 1, ["python", "web"], ["ann", "bob", "ann"]),
    "b.yaml": thread("Beta", 2, ["python"], ["bob", HOSTILE]),
    "c.yaml": thread("Gamma", 3, [], ["cy"]),
}


def build(tmp: Path, config: str = "") -> Path:
    site = make_site(tmp, THREADS, config)
    assert build_site(site, quiet=True) == 0
    return site / "output"


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("tax"))


def follow(out: Path, page: Path, href: str) -> tuple[Path, str]:
    """The file a relative link from `page` lands on, and its fragment."""
    url = urljoin(page.relative_to(out).as_posix(), href)
    path, _, fragment = url.partition("#")
    target = out / unquote(path)
    return (target / "index.html" if path.endswith("/") or not path else target), fragment


def items(page: Path, cls: str) -> list:
    return parse_file(page).find("ol", cls=cls).find_all("li")


def test_tag_page_lists_the_threads_with_that_tag(out):
    page = out / "tags" / "python" / "index.html"
    titles = [li.find("a", cls="title") for li in items(page, "threads")]
    assert [a.text for a in titles] == ["Beta", "Alpha"]    # index order: newest first
    assert follow(out, page, titles[0].attrs["href"])[0] == out / "b" / "index.html"


def test_tags_list_names_every_tag_with_its_count(out):
    page = out / "tags" / "index.html"
    terms = parse_file(page).find("ul", cls="terms").find_all("li")
    assert [(li.find("a").text, li.find("span").text) for li in terms] == [("python", "2"),
                                                                          ("web", "1")]
    assert follow(out, page, terms[1].find("a").attrs["href"])[0] == \
        out / "tags" / "web" / "index.html"


def test_thread_tags_link_to_their_pages(out):
    page = out / "a" / "index.html"
    links = parse_file(page).find("ul", cls="tags").find_all("a")
    assert [follow(out, page, a.attrs["href"])[0] for a in links] == [
        out / "tags" / "python" / "index.html", out / "tags" / "web" / "index.html"]


def test_author_page_lists_each_post_newest_first_linking_to_it(out):
    page = out / "authors" / "ann" / "index.html"
    posts = items(page, "posts")
    texts = [li.find("a", cls="permalink").text for li in posts]
    assert texts == ["ann says 2 in Alpha", "ann says 0 in Alpha", "Opening of Alpha"]
    target, _ = follow(out, page, posts[0].find("a", cls="permalink").attrs["href"])
    assert target == out / "a" / "c" / "c2" / "index.html"
    assert parse_file(target).find("article", cls="current").attrs["id"] == "c-c2"
    assert follow(out, page, posts[2].find("a", cls="permalink").attrs["href"])[0] == \
        out / "a" / "index.html"   # the opening post links to the thread
    # a deleted comment is nobody's post
    assert "removed" not in {li.text for li in posts}


def test_authors_list_and_hostile_names_stay_inside_their_folder(out):
    page = out / "authors" / "index.html"
    terms = parse_file(page).find("ul", cls="terms").find_all("li")
    names = {li.find("a").text: li for li in terms}
    assert set(names) == {"ann", "bob", "cy", HOSTILE}
    assert names["bob"].find("span").text == "3"   # a comment in each thread, and Beta itself
    target, _ = follow(out, page, names[HOSTILE].find("a").attrs["href"])
    assert target.parent.parent == out / "authors" and target.is_file()
    assert parse_file(target).find("h1").text == HOSTILE


def test_every_link_resolves(out):
    assert check_links(out) == []


def test_pagination(tmp_path, monkeypatch):
    monkeypatch.setattr(taxonomies, "POSTS_PER_PAGE", 2)
    out = build(tmp_path, "per_page: 1\n")
    assert [a.text for li in items(out / "tags" / "python" / "page" / "2" / "index.html",
                                   "threads") for a in [li.find("a", cls="title")]] == ["Alpha"]
    first = out / "authors" / "ann" / "index.html"
    nxt = parse_file(first).find("a", rel="next").attrs["href"]
    second, _ = follow(out, first, nxt)
    assert second == out / "authors" / "ann" / "page" / "2" / "index.html"
    assert [li.find("a", cls="permalink").text for li in items(second, "posts")] == \
        ["Opening of Alpha"]
    assert check_links(out) == []


def test_taxonomies_turn_off(tmp_path):
    out = build(tmp_path / "none", "taxonomies: []\n")
    assert not (out / "tags").exists() and not (out / "authors").exists()
    assert parse_file(out / "a" / "index.html").find("ul", cls="tags").find("a") is None
    out = build(tmp_path / "tags", "taxonomies: [tags]\n")
    assert (out / "tags" / "index.html").is_file() and not (out / "authors").exists()


def test_a_bad_taxonomies_value_names_the_key(tmp_path):
    (tmp_path / "threadpress.yaml").write_text("title: x\ntaxonomies: [tags, people]\n")
    with pytest.raises(ThreadpressError) as e:
        load_config(tmp_path)
    [d] = e.value.diagnostics
    assert d.field == ("taxonomies",) and d.line == 2 and "people" in d.message


def test_a_removed_thread_leaves_the_author_pages(tmp_path):
    out = build(tmp_path)
    (tmp_path / "content" / "c.yaml").unlink()
    assert build_site(tmp_path, quiet=True) == 0
    assert not (out / "authors" / "cy").exists()
    posts = list((tmp_path / ".threadpress" / "build").glob("*/posts/*.jsonl"))
    assert len(posts) == 2   # its side file is gone too


def test_a_failed_build_leaves_no_posts_a_later_build_trusts(tmp_path):
    """A build that fails after rendering a thread has written its side file; when the file is
    then put back as it was, the thread is reused, with the side file of its good version."""
    out = build(tmp_path)
    a = tmp_path / "content" / "a.yaml"
    good = a.read_text()
    a.write_text(good.replace("ann says 0", "EDITED says 0"))
    (tmp_path / "content" / "tags.yaml").write_text("title: clash\n")   # a reserved slug
    assert build_site(tmp_path, quiet=True) == 1
    (tmp_path / "content" / "tags.yaml").unlink()
    a.write_text(good)
    assert build_site(tmp_path, quiet=True) == 0
    texts = [li.text for li in items(out / "authors" / "ann" / "index.html", "posts")]
    assert any("ann says 0" in t for t in texts) and not any("EDITED" in t for t in texts)


def test_a_rebuild_renders_only_the_authors_whose_posts_changed(tmp_path):
    out = build(tmp_path)
    page = out / "authors" / "cy" / "index.html"
    kept = (out / "authors" / "ann" / "index.html")
    inode, before = kept.stat().st_ino, kept.read_bytes()
    (tmp_path / "content" / "c.yaml").write_text(thread("Gamma", 3, [], ["cy", "dee"]))
    assert build_site(tmp_path, quiet=True) == 0
    assert kept.stat().st_ino == inode and kept.read_bytes() == before   # moved, not rewritten
    assert [li.text.strip() for li in items(page, "posts")][0].startswith("In Gamma")
    assert (out / "authors" / "dee" / "index.html").is_file()
    # a cold build writes the same
    cold = tmp_path / "cold"
    assert build_site(tmp_path, output=cold, quiet=True, clean=True) == 0
    assert {p.relative_to(cold): p.read_bytes() for p in cold.rglob("*") if p.is_file()} == \
        {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
