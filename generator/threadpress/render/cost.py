"""How much work python-markdown would do on a body, estimated in linear time.

python-markdown is quadratic on some shapes of text (20 kB of `[` took 92 s): a `[` or a `](`
with no match is rescanned to the end of its paragraph once for every opener, and a block whose
lines each start a block of their own (`#` headings, rules, setext underlines, bare list markers)
is split one line at a time, each split copying and retesting the rest; and each inline match
(a code span, an emphasis, a link, an entity...) copies its paragraph's whole text again, which is
cheap per character but quadratic in the number of matches. `markdown_cost` adds up those rescans; a body over MARKDOWN_BUDGET is rendered as plain text instead, in linear time.
Normal markdown costs a small multiple of its length.
"""

from __future__ import annotations

import re

# Under half a second of python-markdown on the slowest of the shapes above; a 100 kB body of ordinary
# prose with links costs a few thousand.
MARKDOWN_BUDGET = 500_000

_BLOCKS = re.compile(r"\n[ \t]*\n")
_INLINE = re.compile(r"[`*_\[<&\\]|https?://|  \n")
_FENCE = re.compile(r"^[ ]{0,3}(?:```|~~~)", re.M)
_QUOTES = re.compile(r"^[ ]{0,3}>(?:[ \t]*>){7,}(.*)", re.M)   # quotes nested 8 or more deep
MAX_QUOTE_DEPTH = 32   # the plain-text renderer nests no deeper either
COPY_SHARE = 128   # a character copied costs about 1/128 of a character rescanned in Python
_BRACKETS = re.compile(r"\\.|\]\(|[\[\]()]", re.S)
# lines that make the block parser split a paragraph at them
_SPLITTING_LINE = re.compile(r"""^[ ]{0,3}(?:
      \#                                   # an ATX heading
    | ([-*_=])[ \t]*(?:\1[ \t]*)*$          # a rule or a setext underline
    | (?:[-*+]|[0-9]+[.)])[ \t]*$           # a list marker with nothing after it
    )""", re.M | re.X)


def markdown_cost(text: str) -> int:
    """Characters python-markdown would rescan for this text, approximately (see above)."""
    total = _fence_cost(text) + _quote_cost(text)
    for block in _BLOCKS.split(text):
        total += _bracket_cost(block) + _split_cost(block) + _inline_cost(block)
    return total


def _fence_cost(text: str) -> int:
    fences = sum(1 for _ in _FENCE.finditer(text))
    return fences * len(text) // COPY_SHARE


def _quote_cost(text: str) -> int:
    """Deep `> > >` quotes: each level re-parses its line; past MAX_QUOTE_DEPTH levels the
    nesting itself is the problem (the parser recurses), so the body is over budget."""
    total = 0
    for m in _QUOTES.finditer(text):
        depth = m.group().count(">")
        if depth > MAX_QUOTE_DEPTH:
            return MARKDOWN_BUDGET + 1
        total += depth * (m.end(1) - m.start()) // COPY_SHARE
    return total


def _inline_cost(block: str) -> int:
    matches = sum(1 for _ in _INLINE.finditer(block))
    return matches * len(block) // COPY_SHARE


def _split_cost(block: str) -> int:
    lines = sum(1 for _ in _SPLITTING_LINE.finditer(block))
    return lines * len(block) if lines > 1 else 0


def _bracket_cost(block: str) -> int:
    """Sum, over each `[` and each `](`, of the distance it is scanned: to its matching closer
    (brackets nest) or, with none, to the end of the block."""
    cost = 0
    opens: list[tuple[str, int]] = []   # (closer wanted, offset) of the openers still open
    for m in _BRACKETS.finditer(block):
        tok, at = m.group(), m.start()
        if tok in ("[", "]("):
            if tok == "](":
                cost += _close(opens, "]", at)
            opens.append(("]" if tok == "[" else ")", at))
        elif tok in ("]", ")"):
            cost += _close(opens, tok, at)
        elif tok == "(" and opens and opens[-1][0] == ")":
            opens.append((")", at))   # parentheses nest inside a link's destination
    end = len(block)
    return cost + sum(end - at for _, at in opens)


def _close(opens: list[tuple[str, int]], closer: str, at: int) -> int:
    """Close the innermost opener waiting for `closer`, if it is the innermost one; its cost."""
    if opens and opens[-1][0] == closer:
        return at - opens.pop()[1]
    return 0
