"""mbox importer: a generated list archive, a hand-made mbox of quirks, bad input.

The real ASF archives (ponymail's corpus) are not in the repository — no licence allows copying
them — so their tests skip; the generated archive gives the same checks a few hundred messages."""

from __future__ import annotations

import email
import mailbox
import random
import re
from pathlib import Path

import pytest

from threadpress.errors import ThreadpressError
from threadpress.importers import mbox
from support import NO_MBOX_CORPUS, loads_cleanly

HERE = Path(__file__).resolve().parent / "fixtures" / "import"
SMALL = HERE / "mbox-small.mbox"
MSGID = re.compile(r"<([^<>\s]+)>")

# file: (messages, roots, max depth, (largest thread title, its size)), from its PROVENANCE.md
REAL = {
    "maven-dev-2017-11.mbox": (317, 114, 15, ("Maven 4.0.0", 41)),
    "httpd-users-2020-07.mbox": (108, 41, 8, ("Failure to start apache2 after SSL cert update.", 13)),
}


def real(name: str) -> Path:
    pytest.skip(NO_MBOX_CORPUS)


def generated_archive(path: Path, count: int = 300, seed: int = 11) -> Path:
    """A list archive with the real ones' quirks: replies to messages outside the file (an
    earlier month), `References` folded over lines, no `Message-ID`, no `Date:` (the `From `
    line's date only), RFC 2047 names and subjects, quoted-printable latin-1, `>From ` lines."""
    rng = random.Random(seed)
    mails, ids = [], []
    for n in range(count):
        mid = None if n % 97 == 50 else f"<m{n}.{rng.randrange(10 ** 6)}@list.example>"
        # (a message without an id is always a reply: the roots can then be counted by id)
        parent = rng.choice(ids) if ids and (not mid or rng.random() < 0.7) else None
        refs = ([f"<old{n}@earlier.example>"] if rng.random() < 0.1 else []) + (
            [parent] if parent else [])
        head = [f"From bounce-{n}=x@list.example Mon Nov  {1 + n % 9} 10:{n % 60:02d}:00 2017",
                "From: =?utf-8?q?J=C3=BCrgen_{0}?= <j{0}@example.org>".format(n % 7)
                if n % 5 == 0 else f"From: user{n % 13} <u{n % 13}@example.org>",
                f"Subject: {'Re: ' if parent else ''}topic {n if not parent else 'x'}"]
        head += [f"Date: Tue, {1 + n % 9} Nov 2017 10:{n % 60:02d}:00 +0100"] if n % 9 else []
        head += [f"Message-ID: {mid}"] if mid else []
        if refs:
            # sometimes the direct parent is a message the archive lacks: References decide
            gone = parent and rng.random() < 0.2
            head += [f"In-Reply-To: {f'<gone{n}@list.example>' if gone else refs[-1]}",
                     "References: " + "\n\t".join(refs)]
        if n % 4 == 0:
            head += ["Content-Type: text/plain; charset=iso-8859-1",
                     "Content-Transfer-Encoding: quoted-printable", "", f"Gr=FC=DFe {n}=",
                     " und mehr", ">From the list", ""]
        else:
            head += ["Content-Type: text/plain; charset=utf-8", "", f"body {n} é", ""]
        mails.append("\n".join(head))
        if mid:
            ids.append(mid)
    path.write_text("\n".join(mails), encoding="utf-8")
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


def test_generated_archive_every_message_with_its_parent(tmp_path):
    path = generated_archive(tmp_path / "list.mbox")
    threads = mbox.convert(path.read_bytes(), "list.mbox")
    expected = expected_parents(path)
    assert {k: v for k, v in full_parents(threads).items() if k in expected} == expected
    assert sum(1 + len(t["comments"]) for t in threads) == 300
    assert len(expected) == 297  # three have no Message-ID
    assert len(threads) == sum(p is None for p in expected.values())
    depth: dict[str | None, int] = {None: -1}
    for mid, parent in expected.items():  # parents come first in the file
        depth[mid] = depth[parent] + 1
    assert depth_of(threads) == max(depth.values()) > 3
    assert_decoded(threads)
    for t in threads:
        loads_cleanly(t)


@pytest.mark.parametrize("name", sorted(REAL))
def test_real_archive_text_is_decoded(name):
    assert_decoded(mbox.convert(real(name).read_bytes(), name))


def test_generated_archive_text_is_decoded(tmp_path):
    threads = mbox.convert(generated_archive(tmp_path / "a.mbox").read_bytes(), "a.mbox")
    posts = threads + [c for t in threads for c in t["comments"]]
    assert any("Grüße" in p["body"] and "From the list" in p["body"] for p in posts)
    assert any(p.get("author", "").startswith("Jürgen") for p in posts)
    assert_decoded(threads)


def assert_decoded(threads: list[dict]) -> None:
    """No replacement characters, no encoded words, no `>From ` escapes, no reply prefixes."""
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
