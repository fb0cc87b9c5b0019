"""Whole seconds since 1970 (UTC) of a timestamp column, the same on SQLite and PostgreSQL.

Figures are bucketed by integer arithmetic on this (``epoch(x) / 60`` is the minute), so both
databases put a post in the same minute: no date functions whose rounding or time zones differ.
SQLite stores our timestamps as UTC text (``2026-11-20 18:00:59.999999``); ``strftime`` would
round the fraction to milliseconds first (and put that post in 18:01), so only the first 19
characters, the whole seconds, are read. PostgreSQL's ``extract(epoch …)`` keeps the fraction,
so it is floored there (a cast alone would round).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement


class epoch(FunctionElement[int]):
    """``epoch(timestamp)``: whole seconds since 1970-01-01 UTC, as an integer."""

    type = BigInteger()
    inherit_cache = True


@compiles(epoch)
def _epoch_default(element: epoch, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(floor(extract(epoch FROM {compiler.process(element.clauses, **kw)})) AS BIGINT)"


@compiles(epoch, "sqlite")
def _epoch_sqlite(element: epoch, compiler: SQLCompiler, **kw: Any) -> str:
    value = compiler.process(element.clauses, **kw)
    return f"CAST(strftime('%s', substr({value}, 1, 19)) AS INTEGER)"
