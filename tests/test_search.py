"""Search: the documents Pagefind indexes, the shards, the search page and box, `search: false`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dom import parse, parse_file
from test_build import make_site
from test_xss import VECTORS
from threadpress import routes, search
from threadpress.build import build_site
from threadpress.load import load_bytes

THREAD = json.dumps({
    "id": "t1", "title": "Title <b>bold</b> & more", "tags": ["a&b", "x"], "author": "op",
    "body": "opening *post*",
    "comments": [{"id": "1", "author": "ana", "body": "first"},
                 {"id": "k/2", "author": "bo", "parent": "1", "body": "second _reply_"},
                 {"id": "3", "deleted": True, "body": ""}]})


def load(text: str, slug: str = "t"):
    thread, diags = load_bytes(text.encode(), "t.json", slug, "original")
    assert thread is not None, diags
    return thread


def test_a_document_holds_title_body_and_each_comment_under_its_anchor():
    docs = list(search.documents(load(THREAD, "sub/t"), "en"))
    assert [p for p, _ in docs] == ["sub/t/search-0.html"]
    doc = parse(docs[0][1])
    assert doc.find("html").attrs["lang"] == "en"
    metas = [(m.attrs.get("data-pagefind-meta") or m.attrs.get("data-pagefind-filter"),
              m.attrs["content"]) for m in doc.find_all("meta") if "content" in m.attrs]
    assert metas == [("url[content]", "sub/t/"),   # the thread page, from the site root
                     ("title[content]", "Title <b>bold</b> & more"), ("tag[content]", "a&b"),
                     ("tag[content]", "x"), ("author[content]", "ana"),
                     ("author[content]", "bo")]
    assert doc.find("h1").text == "Title <b>bold</b> & more"
    heads = [(h.attrs["id"], h.text) for h in doc.find_all("h2")]
    assert heads == [("c-1", "ana"), ("c-k~2F2", "bo")]   # the deleted one has nothing to find
    assert [p.text for p in doc.find_all("p")] == ["opening post", "first", "second reply"]


def test_hostile_bodies_are_plain_text_in_the_documents():
    comments = [{"id": str(i), "author": v, "body": v} for i, v in enumerate(VECTORS)]
    text = json.dumps({"id": "h", "title": VECTORS[0], "tags": VECTORS[:3],
                       "comments": comments})
    for _, html in search.documents(load(text), "en"):
        tags = {el.tag for el in parse(html).iter()}
        assert tags <= {"#document", "html", "head", "meta", "body", "h1", "h2", "p"}, tags


def test_big_threads_are_split_into_documents_of_bounded_size():
    comments = [{"id": str(i), "author": "a", "body": f"word{i}"}
                for i in range(search.PART_COMMENTS * 2 + 1)]
    docs = list(search.documents(load(json.dumps({"id": "b", "title": "B",
                                                  "comments": comments})), "en"))
    assert [p for p, _ in docs] == ["t/search-0.html", "t/search-1.html", "t/search-2.html"]
    heads = [len(parse(html).find_all("h2")) for _, html in docs]
    assert heads == [search.PART_COMMENTS, search.PART_COMMENTS, 1]
    assert all(parse(html).find("meta", **{"data-pagefind-meta": "title[content]"})
               for _, html in docs)


def test_shards_grow_in_powers_of_two_and_keep_threads_apart(monkeypatch):
    monkeypatch.setattr(search, "SHARD_COMMENTS", 10)
    threads = [(f"t{i}.yaml", f"h{i}", 4) for i in range(20)]   # 100 comments and posts
    shards = search.plan(threads, "spec")
    assert 1 < len(shards) <= 16
    keys = [k for s in shards for k in s.docs]
    assert sorted(keys) == sorted(search.doc_key("spec", h) + "/0" for _, h, _ in threads)
    again = search.plan(reversed(threads), "spec")
    assert again == shards
    changed = search.plan([*threads[:-1], ("t19.yaml", "new", 4)], "spec")
    assert len({s.name for s in shards} - {s.name for s in changed}) == 1
    assert search.plan(threads, "other spec")[0].name != shards[0].name


def test_a_thread_bigger_than_a_shard_is_spread_over_several(monkeypatch):
    monkeypatch.setattr(search, "SHARD_COMMENTS", 1000)
    big = 20 * search.PART_COMMENTS * 10   # 20,000 comments: 200 documents
    shards = search.plan([("big.yaml", "h", big), ("small.yaml", "s", 3)], "spec")
    assert len(shards) == 32
    assert max(len(s.docs) for s in shards) < 20
    docs = sorted(d for s in shards for d in s.docs)
    assert len(docs) == len(set(docs)) == 201


def test_search_page_box_and_bundles(tmp_path):
    site = make_site(tmp_path / "s", {"t.json": THREAD})
    assert build_site(site, quiet=True) == 0
    out = site / "output"
    page = parse_file(out / routes.SEARCH_PAGE)
    box = page.find("div", id="search")
    bundles = json.loads(box.attrs["data-bundles"])
    assert len(bundles) == 1 and bundles[0].startswith("../pagefind/")
    assert (out / "search" / bundles[0] / "pagefind-entry.json").is_file()
    scripts = [s.attrs["src"] for s in page.find_all("script")]
    assert scripts == [bundles[0] + "pagefind-ui.js", "../static/search.js"]
    assert (out / "static" / "search.js").is_file()
    assert page.find("noscript") is not None
    for path in (out / "t" / "index.html", out / "index.html", out / "t" / "c" / "1" / "index.html"):
        form = parse_file(path).find("form", role="search")
        assert form is not None and form.find("input", name="q") is not None
        target = (path.parent / form.attrs["action"] / "index.html").resolve()
        assert target == (out / routes.SEARCH_PAGE).resolve()


def test_search_false_leaves_no_index_page_or_box(tmp_path):
    site = make_site(tmp_path / "s", {"t.json": THREAD}, "search: false\n")
    assert build_site(site, quiet=True) == 0
    out = site / "output"
    assert not (out / routes.SEARCH_INDEX).exists() and not (out / "search").exists()
    assert parse_file(out / "t" / "index.html").find("form", role="search") is None
    assert not list((site / ".threadpress" / "build").glob("*.search"))


def test_offline_box_names_the_search_page_file(tmp_path):
    site = make_site(tmp_path / "s", {"t.json": THREAD}, "offline: true\n")
    assert build_site(site, quiet=True) == 0
    form = parse_file(site / "output" / "t" / "index.html").find("form", role="search")
    assert form.attrs["action"] == "../search/index.html"


def test_a_failing_indexer_is_a_message_naming_the_setting(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(search, "_pagefind", lambda src, out: "Pagefind is not installed "
                        "(pip install 'pagefind[bin]')")
    site = make_site(tmp_path / "s", {"t.json": THREAD})
    assert build_site(site, quiet=True) == 1
    err = capsys.readouterr().err
    assert "Pagefind is not installed" in err and "search: false" in err
    assert "threadpress.yaml" in err and "Traceback" not in err
    assert not (site / "output").exists()


def test_the_index_is_deterministic(tmp_path):
    site = make_site(tmp_path / "s", {"t.json": THREAD, "u.json": THREAD.replace('"t1"', '"u"')})
    trees = []
    for name in ("a", "b"):
        assert build_site(site, output=tmp_path / name, quiet=True, clean=True) == 0
        root = tmp_path / name / routes.SEARCH_INDEX
        trees.append({p.relative_to(root).as_posix(): p.read_bytes()
                      for p in sorted(root.rglob("*")) if p.is_file()})
    assert trees[0] == trees[1] and any("filter/" in k for k in trees[0])
