"""When a post says it was made: any parsed date as an aware UTC datetime within sane bounds.

Networks and bridges send dates the standard library can parse but not use: year 1 with an
offset of +23:59 overflows ``astimezone`` (issue #13, finding 2), year 9999 with a negative
offset does too, and a post "made" in 1970 or 2500 would sort absurdly on the wall. Every
parser passes its dates through :func:`sane_utc`; ``None`` means "use the arrival time", so a
bad date never costs the post.
"""

from __future__ import annotations

import calendar
import time
from datetime import UTC, datetime

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)


def sane_utc(value: datetime | None) -> datetime | None:
    """``value`` in UTC (naive taken as UTC), or None when it cannot be converted or falls
    outside [:data:`EARLIEST`, :data:`LATEST`)."""
    if value is None:
        return None
    try:
        utc = value.replace(tzinfo=UTC) if value.utcoffset() is None else value.astimezone(UTC)
    except (OverflowError, ValueError):
        return None
    return utc if EARLIEST <= utc < LATEST else None


def from_struct(stamp: time.struct_time | tuple[int, ...] | None) -> datetime | None:
    """A UTC ``struct_time`` (as feedparser gives) through :func:`sane_utc`; None if unusable."""
    if not stamp:
        return None
    try:
        return sane_utc(datetime.fromtimestamp(calendar.timegm(stamp), UTC))
    except (OverflowError, ValueError, OSError, TypeError):
        return None


def stored_utc(value: datetime) -> datetime:
    """A datetime read back from the database, aware: every one is stored as UTC, and SQLite
    hands them back without the zone."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
