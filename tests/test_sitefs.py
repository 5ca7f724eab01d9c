"""The site's files: links leading outside the site, unreadable files and folders, names that
are not UTF-8, and broken theme templates each give a message naming the path, never a
traceback, and nothing from outside the site is read, published or quoted."""

from __future__ import annotations

import os
from pathlib import Path

import jinja2.loaders
import pytest

from dom import parse_file
from threadpress import sitefs
from threadpress.cli import main
from support import diagnostics

THREAD = "title: {title}\ncomments:\n  - id: 1\n    author: alice\n    body: hello\n"
SECRET = "GITHUB_TOKEN=ghp_0123456789abcdef\n"


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder beside the site, with a thread file, a .env and a theme file in it."""
    out = tmp_path / "elsewhere"
    (out / "threads").mkdir(parents=True)
    (out / "threads" / "t.yaml").write_text(THREAD.format(title="Leaked"), encoding="utf-8")
    (out / "else.yaml").write_text(THREAD.format(title="Leaked"), encoding="utf-8")
    (out / ".env").write_text(SECRET, encoding="utf-8")
    (out / "base.html").write_text("LEAKED TEMPLATE {{ 1 }}", encoding="utf-8")
    (out / "passwd").write_text("root:x:0:0:LEAKED\n", encoding="utf-8")
    return out


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, captured.out, captured.err


def build(capsys, root: Path) -> tuple[int, str, str]:
    return run(capsys, "build", str(root), "-o", str(root / "out"), "-q", "-j", "1")


def warned_about(err: str, link: Path) -> bool:
    return any(d["kind"] == "warning" and d["path"].endswith(sitefs.shown(link).split("/")[-1])
               and "outside the site" in d["message"] for d in diagnostics(err))


def published_text(out: Path) -> str:
    return "\n".join(p.read_text(encoding="utf-8", errors="replace")
                     for p in out.rglob("*") if p.is_file())


# --- the rule -----------------------------------------------------------------------------

def test_inside(tmp_path):
    (tmp_path / "site" / "a").mkdir(parents=True)
    (tmp_path / "site" / "in").symlink_to(tmp_path / "site" / "a")
    (tmp_path / "site" / "out").symlink_to(tmp_path)
    (tmp_path / "site-b").mkdir()
    site = tmp_path / "site"
    assert sitefs.inside(site / "a" / "x", site) and sitefs.inside(site / "in", site)
    assert sitefs.inside(site, site)
    assert not sitefs.inside(site / "out", site) and not sitefs.inside(site / "out" / "site-b", site)
    assert sitefs.inside(site / "out" / "site" / "a", site)   # out and back in again
    assert not sitefs.inside(tmp_path / "site-b", site)          # a prefix is not a parent
    assert not sitefs.inside(site / "a" / ".." / ".." / "x", site)


# --- links in content/, the config, the theme ---------------------------------------------

@pytest.mark.parametrize("link,target", [
    ("content/leak.yaml", "else.yaml"),         # a file
    ("content/sub", "threads"),                 # a folder
    ("content/deeper/leak.json", "else.yaml"),  # a file in a subfolder
])
def test_content_links_leading_outside_are_refused(site, capsys, outside, link, target):
    root = site({"content/good.yaml": THREAD.format(title="Good"),
                 "content/deeper/ok.yaml": THREAD.format(title="Ok")})
    (root / link).symlink_to(outside / target)
    code, out, err = run(capsys, "check", str(root))
    assert code == 0 and out.startswith("2 threads") and warned_about(err, root / link)
    code, _, err = build(capsys, root)
    assert code == 0 and warned_about(err, root / link)
    assert "Leaked" not in published_text(root / "out")


def test_content_folder_itself_a_link_outside(site, capsys, outside):
    root = site({})
    (root / "content").rmdir()
    (root / "content").symlink_to(outside / "threads")
    code, out, err = run(capsys, "check", str(root))
    assert out.startswith("0 threads") and warned_about(err, root / "content")


def test_a_link_to_a_secret_is_never_quoted(site, capsys, outside):
    root = site({"content/good.yaml": THREAD.format(title="Good")})
    (root / "content" / "leak.yaml").symlink_to(outside / ".env")
    (root / "content" / "copy.yaml").write_text(SECRET, encoding="utf-8")  # a plain copy, too
    code, out, err = run(capsys, "check", str(root))
    assert code == 1 and warned_about(err, root / "content" / "leak.yaml")
    assert "ghp_" not in err + out and "GITHUB_TOKEN" not in err + out
    assert any(d["path"].endswith("copy.yaml") and "expected a mapping" in d["message"]
               for d in diagnostics(err))


def test_links_inside_the_site_are_followed(site, capsys):
    root = site({"shared/t.yaml": THREAD.format(title="Shared"), "shared/more/u.yaml":
                 THREAD.format(title="More")})
    (root / "content" / "t.yaml").symlink_to(root / "shared" / "t.yaml")
    (root / "content" / "more").symlink_to(root / "shared" / "more")
    (root / "content" / "loop").symlink_to(root / "content")   # a loop is walked once
    code, out, err = run(capsys, "check", str(root))
    assert code == 0 and out.startswith("2 threads"), err
    code, _, err = build(capsys, root)
    assert code == 0 and (root / "out" / "t" / "index.html").is_file()
    assert (root / "out" / "more" / "u" / "index.html").is_file()


def test_config_link_leading_outside_is_refused(site, capsys, outside):
    (outside / "threadpress.yaml").write_text("title: LEAKED\n", encoding="utf-8")
    root = site({"content/good.yaml": THREAD.format(title="Good")})
    (root / "threadpress.yaml").symlink_to(outside / "threadpress.yaml")
    code, _, err = build(capsys, root)
    assert code == 0 and warned_about(err, root / "threadpress.yaml")
    assert "LEAKED" not in published_text(root / "out")


def test_theme_template_and_static_links_leading_outside_are_refused(site, capsys, outside):
    root = site({"content/good.yaml": THREAD.format(title="Good"),
                 "themes/mine/static/own.css": "p {}\n",
                 "threadpress.yaml": "theme: mine\n"})
    (root / "themes" / "mine" / "templates").mkdir()
    (root / "themes" / "mine" / "templates" / "base.html").symlink_to(outside / "base.html")
    (root / "themes" / "mine" / "static" / "x").symlink_to(outside / "passwd")
    (root / "themes" / "mine" / "static" / "dir").symlink_to(outside)
    code, _, err = build(capsys, root)
    assert code == 0, err
    assert warned_about(err, root / "themes" / "mine" / "templates" / "base.html")
    assert warned_about(err, root / "themes" / "mine" / "static" / "x")
    assert warned_about(err, root / "themes" / "mine" / "static" / "dir")
    assert "LEAKED" not in published_text(root / "out")
    assert (root / "out" / "static" / "own.css").is_file()
    # the built-in base template took the refused one's place
    assert parse_file(root / "out" / "good" / "index.html").find("article") is not None
    # one warning per link, counted by --strict
    assert sum("outside the site" in line for line in err.splitlines()) == 3
    assert run(capsys, "build", str(root), "-o", str(root / "out2"), "-q", "--strict")[0] == 1


# --- unreadable files and folders ---------------------------------------------------------

def fail_reading(monkeypatch, target: Path) -> None:
    """Make reading `target` (a file, or a folder's listing) fail as permissions would; the
    suite may run as root, for whom chmod does not stop a read."""
    real_read, real_scandir = Path.read_bytes, os.scandir
    real_open = open

    def read_bytes(self):
        if os.path.abspath(self) == os.path.abspath(target):
            raise PermissionError(13, "Permission denied", str(self))
        return real_read(self)

    def scandir(path="."):
        if not isinstance(path, int) and os.path.abspath(path) == os.path.abspath(target):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    def jinja_open(filename, *args, **kwargs):   # what jinja2's FileSystemLoader calls
        if os.path.abspath(filename) == os.path.abspath(target):
            raise PermissionError(13, "Permission denied", filename)
        return real_open(filename, *args, **kwargs)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    monkeypatch.setattr(os, "scandir", scandir)
    monkeypatch.setattr(jinja2.loaders, "open", jinja_open, raising=False)


@pytest.mark.parametrize("bad", ["content/b.yaml", "content/sub", "content/sub/deeper",
                                 "threadpress.yaml"])
def test_unreadable_content_and_config_are_errors_naming_the_path(site, capsys, monkeypatch, bad):
    root = site({"content/a.yaml": THREAD.format(title="A"), "content/b.yaml":
                 THREAD.format(title="B"), "content/sub/deeper/c.yaml": THREAD.format(title="C"),
                 "threadpress.yaml": "title: Site\n"})
    fail_reading(monkeypatch, root / bad)
    for verb in ("check", "build"):
        code, _, err = run(capsys, verb, str(root)) if verb == "check" else build(capsys, root)
        assert code == 1
        named = [d for d in diagnostics(err) if d["kind"] == "error"]
        assert any(d["path"].endswith(bad) and "cannot read" in d["message"] and
                   "Permission denied" in d["message"] for d in named), err
    assert not (root / "out").exists()


@pytest.mark.parametrize("bad", ["templates/thread.html", "templates/_comment.html",
                                 "templates/unused.html", "static/style.css", "templates",
                                 "static", "static/img"])
def test_unreadable_theme_files_are_errors_naming_the_path(site, capsys, monkeypatch, bad):
    root = site({"content/a.yaml": THREAD.format(title="A"), "threadpress.yaml": "theme: mine\n",
                 "themes/mine/templates/thread.html": "{% extends 'default/thread.html' %}\n",
                 "themes/mine/templates/_comment.html": "{% extends 'default/_comment.html' %}\n",
                 "themes/mine/templates/unused.html": "{{ 1 }}\n",
                 "themes/mine/static/style.css": "p {}\n",
                 "themes/mine/static/img/a.svg": "<svg/>\n"})
    fail_reading(monkeypatch, root / "themes" / "mine" / bad)
    for verb in ("check", "build"):
        code, _, err = run(capsys, verb, str(root)) if verb == "check" else build(capsys, root)
        assert code == 1, verb
        assert any(d["path"].endswith(bad) and "cannot read" in d["message"]
                   for d in diagnostics(err) if d["kind"] == "error"), (verb, err)
    assert not (root / "out").exists()


def test_only_templates_are_compiled_not_backups_or_notes(site, capsys):
    root = site({"content/a.yaml": THREAD.format(title="A"), "threadpress.yaml": "theme: mine\n",
                 "themes/mine/templates/thread.html~": "{% if %}",
                 "themes/mine/templates/#thread.html#": "{% if %}",
                 "themes/mine/templates/NOTES": "{{ todo",
                 "themes/mine/templates/logo.png": "\x89PNG {{"})
    for verb in ("check", "build"):
        code, _, err = run(capsys, verb, str(root)) if verb == "check" else build(capsys, root)
        assert code == 0 and [d for d in diagnostics(err) if d["kind"] == "error"] == [], verb


@pytest.mark.parametrize("files,line", [
    ({"unused.html": "fine\n{% if %}\n"}, 2),                   # no page uses it (yet)
    ({"thread.html": "{{ 1 }}\n\n{% for x in %}\n"}, 3),
    ({"thread.html": b"ok\n\xff\xfe\n"}, 2),                      # not UTF-8
    ({"_comment.html": b"{% macro comment(v, t, p, c) %}\xe9{% endmacro %}"}, 1),
])
def test_broken_templates_fail_check_and_build_alike(site, capsys, files, line):
    [(name, text)] = files.items()
    root = site({"content/a.yaml": THREAD.format(title="A"), "threadpress.yaml": "theme: mine\n"})
    template = root / "themes" / "mine" / "templates" / name
    template.parent.mkdir(parents=True)
    template.write_bytes(text if isinstance(text, bytes) else text.encode())
    for verb in ("check", "build"):
        code, _, err = run(capsys, verb, str(root)) if verb == "check" else build(capsys, root)
        assert code == 1, verb
        [d] = [d for d in diagnostics(err) if d["kind"] == "error"]
        assert d["path"].endswith(f"templates/{name}") and d["line"] == line, (verb, d)
    assert not (root / "out").exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_really_unreadable_subfolder(site, capsys):
    root = site({"content/a.yaml": THREAD.format(title="A"),
                 "content/locked/b.yaml": THREAD.format(title="B")})
    (root / "content" / "locked").chmod(0)
    try:
        code, out, err = run(capsys, "check", str(root))
    finally:
        (root / "content" / "locked").chmod(0o755)
    assert code == 1 and "locked" in err


# --- names that are not UTF-8 -------------------------------------------------------------

@pytest.mark.parametrize("name", [b"caf\xe9.yaml", b"\xff\xfe.json", b"sub\xe9/t.yaml"])
def test_file_names_that_are_not_utf8(site, capsys, name):
    root = site({"content/a.yaml": THREAD.format(title="A")})
    path = os.path.join(os.fsencode(root / "content"), name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(THREAD.format(title="Bytes"))
    code, out, err = run(capsys, "check", str(root))
    assert code == 1 and out.startswith("1 thread,")
    [d] = [d for d in diagnostics(err) if d["kind"] == "error"]
    shown_bad = name.split(b"/")[0].decode("utf-8", "backslashreplace")
    assert shown_bad in d["path"] and "not UTF-8" in d["message"]
    assert build(capsys, root)[0] == 1


# --- templates that include or extend themselves ------------------------------------------

@pytest.mark.parametrize("files,named", [
    ({"thread.html": "{% include 'thread.html' %}"}, "thread.html"),
    ({"base.html": "{% extends 'base.html' %}"}, "base.html"),
    ({"thread.html": "{% include 'a.html' %}", "a.html": "{% include 'b.html' %}",
      "b.html": "x{% include 'a.html' %}"}, "a.html"),
    ({"_comment.html": "{% macro comment(v, t, p, c) %}{% include '_comment.html' %}"
                       "{% endmacro %}{{ comment(1, 2, 3, 4) }}"}, "_comment.html"),
])
def test_template_cycles_are_named(site, capsys, files, named):
    root = site({"content/a.yaml": THREAD.format(title="A"), "threadpress.yaml": "theme: mine\n",
                 **{f"themes/mine/templates/{k}": v for k, v in files.items()}})
    code, _, err = build(capsys, root)
    assert code == 1
    [d] = [d for d in diagnostics(err) if d["kind"] == "error"]
    assert d["path"].endswith(named) and "template error" in d["message"]
