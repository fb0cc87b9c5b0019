"""A wallserver data directory with one event and the tokens the benchmarks use.

Provisioned through ``open_store`` (the same path as ``wallserver event create`` and
``wallserver token create``) before the server starts on the same directory.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from wallserver.settings import Settings
from wallserver.store.session import open_store

SLUG = "bench"


@dataclass(frozen=True, slots=True)
class Provisioned:
    data_dir: Path
    secret_key: str
    slug: str
    moderator_token: str
    ingest_token: str
    database_url: str | None = None

    def env(self) -> dict[str, str]:
        """The server's settings: SQLite in ``data_dir`` (or ``database_url``) and the
        in-process broker."""
        env = {
            "WALL_DATA_DIR": str(self.data_dir),
            "WALL_SECRET_KEY": self.secret_key,
            "WALL_BROKER_URL": "memory://",
        }
        if self.database_url:
            env["WALL_DATABASE_URL"] = self.database_url
        return env


async def provision(
    data_dir: Path, moderation: str = "pre", database_url: str | None = None
) -> Provisioned:
    secret_key = secrets.token_urlsafe(32)
    settings = Settings(
        data_dir=data_dir,
        secret_key=secret_key,  # type: ignore[arg-type]
        database_url=database_url,
        broker_url="memory://",
    )
    async with open_store(settings) as store:
        event = await store.events.create(SLUG, "Benchmark Party", ["BenchParty"], moderation)
        moderator = await store.auth.create_token("moderator", event.id, "bench-moderator")
        ingest = await store.auth.create_token("ingest", event.id, "bench-ingest")
    return Provisioned(data_dir, secret_key, SLUG, moderator, ingest, database_url)


@contextlib.asynccontextmanager
async def fresh_database(server_url: str | None) -> AsyncIterator[str | None]:
    """A new, empty PostgreSQL database on the server of ``server_url`` for one run, dropped
    afterwards; None (SQLite) passes through."""
    if not server_url:
        yield None
        return
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(server_url)
    name = f"wallbench_{secrets.token_hex(4)}"
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    async with await psycopg.AsyncConnection.connect(admin, autocommit=True) as conn:
        await conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        async with await psycopg.AsyncConnection.connect(admin, autocommit=True) as conn:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
