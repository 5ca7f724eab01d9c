"""Mailing-list mbox → one thread per thread root, threaded by In-Reply-To/References.

A message's parent is its In-Reply-To if that message is in the file, else the last of its
References that is (jwz-style: a reply whose direct parent is missing hangs under its nearest
present ancestor). A message none of whose references are in the file starts a thread.
Thread ids are the first 12 hex digits of the SHA-1 of the root's Message-ID.
"""

from __future__ import annotations

import email.header
import email.parser
import email.policy
import email.utils
import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.message import Message
from typing import Sequence

from ..anchors import encode_id
from ..times import to_time
from . import common
from .common import bad_input

MSGID = re.compile(r"<([^<>\s]+)>")
# `From sender Sun Nov  5 21:17:44 2017` (asctime), the envelope date of every mbox message
ASCTIME = re.compile(r"([A-Z][a-z]{2}) +([A-Z][a-z]{2}) +(\d{1,2}) +(\d{1,2}:\d\d:\d\d) +(\d{4})")
REPLY_PREFIX = re.compile(r"^\s*(?:re|aw|sv|antw|fwd?|wg|tr)\s*(?:\[\d+\]|\(\d+\))?\s*:\s*", re.I)
TAG_PREFIX = re.compile(r"^\s*\[([^\[\]]{1,60})\]\s*")
# mbox writers escape body lines starting "From " as ">From " (and ">From " as ">>From ")
FROM_ESCAPE = re.compile(rb"^>(>*From )", re.M)
ASCII_LIKE = {"us-ascii", "ascii", "ansi_x3.4-1968", "646"}
LATIN1 = {"iso-8859-1", "iso8859-1", "latin-1", "latin1", "l1", "iso_8859-1"}
MAX_ID_BYTES = 200  # a comment page's folder is its encoded id; file names stop at 255 bytes
PARSER = email.parser.BytesParser(policy=email.policy.default)


@dataclass
class Mail:
    """One message, reduced to what threading and the thread file need."""

    index: int
    id: str
    reply_to: list[str]          # In-Reply-To first, then References nearest-first
    subject: str
    author: str | None
    date: datetime | None
    body: str
    format: str
    sender: str = ""             # the From header, decoded: what --skip-from matches
    mailing_list: str | None = None  # List-Post's address, else List-Id
    parent: str | None = None
    children: list["Mail"] = field(default_factory=list)


def convert(payload: bytes, name: str, skip_from: Sequence[re.Pattern] = ()) -> list[dict]:
    """Convert a whole mbox file into threads, roots in file order.

    Messages whose From header (name and address) matches one of `skip_from` are left out
    before threading (bug trackers, CI): replies to them hang under their nearest kept
    ancestor, or start threads.
    """
    chunks = _split(payload, name)
    mails = [_mail(i, envelope, raw) for i, (envelope, raw) in enumerate(chunks)]
    mails = _unique([m for m in mails if not any(p.search(m.sender) for p in skip_from)])
    _link(mails)
    tags = _list_tags(mails)
    return [_thread(m, tags) for m in mails if m.parent is None]


# --- reading --------------------------------------------------------------------------------

def _split(payload: bytes, name: str) -> list[tuple[str, bytes]]:
    """(envelope `From ` line, message bytes) pairs, split the way the stdlib mbox splits."""
    head = payload.lstrip()[:1]
    if not head:
        raise bad_input(name, "empty file: expected an mbox")
    if head in (b"{", b"["):
        raise bad_input(name, "not an mbox: this looks like JSON (wrong source?)")
    lines = payload.splitlines(keepends=True)
    if not lines[0].startswith(b"From "):
        if not re.match(rb"[!-9;-~]+:", lines[0]):
            raise bad_input(name, "not an mbox: expected a `From ` line before the first message")
        lines.insert(0, b"From MAILER-DAEMON\n")  # a single message (.eml) without envelope
    chunks: list[tuple[str, list[bytes]]] = []
    for line in lines:
        if line.startswith(b"From "):
            chunks.append((line.decode("latin-1").strip(), []))
        elif chunks:
            chunks[-1][1].append(line)
    return [(envelope, FROM_ESCAPE.sub(rb"\1", b"".join(body))) for envelope, body in chunks]


def _mail(index: int, envelope: str, raw: bytes) -> Mail:
    """Parse one message; broken headers or bodies degrade to text, never to a crash."""
    msg = PARSER.parsebytes(raw)
    subject = _header(msg, "subject")
    sender = _header(msg, "from")
    date = _date(_header(msg, "date")) or _envelope_date(envelope)
    body, fmt = _body(msg)
    ids = _ids(msg, "message-id")
    raw_id = _raw(msg, "message-id").strip()
    mid = ids[0] if ids else (_id(raw_id) if raw_id else _hash(sender, date, subject, body))
    reply_to = _ids(msg, "in-reply-to")[:1] + _ids(msg, "references")[::-1]
    return Mail(index, mid, [r for r in reply_to if r != mid], subject, _author(sender), date,
                body, fmt, sender, _mailing_list(msg))


def _ids(msg: Message, name: str) -> list[str]:
    """The `<…>` ids of a header, each as _id gives it."""
    return [_id(found) for found in MSGID.findall(_raw(msg, name))]


def _id(raw: str) -> str:
    """A Message-ID as a comment id. Ids are ASCII by RFC 5322; 8-bit bytes that are not UTF-8,
    or an id too long to be a file name in the built site, degrade that one message to a
    stable hash of the raw id (its replies name it the same way, so threading survives)."""
    data = raw.encode("utf-8", "surrogateescape")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is None or len(encode_id(text)) > MAX_ID_BYTES:
        return "sha1-" + hashlib.sha1(data).hexdigest()[:16]
    return text


def _hash(sender: str, date: datetime | None, subject: str, body: str) -> str:
    """A stable id for a message without Message-ID."""
    text = "\n".join([sender, date.isoformat() if date else "", subject, body])
    return "sha1-" + hashlib.sha1(text.encode("utf-8", "replace")).hexdigest()[:16]


def _raw(msg: Message, name: str) -> str:
    """A header's raw (undecoded) value, or ""; used for ids, which must not be reparsed."""
    for key, value in msg.raw_items():
        if key.lower() == name:
            return str(value)
    return ""


def _header(msg: Message, name: str) -> str:
    """A header decoded (RFC 2047 words, 8-bit bytes), unfolded; "" when absent."""
    raw = _raw(msg, name)
    if not raw:
        return ""
    if _has_8bit(raw):
        raw = _decode_bytes(raw.encode("utf-8", "surrogateescape"), None)
    else:
        try:
            return " ".join(str(msg[name]).split())
        except Exception:  # the default policy's strict header parser: fall back below
            pass
    try:
        text = str(email.header.make_header(email.header.decode_header(raw)))
    except Exception:  # unknown charset or broken encoded word: keep the raw text
        text = raw
    return " ".join(text.split())


def _has_8bit(text: str) -> bool:
    """Raw 8-bit header bytes reach us as surrogate escapes."""
    return any("\udc80" <= ch <= "\udcff" for ch in text)


def _mailing_list(msg: Message) -> str | None:
    """The list a message came through: List-Post's address (`dev@maven.apache.org`), else
    the List-Id (`dev.maven.apache.org`); None for mail that did not come through a list."""
    post = re.search(r"<mailto:([^<>?\s]+)", _raw(msg, "list-post"), re.I)
    if post:
        return post.group(1)
    ids = MSGID.findall(_raw(msg, "list-id"))
    return ids[0] if ids else None


def _author(sender: str) -> str | None:
    """The display name, else the address's local part: addresses are not republished."""
    display, address = email.utils.parseaddr(sender)
    display = display.strip().strip('"').strip()
    return display or address.split("@")[0] or sender or None


def _date(value: str) -> datetime | None:
    """The Date header as aware UTC, or None when absent or unparseable."""
    if not value:
        return None
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return to_time(moment)  # aware UTC; `-0000` ("UTC, zone unknown") parses as naive UTC


def _envelope_date(envelope: str) -> datetime | None:
    """The asctime date of the `From ` line (mbox delivery time, UTC by convention)."""
    m = ASCTIME.search(envelope)
    if not m:
        return None
    try:
        moment = datetime.strptime(" ".join(m.groups()), "%a %b %d %H:%M:%S %Y")
    except ValueError:
        return None
    return moment.replace(tzinfo=timezone.utc)


# --- bodies ---------------------------------------------------------------------------------

def _body(msg: Message) -> tuple[str, str]:
    """The text/plain part as text (HTML only when there is no plain part)."""
    part, fmt = _part(msg, "plain"), "text"
    if part is None:
        part, fmt = _part(msg, "html"), "html"
    if part is None:
        return "", "text"
    try:
        data = part.get_payload(decode=True)
    except Exception:
        data = None
    if not isinstance(data, bytes):
        data = str(part.get_payload()).encode("utf-8", "surrogateescape")
    text = _decode_bytes(data, _charset(part))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if fmt == "text" and str(part.get_param("format") or "").lower() == "flowed":
        text = _unflow(text, str(part.get_param("delsp") or "").lower() == "yes")
    return text.strip("\n"), fmt


def _part(msg: Message, subtype: str) -> Message | None:
    """The body part of that text subtype, in multipart/alternative, signed, mixed …"""
    try:
        found = msg.get_body(preferencelist=(subtype,))
    except Exception:
        found = None
    if found is not None:
        return found
    for part in msg.walk():  # get_body skips some nestings (e.g. text inside message/*)
        if part.get_content_type() == f"text/{subtype}" and not _attachment(part):
            return part
    return None


def _attachment(part: Message) -> bool:
    try:
        return part.is_attachment()
    except Exception:
        return False


def _charset(part: Message) -> str | None:
    try:
        return part.get_content_charset()
    except Exception:
        return None


def _decode_bytes(data: bytes, charset: str | None) -> str:
    """Decode with the declared charset; undeclared 8-bit is tried as UTF-8 then Windows-1252,
    and ISO-8859-1 is read as its superset Windows-1252 (as browsers and mail clients do)."""
    cs = (charset or "us-ascii").strip().lower()
    if cs in ASCII_LIKE:
        tries = ["utf-8", "windows-1252", "iso-8859-1"]
    elif cs in LATIN1:
        tries = ["windows-1252", "iso-8859-1"]
    else:  # an unknown charset name falls through to the guesses
        tries = [cs, "utf-8", "windows-1252"]
    for name in tries:
        try:
            return data.decode(name)
        except (LookupError, UnicodeDecodeError):
            continue
    try:
        return data.decode(cs, errors="replace")
    except LookupError:
        return data.decode("utf-8", errors="replace")


def _unflow(text: str, delsp: bool) -> str:
    """Undo format=flowed (RFC 3676): join soft-broken lines of the same quote depth."""
    out: list[tuple[int, str]] = []
    joining = False
    for line in text.split("\n"):
        depth = len(line) - len(line.lstrip(">"))
        content = line[depth:]
        if content.startswith(" "):
            content = content[1:]  # space-stuffing
        if joining and out and out[-1][0] == depth:
            out[-1] = (depth, out[-1][1] + content)
        else:
            out.append((depth, content))
        soft = content.endswith(" ") and content != "-- "
        if soft and delsp:
            out[-1] = (depth, out[-1][1][:-1])
        joining = soft
    return "\n".join((">" * d + (" " if d and c else "") + c) for d, c in out)


# --- threading ------------------------------------------------------------------------------

def _unique(mails: list[Mail]) -> list[Mail]:
    """Repeated Message-IDs (cross-posts, re-deliveries) get a suffix so ids stay unique."""
    seen: Counter[str] = Counter()
    for m in mails:
        seen[m.id] += 1
        if seen[m.id] > 1:
            m.id = f"{m.id}-{seen[m.id]}"
    return mails


def _link(mails: list[Mail]) -> None:
    """Set each message's parent and children; break reference cycles at their first message."""
    by_id = {m.id: m for m in mails}
    for m in mails:
        m.parent = next((r for r in m.reply_to if r in by_id), None)
    done: set[str] = set()
    for m in mails:
        path: list[Mail] = []
        on_path: set[str] = set()
        x: Mail | None = m
        while x is not None and x.id not in done and x.id not in on_path:
            path.append(x)
            on_path.add(x.id)
            x = by_id[x.parent] if x.parent else None
        if x is not None and x.id in on_path:  # a cycle: its earliest message becomes a root
            cycle = path[[p.id for p in path].index(x.id):]
            min(cycle, key=lambda c: c.index).parent = None
        done.update(on_path)
    for m in mails:
        if m.parent:
            by_id[m.parent].children.append(m)
    for m in mails:
        m.children.sort(key=_when)


def _when(m: Mail) -> tuple:
    """Sibling order: by date, undated last, file order breaking ties."""
    return (m.date is None, m.date or datetime.min.replace(tzinfo=timezone.utc), m.index)


def _descendants(root: Mail) -> list[Mail]:
    """Pre-order below root, iteratively: mail chains can be very deep."""
    out: list[Mail] = []
    stack = list(reversed(root.children))
    while stack:
        m = stack.pop()
        out.append(m)
        stack.extend(reversed(m.children))
    return out


# --- output ---------------------------------------------------------------------------------

def _list_tags(mails: list[Mail]) -> set[str]:
    """Bracketed subject tags that are list names: containing @, or on half the messages.
    Others ([VOTE], [ANN], [RESULT]) say something and stay in titles."""
    counts: Counter[str] = Counter()
    for m in mails:
        counts.update(set(_tags(m.subject)))
    return {t for t, n in counts.items() if "@" in t or n * 2 >= len(mails) > 1}


def _tags(subject: str) -> list[str]:
    """The bracketed tags among a subject's leading prefixes."""
    found = []
    while True:
        m = REPLY_PREFIX.match(subject) or TAG_PREFIX.match(subject)
        if not m:
            return found
        if m.re is TAG_PREFIX:
            found.append(m.group(1))
        subject = subject[m.end():]


def _title(subject: str, tags: set[str]) -> str:
    """Strip Re:/AW:/Fwd: and list tags, repeatedly (`Re: [list] Re: x` → `x`)."""
    while True:
        m = REPLY_PREFIX.match(subject) or TAG_PREFIX.match(subject)
        if not m or (m.re is TAG_PREFIX and m.group(1) not in tags):
            break
        subject = subject[m.end():]
    return subject.strip() or "(no subject)"


def _time(m: Mail) -> str | None:
    return common.utc_iso(m.date) if m.date else None


def _thread(root: Mail, tags: set[str]) -> dict:
    """One thread: the root message is the opening post, the rest are flat comments."""
    title = _title(root.subject, tags)
    comments = []
    below = _descendants(root)
    for m in below:
        subject = _title(m.subject, tags)
        comments.append(common.comment(
            id=m.id,
            parent=m.parent if m.parent != root.id else None,
            author=m.author,
            created=_time(m),
            format=m.format,
            body=m.body,
            subject=subject if subject != title else None,
        ))
    return common.thread(
        title=title,
        id=hashlib.sha1(root.id.encode("utf-8")).hexdigest()[:12],
        author=root.author,
        created=_time(root),
        format=root.format,
        body=root.body,
        comments=comments,
        message_id=root.id,
        mailing_list=root.mailing_list or next(
            (m.mailing_list for m in below if m.mailing_list), None),
    )
