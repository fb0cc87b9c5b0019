"""Sources: the connectors an event follows, their health and their resume cursor."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select

from wallserver.db.models import Post, Source, utcnow
from wallserver.errors import NotFound
from wallserver.posts.records import PostRecord, iso
from wallserver.store.database import Database
from wallserver.store.rows import post_record

STATES = ("running", "paused", "failed")
RETRACTABLE = ("pending", "approved")  # the statuses a deletion at the source retracts
MASK = "********"


@dataclass(frozen=True, slots=True)
class SourceInfo:
    id: int
    event_id: int
    kind: str
    config: dict[str, Any]
    state: str
    last_error: str
    last_post_at: datetime | None
    cursor: dict[str, Any]
    created_at: datetime

    @classmethod
    def of(cls, row: Source) -> SourceInfo:
        assert row.id is not None
        return cls(
            row.id,
            row.event_id,
            row.kind,
            dict(row.config),
            row.state,
            row.last_error,
            row.last_post_at,
            dict(row.cursor),
            row.created_at,
        )

    @property
    def name(self) -> str:
        """What posts from this source carry as ``source``: one name per network, so the same
        post seen by two sources (two Mastodon instances) is stored once; a webhook is its own."""
        return f"webhook-{self.id}" if self.kind == "webhook" else self.kind

    def public(self, secrets: frozenset[str] = frozenset()) -> dict[str, Any]:
        """The source as the API shows it: every secret replaced by a mask."""
        config = {k: (MASK if k in secrets and v else v) for k, v in self.config.items()}
        return {
            "id": self.id,
            "kind": self.kind,
            "config": config,
            "state": self.state,
            "last_error": self.last_error,
            "last_post_at": iso(self.last_post_at) if self.last_post_at else None,
            "created_at": iso(self.created_at),
        }


class SourceStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(self, event_id: int, kind: str, config: dict[str, Any]) -> SourceInfo:
        async with self.db.write() as session:
            row = Source(event_id=event_id, kind=kind, config=config)
            session.add(row)
            await session.flush()
            return SourceInfo.of(row)

    async def get(self, source_id: int) -> SourceInfo:
        async with self.db.read() as session:
            row = await session.get(Source, source_id)
        if row is None:
            raise NotFound(f"no source {source_id}")
        return SourceInfo.of(row)

    async def for_event(self, event_id: int) -> list[SourceInfo]:
        async with self.db.read() as session:
            query = select(Source).where(Source.event_id == event_id).order_by(col(Source.id))
            return [SourceInfo.of(r) for r in (await session.exec(query)).all()]

    async def all(self) -> list[SourceInfo]:
        async with self.db.read() as session:
            rows = (await session.exec(select(Source).order_by(col(Source.id)))).all()
        return [SourceInfo.of(r) for r in rows]

    async def delete(self, source_id: int) -> None:
        async with self.db.write() as session:
            row = await session.get(Source, source_id)
            if row is None:
                raise NotFound(f"no source {source_id}")
            await session.delete(row)

    async def set_state(self, source_id: int, state: str, error: str = "") -> SourceInfo:
        assert state in STATES
        return await self._update(source_id, state=state, last_error=error[:2000])

    async def note_error(self, source_id: int, error: str) -> None:
        """A transient failure: remembered for the status page, the source keeps running."""
        await self._update(source_id, last_error=error[:2000])

    async def save_cursor(
        self, source_id: int, cursor: dict[str, Any], posted: bool = False
    ) -> None:
        """After each processed batch, so a restart resumes from here."""
        values: dict[str, Any] = {"cursor": cursor, "last_error": ""}
        if posted:
            values["last_post_at"] = utcnow()
        await self._update(source_id, **values)

    async def _update(self, source_id: int, **values: Any) -> SourceInfo:
        async with self.db.write() as session:
            row = await session.get(Source, source_id)
            if row is None:
                raise NotFound(f"no source {source_id}")
            for key, value in values.items():
                setattr(row, key, value)
            session.add(row)
            await session.flush()
            return SourceInfo.of(row)

    async def find_post(self, event_id: int, source: str, source_id: str) -> PostRecord | None:
        """The post a network's id stands for, to retract or update it."""
        async with self.db.read() as session:
            query = select(Post).where(
                Post.event_id == event_id, Post.source == source, Post.source_id == source_id
            )
            row = (await session.exec(query)).first()
        return post_record(row) if row is not None else None

    async def recent_retractable(
        self, event_id: int, source: str, since: datetime, limit: int
    ) -> list[str]:
        """The network ids of ``source``'s posts received since ``since`` that are pending or
        approved (a deletion at the source would still change the wall), newest first."""
        async with self.db.read() as session:
            query = (
                select(Post.source_id)
                .where(
                    Post.event_id == event_id,
                    Post.source == source,
                    col(Post.status).in_(RETRACTABLE),
                    col(Post.received_at) >= since,
                )
                .order_by(col(Post.received_at).desc(), col(Post.id).desc())
                .limit(limit)
            )
            return list((await session.exec(query)).all())

    async def posts_per_minute(self, event_id: int, source: str, minutes: int = 10) -> float:
        """Posts received from ``source`` lately, averaged per minute."""
        since = datetime.now(UTC) - timedelta(minutes=minutes)
        async with self.db.read() as session:
            query = select(func.count()).where(
                Post.event_id == event_id, Post.source == source, col(Post.received_at) >= since
            )
            count = (await session.exec(query)).one()
        return round(int(count) / minutes, 2)
