"""The wall log: a per-event, strictly increasing ``seq``, allocated in the writing transaction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from wallserver.db.models import Event, WallEntry
from wallserver.protocol import WALL_PAUSE, WALL_RESUME, encode
from wallserver.store.database import Database


@dataclass(frozen=True, slots=True)
class WallMessage:
    event_id: int
    seq: int
    text: str  # serialised once, stored and sent as is


def dumps(message: dict[str, Any]) -> str:
    """A message with its seq already in place, as sent (the format is wallserver.protocol's)."""
    return encode(message)


class WallLog:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def append(
        self, session: AsyncSession, event_id: int, body: dict[str, Any], post_id: int | None = None
    ) -> WallMessage:
        """Add one wall event in the caller's transaction. The event row lock orders writers."""
        bump = (
            update(Event)
            .where(col(Event.id) == event_id)
            .values(wall_seq=Event.wall_seq + 1)
            .returning(col(Event.wall_seq))
        )
        seq = (await session.exec(bump)).scalar_one()  # type: ignore[call-overload]
        text = encode(body, seq)
        session.add(
            WallEntry(event_id=event_id, seq=seq, type=body["type"], post_id=post_id, message=text)
        )
        return WallMessage(event_id, seq, text)

    async def append_many(
        self,
        session: AsyncSession,
        event_id: int,
        bodies: list[dict[str, Any]],
        post_ids: list[int | None],
    ) -> list[WallMessage]:
        """Several wall events in the caller's transaction, with consecutive seqs."""
        return [
            await self.append(session, event_id, body, post_id)
            for body, post_id in zip(bodies, post_ids, strict=True)
        ]

    async def current_seq(self, event_id: int) -> int:
        async with self.db.read() as session:
            value = (await session.exec(select(Event.wall_seq).where(Event.id == event_id))).first()
            return int(value or 0)

    async def after(
        self, event_id: int, after_seq: int, upto: int | None = None, limit: int = 500
    ) -> list[WallMessage]:
        """Wall events with ``after_seq < seq <= upto``, oldest first, at most ``limit``."""
        query = select(WallEntry.seq, WallEntry.message).where(
            WallEntry.event_id == event_id, col(WallEntry.seq) > after_seq
        )
        if upto is not None:
            query = query.where(col(WallEntry.seq) <= upto)
        query = query.order_by(col(WallEntry.seq)).limit(limit)
        async with self.db.read() as session:
            rows = (await session.exec(query)).all()
        return [WallMessage(event_id, seq, text) for seq, text in rows]

    async def count(self, event_id: int) -> int:
        async with self.db.read() as session:
            query = (
                select(func.count()).select_from(WallEntry).where(WallEntry.event_id == event_id)
            )
            return int((await session.exec(query)).one())

    async def control(self, event_id: int, body: dict[str, Any]) -> WallMessage:
        """A wall-control event (``wall.pause``, ``wall.resume``, ...) in its own transaction."""
        async with self.db.write() as session:
            return await self.append(session, event_id, body)

    async def paused(self, event_id: int) -> bool:
        """Whether the event's last pause/resume paused its screens."""
        return (await self.kill_state(event_id))[0]

    async def kill_state(self, event_id: int) -> tuple[bool, int]:
        """The kill switch now and the seq of the change that set it (0: never pressed), so a
        console can tell an answer that left before a newer press from one that came after."""
        query = (
            select(WallEntry.type, WallEntry.seq)
            .where(
                WallEntry.event_id == event_id,
                col(WallEntry.type).in_((WALL_PAUSE, WALL_RESUME)),
            )
            .order_by(col(WallEntry.seq).desc())
            .limit(1)
        )
        async with self.db.read() as session:
            row = (await session.exec(query)).first()
        return (False, 0) if row is None else (row[0] == WALL_PAUSE, int(row[1]))
