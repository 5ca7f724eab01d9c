"""Old URLs (`aliases:`): redirect pages for a thread and its comment pages, through the routes."""

from __future__ import annotations

from pathlib import Path

import pytest

from dom import parse_file
from support import parse_diagnostic
from test_build import check_links, make_site
from threadpress.anchors import anchor
from threadpress.build import build_site
from threadpress.cli import main

MOVED = """\
title: Moved
slug: better/name
aliases: [old-name, hn/123]
comments:
  - {id: "1", body: one}
  - {id: "2", parent: "1", body: two}
"""


def _redirect(page: Path) -> tuple[str, str, str]:
    """(meta refresh target, canonical, the plain link) of a redirect page."""
    doc = parse_file(page)
    assert doc.find("script") is None
    refresh = doc.find("meta", **{"http-equiv": "refresh"}).attrs["content"]
    delay, url = refresh.split("; url=", 1)
    assert delay == "0"
    return url, doc.find("link", rel="canonical").attrs["href"], doc.find("a").attrs["href"]


def test_old_slugs_redirect_the_thread_and_each_comment_page(tmp_path):
    site = make_site(tmp_path / "s", {"t.yaml": MOVED})
    assert build_site(site, quiet=True) == 0
    out = site / "output"
    assert _redirect(out / "old-name" / "index.html") == ("../better/name/",) * 3
    assert _redirect(out / "hn" / "123" / "c" / "2" / "index.html") == (
        "../../../../better/name/c/2/",) * 3
    assert check_links(out) == []


def test_with_a_base_url_the_canonical_link_is_absolute(tmp_path):
    site = make_site(tmp_path / "s", {"t.yaml": MOVED}, "base_url: https://ex.org/a/\n")
    assert build_site(site, quiet=True) == 0
    url, canonical, _ = _redirect(site / "output" / "old-name" / "c" / "1" / "index.html")
    assert (url, canonical) == ("../../../better/name/c/1/", "https://ex.org/a/better/name/c/1/")


def test_without_comment_pages_old_comment_pages_lead_to_the_anchor(tmp_path):
    site = make_site(tmp_path / "s", {"t.yaml": MOVED}, "comment_pages: false\n")
    assert build_site(site, quiet=True) == 0
    url, _, _ = _redirect(site / "output" / "old-name" / "c" / "2" / "index.html")
    assert url == f"../../../better/name/#{anchor('2')}"
    assert check_links(site / "output") == []


def test_offline_redirects_name_the_file(tmp_path):
    site = make_site(tmp_path / "s", {"t.yaml": MOVED}, "offline: true\n")
    assert build_site(site, quiet=True) == 0
    assert _redirect(site / "output" / "old-name" / "index.html")[0] == \
        "../better/name/index.html"


def test_reused_threads_keep_their_redirects(tmp_path):
    site = make_site(tmp_path / "s", {"t.yaml": MOVED, "u.yaml": "title: U\n"})
    assert build_site(site, quiet=True) == 0
    (site / "content" / "u.yaml").write_text("title: U2\n")
    assert build_site(site, quiet=True) == 0
    assert (site / "output" / "old-name" / "c" / "1" / "index.html").is_file()
    assert (site / "output" / "hn" / "123" / "index.html").is_file()


@pytest.mark.parametrize("other, message", [
    ("slug: old-name\ntitle: B\n", "alias 'old-name' is also the slug of"),
    ("title: B\naliases: [old-name]\n", "alias 'old-name' is also the alias of"),
    ("title: B\naliases: [better/name/c]\n", "lands inside the files of thread"),
])
def test_an_alias_on_another_route_is_an_error_naming_both_files(tmp_path, capsys, other,
                                                                  message):
    site = make_site(tmp_path / "s", {"t.yaml": MOVED, "b.yaml": other})
    assert main(["build", str(site), "-q"]) == 1
    lines = [parse_diagnostic(line) for line in capsys.readouterr().err.splitlines()
             if ": error:" in line]
    assert len(lines) == 1 and message in lines[0]["message"]
    both = lines[0]["path"] + lines[0]["message"]
    assert "t.yaml" in both and "b.yaml" in both
    assert lines[0]["field"].startswith(("aliases[", "slug"))


def test_an_alias_on_a_site_name_is_an_error_in_check_and_build(tmp_path, capsys):
    site = make_site(tmp_path / "s", {"t.yaml": "title: T\naliases: [ok, tags/x]\n"})
    for verb in (["check", str(site)], ["build", str(site), "-q"]):
        assert main(verb) == 1
        err = capsys.readouterr().err
        d = parse_diagnostic(next(line for line in err.splitlines() if "tags" in line))
        assert (d["line"], d["field"]) == (2, "aliases[1]")


def test_a_changed_slug_warns_and_says_which_alias_to_add(tmp_path, capsys):
    site = make_site(tmp_path / "s", {"t.yaml": "title: T\nslug: first\n"})
    assert build_site(site, quiet=True) == 0
    capsys.readouterr()
    (site / "content" / "t.yaml").write_text("title: T\nslug: second\n")
    assert build_site(site, quiet=True) == 0
    d = parse_diagnostic(capsys.readouterr().err.splitlines()[0])
    assert d["kind"] == "warning" and d["field"] == "slug" and d["line"] == 2
    assert "aliases: [first]" in d["message"]
    (site / "content" / "t.yaml").write_text("title: T\nslug: third\naliases: [second]\n")
    assert build_site(site, quiet=True) == 0
    assert capsys.readouterr().err == ""


def test_a_moved_file_warns_too(tmp_path, capsys):
    site = make_site(tmp_path / "s", {"hn/42.yaml": "title: T\nid: '42'\n"})
    assert build_site(site, quiet=True) == 0
    capsys.readouterr()
    (site / "content" / "hn" / "42.yaml").rename(site / "content" / "better.yaml")
    assert build_site(site, quiet=True) == 0
    d = parse_diagnostic(capsys.readouterr().err.splitlines()[0])
    assert d["path"].endswith("better.yaml") and "aliases: [hn/42]" in d["message"]
