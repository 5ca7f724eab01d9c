"""Atomic, deterministic output: build into a folder beside the target, then swap it in."""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import Iterator

from .errors import ThreadpressError

MARKER = ".threadpress-output"   # lets a rebuild know the folder it replaces is its own


class Staging:
    """A temporary output folder; every write is checked to stay inside it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.files = 0

    def write(self, rel: str, data: str | bytes) -> None:
        path = self.path(rel)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as f:
            f.write(data.encode("utf-8") if isinstance(data, str) else data)
        self.files += 1

    def path(self, rel: str) -> Path:
        parts = PurePosixPath(rel).parts
        if not parts or PurePosixPath(rel).is_absolute() or any(p in ("..", ".") for p in parts) \
                or "\\" in rel or "\x00" in rel:
            raise ThreadpressError.one(f"refusing to write {rel!r}: outside the output folder")
        return self.root.joinpath(*parts)

    def copy_tree(self, src: Path, rel: str) -> None:
        for path in sorted(src.rglob("*")):
            if path.is_file() and not path.name.startswith("."):
                self.write(f"{rel}/{path.relative_to(src).as_posix()}", path.read_bytes())


@contextmanager
def staged(output: Path) -> Iterator[Staging]:
    """Yield a staging folder; on success it replaces `output`, on any failure it vanishes."""
    output = output.resolve()
    _check_replaceable(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale(output)
    tmp = output.parent / f".{output.name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        stage = Staging(tmp)
        stage.write(MARKER, "This folder is built by threadpress; a build replaces it whole.\n")
        yield stage
        _swap(tmp, output)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _check_replaceable(output: Path) -> None:
    if output.exists() and not output.is_dir():
        raise ThreadpressError.one(f"output {output} exists and is not a folder")
    if output.is_dir() and any(output.iterdir()) and not (output / MARKER).exists():
        raise ThreadpressError.one(
            f"refusing to replace {output}: it has files and was not built by threadpress "
            f"(no {MARKER}); empty it or choose another folder with -o")


def _remove_stale(output: Path) -> None:
    """Folders left by a build that was killed before it could clean up."""
    for stale in output.parent.glob(f".{output.name}.*-*"):
        if stale.is_dir():
            shutil.rmtree(stale, ignore_errors=True)


def _swap(new: Path, output: Path) -> None:
    old = output.parent / f".{output.name}.old-{os.getpid()}"
    if output.exists():
        os.replace(output, old)
    os.replace(new, output)
    shutil.rmtree(old, ignore_errors=True)
