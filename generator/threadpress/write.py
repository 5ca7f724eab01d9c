"""The output sink: build into a staging folder beside the target, then swap it in.

Safety rules, in the order a build meets them:
- One build of an output at a time: a lock file beside it (`.<name>.lock`); a second build waits.
- A build only ever deletes folders it made itself: staging and retired folders carry the
  marker file and a name of the form `.<name>.threadpress-<kind>-<pid>-<random>`.
- Unchanged threads are not copied: at commit time their folders are moved (renamed, O(1))
  from the live output into the staging folder, just before the swap. A journal written first
  lists every move, so a build killed in that short window is undone by the next build before
  it deletes anything; killed between the two renames of the swap itself (the old output
  moved away, the stage not yet in), it is finished: the journal names the complete stage. At
  every instant there is a complete site at the output path, or the journal that restores it.
- Nothing read back is trusted: the journal may only move entries of our own folders (relative
  paths, through real folders, never a link) between our folders beside the output. An output
  path that is a symbolic link is followed once, to the folder it leads to, which is replaced
  while the link stays as it is.
"""

from __future__ import annotations

import errno
import json
import os
import secrets
import shutil
import stat
import sys
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Iterator

from . import sitefs
from .errors import ThreadpressError
from .routes import MARKER, is_inside

FILE_MODE = 0o644      # pages are read by a web server that may run as another user
DIR_MODE = 0o755


class Staging:
    """A folder being filled with one build's output; every write is checked to stay inside."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.files = 0
        self.bytes = 0

    def write(self, rel: str, data: str | bytes) -> None:
        path = self.path(rel)
        raw = data.encode("utf-8") if isinstance(data, str) else data
        try:
            _write_file(path, raw)
        except OSError as e:
            raise _os_error(e, path) from None
        self.files += 1
        self.bytes += len(raw)

    def path(self, rel: str) -> Path:
        if not is_inside(rel):
            raise ThreadpressError.one(f"refusing to write {rel!r}: outside the output folder")
        return self.root.joinpath(*rel.split("/"))

    def copy_tree(self, src: Path, rel: str) -> None:
        """Copy a theme's static folder; links leading out of the theme are left out (the build
        warns: sitefs.theme_problems), and an unreadable file or folder is an error naming it."""
        found = sitefs.walk(src, src.parent, skip=lambda name: name.startswith("."))
        if any(not d.warning for d in found.diagnostics):
            raise ThreadpressError([d for d in found.diagnostics if not d.warning])
        for path in found.files:
            self.write(f"{rel}/{path.relative_to(src).as_posix()}", sitefs.read_bytes(path))


def _write_file(path: Path, raw: bytes) -> None:
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    try:
        fd = os.open(path, flags, FILE_MODE)
    except FileNotFoundError:
        _makedirs(path.parent)
        fd = os.open(path, flags, FILE_MODE)
    with os.fdopen(fd, "wb") as f:
        if _UMASK_STRIPS:
            os.fchmod(f.fileno(), FILE_MODE)
        f.write(raw)


def _makedirs(path: Path) -> None:
    """mkdir -p, with modes a web server can read whatever the umask (no recursion)."""
    missing = []
    while not path.is_dir():
        missing.append(path)
        path = path.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(DIR_MODE)
        except FileExistsError:   # another I/O thread made it first
            continue
        if _UMASK_STRIPS:
            os.chmod(folder, DIR_MODE)


def _umask_strips() -> bool:
    mask = os.umask(0o022)
    os.umask(mask)
    return bool(mask & 0o055)


_UMASK_STRIPS = _umask_strips()


def _os_error(e: OSError, path: Path, verb: str = "write") -> ThreadpressError:
    """A file-system failure as a user-facing message naming the path."""
    reason = {errno.ENOSPC: "the disk is full", errno.EDQUOT: "the disk quota is exceeded",
              errno.ENAMETOOLONG: "the name is too long for the file system",
              errno.EACCES: "permission denied", errno.EROFS: "the file system is read-only",
              errno.ENOTDIR: "a part of the path is a file, not a folder",
              errno.ENOTEMPTY: "a folder of that name is already there, not empty",
              }.get(e.errno or 0, e.strerror or str(e))
    return ThreadpressError.one(f"cannot {verb}: {reason}", path)


class Output:
    """The live output folder and the bookkeeping around it (lock, journal, staging)."""

    def __init__(self, output: Path) -> None:
        path = os.path.abspath(output)
        # `-o public` where public links to a folder elsewhere (a Pages checkout, say): the
        # build replaces that folder and leaves the link be. Renaming the link itself would put
        # a folder in its place, and deleting the "old output" would empty the link's target.
        self.link = Path(path) if os.path.islink(path) else None
        self.path = Path(os.path.realpath(path)) if self.link else Path(path)
        name = self.path.name
        self.parent = self.path.parent
        self.lock_path = self.parent / f".{name}.lock"
        self.journal = self.parent / f".{name}.threadpress-journal"
        self.prefix = f".{name}.threadpress-"

    def check_replaceable(self) -> None:
        out = self.path
        if os.path.islink(out):   # still a link once resolved: a loop
            raise ThreadpressError.one(f"output {self.link or out} is a symbolic link that "
                                       "leads to no folder; remove it or choose another -o")
        if out.exists() and not out.is_dir():
            raise ThreadpressError.one(f"output {out} exists and is not a folder")
        if out.is_dir() and any(out.iterdir()) and not (out / MARKER).exists():
            where = f"{out} (where the link {self.link} leads)" if self.link else out
            raise ThreadpressError.one(
                f"refusing to replace {where}: it has files and was not built by threadpress "
                f"(no {MARKER}); empty it or choose another folder with -o")

    def new_folder(self, kind: str) -> Path:
        folder = self.parent / f"{self.prefix}{kind}-{os.getpid()}-{secrets.token_hex(4)}"
        folder.mkdir(mode=DIR_MODE)
        os.chmod(folder, DIR_MODE)
        (folder / MARKER).write_text(f"threadpress {kind} folder; a build removes it.\n")
        return folder

    def recover(self) -> None:
        """Undo a commit that was killed half-way, or finish one killed between the two renames
        of its swap, when there is no output but a complete stage (see the module's docstring).
        Only our own folders beside the output are moved, and only entries inside them: a
        journal cannot send files elsewhere, nor bring them in from elsewhere."""
        if not os.path.lexists(self.journal):
            return
        read = self._read_journal()
        if read is None:
            print(f"warning: ignoring an unreadable or corrupt build journal {self.journal}",
                  file=sys.stderr)
            with suppress(OSError):
                self.journal.unlink()
            return
        stage, old, moved = read
        ours, old_ours = self._own_folder(stage), self._own_folder(old)
        refused = []
        if not os.path.lexists(self.path):
            if ours or old_ours:   # finish the swap; or, with no stage left, undo it
                os.replace(stage if ours else old, self.path)
        elif ours and sitefs.real_dir(self.path):
            for rel in moved:
                if not (sitefs.real_entry(stage, rel) and sitefs.real_parents(self.path, rel)):
                    if not is_inside(rel) or os.path.lexists(stage / rel):
                        refused.append(rel)   # else moved back already, or never moved
                    continue
                dst = self.path / rel
                if not os.path.lexists(dst):
                    dst.parent.mkdir(parents=True, exist_ok=True)
                    os.replace(stage / rel, dst)
        if refused:
            print(f"warning: the build journal {self.journal} names paths that are not entries "
                  f"of the output (a link, or outside it), not moved: "
                  f"{', '.join(map(repr, refused))}", file=sys.stderr)
        self.journal.unlink()

    def _read_journal(self) -> tuple[Path, Path, list[str]] | None:
        """The journal's stage, old output and moved entries, or None when it is unreadable or
        holds anything but what commit() writes (read without following a link)."""
        try:
            entry = json.loads(sitefs.read_own(self.journal))
        except (OSError, ValueError):
            return None
        if not isinstance(entry, dict):
            return None
        stage, moved = entry.get("stage"), entry.get("moved")
        old = entry.get("old") or stage   # the live output, moved aside for the swap
        if not (isinstance(stage, str) and isinstance(old, str) and isinstance(moved, list)
                and all(isinstance(rel, str) for rel in moved)):
            return None
        return Path(stage), Path(old), moved

    def _own_folder(self, folder: Path) -> bool:
        """A folder this output's builds made: beside it, named and marked as ours, no link."""
        try:
            marked = stat.S_ISREG(os.lstat(folder / MARKER).st_mode)
        except OSError:
            marked = False
        return folder.parent == self.parent and folder.name.startswith(self.prefix) \
            and sitefs.real_dir(folder) and marked

    def remove_leftovers(self) -> None:
        """Staging and retired folders of builds that were killed (ours only: marker + name)."""
        for folder in self.parent.glob(self.prefix + "*"):
            if folder.is_dir() and not folder.is_symlink() and (folder / MARKER).is_file():
                remove(folder)

    def commit(self, stage: Path, reused: list[str]) -> None:
        """Move the reused entries of the live output into `stage`, then swap `stage` in. A
        file-system failure on the way puts everything back and is an error naming the output."""
        if not self.path.exists():
            try:
                os.replace(stage, self.path)
            except OSError as e:
                raise _os_error(e, self.path) from None
            return
        for rel in reused:   # the state named them: each must be an entry of the live output
            if not (sitefs.real_entry(self.path, rel) and sitefs.real_parents(stage, rel)):
                raise ThreadpressError.one(f"refusing to move {rel!r} into the new output: not "
                                           "a file or folder of the output (a link, or outside "
                                           "it)", self.path)
        # from here until the swap, the journal says how to undo or finish it
        old = self.parent / f"{self.prefix}old-{os.getpid()}-{secrets.token_hex(4)}"
        try:
            with suppress(FileNotFoundError):   # a stale one, or a link: never written through
                self.journal.unlink()
            self.journal.write_text(json.dumps({"stage": str(stage), "old": str(old),
                                                "moved": reused}))
        except OSError as e:   # a full disk, say: nothing has moved yet
            raise _os_error(e, self.journal) from None
        where, verb = self.path, "write"
        try:
            for rel in reused:   # a failure names the entry it could not move
                where, verb, dst = self.path / rel, "move into the new output", stage / rel
                dst.parent.mkdir(parents=True, exist_ok=True)
                os.replace(self.path / rel, dst)
            where, verb = self.path, "write"
            os.replace(self.path, old)
            try:
                os.replace(stage, self.path)   # a kill just before this: recover() finishes it
            except OSError:
                os.replace(old, self.path)
                raise
        except OSError as e:
            self.recover()                     # the moved entries go back
            raise _os_error(e, where, verb) from None
        self.journal.unlink()
        remove(old)   # what cannot be deleted now is a leftover the next build removes


def remove(folder: Path) -> None:
    """Delete a folder a build made, as far as the file system allows, its marker last: a
    folder that could not be wholly deleted keeps it, so a later build knows it is ours. A link
    is removed, never listed: what it leads to is not ours."""
    if os.path.islink(folder):
        with suppress(OSError):
            os.unlink(folder)
        return
    try:
        with os.scandir(folder) as listing:
            entries = [e for e in listing if e.name != MARKER]
    except OSError:   # cannot be listed: leave it, marked, to a later build
        return
    left = False
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path, ignore_errors=True)
        else:
            with suppress(OSError):
                os.unlink(entry.path)
        left = left or os.path.lexists(entry.path)
    if not left:
        with suppress(OSError):
            os.unlink(folder / MARKER)   # absent in a retired output that was an empty folder
        with suppress(OSError):
            os.rmdir(folder)


@contextmanager
def locked(output: Output, quiet: bool) -> Iterator[None]:
    """Hold the output's lock; a second build of the same output waits for the first."""
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.lock_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(output.lock_path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0),
                     FILE_MODE)
    except OSError as e:
        raise _os_error(e, output.lock_path) from None
    try:
        _lock(fd, output, quiet)
        yield
    finally:
        os.close(fd)   # closing releases the lock


def _lock(fd: int, output: Output, quiet: bool) -> None:
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock, as before
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        if not quiet:
            print(f"waiting for another build of {output.path} to finish…", file=sys.stderr)
        fcntl.flock(fd, fcntl.LOCK_EX)
