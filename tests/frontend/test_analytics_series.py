"""The analytics charts' columns (frontend/static/analytics/series.js) in V8, without a browser:
every minute from the first to the last is on the axis, quiet minutes are 0, no post is lost."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.frontend.js import call, load

BASE = 29_000_000  # a minute in late 2025, in minutes since 1970


def iso(minute: int) -> str:
    return datetime.fromtimestamp(minute * 60, UTC).strftime("%Y-%m-%dT%H:%M:00Z")


rows = st.dictionaries(
    st.tuples(st.integers(0, 300), st.sampled_from(["instagram", "mastodon", "web"])),
    st.integers(1, 50),
    max_size=40,
)


@settings(max_examples=40, deadline=None)
@given(rows)
def test_timeline_columns_keep_every_post_on_a_gapless_minute_axis(
    found: dict[tuple[int, str], int],
) -> None:
    """Columns: one x per minute from first to last, one column per source, the counts where
    the figures put them and 0 elsewhere."""
    ctx = load("analytics/series.js")
    timeline = [
        {"minute": iso(BASE + m), "source": s, "posts": n} for (m, s), n in sorted(found.items())
    ]
    got = call(ctx, f"timelineColumns({json.dumps(timeline)})")
    if not found:
        assert got == {"sources": [], "columns": [[]]}
        return
    xs, *columns = got["columns"]
    minutes = [m for m, _ in found]
    assert xs == [(BASE + m) * 60 for m in range(min(minutes), max(minutes) + 1)]
    assert got["sources"] == sorted({s for _, s in found})
    for source, column in zip(got["sources"], columns, strict=True):
        assert len(column) == len(xs)
        for x, n in zip(xs, column, strict=True):
            assert n == found.get((x // 60 - BASE, source), 0)


def test_the_multiplier_and_the_labels() -> None:
    """The multiplier's columns line up; durations and rates read as a person would say them."""
    ctx = load("analytics/series.js")
    points = [
        {"minute": iso(BASE), "ambassadors": 0, "guests": 2, "ratio": None},
        {"minute": iso(BASE + 3), "ambassadors": 2, "guests": 5, "ratio": 2.5},
    ]
    assert call(ctx, f"multiplierColumns({json.dumps(points)})") == [
        [BASE * 60, (BASE + 3) * 60],
        [None, 2.5],
        [2, 5],
        [0, 2],
    ]
    assert call(ctx, "[duration(null), duration(42), duration(117), duration(3725)]") == [
        "\N{EN DASH}",
        "42 s",
        "1 min 57 s",
        "1 h 2 min",
    ]
    assert call(ctx, "[percent(null), percent(0.7891)]") == ["\N{EN DASH}", "79 %"]
