"""`threadpress redact`: redactions.yaml applied to the thread files and import records
themselves. Afterwards no file of the site folder holds the removed words or names (in any
encoding a file may hold them), the build makes the same pages, a second run and a re-import
change nothing."""

from __future__ import annotations

import errno
import gzip
import html
import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote

import pytest
import yaml

from support import diagnostics, parse_diagnostic, python_env
from test_build import make_site
from test_redact import BY_EVE, BY_ID, DRAMA, THREAD
from threadpress import redact_files, redactions
from threadpress.build import build_site
from threadpress.cli import main
from threadpress.importers import common
from threadpress.importers.common import import_threads
from threadpress.load import load_text

HN = Path(__file__).resolve().parent / "fixtures" / "import" / "hn-algolia-small.json"

NESTED = """\
title: Nested, with Ünïcode
comments:
  - id: n1
    author: dora_h8
    body: Opening words.
    replies:
      - id: n2
        author: frank_w2
        body: "Geheimnis-Ünïcode-ß-99 — Straße der Diebe, ein Satz."
        replies:
          - id: n3
            author: dora_h8
            body: "> Geheimnis-Ünïcode-ß-99 — Straße der Diebe, ein Satz.\\n\\nQuoted."
            mentions: [eve_z3, "@eve_z3"]
  - id: n4
    author: gina_t6
    url: https://social.example/@eve_z3/n4
    body: plain
"""
REDACTIONS = """\
comments:
  - {thread: plain, id: "2", reason: "removed at the author's request"}
  - {thread: nested, id: n2}
  - {thread: hn/100, id: 102, reason: "asked"}
threads:
  - {thread: forum/drama}
  - {thread: "777", reason: "<b onmouseover=alert(1)>legal</b>"}
authors:
  - {name: eve_z3, reason: "author's request"}
  - {name: carol}
"""
# words of removed comments and threads, and the name of a removed comment's author: in no file
WORDS = ["HOSTILE-Q1", "HOSTILE-Q2", "HOSTILE-Q3", "ZEBRA-PAYLOAD", "zebra cartel",
         "MALLORY-BADGE", "EVE-WORDS", "EVE-TITLE", "EVE-THREAD-BODY", "DRAMA-TITLE",
         "DRAMA-BODY", "IDTHREAD", "Geheimnis-Ünïcode-ß-99", "Straße der Diebe", "Line one",
         "line two", "reply to a deleted one", "mallory_q7", "frank_w2"]
# removed authors: in no file but redactions.yaml, which must name them to keep them removed
NAMES = ["eve_z3", "carol"]


def _forms(needle: str) -> set[str]:
    """The needle as a file may hold it: UTF-8, JSON \\u escapes, HTML entities."""
    return {needle, json.dumps(needle)[1:-1], json.dumps(needle, ensure_ascii=False)[1:-1],
            html.escape(needle), needle.encode("ascii", "xmlcharrefreplace").decode()}


def _strings(value) -> list[str]:
    out, stack = [], [value]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            out.append(v)
        elif isinstance(v, dict):
            stack.extend(v.keys())
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
    return out


def _texts(path: Path) -> list[str]:
    """Every way a file's bytes read: as they are (gzip opened: Pagefind's fragments),
    HTML-unescaped, URL-unquoted, and each string of it when it parses as JSON or YAML."""
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    text = raw.decode("utf-8", "replace")
    texts = [text, html.unescape(text), unquote(text)]
    try:
        if path.suffix == ".json":
            texts += _strings(json.loads(text))
        elif path.suffix in (".yaml", ".yml"):
            texts += _strings(yaml.safe_load(text))
    except ValueError:
        pass
    return texts


def leaks(root: Path) -> list[str]:
    """`file: needle` for each removed word or name found in any file under `root`."""
    found = set()
    words = [(w, re.compile("|".join(map(re.escape, _forms(w))), re.I)) for w in WORDS]
    names = [(n, re.compile(rf"(?<![\w@])(?:{'|'.join(map(re.escape, _forms(n)))})(?!\w)", re.I))
             for n in NAMES]
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        texts = _texts(path)
        for needle, pattern in words + names:
            if any(pattern.search(t) for t in texts):
                found.add(f"{path.relative_to(root).as_posix()}: {needle}")
    return sorted(found)


def _site(root: Path) -> Path:
    site = make_site(root, {
        "plain.yaml": THREAD, "eve.yaml": BY_EVE, "forum/drama.yaml": DRAMA, "byid.json": BY_ID,
        "nested.yaml": NESTED,
        "other.yaml": "title: Kept\ncomments:\n  - {id: k, author: alice_p4, body: kept}\n"},
        "base_url: https://example.org/archive/\n")
    import_threads("hn", [str(HN)], site / "content", "yaml")
    return site


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def redacted(tmp_path_factory) -> dict:
    """A site built before its takedowns, then given them: built (cold) once before
    `redact`, redacted, and built again, in place and (cold) elsewhere."""
    tmp = tmp_path_factory.mktemp("redact-files")
    site = _site(tmp / "site")
    assert build_site(site, quiet=True) == 0             # output/ and state hold every word
    (site / "redactions.yaml").write_text(REDACTIONS, encoding="utf-8")
    assert build_site(site, output=tmp / "before", quiet=True) == 0
    content_before = _tree(site / "content")
    first = redact_files.redact_site(site)
    second = redact_files.redact_site(site)
    assert build_site(site, quiet=True) == 0
    assert build_site(site, output=tmp / "after", quiet=True) == 0
    return {"site": site, "tmp": tmp, "first": first, "second": second,
            "content_before": content_before}


def test_the_leak_check_finds_the_words_before_redact(redacted):
    """The check can fail: the files as they were hold every word and name."""
    tmp = redacted["tmp"] / "unredacted"
    for rel, data in redacted["content_before"].items():
        (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp / rel).write_bytes(data)
    found = {line.split(": ", 1)[1] for line in leaks(tmp)}
    assert found == set(WORDS) | set(NAMES)
    assert any(line.startswith("_imports/hn/") for line in leaks(tmp))


def test_no_file_in_the_site_folder_holds_a_removed_word_or_name(redacted):
    found = leaks(redacted["site"])
    # the list itself names the removed authors: it is what keeps them removed
    assert found == [f"redactions.yaml: {n}" for n in sorted(NAMES)]
    assert (redacted["site"] / "output" / "plain" / "index.html").is_file()
    assert list((redacted["site"] / "output" / "pagefind").rglob("*.pf_fragment"))


def test_the_search_index_of_a_build_with_takedowns_holds_no_removed_thread(redacted):
    """Before `redact` too: a removed thread's search document is empty (Pagefind's fragments
    are gzipped, so only opening them shows this)."""
    assert leaks(redacted["tmp"] / "before") == []


def test_the_build_makes_the_same_site_before_and_after(redacted):
    before, after = _tree(redacted["tmp"] / "before"), _tree(redacted["tmp"] / "after")
    # Named by hashes of the thread files' bytes, which `redact` changed: the build marker
    # (its build id) and the search bundles' folders (their contents are the same bytes).
    marker = ".threadpress-output"
    assert before.pop(marker).splitlines()[0] == after.pop(marker).splitlines()[0]
    bundle = re.compile(rb"pagefind/([0-9a-f]{16})/")
    names = {m.group(1) for data in before.values() for m in [bundle.search(data)] if m}
    new = {m.group(1) for data in after.values() for m in [bundle.search(data)] if m}
    assert len(names) == len(new) == 1
    old, fresh = names.pop().decode(), new.pop().decode()

    def same(files: dict[str, bytes], name: str) -> dict[str, bytes]:
        return {k.replace(f"pagefind/{name}/", "pagefind/*/"):
                v.replace(f"pagefind/{name}/".encode(), b"pagefind/*/") for k, v in files.items()}
    assert same(before, old) == same(after, fresh)
    assert "plain/index.html" in before and "nested/c/n2/index.html" in before


def test_it_says_what_it_did_and_a_second_run_does_nothing(redacted):
    first, second = redacted["first"], redacted["second"]
    assert first.summary() == ("redacted 5 comments, 3 threads and 4 other texts (quotes, names, "
                               "links) in 6 of 7 thread files, and 1 of 1 import record")
    assert second.planned == [] and second.errors == []
    assert second.summary() == ("nothing to redact: the takedowns are already in all 7 thread "
                                "files and 1 import record")


def test_a_removed_comment_keeps_its_place_and_says_so(redacted):
    content = redacted["site"] / "content"
    plain = yaml.safe_load((content / "plain.yaml").read_text(encoding="utf-8"))
    by_id = {c["id"]: c for c in plain["comments"]}
    assert by_id["2"] == {"id": "2", "parent": "1", "format": "html", "deleted": True,
                          "removed": "removed at the author's request"}
    assert by_id["4"] == {"id": "4", "parent": "1", "deleted": True, "removed": "author's request"}
    assert by_id["3"]["parent"] == "2" and "[removed]" in by_id["3"]["body"]
    assert by_id["5"]["body"] == "[removed] thanks, and [removed] is right."
    nested = yaml.safe_load((content / "nested.yaml").read_text(encoding="utf-8"))
    n2 = nested["comments"][0]["replies"][0]
    assert (n2["id"], n2["deleted"], n2["removed"]) == ("n2", True, True)
    assert "author" not in n2 and "body" not in n2 and n2["replies"][0]["id"] == "n3"
    assert n2["replies"][0]["mentions"] == ["[removed]", "[removed]"]
    assert "url" not in nested["comments"][1]    # its path carried a removed name


def test_a_removed_thread_keeps_only_its_addresses(redacted):
    content = redacted["site"] / "content"
    assert yaml.safe_load((content / "eve.yaml").read_text(encoding="utf-8")) == {
        "title": "[removed]", "removed": "author's request",
        "comments": [{"id": "a", "deleted": True}]}
    assert json.loads((content / "byid.json").read_text(encoding="utf-8")) == {
        "title": "[removed]", "id": "777", "removed": "<b onmouseover=alert(1)>legal</b>",
        "comments": [{"id": "y", "deleted": True}]}


def test_the_import_record_is_redacted_as_its_thread_file(redacted):
    content = redacted["site"] / "content"
    record = json.loads((content / "_imports" / "hn" / "100.json").read_text(encoding="utf-8"))
    assert record["threadpress_import"] == 1 and record["source"] == "hn"
    by_id = {str(c["id"]): c for c in record["thread"]["comments"]}
    assert by_id["102"]["removed"] == "asked" and "body" not in by_id["102"]
    assert by_id["104"]["removed"] is True and "author" not in by_id["104"]
    thread = yaml.safe_load((content / "hn" / "100.yaml").read_text(encoding="utf-8"))
    in_file = {str(c["id"]): c for c in thread["comments"]}
    assert (in_file["102"], in_file["104"]) == (by_id["102"], by_id["104"])


def test_reimporting_the_same_payload_brings_nothing_back(redacted, tmp_path):
    site = tmp_path / "site"
    (site / "content").mkdir(parents=True)
    for rel, data in _tree(redacted["site"] / "content").items():
        (site / "content" / rel).parent.mkdir(parents=True, exist_ok=True)
        (site / "content" / rel).write_bytes(data)
    (site / "redactions.yaml").write_text(REDACTIONS, encoding="utf-8")
    before = _tree(site / "content")
    [done] = import_threads("hn", [str(HN)], site / "content", "yaml")
    assert done.status == "unchanged"
    assert _tree(site / "content") == before
    assert leaks(site) == [f"redactions.yaml: {n}" for n in sorted(NAMES)]


def test_an_import_with_the_list_present_applies_it(tmp_path):
    """Without `redact` first, and over a local edit that copied the removed text: the import
    writes neither into the thread file or the record."""
    site = tmp_path / "site"
    import_threads("hn", [str(HN)], site / "content", "yaml")
    path = site / "content" / "hn" / "100.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc["comments"][-1]["body"] = "I edited this: Line one, line two"   # 102, by hand
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    (site / "redactions.yaml").write_text("comments:\n  - {thread: hn/100, id: '102'}\n"
                                          "authors:\n  - {name: carol}\n", encoding="utf-8")
    import_threads("hn", [str(HN)], site / "content", "yaml")
    assert [line for line in leaks(site) if not line.startswith("redactions.yaml")] == []
    assert redact_files.redact_site(site).planned == []     # nothing left for redact to do


def test_a_redacted_file_builds_the_same_without_its_entry():
    """The `removed:` marks keep a comment removed once the name that matched it is gone."""
    red = _red("authors:\n  - {name: eve_z3, reason: gone}\n")
    doc = yaml.safe_load(THREAD)
    redact_files.redact_doc(doc, "plain", "plain", red)
    text = yaml.safe_dump(doc, sort_keys=False)
    with_entry, _ = load_text(text, "plain.yaml", "plain")
    without, _ = load_text(text, "plain.yaml", "plain")
    redactions.apply(with_entry, red)
    redactions.apply(without, redactions.Redactions())
    assert with_entry == without
    assert without.comment("4").removed == "gone" and without.comment("4").author is None


@pytest.mark.parametrize("text, slug", [(THREAD, "plain"), (NESTED, "nested"), (BY_EVE, "eve")])
def test_the_files_and_the_build_decide_alike(text, slug):
    """A thread redacted in its file, loaded and taken down, is the thread the build makes."""
    red = _red(REDACTIONS.replace("nested, id: n2", "nested, id: n3"))
    doc = yaml.safe_load(text)
    redact_files.redact_doc(doc, slug, slug, red)
    built, _ = load_text(text, f"{slug}.yaml", slug)
    redone, diags = load_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True),
                              f"{slug}.yaml", slug)
    assert redone is not None, diags
    redactions.apply(built, red)
    redactions.apply(redone, red)
    assert redact_files._built(redone) == redact_files._built(built)


def test_a_redaction_that_would_change_the_build_writes_nothing(tmp_path, monkeypatch):
    site = make_site(tmp_path / "s", {"plain.yaml": THREAD})
    (site / "redactions.yaml").write_text("comments:\n  - {thread: plain, id: '2'}\n")
    wrong = redact_files._blank_comment

    def blank_and_lose_the_place(c: dict, reason: str) -> bool:
        changed = wrong(c, reason)
        c.pop("parent", None)
        return changed
    monkeypatch.setattr(redact_files, "_blank_comment", blank_and_lose_the_place)
    with pytest.raises(Exception) as caught:
        redact_files.redact_site(site)
    assert "would not build as before" in str(caught.value)
    assert (site / "content" / "plain.yaml").read_text() == THREAD


def test_bad_input_is_a_located_message_and_exit_1(tmp_path, capsys):
    assert main(["redact", str(tmp_path / "nowhere")]) == 1
    err = capsys.readouterr().err
    assert "nowhere: error: no such site folder" in err and "Traceback" not in err
    site = make_site(tmp_path / "s", {"plain.yaml": THREAD, "bad.yaml": "title: [broken\n"})
    (site / "redactions.yaml").write_text("comments:\n  - {thread: plain}\n")
    assert main(["redact", str(site)]) == 1
    d = parse_diagnostic(capsys.readouterr().err.splitlines()[0])
    assert d["path"].endswith("redactions.yaml") and (d["line"], d["column"]) == (2, 5)
    assert "`id` is required" in d["message"]
    # a broken thread file is named and left alone; the others are still redacted
    (site / "redactions.yaml").write_text("comments:\n  - {thread: plain, id: '2'}\n")
    assert main(["redact", str(site)]) == 1
    out, err = capsys.readouterr()
    assert parse_diagnostic(err.splitlines()[0])["path"].endswith("bad.yaml")
    assert "bad.yaml: error: not redacted" in err
    assert out.startswith("redacted 1 comment and 1 other text (quotes, names, links) in 1 of "
                          "2 thread files")
    assert (site / "content" / "bad.yaml").read_text() == "title: [broken\n"
    assert "ZEBRA" not in (site / "content" / "plain.yaml").read_text()
    assert [p.name for p in (site / "content").iterdir() if p.name.startswith(".")] == []


def test_the_command_line(tmp_path):
    site = _site(tmp_path / "site")
    (site / "redactions.yaml").write_text(REDACTIONS, encoding="utf-8")

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "threadpress", *args], capture_output=True,
                              text=True, env=python_env(), timeout=120)
    done = run("redact", str(site))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("redacted 5 comments, 3 threads") and done.stderr == ""
    again = run("redact", str(site))
    assert (again.returncode, again.stdout.split(":")[0]) == (0, "nothing to redact")
    helped = run("redact", "--help")
    assert "threadpress redact my-archive" in helped.stdout and "git history" in helped.stdout
    # a re-import from the site folder, into the default `-o content`: nothing comes back
    before = _tree(site / "content")
    imported = subprocess.run([sys.executable, "-m", "threadpress", "import", "hn", str(HN), "-v"],
                              capture_output=True, text=True, env=python_env(), timeout=120,
                              cwd=site)
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.split(": ")[-1].strip() == "unchanged"
    assert _tree(site / "content") == before
    (site / "redactions.yaml").write_text("authors: [{name: [x]}]\n", encoding="utf-8")
    broken = subprocess.run([sys.executable, "-m", "threadpress", "import", "hn", str(HN)],
                            capture_output=True, text=True, env=python_env(), timeout=120,
                            cwd=site)
    assert broken.returncode == 1 and "Traceback" not in broken.stderr
    [d] = [parse_diagnostic(line) for line in broken.stderr.splitlines()]
    assert (d["path"], d["field"]) == ("redactions.yaml", "authors[0].name")


# --- faults, moved and linked files, --dry-run -------------------------------------------------

TWO = "comments:\n  - {thread: plain, id: '2'}\n  - {thread: hn/100, id: '102'}\n"


def _small_site(root: Path, entries: str = TWO) -> Path:
    """plain.yaml and an HN import (thread file and record), with `entries` to apply."""
    site = make_site(root, {"plain.yaml": THREAD})
    import_threads("hn", [str(HN)], site / "content", "yaml")
    (site / "redactions.yaml").write_text(entries, encoding="utf-8")
    return site


def _run(capsys, *args: str) -> tuple[int, str, list[dict]]:
    """`threadpress redact ARGS`: exit status, standard output, the diagnostics on stderr."""
    status = main(["redact", *args])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return status, out, diagnostics(err)


@pytest.mark.parametrize("denied, why", [
    ("content/_imports/hn", "its folder content/_imports/hn is not writable"),
    ("content/_imports/hn/100.json", "it is read-only")])
def test_a_file_that_cannot_be_written_is_named_and_nothing_is_written(
        tmp_path, monkeypatch, capsys, denied, why):
    """Checked for every file before any is written: never a site half redacted (the thread
    file done, its import record not). Root ignores modes, so os.access says no here."""
    site = _small_site(tmp_path / "s")
    monkeypatch.chdir(site)
    before = _tree(site / "content")
    real_access = os.access
    monkeypatch.setattr(redact_files.os, "access", lambda path, mode: False if
                        Path(path).resolve() == (site / denied).resolve() else
                        real_access(path, mode))
    status, out, diags = _run(capsys)
    assert status == 1
    assert [(d["path"], d["kind"]) for d in diags] == [("content/_imports/hn/100.json", "error")]
    assert diags[0]["message"].startswith(f"cannot write this file: {why}; nothing was written")
    assert _tree(site / "content") == before
    assert out.startswith("nothing was redacted: 3 files to change, none written")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_folder_for_real(tmp_path, capsys):
    site = _small_site(tmp_path / "s")
    before = _tree(site / "content")
    folder = site / "content" / "_imports" / "hn"
    folder.chmod(0o555)
    try:
        status, _, diags = _run(capsys, str(site))
    finally:
        folder.chmod(0o755)
    assert status == 1 and diags[0]["path"].endswith("_imports/hn/100.json")
    assert _tree(site / "content") == before


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EACCES])
def test_a_write_that_fails_is_named_and_ends_the_writes(tmp_path, monkeypatch, capsys, code):
    """A full disk half-way: the file is named, no traceback, exit 1, and what was written
    is whole. The real writer is used; its temporary file is what fails."""
    site = _small_site(tmp_path / "s")
    monkeypatch.chdir(site)
    made = []
    real_mkstemp = common.tempfile.mkstemp

    def mkstemp(**kw):
        made.append(Path(kw["dir"]) / kw["prefix"])
        if len(made) == 2:
            raise OSError(code, os.strerror(code))
        return real_mkstemp(**kw)
    monkeypatch.setattr(common.tempfile, "mkstemp", mkstemp)
    status, out, diags = _run(capsys)
    assert status == 1
    # each thread file is written just before its import record
    assert [p.as_posix().rsplit("/", 2)[-2:] for p in made] == [
        ["hn", ".100.yaml."], ["hn", ".100.json."]]
    [d] = diags
    assert d["path"] == "content/_imports/hn/100.json" and d["kind"] == "error"
    assert d["message"].startswith(f"cannot write this file ({os.strerror(code)}): it was not "
                                   "changed, nor the 1 file after it; run threadpress redact "
                                   "again")
    assert out == ("redacted 1 comment in 1 of 2 thread files, and 0 of 1 import record; "
                   "2 files not written (see above)\n")
    assert "Line one" in (site / "content" / "_imports" / "hn" / "100.json").read_text()
    assert [p.name for p in site.rglob(".*.tmp")] == []
    monkeypatch.setattr(common.tempfile, "mkstemp", real_mkstemp)
    status, out, diags = _run(capsys)      # run again: it finishes
    assert (status, diags) == (0, [])
    # the record's comment counts now: its thread file changed in the first run
    assert out == ("redacted 2 comments and 1 other text (quotes, names, links) in 1 of 2 thread "
                   "files, and 1 of 1 import record\n")
    assert "Line one" not in (site / "content" / "_imports" / "hn" / "100.json").read_text()


def test_a_thread_file_moved_after_import_has_its_record_redacted(tmp_path, capsys):
    """The record is found by what the import wrote into both files: the id and source."""
    site = _small_site(tmp_path / "s", "comments: [{thread: show/tidy, id: '102'}]\n")
    (site / "content" / "show").mkdir()
    (site / "content" / "hn" / "100.yaml").rename(site / "content" / "show" / "tidy.yaml")
    status, out, diags = _run(capsys, str(site))
    assert (status, diags) == (0, [])
    assert out == "redacted 1 comment in 1 of 2 thread files, and 1 of 1 import record\n"
    assert [rel for rel, data in _tree(site / "content").items() if b"Line one" in data] == []


def test_a_record_whose_thread_file_is_gone_gets_the_author_entries(tmp_path, monkeypatch,
                                                                      capsys):
    site = _small_site(tmp_path / "s", "authors: [{name: carol}]\n")
    monkeypatch.chdir(site)
    (site / "content" / "hn" / "100.yaml").unlink()
    status, out, diags = _run(capsys)
    assert status == 0
    assert [(d["path"], d["kind"]) for d in diags] == [("content/_imports/hn/100.json",
                                                        "warning")]
    assert "no thread file of this import record" in diags[0]["message"]
    assert out.endswith("in 1 of 1 import record (no thread file needed a change)\n")
    assert "carol" not in (site / "content" / "_imports" / "hn" / "100.json").read_text()


@pytest.mark.parametrize("bad", [b'{"thread": ', b"\xff\xfe not text", b'{"other": 1}'])
def test_a_broken_import_record_is_named_and_the_rest_still_redacted(tmp_path, monkeypatch,
                                                                       capsys, bad):
    site = _small_site(tmp_path / "s")
    monkeypatch.chdir(site)
    (site / "content" / "_imports" / "hn" / "0bad.json").write_bytes(bad)
    status, out, diags = _run(capsys)
    assert status == 1
    assert {d["path"] for d in diags} == {"content/_imports/hn/0bad.json"}
    assert diags[-1]["message"].startswith("not redacted: fix this import record")
    assert out.endswith("in 2 of 2 thread files, and 1 of 2 import records\n")
    assert [rel for rel, data in _tree(site / "content").items()
            if b"ZEBRA" in data or b"Line one" in data] == []
    assert (site / "content" / "_imports" / "hn" / "0bad.json").read_bytes() == bad


def test_a_linked_thread_file_is_redacted_in_the_file_it_names(tmp_path, capsys):
    """Written through the link (it stays a link), once for two links to one file."""
    site = make_site(tmp_path / "s", {})
    (site / "kept").mkdir()
    (site / "kept" / "t.yaml").write_text(THREAD, encoding="utf-8")
    for name in ("a.yaml", "b.yaml"):
        (site / "content" / name).symlink_to(Path("..") / "kept" / "t.yaml")
    (site / "redactions.yaml").write_text("authors: [{name: mallory_q7}]\n", encoding="utf-8")
    status, out, diags = _run(capsys, str(site))
    assert (status, diags) == (0, [])
    assert out.startswith("redacted 1 comment") and out.endswith("in 1 of 2 thread files\n")
    assert all((site / "content" / n).is_symlink() for n in ("a.yaml", "b.yaml"))
    text = (site / "kept" / "t.yaml").read_text(encoding="utf-8")
    assert "ZEBRA-PAYLOAD" not in text and "mallory_q7" not in text
    assert _run(capsys, str(site))[1].startswith("nothing to redact")


def test_two_links_to_one_file_with_different_takedowns_are_refused(tmp_path, monkeypatch,
                                                                    capsys):
    site = make_site(tmp_path / "s", {})
    monkeypatch.chdir(site)
    (site / "kept").mkdir()
    (site / "kept" / "t.yaml").write_text(THREAD, encoding="utf-8")
    for name in ("a.yaml", "b.yaml"):
        (site / "content" / name).symlink_to(Path("..") / "kept" / "t.yaml")
    (site / "redactions.yaml").write_text("comments: [{thread: a, id: '2'}]\n", encoding="utf-8")
    status, _, diags = _run(capsys)
    assert status == 1
    assert [d["path"] for d in diags] == ["content/a.yaml", "content/b.yaml"]
    assert "this file is also content/b.yaml (a link)" in diags[0]["message"]
    assert (site / "kept" / "t.yaml").read_text(encoding="utf-8") == THREAD


def test_dry_run_lists_what_it_would_change_and_writes_nothing(tmp_path, monkeypatch, capsys):
    site = _small_site(tmp_path / "s")
    monkeypatch.chdir(site)
    before = _tree(site / "content")
    status, out, diags = _run(capsys, "--dry-run")
    assert (status, diags) == (0, [])
    assert out.splitlines() == [
        "would change content/hn/100.yaml: 1 comment",
        "would change content/plain.yaml: 1 comment and 1 other text (quotes, names, links)",
        "would change content/_imports/hn/100.json: 1 comment",
        "would redact 2 comments and 1 other text (quotes, names, links) in 2 of 2 thread "
        "files, and 1 of 1 import record"]
    assert _tree(site / "content") == before
    status, out, _ = _run(capsys)
    assert (status, out.split()[0]) == (0, "redacted")


def test_a_rewritten_file_keeps_its_permission_bits(tmp_path, capsys):
    site = _small_site(tmp_path / "s")
    plain = site / "content" / "plain.yaml"
    plain.chmod(0o640)
    record = site / "content" / "_imports" / "hn" / "100.json"
    record.chmod(0o604)
    assert _run(capsys, str(site))[0] == 0
    assert "ZEBRA" not in plain.read_text()
    assert (stat.S_IMODE(plain.stat().st_mode), stat.S_IMODE(record.stat().st_mode)) == \
        (0o640, 0o604)


def test_a_new_file_gets_the_mode_open_would_give_it(tmp_path):
    """Not mkstemp's 0600: 0644 under the usual umask."""
    mask = os.umask(0o022)
    os.umask(mask)
    path = common._write(tmp_path / "new" / "t.yaml", "title: t\n")
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~mask
    path.chmod(0o600)
    common._write(path, "title: u\n")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def _red(text: str) -> redactions.Redactions:
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        (Path(d) / "redactions.yaml").write_text(text, encoding="utf-8")
        return redactions.load_redactions(Path(d))
