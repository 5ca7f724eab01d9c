"""End-to-end: build sites and check the output by parsing it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest
import yaml

from dom import Element, parse_file
from threadpress.anchors import anchor, encode_id
from threadpress.build import build_site
from threadpress.load import load_content
from threadpress.render import pages

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "content"


def make_site(root: Path, threads: dict[str, str], config: str = "") -> Path:
    """A site folder with the given thread files (name → text) and threadpress.yaml."""
    (root / "content").mkdir(parents=True)
    for name, text in threads.items():
        path = root / "content" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    if config:
        (root / "threadpress.yaml").write_text(config, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def example(tmp_path_factory) -> tuple[Path, Path]:
    """The bundled example site, built once: (site, output)."""
    site = tmp_path_factory.mktemp("example")
    shutil.copytree(EXAMPLE, site / "content")
    out = site / "output"
    assert build_site(site, output=out, quiet=True, jobs=2) == 0
    return site, out


def comment_articles(doc: Element) -> list[Element]:
    return [el for el in doc.iter() if "comment" in el.classes and el.tag == "article"]


def test_example_every_comment_has_one_anchor_in_preorder(example):
    site, out = example
    loaded = load_content(site / "content")
    assert loaded.threads, "the example site has threads"
    for thread in loaded.threads:
        doc = parse_file(out / thread.slug / "index.html")
        ids = [el.attrs.get("id") for el in doc.iter() if el.attrs.get("id", "").startswith("c-")]
        assert ids == [anchor(c.id) for c in thread.comments]  # once each, in pre-order
        assert len(set(ids)) == len(ids)


def test_example_reply_and_parent_links_point_at_the_right_comments(example):
    site, out = example
    for thread in load_content(site / "content").threads:
        doc = parse_file(out / thread.slug / "index.html")
        for el in comment_articles(doc):
            c = thread.comment(_decode_anchor(el.attrs["id"], thread))
            # its replies are the comments directly inside the branch that follows it
            siblings = [n for n in el.parent.children if isinstance(n, Element)]
            after = siblings[siblings.index(el) + 1:][:1]
            branch = after[0] if after and after[0].tag == "details" else None
            if c.depth < 12:
                body = branch.find("div", cls="branch-body") if branch else None
                got = [n.attrs["id"] for n in (body.children if body else [])
                       if isinstance(n, Element) and n.tag == "article"]
                assert got == [anchor(k) for k in c.children]
            parent = el.find("a", cls="parent")
            assert (parent.attrs["href"] if parent else None) == \
                (None if c.parent is None else "#" + anchor(c.parent))


def _excerpt_targets(doc: Element, cls: str) -> list[str]:
    """Where each excerpt of a comment page's list `cls` links: the fragment or the folder."""
    lst = doc.find("ol", cls)
    return [] if lst is None else [li.find("a").attrs["href"] for li in lst.find_all("li")]


def test_example_comment_pages_show_exactly_the_chain_itself_and_replies(example):
    site, out = example
    for thread in load_content(site / "content").threads:
        for c in thread.comments:
            doc = parse_file(out / thread.slug / "c" / encode_id(c.id) / "index.html")
            # the comment itself in full, once; no other comment in full
            assert [el.attrs["id"] for el in comment_articles(doc)] == [anchor(c.id)]
            assert "current" in comment_articles(doc)[0].classes
            # its ancestors and replies as excerpts, linking to their anchors / their pages
            chain = [f"../../#{anchor(a.id)}" for a in thread.ancestors(c)]
            assert _excerpt_targets(doc, "ancestors") == chain
            assert _excerpt_targets(doc, "reply-list") == [
                f"../../c/{encode_id(k)}/" for k in c.children]
            for li, a in zip(doc.find("ol", "ancestors").find_all("li") if chain else [],
                             thread.ancestors(c)):
                assert li.find("a").text == (
                    "[deleted]" if a.deleted else a.author or "anonymous")
            back = doc.find("a", cls="back")
            assert back.attrs["href"] == f"../../#{anchor(c.id)}"
            assert doc.find("title").text.startswith(c.author or "[deleted]")


def test_example_quote_links_and_backlinks(example):
    site, out = example
    found = 0
    for thread in load_content(site / "content").threads:
        doc = parse_file(out / thread.slug / "index.html")
        for el in comment_articles(doc):
            for q in el.find_all("a", cls="quotelink"):
                target = q.attrs["href"][1:]
                found += 1
                assert doc.find(id=target) is not None
                quoted = doc.find(id=target).find("span", cls="quoted")
                assert quoted is not None
                assert "#" + el.attrs["id"] in [a.attrs["href"] for a in quoted.find_all("a")]
    assert found >= 1, "the example site uses at least one >>ID quote link"


def test_every_relative_link_and_fragment_resolves(example):
    _, out = example
    problems = check_links(out)
    assert problems == []


def check_links(out: Path) -> list[str]:
    """Every relative href/src reaches a file; every #fragment names an id on its page."""
    ids: dict[Path, set[str]] = {}
    docs = {p: parse_file(p) for p in sorted(out.rglob("*.html"))}
    for p, doc in docs.items():
        ids[p] = {el.attrs["id"] for el in doc.iter() if "id" in el.attrs}
    problems = []
    for p, doc in docs.items():
        if p.name == "404.html":
            continue  # its links are root-relative by design (served at any depth)
        for el in doc.iter():
            ref = el.attrs.get("href") if el.tag in ("a", "link") else el.attrs.get("src")
            if ref is None or urlsplit(ref).scheme or ref.startswith("//"):
                continue
            parts = urlsplit(ref)
            target = (p.parent / unquote(parts.path)).resolve() if parts.path else p
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                problems.append(f"{p.relative_to(out)}: {ref} → missing file")
            elif parts.fragment and parts.fragment not in ids.get(target, set()):
                problems.append(f"{p.relative_to(out)}: {ref} → no id {parts.fragment}")
    return problems


def _decode_anchor(value: str, thread) -> str:
    by_anchor = {anchor(c.id): c.id for c in thread.comments}
    return by_anchor[value]


def test_site_files_for_github_pages(tmp_path):
    site = make_site(tmp_path / "s", {"a.yaml": "title: A\n"},
                     "cname: threads.example.org\nbase_url: https://threads.example.org/\n")
    assert build_site(site, quiet=True) == 0
    out = site / "output"
    assert (out / ".nojekyll").is_file()
    assert (out / "CNAME").read_text() == "threads.example.org\n"
    doc = parse_file(out / "404.html")
    css = doc.find("link", rel="stylesheet").attrs["href"]
    assert css == "https://threads.example.org/static/style.css"
    assert doc.find("link", rel="canonical") is None
    home = parse_file(out / "a" / "index.html").find("link", rel="canonical")
    assert home.attrs["href"] == "https://threads.example.org/a/"


def test_404_without_base_url_is_root_relative(tmp_path):
    site = make_site(tmp_path / "s", {"a.yaml": "title: A\n"})
    assert build_site(site, quiet=True) == 0
    doc = parse_file(site / "output" / "404.html")
    assert doc.find("link", rel="stylesheet").attrs["href"] == "/static/style.css"
    internal = [a.attrs["href"] for a in doc.find_all("a")
                if not a.attrs["href"].startswith(("#", "https:"))]
    assert internal and all(h.startswith("/") for h in internal)


def test_internal_links_are_relative_without_base_url(example):
    _, out = example
    for p in out.rglob("*.html"):
        if p.name == "404.html":
            continue
        for el in parse_file(p).iter():
            ref = el.attrs.get("href") or el.attrs.get("src") or ""
            assert not ref.startswith("/"), f"{p}: {ref}"


def test_index_pagination_newest_first(tmp_path):
    threads = {f"t{i:02}.yaml": f"title: T{i}\ncreated: 2024-01-{i + 1:02}T00:00:00Z\n"
               for i in range(7)}
    site = make_site(tmp_path / "s", threads, "per_page: 3\n")
    assert build_site(site, quiet=True) == 0
    out = site / "output"
    titles = []
    for page in ["index.html", "page/2/index.html", "page/3/index.html"]:
        doc = parse_file(out / page)
        titles.append([a.text for a in doc.find_all("a", cls="title")])
    assert titles == [["T6", "T5", "T4"], ["T3", "T2", "T1"], ["T0"]]
    assert not (out / "page" / "4").exists()
    assert check_links(out) == []


def test_comment_pages_off(tmp_path):
    site = make_site(tmp_path / "s", {"a.yaml": "title: A\ncomments: [{id: 1, body: x}]\n"},
                     "comment_pages: false\n")
    assert build_site(site, quiet=True) == 0
    assert not (site / "output" / "a" / "c").exists()
    doc = parse_file(site / "output" / "a" / "index.html")
    assert doc.find("a", cls="permalink").attrs["href"] == "#c-1"
    assert check_links(site / "output") == []


def test_thread_json_is_the_normalised_thread(tmp_path):
    site = make_site(tmp_path / "s", {"x/a.yaml": (
        "title: A\ncreated: 1700000000\ncomments:\n  - id: 1\n    flair: gold\n"
        "    replies: [{id: 2, created: '2024-01-01T10:00:00+02:00'}]\n")})
    assert build_site(site, quiet=True) == 0
    data = json.loads((site / "output" / "x" / "a" / "thread.json").read_text())
    assert data["slug"] == "x/a" and data["created"] == "2023-11-14T22:13:20Z"
    assert [(c["id"], c.get("parent"), c["depth"]) for c in data["comments"]] == \
        [("1", None, 0), ("2", "1", 1)]
    # empty fields are left out (absent means null, false, "" or {}), the rest kept
    assert data["comments"][1] == {"id": "2", "parent": "1", "depth": 1,
                                   "created": "2024-01-01T08:00:00Z"}
    assert data["comments"][1]["created"] == "2024-01-01T08:00:00Z"
    assert data["comments"][0]["extra"] == {"flair": "gold"}


def test_context_chain_is_capped(tmp_path):
    n = 120
    lines = ["title: Deep", "comments:"] + [
        f"  - {{id: '{i}', body: 'level {i}'" + (f", parent: '{i - 1}'}}" if i else "}")
        for i in range(n)]
    site = make_site(tmp_path / "s", {"d.yaml": "\n".join(lines) + "\n"}, "context_depth: 50\n")
    assert build_site(site, quiet=True) == 0
    page = site / "output" / "d" / "c" / str(n - 1) / "index.html"
    doc = parse_file(page)
    assert [el.attrs["id"] for el in comment_articles(doc)] == [anchor(str(n - 1))]
    assert _excerpt_targets(doc, "ancestors") == [f"../../#{anchor(str(i))}"
                                                  for i in range(n - 51, n - 1)]
    more = doc.find("p", cls="more-above")
    hrefs = [a.attrs["href"] for a in more.find_all("a")]
    base = f"https://x.test/d/c/{n - 1}/"
    assert [urljoin(base, h) for h in hrefs] == [f"https://x.test/d/c/{n - 52}/",
                                                 "https://x.test/d/c/0/"]
    assert check_links(site / "output") == []


def test_deep_chain_of_100000_builds(tmp_path):
    n = 100_000
    comments = [{"id": str(i), "body": "x"} | ({"parent": str(i - 1)} if i else {}) for i in range(n)]
    site = make_site(tmp_path / "s", {"deep.json": json.dumps({"title": "Deep", "comments": comments})},
                     "comment_pages: false\n")
    assert build_site(site, quiet=True, jobs=1) == 0
    doc = parse_file(site / "output" / "deep" / "index.html")
    articles = comment_articles(doc)
    depth = lambda el: (el.find("span", "depth").text if el.find("span", "depth") else "0")  # noqa: E731
    assert [depth(el) for el in articles[:3]] == ["0", "1", "2"]
    assert len(articles) == n
    last = doc.find(id=anchor(str(n - 1)))
    assert depth(last) == str(n - 1)
    assert last.attrs["style"] == "--d:12"  # visual indentation is capped, depth stays visible


def test_builds_are_byte_identical_across_hash_seeds(tmp_path):
    site = tmp_path / "site"
    shutil.copytree(EXAMPLE, site / "content")
    outs = []
    for seed in ("1", "2"):
        out = tmp_path / f"out{seed}"
        env = dict(os.environ, PYTHONHASHSEED=seed)
        subprocess.run([sys.executable, "-m", "threadpress", "build", str(site), "-o", str(out),
                        "-q", "-j", "2"], check=True, env=env)
        outs.append(out)
    assert _tree_bytes(outs[0]) == _tree_bytes(outs[1])


def _tree_bytes(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_failed_build_leaves_previous_output_untouched(tmp_path, monkeypatch):
    site = make_site(tmp_path / "s", {f"t{i}.yaml": f"title: T{i}\ncomments: [{{id: 1}}]\n"
                                      for i in range(5)})
    assert build_site(site, quiet=True) == 0
    before = _tree_bytes(site / "output")
    (site / "content" / "t9.yaml").write_text("title: T9\n")
    calls = {"n": 0}
    real = pages.thread_pages

    def failing(renderer, thread, *rest):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("disk on fire")
        yield from real(renderer, thread, *rest)

    monkeypatch.setattr(pages, "thread_pages", failing)
    with pytest.raises(RuntimeError):
        build_site(site, quiet=True, jobs=1, clean=True)
    assert calls["n"] == 3
    assert _tree_bytes(site / "output") == before
    assert [p.name for p in site.iterdir() if p.name.startswith(".output")] == []


def test_bad_input_fails_without_touching_output(tmp_path, capsys):
    site = make_site(tmp_path / "s", {"a.yaml": "title: A\n"})
    assert build_site(site, quiet=True) == 0
    before = _tree_bytes(site / "output")
    (site / "content" / "b.yaml").write_text("title: B\ncomments:\n  - id: 1\n    score: high\n")
    assert build_site(site, quiet=True) == 1
    err = capsys.readouterr().err
    assert "b.yaml:4:12: error: comments[0].score: expected an integer" in err
    assert _tree_bytes(site / "output") == before


def test_pages_no_longer_produced_are_removed(tmp_path):
    site = make_site(tmp_path / "s", {"a.yaml": "title: A\n", "b.yaml": "title: B\n"})
    assert build_site(site, quiet=True) == 0
    (site / "content" / "b.yaml").unlink()
    assert build_site(site, quiet=True) == 0
    assert not (site / "output" / "b").exists()


def test_refuses_to_replace_a_folder_it_did_not_build(tmp_path, capsys):
    site = make_site(tmp_path / "s", {"a.yaml": "title: A\n"})
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.tex").write_text("years of work")
    from threadpress.cli import main
    assert main(["build", str(site), "-o", str(precious), "-q"]) == 1
    assert (precious / "thesis.tex").read_text() == "years of work"
    assert "refusing to replace" in capsys.readouterr().err


def test_slug_leaving_the_output_is_an_error(tmp_path, capsys):
    site = make_site(tmp_path / "s", {"a.yaml": "title: A\nslug: ../../etc\n"})
    assert build_site(site, quiet=True) == 1
    assert "slug" in capsys.readouterr().err
    assert not (tmp_path / "etc").exists()


def test_site_theme_overrides_one_template(tmp_path):
    # (without search: the index's shard names hash the whole spec, the theme included)
    site = make_site(tmp_path / "s", {"a.yaml": "title: A\ncomments: [{id: 1, body: hi}]\n"},
                     "title: Mine\nsearch: false\n")
    (site / "themes" / "mine" / "templates").mkdir(parents=True)
    (site / "themes" / "mine" / "templates" / "404.html").write_text(
        "{% extends 'base.html' %}{% block main %}<p id=custom>gone</p>{% endblock %}")
    assert build_site(site, output=tmp_path / "mine", theme="mine", quiet=True) == 0
    assert build_site(site, output=tmp_path / "default", quiet=True) == 0
    mine, default = _tree_bytes(tmp_path / "mine"), _tree_bytes(tmp_path / "default")
    # every other page and file is the default theme's, byte for byte (the output marker
    # names the build, which differs with the theme)
    assert set(mine) == set(default) and "a/c/1/index.html" in mine
    differ = {"404.html", ".threadpress-output"}
    assert {k: v for k, v in mine.items() if k not in differ} == \
        {k: v for k, v in default.items() if k not in differ}
    # the override fills the default base template
    custom, plain = parse_file(tmp_path / "mine" / "404.html"), parse_file(tmp_path / "default" / "404.html")
    assert [el.text for el in custom.find("main").find_all("p")] == ["gone"]
    assert plain.find(id="custom") is None and plain.find("main").find("h1").text == "Not found"
    assert custom.find("title").text == "Mine" and custom.find("a", cls="site-title").text == "Mine"
    assert custom.find("footer").text == plain.find("footer").text


def test_unknown_theme_is_a_clear_error(tmp_path, capsys):
    site = make_site(tmp_path / "s", {"a.yaml": "title: A\n"}, "theme: nope\n")
    from threadpress.cli import main
    assert main(["build", str(site), "-q"]) == 1
    assert "unknown theme 'nope'" in capsys.readouterr().err


def test_absolute_urls_encode_the_slug(tmp_path):
    import xml.etree.ElementTree as ET
    site = make_site(tmp_path / "s", {"a b/ü.yaml": "title: A\ncomments: [{id: 'x y'}]\n"},
                     "base_url: https://example.org/repo\n")
    assert build_site(site, quiet=True) == 0
    out = site / "output"
    thread = parse_file(out / "a b" / "ü" / "index.html")
    assert thread.find("link", rel="canonical").attrs["href"] == \
        "https://example.org/repo/a%20b/%C3%BC/"
    page = parse_file(out / "a b" / "ü" / "c" / "x~20y" / "index.html")
    assert page.find("link", rel="canonical").attrs["href"] == \
        "https://example.org/repo/a%20b/%C3%BC/c/x~20y/"
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locs = [e.text for e in ET.parse(out / "sitemaps" / "1.xml").getroot().findall("s:url/s:loc",
                                                                                      ns)]
    assert locs == ["https://example.org/repo/", "https://example.org/repo/a%20b/%C3%BC/",
                    "https://example.org/repo/a%20b/%C3%BC/c/x~20y/"]
    index = parse_file(out / "index.html")
    assert index.find("a", cls="title").attrs["href"] == "a%20b/%C3%BC/"
    assert check_links(out) == []


def test_parallel_build_matches_serial_build(tmp_path):
    """Enough comments to take the process-pool path: the output must not depend on it."""
    threads = {}
    for t in range(3):
        comments = [{"id": f"{t}-{i}", "body": f"comment {i} >>{t}-{i // 2}",
                     **({"parent": f"{t}-{i // 3}"} if i else {})} for i in range(800)]
        threads[f"t{t}.json"] = json.dumps({"title": f"T{t}", "comments": comments})
    site = make_site(tmp_path / "s", threads)
    assert build_site(site, output=tmp_path / "serial", quiet=True, jobs=1) == 0
    assert build_site(site, output=tmp_path / "pool", quiet=True, jobs=2) == 0
    serial, pool = _tree_bytes(tmp_path / "serial"), _tree_bytes(tmp_path / "pool")
    assert len(serial) > 2400 and serial == pool


@pytest.mark.parametrize("n", [1, 3, 4, 22])
def test_a_few_replies_are_listed_and_many_are_counted_and_folded(tmp_path, n):
    """The default theme's replies line: up to three ids in a line; beyond that the count,
    with the ids folded under it (a <details>, no JavaScript), each still linking its reply."""
    comments = [{"id": "p", "author": "a", "body": "parent"}] + [
        {"id": f"r{i}", "parent": "p", "author": "b", "body": "reply"} for i in range(n)]
    site = make_site(tmp_path, {"t.yaml": yaml.safe_dump({"title": "T", "comments": comments})})
    assert build_site(site, quiet=True) == 0
    doc = parse_file(site / "output" / "t" / "index.html")
    refs = doc.find("article", id=anchor("p")).find("footer", cls="refs")
    expected = [f"#{anchor(f'r{i}')}" for i in range(n)]
    folded = refs.find("details", cls="replies")
    if n <= 3:
        assert folded is None
        line = refs.find("span", cls="replies")
        assert [a.attrs["href"] for a in line.find_all("a")] == expected
        assert [a.text for a in line.find_all("a")] == [f">>r{i}" for i in range(n)]
    else:
        assert refs.find("span", cls="replies") is None and "open" not in folded.attrs
        assert folded.find("summary").text == f"{n} replies"
        assert [a.attrs["href"] for a in folded.find_all("a")] == expected
