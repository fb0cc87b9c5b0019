"""A wallserver data directory with one event and the tokens the benchmarks use.

Provisioned through ``open_store`` (the same path as ``wallserver event create`` and
``wallserver token create``) before the server starts on the same directory.
"""

from __future__ import annotations

import secrets
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

    def env(self) -> dict[str, str]:
        """The server's settings: SQLite in ``data_dir`` and the in-process broker."""
        return {
            "WALL_DATA_DIR": str(self.data_dir),
            "WALL_SECRET_KEY": self.secret_key,
            "WALL_BROKER_URL": "memory://",
        }


async def provision(data_dir: Path, moderation: str = "pre") -> Provisioned:
    secret_key = secrets.token_urlsafe(32)
    settings = Settings(
        data_dir=data_dir,
        secret_key=secret_key,  # type: ignore[arg-type]
        database_url=None,
        broker_url="memory://",
    )
    async with open_store(settings) as store:
        event = await store.events.create(SLUG, "Benchmark Party", ["BenchParty"], moderation)
        moderator = await store.auth.create_token("moderator", event.id, "bench-moderator")
        ingest = await store.auth.create_token("ingest", event.id, "bench-ingest")
    return Provisioned(data_dir, secret_key, SLUG, moderator, ingest)
