"""Mail bodies, folded the way mail archives people like fold them.

In a mailing-list thread most of each message is quoted text repeating a message already on
the page, a signature and the list's footer. For `text` bodies of a mail thread (a thread with
a `message_id`, which the mbox importer writes), a quoted block that repeats another message
of the thread, the signature (from a `-- ` line) and the list footer (a dashed line followed
by a few lines mentioning unsubscribing) go into `<details>`: folded, one click away, no
JavaScript, and every word still in the page. Quotes of messages that are not in the archive
stay open: they are the only copy of that text.

"Repeats" is measured with word shingles (three words in a row, case and punctuation
ignored), so a quote that the replier's mail program re-wrapped still matches. Everything is
one pass over the thread's text: linear time.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Callable, Iterable

from ..model import Thread

SHINGLE = 3               # words in a row that make a shingle
REPEATED = 0.5            # share of a quote's shingles found elsewhere that makes it a repeat
FOLD_MIN_LINES = 4        # shorter quotes between replies stay open: they give the context
FOOTER_MAX_LINES = 12     # a list footer is short; a long tail after a dashed line is content

_QUOTED = re.compile(r"[ \t]*>")
_WORD = re.compile(r"\w+")
# "On Mon, 6 Nov 2017, Ann wrote:", "Le jeudi …, Ann a écrit :", "Am … schrieb Ann:"
_ATTRIBUTION = re.compile(r"\b(wrote|writes|écrit|schrieb|escribió|scrisse|skrev|napisał|"
                          r"kirjoitti|schreef)\b.*:\s*$|^\s*On .{5,}:\s*$", re.I)
_SEPARATOR = re.compile(r"[ \t]*[-_=*~]{10,}[ \t]*")
_FOOTER_WORDS = re.compile(r"unsubscri|mailing list|listinfo|list-?info|list archive|"
                           r"mailman|list options", re.I)

Convert = Callable[[str], str]


@dataclass
class Segment:
    kind: str       # "text", "quote", "signature" or "footer"
    lines: list[str]
    summary: str = ""


def is_mail(thread: Thread) -> bool:
    """A thread from a mail archive: the mbox importer records the root's `message_id`."""
    return "message_id" in thread.extra


class Folder:
    """The thread's own words, to tell which quotes repeat another message of the thread."""

    def __init__(self, bodies: Iterable[str]) -> None:
        self.owner: dict[str, int] = {}   # shingle → the first message whose own text has it
        for i, body in enumerate(bodies):
            own = (line for line in body.split("\n") if not _QUOTED.match(line))
            for sh in _shingles(own):
                self.owner.setdefault(sh, i)

    @classmethod
    def of(cls, thread: Thread) -> "Folder":
        """Message 0 is the opening post, message i + 1 the thread's comment i."""
        return cls([thread.body if thread.format == "text" else ""]
                   + [c.body if c.format == "text" else "" for c in thread.comments])

    def converter(self, me: int, paragraphs: Convert) -> Convert:
        """A text → HTML function for message `me` that folds; `paragraphs` renders plain text."""
        return lambda text: fold_html(segments(text, self.repeats(me)), paragraphs)

    def repeats(self, me: int) -> Callable[[list[str]], bool]:
        def check(lines: list[str]) -> bool:
            shingles = _shingles(lines)
            if not shingles:
                return False
            found = sum(1 for sh in shingles if self.owner.get(sh, me) != me)
            return found >= REPEATED * len(shingles)
        return check


def _shingles(lines: Iterable[str]) -> list[str]:
    words = [w.lower() for line in lines for w in _WORD.findall(line)]
    return [" ".join(words[i:i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)]


# --- cutting a message into segments ---------------------------------------------------------

def segments(text: str, repeats: Callable[[list[str]], bool]) -> list[Segment]:
    """The message as text, folded quotes, signature and footer, in order; every line kept."""
    lines = text.split("\n")
    end = _footer_start(lines)
    sig = _signature_start(lines, end)
    body_end = end if sig is None else sig
    out = _quotes(lines[:body_end], repeats)
    if sig is not None:
        sig_end = _quote_after(lines, sig, end)
        out.append(Segment("signature", lines[sig:sig_end], "signature"))
        out.extend(_quotes(lines[sig_end:end], repeats))
    if end < len(lines):
        out.append(Segment("footer", lines[end:], "list footer"))
    return _merge_text(out)


def _footer_start(lines: list[str]) -> int:
    """Where a trailing list footer starts (its dashed line), or len(lines)."""
    tail = 0
    for i in range(len(lines) - 1, -1, -1):
        line = lines[i]
        if _QUOTED.match(line):
            break
        if _SEPARATOR.fullmatch(line):
            below = lines[i + 1:]
            if any(_FOOTER_WORDS.search(x) for x in below):
                return i
            break
        if line.strip():
            tail += 1
            if tail > FOOTER_MAX_LINES:
                break
    return len(lines)


def _signature_start(lines: list[str], end: int) -> int | None:
    """The last `-- ` line (the signature separator) before the footer, or None."""
    for i in range(end - 1, -1, -1):
        if lines[i] in ("-- ", "--"):
            return i
    return None


def _quote_after(lines: list[str], start: int, end: int) -> int:
    """Where a signature ends: at the quote that follows it, or that quote's "… wrote:" line."""
    q = next((i for i in range(start + 1, end) if _QUOTED.match(lines[i])), end)
    k = q - 1
    while k > start and not lines[k].strip():
        k -= 1
    if k <= start or not _ATTRIBUTION.search(lines[k]):
        return q
    if len(lines[k].strip()) < 20 and k - 1 > start and lines[k - 1].strip():
        k -= 1  # "wrote:" wrapped onto a line of its own
    return k


def _quotes(lines: list[str], repeats: Callable[[list[str]], bool]) -> list[Segment]:
    """Text and quoted blocks; a block that repeats another message and is long (or ends the
    message) is folded, with its attribution line ("… wrote:") as its summary."""
    out: list[Segment] = []
    i, n = 0, len(lines)
    while i < n:
        if not _QUOTED.match(lines[i]):
            out.append(Segment("text", [lines[i]]))
            i += 1
            continue
        j = i
        while j < n and (_QUOTED.match(lines[j]) or not lines[j].strip()):
            j += 1
        while j > i and not lines[j - 1].strip():  # trailing blank lines are not quoted
            j -= 1
        block = lines[i:j]
        quoted = [x for x in block if x.strip()]
        last = not any(x.strip() for x in lines[j:])
        if (len(quoted) >= FOLD_MIN_LINES or last) and repeats(block):
            attribution = _take_attribution(out)
            summary = f"{len(quoted)} quoted lines"
            if attribution is not None:
                summary = f"{attribution.strip()} [{summary}]"
                block = [attribution] + block
            out.append(Segment("quote", block, summary))
        else:
            out.extend(Segment("text", [x]) for x in block)
        i = j
    return out


def _take_attribution(out: list[Segment]) -> str | None:
    """Remove and return the "… wrote:" line just before a quote (blank lines between allowed)."""
    k = len(out) - 1
    while k >= 0 and out[k].kind == "text" and not out[k].lines[0].strip():
        k -= 1
    if k < 0 or out[k].kind != "text" or not _ATTRIBUTION.search(out[k].lines[0]):
        return None
    line = out[k].lines[0]
    # a mail program that wrapped the line left "wrote:" alone: take the line before it too
    if len(line.strip()) < 20 and k > 0 and out[k - 1].kind == "text" \
            and out[k - 1].lines[0].strip():
        k -= 1
        line = out[k].lines[0].rstrip() + " " + line.strip()
    del out[k:]   # the blank lines between it and the quote go too
    return line


def _merge_text(parts: list[Segment]) -> list[Segment]:
    """Join neighbouring text segments back into runs of lines."""
    out: list[Segment] = []
    for p in parts:
        if p.kind == "text" and out and out[-1].kind == "text":
            out[-1].lines.extend(p.lines)
        else:
            out.append(Segment(p.kind, list(p.lines), p.summary))
    return out


# --- HTML -----------------------------------------------------------------------------------

def fold_html(parts: list[Segment], paragraphs: Convert) -> str:
    """Each segment through `paragraphs`; folded ones inside `<details class="mail-…">`."""
    out = []
    for p in parts:
        inner = paragraphs("\n".join(p.lines))
        if p.kind == "text":
            out.append(inner)
        else:
            out.append(f'<details class="mail-{p.kind}"><summary>{html.escape(p.summary)}'
                       f"</summary>{inner}</details>")
    return "\n".join(x for x in out if x)
