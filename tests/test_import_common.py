"""Shared importer machinery: parsing, times, output, merge, and the all-or-nothing writer."""

from __future__ import annotations

import io
import json
import re
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from threadpress.errors import ThreadpressError
from threadpress.importers import SOURCES, common, get
from threadpress.importers.common import (bad_input, clean, comment, dump, merge, parse_json,
                                          preorder, run_import, safe_name, thread, utc_iso)

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "import"


def test_sources_lists_all_seven_and_get_rejects_unknown():
    assert set(SOURCES) == {"hn", "reddit", "lobsters", "discourse", "github", "mastodon", "mbox"}
    assert get("hn").convert
    with pytest.raises(ThreadpressError) as err:
        get("slashdot")
    assert "slashdot" in str(err.value) and "reddit" in str(err.value)


def test_parse_json_reports_position_and_truncation():
    with pytest.raises(ThreadpressError) as err:
        parse_json(b'{"a": [1, 2,\n', "t.json")
    d = err.value.diagnostics[0]
    assert d.file == "t.json" and d.line == 2 and d.column == 1
    assert "not valid JSON (truncated?)" in d.message
    with pytest.raises(ThreadpressError) as err:
        parse_json(b'{"a" 1}', "u.json")
    assert "truncated" not in err.value.diagnostics[0].message
    with pytest.raises(ThreadpressError) as err:
        parse_json(b"\xff\xfe{}", "bin.json")
    assert "UTF-8" in str(err.value)
    assert parse_json('\ufeff{"a": 1}'.encode(), "bom.json") == {"a": 1}


@pytest.mark.parametrize("value, expected", [
    (1301670131, "2011-04-01T15:02:11Z"),
    (1301670131.987, "2011-04-01T15:02:11Z"),
    ("2011-04-01T15:02:11Z", "2011-04-01T15:02:11Z"),
    ("2011-04-01T15:02:11.999Z", "2011-04-01T15:02:11Z"),
    ("2021-04-03T17:43:55.000-05:00", "2021-04-03T22:43:55Z"),
    ("2013-02-03T12:00:00+0530", "2013-02-03T06:30:00Z"),
    ("2013-02-03 12:00:00", "2013-02-03T12:00:00Z"),
    (None, None), (False, None), ("", None),
])
def test_utc_iso(value, expected):
    assert utc_iso(value) == expected


def test_utc_iso_rejects_nonsense_and_as_time_passes_it_on():
    with pytest.raises(ValueError):
        utc_iso("yesterday")
    assert common.as_time("yesterday") == "yesterday"  # for the check of the result to name
    assert common.as_time([1]) == [1] and common.as_time(1301670131) == "2011-04-01T15:02:11Z"


def test_clean_comment_and_thread_key_order():
    assert clean({"a": None, "b": 0, "c": False}) == {"b": 0, "c": False}
    c = comment(body="x", extra=1, format="html", id="1", deleted=False, dead=True, parent=None)
    assert list(c) == ["id", "dead", "format", "body", "extra"]
    t = thread(comments=[c], body="b", id="9", title="T", zzz=1)
    assert list(t) == ["title", "id", "body", "zzz", "comments"]


def test_bad_input_names_file():
    err = bad_input("f.json", "expected X; found Y")
    assert str(err) == "f.json: error: expected X; found Y"


TRICKY = ["plain", "two\nlines", "trailing space \nnext", "  leading\nspaces", "ends\n\n\n",
          "tab\there\nx", "crlf\r\nline", "unicode ✓ — “quotes”\nx", "", "#not a comment\n- x",
          "null", "123", "yes", "line\n  indented\n", "\u2028sep\nx", "x\n\n"]


def test_dump_yaml_round_trips_exactly_and_uses_blocks():
    t = thread(title="T", id="1", comments=[comment(id=str(i), body=s) for i, s in enumerate(TRICKY)])
    text = dump(t, "yaml")
    assert yaml.safe_load(text) == t
    assert "body: |" in text  # multi-line bodies are readable blocks
    assert dump(t, "yaml") == text


# libyaml's emitter, and PyYAML's own where libyaml is not installed
EMITTERS = {"libyaml": common._DUMPERS, "python": common.yaml_dumpers(yaml.SafeDumper)}


@pytest.mark.parametrize("emitter", sorted(EMITTERS))
@pytest.mark.parametrize("sep", ["\x85", "\u2028", "\u2029", "\r"])
def test_dump_yaml_keeps_every_kind_of_line_break(sep, emitter):
    """YAML folds NEL, LS and PS outside double quotes; a body must come back as it went in."""
    bodies = [f"a{sep}b", f"a{sep}b\nc", f"x\n{sep}", sep]
    t = thread(title=f"T{sep}", id="1", comments=[comment(id=str(i), body=b)
                                                   for i, b in enumerate(bodies + ["two\nlines"])])
    text = dump(t, "yaml", EMITTERS[emitter])
    assert yaml.safe_load(text) == t
    styles = {n.value: n.style for n in _scalars(yaml.compose(text))}
    assert styles["two\nlines"] == "|"   # the other bodies stay readable blocks


def _scalars(node: yaml.Node) -> list[yaml.ScalarNode]:
    found, stack = [], [node]
    while stack:
        n = stack.pop()
        if isinstance(n, yaml.ScalarNode):
            found.append(n)
        elif isinstance(n, yaml.SequenceNode):
            stack.extend(n.value)
        elif isinstance(n, yaml.MappingNode):
            stack.extend(v for pair in n.value for v in pair)
    return found


@pytest.mark.parametrize("emitter", sorted(EMITTERS))
@settings(max_examples=300)
@given(texts=st.lists(st.text(st.characters(exclude_categories=["Cs"])), min_size=1, max_size=4))
def test_dump_yaml_round_trips_any_text(texts, emitter):
    t = thread(title=texts[0], id="1", comments=[comment(id=str(i), body=b)
                                                 for i, b in enumerate(texts)])
    assert yaml.safe_load(dump(t, "yaml", EMITTERS[emitter])) == t


def test_dump_json():
    t = thread(title="Ü", id="1", comments=[])
    text = dump(t, "json")
    assert text.endswith("}\n") and "Ü" in text and json.loads(text) == t
    with pytest.raises(ThreadpressError):
        dump(t, "toml")


def test_preorder_orders_parents_first_and_keeps_orphans():
    cs = [{"id": "b", "parent": "a"}, {"id": "a"}, {"id": "c", "parent": "zz"}, {"id": "d", "parent": "a"}]
    out = [c["id"] for c in preorder(cs)]
    assert out.index("a") < out.index("b") < out.index("d") and "c" in out and len(out) == 4


def _t(*comments):
    return thread(title="T", id="1", comments=[comment(**c) for c in comments])


def test_merge_keeps_vanished_comments_in_place_and_updates():
    old = _t({"id": "a", "body": "A"}, {"id": "b", "parent": "a", "body": "B"},
             {"id": "c", "parent": "a", "body": "C"}, {"id": "d", "parent": "c", "body": "D"},
             {"id": "e", "body": "E"})
    new = _t({"id": "a", "body": "A2"}, {"id": "c", "parent": "a", "body": "C"},
             {"id": "e", "body": "E"}, {"id": "f", "body": "F"})
    new["title"] = "New title"
    m = merge(old, new)
    assert m["title"] == "New title"
    assert [c["id"] for c in m["comments"]] == ["a", "b", "c", "d", "e", "f"]
    by = {c["id"]: c for c in m["comments"]}
    assert by["a"]["body"] == "A2" and "removed_upstream" not in by["a"]
    assert by["b"]["removed_upstream"] is True and by["b"]["parent"] == "a"
    assert by["d"]["removed_upstream"] is True and by["d"]["parent"] == "c"
    # merging again with the same upstream gives the same document, byte for byte
    assert dump(merge(m, new), "yaml") == dump(m, "yaml")
    # a comment that comes back loses the mark
    back = merge(m, _t({"id": "a"}, {"id": "b", "parent": "a", "body": "B"}))
    assert "removed_upstream" not in {c["id"]: c for c in back["comments"]}["b"]


def test_merge_keeps_vanished_parent_of_surviving_reply():
    old = _t({"id": "p"}, {"id": "q", "parent": "p"})
    new = _t({"id": "q", "parent": "p"})
    assert [(c["id"], c.get("removed_upstream")) for c in merge(old, new)["comments"]] == \
        [("p", True), ("q", None)]


# --- run_import ---------------------------------------------------------------------------

def test_run_import_writes_deterministically(tmp_path):
    src = str(FIXTURES / "hn-algolia-small.json")
    [path] = run_import("hn", [src], tmp_path, "yaml")
    assert path == tmp_path / "hn" / "100.yaml"
    first = path.read_bytes()
    assert run_import("hn", [src], tmp_path, "yaml") == [path]
    assert path.read_bytes() == first
    assert [p.name for p in (tmp_path / "hn").iterdir()] == ["100.yaml"]  # no temp files left


def test_run_import_all_or_nothing(tmp_path):
    good = str(FIXTURES / "hn-algolia-small.json")
    bad = tmp_path / "trunc.json"
    bad.write_bytes((FIXTURES / "hn-algolia-small.json").read_bytes()[:200])
    with pytest.raises(ThreadpressError) as err:
        run_import("hn", [good, str(bad), str(tmp_path / "missing.json")], tmp_path / "out", "yaml")
    files = [d.file for d in err.value.diagnostics]
    assert files == [str(bad), str(tmp_path / "missing.json")]
    assert "truncated" in str(err.value) and "no such file" in str(err.value)
    assert not (tmp_path / "out").exists()


def test_run_import_stdin_and_format_switch(tmp_path):
    payload = (FIXTURES / "hn-algolia-small.json").read_bytes()
    [p] = run_import("hn", ["-"], tmp_path, "json", stdin=io.BytesIO(payload))
    assert p.name == "100.json" and json.loads(p.read_text())["id"] == "100"
    [q] = run_import("hn", ["-"], tmp_path, "yaml", stdin=io.BytesIO(payload))
    assert q.name == "100.yaml" and not p.exists()  # one thread, one file


def test_run_import_wraps_unexpected_shapes(tmp_path):
    bad = tmp_path / "weird.json"
    bad.write_text('{"children": [{"no": "id"}], "type": "story", "id": 1, "title": "x"}')
    with pytest.raises(ThreadpressError) as err:
        run_import("hn", [str(bad)], tmp_path, "yaml")
    assert err.value.diagnostics[0].file == str(bad)


def test_existing_file_that_is_not_a_thread_blocks_the_write(tmp_path):
    (tmp_path / "hn").mkdir()
    (tmp_path / "hn" / "100.yaml").write_text("- just a list\n")
    with pytest.raises(ThreadpressError):
        run_import("hn", [str(FIXTURES / "hn-algolia-small.json")], tmp_path, "yaml")
    assert (tmp_path / "hn" / "100.yaml").read_text() == "- just a list\n"


def test_safe_name():
    assert safe_name("2396027") == "2396027"
    assert safe_name("abc_DEF-1.2") == "abc_DEF-1.2"
    weird = safe_name("<1234@mail.example.org>")
    assert weird.startswith("1234_mail.example.org-") and "/" not in weird
    assert safe_name("../../etc") != safe_name("etc") and ".." not in safe_name("../../etc")
    assert safe_name("a/b") != safe_name("a_b")


def test_fetch_offline_message(tmp_path, monkeypatch):
    calls = []

    def offline(request, timeout):
        calls.append((request.full_url, request.get_header("User-agent"), timeout))
        raise urllib.error.URLError("Temporary failure in name resolution")

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    monkeypatch.setattr(common, "_sleep", lambda s: None)
    for source, arg, url in [("hn", "2396027", "https://hn.algolia.com/api/v1/items/2396027"),
                             ("reddit", "https://www.reddit.com/r/funny/comments/3hahrw/x/",
                              "https://www.reddit.com/r/funny/comments/3hahrw/x.json?raw_json=1&limit=500")]:
        calls.clear()
        with pytest.raises(ThreadpressError) as err:
            run_import(source, [arg], tmp_path, "yaml")
        msg = str(err.value)
        assert f"could not reach {url}: Temporary failure" in msg
        assert "docs/import.md" in msg and "pass the file" in msg
        assert len(calls) == 3 and calls[0][0] == url and calls[0][2] == 20
        assert calls[0][1].startswith("threadpress/")
    assert not any(tmp_path.iterdir())


def test_fetch_does_not_retry_not_found(monkeypatch):
    calls = []

    def missing(request, timeout):
        calls.append(1)
        raise urllib.error.HTTPError(request.full_url, 404, "Not Found", {}, None)

    monkeypatch.setattr(urllib.request, "urlopen", missing)
    with pytest.raises(ThreadpressError) as err:
        get("hn").fetch("https://news.ycombinator.com/item?id=1")
    assert "HTTP 404" in str(err.value) and len(calls) == 1


def test_sources_without_fetch_say_to_save_a_file(tmp_path):
    with pytest.raises(ThreadpressError) as err:
        run_import("mbox", ["july2020"], tmp_path, "yaml")
    assert "no such file" in str(err.value) and "saved to a file" in str(err.value)


def test_merge_reads_a_hand_nested_old_file():
    old = thread(title="T", id="1", comments=[
        {"id": "a", "replies": [{"id": "b", "body": "B", "replies": [{"id": "c"}]}]}])
    new = _t({"id": "a"})
    m = merge(old, new)
    assert [(c["id"], c.get("parent"), c.get("removed_upstream")) for c in m["comments"]] == \
        [("a", None, None), ("b", "a", True), ("c", "b", True)]
    assert not any("replies" in c for c in m["comments"])


def test_preorder_cuts_parent_cycles_and_keeps_every_comment():
    from threadpress.importers.common import preorder
    comments = [{"id": "a", "parent": "c"}, {"id": "b", "parent": "a"},
                {"id": "c", "parent": "b"}, {"id": "d"}]
    out = preorder(comments)
    assert [c["id"] for c in out] == ["d", "a", "b", "c"]
    assert out[1] == {"id": "a", "cycle_parent": "c"}
    assert [c.get("parent") for c in out] == [None, None, "a", "b"]


# --- progress and summary ---------------------------------------------------------------------

class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _summary(stderr: str) -> dict:
    """The import summary line's numbers, by name; asserts it is the last line."""
    last = stderr.replace("\r", "\n").rstrip("\n").splitlines()[-1].removeprefix("\033[K")
    m = re.fullmatch(r"imported (?P<threads>\d+) threads?, (?P<comments>\d+) comments? from "
                     r"(?P<inputs>\d+) inputs? \((?P<new>\d+) new, (?P<merged>\d+) merged, "
                     r"(?P<unchanged>\d+) unchanged\) in [\d.]+s → (?P<where>.+)", last)
    assert m, last
    return {k: v if k == "where" else int(v) for k, v in m.groupdict().items()}


def test_import_shows_progress_on_a_terminal_and_a_summary_line(tmp_path, monkeypatch, capsys):
    from threadpress.cli import main
    from threadpress.load import load_content

    src = str(FIXTURES / "hn-algolia-small.json")
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(["import", "hn", src, src, "-o", str(tmp_path), "-v"]) == 0
    shown = terminal.getvalue()
    bars = ["] 2/2 inputs read", "] 1/1 threads prepared", "] 1/1 threads written"]
    assert all(bar in shown for bar in bars)
    [thread] = load_content(tmp_path).threads
    assert _summary(shown) == {"threads": 1, "comments": len(thread.comments), "inputs": 2,
                               "new": 1, "merged": 0, "unchanged": 0,
                               "where": str(tmp_path / "hn")}
    assert capsys.readouterr().out.splitlines() == [f"{tmp_path / 'hn' / '100.yaml'}: new"]  # -v

    piped = io.StringIO()  # a log: the summary line alone, no bar
    monkeypatch.setattr(sys, "stderr", piped)
    assert main(["import", "hn", src, "-o", str(tmp_path)]) == 0
    assert len(piped.getvalue().splitlines()) == 1 and "\033" not in piped.getvalue()
    assert _summary(piped.getvalue())["unchanged"] == 1
    assert capsys.readouterr().out == ""   # without -v, no list of files: the summary says it
    piped = io.StringIO()
    monkeypatch.setattr(sys, "stderr", piped)
    assert main(["import", "hn", src, "-o", str(tmp_path), "--format", "json"]) == 0
    assert _summary(piped.getvalue())["merged"] == 1  # the same thread, moved to JSON

    quiet = _Terminal()
    monkeypatch.setattr(sys, "stderr", quiet)
    assert main(["import", "hn", src, "-o", str(tmp_path), "-q"]) == 0
    assert quiet.getvalue() == ""
