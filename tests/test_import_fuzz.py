"""Importer fuzzing: type mutations of every real payload either import into a file that
`check` accepts, or are refused with a placed message and a non-zero exit — never a traceback.

The default run is seeded and small (a few seconds); `pytest -m fuzz` runs many more mutants
over every payload, the large real ones included (tests/fixtures/real/).
"""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path
from typing import Any, Iterator

import pytest

from support import REAL_FIXTURES
from threadpress.cli import main

OWN = Path(__file__).resolve().parent / "fixtures" / "import"
SOURCE_OF = {"hn": "hn", "reddit": "reddit", "lobsters": "lobsters", "discourse": "discourse",
             "github": "github", "mastodon": "mastodon", "mbox": "mbox"}
SMALL = 64_000  # bytes: payloads above this only join the long run
# Comment lists of GitHub's 2012 schema (no issue_url) import only beside their issue, and the
# fuzzer imports one file at a time; test_import_github.py covers them (refused alone).
NOT_ALONE = {"github-comments-2012.json", "issue-pygithub-28-comments-2012.json"}

# What a careless exporter or a hostile payload puts where another type belongs.
REPLACEMENTS: list[Any] = [
    True, False, None, 0, -1, 1.5, 10 ** 30, "", "x", "12", "\ud800", "a\udfffb", "\ue000\ue001",
    "<script>alert(1)</script>", "2024-99-99", [], {}, [1, 2], {"a": [1]}, [{"id": [1]}],
]


def _payloads(limit: int | None) -> list[tuple[str, Path]]:
    """(source, file) for every payload, own fixtures first, then the real ones (their
    licences and provenance are not payloads: no source matches their names)."""
    found = []
    for path in sorted(OWN.iterdir()):
        found.append((_source(path.name), path))
    for path in sorted(REAL_FIXTURES.glob("*/*")):
        found.append((_source(path.parent.name), path))
    return [(s, p) for s, p in found if s and p.name not in NOT_ALONE
            and (limit is None or p.stat().st_size <= limit)]


def _source(name: str) -> str | None:
    return next((s for key, s in SOURCE_OF.items() if name.startswith(key)), None)


def _paths(data: Any) -> list[tuple]:
    """Every value's path in a JSON document, found without recursion."""
    out: list[tuple] = []
    stack: list[tuple[tuple, Any]] = [((), data)]
    while stack:
        path, value = stack.pop()
        out.append(path)
        if isinstance(value, dict):
            stack.extend((path + (k,), v) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((path + (i,), v) for i, v in enumerate(value))
    return out


def _mutants(data: Any, rng: random.Random, count: int) -> Iterator[Any]:
    """Copies of `data` with one to three values replaced by a value of another type, or dropped."""
    paths = [p for p in _paths(data) if p]
    for _ in range(count):
        doc = json.loads(json.dumps(data))
        for path in rng.sample(paths, min(len(paths), rng.randint(1, 3))):
            _mutate(doc, path, rng)
        yield doc


def _mutate(doc: Any, path: tuple, rng: random.Random) -> None:
    parent = doc
    for key in path[:-1]:
        try:
            parent = parent[key]
        except (KeyError, IndexError, TypeError):
            return  # an earlier mutation replaced an ancestor
    key = path[-1]
    if isinstance(parent, list):
        if not isinstance(key, int) or key >= len(parent):
            return
    elif not isinstance(parent, dict) or key not in parent:
        return
    if isinstance(parent, dict) and rng.random() < 0.15:
        del parent[key]
    else:
        parent[key] = rng.choice(REPLACEMENTS)


def _mbox_mutants(data: bytes, rng: random.Random, count: int) -> Iterator[bytes]:
    """Header-level damage: 8-bit bytes in ids, dropped or duplicated headers, odd dates."""
    lines = data.split(b"\n")
    headers = [i for i, ln in enumerate(lines)
               if ln[:1].isalpha() and b":" in ln[:40] and not ln.startswith(b"From ")]
    damage = [b"Message-ID: <caf\xe9@example.org>", b"Message-ID: <" + b"x" * 300 + b"@a>",
              b"Date: not a date", b"Date: Mon, 99 Foo 2024 99:99:99 +9999",
              b"References: <\xff\xfe@x>", b"In-Reply-To: <>", b"Subject: =?utf-8?q?=ED=A0=80?=",
              b"From: \xe9\xe9 <@>", b"Content-Type: text/plain; charset=bogus-8",
              b"Content-Transfer-Encoding: base64", b""]
    for _ in range(count):
        out = list(lines)
        for i in rng.sample(headers, min(len(headers), rng.randint(1, 3))):
            out[i] = rng.choice(damage)
        yield b"\n".join(out)


def _check_outcome(tmp: Path, source: str, payload: bytes, suffix: str,
                   capsys: pytest.CaptureFixture, fmt: str = "yaml") -> None:
    """Import one mutant over an earlier import; assert a clean refusal or a checkable file."""
    src = tmp / f"mutant{suffix}"
    src.write_bytes(payload)
    content = tmp / "site" / "content"
    before = {p: p.read_bytes() for p in content.rglob("*") if p.is_file()}
    capsys.readouterr()
    code = main(["import", source, str(src), "-o", str(content), "--format", fmt])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    if code != 0:
        assert code == 1 and err.strip(), (source, out)
        for line in err.strip().splitlines():
            assert ": error: " in line or ": warning: " in line, line
        after = {p: p.read_bytes() for p in content.rglob("*") if p.is_file()}
        assert after == before  # a refused import writes nothing
        return
    assert main(["check", str(tmp / "site")]) == 0, capsys.readouterr().err
    capsys.readouterr()


def _fuzz(source: str, path: Path, tmp: Path, capsys: pytest.CaptureFixture,
          count: int, seed: int) -> None:
    rng = random.Random(f"{seed}:{path.name}")
    content = tmp / "site" / "content"
    assert main(["import", source, str(path), "-o", str(content)]) == 0  # the original imports
    capsys.readouterr()
    raw = path.read_bytes()
    if source == "mbox":
        mutants = (m for m in _mbox_mutants(raw, rng, count))
    else:
        data = _load_payload(raw)
        mutants = (json.dumps(m).encode() for m in _mutants(data, rng, count))
    for payload in mutants:
        _check_outcome(tmp, source, payload, path.suffix, capsys)
    _fuzz_edits(source, path, tmp, capsys, rng, count)
    shutil.rmtree(tmp / "site")


def _fuzz_edits(source: str, path: Path, tmp: Path, capsys: pytest.CaptureFixture,
                rng: random.Random, count: int) -> None:
    """Careless hand edits of an imported file, then a re-import of the original payload."""
    content = tmp / "site" / "content"
    shutil.rmtree(content)
    assert main(["import", source, str(path), "-o", str(content), "--format", "json"]) == 0
    files = sorted((content / source).glob("*.json"))[:3]
    originals = {f: f.read_bytes() for f in files}
    for _ in range(max(1, count // 3)):
        for f, data in originals.items():
            [doc] = _mutants(json.loads(data), rng, 1)
            f.write_text(json.dumps(doc), encoding="utf-8")  # lone surrogates stay escaped
        _check_outcome(tmp, source, path.read_bytes(), path.suffix, capsys, "json")
        for f, data in originals.items():
            f.write_bytes(data)


def _load_payload(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except json.JSONDecodeError:  # JSON Lines (HN Firebase items)
        return [json.loads(line) for line in raw.splitlines() if line.strip()]


@pytest.mark.parametrize("source, path", _payloads(SMALL), ids=lambda v: getattr(v, "name", v))
def test_type_mutations_never_crash(source, path, tmp_path, capsys):
    _fuzz(source, path, tmp_path, capsys, count=12, seed=1)


@pytest.mark.fuzz
@pytest.mark.parametrize("source, path", _payloads(None), ids=lambda v: getattr(v, "name", v))
def test_type_mutations_never_crash_many(source, path, tmp_path, capsys):
    _fuzz(source, path, tmp_path, capsys, count=150, seed=2)
