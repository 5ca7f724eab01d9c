"""The JSON Schema (schema/thread.schema.json) and the loader agree on what a thread file is."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import jsonschema
import pytest

from threadpress.errors import ThreadpressError
from threadpress.load import load_text, thread_files
from threadpress.parse import parse

REPO = Path(__file__).resolve().parents[1]
SCHEMA_PATH = REPO / "generator" / "threadpress" / "schema" / "thread.schema.json"


@pytest.fixture(scope="module")
def validator():
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def json_model(value):
    """YAML data → the JSON data model: timestamps become the ISO strings an editor would see."""
    if isinstance(value, dict):
        return {str(k): json_model(v) for k, v in value.items()}
    if isinstance(value, list):
        return [json_model(v) for v in value]
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def verdicts(validator, text: str, name: str) -> tuple[bool, bool, list[str]]:
    """(the loader accepts, the schema accepts, why each rejects)."""
    thread, diags = load_text(text, name, Path(name).stem)
    loader_ok = thread is not None
    try:
        data = json_model(parse(text, name))
    except ThreadpressError:
        return loader_ok, False, [str(d) for d in diags]   # not YAML/JSON at all: no document
    errors = [e.message for e in validator.iter_errors(data)]
    return loader_ok, not errors, [str(d) for d in diags if not d.warning] + errors


def test_schema_is_valid_and_packaged():
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    from importlib.resources import files
    assert json.loads(files("threadpress").joinpath("schema/thread.schema.json").read_text()) == schema


def test_example_content_is_valid_for_both(validator):
    paths = thread_files(REPO / "content")
    assert paths, "the example site has no content"
    for path in paths:
        text = path.read_text(encoding="utf-8")
        loader_ok, schema_ok, why = verdicts(validator, text, path.name)
        assert loader_ok and schema_ok, (path, why)


VALID = {
    "minimal": "title: t\n",
    "full": """\
title: Full
id: 42
slug: hn/42
url: https://example.org
source: example.org
author: 1337
created: 2024-05-01T12:00:00Z
points: -3
tags: [a, b]
body: hello
format: html
sort: newest
whatever: {kept: true}
comments:
  - id: 1
    author: alice
    created: 1714564800
    edited: 2024-05-02 10:00
    score: 0
    body: x
    format: text
    deleted: false
    dead: true
    url: https://example.org/1
    x-extra: [1, 2]
    replies:
      - {id: two, parent: 1, edited: true}
  - {id: 3, parent: two, created: 1714564800.25}
""",
    "nulls": "title: t\nid:\nslug:\nurl:\nauthor:\ncreated:\npoints:\ntags:\nbody:\nformat:\n"
             "sort:\ncomments:\n  - {id: 1, parent: ~, author: ~, created: ~, edited: ~, score: ~,"
             " body: ~, format: ~, deleted: ~, dead: ~, url: ~, replies: ~}\n",
    "times": "title: t\ncomments:\n"
             "  - {id: 1, created: '2024-05-01'}\n"
             "  - {id: 2, created: '2024-05-01T12:00'}\n"
             "  - {id: 3, created: '2024-05-01 12:00:00.5+02:00'}\n"
             "  - {id: 4, created: '2024-05-01T12:00:00-0530'}\n"
             "  - {id: 5, created: ' 2024-05-01T12:00:00z '}\n"
             "  - {id: 6, created: -86400}\n"
             "  - {id: 7, created: 253402300799}\n",
    "orphan only warns": "title: t\ncomments: [{id: 1, parent: 404}]\n",
    "integral floats": '{"title": "t", "id": 1.0, "points": 2.0, "comments": [{"id": 3.0, "score": 1.0}]}',
    "slug with dots": "title: t\nslug: a.b/..c/d..\n",
    "author float": "title: t\nauthor: 1.5\n",
    "unicode": "title: Ünïcødé ✓\ncomments: [{id: é}]\n",
    "empty comments": "title: t\ncomments: []\n",
}

INVALID = {
    "no title": "body: x\n",
    "null title": "title:\n",
    "blank title": "title: '  '\n",
    "title number": "title: 5\n",
    "list": "- title: t\n",
    "scalar": "just text\n",
    "empty": "",
    "id float": "title: t\nid: 1.5\n",
    "id bool": "title: t\nid: true\n",
    "id blank": "title: t\nid: ' '\n",
    "slug dotdot": "title: t\nslug: a/../b\n",
    "slug empty part": "title: t\nslug: a//b\n",
    "slug backslash": "title: t\nslug: 'a\\\\b'\n",
    "slug control": "title: t\nslug: \"a\\tb\"\n",
    "slug trailing newline": "title: t\nslug: \"ab\\n\"\n",
    "slug only slashes": "title: t\nslug: /\n",
    "points string": "title: t\npoints: '5'\n",
    "points float": "title: t\npoints: 1.5\n",
    "tags not list": "title: t\ntags: a\n",
    "tag number": "title: t\ntags: [1]\n",
    "format bad": "title: t\nformat: rst\n",
    "sort bad": "title: t\nsort: best\n",
    "comments mapping": "title: t\ncomments: {id: 1}\n",
    "comment scalar": "title: t\ncomments: [1]\n",
    "comment no id": "title: t\ncomments: [{body: x}]\n",
    "comment null id": "title: t\ncomments: [{id: ~}]\n",
    "comment id list": "title: t\ncomments: [{id: [1]}]\n",
    "comment score string": "title: t\ncomments: [{id: 1, score: high}]\n",
    "comment deleted string": "title: t\ncomments: [{id: 1, deleted: 'yes'}]\n",
    "comment dead int": "title: t\ncomments: [{id: 1, dead: 1}]\n",
    "comment format": "title: t\ncomments: [{id: 1, format: rst}]\n",
    "comment body list": "title: t\ncomments: [{id: 1, body: [x]}]\n",
    "comment url number": "title: t\ncomments: [{id: 1, url: 5}]\n",
    "comment author bool": "title: t\ncomments: [{id: 1, author: true}]\n",
    "replies mapping": "title: t\ncomments: [{id: 1, replies: {id: 2}}]\n",
    "reply no id": "title: t\ncomments: [{id: 1, replies: [{body: x}]}]\n",
    "parent float": "title: t\ncomments: [{id: 1}, {id: 2, parent: 1.5}]\n",
    "time word": "title: t\ncreated: yesterday\n",
    "time bool": "title: t\ncreated: true\n",
    "time month 13": "title: t\ncreated: '2024-13-01'\n",
    "time hour 24": "title: t\ncreated: '2024-05-01T24:00'\n",
    "time week date": "title: t\ncreated: '2024-W01'\n",
    "time basic format": "title: t\ncreated: '20240501T120000Z'\n",
    "time with junk": "title: t\ncreated: '2024-05-01 and more'\n",
    "time zone without time": "title: t\ncreated: '2024-05-01Z'\n",
    "time too large": '{"title": "t", "created": 1e20}',
    "time too small": '{"title": "t", "created": -1e12}',
    "edited string word": "title: t\ncomments: [{id: 1, edited: sometimes}]\n",
}

# Both reject these, but the schema cannot say why: rules no JSON Schema can express.
LOADER_ONLY = {
    "duplicate comment ids": "title: t\ncomments: [{id: 1}, {id: 1}]\n",
    "int and string duplicate": '{"title": "t", "comments": [{"id": 1}, {"id": "1"}]}',
    "parent cycle": "title: t\ncomments: [{id: a, parent: b}, {id: b, parent: a}]\n",
    "nested but names another parent": "title: t\ncomments: [{id: a}, {id: b, replies: [{id: c, parent: a}]}]\n",
    "no such day": "title: t\ncreated: '2024-02-30'\n",
}


@pytest.mark.parametrize("name", sorted(VALID))
@pytest.mark.parametrize("ext", ["yaml", "json"])
def test_valid_documents(validator, name, ext):
    text = VALID[name]
    if ext == "json":
        text = json.dumps(json_model(parse(text, "x.yaml")))
    loader_ok, schema_ok, why = verdicts(validator, text, f"x.{ext}")
    assert (loader_ok, schema_ok) == (True, True), why


@pytest.mark.parametrize("name", sorted(INVALID))
@pytest.mark.parametrize("ext", ["yaml", "json"])
def test_invalid_documents(validator, name, ext):
    text = INVALID[name]
    if ext == "json" and text and not text.lstrip().startswith("{"):
        data = parse(text, "x.yaml")
        text = json.dumps(json_model(data))
    loader_ok, schema_ok, why = verdicts(validator, text, f"x.{ext}")
    assert (loader_ok, schema_ok) == (False, False), why


@pytest.mark.parametrize("name", sorted(LOADER_ONLY))
def test_rules_beyond_the_schema(validator, name):
    loader_ok, schema_ok, why = verdicts(validator, LOADER_ONLY[name], "x.yaml")
    assert not loader_ok and schema_ok, why


def test_the_schema_time_pattern_is_the_loaders():
    from threadpress import load
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    time_string = schema["$defs"]["time"]["anyOf"][0]
    assert time_string["pattern"].startswith("^")
    number = schema["$defs"]["time"]["anyOf"][1]
    assert (number["minimum"], number["maximum"]) == (load.EPOCH_MIN, load.EPOCH_MAX)


@pytest.mark.parametrize("value", [
    "2024-05-01", "2024-05-01T12:00", "2024-05-01t12:00:00Z", "2024-05-01 12:00:00,5",
    "2024-05-01T12:00:00 +02", "2024-05-01T12:00:00+02:30", "2024-05-01T12:00:00-0230",
    "  2024-05-01T12:00:00Z\n", "2024-05-01T12", "2024-05-01T12:00:60", "2024-05-01T12:00+24:00",
    "2024-00-01", "2024-05-32", "24-05-01", "2024-5-1", "2024-05-01T12:00:00.Z", "2024-05-01TZ",
    "１９７０-01-01", "2024-05-01\n12:00", "2024-05-01T12:00:00++02",
])
def test_schema_time_pattern_matches_the_loader(value):
    import re
    from threadpress.load import to_time
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    pattern = schema["$defs"]["time"]["anyOf"][0]["pattern"]
    assert (re.search(pattern, value) is not None) == (to_time(value) is not None)
