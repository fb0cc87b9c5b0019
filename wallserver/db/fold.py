"""Lower case that SQLite and PostgreSQL share, for case-insensitive search in SQL.

PostgreSQL's ``lower()`` lowers every character on its own (by the database's locale), while
SQLite's only lowers ASCII: "ÜBER" would not find "über". So ``fold(x)`` compiles to
``lower(x)`` on PostgreSQL and to ``wall_fold(x)`` on SQLite, a function every SQLite
connection gets (``engine.install_sqlite_pragmas``) that does what PostgreSQL does.

Folding goes character by character, so a piece of a text folds to a piece of the folded
text: Python's ``str.lower`` writes a word-final capital sigma as the final small sigma, and
then a capital sigma alone (folded to the ordinary small sigma) would not find it; PostgreSQL
writes the ordinary small sigma for every capital one, and so does :func:`fold_text`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

SQLITE_FUNCTION = "wall_fold"
CAPITAL_SIGMA, SMALL_SIGMA = "\N{GREEK CAPITAL LETTER SIGMA}", "\N{GREEK SMALL LETTER SIGMA}"


def fold_text(value: str) -> str:
    """What ``fold`` gives on SQLite: the lower case of each character, the sigma included."""
    return value.replace(CAPITAL_SIGMA, SMALL_SIGMA).lower()


def _sqlite_fold(value: str | None) -> str | None:
    return None if value is None else fold_text(value)


class fold(FunctionElement[str]):
    """``fold(expr)``: lower case in SQL, the same on SQLite and PostgreSQL."""

    type = String()
    inherit_cache = True


@compiles(fold)
def _fold_default(element: fold, compiler: SQLCompiler, **kw: Any) -> str:
    return f"lower({compiler.process(element.clauses, **kw)})"


@compiles(fold, "sqlite")
def _fold_sqlite(element: fold, compiler: SQLCompiler, **kw: Any) -> str:
    return f"{SQLITE_FUNCTION}({compiler.process(element.clauses, **kw)})"


def register(dbapi_conn: Any) -> None:
    """Give a fresh SQLite connection the ``wall_fold`` function."""
    dbapi_conn.create_function(SQLITE_FUNCTION, 1, _sqlite_fold, deterministic=True)
