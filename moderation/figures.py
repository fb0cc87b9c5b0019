"""Figures for the team: queue flow and time to decision, computed from plain records."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from math import ceil


@dataclass(frozen=True, slots=True)
class Decided:
    """A moderator's first decision on a post: who, and seconds from arrival to decision."""

    actor: str
    seconds: float


def percentile(values: list[float], p: float) -> float:
    """The nearest-rank percentile (``p`` in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def median(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def per_moderator(decided: Iterable[Decided]) -> list[dict[str, float | int | str]]:
    """Median and 90th percentile time to decision per moderator, busiest first."""
    by_actor: dict[str, list[float]] = {}
    for d in decided:
        by_actor.setdefault(d.actor, []).append(d.seconds)
    rows: list[dict[str, float | int | str]] = [
        {
            "moderator": actor,
            "decisions": len(times),
            "median_s": round(median(times), 1),
            "p90_s": round(percentile(times, 90), 1),
        }
        for actor, times in by_actor.items()
    ]
    rows.sort(key=lambda r: (-int(r["decisions"]), str(r["moderator"])))
    return rows
