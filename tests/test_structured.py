"""Structured data and social previews: JSON-LD parsed as JSON, meta tags read from the DOM."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from dom import Element, parse_file
from test_build import make_site
from threadpress.build import build_site

THREAD = {
    "title": "Links that last", "author": "alice", "created": "2024-03-01T10:00:00Z",
    "url": "https://example.com/post", "body": "Opening words.",
    "comments": [
        {"id": "c1", "author": "bob", "created": "2024-03-01T11:00:00Z", "body": "Top one."},
        {"id": "c2", "parent": "c1", "author": "carol", "created": "2024-03-01T12:00:00Z",
         "body": "A reply " + "long " * 80},
        {"id": "c3", "author": "dan", "created": "2024-03-01T13:00:00Z", "body": "Top two."},
        {"id": "c4", "parent": "c3", "deleted": True},
    ],
}


def ld(doc: Element) -> dict:
    scripts = doc.find_all("script", type="application/ld+json")
    assert len(scripts) == 1
    return json.loads(scripts[0].text)


def meta(doc: Element, key: str) -> str | None:
    el = doc.find("meta", property=key) or doc.find("meta", name=key)
    return None if el is None else el.attrs["content"]


@pytest.fixture(scope="module", params=["https://ex.org/repo/", ""], ids=["base_url", "relative"])
def out(request, tmp_path_factory) -> tuple[Path, str]:
    site = make_site(tmp_path_factory.mktemp("ld"), {"t.yaml": yaml.safe_dump(THREAD)},
                     f"base_url: '{request.param}'\n")
    assert build_site(site, quiet=True) == 0
    return site / "output", request.param


def test_thread_page_is_a_discussion_with_its_comment_tree(out):
    root, base = out
    data = ld(parse_file(root / "t" / "index.html"))
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "DiscussionForumPosting"
    assert (data["headline"], data["author"]["name"]) == ("Links that last", "alice")
    assert data["datePublished"] == "2024-03-01T10:00:00Z"
    assert data["commentCount"] == 4
    assert data["url"] == (base + "t/" if base else "./")
    url = (lambda cid: f"{base}t/c/{cid}/") if base else (lambda cid: f"c/{cid}/")
    tops = data["comment"]
    assert [c["author"]["name"] for c in tops] == ["bob", "dan"]
    assert [c["url"] for c in tops] == [url("c1"), url("c3")]
    assert [c["datePublished"] for c in tops] == ["2024-03-01T11:00:00Z", "2024-03-01T13:00:00Z"]
    assert [c["text"] for c in tops] == ["Top one.", "Top two."]
    # replies nested under the comment they answer, each with its own permalink
    (reply,), (gone,) = tops[0]["comment"], tops[1]["comment"]
    assert (reply["@type"], reply["url"], reply["author"]["name"]) == ("Comment", url("c2"), "carol")
    assert reply["text"].startswith("A reply long") and len(reply["text"]) <= 20
    assert "comment" not in reply
    assert gone["url"] == url("c4") and "author" not in gone   # deleted: names nobody


def _flatten(tree: list[dict]) -> list[tuple[int, str]]:
    """(depth, url) of every Comment in a JSON-LD tree, in pre-order (iteratively)."""
    found, todo = [], [(0, c) for c in reversed(tree)]
    while todo:
        depth, c = todo.pop()
        found.append((depth, c["url"]))
        todo += [(depth + 1, r) for r in reversed(c.get("comment", []))]
    return found


def test_the_tree_follows_the_thread_at_any_depth_and_width(tmp_path):
    """A deep chain beside wide branches: every comment once, under its parent, in the
    thread's order, nesting at most TREE_DEPTH levels (deeper replies sit side by side there,
    under their ancestor), so readers with nesting limits can read it; written iteratively."""
    from threadpress.render.structured import TREE_DEPTH

    chain = [{"id": f"d{i}", "parent": f"d{i - 1}" if i else None, "author": "x", "body": f"n{i}"}
             for i in range(1500)]
    wide = [{"id": "w", "author": "y", "body": "wide"}] + [
        {"id": f"w{i}", "parent": "w", "author": "z", "body": "leaf"} for i in range(50)]
    last = [{"id": "end", "author": "q", "body": "after"}]
    comments = [{k: v for k, v in c.items() if v is not None} for c in chain + wide + last]
    site = make_site(tmp_path, {"t.yaml": yaml.safe_dump({"title": "T", "comments": comments})})
    assert build_site(site, quiet=True) == 0
    data = ld(parse_file(site / "output" / "t" / "index.html"))   # json.loads' own limits hold
    expected = [(min(i, TREE_DEPTH), f"c/d{i}/") for i in range(1500)] + [(0, "c/w/")] + [
        (1, f"c/w{i}/") for i in range(50)] + [(0, "c/end/")]
    assert _flatten(data["comment"]) == expected
    node = data["comment"][0]
    for _ in range(TREE_DEPTH - 1):
        (node,) = node["comment"]
    # d39's one reply list holds d40 … d1499, side by side, none with replies of its own
    assert [c["url"] for c in node["comment"]] == [f"c/d{i}/" for i in range(TREE_DEPTH, 1500)]
    assert not any("comment" in c for c in node["comment"])


def test_comment_page_is_the_comment_with_its_parent(out):
    root, base = out
    reply = ld(parse_file(root / "t" / "c" / "c2" / "index.html"))
    assert reply["@type"] == "Comment" and reply["author"]["name"] == "carol"
    assert reply["text"].startswith("A reply long") and len(reply["text"]) <= 100
    assert reply["url"] == (f"{base}t/c/c2/" if base else "../../c/c2/")
    assert reply["parentItem"]["url"] == (f"{base}t/c/c1/" if base else "../../c/c1/")
    top = ld(parse_file(root / "t" / "c" / "c1" / "index.html"))
    assert top["parentItem"]["@type"] == "DiscussionForumPosting"
    assert top["parentItem"]["url"] == (f"{base}t/" if base else "../../")
    gone = ld(parse_file(root / "t" / "c" / "c4" / "index.html"))
    assert "author" not in gone   # a deleted comment names nobody


def test_shared_comment_link_previews_the_comment(out):
    root, base = out
    doc = parse_file(root / "t" / "c" / "c2" / "index.html")
    assert meta(doc, "og:title") == "carol on “Links that last”"
    assert meta(doc, "og:description").startswith("A reply long")
    assert meta(doc, "twitter:card") == "summary"
    assert meta(doc, "og:url") == (f"{base}t/c/c2/" if base else None)


@pytest.mark.parametrize("page", ["index.html", "404.html", "t/index.html"])
def test_every_page_has_social_tags(out, page):
    doc = parse_file(out[0] / page)
    assert meta(doc, "og:title") and meta(doc, "og:type") and meta(doc, "twitter:card")


def test_board_theme_has_the_same_data(tmp_path):
    site = make_site(tmp_path, {"t.yaml": yaml.safe_dump(THREAD)}, "theme: board\n")
    assert build_site(site, quiet=True) == 0
    assert ld(parse_file(site / "output" / "t" / "index.html"))["commentCount"] == 4
    assert ld(parse_file(site / "output" / "t" / "c" / "c2" / "index.html"))["@type"] == "Comment"


def test_thread_page_lists_every_top_level_comment(tmp_path):
    many = dict(THREAD, comments=[{"id": str(i), "author": "a", "body": "b"} for i in range(9)])
    site = make_site(tmp_path, {"t.yaml": yaml.safe_dump(many)})
    assert build_site(site, quiet=True) == 0
    data = ld(parse_file(site / "output" / "t" / "index.html"))
    assert data["commentCount"] == 9
    assert [c["url"] for c in data["comment"]] == [f"c/{i}/" for i in range(9)]


def test_no_comment_pages_permalinks_are_anchors(tmp_path):
    site = make_site(tmp_path, {"t.yaml": yaml.safe_dump(THREAD)},
                     "comment_pages: false\nbase_url: https://ex.org/\n")
    assert build_site(site, quiet=True) == 0
    tops = ld(parse_file(site / "output" / "t" / "index.html"))["comment"]
    assert [c["url"] for c in tops] == ["https://ex.org/t/#c-c1", "https://ex.org/t/#c-c3"]
