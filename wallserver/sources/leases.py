"""Which instance runs a source: a PostgreSQL advisory lock per source, held on one connection.

The locks are session-level, so they live exactly as long as the dedicated connection: when an
instance dies, PostgreSQL drops its connection and its locks, and another instance's next
:meth:`PgLeases.acquire` takes the source over. On SQLite a single instance is assumed and every
lease is granted.
"""

from __future__ import annotations

import logging

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

log = logging.getLogger(__name__)
# The first key of the two-key lock names "wallserver sources in this schema", so deployments
# sharing one database in separate schemas do not block each other's sources.
NAMESPACE = "hashtext('wallserver.source:' || current_schema())"


class Leases:
    """The single-instance kind: every lease is granted and never lost."""

    async def acquire(self, source_id: int) -> bool:
        return True

    async def release(self, source_id: int) -> None:
        return None

    async def healthy(self) -> bool:
        return True

    async def close(self) -> None:
        return None


class PgLeases(Leases):
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.conn: AsyncConnection | None = None

    async def _connection(self) -> AsyncConnection:
        if self.conn is None:
            conn = await self.engine.connect()
            self.conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        return self.conn

    async def acquire(self, source_id: int) -> bool:
        conn = await self._connection()
        query = text(f"SELECT pg_try_advisory_lock({NAMESPACE}, :id)")
        return bool((await conn.execute(query, {"id": source_id})).scalar())

    async def release(self, source_id: int) -> None:
        if self.conn is None:
            return
        query = text(f"SELECT pg_advisory_unlock({NAMESPACE}, :id)")
        await self.conn.execute(query, {"id": source_id})

    async def healthy(self) -> bool:
        """False when the lock connection broke: every lease is gone and must be re-taken."""
        if self.conn is None:
            return True
        try:
            await self.conn.execute(text("SELECT 1"))
            return True
        except Exception:
            log.warning("lease connection lost; its sources stop until re-taken", exc_info=True)
            await self.close()
            return False

    async def close(self) -> None:
        conn, self.conn = self.conn, None
        if conn is not None:
            try:
                await conn.close()
            except Exception:
                log.debug("closing the lease connection failed", exc_info=True)


def leases_for(engine: AsyncEngine) -> Leases:
    return PgLeases(engine) if engine.dialect.name == "postgresql" else Leases()
