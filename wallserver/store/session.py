"""A store opened outside the web app (CLI, demo): migrate, connect, close."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from wallserver.db.engine import create_engine
from wallserver.db.migrate import upgrade
from wallserver.settings import Settings
from wallserver.store.facade import Store


@asynccontextmanager
async def open_store(settings: Settings) -> AsyncIterator[Store]:
    await asyncio.to_thread(upgrade, settings)
    store = Store(create_engine(settings), settings.secret_key.get_secret_value())
    try:
        yield store
    finally:
        await store.close()
