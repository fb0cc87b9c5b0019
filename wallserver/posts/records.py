"""The post domain's records: plain dataclasses with no database import.

Connector parsers, remote media and the rule chain's view use these without loading the store
(a test asserts it); ``wallserver.store.rows`` maps table rows to them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from wallserver.dates import stored_utc


@dataclass(frozen=True, slots=True)
class EventInfo:
    id: int
    slug: str
    name: str
    hashtags: list[str]
    moderation: str
    rules: dict[str, Any]
    state: str = "live"  # draft | rehearsal | live | ended (wallserver/lifecycle.py)
    closing: str = ""  # the closing screen's message, "" for the default
    ended_at: datetime | None = None  # when it last ended (None while not ended)
    retention_days: int | None = None  # None: the deployment's WALL_RETENTION_DAYS

    def public(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "name": self.name,
            "hashtags": self.hashtags,
            "moderation": self.moderation,
            "state": self.state,
            "closing": self.closing,
            "retention_days": self.retention_days,
        }


@dataclass(frozen=True, slots=True)
class NewPost:
    """A post as it arrives, before it has an id."""

    source: str
    source_id: str
    text: str
    author_name: str = ""
    author_handle: str = ""
    author_avatar_url: str = ""
    media: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""
    created_at: datetime | None = None
    consent: bool = False
    manage_token_hash: str | None = None
    contact: str = ""


@dataclass(frozen=True, slots=True)
class PostRecord:
    id: int
    event_id: int
    source: str
    source_id: str
    author_name: str
    author_handle: str
    author_avatar_url: str
    text: str
    media: list[dict[str, Any]]
    url: str
    created_at: datetime
    received_at: datetime
    status: str
    pinned: bool
    version: int
    rule: str
    rule_reason: str
    original: dict[str, Any] | None = None  # text and media as they arrived, once edited
    contact: str = ""  # for the organiser only: in the moderator view, never the wall view
    rehearsal: bool = False  # a test post of a rehearsal: marked on consoles, never on walls

    def wall_view(self) -> dict[str, Any]:
        """The post as every wall and viewer sees it (the contract's ``post`` object)."""
        return {
            "id": self.id,
            "source": self.source,
            "author": {
                "name": self.author_name,
                "handle": self.author_handle,
                "avatar_url": self.author_avatar_url,
            },
            "text": self.text,
            "media": self.media,
            "created_at": iso(self.created_at),
            "url": self.url,
            "pinned": self.pinned,
        }

    def moderator_view(self) -> dict[str, Any]:
        return {
            **self.wall_view(),
            "source_id": self.source_id,
            "status": self.status,
            "version": self.version,
            "received_at": iso(self.received_at),
            "rule": self.rule,
            "rule_reason": self.rule_reason,
            "original": self.original,
            "contact": self.contact,
            "rehearsal": self.rehearsal,
        }


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: a logged-in user or an API token."""

    kind: str  # "user" | "token"
    id: int
    name: str
    role: str
    event_id: int | None = None
    csrf_token: str | None = None

    @property
    def actor(self) -> str:
        return f"{self.kind}:{self.name}"


def iso(value: datetime) -> str:
    """ISO 8601 in UTC with a ``Z``, whichever backend the value came from."""
    return stored_utc(value).astimezone(UTC).isoformat().replace("+00:00", "Z")
