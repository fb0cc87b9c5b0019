"""Sessions over the async engine, with write transactions marked for SQLite's BEGIN IMMEDIATE.

SQLite has one writer at a time. Pooled connections that race for its lock sleep in SQLite's busy
handler in steps of up to 100 ms, which gave concurrent ingests a tail of seconds; so on SQLite
writers of this process queue on an asyncio lock instead (the busy timeout still covers other
processes). Never open a write transaction inside another one.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from wallserver.db.engine import WRITE, sync_twin

T = TypeVar("T")


class Database:
    def __init__(self, engine: AsyncEngine, sync_engine: Engine | None = None) -> None:
        self.engine = engine
        self._writer = engine.execution_options(**WRITE)
        self._write_lock: asyncio.Lock | None = asyncio.Lock() if self.is_sqlite else None
        self._sync = sync_engine

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

    @property
    def sync_engine(self) -> Engine:
        """A synchronous engine on the same database, for batches run on a worker thread."""
        if self._sync is None:
            self._sync = sync_twin(self.engine)
        return self._sync

    async def batch_write(self, work: Callable[[Connection], T]) -> T:
        """Run ``work`` in one write transaction on a worker thread: a batch of statements costs
        the event loop one await, not one per statement (each of which waits a turn of a loop
        busy with requests). Queues with the other writers of this process like :meth:`write`."""
        lock = self._write_lock or contextlib.nullcontext()
        async with lock:
            return await asyncio.to_thread(self._transaction, work, WRITE)

    async def batch_read(self, work: Callable[[Connection], T]) -> T:
        """Run ``work`` in one read transaction on a worker thread."""
        return await asyncio.to_thread(self._transaction, work, {})

    def _transaction(self, work: Callable[[Connection], T], options: dict[str, Any]) -> T:
        with self.sync_engine.connect() as conn:
            conn.execution_options(**options)
            with conn.begin():
                return work(conn)

    def close_sync(self) -> None:
        if self._sync is not None:
            self._sync.dispose()
