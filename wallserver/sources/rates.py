"""Posts per minute per source, kept in the source's cursor (no table of its own): the arrival
times of the posts it stored during the last :data:`WINDOW` seconds.

Counting per source, not per network, tells two Mastodon instances (or two webhooks) apart. A
post two sources both see is counted for the one that stored it first.
"""

from __future__ import annotations

from typing import Any

WINDOW = 600.0
KEY = "arrivals"
KEEP = 5000  # a busy tag: at most this many times are kept


def record(cursor: dict[str, Any], created: int, now: float) -> None:
    """Note ``created`` new posts at ``now`` in ``cursor`` (in place), forgetting old ones."""
    if created <= 0:
        return
    recent = [t for t in cursor.get(KEY) or [] if isinstance(t, int | float) and now - t < WINDOW]
    recent += [round(now, 3)] * created
    cursor[KEY] = recent[-KEEP:]


def per_minute(cursor: dict[str, Any], now: float) -> float:
    """Posts stored per minute over the last ten minutes."""
    times = [t for t in cursor.get(KEY) or [] if isinstance(t, int | float) and now - t < WINDOW]
    return round(len(times) / (WINDOW / 60), 2)
