"""Taking a post's content back: out of the wall log, its row and its audit trail.

Walls replay the wall log from any seq, so a post that leaves the wall (or is edited) would still
be public in the ``post.show`` entries written while it was on it. :func:`redact_wall` rewrites
those entries in the caller's transaction: each keeps its seq (walls detect gaps by seq, so no row
may disappear) and becomes the content-free ``post.retract`` of that post, which walls apply as a
no-op when they do not show it. Spotlight ``wall.state`` entries lose the post they carried.

A withdrawn post (the author's takedown, an operator's ``forget`` or ``purge``) also loses its
personal data: text, author, contact, media, the original before an edit, the link, the rule's and
the moderators' reasons (which may quote it). Its row and audit rows stay, so counts and "who did
what when" survive; its media files are deleted once no other row names them
(:func:`names_in_use`; files are content-addressed, so two posts may share one).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import String, cast, insert, literal, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from moderation import PostState, Status, TransitionError, withdraw
from wallserver import protocol
from wallserver.dates import stored_utc
from wallserver.db.models import (
    Announcement,
    Decision,
    Event,
    Post,
    Screen,
    WallEntry,
    utcnow,
)
from wallserver.posts.records import PostRecord
from wallserver.store.database import Database
from wallserver.store.rows import post_record
from wallserver.store.screens import drop_spotlight
from wallserver.store.wall import WallLog, WallMessage, dumps

CHUNK = 500  # ids per IN (...): far below SQLite's bound on parameters
MEDIA_NAME = re.compile(r"[0-9a-f]{32}\.(?:jpg|webp|mp4|webm)")
BLANK: dict[str, Any] = {
    "text": "",
    "author_name": "",
    "author_handle": "",
    "author_avatar_url": "",
    "contact": "",
    "media": [],
    "original": None,
    "url": "",
    "rule_reason": "",
}


@dataclass(frozen=True, slots=True)
class Withdrawn:
    """Posts withdrawn in one transaction: their blanked records, the wall messages to publish
    after commit, and the media files no row names any more (to delete after commit)."""

    posts: list[PostRecord]
    messages: list[WallMessage]
    orphans: set[str]


async def redact_wall(session: AsyncSession, event_id: int, post_ids: Sequence[int]) -> None:
    """Rewrite the ``post.show`` entries of these posts as their ``post.retract`` (same seq),
    and drop them from spotlight ``wall.state`` entries, in the caller's transaction."""
    retract = (
        literal(f'{{"type":"{protocol.POST_RETRACT}","seq":')
        + cast(WallEntry.seq, String)
        + literal(',"post_id":')
        + cast(WallEntry.post_id, String)
        + literal("}")
    )
    for ids in _chunks(post_ids):
        await session.exec(  # type: ignore[call-overload]
            update(WallEntry)
            .where(
                col(WallEntry.event_id) == event_id,
                col(WallEntry.type) == protocol.POST_SHOW,
                col(WallEntry.post_id).in_(ids),
            )
            .values(type=protocol.POST_RETRACT, message=retract)
            .execution_options(synchronize_session=False)
        )
    wanted = set(post_ids)
    lit = select(WallEntry).where(
        WallEntry.event_id == event_id,
        WallEntry.type == protocol.WALL_STATE,
        col(WallEntry.message).contains('"post":{"id":'),
    )
    for entry in (await session.exec(lit)).all():
        message = json.loads(entry.message)
        if message.get("post", {}).get("id") not in wanted:
            continue
        message.pop("post")
        state = message.get("state") or {}
        if state.get("spotlight") in wanted:
            message["state"] = {**state, "spotlight": None}
        entry.message = dumps(message)
        session.add(entry)


class Redactions:
    """Withdrawing posts for good: the author's takedown, ``forget``, ``purge``."""

    def __init__(self, db: Database, wall: WallLog) -> None:
        self.db = db
        self.wall = wall

    async def withdraw(
        self, post_ids: Sequence[int], actor: str, action: str, reason: str
    ) -> Withdrawn:
        """Withdraw these posts (those withdrawn already are left as they are) in one
        transaction: retract the ones on the wall, rewrite their wall-log entries, blank their
        content and the reasons in their audit trail, and audit the withdrawal."""
        async with self.db.write() as session:
            rows = await _locked(session, post_ids)
            messages: list[WallMessage] = []
            by_event: dict[int, list[Post]] = {}
            names: set[str] = set()
            for row in rows:
                if row.status == Status.WITHDRAWN.value:
                    continue
                by_event.setdefault(row.event_id, []).append(row)
                names |= set(_names(row))
            audit = []
            now = utcnow()
            for event_id, posts in by_event.items():
                leaving = [r for r in posts if _leaves_wall(r)]
                if leaving:
                    bodies = [protocol.post_retract(r.id) for r in leaving if r.id is not None]
                    on_wall: list[int | None] = [r.id for r in leaving]
                    messages += await self.wall.append_many(session, event_id, bodies, on_wall)
                    for r in leaving:
                        assert r.id is not None
                        messages += await drop_spotlight(session, self.wall, event_id, r.id)
                ids_here = [r.id for r in posts if r.id is not None]
                await redact_wall(session, event_id, ids_here)
                audit += [
                    {
                        "post_id": r.id,
                        "event_id": event_id,
                        "actor": actor,
                        "action": action,
                        "from_status": r.status,
                        "from_pinned": r.pinned,
                        "to_status": Status.WITHDRAWN.value,
                        "to_pinned": False,
                        "reason": reason,
                        "at": now,
                    }
                    for r in posts
                ]
            changed = [r.id for posts in by_event.values() for r in posts if r.id is not None]
            for ids in _chunks(changed):
                await session.exec(  # type: ignore[call-overload]
                    update(Decision)
                    .where(col(Decision.post_id).in_(ids))
                    .values(reason="")
                    .execution_options(synchronize_session=False)
                )
                await session.exec(  # type: ignore[call-overload]
                    update(Post)
                    .where(col(Post.id).in_(ids))
                    .values(
                        **BLANK,
                        status=Status.WITHDRAWN.value,
                        pinned=False,
                        version=col(Post.version) + 1,
                    )
                    .execution_options(synchronize_session=False)
                )
            if audit:
                await (await session.connection()).execute(insert(Decision), audit)
            orphans = names - await names_in_use(session) if names else set()
            records = []
            for ids in _chunks([r.id for r in rows if r.id is not None]):
                fresh = select(Post).where(col(Post.id).in_(ids)).order_by(col(Post.id))
                fresh = fresh.execution_options(populate_existing=True)
                records += [post_record(r) for r in (await session.exec(fresh)).all()]
        return Withdrawn(records, messages, orphans)

    async def by_author(self, event_id: int, author: str) -> list[int]:
        """The event's posts by this author: ``author`` is a handle (a leading ``@`` and the
        case do not matter) or, for posts without a handle, the exact name."""
        handle = author.strip().lstrip("@").casefold()
        query = select(Post.id, Post.author_handle, Post.author_name).where(
            Post.event_id == event_id, Post.status != Status.WITHDRAWN.value
        )
        async with self.db.read() as session:
            rows = (await session.exec(query)).all()
        return [
            i
            for i, h, name in rows
            if i is not None
            and ((h and h.lstrip("@").casefold() == handle) or (not h and name == author.strip()))
        ]

    async def of_event(self, event_id: int) -> list[int]:
        """Every post of the event not withdrawn yet."""
        query = select(Post.id).where(
            Post.event_id == event_id, Post.status != Status.WITHDRAWN.value
        )
        async with self.db.read() as session:
            return [i for i in (await session.exec(query)).all() if i is not None]

    async def of_rehearsal(self, event_id: int) -> list[int]:
        """Every test post of the event (``post.rehearsal``) not withdrawn yet."""
        query = select(Post.id).where(
            Post.event_id == event_id,
            col(Post.rehearsal).is_(True),
            Post.status != Status.WITHDRAWN.value,
        )
        async with self.db.read() as session:
            return [i for i in (await session.exec(query)).all() if i is not None]

    async def received_before(self, cutoff: datetime) -> list[int]:
        """Every post received before ``cutoff`` and not withdrawn yet, in the events that keep
        to the deployment's retention (those with a retention of their own go by that)."""
        query = (
            select(Post.id)
            .join(Event, col(Event.id) == col(Post.event_id))
            .where(
                col(Post.received_at) < cutoff,
                Post.status != Status.WITHDRAWN.value,
                col(Event.retention_days).is_(None),
            )
        )
        async with self.db.read() as session:
            return [i for i in (await session.exec(query)).all() if i is not None]

    async def past_event_retention(self, now: datetime) -> dict[int, list[int]]:
        """Per event whose own retention has run out since it ended: its posts not withdrawn
        yet (``{event id: [post ids]}``). The arithmetic is done here, not in SQL, so SQLite and
        PostgreSQL agree; there are few events."""
        events = select(Event.id, Event.ended_at, Event.retention_days).where(
            col(Event.retention_days).is_not(None), col(Event.ended_at).is_not(None)
        )
        found: dict[int, list[int]] = {}
        async with self.db.read() as session:
            for event_id, ended_at, days in (await session.exec(events)).all():
                assert event_id is not None and ended_at is not None and days is not None
                if stored_utc(ended_at) + timedelta(days=days) > now:
                    continue
                posts = select(Post.id).where(
                    Post.event_id == event_id, Post.status != Status.WITHDRAWN.value
                )
                ids = [i for i in (await session.exec(posts)).all() if i is not None]
                if ids:
                    found[event_id] = ids
        return found


async def names_in_use(session: AsyncSession) -> set[str]:
    """Every media file name a post, a screen or an announcement names (one pass over them)."""
    used: set[str] = set()
    posts = select(Post.media, Post.original, Post.author_avatar_url)
    for media, original, avatar in (await session.exec(posts)).all():
        used.update(MEDIA_NAME.findall(json.dumps([media, original, avatar])))
    for screen in (await session.exec(select(Screen.config, Screen.state))).all():
        used.update(MEDIA_NAME.findall(json.dumps(list(screen))))
    for body in (await session.exec(select(Announcement.body))).all():
        used.update(MEDIA_NAME.findall(json.dumps(body)))
    return used


def _names(row: Post) -> Iterator[str]:
    yield from MEDIA_NAME.findall(json.dumps([row.media, row.original, row.author_avatar_url]))


def _leaves_wall(row: Post) -> bool:
    try:
        transition = withdraw(PostState(Status(row.status), row.pinned))
    except TransitionError:
        return False
    return bool(transition.effects)


async def _locked(session: AsyncSession, post_ids: Sequence[int]) -> list[Post]:
    """The posts, locked for this transaction (PostgreSQL; SQLite's writers queue anyway)."""
    rows: list[Post] = []
    for ids in _chunks(post_ids):
        query = select(Post).where(col(Post.id).in_(ids)).order_by(col(Post.id)).with_for_update()
        rows += (await session.exec(query)).all()
    return rows


def _chunks(ids: Iterable[int]) -> Iterator[list[int]]:
    batch: list[int] = []
    for i in ids:
        batch.append(i)
        if len(batch) == CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch
