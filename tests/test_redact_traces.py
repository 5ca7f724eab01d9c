"""Takedowns leave no trace (issue 26, class 1): over generated sites, no output file (gzip
opened: Pagefind's fragments) and no output path holds a removed comment's words or a removed
author's name, however they are written there — quoted by a reply in another form (Markdown
stripped, entities decoded, lines re-wrapped, in another thread), written `&#109;ame`,
`%6dame`, `@Name`, `~name`, `/u/name`, in a tag, in a mail's `Name <address> wrote:` line, in a
Message-ID used as a comment's id — and a removed thread is in no index, feed, sitemap or
listing. The leak check is test_redact_files.leaks' reading of a file, decoded further."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from urllib.parse import unquote
from xml.etree import ElementTree

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from test_build import make_site
from test_redact_files import _texts
from threadpress import redactions
from threadpress.build import build_site

_U = re.compile(r"\\u([0-9a-fA-F]{4})")


def decodings(text: str) -> set[str]:
    """A text read every way a reader (or a crawler) may decode it, escapes of escapes too:
    HTML entities, URL escapes, JSON/JS \\u escapes."""
    seen, todo = {text}, [text]
    while todo and len(seen) < 30:
        t = todo.pop()
        for f in (html.unescape, unquote, lambda s: _U.sub(lambda m: chr(int(m[1], 16)), s)):
            n = f(t)
            if n not in seen:
                seen.add(n)
                todo.append(n)
    return seen


def traces(root: Path, words: list[str], names: list[str]) -> list[str]:
    """`path: needle` for each word (anywhere) or name (as a word) in a file or its path."""
    pats = [(w, re.compile(re.escape(w), re.I)) for w in words] + \
        [(n, re.compile(rf"(?<![^\W_]){re.escape(n)}(?![^\W_])", re.I)) for n in names]
    found = set()
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        texts = decodings(rel)
        if path.is_file():
            texts |= {d for t in _texts(path) for d in decodings(t)}
        found |= {f"{rel}: {n}" for n, p in pats if any(p.search(t) for t in texts)}
    return sorted(found)


def _mention(name: str, how: str) -> str:
    return {"entity": f"&#{ord(name[0])};{name[1:]}", "hex": f"&#x{ord(name[0]):x};{name[1:]}",
            "url": f"%{ord(name[0]):02x}{name[1:]}", "at": f"@{name.capitalize()}",
            "tilde": f"~{name}", "reddit": f"/u/{name.upper()}", "plain": name.upper(),
            "link": f"[me](https://social.example/@{name}/9)"}[how]


def _quote(words: list[str], how: str) -> str:
    """A reply's copy of the removed sentence, in another form than the original."""
    text = " ".join(words)
    if how == "wrapped":
        half = len(words) // 2
        return "> " + " ".join(words[:half]) + "\n> " + " ".join(words[half:])
    if how == "stripped":   # the original's Markdown left out
        return text.replace("*", "")
    if how == "entities":
        return "".join(f"&#{ord(ch)};" if ch.isalpha() and i % 3 == 0 else ch
                       for i, ch in enumerate(text))
    if how == "upper":
        return f'"{text.upper()}"'
    return f"> {text}"


TOKEN = st.text("bcdfghjklmnpqrstvwxz", min_size=4, max_size=7)


@st.composite
def takedowns(draw) -> dict:
    words = [w.capitalize() + "q" for w in draw(st.lists(TOKEN, min_size=7, max_size=9,
                                                         unique=True))]
    name = "zx" + draw(TOKEN)
    return {"words": words, "name": name,
            "mentions": draw(st.lists(st.sampled_from(
                ["entity", "hex", "url", "at", "tilde", "reddit", "plain", "link"]),
                min_size=1, max_size=4)),
            "quotes": draw(st.lists(st.sampled_from(
                ["wrapped", "stripped", "entities", "upper", "plain"]), min_size=1, max_size=3)),
            "elsewhere": draw(st.booleans()), "by_name": draw(st.booleans())}


def _site(root: Path, t: dict) -> Path:
    words, name = t["words"], t["name"]
    original = " ".join(f"**{w}**" if i % 3 == 1 else w for i, w in enumerate(words)) + "."
    quotes = "\n\n".join(_quote(words, how) for how in t["quotes"])
    mentions = " and ".join(_mention(name, how) for how in t["mentions"])
    removed_id = "<20240101.%s@mx.example.org>" % name
    reply = {"id": "2", "parent": removed_id, "author": "carol",
             "body": f"{quotes}\n\nThanks {mentions}."}
    plain = {"title": "Plain", "tags": [name, "general"], "comments": [
        {"id": removed_id, "author": name if t["by_name"] else "bob",
         "body": f"{original}\n\nMore."},
        reply, {"id": "3", "parent": "2", "author": "dave", "body": "Agreed."}]}
    other = {"title": "Other", "comments": [
        {"id": "o1", "author": "erin",
         "body": (f"Someone said: {quotes}" if t["elsewhere"] else "Nothing.")},
        {"id": "o2", "author": "erin", "format": "text",
         "body": f"{name.capitalize()} <{name}@mx.example.org> wrote:\n> hello\n\nBye."}]}
    gone = {"title": f"Gone {words[0]}x", "comments": [{"id": "g", "body": f"{words[1]}x"}]}
    site = make_site(root, {"plain.json": json.dumps(plain), "other.json": json.dumps(other),
                            "gone.json": json.dumps(gone)},
                     "base_url: https://example.org/archive/\n")
    entries = [f"threads:\n  - {{thread: gone}}\nauthors:\n  - {{name: {name}}}\n"]
    if not t["by_name"]:
        entries.append(f"comments:\n  - {{thread: plain, id: {json.dumps(removed_id)}}}\n")
    (site / "redactions.yaml").write_text("".join(entries), encoding="utf-8")
    return site


@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
@given(takedowns())
def test_no_trace_of_a_takedown_in_any_output_file(tmp_path_factory, t):
    site = _site(tmp_path_factory.mktemp("traces"), t)
    assert build_site(site, quiet=True) == 0
    out = site / "output"
    runs = [" ".join(t["words"][i:i + redactions.QUOTE_WORDS])
            for i in range(len(t["words"]) - redactions.QUOTE_WORDS + 1)]
    assert traces(out, runs + [f"{t['words'][0]}x", f"{t['words'][1]}x"], [t["name"]]) == []
    assert list(out.joinpath("pagefind").rglob("*.pf_fragment"))   # the index was searched
    _removed_thread_is_listed_nowhere(out)
    # what `threadpress redact` writes holds none of it either, but in redactions.yaml
    from threadpress.redact_files import redact_site
    redact_site(site)
    assert [line for line in traces(site / "content", runs, [t["name"]])] == []


def _removed_thread_is_listed_nowhere(out: Path) -> None:
    feed = ElementTree.parse(out / "feed.xml").getroot()
    ns = {"a": "http://www.w3.org/2005/Atom"}
    links = [e.find("a:link", ns).get("href") for e in feed.findall("a:entry", ns)]
    assert sorted(links) == ["https://example.org/archive/other/",
                             "https://example.org/archive/plain/"]
    locs = {loc.text for f in sorted(out.joinpath("sitemaps").glob("*.xml"))
            for loc in ElementTree.parse(f).getroot().iter(
                "{http://www.sitemaps.org/schemas/sitemap/0.9}loc")}
    assert not any("/gone/" in u for u in locs) and "https://example.org/archive/plain/" in locs
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="gone/"' not in index
    for frag in out.joinpath("pagefind").rglob("*.pf_fragment"):
        assert "gone/" not in " ".join(_texts(frag))


def test_names_are_matched_however_written():
    names = redactions.Names(["malloryx", "Mallory X"])
    for text in ["&#109;alloryx", "%6dalloryx", "@Malloryx", "~malloryx", "/u/MALLORYX",
                 "\\u006dalloryx", "%26%23109%3Balloryx", "Mallory\n  x", "MALLORYX@example.org"]:
        assert names.sub(f"hi {text} there") == "hi [removed] there", text
    # a mail's attribution line goes whole: the address and the display name with the name
    assert names.sub("Mal <malloryx@mx.example.org> wrote:\n> hi") == "[removed]\n> hi"
    assert names.sub("On Mon, 1 Jan 2024 at 10:00, Mal <malloryx@mx.org> wrote:") == "[removed]"
    # a word that only contains the name is another word
    assert names.sub("malloryxes and xmalloryx") == "malloryxes and xmalloryx"


def test_a_quote_in_another_form_is_found_and_a_short_common_phrase_is_not():
    gone = ["The **quartz lantern** protocol leaks &amp; the Vexillum-Orbit key.\n\nI agree."]
    scrub = redactions._quote_scrubber(frozenset(redactions.quote_keys(gone)))
    assert scrub("> The quartz lantern protocol leaks & the\n> Vexillum-Orbit key.") == \
        "> [removed]."
    assert scrub("THE QUARTZ LANTERN PROTOCOL LEAKS &#38; THE") == "[removed]"
    assert scrub("I agree.") == "I agree."   # a line of it, but under QUOTE_MIN characters
    assert scrub("the quartz lantern") == "the quartz lantern"   # fewer than QUOTE_WORDS words


def test_a_removed_message_id_is_no_address_any_more():
    red = redactions.Redactions(authors={"malloryx": ""})
    assert redactions.new_id(red, "<1.malloryx@mx.example.org>", False).startswith("removed-")
    assert redactions.new_id(red, "<CAF12@mail.gmail.com>", True).startswith("removed-")
    assert redactions.new_id(red, "<CAF12@mail.gmail.com>", False) is None   # kept: not removed
    assert redactions.new_id(red, "39004567", True) is None   # a number keeps its anchor
