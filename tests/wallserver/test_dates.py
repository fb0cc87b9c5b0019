"""Dates from networks and bridges: aware UTC within sane bounds, or None, never an exception."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from wallserver.dates import EARLIEST, LATEST, from_struct, sane_utc

OFFSETS = st.integers(-(24 * 60 - 1), 24 * 60 - 1).map(lambda m: timezone(timedelta(minutes=m)))


def in_range(value: datetime | None) -> bool:
    return value is None or (value.utcoffset() == timedelta(0) and EARLIEST <= value < LATEST)


@given(st.datetimes(timezones=st.none() | OFFSETS))
def test_any_datetime_is_utc_in_range_or_none(value: datetime) -> None:
    """Naive or with any offset, year 1 to 9999: a UTC datetime in range, or None."""
    assert in_range(sane_utc(value))


def test_the_overflowing_date_of_issue_13_is_none() -> None:
    """Year 1 at +23:59 (and year 9999 at -23:59) cannot be UTC: the arrival time stands in."""
    day = timedelta(hours=23, minutes=59)
    assert sane_utc(datetime(1, 1, 1, tzinfo=timezone(day))) is None
    assert sane_utc(datetime(9999, 12, 31, 23, 59, tzinfo=timezone(-day))) is None


def test_a_sane_date_keeps_its_instant() -> None:
    """An offset is converted, not dropped; a naive date is taken as UTC; bounds are kept."""
    cet = timezone(timedelta(hours=1))
    assert sane_utc(datetime(2026, 12, 24, 19, 30, tzinfo=cet)) == datetime(
        2026, 12, 24, 18, 30, tzinfo=UTC
    )
    assert sane_utc(datetime(2026, 12, 24, 18, 30)) == datetime(2026, 12, 24, 18, 30, tzinfo=UTC)
    assert sane_utc(datetime(1999, 12, 31, 23, 59, tzinfo=UTC)) is None
    assert sane_utc(datetime(2100, 1, 1, tzinfo=UTC)) is None
    assert sane_utc(None) is None


@given(st.tuples(*(st.integers(-(10**6), 10**6) for _ in range(9))))
def test_any_struct_time_is_utc_in_range_or_none(stamp: tuple[int, ...]) -> None:
    """Whatever feedparser hands over as a parsed date gives a sane date or None."""
    assert in_range(from_struct(stamp))


def test_struct_time_of_a_feed() -> None:
    """A feed's parsed date (UTC) is that instant."""
    stamp = time.strptime("2026-12-24 18:30:02", "%Y-%m-%d %H:%M:%S")
    assert from_struct(stamp) == datetime(2026, 12, 24, 18, 30, 2, tzinfo=UTC)
    assert from_struct(None) is None
