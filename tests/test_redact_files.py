"""`threadpress redact`: redactions.yaml applied to the thread files and import records
themselves. Afterwards no file of the site folder holds the removed words or names (in any
encoding a file may hold them), the build makes the same pages, a second run and a re-import
change nothing."""

from __future__ import annotations

import gzip
import html
import json
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote

import pytest
import yaml

from support import parse_diagnostic, python_env
from test_build import make_site
from test_redact import BY_EVE, BY_ID, DRAMA, THREAD
from threadpress import redact_files, redactions
from threadpress.build import build_site
from threadpress.cli import main
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


def _red(text: str) -> redactions.Redactions:
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        (Path(d) / "redactions.yaml").write_text(text, encoding="utf-8")
        return redactions.load_redactions(Path(d))
