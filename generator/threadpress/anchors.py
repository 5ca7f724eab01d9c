"""Stable anchors and URL path segments derived from a comment's own id.

The rule (documented in docs/themes.md): characters in [A-Za-z0-9_-], and `.` anywhere but at
the start, stand for themselves; every other character becomes `~` followed by the uppercase
hex of each of its UTF-8 bytes (`~` itself becomes `~7E`). Since a raw `~` never survives, the
mapping is one-to-one, and a leading `.` is encoded so that `.` and `..` stay safe path segments.
"""

from __future__ import annotations

import re

_UNSAFE_CHAR = re.compile(r"[^A-Za-z0-9_.-]|^\.")


def encode_id(cid: str) -> str:
    """A comment id as an anchor or URL path segment, by the rule above."""
    return _UNSAFE_CHAR.sub(lambda m: "".join(f"~{b:02X}" for b in m.group(0).encode()), cid)


def anchor(cid: str) -> str:
    """The id attribute of a comment: `c-` and its encoded id."""
    return "c-" + encode_id(cid)
