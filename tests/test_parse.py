"""parse.parse / parse.locate: YAML and JSON text → data, safely, with exact positions."""

from __future__ import annotations

import json
import math
import sys

import pytest
import yaml
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from threadpress.errors import ThreadpressError
from threadpress.parse import MAX_NESTING, build, json_events, locate, parse


def error_of(text: str, name: str):
    with pytest.raises(ThreadpressError) as e:
        parse(text, name)
    [d] = e.value.diagnostics
    assert d.file == name
    return d


def test_yaml_and_json_give_the_same_data():
    y = "title: T\ncomments:\n  - id: 1\n    replies:\n      - {id: b, score: -3}\n"
    j = '{"title": "T", "comments": [{"id": 1, "replies": [{"id": "b", "score": -3}]}]}'
    assert parse(y, "a.yaml") == parse(j, "a.json") == json.loads(j)


def test_format_follows_extension_case_insensitively():
    # JSON is parsed by the JSON parser even as .JSON (YAML would accept this tab, JSON rejects
    # nothing here, but duplicate handling and positions differ): check a JSON-only error form
    d = error_of('{"a": 1,}', "X.JSON")
    assert d.message.startswith("not valid JSON")


@pytest.mark.parametrize("text,line,col", [
    ("title: [unclosed\n", 2, 1),
    ("a: 1\n b: 2\n", 2, 3),
    ("title: 'x\n", 2, 1),
])
def test_malformed_yaml_is_placed(text, line, col):
    d = error_of(text, "t.yaml")
    assert d.message.startswith("not valid YAML")
    assert (d.line, d.column) == (line, col)


@pytest.mark.parametrize("text,line,col", [
    ('{"a": 1,}', 1, 9),
    ('{\n  "a": 1\n  "b": 2\n}', 3, 3),
    ('[1, 2', 1, 6),
])
def test_malformed_json_is_placed(text, line, col):
    d = error_of(text, "t.json")
    assert d.message.startswith("not valid JSON")
    assert (d.line, d.column) == (line, col)


def test_empty_files_are_none():
    assert parse("", "t.yaml") is None
    assert parse("# only a comment\n", "t.yaml") is None
    assert parse("  \n", "t.json") is None


def test_duplicate_keys_yaml_and_json():
    d = error_of("title: a\nbody: x\ntitle: b\n", "t.yaml")
    assert "duplicate key 'title'" in d.message and (d.line, d.column) == (3, 1)
    d = error_of('{"title": "a",\n "title": "b"}', "t.json")
    assert "duplicate key 'title'" in d.message and (d.line, d.column) == (2, 2)


def test_nan_is_not_json():
    d = error_of('{"score": NaN}', "t.json")
    assert d.message.startswith("not valid JSON") and (d.line, d.column) == (1, 11)


def test_aliases_refused(tmp_path):
    laughs = "a: &a [x, x]\nb: &b [*a, *a]\nc: &c [*b, *b]\ntitle: t\n"
    d = error_of(laughs, "t.yaml")
    assert "aliases" in d.message and (d.line, d.column) == (2, 8)


def test_multiple_documents_refused():
    d = error_of("title: a\n---\ntitle: b\n", "t.yaml")
    assert "one YAML document" in d.message and (d.line, d.column) == (2, 1)


def test_merge_keys_refused():
    d = error_of("title: t\n<<: {body: x}\n", "t.yaml")
    assert "merge keys (<<)" in d.message and (d.line, d.column) == (2, 1)


@pytest.mark.parametrize("payload", [
    "!!python/object/apply:os.system ['touch {marker}']",
    "!!python/object/new:os.system ['touch {marker}']",
    "!!python/object/apply:builtins.open ['{marker}', 'w']",
    "!!python/name:os.system",
    "!!python/object:argparse.Namespace {{x: 1}}",
])
def test_python_tags_never_construct_anything(tmp_path, payload):
    marker = tmp_path / "pwned"
    text = "title: t\nbody: " + payload.format(marker=marker) + "\n"
    d = error_of(text, "t.yaml")
    assert "is not allowed" in d.message and (d.line, d.column) == (2, 7)
    assert not marker.exists()
    # and the unsafe loader *would* have acted on the first payload: the test is meaningful
    if payload.startswith("!!python/object/apply:builtins.open"):
        import yaml
        yaml.unsafe_load(text)["body"].close()
        assert marker.exists()


def test_unknown_local_tags_refused():
    d = error_of("title: !shout hello\n", "t.yaml")
    assert "!shout" in d.message


def test_control_characters_placed():
    d = error_of("title: t\nbody: a\x07b\n", "t.yaml")
    assert "U+0007" in d.message and (d.line, d.column) == (2, 8)


def test_lone_surrogate_is_an_error_not_a_crash():
    d = error_of("title: '\ud800'\n", "t.yaml")
    assert d.message


def test_safe_scalars_resolve():
    data = parse("a: 1\nb: 1.5\nc: true\nd: ~\ne: 2024-05-01\nf: '1'\n", "t.yaml")
    assert data["a"] == 1 and data["b"] == 1.5 and data["c"] is True and data["d"] is None
    assert str(data["e"]) == "2024-05-01" and data["f"] == "1"


def test_implicit_timestamp_that_is_no_date_stays_text():
    assert parse("created: 2024-99-99\n", "t.yaml") == {"created": "2024-99-99"}


def test_explicit_bad_tagged_value_is_placed():
    d = error_of("title: t\nscore: !!int abc\n", "t.yaml")
    assert (d.line, d.column) == (2, 8)


def deep_json(levels: int) -> str:
    return "[" * levels + "]" * levels


def test_deep_json_past_the_recursion_limit_uses_the_iterative_reader():
    levels = max(sys.getrecursionlimit() + 500, 2000)
    assert levels < MAX_NESTING
    with pytest.raises(RecursionError):
        json.loads(deep_json(levels))  # the C scanner gives up: the fallback is exercised
    data = parse(deep_json(levels), "t.json")
    depth = 0
    while data:
        data, depth = data[0], depth + 1
    assert depth == levels - 1


def test_nesting_beyond_the_limit_is_a_clear_error():
    d = error_of(deep_json(MAX_NESTING + 1), "t.json")
    assert f"more than {MAX_NESTING} levels" in d.message and "flat form" in d.message
    assert (d.line, d.column) == (1, MAX_NESTING + 1)


def test_yaml_nesting_limit_is_a_clear_error():
    # libyaml stops at 1,000 levels, the pure-Python parser at MAX_NESTING: either way the
    # message points to the flat form and to the place
    d = error_of(deep_json(MAX_NESTING + 1), "t.yaml")
    assert "flat form" in d.message
    assert d.line == 1 and d.column in (1001, MAX_NESTING + 1)


@pytest.mark.parametrize("text,message", [
    (deep_json(3000)[:-1], "ends where"),                      # one bracket short
    (deep_json(3000) + "]", "expected the end"),               # one too many
    ("[" * 3000 + "1 2" + "]" * 3000, "expected ','"),         # missing comma
    ("[" * 3000 + '{"a" 1}' + "]" * 3000, "expected ':'"),
    ("[" * 3000 + "{]" + "]" * 3000, "expected a key"),
    ("[" * 3000 + '"\\q"' + "]" * 3000, "Invalid \\escape"),
    ("[" * 3000 + "tru" + "]" * 3000, "expected a value"),
])
def test_deep_malformed_json_is_still_rejected(text, message):
    d = error_of(text, "t.json")
    assert d.message.startswith("not valid JSON") and message in d.message
    assert d.line == 1 and d.column is not None


def test_json_events_positions():
    text = '{\n  "a": [1, {"b": "x"}],\n  "c": null\n}'
    events = list(json_events(text, "t.json"))
    assert events[0] == ("map", None, 1, 1)
    assert ("scalar", "a", 2, 3) in events
    assert ("scalar", "x", 2, 18) in events
    assert ("scalar", None, 3, 8) in events
    assert events[-1] == ("end", None, 4, 1)


@pytest.mark.parametrize("name,text", [
    ("t.yaml", "title: t\ncomments:\n  - id: 1\n    replies:\n      - id: 2\n        score: x\n"),
    ("t.json", '{"title": "t",\n "comments": [{"id": 1,\n   "replies": [{"id": 2, "score": "x"}]}]}'),
])
def test_locate(name, text):
    where = locate(text, name, [("comments", 0, "replies", 0, "score"), ("comments", 0, "nope"),
                                ("title",), ()])
    if name == "t.yaml":
        assert where[("comments", 0, "replies", 0, "score")] == (6, 16)
        assert where[("comments", 0, "nope")] == (3, 5)  # nearest enclosing: the comment
    else:
        assert where[("comments", 0, "replies", 0, "score")] == (3, 35)
        assert where[("comments", 0, "nope")] == (2, 15)
    assert where[("title",)][0] == 1
    assert where[()] == (1, 1)


# --- scalars: JSON-like resolution, and values no thread file may hold ----------------------

@pytest.mark.parametrize("text", ["017", "00", "-01", "1:20", "1:20:30", "0x10", "0o17", "0b11",
                                  "1_000", "+5", ".5", "5.", "1e", "+.5e3", "1e3", "1.5e3",
                                  "-2E5", "2024-05-01",
                                  "2024-05-01T12:00:00Z", "yes", "No", "on", "OFF", "y", "=",
                                  "0.5.1", "١٢", "12\u00a0", "1.5e+", "1.0E-", "1.5e"])
def test_plain_scalars_yaml_1_1_would_rewrite_stay_text(text):
    # every field alike: ids, unknown keys, list items and mapping keys
    doc = parse(f"id: {text}\nother: [{text}]\n{text}: x\n", "t.yaml")
    assert doc == {"id": text, "other": [text], text: "x"}


@pytest.mark.parametrize("text,value", [
    ("0", 0), ("17", 17), ("-3", -3), ("1.5", 1.5), ("-0.25", -0.25), ("1.0e+3", 1000.0),
    ("2.5E-2", 0.025), ("true", True), ("False", False), ("TRUE", True), ("null", None),
    ("~", None), ("", None), ("NULL", None), ("Null", None), ("True", True), ("false", False),
    ("FALSE", False),
])
def test_plain_scalars_that_resolve_as_in_json(text, value):
    doc = parse(f"a: {text}\n", "t.yaml")
    assert doc == {"a": value} and type(doc["a"]) is type(value)


@pytest.mark.parametrize("text,value", [
    ("!!str 017", "017"), ("!!int 17", 17), ("!!float 3", 3.0), ("!!bool true", True),
    ("!!null ~", None), ("'017'", "017"), ('"0x10"', "0x10"),
])
def test_tagged_and_quoted_scalars(text, value):
    doc = parse(f"a: {text}\n", "t.yaml")
    assert doc == {"a": value} and type(doc["a"]) is type(value)


@pytest.mark.parametrize("text", ["!!int 0x10", "!!int 017", "!!bool yes", "!!float abc",
                                  "!!null 0"])
def test_tagged_scalars_must_fit_their_tag(text):
    d = error_of(f"title: t\na: {text}\n", "t.yaml")
    assert (d.line, d.column, d.field) == (2, 4, ("a",))


@pytest.mark.parametrize("text", ["!!binary aGVsbG8=", "!!timestamp 2024-01-01", "!!set {a}",
                                  "!!omap [a: 1]"])
def test_other_tags_refused(text):
    d = error_of(f"title: t\na: {text}\n", "t.yaml")
    assert "is not allowed" in d.message and d.line == 2


NON_FINITE_YAML = [(".nan", "NaN"), (".NaN", "NaN"), (".NAN", "NaN"), (".inf", "Infinity"),
                   ("-.inf", "-Infinity"), ("+.Inf", "Infinity"), (".INF", "Infinity"),
                   ("!!float .nan", "NaN"), ("!!float -.INF", "-Infinity")]
NON_FINITE_JSON = ["NaN", "Infinity", "-Infinity", "1e400", "-1e999", "1.5e309"]


@pytest.mark.parametrize("text,named", NON_FINITE_YAML)
def test_non_finite_yaml_numbers_refused_anywhere(text, named):
    d = error_of(f"title: t\nextra:\n  deep: [1, {{x: {text}}}]\n", "t.yaml")
    assert d.message == f"{named} is not allowed: numbers must be finite"
    assert (d.line, d.field) == (3, ("extra", "deep", 1, "x"))


@pytest.mark.parametrize("text", NON_FINITE_JSON)
def test_non_finite_json_numbers_refused_anywhere(text):
    d = error_of('{"title": "t",\n "extra": {"deep": [1, {"x": ' + text + "}]}}", "t.json")
    assert d.line == 2 and d.column is not None
    if text[0] not in "NI-" or text[1].isdigit():  # 1e400 parses (to inf): it is placed
        assert "finite" in d.message and d.field == ("extra", "deep", 1, "x")


@pytest.mark.parametrize("escape", ["\\ud800", "\\udfff", "\\udc00\\ud800", "a\\ud83d",
                                    "\\uD800", "\\ud9ab", "\\udAFF", "\\uDB7F"])
@pytest.mark.parametrize("where", ["title", "key", "deep"])
def test_json_lone_surrogates_refused_and_placed(escape, where):
    doc = {"title": '"t"', "key": '"t", "k' + escape + '": 1',
           "deep": '"t", "x": [[{"y": "' + escape + '"}]]'}[where]
    text = '{"title": ' + doc + "}" if where != "title" else '{\n"title": "' + escape + '"}'
    d = error_of(text, "t.json")
    assert "surrogate" in d.message and d.line is not None and d.column is not None
    assert d.field == {"title": ("title",), "key": (), "deep": ("x", 0, 0, "y")}[where]


def test_a_lone_surrogate_is_named_by_its_code_point():
    d = error_of('{"title": "a\\udc0a"}', "t.json")
    assert d.message == ("a lone surrogate (U+DC0A) is not text; write the character itself, "
                         "or its surrogate pair")


def test_a_lone_surrogate_already_in_the_text_is_refused():
    """Text that did not come from a file (an importer's, say) may hold one unescaped."""
    d = error_of('{"title": "a\ud800"}', "t.json")
    assert "U+D800" in d.message and d.field == ("title",)


def test_json_surrogate_pairs_are_text():
    assert parse('{"a": "\\ud83d\\ude00"}', "t.json") == {"a": "\U0001F600"}


@pytest.mark.parametrize("name", ["t.yaml", "t.json"])
@pytest.mark.parametrize("digits", [4301, 5000, 100_000])
def test_over_long_integers_refused(name, digits):
    number = "9" * digits
    text = f'{{"title": "t", "id": {number}}}' if name == "t.json" else f"title: t\nid: {number}\n"
    d = error_of(text, name)
    assert "4300 digits" in d.message and d.field == ("id",) and d.line is not None


@pytest.mark.parametrize("number", ["9" * 4300, "-" + "9" * 4300, "1" * 4400 + "e-5000",
                                    "1" * 4400 + "E-5000", "0." + "1" * 4400])
def test_long_numbers_that_are_allowed_on_the_careful_path(number):
    """A duplicate key sends a file through the iterative reader, which checks each number as
    it comes: these pass, so the first error is the duplicate key, further on."""
    d = error_of('{"title": "t",\n"id": ' + number + ',\n"a": 1, "a": 2}', "t.json")
    assert d.message == "duplicate key 'a'" and (d.line, d.column) == (3, 9)


def test_too_long_an_integer_is_named_with_the_limit():
    d = error_of('{"id": ' + "9" * 4301 + "}", "t.json")
    assert d.message == "an integer of more than 4300 digits is not allowed"


@pytest.mark.parametrize("name", ["t.yaml", "t.json"])
def test_the_longest_integer_allowed(name):
    number = "9" * 4300
    text = f'{{"id": -{number}}}' if name == "t.json" else f"id: -{number}\n"
    assert parse(text, name) == {"id": -int(number)}


@given(st.one_of(st.text(st.characters(codec="utf-8"), max_size=12),
                 st.from_regex(r"[-+]?[0-9._eE:xob]{1,8}", fullmatch=True)))
@settings(max_examples=300)
def test_text_written_by_pyyaml_reads_back_as_the_same_text(text):
    # importers and users' tools write YAML with PyYAML, whose quoting follows YAML 1.1
    # (PyYAML with allow_unicode writes NEL, LS and PS raw inside quotes, where YAML folds them
    # as line breaks: PyYAML's own loader does not read those back either)
    assume(not any(ch in text for ch in "\x85\u2028\u2029"))
    dumped = yaml.safe_dump({"a": text, text: 1}, allow_unicode=True)
    assert parse(dumped, "t.yaml") == {"a": text, text: 1}


# --- the fallback JSON reader agrees with json ---------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: (st.lists(inner, max_size=4)
                   | st.dictionaries(st.text(max_size=4), inner, max_size=4)),
    max_leaves=12)
# characters that make or break JSON, for the edits below
JSON_BITS = list(':,{}[]"\\/ \t\r\n\x0b\x0c\x00-+.0123456789eEtruefalsnNaI')


class Refused(ValueError):
    """What the project refuses although json accepts it: duplicate keys, NaN, Infinity, and
    lone surrogates (a `\\udc00` escape without its pair is no text)."""


def refuse_lone_surrogates(value) -> None:
    """What thread files may not hold and `json` lets through: lone surrogates, and numbers
    too large for a double (`6e308` reads as infinity)."""
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, dict):
            stack += [*v.keys(), *v.values()]
        elif isinstance(v, list):
            stack += v
        elif isinstance(v, str) and any("\ud800" <= ch <= "\udfff" for ch in v):
            raise Refused("lone surrogate")
        elif isinstance(v, float) and not math.isfinite(v):
            raise Refused("not finite")


def strict_pairs(pairs: list) -> dict:
    if len({k for k, _ in pairs}) != len(pairs):
        raise Refused("duplicate key")
    return dict(pairs)


def refuse_constant(word: str):
    raise Refused(word)


def read_json(text: str):
    """The fallback reader alone (parse() only uses it when json.loads gives up)."""
    return build(json_events(text, "t.json"), "t.json")


@given(json_values, st.sampled_from([None, 0, 2]), st.booleans())
def test_fallback_json_reader_reads_what_json_writes(value, indent, ascii_only):
    text = json.dumps(value, indent=indent, ensure_ascii=ascii_only)
    assert repr(read_json(text)) == repr(json.loads(text))  # repr: True is not 1, 1.0 is not 1


@given(json_values, st.data())
def test_fallback_json_reader_accepts_exactly_what_json_accepts(value, data):
    """One character inserted or deleted anywhere: either both readers refuse the text, or both
    read the same value."""
    text = json.dumps(value, indent=data.draw(st.sampled_from([None, 1])))
    at = data.draw(st.integers(0, len(text)))
    if data.draw(st.booleans()) and at < len(text):
        text = text[:at] + text[at + 1:]
    else:
        text = text[:at] + data.draw(st.sampled_from(JSON_BITS)) + text[at:]
    try:
        expected = json.loads(text, object_pairs_hook=strict_pairs, parse_constant=refuse_constant)
        refuse_lone_surrogates(expected)
    except ValueError:  # json.JSONDecodeError, or Refused
        with pytest.raises(ThreadpressError) as e:
            read_json(text)
        [d] = e.value.diagnostics
        assert d.line is not None and d.column is not None
    else:
        assert repr(read_json(text)) == repr(expected)


@pytest.mark.parametrize("text, value", [
    ("true", True), ("false", False), ("null", None), ("-0", 0), ("1E+2", 100.0), ("1.5e-1", 0.15),
    ("1e5", 100000.0), ("[0, 10, -3.25]", [0, 10, -3.25]), ('["", "a\\"b"]', ["", 'a"b']),
    (' \t\r\n[ 1 , "a\\u00e9\\n" ]\r\n', [1, "aé\n"]), ('{"a": {}, "b": []}', {"a": {}, "b": []}),
])
def test_fallback_json_reader_values(text, value):
    assert repr(read_json(text)) == repr(value)


@pytest.mark.parametrize("text", ["", " ", "[1,]", '{"a":1,}', '{"a" 1}', '{"a"::1}', "[1 2]",
                                  "[:1]", '{1: 2}', "01", "1.", ".5", "+1", "tru", "nul", "NaN",
                                  "[1]]", "{]", "[}", '"\\x"', '"a\nb"', "[1] [2]", '{"a":1 "b":2}',
                                  "1e", "1e+", "-", "[1.]", '"\x01"'])
def test_fallback_json_reader_refuses(text):
    with pytest.raises(ThreadpressError):
        read_json(text)


@pytest.mark.parametrize("text, line, column, message", [
    ('{"a": }', 1, 7, "expected a value, found '}'"),
    ('{"a": 1,}', 1, 9, "expected a key (a string), found '}'"),
    ('["ab\\q"]', 1, 5, "Invalid \\escape"),        # placed at the backslash, inside the string
    ("[1,\n 2,\n\n 3 4]", 4, 4, "expected ',' or a closing bracket, found '4'"),
])
def test_fallback_json_reader_places_errors(text, line, column, message):
    with pytest.raises(ThreadpressError) as e:
        read_json(text)
    [d] = e.value.diagnostics
    assert (d.line, d.column) == (line, column) and message in d.message


def test_json_nesting_limit_is_4096_levels():
    """2,048 levels of replies (docs/format.md): each is a list and a mapping."""
    assert parse(deep_json(4096), "t.json") is not None
    d = error_of(deep_json(4097), "t.json")
    assert "more than 4096 levels" in d.message and (d.line, d.column) == (1, 4097)


@pytest.mark.parametrize("tag", ["map", "seq", "omap", "pairs", "set"])
def test_collection_tags_on_a_scalar_are_refused(tag):
    d = error_of(f"title: !!{tag} x\n", "t.yaml")
    assert d.message == f"YAML tag !!{tag} is not allowed" and (d.line, d.column) == (1, 8)


def test_plain_and_non_specific_tags_on_collections_and_scalars():
    text = "a: !!seq [1]\nb: !!map {c: 1}\nc: ! [x]\nd: ! {e: 1}\nf: ! hello\n"
    assert parse(text, "t.yaml") == {"a": [1], "b": {"c": 1}, "c": ["x"], "d": {"e": 1},
                                     "f": "hello"}


def test_mapping_keys_must_be_plain_values():
    d = error_of("title: t\n? [a, b]\n: c\n", "t.yaml")
    assert d.message == "a mapping key must be a plain value" and (d.line, d.column) == (2, 3)


def test_malformed_yaml_message_has_context_and_problem():
    d = error_of("title: 'x\n", "t.yaml")
    assert d.message == ("not valid YAML: while scanning a quoted scalar "
                         "found unexpected end of stream (started at 1:8)")
    assert (d.line, d.column) == (2, 1)


@pytest.mark.parametrize("text, where, started", [
    ("title: [broken\n", (2, 1), "1:8"),
    ("title: t\ncomments:\n  - {id: 1, body: x\n", (4, 1), "3:5"),
    ("title: t\nbody: \"open\n\n\n", (5, 1), "2:7"),
])
def test_an_unfinished_construct_is_placed_where_it_ends_and_where_it_started(text, where, started):
    d = error_of(text, "t.yaml")
    assert (d.line, d.column) == where
    assert d.message.startswith("not valid YAML: ")
    assert d.message.endswith(f" (started at {started})")


def test_an_error_at_its_own_start_says_no_second_place():
    d = error_of("title: t\n  bad: indent\n", "t.yaml")
    assert "started at" not in d.message


@pytest.mark.parametrize("text, line, col", [
    ("\ntitle: a\x07b\n", 2, 9),
    ("\n\ntitle: t\nbody: a\x07b\n", 4, 8),
    ("title: t\n\n\nbody: ab\x1b\n", 4, 9),
])
def test_control_characters_placed_after_blank_lines(text, line, col):
    d = error_of(text, "t.yaml")
    assert (d.line, d.column) == (line, col)
