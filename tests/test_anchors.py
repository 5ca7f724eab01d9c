"""anchors.encode_id: the documented rule, and that it is one-to-one (ids never share an anchor)."""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from threadpress.anchors import anchor, encode_id

SAFE = "abcxyzABCXYZ0189_-."
# what an encoded id may contain: safe characters, and `~` with two uppercase hex digits
ENCODED = re.compile(r"(?:[A-Za-z0-9_.-]|~[0-9A-F]{2})*\Z")
ESCAPES = re.compile(r"(?:~[0-9A-F]{2})+")


def decode(encoded: str) -> str:
    """The rule read backwards (docs/themes.md): `~XX` runs are UTF-8 bytes, the rest is itself."""
    assert ENCODED.match(encoded), encoded
    return ESCAPES.sub(lambda m: bytes.fromhex(m.group(0).replace("~", "")).decode(), encoded)


@pytest.mark.parametrize("cid, encoded", [
    ("12345", "12345"),
    ("aZ09_-", "aZ09_-"),
    ("-x", "-x"),
    ("_", "_"),
    ("a.b", "a.b"),
    ("a..", "a.."),
    ("x y", "x~20y"),
    ("a/b", "a~2Fb"),
    ("a~b", "a~7Eb"),        # a raw `~` never survives, so `~XX` is never ambiguous
    ("\n", "~0A"),            # two hex digits, zero-padded
    ("é", "~C3~A9"),          # one escape per UTF-8 byte
    ("a\x00", "a~00"),
    (".", "~2E"),             # a leading dot is encoded: `.` and `..` are not path segments
    ("..", "~2E."),
    (".x", "~2Ex"),
    ("", ""),
])
def test_encode_id_follows_the_documented_rule(cid, encoded):
    assert encode_id(cid) == encoded
    assert anchor(cid) == "c-" + encoded


ids = st.text(st.one_of(st.sampled_from(SAFE + "~ /%#"), st.characters(codec="utf-8")), max_size=12)


@given(ids)
@example("a~7E")
@example("a~")
def test_encoding_reads_back_so_no_two_ids_share_an_anchor(cid):
    assert decode(encode_id(cid)) == cid


@given(ids)
def test_encoded_ids_are_safe_path_segments(cid):
    encoded = encode_id(cid)
    assert ENCODED.match(encoded) and not encoded.startswith(".")


@given(st.text(st.sampled_from(SAFE), min_size=1).filter(lambda s: not s.startswith(".")))
def test_safe_ids_stand_for_themselves(cid):
    assert encode_id(cid) == cid
