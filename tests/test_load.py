"""load: thread files → validated threads; every problem in every file, each placed exactly."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from threadpress.load import Loaded, load_bytes, load_content, load_text, thread_files, to_time
from support import parse_diagnostic


UTC = timezone.utc


def ok(text: str, name: str = "t.yaml", slug: str = "t"):
    thread, diags = load_text(text, name, slug)
    assert thread is not None, [str(d) for d in diags]
    assert not [d for d in diags if not d.warning]
    return thread


def errors(text: str | bytes, name: str = "t.yaml") -> list[dict]:
    """The rendered diagnostics of a file that must fail, parsed back into their parts."""
    if isinstance(text, bytes):
        thread, diags = load_bytes(text, name, "t")
    else:
        thread, diags = load_text(text, name, "t")
    assert thread is None
    assert diags and all(not d.warning for d in diags)
    return [parse_diagnostic(str(d)) for d in diags]


def one_error(text, name="t.yaml") -> dict:
    [d] = errors(text, name)
    assert d["path"] == name and d["kind"] == "error"
    return d


# --- threads ------------------------------------------------------------------------------

FULL = """\
title: Archiving a forum
id: 42
url: https://example.org/t/42
source: example.org
author: alice
created: 2024-05-01T12:00:00+02:00
points: 17
tags: [archive, links]
body: The *opening* post.
format: markdown
sort: score
mood: curious
comments:
  - id: c1
    author: 1337
    created: 1714564800
    edited: true
    score: 5
    body: <p>hi</p>
    format: html
    url: https://example.org/c1
    flair: gold
"""


def test_every_thread_field():
    t = ok(FULL)
    assert (t.id, t.slug, t.title, t.path) == ("42", "t", "Archiving a forum", "t.yaml")
    assert t.url == "https://example.org/t/42" and t.source == "example.org"
    assert t.author == "alice" and t.points == 17 and t.tags == ["archive", "links"]
    assert t.created == datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
    assert t.body == "The *opening* post." and t.format == "markdown" and t.sort == "score"
    assert t.extra == {"mood": "curious"}
    [c] = t.comments
    assert (c.id, c.author, c.score, c.format, c.url) == ("c1", "1337", 5, "html",
                                                          "https://example.org/c1")
    assert c.created == datetime(2024, 5, 1, 12, 0, tzinfo=UTC) and c.edited is True
    assert c.extra == {"flair": "gold"} and not c.deleted and not c.dead


def test_same_thread_from_json():
    import yaml
    data = yaml.safe_load(FULL)
    data["created"] = "2024-05-01T12:00:00+02:00"
    y, j = ok(FULL), ok(json.dumps(data), "t.json")
    assert (y.id, y.title, y.created, y.tags, y.extra) == (j.id, j.title, j.created, j.tags, j.extra)
    assert [vars(c) for c in y.comments] == [vars(c) for c in j.comments]


def test_defaults():
    t = ok("title: Only a title\n", "content/hn/42131222.yaml", "hn/42131222")
    assert t.id == "42131222" and t.slug == "hn/42131222"
    assert (t.url, t.author, t.created, t.points, t.sort) == (None, None, None, None, None)
    assert t.tags == [] and t.body == "" and t.format == "markdown" and t.extra == {}
    assert t.comments == [] and t.max_depth == -1
    c = ok("title: t\ncomments: [{id: 7}]\n").comments[0]
    assert c.id == "7" and c.format == "markdown" and c.body == "" and c.edited is None
    assert c.extra == {} and c.parent is None and c.depth == 0


def test_empty_values_mean_absent():
    t = ok("title: t\nid:\nslug:\nurl:\ntags:\nbody:\nformat:\nsort:\ncomments:\n")
    assert t.id == "t" and t.tags == [] and t.format == "markdown" and t.comments == []


def test_slug_given_and_cleaned():
    assert ok("title: t\nslug: /a/b/\n").slug == "a/b"


@pytest.mark.parametrize("slug", ["a/../b", "''", "a//b", ".", "'a\\\\b'"])
def test_unsafe_slugs(slug):
    d = one_error(f"title: t\nslug: {slug}\n")
    assert (d["line"], d["column"], d["field"]) == (2, 7, "slug")


def test_integer_ids_are_strings_and_integral_numbers_are_integers():
    t = ok('{"title": "t", "id": 5.0, "points": 3.0, "comments": [{"id": 1.0, "score": -2.0}]}',
           "t.json")
    assert t.id == "5" and t.points == 3 and t.comments[0].id == "1"
    assert t.comments[0].score == -2 and isinstance(t.comments[0].score, int)


# --- times ---------------------------------------------------------------------------------

@pytest.mark.parametrize("value,expected", [
    ("2024-05-01T12:00:00Z", datetime(2024, 5, 1, 12, tzinfo=UTC)),
    ("'2024-05-01T12:00:00Z'", datetime(2024, 5, 1, 12, tzinfo=UTC)),
    ("'2024-05-01T14:00:00+02:00'", datetime(2024, 5, 1, 12, tzinfo=UTC)),
    ("'2024-05-01T14:00:00+0200'", datetime(2024, 5, 1, 12, tzinfo=UTC)),
    ("'2024-05-01T07:00-05'", datetime(2024, 5, 1, 12, tzinfo=UTC)),
    ("'2024-05-01T12:00:00'", datetime(2024, 5, 1, 12, tzinfo=UTC)),       # no zone = UTC
    ("2024-05-01 12:00:00", datetime(2024, 5, 1, 12, tzinfo=UTC)),         # YAML timestamp
    ("'2024-05-01 12:00'", datetime(2024, 5, 1, 12, tzinfo=UTC)),
    ("'2024-05-01T12:00:00.123456789Z'", datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)),
    ("2024-05-01", datetime(2024, 5, 1, tzinfo=UTC)),
    ("1714564800", datetime(2024, 5, 1, 12, tzinfo=UTC)),
    ("1714564800.5", datetime(2024, 5, 1, 12, 0, 0, 500000, tzinfo=UTC)),
    ("0", datetime(1970, 1, 1, tzinfo=UTC)),
])
def test_times(value, expected):
    t = ok(f"title: t\ncreated: {value}\n")
    assert t.created == expected and t.created.utcoffset() == timedelta(0)


@pytest.mark.parametrize("value", ["yesterday", "'2024-13-01'", "2024-02-30", "'2024-W01'",
                                   "'20240501T120000Z'", "true", "[2024]", "1.0e20", "'.nan'",
                                   "'2024-05-01T25:00'"])
def test_bad_times(value):
    d = one_error(f"title: t\ncreated: {value}\n")
    assert (d["line"], d["column"], d["field"]) == (2, 10, "created")
    assert "expected a time" in d["message"]


def test_to_time_directly():
    assert to_time(True) is None and to_time(float("inf")) is None and to_time(None) is None
    assert to_time("0001-01-01T00:00+01:00") is None  # before year 1 once in UTC
    assert to_time(253402300799) == datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)


def test_edited_time_or_bool():
    t = ok("title: t\ncomments:\n- {id: 1, edited: false}\n- {id: 2, edited: 1714564800}\n")
    assert t.comments[0].edited is False
    assert t.comments[1].edited == datetime(2024, 5, 1, 12, tzinfo=UTC)


# --- wrong types: each placed at its field ------------------------------------------------------

@pytest.mark.parametrize("line,field,message", [
    ("title: [a]", "title", "expected a string, found a list"),
    ("title: ' '", "title", "must not be empty"),
    ("id: 1.5", "id", "expected a string or an integer"),
    ("id: true", "id", "expected a string or an integer"),
    ("points: many", "points", "expected an integer"),
    ("points: true", "points", "expected an integer"),
    ("tags: x", "tags", "expected a list of strings"),
    ("format: rst", "format", "expected one of markdown, gfm, html, text"),
    ("sort: random", "sort", "expected one of original, oldest, newest, score"),
    ("comments: {id: 1}", "comments", "expected a list of comments"),
    ("url: 5", "url", "expected a string"),
])
def test_thread_field_types(line, field, message):
    d = one_error(f"title: t\n{line}\n" if not line.startswith("title") else line + "\n")
    expected_line = 1 if line.startswith("title") else 2
    assert (d["line"], d["field"]) == (expected_line, field)
    assert d["column"] == line.index(":") + 3
    assert message in d["message"]


def test_tag_items():
    d = one_error("title: t\ntags: [a, 2, b]\n")
    assert (d["line"], d["column"], d["field"]) == (2, 11, "tags[1]")


def test_missing_title():
    d = one_error("body: no title\n")
    assert (d["line"], d["column"], d["field"], d["message"]) == (1, 1, None, "`title` is required")
    d = one_error("title:\nbody: x\n")
    assert (d["line"], d["field"]) == (1, "title")


COMMENT_ERRORS = """\
title: t
comments:
  - id: 1
    score: high
    deleted: yes please
    format: rtf
    replies:
      - author: nobody
        replies:
          - id: 3
            dead: 1
      - 42
      - id: [x]
  - id: 4
    replies: {id: 5}
"""


def test_every_comment_problem_in_one_run():
    got = [(d["line"], d["column"], d["field"], d["message"]) for d in errors(COMMENT_ERRORS)]
    assert got == [
        (4, 12, "comments[0].score", "expected an integer, found a string ('high')"),
        (5, 14, "comments[0].deleted", "expected true or false, found a string ('yes please')"),
        (6, 13, "comments[0].format", "expected one of markdown, gfm, html, text, found 'rtf'"),
        (8, 9, "comments[0].replies[0]", "`id` is required"),
        (11, 19, "comments[0].replies[0].replies[0].dead", "expected true or false, found an integer (1)"),
        (12, 9, "comments[0].replies[1]", "expected a comment (a mapping with an id), found an integer (42)"),
        (13, 13, "comments[0].replies[2].id", "expected a string or an integer, found a list"),
        (15, 14, "comments[1].replies", "expected a list of comments, found a mapping"),
    ]


def test_same_errors_in_json_placed_in_json():
    text = '{\n "title": "t",\n "comments": [\n  {"id": 1, "score": "high"},\n  {"id": null}\n ]\n}\n'
    got = [(d["line"], d["column"], d["field"]) for d in errors(text, "t.json")]
    assert got == [(4, 22, "comments[0].score"), (5, 10, "comments[1].id")]


# --- whole-file problems: one clear error, no traceback --------------------------------------------

@pytest.mark.parametrize("name", ["t.yaml", "t.json"])
def test_empty_file(name):
    d = one_error("", name)
    assert (d["line"], d["column"]) == (1, 1) and "empty" in d["message"]


@pytest.mark.parametrize("text,name", [("- a\n- b\n", "t.yaml"), ('["a"]', "t.json"),
                                       ("just words\n", "t.yaml"), ("3", "t.json")])
def test_not_a_mapping(text, name):
    d = one_error(text, name)
    assert (d["line"], d["column"]) == (1, 1) and "expected a mapping" in d["message"]


def test_non_utf8():
    d = one_error(b"title: t\nbody: caf\xe9\n")
    assert (d["line"], d["column"]) == (2, 10) and "not UTF-8" in d["message"]


def test_binary_file():
    d = one_error(bytes(range(256)) * 4)
    assert (d["line"], d["column"]) == (1, 1) and "binary file" in d["message"]


def test_utf8_bom_is_fine():
    assert ok("\ufefftitle: t\n").title == "t"
    thread, _ = load_bytes(b"\xef\xbb\xbf{\"title\": \"t\"}", "t.json", "t")
    assert thread.title == "t"


@pytest.mark.parametrize("text,name,line,column,message", [
    ("title: t\ntitle: u\n", "t.yaml", 2, 1, "duplicate key 'title'"),
    ('{"title": "t", "title": "u"}', "t.json", 1, 16, "duplicate key 'title'"),
    ("title: t\ncomments: [{id: 1, id: 2}]\n", "t.yaml", 2, 20, "duplicate key 'id'"),
    ("a: &x 1\ntitle: *x\n", "t.yaml", 2, 8, "aliases"),
    ("title: t\n---\ntitle: u\n", "t.yaml", 2, 1, "one YAML document"),
    ("title: !!python/object/apply:os.getcwd []\n", "t.yaml", 1, 8, "!!python/object/apply:os.getcwd"),
    ("title: [\n", "t.yaml", 2, 1, "not valid YAML"),
    ('{"title": }', "t.json", 1, 11, "not valid JSON"),
])
def test_syntax_and_safety_errors(text, name, line, column, message):
    d = one_error(text, name)
    assert (d["line"], d["column"]) == (line, column) and message in d["message"]


# --- files ---------------------------------------------------------------------------------

def test_thread_files_and_slugs(site):
    root = site({
        "content/a.yaml": "title: a\n",
        "content/b.yml": "title: b\n",
        "content/hn/42131222.json": '{"title": "hn"}',
        "content/deep/er/c.YAML": "title: c\n",
        "content/_draft.yaml": "not: [valid\n",
        "content/.hidden.yaml": "not: [valid\n",
        "content/_drafts/x.yaml": "not: [valid\n",
        "content/notes.txt": "ignored",
        "content/hn/readme.md": "ignored",
    })
    files = [p.relative_to(root / "content").as_posix() for p in thread_files(root / "content")]
    assert files == ["a.yaml", "b.yml", "deep/er/c.YAML", "hn/42131222.json"]
    loaded = load_content(root / "content")
    assert isinstance(loaded, Loaded) and loaded.diagnostics == []
    assert [(t.slug, t.id) for t in loaded.threads] == [
        ("a", "a"), ("b", "b"), ("deep/er/c", "c"), ("hn/42131222", "42131222")]


def test_every_problem_in_every_file_and_good_files_kept(site):
    root = site({
        "content/good.yaml": "title: fine\n",
        "content/bad1.yaml": "title: [\n",
        "content/bad2.json": '{"title": 3,\n "points": "x"}',
        "content/bad3.yaml": b"\xff\xfe",
        "content/warn.yaml": "title: w\ncomments: [{id: 1, parent: ghost}]\n",
    })
    loaded = load_content(root / "content")
    assert [t.slug for t in loaded.threads] == ["good", "warn"]
    rendered = [parse_diagnostic(str(d)) for d in loaded.diagnostics]
    by_file = {}
    for d in rendered:
        by_file.setdefault(d["path"].rsplit("/", 1)[-1], []).append(d)
    assert sorted(by_file) == ["bad1.yaml", "bad2.json", "bad3.yaml", "warn.yaml"]
    assert [(d["line"], d["column"], d["field"]) for d in by_file["bad2.json"]] == [
        (1, 11, "title"), (2, 12, "points")]
    assert by_file["warn.yaml"][0]["kind"] == "warning"
    assert len(loaded.errors) == 4 and len(loaded.warnings) == 1


def test_duplicate_slug(site):
    root = site({"content/a.yaml": "title: a\n",
                 "content/b.yaml": "title: b\nslug: a\n"})
    loaded = load_content(root / "content")
    assert [t.title for t in loaded.threads] == ["a"]
    [d] = [parse_diagnostic(str(d)) for d in loaded.diagnostics]
    assert d["path"].endswith("b.yaml") and (d["line"], d["column"], d["field"]) == (2, 7, "slug")
    assert "also the slug of" in d["message"] and d["message"].count("a.yaml") == 1


def test_missing_content_folder(tmp_path):
    loaded = load_content(tmp_path / "nope")
    assert loaded.threads == [] and len(loaded.errors) == 1


# --- hardening: ids as written, extra depth, times as written, nothing quoted from non-threads ---

@pytest.mark.parametrize("raw", ["017", "1:20", "0x10", "0o17", "1_000", "+5", ".5", "1e5x",
                                 "2024-01-01"])
def test_ids_and_parents_stay_as_written(raw):
    t = ok(f"title: t\nid: {raw}\ncomments:\n  - id: {raw}\n  - id: b\n    parent: {raw}\n")
    assert t.id == raw and [c.id for c in t.comments] == [raw, "b"]
    assert t.comments[1].parent == raw


def nested(levels: int) -> str:
    return "[" * levels + "]" * levels


@pytest.mark.parametrize("field_json,field", [
    ('"title": "t", "mood": %s', "mood"),
    ('"title": "t", "comments": [{"id": 1, "x": %s}]', "comments[0].x"),
])
@pytest.mark.parametrize("levels,accepted", [(99, True), (100, True), (101, False), (2000, False)])
def test_extra_nesting_is_bounded(field_json, field, levels, accepted):
    from threadpress.load import MAX_EXTRA_DEPTH
    assert MAX_EXTRA_DEPTH == 100
    text = "{" + field_json % nested(levels) + "}"
    if accepted:
        ok(text, "t.json")
        return
    d = one_error(text, "t.json")
    assert d["field"] == field and "more than 100 levels" in d["message"]


@pytest.mark.parametrize("value,shown", [
    ("0001-01-01T00:00+01:00", "0001-01-01T00:00+01:00"),   # before year 1 in UTC
    ("2024-02-30", "2024-02-30"), ("'yesterday'", "yesterday"), ("99999999999999", "99999999999999"),
    ("true", "true"),
])
def test_time_errors_show_the_text_as_written(value, shown):
    d = one_error(f"title: t\ncreated: {value}\n")
    assert d["message"].endswith(f"found {shown}")
    assert "datetime" not in d["message"] and "'" not in d["message"].split("found")[-1]


@pytest.mark.parametrize("text", ["GITHUB_TOKEN=ghp_secretsecret\n", "[GITHUB_TOKEN, ghp_x]\n",
                                  "12345678901234567890\n", "true\n"])
def test_a_file_that_is_no_thread_is_named_never_quoted(text):
    d = one_error(text)
    assert "expected a mapping" in d["message"]
    assert "ghp" not in d["message"] and "GITHUB" not in d["message"] and "123" not in d["message"]


@pytest.mark.parametrize("value", ['"# a\\n"', '"a\\rb"', '"x\\u2028y"', '"\\x85"', '"\\x07"',
                                   '"a\\u2029b\\x0cc"'])
def test_a_diagnostic_is_one_line_whatever_the_value(value):
    [d] = errors(f"title: t\ncreated: {value}\n")
    assert "expected a time" in d["message"] and d["line"] == 2   # parsed: it was one line
