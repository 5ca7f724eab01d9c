"""The `board` theme: an imageboard-style view of a thread (No.<id>, {depth}, replies(N), [source]).

Builds a small site with `theme: board` and reads the pages back with a stdlib HTML parser.
"""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest

from threadpress.anchors import encode_id
from threadpress.cli import main

HN = "https://news.ycombinator.com/item?id="

THREAD = """\
title: "Board test: a thread with depth"
url: https://www.example.com/posts/1
source: https://news.ycombinator.com/item?id=100
author: op
created: 2026-03-14T08:00:00Z
points: 42
comments:
  - id: 101
    author: alice
    created: 2026-03-14T08:31:05Z
    body: |
      > a quoted line

      See the spec [1].

      [1] https://example.com/spec
    replies:
      - id: 102
        author: op
        created: 2026-03-14T08:40:00Z
        body: ">>101 agreed"
        replies:
          - id: 103
            author: bob
            body: depth two
            replies:
              - id: 104
                author: carol
                body: depth three
                replies:
                  - id: 105
                    author: dan
                    body: depth four, quoting >>103
                    replies:
                      - id: 106
                        author: erin
                        body: depth five
              - id: 107
                author: frank
                body: also depth three
      - id: 108
        deleted: true
        replies:
          - id: 109
            author: gil
            body: reply to a deleted comment
  - id: "a b/é"
    author: hana
    url: https://example.org/comments/xyz
    body: a string id, with its own url
  - id: tx1
    author: ivo
    body: a string id without a url
"""

# id → (depth, parent) in pre-order, as the thread above is written
EXPECTED = {
    "101": (0, None), "102": (1, "101"), "103": (2, "102"), "104": (3, "103"),
    "105": (4, "104"), "106": (5, "105"), "107": (3, "103"), "108": (1, "101"),
    "109": (2, "108"), "a b/é": (0, None), "tx1": (0, None),
}
ORDER = list(EXPECTED)
CHILDREN = {cid: [k for k, (_, p) in EXPECTED.items() if p == cid] for cid in EXPECTED}

OTHER = """\
title: Not from Hacker News
source: https://forum.example.org/t/5
comments:
  - id: 1
    author: x
    body: numeric id, but the source is not Hacker News
"""


# --- a small DOM from the stdlib parser -----------------------------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


class Node:
    def __init__(self, tag: str, attrs: dict[str, str], parent: "Node | None") -> None:
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Node | str] = []

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def iter(self):
        for c in self.children:
            if isinstance(c, Node):
                yield c
                yield from c.iter()

    def find_all(self, tag: str | None = None, cls: str | None = None) -> list["Node"]:
        return [n for n in self.iter()
                if (tag is None or n.tag == tag) and (cls is None or cls in n.classes)]

    def find(self, tag: str | None = None, cls: str | None = None) -> "Node | None":
        found = self.find_all(tag, cls)
        return found[0] if found else None

    def by_id(self, ident: str) -> "Node | None":
        return next((n for n in self.iter() if n.attrs.get("id") == ident), None)

    def ancestors(self):
        n = self.parent
        while n is not None:
            yield n
            n = n.parent


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {}, None)
        self.cur = self.root

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {k: v or "" for k, v in attrs}, self.cur)
        self.cur.children.append(node)
        if tag not in VOID:
            self.cur = node

    def handle_startendtag(self, tag, attrs):
        self.cur.children.append(Node(tag, {k: v or "" for k, v in attrs}, self.cur))

    def handle_endtag(self, tag):
        n = self.cur
        while n is not None and n.tag != tag:
            n = n.parent
        assert n is not None and n.parent is not None, f"stray </{tag}>"
        assert n is self.cur, f"</{tag}> closes <{self.cur.tag}> too: markup is not well nested"
        self.cur = n.parent

    def handle_data(self, data):
        self.cur.children.append(data)


def parse(path: Path) -> Node:
    b = _Builder()
    b.feed(path.read_text(encoding="utf-8"))
    b.close()
    assert b.cur is b.root, f"unclosed <{b.cur.tag}> in {path}"
    return b.root


def squash(s: str) -> str:
    return " ".join(s.split())


# --- the site -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("board")
    (root / "content").mkdir()
    (root / "threadpress.yaml").write_text("title: Board\ntheme: board\n", encoding="utf-8")
    (root / "content" / "deep.yaml").write_text(THREAD, encoding="utf-8")
    (root / "content" / "other.yaml").write_text(OTHER, encoding="utf-8")
    assert main(["build", str(root), "-o", str(root / "out"), "-q", "-j", "1"]) == 0
    return root / "out"


@pytest.fixture(scope="module")
def page(site) -> Node:
    return parse(site / "deep" / "index.html")


def comments(doc: Node) -> dict[str, Node]:
    return {n.attrs["id"]: n for n in doc.find_all("article", "comment")}


def meta(article: Node) -> Node:
    head = article.find("header", "pi")
    assert head is not None
    return head


def test_stylesheet_and_static(site, page):
    links = [n.attrs["href"] for n in page.find_all("link") if n.attrs.get("rel") == "stylesheet"]
    assert links == ["../static/board.css"]
    assert (site / "static" / "board.css").is_file()


def test_thread_header(page):
    head = page.find("header", "thread-head")
    title = head.find("h1")
    assert title.find("a").attrs["href"] == "https://www.example.com/posts/1"
    assert title.find("span", "domain").text() == "(example.com)"
    sub = squash(head.find("p", "subtext").text())
    assert "42 points" in sub and "by op" in sub and f"{len(EXPECTED)} comments" in sub
    source = head.find("a", "source")
    assert source.text() == "[source]" and source.attrs["href"] == HN + "100"


def test_comments_in_preorder_with_anchors_and_permalinks(page):
    arts = page.find("section", "comments").find_all("article", "comment")
    assert [a.attrs["id"] for a in arts] == ["c-" + encode_id(i) for i in ORDER]
    for cid, art in zip(ORDER, arts):
        no = meta(art).find("a", "no")
        assert no.text() == f"No.{cid}"
        assert no.attrs["href"] == f"c/{encode_id(cid)}/"
    assert encode_id("a b/é") == "a~20b~2F~C3~A9"


def test_metadata_order(page):
    art = comments(page)["c-101"]
    kids = [n for n in meta(art).children if isinstance(n, Node)]
    classes = [next(iter(n.classes & {"name", "dt", "no", "src"}), None) for n in kids]
    assert [c for c in classes if c] == ["name", "dt", "no", "src"]
    time = meta(art).find("time")
    assert time.attrs["datetime"] == "2026-03-14T08:31:05Z"
    assert time.attrs["title"] == "2026-03-14 08:31" and time.text() == "2026-03-14"


def test_depth_marks_exactly_from_depth_three(page):
    arts = comments(page)
    for cid, (depth, parent) in EXPECTED.items():
        art = arts["c-" + encode_id(cid)]
        mark = meta(art).find("span", "depth")
        assert art.attrs["data-depth"] == str(depth)
        assert art.attrs["style"] == f"--d:{min(depth, 3)}"   # indentation stops at 3 levels
        if depth >= 3:
            assert mark is not None and mark.text() == f"{{{depth}}}", cid
            # the mark follows the number; as in the seed's view, no >>link to the parent
            kids = [n for n in meta(art).children if isinstance(n, Node)]
            assert kids.index(mark) == kids.index(meta(art).find("a", "no")) + 1
        else:
            assert mark is None, cid
        assert meta(art).find("a", "parent") is None


def test_replies_lines(page):
    arts = comments(page)
    for cid, kids in CHILDREN.items():
        line = arts["c-" + encode_id(cid)].find("p", "replies")
        if not kids:
            assert line is None, cid
            continue
        assert line.text().startswith(f"replies({len(kids)}):"), cid
        # `>>ID #` per reply: its place on this page, then its permalink
        assert squash(line.text()) == f"replies({len(kids)}): " + " ".join(
            f">>{k} #" for k in kids)
        links = [a for a in line.find_all("a") if "perma" not in a.classes]
        assert [a.text() for a in links] == [f">>{k}" for k in kids]
        assert [a.attrs["href"] for a in links] == [f"#c-{encode_id(k)}" for k in kids]
        for a in links:   # each target exists on the page
            assert page.by_id(a.attrs["href"][1:]) is not None
        assert [a.attrs["href"] for a in line.find_all("a", "perma")] == [
            f"c/{encode_id(k)}/" for k in kids]


def test_quoted_by_lists_only_quotes_that_are_not_replies(page):
    arts = comments(page)
    assert arts["c-101"].find("p", "quoted") is None        # 102 quotes 101 but is its reply
    quoted = arts["c-103"].find("p", "quoted")              # 105 quotes 103 from further down
    assert [a.attrs["href"] for a in quoted.find_all("a")] == ["#c-105"]


def test_source_links(site, page):
    arts = comments(page)
    for cid in EXPECTED:
        src = meta(arts["c-" + encode_id(cid)]).find("a", "src")
        if cid.isdigit():                  # Hacker News ids: built from the thread's source
            assert src.attrs["href"] == HN + cid and src.text() == "[source]"
        elif cid == "a b/é":               # its own url
            assert src.attrs["href"] == "https://example.org/comments/xyz"
        else:
            assert src is None
    other = comments(parse(site / "other" / "index.html"))
    assert meta(other["c-1"]).find("a", "src") is None     # numeric id, not Hacker News


def test_bodies_quotes_quotelinks_footnotes_deleted(page):
    arts = comments(page)
    body = arts["c-101"].find("div", "body")
    # the quote mark is text, so a copied quote keeps it
    assert squash(body.find("blockquote").text()) == "> a quoted line"
    assert body.find("blockquote").find("span", "qm").text() == "> "
    assert "See the spec [1]." in body.text() and "[1] https://example.com/spec" in body.text()
    q = arts["c-102"].find("a", "quotelink")
    assert q.text() == ">>101" and q.attrs["href"] == "#c-101"
    gone = arts["c-108"]
    assert "deleted" in gone.classes
    assert meta(gone).find("span", "name").text() == "[deleted]"
    assert meta(gone).find("a", "no").text() == "No.108"


def test_branches_fold_without_js(page):
    section = page.find("section", "comments")
    # no code at all: the one script element is JSON-LD, data for search engines
    assert not section.find_all("script")
    assert [s.attrs.get("type") for s in page.find_all("script")] == ["application/ld+json"]
    branches = section.find_all("details", "branch")
    assert len(branches) == sum(1 for k in CHILDREN.values() if k)
    # every reply sits inside the <details> that follows its parent
    for cid, (_, parent) in EXPECTED.items():
        art = section.by_id("c-" + encode_id(cid))
        folds = [n for n in art.ancestors() if n.tag == "details"]
        assert bool(folds) == (parent is not None)


def comment_page(site: Path, cid: str) -> Node:
    return parse(site / "deep" / "c" / encode_id(cid) / "index.html")


def test_comment_page_back_link_first(site):
    doc = comment_page(site, "106")
    main_ = doc.find("main")
    first = next(n for n in main_.children if isinstance(n, Node))
    assert "back" in first.classes
    back = first.find("a")
    assert back.text() == "← back to thread" and back.attrs["href"] == "../../#c-106"


@pytest.mark.parametrize("cid", ["106", "101", "a b/é"])
def test_comment_page_has_the_thread_header(site, cid):
    """The seed's view: above the chain, the thread's title with its domain, points, submitter
    and comment count, as on the thread page, with links that work from the comment page."""
    doc, thread = comment_page(site, cid), parse(site / "deep" / "index.html")
    head, on_thread = doc.find("header", "thread-head"), thread.find("header", "thread-head")
    assert head is not None
    title = head.find("h1", "title")
    assert title.find("a").text() == "Board test: a thread with depth"
    assert title.find("a").attrs["href"] == "https://www.example.com/posts/1"
    assert title.find("span", "domain").text() == "(example.com)"
    assert head.find("span", "points").text() == "42 points"
    assert head.find("span", "by").find("span", "name").text() == "op"
    count = head.find("a", "count")
    assert count.text() == "11 comments" and count.attrs["href"] == "../../#comments"
    assert head.find("a", "source").attrs["href"] == "https://news.ycombinator.com/item?id=100"
    assert squash(head.text()) == squash(on_thread.text())
    # the header comes before the context section
    main_ = doc.find("main")
    order = [n for n in main_.iter() if n is head or "context" in n.classes]
    assert order[0] is head


@pytest.mark.parametrize("cid", ["106", "104", "103", "101", "109", "a b/é"])
def test_comment_page_context_chain(site, cid):
    doc = comment_page(site, cid)
    ctx = doc.find("section", "context")
    thread = comments(parse(site / "deep" / "index.html"))
    chain = []
    p = EXPECTED[cid][1]
    while p is not None:
        chain.insert(0, p)
        p = EXPECTED[p][1]
    details = ctx.find("details", "chain")
    if chain:
        assert details is not None and "open" in details.attrs   # shown; folds on a click
        assert "Hide context" in details.find("summary").text()
        assert details.find_all("li") == []   # no excerpts: every ancestor whole
        arts = details.find_all("article", "comment")
        assert [a.attrs["id"] for a in arts] == ["c-" + encode_id(a) for a in chain]
        for art, a in zip(arts, chain):
            depth = EXPECTED[a][0]
            assert art.attrs["data-depth"] == str(depth) and "current" not in art.classes
            # its body whole, as on the thread page
            assert squash(art.find("div", "body").text()) == squash(
                thread["c-" + encode_id(a)].find("div", "body").text())
            head = meta(art)
            assert head.find("a", "no").text() == f"No.{a}"
            assert head.find("a", "no").attrs["href"] == f"../../c/{encode_id(a)}/"
            mark = head.find("span", "depth")
            assert (mark.text() if mark else None) == ("{%d}" % depth if depth >= 3 else None)
            assert head.find("a", "src").attrs["href"] == HN + a
            line = art.find("p", "replies")
            assert line.text().startswith(f"replies({len(CHILDREN[a])}):")
            assert [x.text() for x in line.find_all("a") if "perma" not in x.classes] == [
                f">>{k}" for k in CHILDREN[a]]
            assert [x.attrs["href"] for x in line.find_all("a") if "perma" not in x.classes] == [
                f"../../#c-{encode_id(k)}" for k in CHILDREN[a]]
    else:
        assert details is None
    # after the chain: the comment itself, highlighted, then its replies as excerpts
    arts = [a for a in ctx.find_all("article", "comment") if details is None
            or a not in details.find_all("article")]
    assert [a.attrs["id"] for a in arts] == ["c-" + encode_id(cid)] and "current" in arts[0].classes
    replies = ctx.find("ol", "reply-list")
    assert ([li.find("a").attrs["href"] for li in replies.find_all("li")] if replies else []) == [
        f"../../c/{encode_id(k)}/" for k in CHILDREN[cid]]
    # the comment itself is numbered 1., as in the seed's view; nothing else is
    assert meta(arts[0]).find("span", "ordinal").text() == "1."
    assert len(ctx.find_all("span", "ordinal")) == 1
    if CHILDREN[cid]:
        line = arts[0].find("p", "replies")
        assert [a.attrs["href"] for a in line.find_all("a") if "perma" not in a.classes] == [
            f"../../#c-{encode_id(k)}" for k in CHILDREN[cid]]
        assert [a.attrs["href"] for a in line.find_all("a", "perma")] == [
            f"../../c/{encode_id(k)}/" for k in CHILDREN[cid]]


def test_comment_page_chain_stops_at_context_depth(tmp_path):
    """`context_depth` caps the chain: the nearest ancestors whole, and a link further up."""
    (tmp_path / "content").mkdir()
    (tmp_path / "threadpress.yaml").write_text("theme: board\ncontext_depth: 2\n")
    (tmp_path / "content" / "deep.yaml").write_text(THREAD, encoding="utf-8")
    assert main(["build", str(tmp_path), "-o", str(tmp_path / "out"), "-q", "-j", "1"]) == 0
    doc = comment_page(tmp_path / "out", "106")
    details = doc.find("details", "chain")
    assert [a.attrs["id"] for a in details.find_all("article", "comment")] == ["c-104", "c-105"]
    more = details.find("p", "more-above")
    assert more.text().startswith("3 earlier comments not shown")
    assert [a.attrs["href"] for a in more.find_all("a")] == ["../../c/103/", "../../c/101/"]


def test_comment_page_links_lead_to_the_thread_page(site):
    doc = comment_page(site, "102")
    current = next(a for a in doc.find_all("article") if "current" in a.classes)
    assert current.find("a", "quotelink").attrs["href"] == "../../#c-101"
    assert meta(current).find("a", "no").attrs["href"] == "../../c/102/"


def test_index_lists_threads(site):
    doc = parse(site / "index.html")
    titles = [a.text() for a in doc.find("ol", "threads").find_all("a", "title")]
    # index_order newest: the thread with a time first, the one without last
    assert titles == ["Board test: a thread with depth", "Not from Hacker News"]


def test_without_comment_pages_the_number_links_the_anchor(tmp_path):
    (tmp_path / "content").mkdir()
    (tmp_path / "threadpress.yaml").write_text("theme: board\ncomment_pages: false\n")
    (tmp_path / "content" / "deep.yaml").write_text(THREAD, encoding="utf-8")
    assert main(["build", str(tmp_path), "-o", str(tmp_path / "out"), "-q", "-j", "1"]) == 0
    assert not (tmp_path / "out" / "deep" / "c").exists()
    arts = comments(parse(tmp_path / "out" / "deep" / "index.html"))
    for cid in EXPECTED:
        enc = encode_id(cid)
        assert meta(arts["c-" + enc]).find("a", "no").attrs["href"] == f"#c-{enc}"


def test_theme_from_the_command_line(tmp_path):
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "other.yaml").write_text(OTHER, encoding="utf-8")
    assert main(["build", str(tmp_path), "--theme", "board", "-o", str(tmp_path / "out"), "-q"]) == 0
    doc = parse(tmp_path / "out" / "other" / "index.html")
    assert meta(comments(doc)["c-1"]).find("a", "no").text() == "No.1"


def test_quote_marks_are_text_one_per_level_never_a_double_mark():
    from dom import parse as dom_parse
    from threadpress.render.bodies import render
    from threadpress.render.quotemarks import quote_marks

    html = render("> outer *line*\n> second\n>\n> > inner\n\nafter", "text", lambda _: False)
    doc = dom_parse(str(quote_marks(html)))
    marks = [m.text for m in doc.find_all("span", cls="qm")]
    assert marks == ["> ", "> ", "> > "]      # outer, outer after <br>, inner: never ">>"
    assert ["".join(p.text.split()) for p in doc.find_all("p")] == [
        ">outer*line*>second", ">>inner", "after"]   # (whitespace aside)
    html = render("<blockquote><p><em>said</em> before</p></blockquote><p>x</p>", "html",
                  lambda _: False)
    doc = dom_parse(str(quote_marks(html)))
    assert doc.find("blockquote").text == "> said before"
    assert doc.find("span", cls="qm").parent.tag == "p"   # before the <em>, not inside it


def test_the_opening_posts_quotes_have_marks_too(tmp_path):
    (tmp_path / "content").mkdir()
    (tmp_path / "threadpress.yaml").write_text("theme: board\n")
    (tmp_path / "content" / "t.yaml").write_text(
        "title: T\nbody: |\n  > asked before\n  > > and before that\n\n  So?\n", encoding="utf-8")
    assert main(["build", str(tmp_path), "-q"]) == 0
    opening = parse(tmp_path / "output" / "t" / "index.html").find("div", "opening")
    assert [m.text() for m in opening.find_all("span", "qm")] == ["> ", "> > "]
