"""Engine construction: SQLite in WAL mode by default, PostgreSQL by URL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import create_engine as sa_create_engine
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from wallserver.db import fold
from wallserver.settings import Settings

# Write transactions on SQLite start with BEGIN IMMEDIATE so that a read-then-write transaction
# waits on the busy timeout instead of failing when another writer got there first.
WRITE = {"sqlite_begin": "IMMEDIATE"}
SYNCHRONOUS = "wall_sqlite_synchronous"


def create_engine(settings: Settings) -> AsyncEngine:
    url = settings.resolved_database_url
    if url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"timeout": 30})
        install_sqlite_pragmas(engine.sync_engine, settings.sqlite_synchronous)
        setattr(engine.sync_engine, SYNCHRONOUS, settings.sqlite_synchronous)  # for sync_twin
        return engine
    return create_async_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


def sync_twin(engine: AsyncEngine, synchronous: str | None = None) -> Engine:
    """A synchronous engine on the database of ``engine`` (pysqlite or psycopg), with the same
    pragmas, for work run on worker threads. ``synchronous`` defaults to the async engine's."""
    url = engine.url
    if url.get_backend_name() == "sqlite":
        sync = sa_create_engine(
            url.set(drivername="sqlite"),
            connect_args={"timeout": 30, "check_same_thread": False},
        )
        mode = synchronous or str(getattr(engine.sync_engine, SYNCHRONOUS, "FULL"))
        install_sqlite_pragmas(sync, mode)
        return sync
    return sa_create_engine(url, pool_size=4, max_overflow=4, pool_pre_ping=True)


def install_sqlite_pragmas(engine: Engine, synchronous: str) -> None:
    """WAL, foreign keys, busy timeout and explicit BEGIN for every SQLite connection, and the
    ``wall_fold`` function for case-insensitive search (see ``wallserver.db.fold``)."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves, see below
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute(f"PRAGMA synchronous={synchronous}")
        cur.close()
        fold.register(dbapi_conn)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")
