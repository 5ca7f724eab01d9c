"""The output sink (write.py) on its own: writes stay inside the staging folder, file-system
failures are messages naming the path, only our own leftovers are deleted, a killed commit is
undone, and one build of an output runs at a time. Builds check the same end to end
(test_incremental.py, test_build.py)."""

from __future__ import annotations

import fcntl
import json
import os
import stat
import threading
import time
from pathlib import Path

import pytest

from threadpress import write
from threadpress.errors import ThreadpressError
from threadpress.routes import MARKER
from threadpress.write import Output, Staging


def files_under(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def message(e: pytest.ExceptionInfo) -> tuple[str, str]:
    [d] = e.value.diagnostics
    return d.message, d.file


# --- writing into the staging folder -----------------------------------------------------------

def test_staging_writes_text_and_bytes_and_counts_them(tmp_path):
    stage = Staging(tmp_path)
    stage.write("a/b/c.html", "é")          # parents are made
    stage.write("a/d.bin", b"\x00\x01\x02")
    stage.write("a/d.bin", b"\x03")         # rewritten whole, not appended
    assert files_under(tmp_path) == {"a/b/c.html": "é".encode(), "a/d.bin": b"\x03"}
    assert (stage.files, stage.bytes) == (3, 2 + 3 + 1)


@pytest.mark.parametrize("mask", [0o077, 0o022, 0o002])
def test_pages_are_readable_by_a_web_server_whatever_the_umask(tmp_path, monkeypatch, mask):
    old = os.umask(mask)
    try:
        monkeypatch.setattr(write, "_UMASK_STRIPS", write._umask_strips())
        Staging(tmp_path / "s").write("a/b/page.html", "x")
    finally:
        os.umask(old)
    modes = {p.relative_to(tmp_path / "s").as_posix(): stat.S_IMODE(p.stat().st_mode)
             for p in (tmp_path / "s").rglob("*")}
    assert modes == {"a": 0o755, "a/b": 0o755, "a/b/page.html": 0o644}


def test_the_umask_check_says_whether_it_strips_read_or_execute():
    old = os.umask(0o027)
    try:
        assert write._umask_strips() and os.umask(0o022) == 0o027   # and leaves the umask be
        assert not write._umask_strips()
        os.umask(0o002)
        assert not write._umask_strips()
        os.umask(0o004)
        assert write._umask_strips()
    finally:
        os.umask(old)


@pytest.mark.parametrize("rel", ["../x", "/abs", "a/../../x", "a\\b", "a\x00b", "", ".", "a/./b"])
def test_a_write_outside_the_staging_folder_is_refused(tmp_path, rel):
    root = tmp_path / "stage"
    root.mkdir()
    with pytest.raises(ThreadpressError) as e:
        Staging(root).write(rel, "x")
    assert message(e)[0] == f"refusing to write {rel!r}: outside the output folder"
    assert [p.name for p in tmp_path.rglob("*")] == ["stage"]


def test_a_file_where_a_folder_should_be_is_a_message(tmp_path):
    stage = Staging(tmp_path)
    stage.write("a", "a file")
    with pytest.raises(ThreadpressError) as e:
        stage.write("a/b.html", "x")
    assert message(e) == ("cannot write: a part of the path is a file, not a folder",
                          str(tmp_path / "a" / "b.html"))


def test_a_name_too_long_is_a_message(tmp_path):
    with pytest.raises(ThreadpressError) as e:
        Staging(tmp_path).write("x" * 300 + "/a.html", "x")
    assert message(e)[0] == "cannot write: the name is too long for the file system"


@pytest.mark.parametrize("code,reason", [
    (28, "the disk is full"), (122, "the disk quota is exceeded"), (13, "permission denied"),
    (30, "the file system is read-only"), (5, "Input/output error")])
def test_file_system_failures_name_the_reason_and_the_path(tmp_path, monkeypatch, code, reason):
    def failing_open(*args, **kwargs):
        raise OSError(code, os.strerror(code))
    monkeypatch.setattr(write.os, "open", failing_open)
    with pytest.raises(ThreadpressError) as e:
        Staging(tmp_path).write("a.html", "x")
    assert message(e) == (f"cannot write: {reason}", str(tmp_path / "a.html"))


def test_two_writers_making_one_folder_both_succeed(tmp_path, monkeypatch):
    """Another I/O thread may make a folder between our check and our mkdir."""
    real_mkdir = Path.mkdir

    def racing_mkdir(self, mode=0o777, *args, **kwargs):
        real_mkdir(self, mode)          # the other thread got there first
        return real_mkdir(self, mode, *args, **kwargs)
    monkeypatch.setattr(Path, "mkdir", racing_mkdir)
    Staging(tmp_path).write("a/b/c.html", "x")
    assert files_under(tmp_path) == {"a/b/c.html": b"x"}


def test_copy_tree_copies_a_static_folder_but_not_hidden_files(tmp_path):
    src = tmp_path / "static"
    (src / "img").mkdir(parents=True)
    (src / "style.css").write_text("p {}")
    (src / "img" / "a.svg").write_text("<svg/>")
    (src / ".DS_Store").write_text("junk")
    (src / ".git").mkdir()
    (src / ".git" / "x").write_text("junk")
    stage = Staging(tmp_path / "out")
    stage.copy_tree(src, "static")
    assert files_under(tmp_path / "out") == {"static/img/a.svg": b"<svg/>",
                                             "static/style.css": b"p {}"}


# --- the live output ----------------------------------------------------------------------------

def test_only_a_missing_empty_or_threadpress_folder_is_replaced(tmp_path):
    out = Output(tmp_path / "out")
    out.check_replaceable()                       # missing
    (tmp_path / "out").mkdir()
    out.check_replaceable()                       # empty
    (tmp_path / "out" / "notes.txt").write_text("mine")
    with pytest.raises(ThreadpressError) as e:
        out.check_replaceable()
    assert message(e)[0].startswith(f"refusing to replace {tmp_path / 'out'}: it has files")
    (tmp_path / "out" / MARKER).write_text("built")
    out.check_replaceable()
    a_file = Output(tmp_path / "file")
    (tmp_path / "file").write_text("x")
    with pytest.raises(ThreadpressError) as e:
        a_file.check_replaceable()
    assert message(e)[0] == f"output {tmp_path / 'file'} exists and is not a folder"


def test_new_folders_are_marked_and_named_for_their_output(tmp_path):
    out = Output(tmp_path / "site")
    folder = out.new_folder("staging")
    assert folder.parent == tmp_path and folder.name.startswith(
        f".site.threadpress-staging-{os.getpid()}-")
    assert (folder / MARKER).is_file() and stat.S_IMODE(folder.stat().st_mode) == 0o755
    assert out.new_folder("staging") != folder


def test_leftovers_go_but_everything_else_stays(tmp_path):
    out = Output(tmp_path / "site")
    ours = out.new_folder("staging")
    (ours / "deep").mkdir()
    old = out.new_folder("old")
    unmarked = tmp_path / ".site.threadpress-staging-1-abcd"
    unmarked.mkdir()
    marker_folder = tmp_path / ".site.threadpress-staging-2-abcd"
    (marker_folder / MARKER).mkdir(parents=True)        # a marker must be a file
    other_output = Output(tmp_path / "other").new_folder("staging")
    backup = tmp_path / ".site.backup"
    backup.mkdir()
    (backup / MARKER).write_text("x")
    a_file = tmp_path / ".site.threadpress-staging-3-abcd"
    a_file.write_text("x")
    linked = tmp_path / "linked"
    linked.mkdir()
    (linked / MARKER).write_text("x")
    link = tmp_path / ".site.threadpress-staging-4-abcd"
    link.symlink_to(linked)
    out.remove_leftovers()
    assert not ours.exists() and not old.exists()
    for kept in (unmarked, marker_folder, other_output, backup, a_file, link, linked / MARKER):
        assert kept.exists(), kept


def build_output(tmp_path: Path, files: dict[str, str]) -> Output:
    out = Output(tmp_path / "site")
    stage = out.new_folder("staging")
    for rel, text in files.items():
        Staging(stage).write(rel, text)
    out.commit(stage, [])
    return out


def test_commit_swaps_the_stage_in_and_leaves_nothing_behind(tmp_path):
    out = build_output(tmp_path, {"a/index.html": "1", "b/index.html": "1"})
    stage = out.new_folder("staging")
    Staging(stage).write("b/index.html", "2")
    out.commit(stage, ["a"])                       # a is reused: moved, not copied
    assert files_under(out.path) == {MARKER: (out.path / MARKER).read_bytes(),
                                     "a/index.html": b"1", "b/index.html": b"2"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_a_commit_journal_lists_the_moves_until_the_swap(tmp_path, monkeypatch):
    out = build_output(tmp_path, {"a/c/1/index.html": "1", "a/index.html": "1"})
    stage = out.new_folder("staging")
    seen = []
    real_replace = os.replace

    def replace(src, dst):
        seen.append(json.loads(out.journal.read_text()) if out.journal.exists() else None)
        return real_replace(src, dst)
    monkeypatch.setattr(write.os, "replace", replace)
    out.commit(stage, ["a/c", "a/index.html"])
    assert len(seen) == 4 and seen[0] == seen[-1]   # two moves, then the swap's two renames
    assert seen[0]["stage"] == str(stage) and seen[0]["moved"] == ["a/c", "a/index.html"]
    assert Path(seen[0]["old"]).parent == tmp_path
    assert not out.journal.exists()
    assert files_under(out.path)["a/c/1/index.html"] == b"1"


def test_recover_moves_back_what_a_killed_commit_moved(tmp_path):
    out = build_output(tmp_path, {"a/c/1/index.html": "1", "a/index.html": "1", "b/x": "1"})
    stage = out.new_folder("staging")
    (stage / "a").mkdir()
    os.replace(out.path / "a" / "c", stage / "a" / "c")
    os.replace(out.path / "b", stage / "b")
    Staging(out.path).write("b/x", "new")          # already back: not overwritten
    out.journal.write_text(json.dumps({"stage": str(stage), "moved": ["a/c", "b", "gone"]}))
    out.recover()
    assert files_under(out.path)["a/c/1/index.html"] == b"1"
    assert files_under(out.path)["b/x"] == b"new" and not out.journal.exists()


def test_recover_makes_the_folders_a_move_needs(tmp_path):
    out = build_output(tmp_path, {"a/b/c/index.html": "1"})
    stage = out.new_folder("staging")
    (stage / "a" / "b").mkdir(parents=True)
    os.replace(out.path / "a", tmp_path / "elsewhere")   # the whole of a/ is missing
    os.replace(tmp_path / "elsewhere" / "b" / "c", stage / "a" / "b" / "c")
    out.journal.write_text(json.dumps({"stage": str(stage), "moved": ["a/b/c"]}))
    out.recover()
    assert files_under(out.path)["a/b/c/index.html"] == b"1"


@pytest.mark.parametrize("journal", ["{not json", "[]", '{"stage": "x"}',
                                     '{"stage": 1, "moved": 2}'])
def test_an_unreadable_journal_is_dropped_with_a_warning(tmp_path, capsys, journal):
    out = build_output(tmp_path, {"a/index.html": "1"})
    out.journal.write_text(journal)
    out.recover()
    assert not out.journal.exists()
    assert capsys.readouterr().err == \
        f"warning: ignoring an unreadable or corrupt build journal {out.journal}\n"
    assert files_under(out.path)["a/index.html"] == b"1"


def test_a_journal_pointing_outside_the_outputs_folder_moves_nothing(tmp_path):
    out = build_output(tmp_path, {"a/index.html": "1"})
    elsewhere = tmp_path / "x" / "stage"
    (elsewhere / "b").mkdir(parents=True)
    (elsewhere / "b" / "secret").write_text("s")
    out.journal.write_text(json.dumps({"stage": str(elsewhere), "moved": ["b"]}))
    out.recover()
    assert (elsewhere / "b" / "secret").exists() and not (out.path / "b").exists()
    assert not out.journal.exists()


# --- one build at a time --------------------------------------------------------------------

@pytest.mark.parametrize("quiet", [False, True])
def test_a_second_build_waits_for_the_first(tmp_path, capsys, quiet):
    out = Output(tmp_path / "new" / "site")      # the lock's folder is made
    order = []
    tried = threading.Event()
    real_flock = fcntl.flock

    def flock(fd, op):
        if op & fcntl.LOCK_NB == 0:               # about to block: the second build waits
            tried.set()
        return real_flock(fd, op)

    def second():
        with write.locked(Output(out.path), quiet=quiet):
            order.append("second")
    with write.locked(out, quiet=True):
        fcntl.flock = flock
        try:
            waiting = threading.Thread(target=second)
            waiting.start()
            assert tried.wait(10)
        finally:
            fcntl.flock = real_flock
        order.append("first done")
    waiting.join(10)
    assert order == ["first done", "second"]
    err = capsys.readouterr().err
    assert err == ("" if quiet else f"waiting for another build of {out.path} to finish…\n")


def test_a_lock_that_cannot_be_made_is_a_message(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(ThreadpressError) as e:
        with write.locked(Output(tmp_path / "file" / "site"), quiet=True):
            pass
    assert message(e)[0].startswith("cannot write: ")


def test_the_outputs_folder_is_made_even_when_the_lock_lives_elsewhere(tmp_path):
    out = Output(tmp_path / "new" / "deep" / "site")
    out.lock_path = tmp_path / "state" / "site.lock"     # as a build puts it, beside its state
    with write.locked(out, quiet=True):
        assert out.parent.is_dir() and out.lock_path.is_file()
        out.new_folder("staging")


class Killed(BaseException):
    """The process dying at this instant: nothing after it runs, no handler catches it."""


def kill_at(monkeypatch, when) -> None:
    real_replace = os.replace

    def replace(src, dst):
        if when(Path(src), Path(dst)):
            raise Killed
        return real_replace(src, dst)
    monkeypatch.setattr(write.os, "replace", replace)


def test_a_swap_killed_between_its_two_renames_is_finished_by_the_next_build(tmp_path,
                                                                              monkeypatch):
    out = build_output(tmp_path, {"a/index.html": "old", "b/index.html": "kept"})
    stage = out.new_folder("staging")
    Staging(stage).write("a/index.html", "new")
    kill_at(monkeypatch, lambda src, dst: src == stage)     # the old site is already away
    with pytest.raises(Killed):
        out.commit(stage, ["b"])
    assert not out.path.exists() and out.journal.exists()
    monkeypatch.undo()
    out.recover()
    out.remove_leftovers()
    assert {k: v for k, v in files_under(out.path).items() if k != MARKER} == {
        "a/index.html": b"new", "b/index.html": b"kept"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_a_commit_killed_while_moving_is_undone_by_the_next_build(tmp_path, monkeypatch):
    out = build_output(tmp_path, {"a/index.html": "old", "b/index.html": "kept",
                                  "c/index.html": "kept"})
    stage = out.new_folder("staging")
    Staging(stage).write("a/index.html", "new")
    kill_at(monkeypatch, lambda src, dst: src.name == "c")  # b is moved, c is not yet
    with pytest.raises(Killed):
        out.commit(stage, ["b", "c"])
    monkeypatch.undo()
    out.recover()
    out.remove_leftovers()
    assert {k: v for k, v in files_under(out.path).items() if k != MARKER} == {
        "a/index.html": b"old", "b/index.html": b"kept", "c/index.html": b"kept"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_the_first_commit_needs_no_journal(tmp_path, monkeypatch):
    out = Output(tmp_path / "site")
    stage = out.new_folder("staging")
    Staging(stage).write("a.html", "1")
    written = []
    monkeypatch.setattr(Path, "write_text", lambda self, *a, **k: written.append(self))
    out.commit(stage, [])
    assert files_under(out.path).keys() == {"a.html", MARKER} and written == []


def undeletable(monkeypatch, name: str) -> None:
    """Deleting a file called `name` fails, as on a busy or read-only mount."""
    real_unlink = os.unlink

    def unlink(path, *args, **kwargs):
        if os.path.basename(path) == name:
            raise PermissionError(13, "Permission denied", path)
        return real_unlink(path, *args, **kwargs)
    monkeypatch.setattr(os, "unlink", unlink)


@pytest.mark.parametrize("where", ["stuck.html", "a/b/stuck.html"])
def test_a_leftover_that_cannot_be_deleted_does_not_stop_a_build(tmp_path, monkeypatch, where):
    out = Output(tmp_path / "site")
    stuck = out.new_folder("staging")
    Staging(stuck).write(where, "x")
    gone = out.new_folder("old")
    undeletable(monkeypatch, "stuck.html")
    out.remove_leftovers()
    assert (stuck / where).exists() and not gone.exists()
    assert (stuck / MARKER).is_file()      # so a later build still knows it is ours
    monkeypatch.undo()
    out.remove_leftovers()
    assert list(tmp_path.iterdir()) == []


def test_an_old_output_that_cannot_be_deleted_does_not_fail_the_commit(tmp_path, monkeypatch):
    out = build_output(tmp_path, {"stuck.html": "old"})
    stage = out.new_folder("staging")
    Staging(stage).write("a.html", "new")
    undeletable(monkeypatch, "stuck.html")
    out.commit(stage, [])
    assert files_under(out.path).keys() == {"a.html", MARKER}
    [left] = [p for p in tmp_path.iterdir() if p.name != "site"]
    assert left.name.startswith(".site.threadpress-old-") and (left / MARKER).is_file()
    monkeypatch.undo()
    out.remove_leftovers()                   # the next build takes it away
    assert [p.name for p in tmp_path.iterdir()] == ["site"]


def test_new_folders_are_readable_by_a_web_server_whatever_the_umask(tmp_path):
    old = os.umask(0o077)
    try:
        folder = Output(tmp_path / "site").new_folder("staging")
    finally:
        os.umask(old)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o755


def test_copy_tree_refuses_what_it_cannot_read_and_skips_links_leaving(tmp_path, monkeypatch):
    src = tmp_path / "theme" / "static"
    (src / "locked").mkdir(parents=True)
    (src / "a.css").write_text("a")
    (tmp_path / "secret").write_text("s")
    (src / "leak.txt").symlink_to(tmp_path / "secret")
    stage = Staging(tmp_path / "out")
    stage.copy_tree(src, "static")                 # the link leaving the theme is left out
    assert files_under(tmp_path / "out") == {"static/a.css": b"a"}
    real_scandir = os.scandir

    def scandir(path="."):
        if os.path.abspath(path) == str(src / "locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)
    monkeypatch.setattr(os, "scandir", scandir)
    with pytest.raises(ThreadpressError) as e:
        stage.copy_tree(src, "static")
    [d] = e.value.diagnostics
    assert d.file.endswith("static/locked") and "cannot read" in d.message and not d.warning


def test_a_swap_killed_with_its_stage_gone_puts_the_old_site_back(tmp_path, monkeypatch):
    out = build_output(tmp_path, {"a/index.html": "old"})
    stage = out.new_folder("staging")
    kill_at(monkeypatch, lambda src, dst: src == stage)
    with pytest.raises(Killed):
        out.commit(stage, [])
    monkeypatch.undo()
    write.remove(stage)                          # whatever took it, the old site is whole
    out.recover()
    assert files_under(out.path)["a/index.html"] == b"old"


def test_the_first_build_into_an_empty_folder_leaves_nothing_behind(tmp_path):
    (tmp_path / "site").mkdir()                  # `mkdir public` before the first build
    out = Output(tmp_path / "site")
    out.check_replaceable()
    stage = out.new_folder("staging")
    Staging(stage).write("a.html", "1")
    out.commit(stage, [])
    out.remove_leftovers()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_a_leftover_that_cannot_be_listed_is_left_for_later(tmp_path, monkeypatch):
    out = Output(tmp_path / "site")
    stuck = out.new_folder("staging")
    real_scandir = os.scandir

    def scandir(path="."):
        if os.path.abspath(path) == str(stuck):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)
    monkeypatch.setattr(os, "scandir", scandir)
    out.remove_leftovers()
    assert (stuck / MARKER).is_file()


@pytest.mark.parametrize("failing", ["move", "retire", "swap"])
def test_a_commit_the_file_system_refuses_puts_everything_back(tmp_path, monkeypatch, failing):
    """EBUSY on a bind-mounted output, say: an error naming the output (or the entry that
    would not move), the old site whole."""
    out = build_output(tmp_path, {"a/index.html": "old", "b/index.html": "kept"})
    before = files_under(out.path)
    stage = out.new_folder("staging")
    Staging(stage).write("a/index.html", "new")
    real_replace = os.replace
    when = {"move": lambda src, dst: src.name == "b",
            "retire": lambda src, dst: src == out.path,
            "swap": lambda src, dst: src == stage}[failing]

    def replace(src, dst):
        if when(Path(src), Path(dst)):
            raise OSError(16, "Device or resource busy")
        return real_replace(src, dst)
    monkeypatch.setattr(write.os, "replace", replace)
    with pytest.raises(ThreadpressError) as e:
        out.commit(stage, ["b"])
    assert message(e) == (("cannot move into the new output: Device or resource busy",
                           str(out.path / "b")) if failing == "move" else
                          ("cannot write: Device or resource busy", str(out.path)))
    monkeypatch.undo()
    assert files_under(out.path) == before and not out.journal.exists()
    write.remove(stage)
    out.remove_leftovers()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_a_link_inside_a_leftover_is_removed_not_followed(tmp_path):
    out = Output(tmp_path / "site")
    leftover = out.new_folder("staging")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "keep.txt").write_text("mine")
    (leftover / "link").symlink_to(tmp_path / "elsewhere")
    out.remove_leftovers()
    assert not leftover.exists() and (tmp_path / "elsewhere" / "keep.txt").read_text() == "mine"


def test_a_journal_cannot_bring_in_a_folder_from_elsewhere(tmp_path):
    out = Output(tmp_path / "site")
    (tmp_path / "x" / "old").mkdir(parents=True)
    (tmp_path / "x" / "old" / "secret").write_text("s")
    out.journal.write_text(json.dumps({"stage": str(tmp_path / "gone"),
                                       "old": str(tmp_path / "x" / "old"), "moved": []}))
    out.recover()
    assert not out.path.exists() and (tmp_path / "x" / "old" / "secret").exists()
    assert not out.journal.exists()


def test_a_first_commit_the_file_system_refuses_is_a_message(tmp_path, monkeypatch):
    out = Output(tmp_path / "site")
    stage = out.new_folder("staging")

    def replace(src, dst):
        raise OSError(18, "Invalid cross-device link")
    monkeypatch.setattr(write.os, "replace", replace)
    with pytest.raises(ThreadpressError) as e:
        out.commit(stage, [])
    assert message(e) == ("cannot write: Invalid cross-device link", str(out.path))


def test_a_journal_that_cannot_be_written_is_a_message_and_moves_nothing(tmp_path, monkeypatch):
    out = build_output(tmp_path, {"a/index.html": "old"})
    stage = out.new_folder("staging")

    def full(self, *args, **kwargs):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(Path, "write_text", full)
    with pytest.raises(ThreadpressError) as e:
        out.commit(stage, ["a"])
    assert message(e) == ("cannot write: the disk is full", str(out.journal))
    monkeypatch.undo()
    assert files_under(out.path)["a/index.html"] == b"old" and not out.journal.exists()


# --- nothing read back is trusted (more end to end in test_untrusted_state.py) ----------------

def test_an_output_path_that_is_a_link_means_the_folder_it_leads_to(tmp_path):
    (tmp_path / "pages" / "docs").mkdir(parents=True)
    (tmp_path / "public").symlink_to(tmp_path / "pages" / "docs")
    out = Output(tmp_path / "public")
    assert out.path == tmp_path / "pages" / "docs" and out.link == tmp_path / "public"
    assert out.parent == tmp_path / "pages" and out.journal.parent == tmp_path / "pages"
    assert Output(tmp_path / "site").link is None


def test_removing_a_link_removes_the_link_only(tmp_path):
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "keep.txt").write_text("mine")
    (tmp_path / "old").symlink_to(tmp_path / "elsewhere")
    write.remove(tmp_path / "old")
    assert not os.path.lexists(tmp_path / "old")
    assert (tmp_path / "elsewhere" / "keep.txt").read_text() == "mine"


@pytest.mark.parametrize("rel", ["../elsewhere", "linked/keep.txt", "linked", "/abs", "gone"])
def test_a_commit_moves_only_entries_of_the_live_output(tmp_path, rel):
    out = build_output(tmp_path, {"a/index.html": "1"})
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "keep.txt").write_text("mine")
    (out.path / "linked").symlink_to(tmp_path / "elsewhere")
    stage = out.new_folder("staging")
    with pytest.raises(ThreadpressError) as e:
        out.commit(stage, ["a", rel])
    assert message(e) == (f"refusing to move {rel!r} into the new output: not a file or folder "
                          "of the output (a link, or outside it)", str(out.path))
    assert (tmp_path / "elsewhere" / "keep.txt").read_text() == "mine"
    assert (out.path / "a" / "index.html").read_text() == "1" and not out.journal.exists()


def test_a_journal_that_is_a_link_is_not_read_nor_written_through(tmp_path, capsys):
    out = build_output(tmp_path, {"a/index.html": "1"})
    (tmp_path / "elsewhere.json").write_text(json.dumps({"stage": "x", "moved": []}))
    out.journal.symlink_to(tmp_path / "elsewhere.json")
    out.recover()
    assert "unreadable or corrupt build journal" in capsys.readouterr().err
    assert not os.path.lexists(out.journal)
    out.journal.symlink_to(tmp_path / "elsewhere.json")
    stage = out.new_folder("staging")
    out.commit(stage, ["a"])
    assert json.loads((tmp_path / "elsewhere.json").read_text()) == {"stage": "x", "moved": []}
