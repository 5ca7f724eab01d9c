"""Quote marks as text: `> ` at the start of each quoted line of a rendered body.

Themes that show quotes as `>` lines (board) use this filter rather than drawing the marks
with CSS, so that copying a quote copies its marks. A nested quote gets one `> ` per level
(`> > `), never `>>`, which on a board reads as a link to a comment. Marks go in a
`span.qm` before the first text or inline element of each quoted block, list item and line
(after `<br>`). One pass over the tags of the (already sanitised) HTML: linear time.
"""

from __future__ import annotations

import re

from markupsafe import Markup

# a tag, whose double- or single-quoted attribute values may hold ">"; or a run of text
_TOKEN = re.compile(r"<(?:[^>\"']|\"[^\"]*\"|'[^']*')*>|[^<]+|<")
_NAME = re.compile(r"</?([a-zA-Z0-9]+)")
# where a new quoted line starts: the first text or inline element after one of these
_STARTS_LINE = {"blockquote", "p", "li", "br", "div", "dd", "dt", "h1", "h2", "h3", "h4", "h5",
                "h6", "summary", "tr", "td", "th"}
_BLOCK = _STARTS_LINE | {"ul", "ol", "dl", "pre", "table", "thead", "tbody", "tfoot", "details",
                         "hr"}


def quote_marks(fragment: str) -> Markup:
    """The fragment with `> ` marks, one per quote level, starting every quoted line."""
    if "<blockquote" not in fragment:
        return Markup(fragment)
    out: list[str] = []
    depth = 0
    pending = False   # a quoted line has started and has no mark yet
    for m in _TOKEN.finditer(fragment):
        token = m.group(0)
        if token.startswith("<") and len(token) > 1:
            name_m = _NAME.match(token)
            name = name_m.group(1).lower() if name_m else ""
            closing = token.startswith("</")
            if name == "blockquote":
                depth += -1 if closing else 1
                pending = depth > 0 and not closing
            elif name in _BLOCK:
                if name in _STARTS_LINE and depth and (not closing or name == "br"):
                    pending = True
            elif pending and not closing:   # an inline element starts the line
                out.append(_mark(depth))
                pending = False
        elif pending and token.strip():
            out.append(_mark(depth))
            pending = False
        out.append(token)
    return Markup("".join(out))


def _mark(depth: int) -> str:
    return '<span class="qm">' + "&gt; " * depth + "</span>"
