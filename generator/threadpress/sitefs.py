"""Reading the site's own files: what counts as inside the site, and a walk that says what it
could not read instead of skipping it.

Archive repositories take contributions, and git stores symbolic links: a link in content/ or
in a theme that leads out of the site folder is refused (with a warning naming the link), so
nothing outside the site is ever read, published or quoted in a message.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from .errors import Diagnostic, ThreadpressError
from .routes import is_inside


def inside(path: Path, root: Path) -> bool:
    """Whether `path`, every symbolic link in it followed, is `root` or lies under it."""
    real = os.path.realpath(path)
    top = os.path.realpath(root)
    return real == top or real.startswith(top.rstrip(os.sep) + os.sep)


def shown(path: Path | str) -> str:
    """A path as the user will recognise it (relative to the working folder when it can be),
    printable even when its name is not UTF-8 (such bytes are shown as \\xNN)."""
    text = os.path.abspath(path)
    here = os.getcwd()
    if text.startswith(here.rstrip(os.sep) + os.sep):
        text = text[len(here.rstrip(os.sep)) + 1:]
    return os.fsencode(text).decode("utf-8", "backslashreplace")


def is_utf8_name(name: str) -> bool:
    """File names are text: a name with bytes that are not UTF-8 cannot become a URL."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def outside_link(link: Path) -> Diagnostic:
    return Diagnostic("a symbolic link leading outside the site folder: not followed",
                      shown(link), warning=True)


def read_bytes(path: Path) -> bytes:
    """A file's bytes, or a ThreadpressError naming the path and the system's reason."""
    try:
        return path.read_bytes()
    except OSError as e:
        raise unreadable(path, e) from None


def unreadable(path: Path, e: OSError) -> ThreadpressError:
    return ThreadpressError.one(f"cannot read: {e.strerror or e}", shown(path))


def decode_text(data: bytes, name: str) -> str:
    """A text file's bytes as a string (a UTF-8 BOM dropped); bytes that are not UTF-8 are an
    error naming the line, the column (in bytes) and the byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        column = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
        raise ThreadpressError.one(f"not UTF-8 text (byte 0x{data[e.start]:02x} at offset "
                                   f"{e.start})", name, line, column) from None


@dataclass
class Walk:
    """The regular files found under a folder, and every problem met on the way."""

    files: list[Path] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)


def walk(folder: Path, site: Path, skip: Callable[[str], bool] = lambda name: False) -> Walk:
    """Every regular file under `folder` (no recursion), in a stable order. Names for which
    `skip` holds are passed over, with their contents; links are followed only when they stay
    inside `site`; an unreadable folder or a name that is not UTF-8 is an error naming it."""
    found = Walk()
    seen = {os.path.realpath(folder)}  # folders entered, so a link loop is walked once
    stack = [folder]
    while stack:
        here = stack.pop()
        try:
            with os.scandir(here) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as e:
            found.diagnostics.append(unreadable(here, e).diagnostics[0])
            continue
        for entry in entries:
            _visit(Path(entry.path), entry, site, skip, seen, stack, found)
    found.files.sort(key=lambda p: p.relative_to(folder).as_posix())
    return found


def _visit(path: Path, entry: os.DirEntry, site: Path, skip: Callable[[str], bool],
           seen: set[str], stack: list[Path], found: Walk) -> None:
    if skip(entry.name):
        return
    if not is_utf8_name(entry.name):
        found.diagnostics.append(Diagnostic(
            "the name is not UTF-8 text; rename it (file names become URLs)", shown(path)))
        return
    if entry.is_symlink() and not inside(path, site):
        found.diagnostics.append(outside_link(path))
        return
    try:
        is_dir = entry.is_dir()  # follows a link, which is known to stay inside the site
        is_file = not is_dir and entry.is_file()
    except OSError as e:
        found.diagnostics.append(unreadable(path, e).diagnostics[0])
        return
    if is_dir:
        real = os.path.realpath(path)
        if real not in seen:
            seen.add(real)
            stack.append(path)
    elif is_file:
        found.files.append(path)


def theme_problems(folders: Iterable[Path], read: bool = False) -> list[Diagnostic]:
    """What a build reports about a theme's template and static folders, before it renders:
    links leading out of the theme (each folder's parent), which the renderer and the static
    copy leave out, and what cannot be read; with `read`, every file is read too, as the
    static copy will (for `check`, which copies nothing)."""
    found: list[Diagnostic] = []
    for folder in folders:
        files = walk(folder, folder.parent)
        found += files.diagnostics
        for path in files.files if read else ():
            try:
                read_bytes(path)
            except ThreadpressError as e:
                found += e.diagnostics
    return found


# --- what threadpress reads back from its own folders -----------------------------------------
# The build state, the output and the journal beside it are written by threadpress, but they sit
# where others write too (a contributed commit, a restored CI cache, a hand edit). So nothing
# read back from them is followed through a symbolic link, and a path read back is used only as
# a relative path (routes.is_inside) reached through real folders.

def real_dir(path: Path | str) -> bool:
    """Whether `path` is a folder itself, not a link to one (nor anything else)."""
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def real_entry(root: Path, rel: str) -> bool:
    """Whether the relative path `rel` names a file or a folder under `root` that is no link,
    reached through real folders only: something that may be listed, moved or deleted."""
    if not isinstance(rel, str) or not is_inside(rel):
        return False
    parts = rel.split("/")
    here = str(root)
    for part in parts[:-1]:
        here = os.path.join(here, part)
        if not real_dir(here):
            return False
    try:
        mode = os.lstat(os.path.join(here, parts[-1])).st_mode
    except OSError:
        return False
    return stat.S_ISDIR(mode) or stat.S_ISREG(mode)


def real_parents(root: Path, rel: str) -> bool:
    """Whether the folders above `rel` under `root` are real folders or not there yet (to be
    made): a move to `rel` cannot be sent elsewhere through a link."""
    if not isinstance(rel, str) or not is_inside(rel):
        return False
    here = str(root)
    for part in rel.split("/")[:-1]:
        here = os.path.join(here, part)
        if os.path.lexists(here) and not real_dir(here):
            return False
    return True


def own_files(folder: Path) -> list[Path]:
    """The regular files under `folder`, in a stable order, never entering a link (a link to a
    folder or to a file is passed over; so is `folder` itself when it is a link)."""
    found: list[Path] = []
    stack = [str(folder)] if real_dir(folder) else []
    while stack:
        here = stack.pop()
        try:
            with os.scandir(here) as it:
                entries = list(it)
        except OSError:
            continue
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                stack.append(entry.path)
            elif entry.is_file(follow_symlinks=False):
                found.append(Path(entry.path))
    return sorted(found, key=lambda p: p.relative_to(folder).as_posix())


def read_own(path: Path) -> bytes:
    """The bytes of a regular file threadpress wrote, never through a link (OSError if `path`
    is a link, a folder, a pipe or missing)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            raise OSError(f"{path} is not a regular file")
        return f.read()
