"""Screens and announcements. Every change writes its wall-log entry in the same transaction.

Each write first locks the event's row, the lock every wall-log append takes anyway, so changes
to one event's screens are serialised (read, change, write) on PostgreSQL as on SQLite, and seq
order is the order in which they happened.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from moderation import Status
from wallserver import protocol
from wallserver.db.models import Announcement, Event, Post, Screen, utcnow
from wallserver.errors import Conflict, NotFound, StaleVersion
from wallserver.posts.records import PostRecord, iso
from wallserver.screens.config import stored_config, stored_state
from wallserver.store.database import Database
from wallserver.store.rows import post_record
from wallserver.store.wall import WallLog, WallMessage

Change = Callable[[dict[str, Any]], dict[str, Any]]
EVERY_SCREEN = ""  # the announcement row that speaks to every screen of the event


@dataclass(frozen=True, slots=True)
class ScreenInfo:
    id: int
    event_id: int
    name: str
    config: dict[str, Any]
    state: dict[str, Any]
    version: int
    updated_at: datetime

    @classmethod
    def of(cls, row: Screen) -> ScreenInfo:
        assert row.id is not None
        return cls(
            row.id,
            row.event_id,
            row.name,
            stored_config(row.config),
            stored_state(row.state),
            row.version,
            row.updated_at,
        )

    def public(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "config": self.config,
            "state": self.state,
            "version": self.version,
            "updated_at": iso(self.updated_at),
        }


@dataclass(frozen=True, slots=True)
class Announcements:
    """An event's announcements with the seq that set each (``None`` body: cleared)."""

    every: tuple[dict[str, Any] | None, int] = (None, 0)
    screens: dict[str, tuple[dict[str, Any] | None, int]] = field(default_factory=dict)

    def for_screen(self, name: str) -> dict[str, Any] | None:
        """What screen ``name`` shows: the event-wide or its own one, whichever came last."""
        own = self.screens.get(name, (None, 0))
        return own[0] if own[1] > self.every[1] else self.every[0]


@dataclass(frozen=True, slots=True)
class Changed:
    screens: list[ScreenInfo]
    messages: list[WallMessage]
    post: PostRecord | None = None


class ScreenStore:
    def __init__(self, db: Database, wall: WallLog) -> None:
        self.db = db
        self.wall = wall

    async def for_event(self, event_id: int) -> list[ScreenInfo]:
        """The event's screens, ``main`` first, then by name."""
        query = select(Screen).where(Screen.event_id == event_id)
        async with self.db.read() as session:
            rows = (await session.exec(query)).all()
        return sorted((ScreenInfo.of(r) for r in rows), key=lambda s: (s.name != "main", s.name))

    async def find(self, event_id: int, name: str) -> ScreenInfo | None:
        async with self.db.read() as session:
            row = await _screen(session, event_id, name)
        return ScreenInfo.of(row) if row is not None else None

    async def get(self, event_id: int, name: str) -> ScreenInfo:
        found = await self.find(event_id, name)
        if found is None:
            raise NotFound(f"no screen {name!r}")
        return found

    async def create(
        self, event_id: int, name: str, config: dict[str, Any], state: dict[str, Any]
    ) -> Changed:
        """A new screen and its first ``wall.config``; 409 when the name is taken."""
        try:
            async with self.db.write() as session:
                await _lock_event(session, event_id)
                row = Screen(event_id=event_id, name=name, config=config, state=state)
                session.add(row)
                await session.flush()
                message = await self.wall.append(session, event_id, _config_message(row))
                info = ScreenInfo.of(row)
        except IntegrityError as exc:
            raise Conflict(f"a screen named {name!r} exists already") from exc
        return Changed([info], [message])

    async def ensure(
        self, event_id: int, name: str, config: dict[str, Any], state: dict[str, Any]
    ) -> Changed:
        """The screen, created if missing (``messages`` is then its ``wall.config``)."""
        found = await self.find(event_id, name)
        if found is not None:
            return Changed([found], [])
        try:
            return await self.create(event_id, name, config, state)
        except Conflict:  # created meanwhile by another request
            return Changed([await self.get(event_id, name)], [])

    async def delete(self, event_id: int, name: str) -> WallMessage:
        """Remove a screen and its own announcement; its ``wall.config`` with ``config: null``
        tells the walls showing it that it is gone."""
        async with self.db.write() as session:
            await _lock_event(session, event_id)
            row = await _screen(session, event_id, name)
            if row is None:
                raise NotFound(f"no screen {name!r}")
            await session.delete(row)
            await session.exec(
                delete(Announcement).where(  # type: ignore[call-overload]
                    col(Announcement.event_id) == event_id, col(Announcement.screen) == name
                )
            )
            return await self.wall.append(session, event_id, protocol.wall_config(name, None, None))

    async def change_config(
        self, event_id: int, name: str | None, change: Change, version: int | None = None
    ) -> Changed:
        """Apply ``change`` to one screen's config (``name``) or every screen's; each changed
        screen gets a new version and a ``wall.config``. ``version``, when given, must be the
        screen's current one (409 ``stale_version`` otherwise)."""
        async with self.db.write() as session:
            await _lock_event(session, event_id)
            rows = await _targets(session, event_id, name)
            if version is not None and rows[0].version != version:
                raise StaleVersion(
                    f"screen {rows[0].name!r} changed meanwhile (now version {rows[0].version})",
                    extra={"screen": ScreenInfo.of(rows[0]).public()},
                )
            messages = []
            for row in rows:
                row.config = change(stored_config(row.config))
                row.version += 1
                row.updated_at = utcnow()
                session.add(row)
                messages.append(await self.wall.append(session, event_id, _config_message(row)))
            await session.flush()
            return Changed([ScreenInfo.of(r) for r in rows], messages)

    async def change_state(
        self, event_id: int, name: str | None, change: Change, spotlight: int | None = None
    ) -> Changed:
        """Apply ``change`` to one screen's state or every screen's, each with a ``wall.state``.
        ``spotlight``: a post that must be an approved post of this event (404 / 409); its wall
        view rides along in the messages so a screen can show it even if it had not loaded it."""
        async with self.db.write() as session:
            await _lock_event(session, event_id)
            post = None if spotlight is None else await _approved(session, event_id, spotlight)
            rows = await _targets(session, event_id, name)
            messages = []
            for row in rows:
                row.state = change(stored_state(row.state))
                row.updated_at = utcnow()
                session.add(row)
                messages.append(
                    await self.wall.append(session, event_id, _state_message(row, post))
                )
            await session.flush()
            return Changed([ScreenInfo.of(r) for r in rows], messages, post)

    async def command(self, event_id: int, name: str | None, action: str) -> WallMessage:
        """A one-shot ``wall.command`` (``next``, ``reload``) for one screen or every screen."""
        async with self.db.write() as session:
            await _lock_event(session, event_id)
            if name is not None:
                await _targets(session, event_id, name)
            return await self.wall.append(session, event_id, protocol.wall_command(name, action))

    async def announce(
        self, event_id: int, name: str | None, announcement: dict[str, Any] | None
    ) -> WallMessage:
        """Set (or clear, with ``None``) the announcement of one screen or of the whole event."""
        async with self.db.write() as session:
            await _lock_event(session, event_id)
            if name is not None:
                await _targets(session, event_id, name)
            body = protocol.wall_announce(name, announcement)
            message = await self.wall.append(session, event_id, body)
            key = EVERY_SCREEN if name is None else name
            query = select(Announcement).where(
                Announcement.event_id == event_id, Announcement.screen == key
            )
            row = (await session.exec(query)).first()
            if row is None:
                row = Announcement(event_id=event_id, screen=key)
            row.body = announcement
            row.seq = message.seq
            row.updated_at = utcnow()
            session.add(row)
            return message

    async def announcements(self, event_id: int) -> Announcements:
        query = select(Announcement).where(Announcement.event_id == event_id)
        async with self.db.read() as session:
            rows = (await session.exec(query)).all()
        every: tuple[dict[str, Any] | None, int] = (None, 0)
        screens: dict[str, tuple[dict[str, Any] | None, int]] = {}
        for row in rows:
            entry = (dict(row.body) if row.body else None, row.seq)
            if row.screen == EVERY_SCREEN:
                every = entry
            else:
                screens[row.screen] = entry
        return Announcements(every, screens)


async def drop_spotlight(
    session: AsyncSession, wall: WallLog, event_id: int, post_id: int
) -> list[WallMessage]:
    """Post ``post_id`` left the wall: clear it from every screen's spotlight, one ``wall.state``
    per screen that had it, in the caller's transaction. The caller has already appended the
    post's ``post.retract``, which took the event's lock, so a spotlight command racing with the
    retraction either sees the post gone (409) or is seen here."""
    query = select(Screen).where(Screen.event_id == event_id)
    lit = [
        r
        for r in (await session.exec(query)).all()
        if stored_state(r.state)["spotlight"] == post_id
    ]
    messages = []
    for row in sorted(lit, key=lambda r: (r.name != "main", r.name)):
        row.state = {**stored_state(row.state), "spotlight": None}
        row.updated_at = utcnow()
        session.add(row)
        messages.append(await wall.append(session, event_id, _state_message(row)))
    return messages


def _state_message(row: Screen, post: PostRecord | None = None) -> protocol.Body:
    return protocol.wall_state(row.name, row.state, post)


def _config_message(row: Screen) -> protocol.Body:
    return protocol.wall_config(row.name, row.config, row.version)


async def _lock_event(session: AsyncSession, event_id: int) -> None:
    """Take the event row's lock (a no-op statement on SQLite, whose writers queue anyway)."""
    query = select(Event.id).where(Event.id == event_id).with_for_update()
    if (await session.exec(query)).first() is None:
        raise NotFound(f"no event {event_id}")


async def _screen(session: AsyncSession, event_id: int, name: str) -> Screen | None:
    query = select(Screen).where(Screen.event_id == event_id, Screen.name == name)
    return (await session.exec(query)).first()


async def _targets(session: AsyncSession, event_id: int, name: str | None) -> list[Screen]:
    """The named screen (404 when missing), or every screen of the event, ``main`` first."""
    if name is not None:
        row = await _screen(session, event_id, name)
        if row is None:
            raise NotFound(f"no screen {name!r}")
        return [row]
    query = select(Screen).where(Screen.event_id == event_id)
    rows = (await session.exec(query)).all()
    return sorted(rows, key=lambda r: (r.name != "main", r.name))


async def _approved(session: AsyncSession, event_id: int, post_id: int) -> PostRecord:
    row = await session.get(Post, post_id)
    if row is None or row.event_id != event_id:
        raise NotFound(f"no post {post_id} in this event")
    if row.status != Status.APPROVED:
        raise Conflict(f"post {post_id} is {row.status}; only a post on the wall can be spotlit")
    return post_record(row)
