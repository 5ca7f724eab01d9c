"""times.to_time / times.iso: what counts as a time, in any local time zone, and how one is
written."""

from __future__ import annotations

import math
import os
import time
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from typing import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from threadpress.times import EPOCH_MAX, EPOCH_MIN, iso, to_time

UTC = timezone.utc
# local zones far from UTC, either side, one with a half hour and one with DST
ZONES = ["UTC", "America/New_York", "Asia/Kolkata", "Pacific/Kiritimati", "Etc/GMT+12",
         "Europe/Berlin"]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@contextmanager
def local_time_zone(zone: str) -> Iterator[None]:
    """The process's local time zone (TZ) set to `zone` for a while."""
    old = os.environ.get("TZ")
    os.environ["TZ"] = zone
    time.tzset()
    try:
        yield
    finally:
        if old is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = old
        time.tzset()


@pytest.fixture(params=ZONES)
def local_zone(request):
    """Run the test under each local time zone in turn."""
    with local_time_zone(request.param):
        yield request.param


@pytest.mark.parametrize("text, expected", [
    ("2024-05-01", utc(2024, 5, 1)),                       # a date alone is midnight UTC
    ("2024-05-01T12:30", utc(2024, 5, 1, 12, 30)),         # no zone is UTC
    ("2024-05-01t12:30:15", utc(2024, 5, 1, 12, 30, 15)),
    ("2024-05-01 23:59:59", utc(2024, 5, 1, 23, 59, 59)),
    ("2024-05-01T12:00:00.5Z", utc(2024, 5, 1, 12, 0, 0, 500000)),   # .5 s is 500,000 µs
    ("2024-05-01T12:00:00,25z", utc(2024, 5, 1, 12, 0, 0, 250000)),
    ("2024-05-01T12:00:00.1234567Z", utc(2024, 5, 1, 12, 0, 0, 123456)),
    ("2024-05-01T12:00:00.000001Z", utc(2024, 5, 1, 12, 0, 0, 1)),
    ("2024-05-01T12:00+02:00", utc(2024, 5, 1, 10)),
    ("2024-05-01T12:00+0230", utc(2024, 5, 1, 9, 30)),
    ("2024-05-01T12:00+02", utc(2024, 5, 1, 10)),
    ("2024-05-01T12:00-05:30", utc(2024, 5, 1, 17, 30)),
    ("2024-05-01T12:00 Z", utc(2024, 5, 1, 12)),
    ("2024-05-01T00:30+01:00", utc(2024, 4, 30, 23, 30)),  # across midnight and a month
    ("  2024-05-01T12:00Z\n", utc(2024, 5, 1, 12)),
    ("2024-02-29", utc(2024, 2, 29)),
    ("2024-10-31T10:10", utc(2024, 10, 31, 10, 10)),
    ("2024-12-19T19:19:19", utc(2024, 12, 19, 19, 19, 19)),
    ("2024-11-30T12:00+11:00", utc(2024, 11, 30, 1)),
    ("2024-05-01T12:00-23:00", utc(2024, 5, 2, 11)),
    ("2024-05-01T12:00+19:59", utc(2024, 4, 30, 16, 1)),
    ("0001-01-01T00:00:00Z", utc(1, 1, 1)),
    ("9999-12-31T23:59:59Z", utc(9999, 12, 31, 23, 59, 59)),
])
def test_iso_text(text, expected, local_zone):
    t = to_time(text)
    assert t == expected and t.utcoffset() == timedelta(0)


@pytest.mark.parametrize("text", [
    "2024-02-30", "2023-02-29", "2024-13-01", "2024-00-10", "2024-05-32", "2024-05-01T24:00",
    "2024-05-01T12:60", "2024-05-01T12:00:60", "2024-05-01T12", "2024-05-01T12:00+24:00",
    "2024-05-01X12:00", "24-05-01", "2024-5-1", "2024-05-01T12:00:00.", "yesterday", "",
    "0001-01-01T00:00+01:00",   # before the year 1 in UTC
    "9999-12-31T23:00-01:00",   # after the year 9999 in UTC
])
def test_not_a_time(text):
    assert to_time(text) is None


def test_numbers_are_unix_seconds():
    assert to_time(0) == utc(1970, 1, 1)
    assert to_time(1714564800) == utc(2024, 5, 1, 12)
    assert to_time(1.5) == utc(1970, 1, 1, 0, 0, 1, 500000)
    assert to_time(-86400) == utc(1969, 12, 31)
    assert to_time(EPOCH_MIN) == utc(1, 1, 1)
    assert to_time(EPOCH_MAX) == utc(9999, 12, 31, 23, 59, 59)
    # the bounds are the schema's too: half a second past the last one is out
    for bad in (EPOCH_MIN - 1, EPOCH_MAX + 1, EPOCH_MAX + 0.5, math.nan, math.inf, -math.inf,
                True, False):
        assert to_time(bad) is None, bad


def test_yaml_dates_and_datetimes(local_zone):
    assert to_time(date(2024, 5, 1)) == utc(2024, 5, 1)
    assert to_time(datetime(2024, 5, 1, 12)) == utc(2024, 5, 1, 12)  # naive is UTC, not local
    plus2 = timezone(timedelta(hours=2))
    assert to_time(datetime(2024, 5, 1, 12, tzinfo=plus2)) == utc(2024, 5, 1, 10)
    assert to_time(datetime(2024, 5, 1, 12, tzinfo=plus2)).tzinfo == UTC
    assert to_time(datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=1)))) is None


@pytest.mark.parametrize("value", [None, [], {}, b"2024-05-01", object()])
def test_other_values_are_not_times(value):
    assert to_time(value) is None


def test_iso_writes_utc_seconds():
    assert iso(utc(2024, 5, 1, 9, 5, 7, 999999)) == "2024-05-01T09:05:07Z"
    assert iso(utc(1, 1, 1)) == "0001-01-01T00:00:00Z"  # four digits, as ISO 8601 wants
    assert iso(utc(999, 12, 31)) == "0999-12-31T00:00:00Z"
    assert iso(None) == ""


naive_times = st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30))


@given(naive_times, st.sampled_from(ZONES))
def test_round_trip_in_any_local_zone(t, zone):
    """iso(to_time(x)) is x's UTC time, written the one way, whatever TZ the machine runs in."""
    t = t.replace(microsecond=0)
    written = t.isoformat(timespec="seconds") + "Z"
    with local_time_zone(zone):
        assert iso(to_time(t.isoformat())) == written
        assert iso(to_time(t)) == written
        assert iso(to_time(written)) == written
        assert to_time(t.replace(tzinfo=UTC).timestamp()) == t.replace(tzinfo=UTC)
