"""Reading dump files: JSON Lines (or one JSON array), plain or zstd/gzip/bz2/xz-compressed,
streamed record by record with bounded memory, bad lines counted, progress on a terminal."""

from __future__ import annotations

import bz2
import codecs
import json
import lzma
import sys
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Callable, Iterator, TextIO

import zstandard

from ..errors import Diagnostic, ThreadpressError
from .common import tidy

# Compressed input is fed this much at a time, so output per step stays bounded for sane ratios.
IN_CHUNK = 1 << 16
# Reddit dumps are written with a long window (--long=31); the default limit refuses them.
ZSTD_MAX_WINDOW = 2 ** 31
MAX_REPORTED = 20  # bad lines listed one by one; the rest are only counted
MAX_ITEM = 1 << 26  # a JSON array item longer than this (64 MB of text) is not an item

_MAGIC = ((b"\x28\xb5\x2f\xfd", "zstd"), (b"\x1f\x8b", "gzip"), (b"BZh", "bz2"),
          (b"\xfd7zXZ\x00", "xz"))


def _decompressor(kind: str) -> Any:
    """A fresh one-stream decompressor with `decompress`, `eof` and `unused_data`."""
    if kind == "zstd":
        return zstandard.ZstdDecompressor(max_window_size=ZSTD_MAX_WINDOW).decompressobj()
    if kind == "gzip":
        return zlib.decompressobj(wbits=31)
    if kind == "bz2":
        return bz2.BZ2Decompressor()
    return lzma.LZMADecompressor()


class _Broken(Exception):
    """The compressed stream ended early or is corrupt, at compressed byte `offset`."""

    def __init__(self, offset: int, reason: str) -> None:
        super().__init__(reason)
        self.offset, self.reason = offset, reason


def compression(head: bytes) -> str:
    """The compression a file's first bytes announce: zstd, gzip, bz2, xz or plain."""
    return next((kind for magic, kind in _MAGIC if head.startswith(magic)), "plain")


def _chunks(f: BinaryIO, kind: str, counted: Callable[[int], None]) -> Iterator[bytes]:
    """The decompressed bytes of a file, across concatenated streams (frames, gzip members)."""
    offset = 0
    if kind == "plain":
        while block := f.read(IN_CHUNK):
            offset += len(block)
            counted(offset)
            yield block
        return
    d, fed = _decompressor(kind), False
    while block := f.read(IN_CHUNK):
        offset += len(block)
        counted(offset)
        while block:
            try:
                out = d.decompress(block)
            except (zstandard.ZstdError, zlib.error, OSError, lzma.LZMAError, EOFError) as exc:
                raise _Broken(offset, f"corrupt {kind} data ({exc})") from None
            fed = True
            if out:
                yield out
            block = d.unused_data if d.eof else b""
            if d.eof:
                d, fed = _decompressor(kind), False
    if fed:
        raise _Broken(offset, f"truncated: the {kind} stream stops in the middle "
                              f"(after {offset:,} compressed bytes)")


@dataclass
class BadLines:
    """Lines that were not records: counted, the first MAX_REPORTED kept as warnings."""

    count: int = 0
    shown: list[Diagnostic] = field(default_factory=list)

    def add(self, file: str, line: int, message: str, field_: tuple = ()) -> None:
        self.count += 1
        if len(self.shown) < MAX_REPORTED:
            self.shown.append(Diagnostic(f"{message}; line skipped", file, line, None, field_,
                                         warning=True))

    def diagnostics(self) -> list[Diagnostic]:
        more = self.count - len(self.shown)
        tail = [Diagnostic(f"{more:,} more bad lines skipped", warning=True)] if more else []
        return self.shown + tail


class Progress:
    """A one-line progress display (bytes, items, threads) on a terminal; silent otherwise."""

    def __init__(self, stream: TextIO | None = None, every: float = 0.25) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.on = self.stream.isatty()
        self.every, self.last = every, 0.0
        self.file, self.size, self.done = "", 0, 0
        self.items = self.threads = 0

    def start(self, name: str, size: int) -> None:
        self.file, self.size, self.done = name, size, 0

    def read(self, offset: int) -> None:
        self.done = offset
        self.show()

    def show(self, force: bool = False) -> None:
        now = time.monotonic()
        if not self.on or (not force and now - self.last < self.every):
            return
        self.last = now
        share = f" {100 * self.done // self.size}%" if self.size else ""
        self.stream.write(f"\r{self.file}: {_mb(self.done)}/{_mb(self.size)} MB{share}, "
                          f"{self.items:,} items, {self.threads:,} threads\x1b[K")
        self.stream.flush()

    def finish(self) -> None:
        if self.on:
            self.show(force=True)
            self.stream.write("\n")


def _mb(n: int) -> str:
    return f"{n / 1e6:,.1f}"


def records(path: Path, bad: BadLines, progress: Progress) -> Iterator[tuple[int, dict]]:
    """Each JSON object of a dump with its line number. Bad lines go to `bad`; a broken
    compressed stream raises ThreadpressError naming the file and the line it broke at,
    after every record before it has been yielded."""
    name = str(path)
    try:
        f = open(path, "rb")
    except OSError as exc:
        raise ThreadpressError.one(f"cannot read: {exc.strerror}", file=name) from None
    with f:
        kind = compression(f.read(6))
        f.seek(0)
        progress.start(name, path.stat().st_size)
        chunks = _chunks(f, kind, progress.read)
        lines = _Lines(chunks)
        try:
            yield from _objects(lines, name, bad)
        except _Broken as exc:
            raise ThreadpressError.one(f"{exc.reason}; the {lines.number:,} lines before this "
                                       "one were read", file=name, line=lines.number + 1) from None


class _Lines:
    """Byte lines from a chunk stream; `number` is the current (1-based) line number."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self.chunks, self.number = chunks, 0

    def __iter__(self) -> Iterator[bytes]:
        rest = b""
        for chunk in self.chunks:
            parts = (rest + chunk).split(b"\n")
            rest = parts.pop()
            for line in parts:
                self.number += 1
                yield line
        if rest:
            self.number += 1
            yield rest


def _objects(lines: _Lines, name: str, bad: BadLines) -> Iterator[tuple[int, dict]]:
    """JSON Lines, or the items of one JSON array when the first non-blank byte is `[`."""
    it = iter(lines)
    for line in it:
        if not line.strip():
            continue
        if line.lstrip().startswith(b"["):
            yield from _array(line, it, lines, name, bad)
            return
        yield from _one(line, lines.number, name, bad)
        break
    for line in it:
        if line.strip():
            yield from _one(line, lines.number, name, bad)


def _one(line: bytes, number: int, name: str, bad: BadLines) -> Iterator[tuple[int, dict]]:
    try:
        try:
            value = json.loads(line)
        except UnicodeDecodeError:  # a stray byte that is not UTF-8: keep the rest of the text
            value = json.loads(line.decode("utf-8", "replace"))
    except (ValueError, RecursionError) as exc:
        bad.add(name, number, f"not a JSON object ({_reason(exc)})")
        return
    if not isinstance(value, dict):
        bad.add(name, number, f"expected a JSON object, found {type(value).__name__}")
        return
    if b"\\ud" in line or b"\\uD" in line:  # cheap test first: escapes are rare
        value = tidy(value)
    yield number, value


def _reason(exc: Exception) -> str:
    return exc.msg if isinstance(exc, json.JSONDecodeError) else type(exc).__name__


_DECODER = json.JSONDecoder()


def _array(first: bytes, rest: Iterator[bytes], lines: _Lines, name: str,
           bad: BadLines) -> Iterator[tuple[int, dict]]:
    """Stream the items of a JSON array spread over lines; one bad item ends the array."""
    utf8 = codecs.getincrementaldecoder("utf-8")("replace")
    buf, pos = utf8.decode(first + b"\n").lstrip()[1:], 0
    for line in _then(rest):
        if line is not None:
            buf = buf[pos:] + utf8.decode(line + b"\n")
            pos = 0
        while True:
            while pos < len(buf) and buf[pos] in " \t\r\n,":
                pos += 1
            if pos < len(buf) and buf[pos] == "]":
                return
            try:
                value, end = _DECODER.raw_decode(buf, pos)
            except json.JSONDecodeError as exc:
                if line is None or len(buf) - pos > MAX_ITEM:  # it can never complete
                    bad.add(name, lines.number, f"JSON array item is not valid ({exc.msg}); "
                                                "the rest of the array is skipped")
                    return
                break  # the item goes on in the next line
            start, pos = pos, end
            if isinstance(value, dict):
                if "\\u" in buf[start:end]:
                    value = tidy(value)
                yield lines.number, value
            else:
                bad.add(name, lines.number,
                        f"expected a JSON object, found {type(value).__name__}")
        if line is None:
            return


def _then(lines: Iterator[bytes]) -> Iterator[bytes | None]:
    """The lines, then None once for the end of the input."""
    yield from lines
    yield None
