"""Failed logins counted in the database, the one place every instance of a deployment shares.

Each count is one upsert (``INSERT ... ON CONFLICT DO UPDATE SET failures = failures + 1
RETURNING failures``, SQLite >= 3.35 and PostgreSQL alike), so two instances counting the same
key never both read the old number. The row stays locked until the transaction ends: an attempt
that takes a key past its limit rolls back, and one racing it waits and then counts from the
number before it. No two transactions can deadlock on PostgreSQL: counts and refunds lock their
rows in the charges' order (the throttle gives the name before the address), and expired rows
are deleted only when no other transaction holds them (``SKIP LOCKED``), a full window after
their end, when no instance counts in them any more. SQLite has one writer at a time anyway.

Keys are stored as an HMAC with the server key: the table holds no addresses and no names
(a user who types their password into the name field leaves no trace of it here).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Delete, Insert, func, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, delete, select, update

from wallserver.auth.secrets import token_hash
from wallserver.db.models import LoginFailure
from wallserver.store.database import Database


@dataclass(frozen=True, slots=True)
class Charge:
    """One failure to count for ``key`` in the window ending at ``window_end`` (epoch seconds),
    allowed while the window holds at most ``limit``."""

    key: str
    window_end: int
    limit: int


FORGET_AT_ONCE = 1000  # expired rows deleted per attempt at most; each attempt adds two at most


class _Over(Exception):
    def __init__(self, charge: Charge) -> None:
        self.charge = charge


class LoginFailures:
    def __init__(self, db: Database, key: str) -> None:
        self.db = db
        self._key = key

    def _hash(self, key: str) -> str:
        return token_hash(key, self._key)

    def _upsert(self, key: str, window_end: int) -> Insert:
        insert = sqlite.insert if self.db.is_sqlite else postgresql.insert
        statement = insert(LoginFailure).values(key=key, window_end=window_end, failures=1)
        return statement.on_conflict_do_update(
            index_elements=[col(LoginFailure.key), col(LoginFailure.window_end)],
            set_={"failures": col(LoginFailure.failures) + 1},
        ).returning(col(LoginFailure.failures))

    @staticmethod
    def _forget(before: int) -> Delete:
        """Rows of windows that ended before ``before``, a bounded number at a time. On
        PostgreSQL rows another transaction is deleting are skipped, not waited for (two
        deletes visiting the same rows in different orders could deadlock)."""
        stale = (
            select(col(LoginFailure.key), col(LoginFailure.window_end))
            .where(col(LoginFailure.window_end) < before)
            .limit(FORGET_AT_ONCE)
            .with_for_update(skip_locked=True)  # nothing on SQLite, which has one writer
        )
        pair = tuple_(col(LoginFailure.key), col(LoginFailure.window_end))
        return delete(LoginFailure).where(pair.in_(stale))

    async def charge(self, charges: Sequence[Charge], forget_before: int) -> Charge | None:
        """Count one failure for each charge, all or none: ``None`` when every key stays within
        its limit, else the first charge that would go past it (and nothing is counted).

        In the same transaction, rows of windows that ended before ``forget_before`` go."""
        try:
            async with self.db.write() as session:
                for charge in charges:
                    statement = self._upsert(self._hash(charge.key), charge.window_end)
                    result = await session.exec(statement)  # type: ignore[call-overload]
                    if result.scalar_one() > charge.limit:
                        raise _Over(charge)
                await session.exec(self._forget(forget_before))  # type: ignore[call-overload]
        except _Over as over:
            return over.charge
        return None

    async def refund(self, charges: Sequence[Charge]) -> None:
        """Take back the failure each charge counted (one transaction)."""
        async with self.db.write() as session:
            for charge in charges:  # one at a time, in the order :meth:`charge` locks them
                await session.exec(  # type: ignore[call-overload]
                    update(LoginFailure)
                    .where(
                        col(LoginFailure.key) == self._hash(charge.key),
                        col(LoginFailure.window_end) == charge.window_end,
                        col(LoginFailure.failures) > 0,
                    )
                    .values(failures=col(LoginFailure.failures) - 1)
                )

    async def failures(self, key: str, window_end: int) -> int:
        """The failures counted for ``key`` in the window ending at ``window_end``."""
        async with self.db.read() as session:
            row = await session.get(LoginFailure, (self._hash(key), window_end))
        return 0 if row is None else row.failures

    async def rows(self) -> int:
        """How many (key, window) rows the table holds: a few per recent attempt."""
        async with self.db.read() as session:
            return (await session.exec(select(func.count()).select_from(LoginFailure))).one()
