"""Nothing outside the site folder and the output is read, listed, moved, published or deleted,
whatever the build state folder, the commit journal or the output path holds (issue 26, class 3).

Each test puts a *decoy* folder outside the site (files, folders, a nested site-like tree) and
snapshots it, links and all, before and after: it must not change, and none of its bytes may
turn up in the output."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from xml.etree import ElementTree

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dom import parse_file
from test_build import make_site
from threadpress import search, state, taxonomies
from threadpress.build import build_site
from threadpress.cli import main
from threadpress.routes import MARKER, is_inside
from threadpress.write import Output, Staging

SECRET = b"decoy-secret-bytes"
BASE = "https://example.org/"


def thread(title: str, comments: int = 2) -> str:
    lines = [f"title: {title}", "tags: [t]", "comments:"]
    lines += [f"  - {{id: '{i}', author: al{i}, body: 'word {title} {i}', "
              f"created: '2024-01-0{1 + i}T00:00:00Z'}}" for i in range(comments)]
    return "\n".join(lines) + "\n"


THREADS = {"a.yaml": thread("alpha"), "b.yaml": thread("beta"), "n/c.yaml": thread("gamma")}


def make_decoy(root: Path) -> Path:
    """A folder outside the site, shaped like what a link in the state might be sent to."""
    decoy = root / "decoy"
    for rel in ("secret", "x/secret", "x/c/1/index.html", "shards/s1/pagefind-entry.json",
                "docs/k/a/search-0.html", MARKER, "c/9/index.html", "index.html"):
        path = decoy / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(SECRET + b" " + rel.encode())
    (decoy / "empty").mkdir()
    return decoy


def snapshot(root: Path) -> dict[str, object]:
    """Everything under `root`, links not followed: each path's kind and bytes or target."""
    seen: dict[str, object] = {}
    for here, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(here) / name
            rel = path.relative_to(root).as_posix()
            if path.is_symlink():
                seen[rel] = ("link", os.readlink(path))
            elif path.is_dir():
                seen[rel] = ("dir",)
            else:
                seen[rel] = ("file", path.read_bytes())
    return seen


def published(out: Path) -> list[str]:
    """Output files that hold any of the decoy's bytes (none may)."""
    return [p.relative_to(out).as_posix() for p in out.rglob("*")
            if p.is_file() and SECRET in p.read_bytes()]


@pytest.fixture
def world(tmp_path):
    """(site, output, decoy): a site with three threads, and a decoy folder beside it."""
    site = make_site(tmp_path / "site", THREADS, f"base_url: {BASE}\n")
    return site, site / "output", make_decoy(tmp_path)


def state_path(site: Path, out: Path) -> Path:
    return state.state_file(site, Output(out).path)


# --- a crafted journal ------------------------------------------------------------------------

def built(world, capsys) -> tuple[Path, Path, Path, dict]:
    site, out, decoy = world
    assert build_site(site, quiet=True) == 0
    capsys.readouterr()
    return site, out, decoy, snapshot(out)


def journals(out: Path, decoy: Path) -> dict[str, object]:
    """Journals a build could not have written, by what they try."""
    parent = out.parent
    beside = parent / f".{out.name}.threadpress-staging-1-deadbeef"   # our name, a link
    return {
        "stage is a link to the decoy": ({"stage": str(beside), "moved": ["secret", "x"]},
                                         lambda: beside.symlink_to(decoy)),
        "stage is a folder of the site": ({"stage": str(parent / "content"),
                                           "moved": ["a.yaml"]}, None),
        "stage is the decoy": ({"stage": str(decoy), "old": str(decoy), "moved": ["x"]}, None),
        "moved leaves the stage": ({"stage": "STAGE", "moved": [
            "../../decoy/secret", str(decoy / "secret"), "a/../../../decoy/x", "..", "",
            "x/./../../decoy"]}, None),
        "moved is a number": ({"stage": "STAGE", "moved": [5]}, None),
        "moved is not a list": ({"stage": "STAGE", "moved": "x"}, None),
        "moved holds a list": ({"stage": "STAGE", "moved": [["x"]]}, None),
        "moved is null": ({"stage": "STAGE", "moved": None}, None),
        "stage is a number": ({"stage": 7, "moved": []}, None),
        "old is a list": ({"stage": "STAGE", "old": ["x"], "moved": []}, None),
        "a list": (["STAGE"], None),
        "a link in the stage": ({"stage": "STAGE", "moved": ["in", "deep/in"]}, "links"),
        "a link in the output": ({"stage": "STAGE", "moved": ["linked/x"]}, "output link"),
    }


CASES = sorted(journals(Path("/o/output"), Path("/d")))


def plant(out: Path, decoy: Path, case: str) -> Path:
    """Write the case's journal (a real staging folder stands for STAGE); returns the stage."""
    stage = Output(out).new_folder("staging")
    entry, prepare = journals(out, decoy)[case]
    if prepare == "links":
        (stage / "in").symlink_to(decoy / "x")
        (stage / "deep").symlink_to(decoy)
    elif prepare == "output link":
        Staging(stage).write("linked/x", "mine")
        (out / "linked").symlink_to(decoy / "x")
    elif prepare:
        prepare()
    text = json.dumps(entry).replace('"STAGE"', json.dumps(str(stage)))
    Output(out).journal.write_text(text)
    return stage


@pytest.mark.parametrize("case", CASES)
def test_a_crafted_journal_moves_nothing_in_or_out(world, capsys, case):
    site, out, decoy, before = built(world, capsys)
    outside = snapshot(decoy)
    plant(out, decoy, case)
    assert build_site(site, quiet=True) == 0          # no traceback, and a complete site
    err = capsys.readouterr().err
    assert snapshot(decoy) == outside
    assert published(out) == []
    after = snapshot(out)
    assert {k: v for k, v in after.items() if k != "linked"} == \
        {k: v for k, v in before.items() if k != MARKER} | {MARKER: after[MARKER]}
    assert not Output(out).journal.exists()
    if "number" in case or "not a list" in case or "holds" in case or "null" in case \
            or case in ("a list", "old is a list"):
        assert "unreadable or corrupt build journal" in err
    if case in ("moved leaves the stage", "a link in the stage", "a link in the output"):
        assert "not moved" in err


@pytest.mark.parametrize("case", CASES)
def test_a_crafted_journal_with_no_output_brings_nothing_in(world, capsys, case):
    """Killed between the swap's two renames, a build leaves no output: the next one puts back
    one of its own folders, never a folder the journal names elsewhere."""
    site, out, decoy = world
    out.mkdir()
    plant(out, decoy, case)
    os.rename(out, out.with_name("gone"))
    outside = snapshot(decoy)
    Output(out).recover()
    assert snapshot(decoy) == outside
    if out.exists():
        assert not out.is_symlink() and (out / MARKER).is_file() and published(out) == []


PATHS = st.one_of(
    st.sampled_from(["..", "../decoy", "../../decoy/secret", "x/../../..", "/", "", ".",
                     "a//b", "x", "secret", "index.html", "c", "a/index.html", "\\..\\x"]),
    st.just("ABS"),
    st.text(alphabet="./\\x\x00a", max_size=12),
    st.integers(), st.none(), st.lists(st.text(max_size=3), max_size=2))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(moved=st.lists(PATHS, max_size=6), stage=st.sampled_from(["ours", "link", "decoy", "x"]),
       old=st.sampled_from([None, "ours", "decoy", 3]), output=st.booleans())
def test_recover_never_reaches_outside_the_outputs_own_folders(tmp_path_factory, moved, stage,
                                                               old, output):
    root = tmp_path_factory.mktemp("journal")
    decoy = make_decoy(root)
    out = Output(root / "out")
    live = out.new_folder("staging")
    Staging(live).write("a/index.html", "live")
    os.replace(live, out.path)
    ours = out.new_folder("staging")
    link = out.parent / f"{out.prefix}staging-9-abcdef12"
    link.symlink_to(decoy)
    where = {"ours": str(ours), "link": str(link), "decoy": str(decoy), "x": "x"}
    entry = {"stage": where[stage], "moved": [str(decoy / "secret") if m == "ABS" else m
                                             for m in moved]}
    if old is not None:
        entry["old"] = where.get(old, old) if isinstance(old, str) else old
    if not output:
        os.replace(out.path, root / "moved-away")
    outside = snapshot(decoy)
    out.journal.write_text(json.dumps(entry))
    out.recover()
    assert snapshot(decoy) == outside and not out.journal.exists()
    assert os.path.islink(link)
    if out.path.exists():
        assert not out.path.is_symlink() and published(out.path) == []


# --- links in the build state folder --------------------------------------------------------

def cache_spots(site: Path, out: Path) -> dict[str, Path]:
    where = state_path(site, out)
    index = search.folder(where)
    return {"shards": index / "shards", "docs": index / "docs", "search": index,
            "authors": where.with_suffix(""), "posts": where.with_suffix("") / "posts",
            "links map": where.with_suffix(".links.json"), "state": where,
            "lock": where.with_suffix(".lock"), "build": where.parent}


@pytest.mark.parametrize("spot", sorted(cache_spots(Path("s"), Path("s/o"))))
def test_a_link_in_the_state_folder_is_removed_never_followed_on_a_first_build(world, capsys,
                                                                              spot):
    site, out, decoy = world
    link = cache_spots(site, out)[spot]
    link.parent.mkdir(parents=True, exist_ok=True)
    target = decoy / ("secret" if spot in ("links map", "state", "lock") else ".")
    link.symlink_to(target)
    outside = snapshot(decoy)
    assert build_site(site) == 0
    err = capsys.readouterr().err
    assert snapshot(decoy) == outside
    assert published(out) == []
    assert "a symbolic link or special file in the build state folder; removed, not followed" \
        in err
    assert not link.is_symlink()
    assert build_site(site, quiet=True) == 0 and snapshot(decoy) == outside


def test_links_put_into_a_built_state_folder_are_not_followed(world, capsys):
    """Links at every level of the search cache and the side files, after a build."""
    site, out, decoy = world
    assert build_site(site, quiet=True) == 0
    spots = cache_spots(site, out)
    for folder in (spots["shards"], spots["docs"]):
        for child in list(folder.iterdir()):
            # a link deep inside each cached folder, and one in place of a whole folder
            inner = next((p for p in child.rglob("*") if p.is_file()), None)
            if inner is not None:
                inner.unlink()
                inner.symlink_to(decoy / "secret")
    first_side = sorted(spots["posts"].iterdir())[0]
    first_side.unlink()
    first_side.symlink_to(decoy / "secret")
    (spots["shards"] / "0000000000000000").symlink_to(decoy / "shards" / "s1")
    (spots["docs"] / "feedface").symlink_to(decoy / "docs")
    outside = snapshot(decoy)
    (site / "content" / "b.yaml").write_text(thread("beta changed"))
    assert build_site(site, quiet=True) == 0
    assert snapshot(decoy) == outside and published(out) == []
    assert build_site(site, quiet=True, clean=True) == 0
    assert snapshot(decoy) == outside and published(out) == []


def test_a_state_folder_that_is_a_link_is_refused_by_name(world, capsys):
    """`.threadpress` also holds the site's secret: a link there is not removed but refused."""
    site, out, decoy = world
    (site / ".threadpress").symlink_to(decoy)
    outside = snapshot(decoy)
    assert main(["build", str(site), "-q"]) == 1
    err = capsys.readouterr().err
    assert "the build state folder is a symbolic link or not a folder" in err
    assert ".threadpress" in err and "Traceback" not in err
    assert snapshot(decoy) == outside and not out.exists()


# --- an output path that is a link -------------------------------------------------------------

def test_an_output_link_is_built_through_and_kept(tmp_path, capsys):
    """`-o public`, public a link to a built site elsewhere (a Pages checkout): the site it
    leads to is rebuilt in place, the link stays a link to it, and nothing else changes."""
    site = make_site(tmp_path / "site", THREADS)
    pages = tmp_path / "pages"
    target = pages / "docs"
    pages.mkdir()
    (pages / "README.md").write_text("the Pages repository")
    assert build_site(site, output=target, quiet=True) == 0
    public = site / "public"
    public.symlink_to(target)
    neighbours = {k: v for k, v in snapshot(pages).items() if not k.startswith("docs")}
    for step in ("first", "again", "changed"):
        if step == "changed":
            (site / "content" / "a.yaml").write_text(thread("alpha changed"))
        assert build_site(site, output=public) == 0, step
        err = capsys.readouterr().err
        assert str(target) in err   # the summary line names where the site went
        assert public.is_symlink() and os.readlink(public) == str(target)
        assert {k: v for k, v in snapshot(pages).items() if not k.startswith("docs")} \
            == neighbours
        assert (target / MARKER).is_file() and (target / "a" / "index.html").is_file()
    assert "alpha changed" in parse_file(target / "a" / "index.html").text


def test_an_output_link_to_a_folder_threadpress_did_not_build_is_refused(world, capsys):
    site, out, decoy = world
    out.symlink_to(decoy / "x")
    outside = snapshot(decoy)
    assert main(["build", str(site), "-q"]) == 1
    err = capsys.readouterr().err
    assert f"refusing to replace {decoy / 'x'}" in err and "Traceback" not in err
    assert snapshot(decoy) == outside and out.is_symlink()


def test_an_output_link_that_loops_is_refused(world, capsys):
    site, out, decoy = world
    out.symlink_to(out)
    assert main(["build", str(site), "-q"]) == 1
    err = capsys.readouterr().err
    assert "is a symbolic link that leads to no folder" in err and "Traceback" not in err


def test_a_link_inside_the_output_is_not_moved_through(world, capsys):
    """A reused thread's folder replaced by a link to the decoy: the thread is rendered again,
    nothing is moved out of the decoy, and the retired output's deletion stays in it."""
    site, out, decoy = world
    assert build_site(site, quiet=True) == 0
    shutil.rmtree(out / "a")
    (out / "a").symlink_to(decoy / "x")
    shutil.rmtree(out / "n")
    (out / "n").symlink_to(decoy)
    outside = snapshot(decoy)
    assert build_site(site, quiet=True) == 0
    assert snapshot(decoy) == outside and published(out) == []
    assert not (out / "a").is_symlink() and (out / "a" / "index.html").is_file()


# --- a hand-edited state ----------------------------------------------------------------------

EDITS = {
    "slug up and out": lambda t: t["a.yaml"]["summary"].update(slug="../decoy"),
    "slug to the decoy's x": lambda t: t["a.yaml"]["summary"].update(slug="../../decoy/x"),
    "absolute slug": lambda t: t["a.yaml"]["summary"].update(slug="/DECOY/x"),
    "alias out": lambda t: t["a.yaml"]["summary"].update(aliases=["../../decoy"]),
    "entry out": lambda t: t["a.yaml"].update(entries=["../../decoy/x", "a/index.html"]),
    "absolute entry": lambda t: t["a.yaml"].update(entries=["/DECOY/x"]),
    "entry a number": lambda t: t["a.yaml"].update(entries=[5]),
    "slug a number": lambda t: t["a.yaml"]["summary"].update(slug=5),
    "title a list": lambda t: t["a.yaml"]["summary"].update(title=["x"]),
    "count a string": lambda t: t["a.yaml"]["summary"].update(count="3"),
    "tags a string": lambda t: t["a.yaml"]["summary"].update(tags="abc"),
    "stat short": lambda t: t["a.yaml"].update(stat=[1]),
    "warnings a dict": lambda t: t["a.yaml"].update(warnings={}),
    "rel out": lambda t: t.update({"../../decoy/x": t["a.yaml"]}),
    "naive time": lambda t: t["a.yaml"]["summary"].update(updated="2024-01-01T00:00:00"),
}


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_a_hand_edited_state_is_discarded_and_lists_nothing_outside(world, capsys, edit):
    site, out, decoy = world
    assert build_site(site, quiet=True) == 0
    fresh = snapshot(out)
    path = state_path(site, out)
    data = json.loads(path.read_text())
    EDITS[edit](data["threads"])
    path.write_text(json.dumps(data).replace("/DECOY", str(decoy)))
    outside = snapshot(decoy)
    assert build_site(site) == 0
    err = capsys.readouterr().err
    assert "is unreadable or corrupt; building cold" in err and "Traceback" not in err
    assert snapshot(decoy) == outside and published(out) == []
    locs = [el.text for el in ElementTree.parse(out / "sitemaps" / "1.xml").iter()
            if el.tag.endswith("}loc")]
    assert locs and all(loc.startswith(BASE) and ".." not in loc for loc in locs)
    assert not any(name in loc for loc in locs for name in ("secret", "decoy", "/9/"))
    assert snapshot(out).keys() == fresh.keys()


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=5), inner, max_size=3), max_leaves=8)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(where=st.sampled_from(["summary", "entry", "top"]),
       key=st.integers(0, 40) | st.text(max_size=6),
       value=JSON | st.sampled_from(["../x", "/etc", "a/../..", "..", "", "a/./b", "a\\b"]))
def test_a_state_with_any_value_changed_loads_or_is_discarded_never_raises(
        tmp_path_factory, where, key, value):
    root = tmp_path_factory.mktemp("state")
    output = root / "output"
    output.mkdir()
    path = state.state_file(root, output)
    st_ = state.State("spec", "b1", {"a/b.yaml": _entry()})
    (output / MARKER).write_text(state.marker_text("b1"))
    state.save(path, output, st_)
    data = json.loads(path.read_text())
    one = data["threads"]["a/b.yaml"]
    target = {"summary": one["summary"], "entry": one, "top": data}[where]
    names = sorted(target)
    target[names[key % len(names)] if isinstance(key, int) else key] = value
    path.write_text(json.dumps(data))
    loaded, warning = state.load(path, output, "spec")
    for rel, e in loaded.threads.items():
        assert is_inside(rel) and all(is_inside(x) for x in e.entries)
        for slug in (e.summary.slug, *e.summary.aliases):
            assert isinstance(slug, str) and is_inside(slug) and ".." not in slug.split("/")
        assert all(isinstance(x, str) for x in (e.summary.title, e.hash, *e.wants))
    assert warning is None or warning.endswith("building cold")


def _entry() -> state.Entry:
    from datetime import datetime, timezone

    from threadpress.model import Summary

    t = datetime(2024, 1, 1, tzinfo=timezone.utc)
    return state.Entry((1, 2, 3), "h", Summary(slug="a/b", file="content/a/b.yaml", id="t",
                                               title="T", created=t, updated=t, tags=("x",),
                                               aliases=("old",), count=1),
                       ["a/b/index.html", "a/b/c"], 2, 10, [], [("k", "c")], ["w"], "d")


def test_a_link_in_place_of_the_preview_output_is_removed_not_built_through(world, capsys):
    """serve builds into .threadpress/serve: a link there, to a site built elsewhere, is state
    that is not trusted (removed, with a warning), not an output named by the user."""
    from threadpress.build import build_outcome

    site, out, decoy = world
    elsewhere = decoy / "built"
    assert build_site(site, output=elsewhere, quiet=True) == 0
    preview = site / state.STATE_DIR / "serve"
    preview.parent.mkdir(exist_ok=True)
    preview.symlink_to(elsewhere)
    outside = snapshot(decoy)
    outcome = build_outcome(site, preview)
    assert not [d for d in outcome.diagnostics if not d.warning]
    assert "removed, not followed" in capsys.readouterr().err
    assert snapshot(decoy) == outside
    assert not preview.is_symlink() and (preview / "index.html").is_file()


@pytest.mark.parametrize("text", ['["al0", "", "x", "", "t"]\n', '[1, 2]\n', '{"a": 1}\n',
                                  "not json\n", '["al0", "", 0, "", "t", "extra"]\n'])
def test_a_corrupt_author_side_file_is_discarded_and_its_thread_rendered_again(world, capsys,
                                                                                text):
    site, out, decoy = world
    assert build_site(site, quiet=True) == 0
    cold_pages = {k: v for k, v in snapshot(out).items() if k.startswith("authors/")}
    saved = json.loads(state_path(site, out).read_text())
    side = taxonomies.side_file(cache_spots(site, out)["posts"], "a.yaml",
                                saved["threads"]["a.yaml"]["hash"] + saved["spec"])
    side.write_text(text)   # a.yaml's, which the next build reuses
    (site / "content" / "b.yaml").write_text(thread("beta changed"))
    assert build_site(site) == 0
    err = capsys.readouterr().err
    assert "a corrupt file in the build state, discarded" in err and "Traceback" not in err
    (site / "content" / "b.yaml").write_text(thread("beta"))
    assert build_site(site, quiet=True) == 0   # the discarded thread rendered again: as cold
    assert {k: v for k, v in snapshot(out).items() if k.startswith("authors/")} == cold_pages


SHAPES = {"a string": lambda d: "x", "numbers": lambda d: [1, 2, 3],
          "files a string": lambda d: [d[0], str(d[1]), d[2]], "short": lambda d: d[:1],
          "bytes a bool": lambda d: [d[0], d[1], True], "a dict": lambda d: {"d": d}}


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_author_digests_of_the_wrong_shape_are_not_used(world, capsys, shape):
    site, out, decoy = world
    assert build_site(site, quiet=True) == 0
    before = {k: v for k, v in snapshot(out).items() if k.startswith("authors/")}
    digests = cache_spots(site, out)["authors"] / "authors.json"
    data = json.loads(digests.read_text())
    data["pages"] = {author: SHAPES[shape](d) for author, d in data["pages"].items()}
    digests.write_text(json.dumps(data))
    (site / "content" / "b.yaml").write_text(thread("beta"))   # same text, new stat
    (site / "content" / "a.yaml").write_text(thread("alpha", 3))
    assert build_site(site, quiet=True) == 0
    (site / "content" / "a.yaml").write_text(thread("alpha"))
    assert build_site(site, quiet=True) == 0
    assert "Traceback" not in capsys.readouterr().err
    assert {k: v for k, v in snapshot(out).items() if k.startswith("authors/")} == before
