"""Sessions over the async engine, with write transactions marked for SQLite's BEGIN IMMEDIATE.

SQLite has one writer at a time. Pooled connections that race for its lock sleep in SQLite's busy
handler in steps of up to 100 ms, which gave concurrent ingests a tail of seconds; so on SQLite
writers of this process queue on an asyncio lock instead (the busy timeout still covers other
processes). Never open a write transaction inside another one.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from wallserver.db.engine import WRITE


class Database:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._writer = engine.execution_options(**WRITE)
        self._write_lock: asyncio.Lock | None = asyncio.Lock() if self.is_sqlite else None

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        async with AsyncSession(self.engine, expire_on_commit=False) as session:
            yield session

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """A transaction that commits on success and rolls back on any error."""
        lock = self._write_lock or contextlib.nullcontext()
        async with lock, AsyncSession(self._writer, expire_on_commit=False) as session:
            try:
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                raise
