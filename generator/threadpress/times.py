"""Times in thread files and out of them: what counts as a time, and how one is written."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from typing import Any

# ISO 8601 as thread files write it: a date, optionally a time (minutes, seconds and a fraction
# optional) and a zone. The same pattern is in schema/thread.schema.json; keep the two in step.
ISO_TIME = re.compile(r"""
    ([0-9]{4})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])
    (?:[Tt ]([01][0-9]|2[0-3]):([0-5][0-9])(?::([0-5][0-9])(?:[.,]([0-9]+))?)?
       (?:\ *([Zz]|[+-](?:[01][0-9]|2[0-3])(?::?[0-5][0-9])?))?)?
    """, re.X)
EPOCH_MIN, EPOCH_MAX = -62135596800, 253402300799   # 0001-01-01 .. 9999-12-31T23:59:59 UTC


def to_time(v: Any) -> datetime | None:
    """ISO 8601 (no zone = UTC), a YAML timestamp, or Unix epoch seconds → aware UTC."""
    if isinstance(v, bool):
        return None
    if isinstance(v, datetime):
        t = v
    elif isinstance(v, date):
        t = datetime(v.year, v.month, v.day)
    elif isinstance(v, (int, float)):
        if not EPOCH_MIN <= v <= EPOCH_MAX:  # also refuses NaN
            return None
        try:
            return datetime.fromtimestamp(v, timezone.utc)
        except (OverflowError, OSError, ValueError):
            return None
    elif isinstance(v, str):
        t = _iso(v.strip())
        if t is None:
            return None
    else:
        return None
    try:
        if t.tzinfo is None:
            return t.replace(tzinfo=timezone.utc)
        return t.astimezone(timezone.utc)
    except (OverflowError, ValueError):  # e.g. 0001-01-01T00:00+01:00 is before year 1 in UTC
        return None


def _iso(s: str) -> datetime | None:
    m = ISO_TIME.fullmatch(s)
    if not m:
        return None
    y, mo, d, h, mi, sec, frac, zone = m.groups()
    tz = None
    if zone in ("Z", "z"):
        tz = timezone.utc
    elif zone:
        digits = zone[1:].replace(":", "")
        minutes = int(digits[:2]) * 60 + int(digits[2:] or 0)
        tz = timezone(timedelta(minutes=minutes if zone[0] == "+" else -minutes))
    try:
        return datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(sec or 0),
                        int((frac or "0")[:6].ljust(6, "0")), tzinfo=tz)
    except ValueError:  # e.g. February 30th
        return None


def iso(t: datetime | None) -> str:
    """An aware UTC time (as to_time makes) written `2024-05-01T12:00:00Z`; "" when unknown."""
    # not strftime's %Y: glibc writes the year 1 as "1", which is not ISO 8601
    return f"{t.year:04d}-{t:%m-%dT%H:%M:%S}Z" if t else ""
