"""Result rows, their targets, and the table the runner prints.

A row holds one metric measured on wallserver and on the baseline of the same run. The ratio is
always ``wallserver / baseline``; a target bounds that ratio from above (latencies: ``<= x``) or
from below (rates: ``>= x``). Rows without a target are context (sizes, memory, error counts).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True, slots=True)
class Target:
    """A bound on the ratio (``absolute=False``) or on wallserver's own figure (``True``: the
    issue's absolute targets, such as posts per second, which a ratio alone would let slide)."""

    op: Literal["<=", ">="]
    ratio: float
    absolute: bool = False

    def met(self, value: float) -> bool:
        if math.isnan(value):
            return False
        return value <= self.ratio if self.op == "<=" else value >= self.ratio

    def __str__(self) -> str:
        return f"{self.op} {self.ratio:g}" + ("" if self.absolute else "x")


@dataclass(frozen=True, slots=True)
class Row:
    bench: str
    metric: str
    ours: float
    base: float | None = None
    target: Target | None = None
    digits: int = 1
    must_be_zero: bool = False  # for counts of errors: any non-zero value fails the run

    @property
    def ratio(self) -> float | None:
        if self.base is None or self.must_be_zero:
            return None
        if self.base == 0 or math.isnan(self.base) or math.isnan(self.ours):
            return math.nan
        return self.ours / self.base

    @property
    def verdict(self) -> str:
        if self.must_be_zero:
            return "ok" if self.ours == 0 else "FAIL"
        if self.target is None:
            return ""
        value = self.ours if self.target.absolute else self.ratio
        return "ok" if value is not None and self.target.met(value) else "MISS"

    @property
    def failed(self) -> bool:
        return self.verdict in ("MISS", "FAIL")


HEADERS = ("bench", "metric", "wallserver", "baseline", "ratio", "target", "result")


def _number(value: float | None, digits: int) -> str:
    if value is None:
        return "-"
    if math.isnan(value):
        return "n/a"
    return f"{value:,.{digits}f}"


def cells(row: Row) -> tuple[str, ...]:
    ratio = row.ratio
    return (
        row.bench,
        row.metric,
        _number(row.ours, row.digits),
        _number(row.base, row.digits),
        "-" if ratio is None else ("n/a" if math.isnan(ratio) else f"{ratio:.2f}x"),
        str(row.target) if row.target else ("= 0" if row.must_be_zero else "-"),
        row.verdict or "-",
    )


def render(rows: list[Row]) -> str:
    """A Markdown table (readable in a terminal, pasteable into docs/performance.md)."""
    table = [HEADERS, *(cells(r) for r in rows)]
    widths = [max(len(line[i]) for line in table) for i in range(len(HEADERS))]
    numeric = {2, 3, 4}

    def line(values: tuple[str, ...]) -> str:
        padded = (
            v.rjust(w) if i in numeric else v.ljust(w)
            for i, (v, w) in enumerate(zip(values, widths, strict=True))
        )
        return "| " + " | ".join(padded) + " |"

    rule = (
        "|"
        + "|".join(
            "-" * (w + 1) + ":" if i in numeric else "-" * (w + 2) for i, w in enumerate(widths)
        )
        + "|"
    )
    return "\n".join([line(HEADERS), rule, *(line(r) for r in table[1:])])
