"""`threadpress check`: every problem in one run, placed; a summary; exit codes; no traceback."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import threadpress
from threadpress import routes
from threadpress.cli import main
from support import diagnostics, parse_diagnostic, python_env


REPO = Path(__file__).resolve().parents[1]
# counts with their nouns, singular for 1: "1 thread, 2 comments, …, 1 warning, 0 errors"
SUMMARY = re.compile(r"^(\d+) threads?, (\d+) comments?, deepest chain (\d+), (\d+) warnings?, "
                     r"(\d+) errors?$")


def summary(stdout: str) -> tuple[int, ...]:
    lines = stdout.strip().splitlines()
    m = SUMMARY.match(lines[-1])
    assert m, stdout
    return tuple(int(x) for x in m.groups())


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "threadpress", *args], capture_output=True,
                          text=True, cwd=cwd, env=python_env(), timeout=120)


GOOD = """\
title: good
comments:
  - id: 1
    replies:
      - id: 2
        replies: [{id: 3}]
  - {id: 4, parent: 3}
"""

BROKEN = {
    "content/good.yaml": GOOD,
    "content/orphan.yaml": "title: o\ncomments:\n  - {id: 1, parent: nobody}\n",
    "content/syntax.yaml": "title: t\ncomments: [\n",
    "content/types.json": '{"title": 5,\n "comments": [{"id": 1}, {"id": 1}]}',
    "content/list.yaml": "- a\n",
    "content/empty.yaml": "",
    "content/latin1.yaml": b"title: caf\xe9\n",
    "content/binary.json": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200),
    "content/alias.yaml": "a: &x [1]\ntitle: *x\n",
    "content/multi.yaml": "title: a\n---\ntitle: b\n",
    "content/dupkey.yaml": "title: a\ntitle: b\n",
    "content/cycle.yaml": "title: c\ncomments: [{id: a, parent: b}, {id: b, parent: a}]\n",
}


def expected_broken(marker: Path) -> dict:
    return {
        "syntax.yaml": [(3, 1)],
        "types.json": [(1, 11), (2, 33)],
        "list.yaml": [(1, 1)],
        "empty.yaml": [(1, 1)],
        "latin1.yaml": [(1, 11)],
        "binary.json": [(1, 1)],
        "alias.yaml": [(2, 8)],
        "multi.yaml": [(2, 1)],
        "dupkey.yaml": [(2, 1)],
        "cycle.yaml": [(2, 28)],
        "evil.yaml": [(1, 8)],
    }


def broken_site(site, marker: Path) -> Path:
    files = dict(BROKEN)
    files["content/evil.yaml"] = f"title: !!python/object/apply:os.system ['touch {marker}']\n"
    return site(files)


def check_broken_output(stderr: str, stdout: str, marker: Path) -> None:
    assert "Traceback" not in stderr + stdout
    diags = [parse_diagnostic(line) for line in stderr.splitlines()]
    errors: dict[str, list] = {}
    for d in diags:
        if d["kind"] == "error":
            errors.setdefault(Path(d["path"]).name, []).append((d["line"], d["column"]))
    assert errors == expected_broken(marker)
    [warning] = [d for d in diags if d["kind"] == "warning"]
    assert Path(warning["path"]).name == "orphan.yaml" and "'nobody'" in warning["message"]
    assert summary(stdout) == (2, 5, 4, 1, 12)
    assert not marker.exists()


def test_check_broken_site_subprocess(site, tmp_path):
    marker = tmp_path / "pwned"
    root = broken_site(site, marker)
    r = run("check", str(root))
    assert r.returncode == 1
    check_broken_output(r.stderr, r.stdout, marker)


def test_check_broken_site_in_process(site, tmp_path, capsys):
    marker = tmp_path / "pwned"
    root = broken_site(site, marker)
    assert main(["check", str(root)]) == 1
    out = capsys.readouterr()
    check_broken_output(out.err, out.out, marker)


def test_paths_are_relative_to_the_working_folder(site):
    root = site({"content/sub/x.yaml": "title: [\n"})
    r = run("check", cwd=root)
    assert r.returncode == 1
    assert r.stderr.splitlines()[0].startswith(os.path.join("content", "sub", "x.yaml") + ":2:1: error:")


def test_clean_site_exits_0(site, capsys):
    root = site({"content/good.yaml": GOOD, "content/b.json": json.dumps({"title": "b"}),
                 "threadpress.yaml": "sort: newest\n"})
    assert main(["check", str(root)]) == 0
    out = capsys.readouterr()
    assert out.err == "" and summary(out.out) == (2, 4, 4, 0, 0)


def test_warnings_fail_only_with_strict(site, capsys):
    root = site({"content/o.yaml": "title: o\ncomments: [{id: 1, parent: gone}]\n"})
    assert main(["check", str(root)]) == 0
    out = capsys.readouterr()
    assert summary(out.out) == (1, 1, 1, 1, 0)
    [d] = [parse_diagnostic(x) for x in out.err.splitlines()]
    assert d["kind"] == "warning" and (d["line"], d["column"]) == (2, 28)
    assert main(["check", "--strict", str(root)]) == 1


def test_config_warning_counts_and_config_error_fails(site, capsys):
    root = site({"content/a.yaml": "title: a\n", "threadpress.yaml": "colour: red\n"})
    assert main(["check", str(root)]) == 0
    assert summary(capsys.readouterr().out) == (1, 0, 0, 1, 0)
    assert main(["check", "--strict", str(root)]) == 1
    capsys.readouterr()
    (root / "threadpress.yaml").write_text("sort: sideways\n")
    assert main(["check", str(root)]) == 1
    out = capsys.readouterr()
    [d] = [parse_diagnostic(x) for x in out.err.splitlines()]
    assert (d["line"], d["column"], d["field"]) == (1, 7, "sort")
    assert "Traceback" not in out.err


def test_missing_content_folder(tmp_path, capsys):
    assert main(["check", str(tmp_path)]) == 1
    out = capsys.readouterr()
    assert "no content folder" in out.err and summary(out.out) == (0, 0, 0, 0, 1)


def test_example_site_checks_clean():
    r = run("check", str(REPO))
    assert r.returncode == 0, r.stderr
    # the example site as committed (content/): change these numbers with it
    assert summary(r.stdout) == (3, 89, 13, 0, 0)


def test_version():
    r = run("--version")
    assert r.returncode == 0 and r.stdout.strip() == f"threadpress {threadpress.__version__}"


def test_version_in_process(capsys):
    with pytest.raises(SystemExit) as e:
        main(["--version"])
    assert e.value.code == 0 and threadpress.__version__ in capsys.readouterr().out


def test_help():
    r = run("--help")
    assert r.returncode == 0 and "check" in r.stdout and "usage: threadpress" in r.stdout
    r = run("check", "--help")
    assert r.returncode == 0 and "--strict" in r.stdout and "SITE" in r.stdout.upper()


def test_no_command_prints_help_and_exits_2(capsys):
    assert main([]) == 2
    assert "usage: threadpress" in capsys.readouterr().out


def test_bad_option_is_a_usage_error():
    r = run("check", "--bogus")
    assert r.returncode == 2 and "usage:" in r.stderr and "Traceback" not in r.stderr


# `check` accepts exactly what `build` builds: the same findings, word for word, in any order
AGREE = {
    "clean": {},
    "broken threads": {k: v for k, v in BROKEN.items() if k != "content/good.yaml"},
    "config warning": {"threadpress.yaml": "base_url: https://e.org/\ncolour: red\n"},
    "redaction of no thread": {"redactions.yaml": "threads:\n  - thread: nope\n"},
    "redaction of no comment": {"redactions.yaml": "comments:\n  - {thread: good, id: '9'}\n"},
    "redaction of a removed thread's comment": {
        "redactions.yaml": "threads: [{thread: good}]\ncomments: [{thread: good, id: '9'}]\n"},
    "broken redactions": {"redactions.yaml": "comments: [{id: 1}]\n"},
    "slug collision": {"content/other.yaml": "slug: good\ntitle: o\n"},
    "one thread in two files": {
        "content/flat.yaml": "title: f\nid: '4242'\n",
        "content/nested.json": '{"title": "n", "id": "4242", "comments": []}\n'},
    "one source in two files": {
        "content/a.yaml": "title: a\nsource: https://news.ycombinator.com/item?id=1\n",
        "content/b.yaml": "title: b\nsource: https://news.ycombinator.com/item?id=1\n"},
    "unknown theme": {"threadpress.yaml": "base_url: https://e.org/\ntheme: nope\n"},
    "broken template": {"threadpress.yaml": "base_url: https://e.org/\ntheme: t\n",
                        "themes/t/templates/x.html": "{% if %}"},
    # issue 26, class 5: each of these was accepted by check and refused (or crashed) by build
    **{f"language {value!r}": {"threadpress.yaml": f"base_url: https://e.org/\nlanguage: {value}\n"}
       for value in ("en_US", "zh.Hans", '"' + "a" * 300 + '"', '"../../../../evil"', '"\\0"',
                     "''")},
    "language on a thread of every kind": {"threadpress.yaml":
                                           "base_url: https://e.org/\nlanguage: zh-Hans\n"},
    "tag and author named index.html": {"content/idx.yaml": (
        "title: i\ntags: [index.html, page, Page]\n"
        "comments: [{id: 1, author: index.html, body: x}, {id: 2, author: page, body: y}]\n")},
    "anonymize_authors in CI without a secret": {
        "threadpress.yaml": "base_url: https://e.org/\nanonymize_authors: true\n"},
    "undefined variable in a template": {
        "threadpress.yaml": "base_url: https://e.org/\ntheme: t\n",
        "themes/t/templates/404.html": "<p>\n{{ nope.x }}\n"},
    "missing include": {"threadpress.yaml": "base_url: https://e.org/\ntheme: t\n",
                        "themes/t/templates/thread.html": "\n{% include 'nothere.html' %}\n"},
    "self-recursive macro": {
        "threadpress.yaml": "base_url: https://e.org/\ntheme: t\n",
        "themes/t/templates/search.html":
            "{% macro m(n) %}{{ m(n + 1) }}{% endmacro %}\n{{ m(1) }}\n"},
    "division by zero in a template": {
        "threadpress.yaml": "base_url: https://e.org/\ntheme: t\n",
        "themes/t/templates/_comment.html":
            "{% macro comment(v, thread, prefix, current) %}\n{{ 1/0 }}{% endmacro %}\n"},
    "slug of seventeen 250-byte segments": {
        "content/long.yaml": "title: l\nslug: " + "/".join(["a" * 250] * 17) + "\n"},
    "alias too long": {
        "content/long.yaml": "title: l\naliases: [" + "/".join(["b" * 200] * 6) + "]\n"},
}
# the environment a case's check and build run in (the variables given; None: unset)
AGREE_ENV = {"anonymize_authors in CI without a secret": {"CI": "1", "THREADPRESS_SECRET": None}}
# cases that build (and check) find nothing wrong with
AGREE_CLEAN = ("clean", "redaction of a removed thread's comment", "tag and author named index.html",
               "language on a thread of every kind")


def findings(err: str) -> list[tuple]:
    return sorted(tuple(d.values()) for d in diagnostics(err))


@pytest.mark.parametrize("case", sorted(AGREE))
def test_check_and_build_find_the_same(site, capsys, monkeypatch, case):
    for name, value in AGREE_ENV.get(case, {}).items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    files = {"content/good.yaml": GOOD, "threadpress.yaml": "base_url: https://e.org/\n",
             **AGREE[case]}
    root = site(files)
    found, checked, built = check_then_build(root, capsys)
    assert (found == []) == (built == 0)
    assert (found == []) == (case in AGREE_CLEAN)
    if case.startswith("language"):   # search on: Pagefind ran, and wrote only into the output
        assert not (root.parent / "evil").exists() and not list(root.parent.glob("*evil*"))
        assert (found == []) == (root / "out" / "search" / "index.html").is_file()
    if case == "tag and author named index.html":
        assert_term_folders(root / "out")


def check_then_build(root: Path, capsys) -> tuple[list[tuple], int, int]:
    """check's findings and exit status, and build's, which must equal them; no traceback."""
    checked = main(["check", "--strict", str(root)])
    out = capsys.readouterr()
    found = findings(out.err)
    built = main(["build", "--strict", str(root), "-o", str(root / "out"), "-q", "-j", "1"])
    err = capsys.readouterr().err
    assert "Traceback" not in err + out.err
    assert findings(err) == found and checked == built, (out.err, err)
    return found, checked, built


def assert_term_folders(out: Path) -> None:
    """A term named like a file of the terms list gets a folder of its own, and links to it."""
    from dom import parse_file

    for taxonomy, names in (("tags", ("index.html", "page", "Page")),
                            ("authors", ("index.html", "page"))):
        listing = parse_file(out / taxonomy / "index.html")
        hrefs = {a.attrs["href"] for a in listing.find_all("a") if "href" in a.attrs}
        for name in names:
            folder = routes.folder_of(routes.term_page(taxonomy, name, 1))
            assert (out / folder / "index.html").is_file()
            assert folder.removeprefix(taxonomy + "/") in hrefs
            assert folder.split("/")[1].lower() not in routes.TERMS_OWN


def test_one_discussion_in_two_files_is_a_warning_naming_both(site, capsys):
    root = site({"content/chollet-flat.yaml": "title: f\nid: '4242'\n",
                 "content/chollet-nested.json": '{"title": "n",\n "id": "4242"}\n',
                 # ids that are only the files' names are no sign of one thread
                 "content/2023/01.yaml": "title: a\n", "content/2024/01.yaml": "title: b\n"})
    assert main(["check", str(root)]) == 0
    [found] = diagnostics(capsys.readouterr().err)
    assert found["path"].endswith("chollet-nested.json") and found["kind"] == "warning"
    assert (found["line"], found["column"]) == (2, 8)
    assert found["message"].startswith("id: thread id '4242' is also the id of ")
    assert "chollet-flat.yaml" in found["message"]
    assert main(["check", "--strict", str(root)]) == 1


def test_check_finds_everything_build_stops_at(site, capsys):
    """With a broken template, build stops before it reads a thread; check goes on, so it finds
    all that build finds and more, and both fail."""
    root = site({"content/good.yaml": GOOD, "content/bad.yaml": "title: [\n",
                 "threadpress.yaml": "base_url: https://e.org/\ntheme: t\n",
                 "themes/t/templates/x.html": "{% if %}",
                 "redactions.yaml": "threads:\n  - thread: nope\n"})
    assert main(["check", str(root)]) == 1
    found = findings(capsys.readouterr().err)
    assert main(["build", str(root), "-o", str(root / "out"), "-q", "-j", "1"]) == 1
    built = findings(capsys.readouterr().err)
    assert set(built) < set(found) and len(found) == 3
    assert {d[0].rsplit("/", 1)[-1] for d in found} == {"x.html", "bad.yaml", "redactions.yaml"}


def test_a_stuck_pagefind_is_stopped_with_a_placed_error(site, capsys, monkeypatch):
    """Pagefind runs bounded: one that never ends is stopped, and the build fails naming the
    `search` setting, without a traceback (it once hung for ever on `language: "\\0"`)."""
    import time

    from threadpress import search

    monkeypatch.setattr(search, "PAGEFIND_TIMEOUT", 1)
    monkeypatch.setattr(search, "pagefind_command",
                        lambda: [sys.executable, "-c", "import time; time.sleep(60)"])
    root = site({"content/good.yaml": GOOD, "threadpress.yaml": "base_url: https://e.org/\n"})
    started = time.monotonic()
    assert main(["build", str(root), "-o", str(root / "out"), "-q", "-j", "1"]) == 1
    assert time.monotonic() - started < 30
    err = capsys.readouterr().err
    [d] = diagnostics(err)
    assert d["path"].endswith("threadpress.yaml") and d["kind"] == "error"
    assert d["message"].startswith("search: search index: Pagefind did not finish within 1 ")
    assert "Traceback" not in err and not (root / "out").exists()


def test_check_and_build_agree_on_generated_sites(tmp_path_factory):
    """Small sites drawn from the pieces the red team used (languages, slugs, term names,
    theme templates, broken thread files): check's findings are build's, word for word."""
    import io
    from contextlib import redirect_stderr, redirect_stdout

    from hypothesis import HealthCheck, given, settings, strategies as st

    languages = st.sampled_from(["en", "en-US", "zh-Hans", "en_US", "zh.Hans", '"../x"', "''",
                                 '"' + "q" * 40 + '"', "de-DE-1996"])
    slugs = st.sampled_from(["", "a", "a/b", "search", "x/" * 3 + "y",
                             "/".join(["s" * 250] * 5), "good"])
    names = st.lists(st.sampled_from(["index.html", "page", "PAGE", "t", "a b", "../x"]),
                     max_size=3)
    templates = st.sampled_from([None, "{{ nope }}", "{% include 'gone.html' %}", "{{ 1/0 }}",
                                 "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}",
                                 "{% if %}", "<p>{{ site.title }}</p>"])
    threads = st.lists(st.tuples(slugs, names, names, st.booleans()), min_size=1, max_size=3)

    @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
    @given(languages, threads, templates)
    def agree(language, drawn, template):
        root = tmp_path_factory.mktemp("gen")
        config = f"base_url: https://e.org/\nlanguage: {language}\n"
        if template is not None:
            config += "theme: t\n"
            (root / "themes/t/templates").mkdir(parents=True)
            (root / "themes/t/templates/404.html").write_text(template)
        (root / "threadpress.yaml").write_text(config)
        (root / "content").mkdir()
        for i, (slug, tags, authors, broken) in enumerate(drawn):
            text = f"title: t{i}\n" + (f"slug: {slug}\n" if slug else "") + (
                f"tags: {json.dumps(tags)}\n") + "comments: " + json.dumps(
                [{"id": str(k), "author": a, "body": "w"} for k, a in enumerate(authors)]) + "\n"
            (root / "content" / f"t{i}.yaml").write_text(text + ("title: [\n" if broken else ""))
        runs = []
        for argv in (["check", "--strict", str(root)],
                     ["build", "--strict", str(root), "-o", str(root / "out"), "-q", "-j", "1"]):
            err = io.StringIO()
            with redirect_stderr(err), redirect_stdout(io.StringIO()):
                status = main(argv)
            assert "Traceback" not in err.getvalue()
            runs.append((status, findings(err.getvalue())))
        (checked, found), (built, by_build) = runs
        stops = language not in ("en", "en-US", "zh-Hans", "de-DE-1996") or template not in (
            None, "<p>{{ site.title }}</p>") or any(broken for *_, broken in drawn)
        if stops:   # build stops at the first stage that fails (the config, the theme, a
            # thread file); check goes on: it finds all build finds, and more
            assert set(by_build) <= set(found) and checked == built == 1
        else:
            assert (found, checked) == (by_build, built)
        assert (built == 0) == (found == []) == (root / "out" / "index.html").is_file()

    agree()
