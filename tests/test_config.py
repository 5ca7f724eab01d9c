"""config.load_config: threadpress.yaml, every key optional; unknown keys warn, bad values error."""

from __future__ import annotations


import pytest

from threadpress.config import Config, load_config
from threadpress.errors import ThreadpressError
from support import parse_diagnostic



def write(tmp_path, text):
    p = tmp_path / "threadpress.yaml"
    p.write_bytes(text if isinstance(text, bytes) else text.encode())
    return tmp_path


def config_errors(tmp_path, text) -> list[dict]:
    with pytest.raises(ThreadpressError) as e:
        load_config(write(tmp_path, text))
    return [parse_diagnostic(str(d)) for d in e.value.diagnostics]


def test_no_file_or_empty_file_gives_defaults(tmp_path):
    assert load_config(tmp_path) == (Config(), [])
    assert load_config(write(tmp_path, "# nothing\n")) == (Config(), [])


def test_values(tmp_path):
    config, diags = load_config(write(tmp_path, """\
title: My threads
base_url: https://me.example.org/threads
timezone: Europe/Berlin
sort: score
index_order: title
comment_pages: false
context_depth: 0
per_page: 5
params: {logo: x.png}
theme: plain
"""))
    assert diags == []
    assert config.title == "My threads" and config.base_url == "https://me.example.org/threads/"
    assert config.timezone == "Europe/Berlin" and config.sort == "score"
    assert config.index_order == "title" and config.comment_pages is False
    assert config.context_depth == 0 and config.per_page == 5 and config.params == {"logo": "x.png"}
    assert config.theme == "plain" and config.language == "en"  # untouched keys keep defaults


def test_null_means_default(tmp_path):
    config, _ = load_config(write(tmp_path, "title:\nsort: ~\n"))
    assert config == Config()


def test_unknown_keys_warn_with_line(tmp_path):
    config, diags = load_config(write(tmp_path, "title: t\ncolour: blue\n"))
    assert config.title == "t"
    [d] = [parse_diagnostic(str(d)) for d in diags]
    assert d["kind"] == "warning" and (d["line"], d["column"], d["field"]) == (2, 9, "colour")
    assert "unknown setting 'colour'" in d["message"]


@pytest.mark.parametrize("line,key,message", [
    ("sort: random", "sort", "expected one of original, oldest, newest, score"),
    ("index_order: 3", "index_order", "expected a string"),
    ("comment_pages: 1", "comment_pages", "expected true or false"),
    ("per_page: 0", "per_page", "must be at least 1"),
    ("context_depth: -1", "context_depth", "must be at least 0"),
    ("context_depth: 1.5", "context_depth", "expected an integer"),
    ("per_page: true", "per_page", "expected an integer"),
    ("timezone: Mars/Olympus", "timezone", "unknown time zone"),
    ("timezone: America", "timezone", "unknown time zone"),
    ("timezone: ../../etc/passwd", "timezone", "unknown time zone"),
    ("base_url: ftp://example.org", "base_url", "absolute http(s) URL"),
    ("theme: ../evil", "theme", "expected a theme name"),
    ("theme: ''", "theme", "expected a theme name"),
    ("params: [1, 2]", "params", "expected a mapping"),
    ("title: [x]", "title", "expected a string"),
])
def test_bad_values_name_key_and_line(tmp_path, line, key, message):
    [d] = config_errors(tmp_path, f"# settings\n{line}\n")
    assert d["kind"] == "error" and d["path"].endswith("threadpress.yaml")
    assert (d["line"], d["column"], d["field"]) == (2, line.index(":") + 3, key)
    assert message in d["message"]


def test_all_problems_at_once(tmp_path):
    got = config_errors(tmp_path, "sort: x\nnope: 1\nper_page: 0\n")
    assert [(d["line"], d["kind"], d["field"]) for d in got] == [
        (1, "error", "sort"), (2, "warning", "nope"), (3, "error", "per_page")]


@pytest.mark.parametrize("text,line,column,message", [
    ("title: [\n", 2, 1, "not valid YAML"),
    ("- a\n", 1, 1, "expected a mapping"),
    (b"title: caf\xe9\n", 1, 11, "not UTF-8"),
    ("title: !!python/object/apply:os.getcwd []\n", 1, 8, "not allowed"),
    ("a: &x 1\nb: *x\n", 2, 4, "aliases"),
    ("title: a\ntitle: b\n", 2, 1, "duplicate key"),
])
def test_unreadable_config(tmp_path, text, line, column, message):
    [d] = config_errors(tmp_path, text)
    assert (d["line"], d["column"]) == (line, column) and message in d["message"]


@pytest.mark.parametrize("value", ['"a.org\\n"', '"a.org\\nb.org"', '"a b.org"', '" a.org"',
                                   '"https://a.org"', '"a.org/"', '"a_b.org"', '"-a.org"',
                                   '"a..org"', '"a.org."', '"<script>.org"', '"' + "a" * 64 + '.org"',
                                   '"' + "a." * 130 + 'org"'])
def test_cname_must_be_a_host_name(tmp_path, value):
    [d] = config_errors(tmp_path, f"title: t\ncname: {value}\n")
    assert (d["line"], d["field"]) == (2, "cname") and "domain name" in d["message"]


@pytest.mark.parametrize("value", ["archive.example.org", "a.b-c.d", "x", "xn--bcher-kva.de"])
def test_cname_accepts_host_names(tmp_path, value):
    assert load_config(write(tmp_path, f"cname: {value}\n"))[0].cname == value


@pytest.mark.parametrize("value", ['"https://"', '"http://"', '"https:///repo/"', '"https://@/"',
                                   '"https://:80/"', '"https://a b.org/"', '"https://a.org/\\n"',
                                   '"https://a.org:x/"', '"http://[::1/"', '"https://a.org/?x=1"',
                                   '"https://a.org/#top"', '"https://a_b.org/"', '"ftp://a.org/"',
                                   '"https://' + "a" * 64 + '.org/"'])
def test_base_url_must_have_a_host(tmp_path, value):
    [d] = config_errors(tmp_path, f"title: t\nbase_url: {value}\n")
    assert (d["line"], d["field"]) == (2, "base_url")
    assert "expected" in d["message"] and "Traceback" not in d["message"]


@pytest.mark.parametrize("value", ["https://me.github.io/repo/", "http://127.0.0.1:8000/",
                                   "http://[::1]:8000/", "https://bücher.example/", "https://a.org"])
def test_base_url_accepts_absolute_urls(tmp_path, value):
    config = load_config(write(tmp_path, f"base_url: {value}\n"))[0]
    assert config.base_url == value.rstrip("/") + "/"


def test_base_url_on_the_command_line_is_checked_alike():
    from threadpress.config import override
    with pytest.raises(ThreadpressError) as e:
        override(Config(), base_url="https://")
    assert "--base-url" in str(e.value)


@pytest.mark.parametrize("value,hint", [
    ('en_US', "did you mean 'en-US'?"), ('zh.Hans', "did you mean 'zh-Hans'?"),
    ('"en US"', "did you mean 'en-US'?"), ('"../../evil"', None), ('"\\0"', None),
    ('"' + "a" * 300 + '"', None), ('"en-' + "x-abcdefgh-" * 4 + 'a"', None), ("''", None),
    ('"en-"', None), ('e', None), ('"123"', None), ('"en--US"', None), ('"<b>"', None),
    ('"en\\u00e9"', None)])
def test_language_must_be_a_bcp47_tag(tmp_path, value, hint):
    """`<html lang>` and Pagefind's index file names come from it: `_` and `.` broke the
    search stage, a long value made Pagefind panic, `../` wrote outside the site, NUL hung it."""
    [d] = config_errors(tmp_path, f"title: t\nlanguage: {value}\n")
    assert (d["line"], d["column"], d["field"]) == (2, 11, "language")
    assert "BCP 47 language tag" in d["message"]
    assert (hint in d["message"]) if hint else "did you mean" not in d["message"]


@pytest.mark.parametrize("value", ["en", "en-US", "EN-us", "pt-BR", "zh-Hans", "zh-Hant-TW",
                                   "sr-Latn-RS", "es-419", "de-DE-1996", "x-klingon",
                                   "en-US-x-twain", "de-DE-u-co-phonebk", "yue"])
def test_language_accepts_bcp47_tags(tmp_path, value):
    assert load_config(write(tmp_path, f"language: {value}\n"))[0].language == value


def test_every_accepted_language_is_safe_in_a_file_name():
    """Pagefind names index files after the tag: what passes is short, ASCII, letters, digits
    and inner single hyphens, whatever the input."""
    from hypothesis import given, strategies as st
    from threadpress.config import LANGUAGE_MAX, _language_problem

    @given(st.text(max_size=50))
    def prop(value):
        if _language_problem(value) is None:   # whatever passes is safe as a file name part
            assert 2 <= len(value) <= LANGUAGE_MAX and value.isascii()
            assert all(ch.isalnum() or ch == "-" for ch in value)
            assert "--" not in value and not value.startswith("-") and not value.endswith("-")
    prop()
