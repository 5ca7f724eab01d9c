"""Reading dump files: every compression, long zstd windows, truncation, bad lines, arrays."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import zstandard

import dumpfiles
from threadpress.errors import ThreadpressError
from threadpress.importers.dumpio import BadLines, Progress, compression, records

RECORDS = [{"id": str(i), "body": f"text {i} " * (i % 7)} for i in range(3000)]


def read(path: Path) -> tuple[list[tuple[int, dict]], BadLines]:
    bad = BadLines()
    return list(records(path, bad, Progress(io.StringIO()))), bad


@pytest.mark.parametrize("kind", list(dumpfiles.SUFFIX))
def test_every_compression_reads_every_record(tmp_path, kind):
    path = dumpfiles.write(tmp_path, "d", RECORDS, kind)
    got, bad = read(path)
    assert [d for _, d in got] == RECORDS and bad.count == 0
    assert [n for n, _ in got] == list(range(1, len(RECORDS) + 1))
    assert compression(path.read_bytes()[:6]) == kind.removesuffix("-long")


def test_long_window_needs_the_raised_limit(tmp_path):
    path = dumpfiles.write(tmp_path, "long", RECORDS, "zstd-long")
    params = zstandard.get_frame_parameters(path.read_bytes())
    assert params.window_size > 2 ** 27  # over the default limit: this is a long-window file
    with pytest.raises(zstandard.ZstdError):
        zstandard.ZstdDecompressor().decompressobj().decompress(path.read_bytes())
    assert len(read(path)[0]) == len(RECORDS)


def test_concatenated_frames_and_members(tmp_path):
    data = dumpfiles.lines(RECORDS[:10]), dumpfiles.lines(RECORDS[10:20])
    for kind in ("zstd", "gzip", "bz2", "xz"):
        path = tmp_path / f"cat.{kind}"
        path.write_bytes(b"".join(dumpfiles.compress(part, kind) for part in data))
        assert [d for _, d in read(path)[0]] == RECORDS[:20], kind


@pytest.mark.parametrize("kind", ["zstd", "zstd-long", "gzip", "bz2", "xz"])
def test_a_truncated_file_says_where_it_broke(tmp_path, kind):
    first = dumpfiles.compress(dumpfiles.lines(RECORDS[:100]), kind)  # one whole stream
    rest = dumpfiles.compress(dumpfiles.lines(RECORDS[100:]), kind)  # then one cut short
    path = tmp_path / "cut"
    path.write_bytes(first + rest[: len(rest) * 2 // 3])
    bad = BadLines()
    got = []
    with pytest.raises(ThreadpressError) as info:
        for item in records(path, bad, Progress(io.StringIO())):
            got.append(item)
    [d] = info.value.diagnostics
    assert d.file == str(path) and "truncated" in d.message
    assert 100 <= len(got) < len(RECORDS) and [r for _, r in got] == RECORDS[:len(got)]
    assert d.line == len(got) + 1  # the line it broke in, after every line before it was read
    assert f"the {len(got):,} lines before this one were read" in d.message


def test_corrupt_data_is_an_error_not_a_traceback(tmp_path):
    whole = bytearray(dumpfiles.compress(dumpfiles.lines(RECORDS), "zstd"))
    whole[40:60] = b"\xff" * 20
    path = tmp_path / "bad.zst"
    path.write_bytes(bytes(whole))
    with pytest.raises(ThreadpressError) as info:
        read(path)
    [d] = info.value.diagnostics
    assert d.file == str(path) and ("corrupt" in d.message or "truncated" in d.message)


def test_bad_lines_are_counted_with_their_numbers(tmp_path):
    recs = [RECORDS[0], "{not json", RECORDS[1], "[1, 2]", "", "   ", '"a string"', RECORDS[2],
            '{"id": "cut'] + [f"bad {i}" for i in range(30)]
    path = dumpfiles.write(tmp_path, "bad", recs, "gzip")
    got, bad = read(path)
    assert [n for n, _ in got] == [1, 3, 8]
    assert bad.count == 4 + 30
    shown = bad.diagnostics()
    assert [d.line for d in shown[:4]] == [2, 4, 7, 9]
    assert all(d.warning and d.file == str(path) for d in shown[:-1])
    assert shown[-1].message == f"{bad.count - 20:,} more bad lines skipped"


def test_bytes_that_are_not_utf8_are_replaced(tmp_path):
    path = tmp_path / "latin1.jsonl"
    path.write_bytes(b'{"id": "1", "body": "caf\xe9"}\n')
    assert read(path)[0] == [(1, {"id": "1", "body": "caf\ufffd"})]


def test_crlf_and_no_final_newline(tmp_path):
    path = tmp_path / "crlf.jsonl"
    path.write_bytes(b'{"id": "1"}\r\n{"id": "2"}')
    assert [d for _, d in read(path)[0]] == [{"id": "1"}, {"id": "2"}]


def test_a_json_array_streams_item_by_item(tmp_path):
    path = tmp_path / "items.json"
    path.write_text(json.dumps(RECORDS[:50], indent=2))
    got, bad = read(path)
    assert [d for _, d in got] == RECORDS[:50] and bad.count == 0
    assert all(a < b for (a, _), (b, _) in zip(got, got[1:]))  # line numbers rise


def test_a_bad_array_item_is_reported(tmp_path):
    path = tmp_path / "items.json"
    path.write_text('[{"id": 1},\n 7,\n {"id": 2},\n {"id": ')
    got, bad = read(path)
    assert [d for _, d in got] == [{"id": 1}, {"id": 2}]
    assert bad.count == 2 and bad.shown[0].line == 2


def test_missing_file(tmp_path):
    with pytest.raises(ThreadpressError) as info:
        read(tmp_path / "nope.zst")
    assert info.value.diagnostics[0].file.endswith("nope.zst")


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_shows_bytes_items_threads_on_a_terminal_only(tmp_path):
    path = dumpfiles.write(tmp_path, "p", RECORDS, "zstd")
    tty, pipe = _Tty(), io.StringIO()
    for stream in (tty, pipe):
        p = Progress(stream, every=0)
        for n, _ in records(path, BadLines(), p):
            p.items = n
        p.threads = 7
        p.finish()
    last = tty.getvalue().rstrip("\n").split("\r")[-1]
    size = path.stat().st_size / 1e6
    assert last.startswith(f"{path}: {size:,.1f}/{size:,.1f} MB 100%, 3,000 items, 7 threads")
    assert pipe.getvalue() == ""


def test_lone_surrogates_become_replacement_characters(tmp_path):
    """Old dumps hold emoji cut in half (`\\ud83d` alone): they cannot be written as UTF-8."""
    path = tmp_path / "s.jsonl"
    path.write_bytes(b'{"id": "1", "body": "cut \\ud83d here", "k\\udfff": ["\\ud800", {"a": 1}]}\n'
                     b'{"id": "2", "body": "whole \\ud83d\\ude00 pair"}\n')
    [(_, one), (_, two)] = read(path)[0]
    assert one == {"id": "1", "body": "cut \ufffd here", "k\ufffd": ["\ufffd", {"a": 1}]}
    assert two["body"] == "whole \U0001f600 pair"
    for d in (one, two):
        json.dumps(d, ensure_ascii=False).encode("utf-8")  # writable
    array = tmp_path / "a.json"
    array.write_bytes(b'[{"id": 1, "text": "\\udc00"}]')
    assert read(array)[0][0][1] == {"id": 1, "text": "\ufffd"}
