"""The figures as CSV: one long table ``section,key,detail,value`` that a spreadsheet opens and
a script turns back into the JSON (tests/wallserver/test_analytics.py does).

Rows, by section: ``meta`` (event, generated_at, window_minutes), ``totals`` (each total; the
decision times in seconds, empty when none), ``status`` (posts per status), ``timeline`` (minute,
source, posts), ``busiest_minute``, ``hashtag``, ``screen``, ``swarm`` (set_off), ``listed``
(an ambassador handle; no value), ``top_ambassador``, ``multiplier`` (minute; detail
ambassadors, guests or ratio).

Text from posts (a tag, an ambassador's name) that starts with ``= + - @`` or a tab gets a
leading ``'`` so a spreadsheet does not run it as a formula; strip one ``'`` when reading.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

HEADER = ("section", "key", "detail", "value")
FORMULA = ("=", "+", "-", "@", "\t", "\r")
SCALARS = (
    "posts",
    "approval_rate",
    "decided",
    "median_decision_seconds",
    "p90_decision_seconds",
    "contributors",
    "ambassadors",
    "guests",
)


def text_cell(value: str) -> str:
    return f"'{value}" if value.startswith(FORMULA) else value


def value_cell(value: Any) -> str:
    return "" if value is None else str(value)


def rows(figures: dict[str, Any]) -> Iterator[tuple[str, str, str, str]]:
    yield ("meta", "event", "", figures["event"])
    yield ("meta", "generated_at", "", figures["generated_at"])
    yield ("meta", "window_minutes", "", str(figures["window_minutes"]))
    totals = figures["totals"]
    for name in SCALARS:
        yield ("totals", name, "", value_cell(totals[name]))
    for status, n in totals["by_status"].items():
        yield ("status", status, "", str(n))
    for t in figures["timeline"]:
        yield ("timeline", t["minute"], text_cell(t["source"]), str(t["posts"]))
    for b in figures["busiest_minutes"]:
        yield ("busiest_minute", b["minute"], "", str(b["posts"]))
    for h in figures["hashtags"]:
        yield ("hashtag", text_cell(h["tag"]), "", str(h["posts"]))
    for s in figures["screens"]:
        yield ("screen", s["screen"], "", str(s["posts"]))
    swarm = figures["swarm"]
    yield ("swarm", "set_off", "", str(swarm["set_off"]))
    for handle in swarm["listed"]:
        yield ("listed", text_cell(handle), "", "")
    for a in swarm["top_ambassadors"]:
        yield ("top_ambassador", text_cell(a["ambassador"]), "", str(a["first_posts"]))
    for m in swarm["multiplier"]:
        for detail in ("ambassadors", "guests", "ratio"):
            yield ("multiplier", m["minute"], detail, value_cell(m[detail]))


def to_csv(figures: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(rows(figures))
    return out.getvalue()
