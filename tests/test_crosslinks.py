"""Links into the archive: links to archived threads and comments lead to the copies."""

from __future__ import annotations

import pytest

from dom import parse_file
from test_build import check_links, make_site
from threadpress.anchors import anchor
from threadpress.build import build_site
from threadpress.crosslinks import url_key
from threadpress.routes import comment_segment


@pytest.mark.parametrize("url, key", [
    ("https://news.ycombinator.com/item?id=39001234", "hn:39001234"),
    ("https://news.ycombinator.com/item?id=39001234#39004567", "hn:39001234"),
    ("https://www.reddit.com/r/python/comments/abc123/some_title/", "reddit:abc123"),
    ("https://old.reddit.com/r/python/comments/abc123/some_title/def456/?context=3",
     "reddit:c:def456"),
    ("https://redd.it/abc123", "reddit:abc123"),
    ("https://github.com/Owner/Repo/issues/12", "github:owner/repo#12"),
    ("https://github.com/owner/repo/pull/12#issuecomment-998877", "github:c:998877"),
    ("https://github.com/owner/repo/discussions/3#discussioncomment-55", "github:c:55"),
    ("https://lobste.rs/s/tdfoqh/strace_problems", "lobsters:tdfoqh"),
    ("https://lobste.rs/s/tdfoqh/strace_problems#c_xyz123", "lobsters:c:xyz123"),
    ("https://lobste.rs/c/xyz123", "lobsters:c:xyz123"),
    ("https://mastodon.social/@someone/111222333", "mastodon:mastodon.social/111222333"),
    ("https://mastodon.social/users/someone/statuses/111222333",
     "mastodon:mastodon.social/111222333"),
    ("https://meta.discourse.org/t/some-topic/12345", "discourse:meta.discourse.org/12345"),
    ("https://meta.discourse.org/t/some-topic/12345/7", "discourse:meta.discourse.org/12345/7"),
    ("https://lore.kernel.org/git/20240101.abc@example.org/", "mid:20240101.abc@example.org"),
    ("https://lore.kernel.org/all/20240101.abc%40example.org/T/", "mid:20240101.abc@example.org"),
    ("https://www.mail-archive.com/search?l=mid&q=x1%40ex.org", "mid:x1@ex.org"),
    ("https://marc.info/?i=x1@ex.org", "mid:x1@ex.org"),
    ("https://example.org/blog/post", None),
    ("javascript:alert(1)", None),
])
def test_each_source_table_maps_its_url_forms(url, key):
    assert url_key(url) == key


HN_STORY = """\
title: Story
source: https://news.ycombinator.com/item?id=100
comments:
  - {id: "101", author: a, body: "see https://news.ycombinator.com/item?id=201 and [this](https://news.ycombinator.com/item?id=200)"}
  - {id: "102", author: b, parent: "101", body: "not archived: https://news.ycombinator.com/item?id=999"}
  - {id: "103", author: b, body: "same thread: https://news.ycombinator.com/item?id=102"}
"""
OTHER = """\
title: Other
slug: elsewhere/other
source: https://news.ycombinator.com/item?id=200
comments:
  - {id: "201", author: c, body: back to https://news.ycombinator.com/item?id=100}
"""


def _links(page, cls="archived"):
    return [(a.attrs["href"], a.attrs.get("title")) for a in parse_file(page).find_all("a", cls=cls)]


def test_links_to_archived_items_lead_to_the_copies_with_the_original_as_title(tmp_path):
    site = make_site(tmp_path / "s", {"story.yaml": HN_STORY, "other.yaml": OTHER})
    assert build_site(site, quiet=True) == 0
    out = site / "output"
    assert _links(out / "story" / "index.html") == [
        ("../elsewhere/other/c/201/", "https://news.ycombinator.com/item?id=201"),
        ("../elsewhere/other/", "https://news.ycombinator.com/item?id=200"),
        ("c/102/", "https://news.ycombinator.com/item?id=102")]
    # a comment page reaches the same targets from its own depth
    assert _links(out / "story" / "c" / "101" / "index.html")[0][0] == \
        "../../../elsewhere/other/c/201/"
    assert _links(out / "elsewhere" / "other" / "index.html") == [
        ("../../story/", "https://news.ycombinator.com/item?id=100")]
    unarchived = [a.attrs["href"] for a in parse_file(out / "story" / "index.html").find_all("a")
                  if "999" in a.attrs.get("href", "")]
    assert unarchived == ["https://news.ycombinator.com/item?id=999"]
    assert check_links(out) == []


def test_without_comment_pages_comment_links_name_the_anchor(tmp_path):
    site = make_site(tmp_path / "s", {"story.yaml": HN_STORY, "other.yaml": OTHER},
                     "comment_pages: false\n")
    assert build_site(site, quiet=True) == 0
    hrefs = [h for h, _ in _links(site / "output" / "story" / "index.html")]
    assert hrefs == [f"../elsewhere/other/#{anchor('201')}", "../elsewhere/other/",
                     f"#{anchor('102')}"]
    assert check_links(site / "output") == []


def test_rewrite_links_false_keeps_every_original_link(tmp_path):
    site = make_site(tmp_path / "s", {"story.yaml": HN_STORY, "other.yaml": OTHER},
                     "rewrite_links: false\n")
    assert build_site(site, quiet=True) == 0
    assert _links(site / "output" / "story" / "index.html") == []


def test_a_thread_added_later_turns_existing_links_into_archive_links(tmp_path, capsys):
    site = make_site(tmp_path / "s", {"story.yaml": HN_STORY})
    assert build_site(site, quiet=True) == 0
    assert [h for h, _ in _links(site / "output" / "story" / "index.html")] == ["c/102/"]
    (site / "content" / "other.yaml").write_text(OTHER)
    assert build_site(site) == 0
    assert len(_links(site / "output" / "story" / "index.html")) == 3
    # both threads were rendered: the new one, and the old one whose links now resolve
    assert "(2 rendered, 0 reused)" in capsys.readouterr().err
    (site / "content" / "other.yaml").unlink()
    assert build_site(site, quiet=True) == 0
    assert [h for h, _ in _links(site / "output" / "story" / "index.html")] == ["c/102/"]


def test_an_unrelated_new_thread_renders_nothing_else(tmp_path, capsys):
    site = make_site(tmp_path / "s", {"story.yaml": HN_STORY, "other.yaml": OTHER})
    assert build_site(site, quiet=True) == 0
    (site / "content" / "new.yaml").write_text("title: New\n")
    assert build_site(site) == 0
    assert "(1 rendered, 2 reused)" in capsys.readouterr().err


def test_a_thread_about_an_archived_item_links_to_it_from_its_header(tmp_path):
    about = "title: About\nurl: https://news.ycombinator.com/item?id=200\n"
    site = make_site(tmp_path / "s", {"about.yaml": about, "other.yaml": OTHER})
    assert build_site(site, quiet=True) == 0
    assert _links(site / "output" / "about" / "index.html") == [
        ("../elsewhere/other/", "https://news.ycombinator.com/item?id=200")]


def test_mailing_list_threads_are_found_by_message_id(tmp_path):
    mails = """\
title: A patch
message_id: root-1@lists.example.org
comments:
  - {id: reply-2@lists.example.org, author: a, body: Looks good}
"""
    citing = "title: Later\nbody: see https://lore.kernel.org/git/reply-2@lists.example.org/\n"
    site = make_site(tmp_path / "s", {"patch.yaml": mails, "later.yaml": citing})
    assert build_site(site, quiet=True) == 0
    page = parse_file(site / "output" / "later" / "index.html")
    link = page.find("a", cls="archived")
    assert link.attrs["href"] == f"../patch/c/{comment_segment('reply-2@lists.example.org')}/"
    assert check_links(site / "output") == []
