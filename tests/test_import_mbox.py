"""mbox importer: real ASF list archives, a hand-made mbox of quirks, bad input."""

from __future__ import annotations

import email
import mailbox
import re
from pathlib import Path

import pytest

from threadpress.errors import ThreadpressError
from threadpress.importers import mbox
from support import loads_cleanly

HERE = Path(__file__).resolve().parent / "fixtures" / "import"
SMALL = HERE / "mbox-small.mbox"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "mbox"
MSGID = re.compile(r"<([^<>\s]+)>")

# file: (messages, roots, max depth, (largest thread title, its size))
REAL = {
    "maven-dev-2017-11.mbox": (317, 114, 15, ("Maven 4.0.0", 41)),
    "httpd-users-2020-07.mbox": (108, 41, 8, ("Failure to start apache2 after SSL cert update.", 13)),
}


def real(name: str) -> Path:
    path = SHARED / name
    if not path.is_file():
        pytest.skip("shared fixtures not available")
    return path


def expected_parents(path: Path) -> dict[str, str | None]:
    """Message-ID → parent, computed with the stdlib mailbox (compat32) independently."""
    msgs = [email.message_from_bytes(m.as_bytes()) for m in mailbox.mbox(str(path))]
    ids = [MSGID.findall(m.get("Message-ID", "")) for m in msgs]
    present = {i[0] for i in ids if i}
    out = {}
    for m, mid in zip(msgs, ids):
        if not mid:
            continue
        chain = MSGID.findall(str(m.get("In-Reply-To", "")))[:1]
        chain += MSGID.findall(str(m.get("References", "")))[::-1]
        out[mid[0]] = next((r for r in chain if r in present and r != mid[0]), None)
    return out


def full_parents(threads: list[dict]) -> dict[str, str | None]:
    """Message-ID → parent as the importer output says (top-level comments → the root)."""
    out = {}
    for t in threads:
        root = t["message_id"]
        out[root] = None
        for c in t["comments"]:
            out[c["id"]] = c.get("parent", root)
    return out


def depth_of(threads: list[dict]) -> int:
    deepest = 0
    for t in threads:
        depth: dict[str | None, int] = {None: 0}
        for c in t["comments"]:
            depth[c["id"]] = depth[c.get("parent")] + 1
            deepest = max(deepest, depth[c["id"]])
    return deepest


@pytest.mark.parametrize("name", sorted(REAL))
def test_real_archive_every_message_with_its_parent(name):
    path = real(name)
    count, roots, max_depth, (title, size) = REAL[name]
    threads = mbox.convert(path.read_bytes(), name)
    got = full_parents(threads)
    assert sum(1 + len(t["comments"]) for t in threads) == count
    assert len(threads) == roots
    expected = expected_parents(path)
    assert {k: got[k] for k in expected} == expected
    assert depth_of(threads) == max_depth
    largest = max(threads, key=lambda t: len(t["comments"]))
    assert (largest["title"], 1 + len(largest["comments"])) == (title, size)
    for t in threads:
        loads_cleanly(t)


@pytest.mark.parametrize("name", sorted(REAL))
def test_real_archive_text_is_decoded(name):
    threads = mbox.convert(real(name).read_bytes(), name)
    posts = [t for t in threads] + [c for t in threads for c in t["comments"]]
    for p in posts:
        assert "\ufffd" not in p["body"] and "\ufffd" not in p.get("author", "")
        assert "=?" not in p.get("author", "")  # RFC 2047 words decoded
        assert not re.search(r"(?m)^>From ", p["body"])
    for t in threads:
        assert not re.match(r"(?i)(re|aw|fwd?)\s*:|\[users@httpd\]", t["title"]), t["title"]
        assert "=?" not in t["title"]
    assert all(p.get("created") for p in posts)  # Date header or the `From ` line's date


def test_maven_quirks():
    threads = mbox.convert(real("maven-dev-2017-11.mbox").read_bytes(), "maven.mbox")
    posts = threads + [c for t in threads for c in t["comments"]]
    ids = [t["message_id"] for t in threads] + [c["id"] for t in threads for c in t["comments"]]
    assert len(set(ids)) == len(ids) == 317
    assert len([i for i in ids if i.startswith("sha1-")]) == 1  # the message without Message-ID
    starts = [line for p in posts for line in re.findall(r"(?m)^From .*", p["body"])]
    # the 3 `>From ` lines unescaped, plus one written `=46rom` in quoted-printable
    assert len(starts) == 4 and sum(s.startswith("From my perspective") for s in starts) == 2
    titles = {t["title"] for t in threads}
    assert "Maven resolver branch consolidation" in titles
    assert any(t.startswith("[VOTE] ") for t in titles)  # meaningful tags are kept


def test_small_mbox_threads_and_decoding():
    threads = mbox.convert(SMALL.read_bytes(), "small.mbox")
    plan, vote, cycle = threads
    assert plan["title"] == "Release plan for 2.0" and plan["author"] == "Jürgen Müller"
    assert plan["created"] == "2020-01-06T10:00:00Z"  # +0100 → UTC
    assert "Grüße!\nFrom the team" in plan["body"]  # >From unescaped
    c = {x["id"]: x for x in plan["comments"]}
    assert [x["id"] for x in plan["comments"]][0] == "r1@example.org"
    assert c["r1@example.org"]["body"] == "Sounds good. Café at 10?\n\n> The plan is ready."
    assert c["r1@example.org"]["format"] == "text" and "parent" not in c["r1@example.org"]
    # direct parent missing from the file: hangs under the nearest present reference (the root)
    assert "parent" not in c["r2@example.org"]
    assert c["r2@example.org"]["body"] == "It\u2019s \u201cfine\u201d \u2013 ship it."
    [bot] = [x for x in plan["comments"] if x["id"].startswith("sha1-")]
    assert bot["parent"] == "r1@example.org" and bot["created"] == "2020-01-07T09:30:00Z"
    assert vote["title"] == "[VOTE] Release 1.9" and vote["comments"] == []
    assert vote["body"].startswith("+1, this is a long line that was softly wrapped")
    assert cycle["message_id"] == "c1@example.org" and cycle["body"] == "cycle one é"
    assert [x["id"] for x in cycle["comments"]] == ["c2@example.org"]
    assert len(plan["id"]) == 12 and re.fullmatch(r"[0-9a-f]+", plan["id"])
    for t in threads:
        loads_cleanly(t)


def test_deep_chain_needs_no_recursion():
    parts = []
    for n in range(3000):
        refs = f"In-Reply-To: <m{n - 1}@x>\n" if n else ""
        parts.append(f"From a@x Mon Jan  6 10:00:00 2020\nFrom: a@x\nSubject: Re: deep\n"
                     f"Message-ID: <m{n}@x>\n{refs}\nbody {n}\n\n")
    [thread] = mbox.convert("".join(parts).encode(), "deep.mbox")
    assert len(thread["comments"]) == 2999 and thread["comments"][-1]["parent"] == "m2998@x"
    assert thread["title"] == "deep"
    loads_cleanly(thread)


def test_single_message_without_envelope():
    [thread] = mbox.convert(b"From: a@x\nSubject: Fwd: hello\n\nhi\n", "one.eml")
    assert thread["title"] == "hello" and thread["body"] == "hi"


@pytest.mark.parametrize("payload, words", [
    (b"", "empty file"),
    (b'{"post_stream": {"posts": []}}', "looks like JSON"),
    (b"Hello there,\nthis is just text\n", "expected a `From ` line"),
])
def test_bad_input_names_the_file(payload, words):
    with pytest.raises(ThreadpressError) as err:
        mbox.convert(payload, "saved/list.mbox")
    assert "saved/list.mbox" in str(err.value) and words in str(err.value)
