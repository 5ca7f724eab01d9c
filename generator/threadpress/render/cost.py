"""How much work python-markdown would do on a body, estimated in linear time.

python-markdown is quadratic on some shapes of text (20 kB of `[` took 92 s): a `[` or a `](`
with no match is rescanned to the end of its paragraph once for every opener; a block whose
lines each start a block of their own (`#` headings, rules, setext underlines, bare list
markers) is split one line at a time, each split copying and retesting the rest; each inline
match (a code span, an emphasis, a link, an entity...) copies its paragraph's whole text again,
cheap per character but quadratic in the number of matches; so does each fenced code block for
the whole body, and each level of a `> > >` quote for its line. And it recurses once per level
of nested quotes and lists, so deep nesting (`1. 1. 1. …`, lines indented hundreds of columns)
ends in a RecursionError. `markdown_cost` adds up those rescans, and counts too deep a nesting
as over budget; a body over MARKDOWN_BUDGET is rendered as plain text instead, in linear time.
Normal markdown costs a small multiple of its length.
"""

from __future__ import annotations

import re

# Under half a second of python-markdown on the slowest of the shapes above; 100 kB of ordinary
# prose with links costs a few ten thousand.
MARKDOWN_BUDGET = 500_000

_BLOCKS = re.compile(r"\n[ \t]*\n")
_INLINE = re.compile(r"[`*_\[<&\\]|https?://|  \n")
_FENCE = re.compile(r"^[ ]{0,3}(?:```|~~~)", re.M)
# a line opening 8 or more quotes or list items at once (`> > > …`, `1. 1. 1. …`)
_NESTED = re.compile(r"^(?:[ \t]*(?:>|[-*+]|[0-9]{1,9}[.)])(?=[ \t]|$)){8,}(.*)", re.M)
_MARKER = re.compile(r"[ \t]*(?:>|[-*+]|[0-9]{1,9}[.)])(?=[ \t]|$)")
_INDENT = re.compile(r"^[ \t]{256,}", re.M)   # a line indented 64 levels or more
MAX_QUOTE_DEPTH = 32    # quotes or list items opened on one line; the text renderer's limit too
MAX_INDENT = 256        # columns of indentation (64 levels of list nesting)
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
    total = _fence_cost(text) + _nesting_cost(text)
    for block in _BLOCKS.split(text):
        total += _bracket_cost(block) + _split_cost(block) + _inline_cost(block)
    return total


def _fence_cost(text: str) -> int:
    fences = sum(1 for _ in _FENCE.finditer(text))
    return fences * len(text) // COPY_SHARE


def _nesting_cost(text: str) -> int:
    """Each level of a line's `> > >` or `1. 1. 1.` re-parses the line; past MAX_QUOTE_DEPTH
    levels, or MAX_INDENT columns of indentation, the nesting itself is the problem (the parser
    recurses once per level), so the body is over budget."""
    if any(len(m.group().expandtabs(4)) >= MAX_INDENT for m in _INDENT.finditer(text)):
        return MARKDOWN_BUDGET + 1
    total = 0
    for m in _NESTED.finditer(text):
        depth = sum(1 for _ in _MARKER.finditer(m.group(), 0, m.start(1) - m.start()))
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
