"""Issue 10, importers: every payload either writes a file that `check` accepts, or writes
nothing and says why (file and field), never a traceback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from support import parse_diagnostic
from threadpress.cli import main
from threadpress.load import load_content

OWN = Path(__file__).resolve().parent / "fixtures" / "import"
JSON_PAYLOADS = {  # one payload of each JSON importer
    "hn": "hn-algolia-small.json", "reddit": "reddit-escaped.json", "lobsters": "lobsters-2025.json",
    "discourse": "discourse-topic-modern.json", "github": "github-issue-with-comments.json",
    "mastodon": "mastodon-thread.json",
}
# the human text of each source's payloads, where a surrogate can sit without breaking ids/times
TEXT_KEYS = {"title", "text", "comment", "body", "selftext", "cooked", "content", "author",
             "username", "display_name", "description", "fancy_title"}


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def _strings_with(data: Any, suffix: str) -> int:
    """Append `suffix` to every text field in a JSON document, in place; how many changed."""
    changed = 0
    stack = [data]
    while stack:
        node = stack.pop()
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, value in list(items):
            if isinstance(value, str) and key in TEXT_KEYS and value:
                node[key] = value + suffix
                changed += 1
            elif isinstance(value, (dict, list)):
                stack.append(value)
    return changed


def _import_and_check(capsys, tmp_path: Path, source: str, payload: Path) -> dict:
    """Import into a fresh site, check it clean, return the one thread file's data."""
    site = tmp_path / "site"
    code, _, err = _run(capsys, "import", source, str(payload), "-o", str(site / "content"))
    assert code == 0, err
    assert _run(capsys, "check", str(site))[0] == 0
    [path] = (site / "content" / source).iterdir()
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("source", sorted(JSON_PAYLOADS))
def test_lone_surrogates_become_replacement_characters(source, tmp_path, capsys):
    data = json.loads((OWN / JSON_PAYLOADS[source]).read_text(encoding="utf-8"))
    assert _strings_with(data, "\ud800!\udfff")
    payload = tmp_path / "p.json"
    payload.write_text(json.dumps(data), encoding="ascii")  # \ud800 escapes, as APIs send them
    doc = _import_and_check(capsys, tmp_path, source, payload)
    text = json.dumps(doc, ensure_ascii=False)
    assert "\ufffd!\ufffd" in text and "\\ud800" not in json.dumps(doc)


def _hn(**changes: Any) -> dict:
    data = json.loads((OWN / "hn-algolia-small.json").read_text(encoding="utf-8"))
    for key, value in changes.items():
        target = data["children"][0] if key.startswith("c_") else data
        target[key.removeprefix("c_")] = value
    return data


@pytest.mark.parametrize("changes, field, expected", [
    ({"title": True}, "title", "expected a string"),
    ({"points": "x"}, "points", "expected an integer"),
    ({"points": [1]}, "points", "expected an integer"),
    ({"c_author": True}, "comments[0].author", "expected a string"),
    ({"c_points": {"a": 1}}, "comments[0].score", "expected an integer"),
    ({"c_created_at_i": [1, 2]}, "comments[0].created", "expected a time"),
    ({"created_at_i": "yesterday"}, "created", "expected a time"),
])
def test_wrong_types_are_refused_naming_payload_and_field(changes, field, expected, tmp_path,
                                                          capsys):
    payload = tmp_path / "bad.json"
    payload.write_text(json.dumps(_hn(**changes)), encoding="utf-8")
    content = tmp_path / "content"
    code, _, err = _run(capsys, "import", "hn", str(payload), "-o", str(content))
    assert code == 1 and not content.exists()
    [line] = err.strip().splitlines()
    assert line.startswith(f"{payload}: error: {field}: {expected}")
    assert "nothing was written" in line
    if field.startswith("comments"):
        assert "(comment '101')" in line
    assert "Error:" not in line  # the loader's words, not an exception's


def test_a_payload_of_the_wrong_shape_is_refused_at_its_field_and_line(tmp_path, capsys):
    """An importer tripping over a value is reported where the value is, not as a bare
    exception: a second, traced run finds the field it read last."""
    data = json.loads((OWN / "reddit-small.json").read_text(encoding="utf-8"))
    data[1]["data"]["children"][1] = "a string where a comment belongs"
    payload = tmp_path / "bad.json"
    payload.write_text(json.dumps(data, indent=1), encoding="utf-8")
    code, _, err = _run(capsys, "import", "reddit", str(payload), "-o", str(tmp_path / "c"))
    d = parse_diagnostic(err.strip())
    assert code == 1 and (d["path"], d["field"]) == (str(payload), "[1].data.children[1]")
    lines = payload.read_text(encoding="utf-8").splitlines()
    assert "a string where a comment belongs" in lines[d["line"] - 1]
    assert d["message"].startswith("a string is not what a reddit payload has here")

    data = _hn()
    del data["children"][1]["id"]
    payload.write_text(json.dumps(data, indent=1), encoding="utf-8")
    code, _, err = _run(capsys, "import", "hn", str(payload), "-o", str(tmp_path / "c"))
    d = parse_diagnostic(err.strip())
    assert (d["field"], d["message"]) == ("children[1].id", "`id` is missing (KeyError: 'id')")


def test_counts_sent_as_numeric_text_are_coerced(tmp_path, capsys):
    payload = tmp_path / "p.json"
    payload.write_text(json.dumps(_hn(points="42", c_points=" 7 ")), encoding="utf-8")
    doc = _import_and_check(capsys, tmp_path, "hn", payload)
    assert doc["points"] == 42 and doc["comments"][0]["score"] == 7


def test_an_integer_too_long_to_read_is_a_message(tmp_path, capsys):
    payload = tmp_path / "p.json"
    payload.write_text('{"id": 1, "type": "story", "title": "t", "children": [], "points": '
                       + "9" * 5000 + "}", encoding="utf-8")
    code, _, err = _run(capsys, "import", "hn", str(payload), "-o", str(tmp_path / "c"))
    assert code == 1 and err.startswith(f"{payload}: error: not usable JSON")


# --- re-importing over a hand-edited file -------------------------------------------------

@pytest.mark.parametrize("edit, field", [
    (lambda t: t.replace("- id: '101'", "- id: [1, 2]", 1), "comments[0].id"),
    (lambda t: t.replace("parent: '101'", "parent: [1]", 1), "comments[1].parent"),
    (lambda t: t.replace("- id: '101'\n", "- id: '101'\n  replies: 5\n", 1), "comments[0].replies"),
    (lambda t: t.replace("title: ", "title: [", 1), None),
])
def test_reimport_over_a_broken_file_names_it_and_writes_nothing(edit, field, tmp_path, capsys):
    content = tmp_path / "content"
    src = str(OWN / "hn-algolia-small.json")
    assert _run(capsys, "import", "hn", src, "-o", str(content))[0] == 0
    path = content / "hn" / "100.yaml"
    path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    before = {p: p.read_bytes() for p in content.rglob("*") if p.is_file()}
    code, _, err = _run(capsys, "import", "hn", src, "-o", str(content))
    assert code == 1
    *problems, hint = err.strip().splitlines()
    found = [parse_diagnostic(line) for line in problems]
    assert found and all(d["path"] == str(path) for d in found)
    if field:
        assert field in [d["field"] for d in found]
    assert hint.startswith(f"{path}: error: the thread file already there has errors")
    assert {p: p.read_bytes() for p in content.rglob("*") if p.is_file()} == before


def test_reimport_over_a_file_that_is_not_utf8(tmp_path, capsys):
    content = tmp_path / "content"
    src = str(OWN / "hn-algolia-small.json")
    assert _run(capsys, "import", "hn", src, "-o", str(content))[0] == 0
    path = content / "hn" / "100.yaml"
    path.write_bytes(path.read_bytes().replace(b"Small", b"Sm\xe9ll"))
    code, _, err = _run(capsys, "import", "hn", src, "-o", str(content))
    assert code == 1
    d = parse_diagnostic(err.splitlines()[0])
    assert d["path"] == str(path) and "not UTF-8" in d["message"] and d["line"] == 1


# --- depth --------------------------------------------------------------------------------

DEPTH = 5_000


def _nest(head: dict, items: list[dict], key: str) -> str:
    """JSON text of `head` whose `key` holds items[0], whose `key` holds items[1], and so on;
    written as text because json.dumps recurses too (the point is a depth it cannot take)."""
    opens, closes = [], []
    for node in [head, *items]:
        body = json.dumps(node)[:-1]  # without its closing brace
        opens.append(body + f', "{key}": [')
        closes.append("]}")
    opens[-1], closes[-1] = json.dumps(items[-1])[:-1] + f', "{key}": []', "}"
    return "".join(opens) + "".join(reversed(closes))


def _algolia_chain(depth: int) -> str:
    head = {"id": 1, "type": "story", "title": "Deep", "author": "a", "created_at_i": 1}
    items = [{"id": 10 + i, "type": "comment", "author": "u", "text": f"<p>{i}</p>",
              "created_at_i": 2} for i in range(depth)]
    return _nest(head, items, "children")


def _reddit_chain(depth: int) -> str:
    post = {"kind": "t3", "data": {"id": "deep", "title": "Deep", "author": "a",
                                   "permalink": "/r/x/comments/deep/d/", "created_utc": 1}}
    listing = '{"kind": "Listing", "data": {"children": [%s]}}'
    things = [f'{{"kind": "t1", "data": {json.dumps(d)[:-1]}, "replies": ' for d in
              ({"id": f"d{i}", "author": "u", "body": str(i), "created_utc": 2}
               for i in range(depth))]
    forest = "".join(listing.split("%s")[0] + t for t in things) + '""' \
        + ("}}" + listing.split("%s")[1]) * depth
    return "[" + listing % json.dumps(post) + ", " + forest + "]"


@pytest.mark.parametrize("source, make", [("hn", _algolia_chain), ("reddit", _reddit_chain)])
def test_payloads_thousands_of_levels_deep_import(source, make, tmp_path, capsys):
    payload = tmp_path / "deep.json"
    payload.write_text(make(DEPTH), encoding="utf-8")
    site = tmp_path / "site"
    code, _, err = _run(capsys, "import", source, str(payload), "-o", str(site / "content"))
    assert code == 0, err
    [thread] = load_content(site / "content").threads
    assert len(thread.comments) == DEPTH and thread.max_depth == DEPTH - 1


# --- mbox ---------------------------------------------------------------------------------

def _mbox(*messages: tuple[bytes, bytes, bytes]) -> bytes:
    """(Message-ID, In-Reply-To, body) triples → an mbox."""
    out = b""
    for i, (mid, reply, body) in enumerate(messages):
        out += (b"From x@example.org  Mon Jan  6 10:00:00 2020\nFrom: P" + str(i).encode()
                + b" <p@example.org>\nSubject: Topic\nDate: Mon, 6 Jan 2020 1" + str(i).encode()
                + b":00:00 +0000\nMessage-ID: " + mid + b"\n"
                + (b"In-Reply-To: " + reply + b"\n" if reply else b"") + b"\n" + body + b"\n\n")
    return out


def test_an_8bit_or_overlong_message_id_degrades_only_that_message(tmp_path, capsys):
    bad, long = b"<caf\xe9@example.org>", b"<" + b"x" * 300 + b"@example.org>"
    payload = tmp_path / "list.mbox"
    payload.write_bytes(_mbox((b"<root@example.org>", b"", b"root"),
                              (bad, b"<root@example.org>", b"latin-1 id"),
                              (b"<r2@example.org>", bad, b"answers the latin-1 one"),
                              (long, b"<r2@example.org>", b"long id"),
                              (b"<utf8-\xc3\xa9@example.org>", b"<root@example.org>", b"ok")))
    doc = _import_and_check(capsys, tmp_path, "mbox", payload)
    ids = [c["id"] for c in doc["comments"]]
    assert len(ids) == 4 and ids[0].startswith("sha1-") and ids[2].startswith("sha1-")
    assert ids[1] == "r2@example.org" and ids[3] == "utf8-é@example.org"
    parents = [c.get("parent") for c in doc["comments"]]
    assert parents == [None, ids[0], ids[1], None]  # threading survives the new ids
    again = tmp_path / "again"
    again.mkdir()
    assert _import_and_check(capsys, again, "mbox", payload) == doc  # stable ids
