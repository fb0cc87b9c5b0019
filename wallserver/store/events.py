"""Events: create, look up, list, edit; move through the lifecycle (``wallserver/lifecycle.py``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from wallserver import protocol
from wallserver.db.models import Event, RuleChange, Source, utcnow
from wallserver.errors import Conflict, NotFound, StaleVersion, ValidationFailed
from wallserver.lifecycle import CLOSING_MAX, State, check_move
from wallserver.posts.records import EventInfo, iso
from wallserver.store.cache import Cache
from wallserver.store.database import Database
from wallserver.store.rows import event_info
from wallserver.store.wall import WallLog, WallMessage

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
HASHTAG = re.compile(r"^[^\s#]{1,100}$")


MODES = ("pre", "post")
NAME_MAX = 200


def clean_name(name: str) -> str:
    """The display name as stored: trimmed, not empty, at most :data:`NAME_MAX` characters."""
    name = name.strip()
    if not name or len(name) > NAME_MAX:
        raise ValidationFailed(f"name: 1 to {NAME_MAX} characters")
    return name


def clean_hashtags(tags: list[str]) -> list[str]:
    """The hashtags as stored: without ``#``, no blanks, each once (case-insensitively)."""
    out: list[str] = []
    for tag in tags:
        tag = tag.strip().lstrip("#")
        if not HASHTAG.match(tag):
            raise ValidationFailed(f"not a hashtag: {tag!r}")
        if tag.casefold() not in (t.casefold() for t in out):
            out.append(tag)
    return out


class EventStore:
    def __init__(self, db: Database, cache: Cache | None = None) -> None:
        self.db = db
        self.cache = cache or Cache()

    async def create(
        self,
        slug: str,
        name: str,
        hashtags: list[str],
        moderation: str = "pre",
        rules: dict[str, Any] | None = None,
        state: str = State.LIVE.value,
    ) -> EventInfo:
        """A new event; ``state`` live unless told (scripts create an event and post to it)."""
        if state not in (State.DRAFT, State.REHEARSAL, State.LIVE):
            raise ValidationFailed("a new event is draft, rehearsal or live")
        if not SLUG.fullmatch(slug):
            raise ValidationFailed("slug: lower-case letters, digits and dashes, at most 63")
        if moderation not in MODES:
            raise ValidationFailed("moderation must be 'pre' or 'post'")
        row = Event(
            slug=slug,
            name=clean_name(name),
            hashtags=clean_hashtags(hashtags),
            moderation=moderation,
            rules=rules or {},
            state=state,
        )
        try:
            async with self.db.write() as session:
                session.add(row)
                await session.flush()
                info = event_info(row)
        except IntegrityError as exc:
            raise Conflict(f"an event with slug {slug!r} exists already") from exc
        self.cache.changed("events")
        return info

    async def update(
        self,
        slug: str,
        *,
        name: str | None = None,
        hashtags: list[str] | None = None,
        moderation: str | None = None,
    ) -> EventEdit:
        """Change the event's name, hashtags and/or moderation mode (None: leave as is), with
        the same checks as :meth:`create`.

        In the same transaction, a source that follows one tag (``config["tag"]``: Mastodon, X,
        Instagram) and followed a hashtag the event no longer has is moved to the event's first
        hashtag, as if it had been added now with the default tag; a tag chosen apart from the
        event's stays. The source supervisor restarts the sources whose tag or event's hashtags
        changed (``wallserver/sources/follows.py``). The mode applies to posts arriving from now
        on: posts already stored keep the status they got. A new name or new hashtags also
        write a ``wall.command`` reload for every screen, so open walls show them."""
        if moderation is not None and moderation not in MODES:
            raise ValidationFailed("moderation must be 'pre' or 'post'")
        name = clean_name(name) if name is not None else None
        tags = clean_hashtags(hashtags) if hashtags is not None else None
        if tags is not None and not tags:
            raise ValidationFailed("hashtags: at least one")
        async with self.db.write() as session:
            row, event_id = await _locked(session, slug)
            before = event_info(row)
            if name is not None:
                row.name = name
            if moderation is not None:
                row.moderation = moderation
            if tags is not None:
                await _follow_tags(session, event_id, list(row.hashtags), tags)
                row.hashtags = tags
            session.add(row)
            await session.flush()
            after = event_info(row)
            messages: list[WallMessage] = []
            if (before.name, before.hashtags) != (after.name, after.hashtags):
                # Open walls show the name and tags as the page was rendered: they reload, as
                # the control page's Reload does (a one-shot command, never acted on in a replay).
                body = protocol.wall_command(None, "reload")
                messages.append(await WallLog(self.db).append(session, event_id, body))
        self.cache.changed("events")
        return EventEdit(before, after, messages)

    async def get(self, slug: str) -> EventInfo:
        """The event named ``slug``, from memory when it was read before (see ``cache``)."""
        known = self.cache.get("events", slug)
        if known is not None:
            return known  # type: ignore[no-any-return]
        if not SLUG.fullmatch(slug):  # no query for what cannot be a slug (PostgreSQL refuses NUL)
            raise NotFound(f"no event {slug!r}")
        generation = self.cache.generation("events")
        async with self.db.read() as session:
            row = (await session.exec(select(Event).where(Event.slug == slug))).first()
        if row is None:
            raise NotFound(f"no event {slug!r}")
        info = event_info(row)
        self.cache.put("events", slug, info, generation)
        self.cache.put("events", info.id, info, generation)
        return info

    async def get_by_id(self, event_id: int) -> EventInfo:
        known = self.cache.get("events", event_id)
        if known is not None:
            return known  # type: ignore[no-any-return]
        generation = self.cache.generation("events")
        async with self.db.read() as session:
            row = await session.get(Event, event_id)
        if row is None:
            raise NotFound(f"no event {event_id}")
        info = event_info(row)
        self.cache.put("events", info.slug, info, generation)
        self.cache.put("events", event_id, info, generation)
        return info

    async def all(self) -> list[EventInfo]:
        async with self.db.read() as session:
            rows = (await session.exec(select(Event).order_by(col(Event.id)))).all()
        return [event_info(r) for r in rows]

    async def set_rules(self, slug: str, rules: dict[str, Any], actor: str = "system") -> EventInfo:
        """Replace the event's rules and record the new set in the rules' audit trail."""
        await self.save_rules(slug, rules, actor)
        return await self.get(slug)

    async def save_rules(
        self,
        slug: str,
        rules: dict[str, Any],
        actor: str = "system",
        expected_version: int | None = None,
    ) -> RuleChangeInfo:
        """Replace the rules, if they are still at ``expected_version`` (whatever they are, when
        it is None), and record the new set in the audit trail; returns that entry.

        A rule set's version is the id of its audit entry, 0 for the rules the event was created
        with. A stale ``expected_version`` is a :class:`StaleVersion` carrying the current rules
        and version, so two admins editing at once cannot silently overwrite each other."""
        async with self.db.write() as session:
            # The event row's lock (PostgreSQL; SQLite has one writer anyway) orders savers, so
            # the version read below is still the latest when the new entry is written.
            row, event_id = await _locked(session, slug)
            if expected_version is not None:
                latest = await _latest_change(session, event_id)
                current = (latest.id or 0) if latest else 0
                if current != expected_version:
                    when = iso(latest.at)[:19].replace("T", " ") if latest else ""
                    by = f" by {latest.actor} at {when} UTC" if latest else ""
                    raise StaleVersion(
                        f"the rules changed since you loaded them: version {current} was saved"
                        f"{by} (you edited version {expected_version}). Reload the rules, make "
                        "your change again and save.",
                        extra={"rules": dict(row.rules), "version": current},
                    )
            row.rules = rules
            session.add(row)
            change = RuleChange(event_id=event_id, actor=actor, rules=rules)
            session.add(change)
            await session.flush()
            saved = RuleChangeInfo(change.id or 0, actor, rules, iso(change.at))
        self.cache.changed("events")
        return saved

    async def rules_state(self, event_id: int) -> tuple[dict[str, Any], int]:
        """The event's rules and their version. The version is read first: should a save land
        in between, the pair looks older than it is, and saving with it is refused, never lost."""
        async with self.db.read() as session:
            latest = await _latest_change(session, event_id)
            row = await session.get(Event, event_id)
        if row is None:
            raise NotFound(f"no event {event_id}")
        return dict(row.rules), (latest.id or 0) if latest else 0

    async def rule_history(self, event_id: int, limit: int = 100) -> list[RuleChangeInfo]:
        """The event's saved rule sets, newest first."""
        query = (
            select(RuleChange)
            .where(RuleChange.event_id == event_id)
            .order_by(col(RuleChange.id).desc())
            .limit(limit)
        )
        async with self.db.read() as session:
            rows = (await session.exec(query)).all()
        return [RuleChangeInfo(r.id or 0, r.actor, dict(r.rules), iso(r.at)) for r in rows]

    async def change_state(self, slug: str, state: str | None, closing: str | None) -> StateChange:
        """Move the event to ``state`` and/or set its closing message (None: leave as is), in
        one transaction; when what the walls should show changes (the closing screen, or its
        message while it shows), a ``wall.closing`` goes into the wall log with it.
        :class:`InvalidTransition` for a move the lifecycle does not allow."""
        if closing is not None:
            closing = closing.strip()
            if len(closing) > CLOSING_MAX or "\x00" in closing:
                raise ValidationFailed(f"closing: at most {CLOSING_MAX} characters of text")
        async with self.db.write() as session:
            row, event_id = await _locked(session, slug)
            before = event_info(row)
            if state is not None:
                row.state = check_move(row.state, state).value
                if row.state != before.state:
                    row.ended_at = utcnow() if row.state == State.ENDED else None
            if closing is not None:
                row.closing = closing
            session.add(row)
            await session.flush()
            after = event_info(row)
            messages: list[WallMessage] = []
            if closing_screen(before) != closing_screen(after):
                body = protocol.wall_closing(closing_screen(after))
                messages.append(await WallLog(self.db).append(session, event_id, body))
        self.cache.changed("events")
        return StateChange(before, after, messages)

    async def set_retention(self, slug: str, days: int | None) -> EventInfo:
        """Keep the event's posts' personal data and media ``days`` days after it ends (0: purge
        at the first sweep after the end); None falls back to WALL_RETENTION_DAYS."""
        if days is not None and not 0 <= days <= RETENTION_MAX_DAYS:
            raise ValidationFailed(f"retention_days: 0 to {RETENTION_MAX_DAYS}, or null")
        async with self.db.write() as session:
            row = (await session.exec(select(Event).where(Event.slug == slug))).first()
            if row is None:
                raise NotFound(f"no event {slug!r}")
            row.retention_days = days
            session.add(row)
            await session.flush()
            info = event_info(row)
        self.cache.changed("events")
        return info


RETENTION_MAX_DAYS = 3650


async def _follow_tags(
    session: AsyncSession, event_id: int, before: list[str], after: list[str]
) -> None:
    """Sources following a tag the event drops follow its first hashtag instead."""
    kept = {t.casefold() for t in after}
    dropped = {t.casefold() for t in before} - kept
    query = select(Source).where(Source.event_id == event_id)
    for source in (await session.exec(query)).all():
        tag = source.config.get("tag")
        if isinstance(tag, str) and tag.lstrip("#").casefold() in dropped:
            source.config = {**source.config, "tag": after[0]}  # a new dict: JSON is compared
            session.add(source)


def closing_screen(event: EventInfo) -> dict[str, Any] | None:
    """What the walls show over everything: ``{"message"}`` once the event has ended, else None."""
    if event.state != State.ENDED:
        return None
    return {"message": event.closing}


@dataclass(frozen=True, slots=True)
class EventEdit:
    """The event before and after an edit of its name, hashtags or moderation mode, and its
    wall messages to publish."""

    before: EventInfo
    after: EventInfo
    messages: list[WallMessage]


@dataclass(frozen=True, slots=True)
class StateChange:
    """The event before and after a lifecycle change, and its wall messages to publish."""

    before: EventInfo
    after: EventInfo
    messages: list[WallMessage]


async def _locked(session: AsyncSession, slug: str) -> tuple[Event, int]:
    """The event's row and id, locked until the transaction ends (PostgreSQL; SQLite has one
    writer), so changes to one event are made one after the other; 404 if there is none."""
    query = select(Event).where(Event.slug == slug).with_for_update()
    row = (await session.exec(query)).first()
    if row is None or row.id is None:
        raise NotFound(f"no event {slug!r}")
    return row, row.id


async def _latest_change(session: AsyncSession, event_id: int) -> RuleChange | None:
    query = (
        select(RuleChange)
        .where(RuleChange.event_id == event_id)
        .order_by(col(RuleChange.id).desc())
        .limit(1)
    )
    return (await session.exec(query)).first()


@dataclass(frozen=True, slots=True)
class RuleChangeInfo:
    version: int
    actor: str
    rules: dict[str, Any]
    at: str
