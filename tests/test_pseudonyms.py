"""Pseudonyms (`anonymize_authors: true`): names replaced everywhere by stable keyed hashes."""

from __future__ import annotations

import gzip
import json
import os
import stat
from pathlib import Path

import pytest

from dom import parse_file
from support import parse_diagnostic
from test_build import make_site
from threadpress.build import build_site
from threadpress.cli import main
from threadpress.pseudonyms import SECRET_ENV, pseudonym, secret_path

ONE = """\
title: First
author: ada_lovelace
source: https://social.example/@ada_lovelace/1
comments:
  - {id: "1", author: grace_h, body: "Hello @ada_lovelace, and u/ada_lovelace too."}
  - id: "2"
    parent: "1"
    author: ada_lovelace
    body: |
      grace_h wrote:
      > Hello
    url: https://social.example/@ada_lovelace/2
"""
TWO = """\
title: Second
comments:
  - {id: "9", author: grace_h, body: "ada_lovelace is not mentioned with an @ here"}
"""
NAMES = ["ada_lovelace", "grace_h"]


@pytest.fixture
def site(tmp_path, monkeypatch) -> Path:
    monkeypatch.delenv(SECRET_ENV, raising=False)
    monkeypatch.delenv("CI", raising=False)
    return make_site(tmp_path / "s", {"one.yaml": ONE, "two.yaml": TWO},
                     "anonymize_authors: true\n")


def _authors(page: Path) -> list[str]:
    return [el.text for el in parse_file(page).find_all(cls="author")]


def test_names_are_replaced_by_stable_pseudonyms_everywhere(site):
    assert build_site(site, quiet=True) == 0
    secret = secret_path(site).read_bytes().strip()
    ada, grace = (pseudonym(n, secret) for n in NAMES)
    out = site / "output"
    assert _authors(out / "one" / "index.html") == [f"by {ada}", grace, ada]
    assert _authors(out / "two" / "index.html") == [grace]   # the same person in another thread
    data = json.loads((out / "one" / "thread.json").read_text())
    assert data["author"] == ada and data["source"] is None   # its URL named the author
    first, second = data["comments"]
    assert first["body"] == f"Hello @{ada}, and u/{ada} too."
    assert second["body"].startswith(f"{grace} wrote:") and "url" not in second
    for path in out.rglob("*"):
        # thread two holds the name as a bare word (kept, see below), and author pages quote
        # thread two's comments as excerpts
        if path.is_file() and not {"two", "authors"} & set(path.relative_to(out).parts):
            raw = path.read_bytes()
            if path.relative_to(out).parts[0] == "pagefind":
                # the search index (gzipped): its words include thread two's bare word, so
                # only the filters and the other threads' fragments are checked
                text = gzip.decompress(raw).decode("utf-8", "replace") \
                    if raw[:2] == b"\x1f\x8b" else ""
                if '"url":"/two/' in text or path.suffix == ".pf_index":
                    continue
            else:
                text = raw.decode("utf-8")
            assert not [n for n in NAMES if n in text], path
    # a bare word is not taken for a name: only authors' fields, mentions and attributions
    two = json.loads((out / "two" / "thread.json").read_text())
    assert two["comments"][0]["body"].startswith("ada_lovelace is not mentioned")


def test_the_same_secret_gives_the_same_pseudonyms_on_every_build(site, tmp_path):
    assert build_site(site, quiet=True) == 0
    first = (site / "output" / "one" / "index.html").read_bytes()
    assert build_site(site, quiet=True, clean=True, output=tmp_path / "again") == 0
    assert (tmp_path / "again" / "one" / "index.html").read_bytes() == first
    assert stat.S_IMODE(secret_path(site).stat().st_mode) == 0o600


def test_another_secret_gives_other_pseudonyms(site, monkeypatch):
    monkeypatch.setenv(SECRET_ENV, "from-the-environment")
    assert build_site(site, quiet=True) == 0
    assert not secret_path(site).exists()   # the environment's secret wins; no file is made
    assert _authors(site / "output" / "two" / "index.html") == [
        pseudonym("grace_h", b"from-the-environment")]
    assert pseudonym("grace_h", b"x") != pseudonym("grace_h", b"y")


def test_ci_without_the_secret_is_an_error_not_a_new_secret(site, monkeypatch, capsys):
    monkeypatch.setenv("CI", "true")
    assert main(["build", str(site), "-q"]) == 1
    err = capsys.readouterr().err
    assert SECRET_ENV in err and "Traceback" not in err
    assert not secret_path(site).exists()


def test_init_makes_the_secret_once(tmp_path, monkeypatch):
    from threadpress.scaffold import install

    # as if installed from an index: no wheel of the source folder to build (tests/test_init.py)
    monkeypatch.setattr(install, "how_installed", lambda version: (None, ""))
    site = tmp_path / "a"
    assert main(["init", str(site)]) == 0
    secret = secret_path(site).read_bytes()
    assert len(secret.strip()) == 64
    assert main(["init", str(site), "--force"]) == 0
    assert secret_path(site).read_bytes() == secret


def test_without_the_setting_names_stay(site):
    (site / "threadpress.yaml").write_text("anonymize_authors: false\n")
    assert build_site(site, quiet=True) == 0
    assert _authors(site / "output" / "two" / "index.html") == ["grace_h"]
    assert not secret_path(site).exists()


def test_the_board_theme_shows_pseudonyms_in_its_reply_markers_too(site):
    (site / "threadpress.yaml").write_text("anonymize_authors: true\ntheme: board\n")
    assert build_site(site, quiet=True) == 0
    secret = secret_path(site).read_bytes().strip()
    page = parse_file(site / "output" / "one" / "index.html")
    names = [el.text for el in page.find_all(cls="name")]
    assert names == [pseudonym(n, secret) for n in ("ada_lovelace", "grace_h", "ada_lovelace")]
    for path in (site / "output" / "one").rglob("*.html"):
        assert not [n for n in NAMES if n in path.read_text(encoding="utf-8")], path


# --- the promise, as a property: no author's real name in any output file ----------------------

from html import unescape
from urllib.parse import unquote

from hypothesis import HealthCheck, given, settings, strategies as st

# Names no theme, pseudonym (hex after anon-) or date can hold: "zq" begins none of them.
_NAME = st.from_regex(r"zq[a-z]{2,6}(_[a-z]{1,4})?", fullmatch=True)


def _forms(name: str) -> list[str]:
    """The ways the red team found a name written in archived text."""
    entity = "".join(f"&#{ord(ch)};" if i % 2 else ch for i, ch in enumerate(name))
    escaped = "".join(f"%{ord(ch):02x}" if i % 2 == 0 else ch for i, ch in enumerate(name))
    return [
        f'<span class="h-card"><a href="https://m.example/@{name}" class="u-url mention">'
        f"@<span>{name}</span></a></span>",                       # Mastodon mention HTML
        f"@{name}@remote.example and https://remote.example/@{name}",   # remote acct, origin
        f"On Mon, 1 Jan 2024, {name.title()} <{name}@mail.example> wrote:\n> hi",  # Gmail
        f"~{name} /u/{name} u/{name}",                            # Lobsters, Reddit
        f"https://github.com/{name} https://news.ycombinator.com/user?id={name}",   # profiles
        name.upper(), entity, escaped,                            # other capitals, escapes
    ]


def _thread(names: list[str], form: int, avatar: int) -> str:
    comments = []
    for i, author in enumerate(names):
        other = names[(i + 1) % len(names)]
        body = _forms(other)[(form + i) % 8]
        pic = [f"https://forum.example/user_avatar/forum.example/{author}/90/1.png",
               f"https://lobste.rs/avatars/{author}-100.png"][(avatar + i) % 2]
        comments.append({"id": f"{author}-{i}", "author": author, "body": body,
                         "avatar": pic, "url": f"https://lobste.rs/~{author}"})
    return json.dumps({"title": f"About {names[0]}", "author": names[-1], "tags": [names[0]],
                       "source": f"https://m.example/@{names[-1]}/1", "comments": comments})


def _readings(raw: bytes) -> list[str]:
    """A file's text as written, entities decoded, URL escapes undone (gzip opened)."""
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    text = raw.decode("utf-8", "replace")
    return [text, unescape(text), unquote(text), unquote(unescape(text))]


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(_NAME, min_size=2, max_size=4, unique_by=str.casefold),
       st.integers(0, 7), st.integers(0, 1))
def test_no_author_name_survives_in_any_output_file(tmp_path_factory, names, form, avatar):
    site = make_site(tmp_path_factory.mktemp("anon"),
                     {"t.json": _thread(names, form, avatar),
                      "u.json": _thread(names[::-1], form + 3, avatar + 1)},
                     "anonymize_authors: true\n")
    os.environ.pop("CI", None)
    assert build_site(site, quiet=True) == 0
    folded = [n.casefold() for n in names]
    for path in (site / "output").rglob("*"):
        if path.is_file():
            for text in _readings(path.read_bytes()):
                assert not [n for n in folded if n in text.casefold()], path
    data = json.loads((site / "output" / "t" / "thread.json").read_text())
    body = next(c["body"] for c in data["comments"] if "wrote:" in c["body"]) \
        if form == 2 else None
    if body is not None:   # the attribution still says who wrote, under the pseudonym
        assert body.startswith("On Mon, 1 Jan 2024, anon-") and " wrote:" in body
