"""Events: create, look up, list."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from wallserver.db.models import Event, RuleChange
from wallserver.errors import Conflict, NotFound, ValidationFailed
from wallserver.store.database import Database
from wallserver.store.records import EventInfo, iso

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
HASHTAG = re.compile(r"^[^\s#]{1,100}$")


def clean_hashtags(tags: list[str]) -> list[str]:
    out: list[str] = []
    for tag in tags:
        tag = tag.strip().lstrip("#")
        if not HASHTAG.match(tag):
            raise ValidationFailed(f"not a hashtag: {tag!r}")
        if tag.casefold() not in (t.casefold() for t in out):
            out.append(tag)
    return out


class EventStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(
        self,
        slug: str,
        name: str,
        hashtags: list[str],
        moderation: str = "pre",
        rules: dict[str, Any] | None = None,
    ) -> EventInfo:
        if not SLUG.fullmatch(slug):
            raise ValidationFailed("slug: lower-case letters, digits and dashes, at most 63")
        if moderation not in ("pre", "post"):
            raise ValidationFailed("moderation must be 'pre' or 'post'")
        if not name.strip():
            raise ValidationFailed("name must not be empty")
        row = Event(
            slug=slug,
            name=name.strip(),
            hashtags=clean_hashtags(hashtags),
            moderation=moderation,
            rules=rules or {},
        )
        try:
            async with self.db.write() as session:
                session.add(row)
                await session.flush()
                info = EventInfo.of(row)
        except IntegrityError as exc:
            raise Conflict(f"an event with slug {slug!r} exists already") from exc
        return info

    async def get(self, slug: str) -> EventInfo:
        if not SLUG.fullmatch(slug):  # no query for what cannot be a slug (PostgreSQL refuses NUL)
            raise NotFound(f"no event {slug!r}")
        async with self.db.read() as session:
            row = (await session.exec(select(Event).where(Event.slug == slug))).first()
        if row is None:
            raise NotFound(f"no event {slug!r}")
        return EventInfo.of(row)

    async def get_by_id(self, event_id: int) -> EventInfo:
        async with self.db.read() as session:
            row = await session.get(Event, event_id)
        if row is None:
            raise NotFound(f"no event {event_id}")
        return EventInfo.of(row)

    async def all(self) -> list[EventInfo]:
        async with self.db.read() as session:
            rows = (await session.exec(select(Event).order_by(col(Event.id)))).all()
        return [EventInfo.of(r) for r in rows]

    async def set_rules(self, slug: str, rules: dict[str, Any], actor: str = "system") -> EventInfo:
        """Replace the event's rules and record the new set in the rules' audit trail."""
        async with self.db.write() as session:
            row = (await session.exec(select(Event).where(Event.slug == slug))).first()
            if row is None:
                raise NotFound(f"no event {slug!r}")
            row.rules = rules
            session.add(row)
            assert row.id is not None
            session.add(RuleChange(event_id=row.id, actor=actor, rules=rules))
            await session.flush()
            return EventInfo.of(row)

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


@dataclass(frozen=True, slots=True)
class RuleChangeInfo:
    version: int
    actor: str
    rules: dict[str, Any]
    at: str
