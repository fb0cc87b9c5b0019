"""One object that carries every store, the ``store`` of the app's ``Services``."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from wallserver.store.analytics import AnalyticsStore
from wallserver.store.auth import AuthStore
from wallserver.store.cache import Cache
from wallserver.store.database import Database
from wallserver.store.events import EventStore
from wallserver.store.logins import LoginFailures
from wallserver.store.posts import PostStore
from wallserver.store.redact import Redactions
from wallserver.store.screens import ScreenStore
from wallserver.store.sources import SourceStore
from wallserver.store.wall import WallLog


class Store:
    def __init__(self, engine: AsyncEngine, secret_key: str) -> None:
        self.db = Database(engine)
        self.cache = Cache()
        self.events = EventStore(self.db, self.cache)
        self.wall = WallLog(self.db)
        self.posts = PostStore(self.db, self.wall)
        self.redact = Redactions(self.db, self.wall)
        self.auth = AuthStore(self.db, secret_key, self.cache)
        self.logins = LoginFailures(self.db, secret_key)
        self.sources = SourceStore(self.db)
        self.screens = ScreenStore(self.db, self.wall)
        self.analytics = AnalyticsStore(self.db)

    async def close(self) -> None:
        self.db.close_sync()
        await self.db.engine.dispose()
