"""The build engine: incremental rebuilds equal cold builds, the state is never trusted blindly,
the output is never partial, and routes that collide are errors."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dom import parse_file
from support import diagnostics
from threadpress import routes, search, state
from threadpress.build import build_site
from threadpress.errors import ThreadpressError
from threadpress.state import state_file



def thread_text(title: str, comments: int, body: str = "hello", tags: tuple[str, ...] = (),
                who: str = "u") -> str:
    lines = [f"title: {title!r}", f"tags: [{', '.join(tags)}]", "comments:"]
    for i in range(comments):
        parent = f", parent: '{i // 2}'" if i else ""
        lines.append(f"  - {{id: '{i}', author: {who}{i % 3}, body: '{body} {i}'{parent}, "
                     f"created: '2024-01-{1 + i % 28:02d}T00:00:00Z'}}")
    return "\n".join(lines if comments else lines[:2]) + "\n"


def tree_bytes(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def cold(site: Path, tmp: Path) -> dict[str, bytes]:
    out = tmp / "cold"
    assert build_site(site, output=out, quiet=True, clean=True) == 0
    return tree_bytes(out)


# --- random edit sequences: the incremental output always equals a cold build ---------------

EDITS = st.lists(st.tuples(
    st.sampled_from(["add", "change", "delete", "rename", "touch", "config", "template",
                     "untemplate", "slug", "redact", "unredact", "alias", "link", "tags", "authors",
                     "unindex", "nest", "alias-into", "sneak"]),
    st.integers(0, 5), st.integers(0, 6)), min_size=1, max_size=6)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=EDITS)
def test_incremental_builds_equal_cold_builds_after_any_edits(tmp_path_factory, monkeypatch,
                                                               edits):
    monkeypatch.setattr(search, "SHARD_COMMENTS", 6)   # several search shards, even here
    # a file system with exact times: a stat that matches decides alone, so what it compares
    # is under test ("sneak": a same-size edit whose mtime is put back must still be seen)
    monkeypatch.setattr(state, "RACY_NS", -10**18)
    tmp = tmp_path_factory.mktemp("inc")
    site = tmp / "site"
    content = site / "content"
    (content / "sub").mkdir(parents=True)
    for i in range(3):
        (content / f"t{i}.yaml").write_text(thread_text(f"T{i}", 3 + i))
    # with base_url: the sitemaps (and feeds) are part of what must match
    (site / "threadpress.yaml").write_text("base_url: https://ex.org/r/\n")
    assert build_site(site, quiet=True) == 0
    for kind, which, n in edits:
        _apply(site, kind, which, n)
        assert build_site(site, quiet=True) == 0, (kind, which, n)
        assert tree_bytes(site / "output") == cold(site, tmp), (kind, which, n)


def _apply(site: Path, kind: str, which: int, n: int) -> None:
    content = site / "content"
    files = sorted(p for p in content.rglob("*.yaml"))
    target = files[which % len(files)] if files else None
    if kind == "add" or target is None:
        (content / "sub" / f"new{which}-{n}.yaml").write_text(thread_text(f"New {n}", n))
    elif kind == "change":
        target.write_text(thread_text(f"Changed {n}", n, body=f"edit{n}"))
    elif kind == "delete":
        target.unlink()
    elif kind == "rename":
        target.rename(target.with_name(f"renamed-{n}-{target.name}"))
    elif kind == "touch":
        os.utime(target, ns=(time.time_ns(), time.time_ns()))
    elif kind == "config":
        (site / "threadpress.yaml").write_text(
            f"title: Site {n}\ncomment_pages: {'true' if n % 2 else 'false'}\n"
            + ("base_url: https://ex.org/r/\n" if n % 3 else "")
            + f"search: {'false' if n % 3 == 2 else 'true'}\n")
    elif kind == "template":
        folder = site / "themes" / "default" / "templates"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "thread.html").write_text(
            '{% extends "default/thread.html" %}{% block title %}' + f"v{n} " +
            "{{ thread.t.title }}{% endblock %}")
    elif kind == "untemplate":
        (site / "themes" / "default" / "templates" / "thread.html").unlink(missing_ok=True)
    elif kind == "tags":        # tag pages gain, lose and change threads
        target.write_text(thread_text(target.stem, 3, tags=("x", f"t{n % 3}")[: n % 3]))
    elif kind == "authors":     # author pages gain and lose posts
        target.write_text(thread_text(target.stem, n, who=f"w{n % 2}"))
    elif kind == "slug":
        target.write_text(f"slug: moved/{target.stem}-{n}\n" + thread_text(f"Moved {n}", n))
    elif kind == "alias":
        target.write_text(f"slug: moved/{target.stem}-{n}\naliases: [old/{target.stem}]\n"
                          + thread_text(f"Aliased {n}", n))
    elif kind == "redact":   # a comment by thread and id, an author, a whole thread
        (site / "redactions.yaml").write_text(
            f"comments:\n  - {{thread: {target.stem}, id: '{n % 4}', reason: r{n}}}\n"
            f"authors:\n  - {{name: u{n % 3}}}\n"
            + (f"threads:\n  - {{thread: {target.stem}}}\n" if n % 2 else ""))
    elif kind == "link":   # an HN thread whose comments link to another HN item
        target.write_text(f"source: https://news.ycombinator.com/item?id={n}\n" + thread_text(
            f"Linked {n}", 1 + n % 3, body=f"see https://news.ycombinator.com/item?id={(n + 1) % 7}"))
    elif kind == "unredact":
        (site / "redactions.yaml").unlink(missing_ok=True)
    elif kind in ("nest", "alias-into"):   # a thread, or an alias, in another thread's folder
        other = files[(which + 1) % len(files)]
        key = target.relative_to(content).with_suffix("").as_posix().replace("/", "-")
        where = f"{_slug_of(other, content)}/{'n' if kind == 'nest' else 'was'}-{key}-{n}"
        target.write_text((f"slug: {where}\n" if kind == "nest" else f"aliases: [{where}]\n")
                          + thread_text(f"{kind} {n}", n))
    elif kind == "sneak":   # same size, new bytes, the old mtime put back: only ctime tells
        st = target.stat()
        data = target.read_bytes()
        at = data.index(b"title: '") + len(b"title: '")   # the title's first letter, recased
        target.write_bytes(data[:at] + data[at:at + 1].swapcase() + data[at + 1:])
        os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))
    elif kind == "unindex":   # the kept search documents and shards are lost
        for kept in (site / ".threadpress" / "build").glob("*.search"):
            for part in sorted(kept.iterdir())[: 1 + n % 2]:
                shutil.rmtree(part)


def _slug_of(path: Path, content: Path) -> str:
    """The slug a thread file of these tests gets: its `slug:` line, else its path."""
    first = path.read_text().split("\n", 1)[0]
    return first[len("slug: "):] if first.startswith("slug: ") else \
        path.relative_to(content).with_suffix("").as_posix()


def test_a_rebuild_renders_only_the_changed_thread(tmp_path, capsys):
    site = tmp_path / "s"
    (site / "content").mkdir(parents=True)
    for i in range(4):
        (site / "content" / f"t{i}.yaml").write_text(thread_text(f"T{i}", 5))
    assert build_site(site) == 0
    assert "(4 rendered, 0 reused)" in capsys.readouterr().err
    inode = (site / "output" / "t0" / "c" / "1" / "index.html").stat().st_ino
    (site / "content" / "t3.yaml").write_text(thread_text("T3", 6))
    assert build_site(site) == 0
    assert "(1 rendered, 3 reused)" in capsys.readouterr().err
    # the unchanged thread's pages were moved, not rewritten
    assert (site / "output" / "t0" / "c" / "1" / "index.html").stat().st_ino == inode
    assert build_site(site) == 0
    assert capsys.readouterr().err.startswith("nothing changed: 4 threads, 21 comments")


def test_the_state_is_discarded_when_corrupt_foreign_or_from_another_version(tmp_path, capsys):
    site = tmp_path / "s"
    (site / "content").mkdir(parents=True)
    (site / "content" / "a.yaml").write_text(thread_text("A", 3))
    assert build_site(site, quiet=True) == 0
    where = state_file(site, (site / "output").resolve())
    good = where.read_text()
    for bad in ("{not json", json.dumps({**json.loads(good), "version": "0.0.0-old"}),
                json.dumps({**json.loads(good), "threads": {"a.yaml": {"stat": 1}}})):
        where.write_text(bad)
        assert build_site(site) == 0
        err = capsys.readouterr().err
        assert "warning: build state" in err and "(1 rendered, 0 reused)" in err
    # an output replaced behind the build's back (another build id) is not trusted either
    assert build_site(site, quiet=True) == 0
    (site / "output" / routes.MARKER).write_text("This folder is built by threadpress\nbuild x\n")
    assert build_site(site) == 0
    assert "(1 rendered, 0 reused)" in capsys.readouterr().err


def test_output_deleted_parts_are_rebuilt(tmp_path):
    site = tmp_path / "s"
    (site / "content").mkdir(parents=True)
    (site / "content" / "a.yaml").write_text(thread_text("A", 3))
    assert build_site(site, quiet=True) == 0
    before = tree_bytes(site / "output")
    import shutil
    shutil.rmtree(site / "output" / "a" / "c")
    assert build_site(site, quiet=True) == 0
    assert tree_bytes(site / "output") == before


def test_clean_builds_cold(tmp_path, capsys):
    site = tmp_path / "s"
    (site / "content").mkdir(parents=True)
    (site / "content" / "a.yaml").write_text(thread_text("A", 3))
    assert build_site(site, quiet=True) == 0
    assert build_site(site, clean=True) == 0
    assert "(1 rendered, 0 reused)" in capsys.readouterr().err


# --- work by path, under every start method --------------------------------------------------

@pytest.mark.parametrize("method", ["spawn", "forkserver", "fork"])
def test_parallel_build_under_every_start_method(tmp_path, monkeypatch, method):
    site = tmp_path / "s"
    (site / "content").mkdir(parents=True)
    for i in range(6):
        (site / "content" / f"t{i}.yaml").write_text(thread_text(f"T{i}", 40, body="x" * 4000))
    serial = tmp_path / "serial"
    assert build_site(site, output=serial, quiet=True, jobs=1) == 0
    monkeypatch.setenv("THREADPRESS_START_METHOD", method)
    monkeypatch.setattr("threadpress.build.POOL_MIN_BYTES", 0)
    assert build_site(site, quiet=True, jobs=2, clean=True) == 0
    assert tree_bytes(site / "output") == tree_bytes(serial)


# --- the output is never partial -------------------------------------------------------------

def test_leftovers_of_killed_builds_are_removed_but_neighbours_kept(tmp_path):
    site = tmp_path / "s"
    (site / "content").mkdir(parents=True)
    (site / "content" / "a.yaml").write_text(thread_text("A", 2))
    neighbour = site / ".output.backup-2024"
    neighbour.mkdir()
    (neighbour / "keep.txt").write_text("mine")
    stale = site / ".output.threadpress-staging-1-deadbeef"
    stale.mkdir()
    (stale / routes.MARKER).write_text("staging")
    lookalike = site / ".output.threadpress-staging-2-cafe"   # no marker: not ours
    lookalike.mkdir()
    assert build_site(site, quiet=True) == 0
    assert (neighbour / "keep.txt").read_text() == "mine" and lookalike.is_dir()
    assert not stale.exists()
    assert sorted(p.name for p in site.iterdir() if p.name.startswith(".output.threadpress")) == [
        lookalike.name]


def test_a_commit_killed_half_way_is_restored_by_the_next_build(tmp_path):
    site = tmp_path / "s"
    (site / "content").mkdir(parents=True)
    for name in ("a", "b"):
        (site / "content" / f"{name}.yaml").write_text(thread_text(name, 3))
    assert build_site(site, quiet=True) == 0
    complete = tree_bytes(site / "output")
    # what a build killed between moving a reused thread and the swap leaves behind
    stage = site / ".output.threadpress-staging-99-feedface"
    (stage / "a").mkdir(parents=True)
    (stage / routes.MARKER).write_text("staging")
    os.replace(site / "output" / "a" / "c", stage / "a" / "c")
    (site / ".output.threadpress-journal").write_text(
        json.dumps({"stage": str(stage), "moved": ["a/c"]}))
    assert build_site(site, quiet=True) == 0
    assert tree_bytes(site / "output") == complete
    assert not stage.exists() and not (site / ".output.threadpress-journal").exists()


def test_two_builds_at_once_leave_a_complete_site(tmp_path):
    site = tmp_path / "s"
    (site / "content").mkdir(parents=True)
    for i in range(30):
        (site / "content" / f"t{i}.yaml").write_text(thread_text(f"T{i}", 30))
    script = textwrap.dedent(f"""
        import sys
        from pathlib import Path
        from threadpress.build import build_site
        sys.exit(build_site(Path({str(site)!r}), jobs=1, clean=True))
    """)
    procs = [subprocess.Popen([sys.executable, "-c", script], stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    results = [(p.wait(timeout=120), p.stderr.read()) for p in procs]
    assert [code for code, _ in results] == [0, 0], results
    assert sum("waiting for another build" in err for _, err in results) <= 1
    out = site / "output"
    assert len(list(out.glob("t[0-9]*/index.html"))) == 30 and (out / "index.html").is_file()
    assert [p.name for p in site.iterdir() if ".threadpress-" in p.name] == []


def test_a_killed_parallel_build_leaves_no_workers(tmp_path):
    site = tmp_path / "s"
    (site / "content").mkdir(parents=True)
    for i in range(40):
        (site / "content" / f"t{i}.yaml").write_text(thread_text(f"T{i}", 200, body="w " * 400))
    script = textwrap.dedent(f"""
        import sys, os
        from pathlib import Path
        import threadpress.build as b
        b.POOL_MIN_BYTES = 0
        sys.exit(b.build_site(Path({str(site)!r}), jobs=2, quiet=True))
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], start_new_session=True)
    deadline = time.monotonic() + 60
    children: list[int] = []
    while time.monotonic() < deadline and not children:
        time.sleep(0.2)
        children = _children(proc.pid)
    assert children, "the build never started its workers"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(c) for c in children):
        time.sleep(0.2)
    assert not any(_alive(c) for c in children)


def _children(pid: int) -> list[int]:
    try:
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True,
                             text=True).stdout
    except FileNotFoundError:
        pytest.skip("no ps")
    return [int(x) for x in out.split()]


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


# --- routes ----------------------------------------------------------------------------------

@pytest.mark.parametrize("slug, clash", [
    ("index.html", "the site itself"), ("404.html", "the site itself"),
    ("page/2", "the site itself"), ("static/style.css", "the site itself"),
    (".threadpress-output", "the site itself"), ("sitemap.xml", "the site itself"),
    ("a/thread.json", "inside the files of thread"), ("a/c/1", "inside the files of thread"),
    ("a/index.html", "inside the files of thread"), ("a", "also the slug of"),
])
def test_slugs_that_land_on_another_route_are_errors_in_check_and_build(tmp_path, slug, clash):
    site = tmp_path / "s"
    (site / "content").mkdir(parents=True)
    (site / "content" / "a.yaml").write_text(thread_text("A", 2))
    (site / "content" / "z.yaml").write_text(f"slug: {slug!r}\n" + thread_text("Z", 1))
    for verb in ("check", "build"):
        # the installed threadpress (as CI installs it), not the source folder
        proc = subprocess.run([sys.executable, "-m", "threadpress", verb, str(site)],
                              capture_output=True, text=True)
        assert proc.returncode == 1, (verb, proc.stderr)
        [line] = [ln for ln in proc.stderr.splitlines() if "error:" in ln]
        assert "z.yaml:1:7: error: slug:" in line and clash in line, line
        assert "Traceback" not in proc.stderr


def test_long_path_segments_are_shortened_stably(tmp_path):
    long_id = "<" + "x" * 290 + "@lists.example.org>"
    cjk = "討論" * 60   # 360 bytes of UTF-8
    site = tmp_path / "s"
    (site / "content").mkdir(parents=True)
    (site / "content" / "m.yaml").write_text(
        f"title: M\ncomments:\n  - {{id: {long_id!r}, body: a}}\n  - {{id: {cjk}, body: b}}\n")
    assert build_site(site, quiet=True) == 0
    pages = sorted(p.parent.name for p in (site / "output" / "m" / "c").glob("*/index.html"))
    assert len(pages) == 2 and all(len(p.encode()) <= 255 for p in pages)
    assert all("~~" in p for p in pages)
    assert routes.comment_segment(long_id) in pages
    # the thread page links to each comment's page, and the anchors keep their rule
    doc = parse_file(site / "output" / "m" / "index.html")
    hrefs = {a.attrs["href"] for a in doc.find_all("a", cls="permalink")}
    assert hrefs == {f"c/{p}/" for p in pages}
    assert routes.segment("short") == "short"


@pytest.mark.parametrize("theme", ["default", "board"])
def test_offline_output_links_files_never_folders(tmp_path, theme):
    """Opened from the disk, a link to a folder shows a directory listing: none may remain."""
    from test_build import check_links

    site = tmp_path / "s"
    (site / "content" / "sub").mkdir(parents=True)
    (site / "content" / "sub" / "a.yaml").write_text(thread_text("A", 9).replace(
        "body: 'hello 8'", "body: '>>3 hello 8'"))
    (site / "content" / "b.yaml").write_text(thread_text("B", 3))
    (site / "threadpress.yaml").write_text(f"theme: {theme}\nper_page: 1\ncontext_depth: 1\n")
    assert build_site(site, quiet=True, offline=True) == 0
    out = site / "output"
    assert check_links(out) == []
    for page in out.rglob("*.html"):
        if page.name == "404.html":
            continue
        for el in parse_file(page).iter():
            href = el.attrs.get("href", "") if el.tag == "a" else ""
            if href and "://" not in href and not href.startswith("#"):
                assert href.split("#")[0].endswith((".html", ".json", ".xml", ".svg", ".css")), \
                    (page.relative_to(out).as_posix(), href)
    assert routes.Links("https://x.org/r/").absolute("a b/index.html") == "https://x.org/r/a%20b/"


def test_an_error_inside_the_comment_macro_is_a_message_not_a_traceback(tmp_path):
    site = tmp_path / "s"
    (site / "content").mkdir(parents=True)
    (site / "content" / "a.yaml").write_text(thread_text("A", 2))
    folder = site / "themes" / "default" / "templates"
    folder.mkdir(parents=True)
    (folder / "_comment.html").write_text(
        "{% macro comment(v, thread, prefix, current=false) %}{{ v.no_such_field.x }}{% endmacro %}")
    proc = subprocess.run([sys.executable, "-m", "threadpress", "build", str(site)],
                          capture_output=True, text=True)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    [found] = [d for d in diagnostics(proc.stderr) if d["path"].endswith("_comment.html")]
    assert found["kind"] == "error" and found["line"] == 1   # placed in the template
    assert found["message"].startswith("template error:")
    assert not (site / "output").exists()


def test_a_changed_thread_reindexes_only_its_search_shard(tmp_path, monkeypatch):
    monkeypatch.setattr(search, "SHARD_COMMENTS", 8)
    indexed: list[list[str]] = []   # the documents of each Pagefind run
    run = search._pagefind
    monkeypatch.setattr(search, "_pagefind", lambda src, out: indexed.append(
        [p.relative_to(src).as_posix() for p in src.rglob("*.html")]) or run(src, out))
    site = tmp_path / "s"
    for i in range(8):
        (site / "content").mkdir(parents=True, exist_ok=True)
        (site / "content" / f"t{i}.yaml").write_text(thread_text(f"T{i}", 3))
    assert build_site(site, quiet=True) == 0
    bundles = {p.name for p in (site / "output" / routes.SEARCH_INDEX).iterdir()}
    assert len(bundles) == len(indexed) > 2
    indexed.clear()
    (site / "content" / "t5.yaml").write_text(thread_text("T5", 3, body="changed"))
    assert build_site(site, quiet=True) == 0
    after = {p.name for p in (site / "output" / routes.SEARCH_INDEX).iterdir()}
    assert len(indexed) == 1 and len(after - bundles) == 1 and len(bundles - after) == 1
    assert "t5/search-0.html" in indexed[0] and len(indexed[0]) < 8
    assert not (site / "output" / routes.SEARCH_INDEX / min(bundles - after)).exists()


@pytest.mark.parametrize("library", ["markdown", "nh3", "jinja2", "python"])
def test_a_new_version_of_a_library_that_shapes_pages_renders_every_thread_again(
        tmp_path, monkeypatch, library):
    """After `pip install -U nh3` (a security fix), no page made by the old version is reused:
    the spec key covers the versions of the libraries that shape the output."""
    from importlib import metadata

    from threadpress import build, tasks

    site = tmp_path / "site"
    (site / "content").mkdir(parents=True)
    for i in range(3):
        (site / "content" / f"t{i}.yaml").write_text(thread_text(f"T{i}", 2))
    first = build.build_outcome(site, site / "output", quiet=True, jobs=1)
    assert first.rendered == 3
    again = build.build_outcome(site, site / "output", quiet=True, jobs=1)
    assert again.unchanged and again.rendered == 0   # nothing changed: everything reused

    if library == "python":
        monkeypatch.setattr(tasks.sys, "version", tasks.sys.version + " (patched)")
    else:
        real = metadata.version
        monkeypatch.setattr(tasks.metadata, "version",
                            lambda name: "999.0" if name == library else real(name))
    upgraded = build.build_outcome(site, site / "output", quiet=True, jobs=1)
    assert (upgraded.rendered, upgraded.reused) == (3, 0)


def test_new_rules_for_the_sites_time_zone_render_every_thread_again(tmp_path, monkeypatch):
    from threadpress import build, tasks

    site = tmp_path / "site"
    (site / "content").mkdir(parents=True)
    (site / "content" / "t.yaml").write_text(thread_text("T", 2))
    (site / "threadpress.yaml").write_text("timezone: Europe/Berlin\n")
    assert build.build_outcome(site, site / "output", quiet=True, jobs=1).rendered == 1
    real = tasks.zone_data
    monkeypatch.setattr(tasks, "zone_data", lambda name: real(name) + b"(new rules)")
    assert build.build_outcome(site, site / "output", quiet=True, jobs=1).rendered == 1


# --- threads and aliases inside a kept thread's folder ---------------------------------------

def _nested_site(tmp: Path, nested: bool = True) -> Path:
    """Thread a; thread b at a/b, inside a's folder (if `nested`); thread z with an alias
    there, a/old."""
    site = tmp / "site"
    content = site / "content"
    content.mkdir(parents=True)
    (content / "a.yaml").write_text(thread_text("A", 3))
    if nested:
        (content / "b.yaml").write_text("slug: a/b\n" + thread_text("B", 2))
    (content / "z.yaml").write_text("aliases: [a/old]\n" + thread_text("Z", 2))
    assert build_site(site, quiet=True) == 0
    return site


EDITS_THERE = {
    "nested-deleted": lambda c: (c / "b.yaml").unlink(),
    "nested-changed": lambda c: (c / "b.yaml").write_text("slug: a/b\n" + thread_text("B", 5)),
    "alias-removed": lambda c: (c / "z.yaml").write_text(thread_text("Z", 2)),
    "alias-owner-changed": lambda c: (c / "z.yaml").write_text("aliases: [a/old]\n"
                                                               + thread_text("Z", 4)),
    "holder-changed": lambda c: (c / "a.yaml").write_text(thread_text("A", 4)),
}


@pytest.mark.parametrize("nested, edit", [(True, e) for e in EDITS_THERE] + [
    (False, e) for e in EDITS_THERE if not e.startswith("nested")])
def test_what_lives_in_a_kept_threads_folder_is_rebuilt_or_removed_with_its_own_thread(
        tmp_path, nested, edit):
    site = _nested_site(tmp_path, nested)
    EDITS_THERE[edit](site / "content")
    for _ in range(2):   # and the build after it: nothing stale or broken was left
        assert build_site(site, quiet=True) == 0
        assert tree_bytes(site / "output") == cold(site, tmp_path)


def test_a_reused_entry_that_cannot_be_moved_is_named(tmp_path, monkeypatch):
    site = _nested_site(tmp_path)
    (site / "content" / "z.yaml").write_text("aliases: [a/old]\n" + thread_text("Z", 4))
    real = os.replace

    def failing(src, dst):
        if Path(src).name == "a" and Path(src).parent.name == "output":
            raise OSError(39, "Directory not empty")
        return real(src, dst)

    monkeypatch.setattr(os, "replace", failing)
    monkeypatch.setattr("threadpress.build._shared_folders", lambda owners: set())
    with pytest.raises(ThreadpressError) as caught:   # the command line reports it, placed
        build_site(site, quiet=True)
    [found] = caught.value.diagnostics
    assert found.file == str(site / "output" / "a") and "cannot move" in found.message
    assert "not empty" in found.message
    monkeypatch.undo()
    assert build_site(site, quiet=True) == 0   # everything was put back: the next build works
    assert tree_bytes(site / "output") == cold(site, tmp_path)


def test_a_same_size_edit_with_its_mtime_put_back_is_seen(tmp_path, monkeypatch):
    monkeypatch.setattr(state, "RACY_NS", -10**18)   # the stat decides alone when it matches
    site = tmp_path / "site"
    (site / "content").mkdir(parents=True)
    for name in ("a", "b"):
        (site / "content" / f"{name}.yaml").write_text(thread_text(name.upper(), 2))
    assert build_site(site, quiet=True) == 0
    _apply(site, "sneak", 0, 0)
    assert build_site(site, quiet=True) == 0
    assert tree_bytes(site / "output") == cold(site, tmp_path)
    assert parse_file(site / "output" / "a" / "index.html").find("h1").text.strip() == "a"
