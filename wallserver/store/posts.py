"""Posts: idempotent insert, the moderation queue, decisions with optimistic concurrency."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, func, literal, or_, true, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from moderation import (
    Action,
    Effect,
    PostState,
    Status,
    Transition,
    TransitionError,
    apply_action,
    check_editable,
    restore,
)
from wallserver.db.fold import fold
from wallserver.db.models import Decision, Event, Post
from wallserver.errors import InvalidTransition, NotFound, StaleVersion, ValidationFailed
from wallserver.posts.records import EventInfo, NewPost, PostRecord
from wallserver.protocol import post_effect, post_show
from wallserver.store import arrivals
from wallserver.store.database import Database
from wallserver.store.redact import redact_wall
from wallserver.store.rows import post_record
from wallserver.store.screens import drop_spotlight
from wallserver.store.wall import WallLog, WallMessage

UNDO = "undo"
EDIT = "edit"
INGEST = "ingest"


@dataclass(frozen=True, slots=True)
class Outcome:
    """A post after a write, and the wall messages the write produced (to publish after commit)."""

    post: PostRecord
    created: bool
    messages: list[WallMessage]


@dataclass(frozen=True, slots=True)
class Flow:
    depth: int
    arrived: int
    decided: int
    first_decisions: list[tuple[str, float]]  # (actor, seconds from arrival to decision)


@dataclass(frozen=True, slots=True)
class Page:
    posts: list[PostRecord]
    next_cursor: int | None


class PostStore:
    def __init__(self, db: Database, wall: WallLog) -> None:
        self.db = db
        self.wall = wall

    async def insert(
        self, event: EventInfo, new: NewPost, status: Status, rule: str = "", reason: str = ""
    ) -> Outcome:
        """One post stored as given, outside the pipeline (tools, tests, imports): the same
        statements as a batch of one; an approved post gets its ``post.show``."""

        def work(conn: Connection) -> Outcome:
            [(record, created)] = arrivals.add(
                conn, [arrivals.Arrival(event.id, new, status, rule, reason)]
            )
            if not created or status is not Status.APPROVED:
                return Outcome(record, created, [])
            shown = arrivals.append_wall(conn, event.id, [post_show(record)], [record.id])
            return Outcome(record, True, shown)

        return await self.db.batch_write(work)

    async def find(self, event_id: int, source: str, source_id: str) -> PostRecord | None:
        """The post stored for ``(source, source_id)``, if any (a read, never the write lock)."""
        async with self.db.read() as session:
            row = await _by_source(session, event_id, source, source_id)
        return post_record(row) if row is not None else None

    async def get(self, post_id: int) -> PostRecord:
        async with self.db.read() as session:
            row = await session.get(Post, post_id)
        if row is None:
            raise NotFound(f"no post {post_id}")
        return post_record(row)

    async def on_wall(self, event_id: int, ids: list[int]) -> list[PostRecord]:
        """Those of ``ids`` that are approved posts of this event (a screen fetching them back)."""
        if not ids:
            return []
        query = select(Post).where(
            Post.event_id == event_id, col(Post.id).in_(ids), Post.status == "approved"
        )
        async with self.db.read() as session:
            rows = (await session.exec(query)).all()
        return [post_record(r) for r in rows]

    async def by_manage_token(self, token_hash: str) -> PostRecord:
        async with self.db.read() as session:
            query = select(Post).where(Post.manage_token_hash == token_hash)
            row = (await session.exec(query)).first()
        if row is None:
            raise NotFound("no such post")
        return post_record(row)

    async def page(
        self,
        event_id: int,
        statuses: list[str] | None,
        limit: int,
        cursor: int | None,
        oldest_first: bool = False,
        search: str = "",
        rehearsal: bool = True,
    ) -> Page:
        """One page of the event's posts by id (newest or oldest first) after ``cursor``; with
        ``search``, only posts whose text, author name or handle contains it, in any case;
        without ``rehearsal`` (an event that is not rehearsing), no withdrawn test posts: the
        rehearsal is over and they are gone. One that escaped (docs/lifecycle.md) stays
        listed, with its badge, so a moderator can take it down."""
        query = select(Post).where(Post.event_id == event_id)
        if not rehearsal:
            query = query.where(
                ~(col(Post.rehearsal).is_(True) & (col(Post.status) == Status.WITHDRAWN.value))
            )
        if statuses:
            query = query.where(col(Post.status).in_(statuses))
        if search:
            query = query.where(_containing(search))
        if cursor is not None:
            query = query.where(col(Post.id) > cursor if oldest_first else col(Post.id) < cursor)
        order = col(Post.id).asc() if oldest_first else col(Post.id).desc()
        async with self.db.read() as session:
            rows = (await session.exec(query.order_by(order).limit(limit + 1))).all()
        posts = [post_record(r) for r in rows[:limit]]
        return Page(posts, posts[-1].id if len(rows) > limit else None)

    async def by_author(
        self, event_id: int, handle: str, name: str, limit: int = 20, before: int | None = None
    ) -> list[PostRecord]:
        """The author's latest posts in the event (older than post ``before``), newest first, for
        the rate and duplicate rules. Authors are keyed by handle, or by name without one."""
        query = select(Post).where(Post.event_id == event_id)
        if before is not None:
            query = query.where(col(Post.id) < before)
        if handle:
            query = query.where(Post.author_handle == handle)
        else:
            query = query.where(Post.author_handle == "", Post.author_name == name)
        async with self.db.read() as session:
            rows = (await session.exec(query.order_by(col(Post.id).desc()).limit(limit))).all()
        return [post_record(r) for r in rows]

    async def decide(
        self, post_id: int, action: str, version: int, actor: str, reason: str = ""
    ) -> Outcome:
        """Apply an action if ``version`` is current, else raise :class:`StaleVersion`."""
        async with self.db.write() as session:
            row = await _at_version(session, post_id, version)
            current = PostState(Status(row.status), row.pinned)
            transition = await self._transition(session, post_id, current, action)
            after = transition.after
            record = await self._change(
                session,
                row,
                version,
                {"status": after.status.value, "pinned": after.pinned},
                actor,
                action,
                after,
                reason,
            )
            messages = [await self._wall_effect(session, record, e) for e in transition.effects]
            if Effect.RETRACT in transition.effects:  # a spotlight on it goes with it
                messages += await drop_spotlight(session, self.wall, record.event_id, record.id)
                await redact_wall(session, record.event_id, [record.id])  # and its old content
        return Outcome(record, False, messages)

    async def edit(
        self,
        post_id: int,
        version: int,
        actor: str,
        text: str | None,
        alts: list[str] | None,
        media_items: list[dict[str, Any]] | None = None,
    ) -> Outcome:
        """Change the caption and/or the media's alt text (or, for an author's edit at the
        source, the media); the original is kept, the edit is audited, and a post on the wall
        is shown again with the new text."""
        async with self.db.write() as session:
            row = await _at_version(session, post_id, version)
            _editable(row)
            media = [dict(m) for m in (row.media if media_items is None else media_items)]
            if alts is not None:
                if len(alts) != len(media):
                    raise ValidationFailed(f"alt: give one text per media item ({len(media)})")
                for item, alt in zip(media, alts, strict=True):
                    item["alt"] = alt
            changed = [
                what
                for what, differs in (
                    ("caption", text is not None and text != row.text),
                    ("alt text" if media_items is None else "media", media != row.media),
                )
                if differs
            ]
            if not changed:
                raise ValidationFailed("nothing to change")
            values: dict[str, Any] = {"media": media}
            if text is not None:
                values["text"] = text
            if row.original is None:
                values["original"] = {"text": row.text, "media": row.media}
            unchanged = PostState(Status(row.status), row.pinned)
            record = await self._change(
                session,
                row,
                version,
                values,
                actor,
                EDIT,
                unchanged,
                f"edited {' and '.join(changed)}",
            )
            await redact_wall(session, record.event_id, [record.id])  # no replay of the old text
            messages = []
            if record.status == Status.APPROVED.value:
                messages.append(await self._wall_effect(session, record, Effect.SHOW))
        return Outcome(record, False, messages)

    async def _change(
        self,
        session: AsyncSession,
        row: Post,
        version: int,
        values: dict[str, Any],
        actor: str,
        action: str,
        after: PostState,
        reason: str,
    ) -> PostRecord:
        """Compare-and-set ``row`` at ``version`` and write the audit entry; another writer
        that got there first makes this a :class:`StaleVersion`."""
        assert row.id is not None
        # Read what the audit needs now: the update expires the row's loaded attributes.
        post_id, event_id, before = row.id, row.event_id, PostState(Status(row.status), row.pinned)
        result = await session.exec(  # type: ignore[call-overload]
            update(Post)
            .where(col(Post.id) == post_id, col(Post.version) == version)
            .values(**values, version=version + 1)
        )
        if result.rowcount != 1:  # another moderator won the race
            await session.rollback()
            raise _stale(await self.get(post_id))
        session.add(
            Decision(
                post_id=post_id,
                event_id=event_id,
                actor=actor,
                action=action,
                from_status=before.status.value,
                from_pinned=before.pinned,
                to_status=after.status.value,
                to_pinned=after.pinned,
                reason=reason,
            )
        )
        await session.refresh(row)
        return post_record(row)

    async def _transition(
        self, session: AsyncSession, post_id: int, current: PostState, action: str
    ) -> Transition:
        try:
            if action == UNDO:
                query = (
                    select(Decision)
                    .where(Decision.post_id == post_id, col(Decision.action).not_in((INGEST, EDIT)))
                    .order_by(col(Decision.id).desc())
                    .limit(1)
                )
                last = (await session.exec(query)).first()
                if last is None:
                    raise TransitionError("no decision to undo")
                return restore(current, PostState(Status(last.from_status), last.from_pinned))
            return apply_action(current, Action(action))
        except TransitionError as exc:
            raise InvalidTransition(str(exc)) from exc

    async def flow(self, event_id: int, since: datetime, rehearsal: bool = True) -> Flow:
        """Queue depth now; arrivals, moderator decisions, and each post's first moderator
        decision (with its arrival time) since ``since``; without ``rehearsal``, test posts
        count for none of these (an event that is not rehearsing)."""
        people = ~col(Decision.actor).startswith("rule:") & (col(Decision.actor) != "system")
        counted = col(Post.rehearsal).is_(False) if not rehearsal else true()
        decided = (
            select(Decision.post_id, Decision.actor, func.min(Decision.at), Post.received_at)
            .join(Post, col(Post.id) == col(Decision.post_id))
            .where(Decision.event_id == event_id, col(Decision.at) >= since, people)
            .where(col(Decision.action).in_(("approve", "reject", "hide")), counted)
            .group_by(col(Decision.post_id), col(Decision.actor), col(Post.received_at))
        )
        async with self.db.read() as session:
            depth = (
                await session.exec(
                    select(func.count()).where(
                        Post.event_id == event_id, Post.status == "pending", counted
                    )
                )
            ).one()
            arrived = (
                await session.exec(
                    select(func.count()).where(
                        Post.event_id == event_id, col(Post.received_at) >= since, counted
                    )
                )
            ).one()
            rows = (await session.exec(decided)).all()
        first: dict[int, tuple[str, datetime, datetime]] = {}
        for post_id, actor, at, received in rows:
            if post_id not in first or _utc(at) < first[post_id][1]:
                first[post_id] = (actor, _utc(at), _utc(received))
        return Flow(
            int(depth),
            int(arrived),
            len(rows),
            [(a, (at - rec).total_seconds()) for a, at, rec in first.values()],
        )

    async def queue_depths(self) -> dict[str, int]:
        """Pending posts per event slug, every event listed (``/metrics``; one grouped count
        over the ``(event_id, status)`` index)."""
        pending = Status.PENDING.value
        query = (
            select(Event.slug, func.count(col(Post.id)))
            .select_from(Event)
            .outerjoin(Post, (col(Post.event_id) == col(Event.id)) & (col(Post.status) == pending))
            .group_by(col(Event.slug))
        )
        async with self.db.read() as session:
            rows = (await session.exec(query)).all()
        return {slug: int(n) for slug, n in rows}

    async def history(self, post_id: int) -> list[Decision]:
        async with self.db.read() as session:
            query = select(Decision).where(Decision.post_id == post_id).order_by(col(Decision.id))
            return list((await session.exec(query)).all())

    async def _wall_effect(
        self, session: AsyncSession, post: PostRecord, effect: Effect
    ) -> WallMessage:
        return await self.wall.append(session, post.event_id, post_effect(effect, post), post.id)

    async def of_event(self, event_id: int, ids: list[int]) -> set[int]:
        """Those of ``ids`` that are posts of this event, in any status (a console's claims)."""
        if not ids:
            return set()
        query = select(Post.id).where(Post.event_id == event_id, col(Post.id).in_(ids))
        async with self.db.read() as session:
            return {i for i in (await session.exec(query)).all() if i is not None}


async def _by_source(
    session: AsyncSession, event_id: int, source: str, source_id: str
) -> Post | None:
    query = select(Post).where(
        Post.event_id == event_id, Post.source == source, Post.source_id == source_id
    )
    return (await session.exec(query)).first()


def _containing(search: str) -> ColumnElement[bool]:
    """Text, author name or handle contains ``search``, in any case; ``%`` and ``_`` in it are
    plain characters (escaped for LIKE with a backslash)."""
    escaped = search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = fold(literal(f"%{escaped}%"))
    return or_(
        *(
            fold(column).like(pattern, escape="\\")
            for column in (col(Post.text), col(Post.author_name), col(Post.author_handle))
        )
    )


def _utc(value: datetime) -> datetime:
    """Bridges send any offset, or none (taken as UTC); SQLite would drop the offset silently."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:  # year 1 at +23:59: keep the date as it reads
        return value.replace(tzinfo=UTC)


async def _at_version(session: AsyncSession, post_id: int, version: int) -> Post:
    """The post, if it exists and is still at ``version``."""
    row = await session.get(Post, post_id)
    if row is None:
        raise NotFound(f"no post {post_id}")
    if row.version != version:
        raise _stale(post_record(row))
    return row


def _editable(row: Post) -> None:
    try:
        check_editable(PostState(Status(row.status), row.pinned))
    except TransitionError as exc:
        raise InvalidTransition(str(exc)) from exc


def _stale(current: PostRecord) -> StaleVersion:
    return StaleVersion(
        f"post {current.id} changed meanwhile (now version {current.version}, {current.status})",
        extra={"post": current.moderator_view()},
    )
