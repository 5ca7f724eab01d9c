"""Build state (state.py) on its own: what one build saves comes back whole; a state that is
corrupt, foreign, from another version or for another output is never trusted; and a file is
only taken as unchanged when its stat or its bytes say so. Builds check the same end to end
(test_incremental.py)."""

from __future__ import annotations

import json
import os
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from threadpress import state
from threadpress.errors import Diagnostic, ThreadpressError
from threadpress.model import Summary
from threadpress.routes import MARKER

T0 = datetime(2024, 5, 1, 12, 30, tzinfo=timezone.utc)


def entry(**changes) -> state.Entry:
    fields = dict(
        stat=(120, 1_700_000_000_000_000_000, 42, 1_700_000_000_000_000_001), hash="h1",
        summary=Summary(slug="a/b", file="content/a/b.yaml", id="t1", title="Ünï",
                        url="https://e.org/x", source="hn", domain="e.org", author="al",
                        created=T0, points=7, tags=("x", "y z"), count=3,
                        updated=T0 + timedelta(hours=1, microseconds=5), aliases=("old",),
                        removed=True),
        entries=["a/b/index.html", "a/b/c"], files=5, bytes=999,
        warnings=[Diagnostic("odd", "content/a/b.yaml", 3, 4, ("comments", 0, "time"), True,
                             ("comments", 1), 9),
                  Diagnostic("plain")],
        provides=[("hn:1", "c1")], wants=["hn:2"], link_digest="d")
    fields.update(changes)
    return state.Entry(**fields)


def saved(tmp_path: Path, st: state.State, build_id: str | None = None) -> tuple[Path, Path]:
    """Save `st` for an output whose marker names `build_id` (the state's own by default)."""
    output = tmp_path / "output"
    output.mkdir(exist_ok=True)
    (output / MARKER).write_text(state.marker_text(build_id or st.build_id), encoding="utf-8")
    path = state.state_file(tmp_path, output)
    state.save(path, output, st)
    return path, output


def test_what_is_saved_comes_back_whole(tmp_path):
    st = state.State("spec", "b1", {"a/b.yaml": entry(), "c.json": entry(
        summary=Summary(slug="c", file="content/c.json", id="c", title="C"), warnings=[])},
        files=10, bytes=2000)
    path, output = saved(tmp_path, st)
    loaded, warning = state.load(path, output, "spec")
    assert warning is None
    assert loaded.threads == st.threads
    assert (loaded.spec, loaded.build_id, loaded.files, loaded.bytes) == ("spec", "b1", 10, 2000)
    assert isinstance(loaded.threads["a/b.yaml"].stat, tuple)
    assert loaded.threads["a/b.yaml"].summary.tags == ("x", "y z")
    assert 0 < loaded.saved_ns and abs(loaded.saved_ns - json.loads(
        path.read_text())["saved_ns"]) == 0


def test_the_state_folder_tells_git_to_ignore_it(tmp_path):
    path, _ = saved(tmp_path, state.State("s", "b"))
    assert path.parent == tmp_path / ".threadpress" / "build"
    assert (path.parent / ".gitignore").read_text().splitlines()[-1] == "*"
    (path.parent / ".gitignore").write_text("mine\n")
    saved(tmp_path, state.State("s", "b"))
    assert (path.parent / ".gitignore").read_text() == "mine\n"
    assert sorted(p.name for p in path.parent.iterdir()) == [".gitignore", path.name]


def test_one_state_file_per_output(tmp_path):
    a = state.state_file(tmp_path, tmp_path / "out")
    assert a == state.state_file(tmp_path, tmp_path / "out")
    assert a != state.state_file(tmp_path, tmp_path / "out2")
    assert a.suffix == ".json" and len(a.stem) == 16
    # an output folder whose name is not UTF-8 (Python holds such bytes as lone surrogates)
    odd = tmp_path / "caf\udce9"
    assert state.state_file(tmp_path, odd) not in (a, state.state_file(tmp_path, tmp_path / "cafe"))
    assert state.file_hash("caf\udce9", b"") != state.file_hash("cafe", b"")
    assert state.build_id("s", {"caf\udce9": entry()}) != state.build_id("s", {"cafe": entry()})


def test_the_saved_state_does_not_depend_on_the_order_threads_were_built_in(tmp_path):
    one, two = entry(hash="1"), entry(hash="2")
    texts = []
    for threads in ({"a.yaml": one, "b.yaml": two}, {"b.yaml": two, "a.yaml": one}):
        path, _ = saved(tmp_path, state.State("s", "b", threads))
        data = json.loads(path.read_text())
        texts.append(json.dumps({k: v for k, v in data.items() if k != "saved_ns"}))
        assert list(data["threads"]) == ["a.yaml", "b.yaml"]
    assert texts[0] == texts[1]


def test_no_state_is_a_cold_build_without_a_warning(tmp_path):
    st, warning = state.load(tmp_path / "none.json", tmp_path / "out", "spec")
    assert (st.spec, st.threads, warning) == ("spec", {}, None)


def broken(good: dict) -> dict[str, tuple[object, str]]:
    """Ways a state file goes wrong, each with the words of its warning."""
    one = dict(good["threads"]["a/b.yaml"])
    return {
        "not json": ("{", "unreadable or corrupt"),
        "not an object": ("[]", "unreadable or corrupt"),
        "older format": ({**good, "format": state.FORMAT - 1}, "from another version"),
        "no format": ({k: v for k, v in good.items() if k != "format"}, "from another version"),
        "other version": ({**good, "version": "0.0.1"}, "from another version"),
        "other output": ({**good, "output": "/elsewhere"}, "for another output"),
        "no threads": ({k: v for k, v in good.items() if k != "threads"}, "corrupt"),
        "entry missing a key": ({**good, "threads": {"a/b.yaml": {
            k: v for k, v in one.items() if k != "entries"}}}, "corrupt"),
        "summary with an extra field": ({**good, "threads": {"a/b.yaml": {
            **one, "summary": {**one["summary"], "colour": 1}}}}, "corrupt"),
        "summary missing a field": ({**good, "threads": {"a/b.yaml": {
            **one, "summary": {k: v for k, v in one["summary"].items() if k != "title"}}}},
            "corrupt"),
        # written by other code: a field it did not know, even one with a default, is missing
        "summary missing a field with a default": ({**good, "threads": {"a/b.yaml": {
            **one, "summary": {k: v for k, v in one["summary"].items() if k != "removed"}}}},
            "corrupt"),
        "bad time": ({**good, "threads": {"a/b.yaml": {
            **one, "summary": {**one["summary"], "created": "yesterday"}}}}, "corrupt"),
        "files not a number": ({**good, "files": "many"}, "corrupt"),
        # what the state says is used as paths and values: none is taken on trust
        "files a number in a string": ({**good, "files": "5"}, "corrupt"),
        "a slug leaving the output": ({**good, "threads": {"a/b.yaml": {
            **one, "summary": {**one["summary"], "slug": "../../elsewhere"}}}}, "corrupt"),
        "an absolute slug": ({**good, "threads": {"a/b.yaml": {
            **one, "summary": {**one["summary"], "slug": "/etc"}}}}, "corrupt"),
        "an alias leaving the output": ({**good, "threads": {"a/b.yaml": {
            **one, "summary": {**one["summary"], "aliases": ["a/../.."]}}}}, "corrupt"),
        "an entry leaving the output": ({**good, "threads": {"a/b.yaml": {
            **one, "entries": ["../x"]}}}, "corrupt"),
        "an entry not a string": ({**good, "threads": {"a/b.yaml": {**one, "entries": [5]}}},
                                  "corrupt"),
        "a thread file leaving content": ({**good, "threads": {"../a/b.yaml": one}}, "corrupt"),
        "a title not a string": ({**good, "threads": {"a/b.yaml": {
            **one, "summary": {**one["summary"], "title": ["x"]}}}}, "corrupt"),
        "tags a string": ({**good, "threads": {"a/b.yaml": {
            **one, "summary": {**one["summary"], "tags": "xy"}}}}, "corrupt"),
        "a time without its zone": ({**good, "threads": {"a/b.yaml": {
            **one, "summary": {**one["summary"], "created": "2024-01-01T00:00:00"}}}},
            "corrupt"),
        "a warning's line not a number": ({**good, "threads": {"a/b.yaml": {
            **one, "warnings": [{**one["warnings"][0], "line": "3"}]}}}, "corrupt"),
        "threads a list": ({**good, "threads": []}, "corrupt"),
        "not utf-8": (b"\xff\xfe", "corrupt"),
    }


@pytest.mark.parametrize("case", sorted(broken({"threads": {"a/b.yaml": {"summary": {},
                                                                         "warnings": [{}]}}})))
def test_a_state_not_to_trust_is_discarded_with_a_warning(tmp_path, case):
    st = state.State("spec", "b1", {"a/b.yaml": entry()})
    path, output = saved(tmp_path, st)
    text, words = broken(json.loads(path.read_text()))[case]
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text if isinstance(text, str) else json.dumps(text))
    loaded, warning = state.load(path, output, "spec")
    assert (loaded.spec, loaded.threads, loaded.build_id) == ("spec", {}, "")
    assert warning.startswith(f"build state {path} is ") and words in warning


def test_an_output_replaced_behind_the_builds_back_is_not_trusted(tmp_path):
    st = state.State("spec", "b1", {"a/b.yaml": entry()})
    path, output = saved(tmp_path, st, build_id="another")
    loaded, warning = state.load(path, output, "spec")
    assert loaded.threads == {} and warning == (
        f"output {output} is not the one the build state describes; building cold")
    (output / MARKER).unlink()
    assert state.load(path, output, "spec")[0].threads == {}
    # a state of no threads has nothing to distrust: no warning
    path, output = saved(tmp_path, state.State("spec", "b1"), build_id="another")
    assert state.load(path, output, "spec") == (state.State(spec="spec"), None)


def test_the_marker_must_match_exactly(tmp_path):
    st = state.State("spec", "b1", {"a/b.yaml": entry()})
    path, output = saved(tmp_path, st)
    (output / MARKER).write_text(state.marker_text("b1") + "\n")
    assert state.load(path, output, "spec")[0].threads == {}
    (output / MARKER).write_bytes(b"\xff" + state.marker_text("b1").encode())
    assert state.load(path, output, "spec")[0].threads == {}


def test_another_spec_keeps_the_state_but_no_thread(tmp_path):
    st = state.State("old spec", "b1", {"a/b.yaml": entry()}, files=3, bytes=4)
    path, output = saved(tmp_path, st)
    loaded, warning = state.load(path, output, "new spec")
    assert warning is None and loaded.threads == {}
    assert (loaded.spec, loaded.build_id, loaded.files) == ("old spec", "b1", 3)


# --- unchanged? ---------------------------------------------------------------------------------

SAVED_NS = 10_000_000_000_000


def known(data: bytes, mtime_ns: int) -> state.State:
    st = state.State(saved_ns=SAVED_NS)
    st.threads["a.yaml"] = entry(stat=(len(data), mtime_ns, 7, mtime_ns),
                                 hash=state.file_hash("a.yaml", data))
    return st


def reader(data: bytes, reads: list) -> object:
    return lambda: reads.append(1) or data


def test_an_old_unchanged_stat_is_trusted_without_reading():
    old = SAVED_NS - state.RACY_NS - 1
    reads: list = []
    assert known(b"v1", old).unchanged("a.yaml", (2, old, 7, old), reader(b"v2", reads))
    assert reads == []


@pytest.mark.parametrize("mtime", [SAVED_NS - state.RACY_NS, SAVED_NS, SAVED_NS + 5])
def test_a_stat_too_close_to_the_save_is_checked_by_content(mtime):
    """A file rewritten within the file system's time resolution keeps its stat: read it."""
    reads: list = []
    st = known(b"v1", mtime)
    assert not st.unchanged("a.yaml", (2, mtime, 7, mtime), reader(b"v2", reads))
    assert st.unchanged("a.yaml", (2, mtime, 7, mtime), reader(b"v1", reads))
    assert len(reads) == 2


@pytest.mark.parametrize("stat", [(3, 1, 7, 1), (2, 2, 7, 1), (2, 1, 8, 1), (2, 1, 7, 2)])
def test_a_changed_stat_is_checked_by_content(stat):
    """Any of size, mtime, inode or ctime: a same-size edit with its mtime put back still
    changes the ctime."""
    st = known(b"v1", 1)
    assert st.unchanged("a.yaml", stat, lambda: b"v1")        # touched, same bytes
    assert not st.unchanged("a.yaml", stat, lambda: b"v2")


def test_a_recent_ctime_is_checked_by_content_whatever_the_mtime_says():
    """An old mtime put back on a file just edited: the ctime is recent, so its bytes decide."""
    old = SAVED_NS - state.RACY_NS - 1
    st = known(b"v1", old)
    st.threads["a.yaml"].stat = (2, old, 7, SAVED_NS)
    assert not st.unchanged("a.yaml", (2, old, 7, SAVED_NS), lambda: b"v2")


def test_the_stat_holds_size_mtime_inode_and_ctime(tmp_path):
    path = tmp_path / "a.yaml"
    path.write_bytes(b"v1")
    before = state.file_stat(path.stat())
    time.sleep(0.01)
    mtime = path.stat().st_mtime_ns
    path.write_bytes(b"v2")
    os.utime(path, ns=(mtime, mtime))   # same size, the mtime put back
    after = state.file_stat(path.stat())
    assert before[:3] == after[:3] and before != after


def test_an_unknown_file_is_changed():
    assert not known(b"v1", 1).unchanged("b.yaml", (2, 1, 7, 1), lambda: b"v1")


def test_a_files_hash_covers_its_path_and_bytes():
    h = state.file_hash("a.yaml", b"x")
    assert h == state.file_hash("a.yaml", b"x") and len(h) == 32
    assert len({h, state.file_hash("b.yaml", b"x"), state.file_hash("a.yaml", b"y"),
                state.file_hash("a.yamlx", b""), state.file_hash("a.yaml", b"\0x")}) == 5


def test_the_build_id_names_the_inputs_in_any_order():
    e1, e2 = entry(hash="1"), entry(hash="2")
    ids = {state.build_id("s", {"a": e1, "b": e2}), state.build_id("s", {"a": e2, "b": e1}),
           state.build_id("t", {"a": e1, "b": e2}), state.build_id("s", {"a": e1}),
           state.build_id("s", {"a": e1, "c": e2})}
    assert len(ids) == 5
    assert state.build_id("s", {"b": e2, "a": e1}) == state.build_id("s", {"a": e1, "b": e2})
    assert state.marker_text("x").splitlines()[-1] == "build x"


def test_a_state_file_that_is_a_link_is_not_read(tmp_path):
    st = state.State("spec", "b1", {"a/b.yaml": entry()})
    path, output = saved(tmp_path, st)
    elsewhere = tmp_path / "elsewhere.json"
    path.rename(elsewhere)
    path.symlink_to(elsewhere)
    loaded, warning = state.load(path, output, "spec")
    assert loaded.threads == {} and "unreadable or corrupt" in warning


def test_secure_removes_links_and_special_files_from_the_state_folder_only(tmp_path):
    site, outside = tmp_path / "site", tmp_path / "outside"
    (outside / "keep").mkdir(parents=True)
    (outside / "keep" / "f").write_text("mine")
    where = state.state_file(site, site / "output")
    cache = where.with_suffix("")
    (cache / "posts").mkdir(parents=True)
    (where.parent / "link").symlink_to(outside)
    (cache / "posts" / "side.jsonl").symlink_to(outside / "keep" / "f")
    (cache / "real.json").write_text("{}")
    os.mkfifo(where.parent / "pipe")
    (where.parent / "x.search").symlink_to(outside)
    warnings = state.secure(where, [cache, cache / "posts", where.parent / "x.search",
                                    where.parent / "x.search" / "docs"])
    assert sorted(w.split(": ")[0].rsplit("/", 1)[-1] for w in warnings) == \
        ["link", "pipe", "side.jsonl", "x.search"]
    assert all("removed, not followed" in w for w in warnings)
    assert (outside / "keep" / "f").read_text() == "mine"
    assert sorted(p.name for p in where.parent.iterdir()) == [cache.name]
    assert (cache / "real.json").exists() and not any((cache / "posts").iterdir())


def test_secure_refuses_a_state_folder_that_is_a_link(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (tmp_path / "elsewhere").mkdir()
    (site / state.STATE_DIR).symlink_to(tmp_path / "elsewhere")
    with pytest.raises(ThreadpressError) as e:
        state.secure(state.state_file(site, site / "output"))
    [d] = e.value.diagnostics
    assert d.file.endswith(state.STATE_DIR) and "symbolic link" in d.message
