"""The tables. Domain code gets dataclasses from ``store``; only the store touches these rows."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, DateTime, Index, UniqueConstraint
from sqlalchemy import false as sa_false
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


def _ts(**kw: Any) -> Any:
    return Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), **kw))


class Event(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=64, unique=True, index=True)
    name: str = Field(max_length=200)
    hashtags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    moderation: str = Field(default="pre", max_length=8)
    rules: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    wall_seq: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    created_at: datetime = _ts(nullable=False)
    # the lifecycle (wallserver/lifecycle.py): draft | rehearsal | live | ended
    state: str = Field(default="live", max_length=16, sa_column_kwargs={"server_default": "live"})
    # what the walls say once the event has ended ("" = the default thank-you)
    closing: str = Field(default="", max_length=500, sa_column_kwargs={"server_default": ""})
    # when it last moved to ended (None while it is not ended): the per-event retention counts
    # from here
    ended_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    # days after the end its posts keep their personal data and media; None: WALL_RETENTION_DAYS
    retention_days: int | None = Field(default=None, nullable=True)


class Post(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("event_id", "source", "source_id", name="uq_post_source"),
        Index("ix_post_event_status", "event_id", "status", "id"),
        Index("ix_post_event_author", "event_id", "author_handle", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", index=True)
    source: str = Field(max_length=32)
    source_id: str = Field(max_length=200)
    author_name: str = Field(default="", max_length=200)
    author_handle: str = Field(default="", max_length=200)
    author_avatar_url: str = Field(default="", max_length=2000)
    text: str = Field(default="")
    media: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    url: str = Field(default="", max_length=2000)
    created_at: datetime = _ts(nullable=False)
    received_at: datetime = _ts(nullable=False)
    status: str = Field(default="pending", max_length=16)
    pinned: bool = Field(default=False)
    version: int = Field(default=1)
    rule: str = Field(default="", max_length=64)
    rule_reason: str = Field(default="", max_length=500)
    manage_token_hash: str | None = Field(default=None, max_length=64, index=True)
    consent: bool = Field(default=False)
    # how the organiser may reach a guest who posted from the public page; never on a wall
    contact: str = Field(default="", max_length=200, sa_column_kwargs={"server_default": ""})
    # the text and media as they arrived, kept when a moderator edits the caption or alt text
    original: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    # a test post, arrived while the event was in rehearsal; withdrawn when it goes live
    rehearsal: bool = Field(
        default=False, index=True, sa_column_kwargs={"server_default": sa_false()}
    )


class Decision(SQLModel, table=True):
    """The audit log: every change of a post's state, by whom and why."""

    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key="post.id", index=True)
    event_id: int = Field(foreign_key="event.id", index=True)
    actor: str = Field(max_length=200)
    action: str = Field(max_length=32)
    from_status: str = Field(max_length=16)
    from_pinned: bool = Field(default=False)
    to_status: str = Field(max_length=16)
    to_pinned: bool = Field(default=False)
    reason: str = Field(default="", max_length=500)
    at: datetime = _ts(nullable=False)


class WallEntry(SQLModel, table=True):
    """The wall log: what every wall of an event must do, in ``seq`` order."""

    __tablename__ = "wall_entry"

    event_id: int = Field(foreign_key="event.id", primary_key=True)
    seq: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    type: str = Field(max_length=32)
    post_id: int | None = Field(default=None, foreign_key="post.id")
    message: str  # the serialised WebSocket message, exactly as sent
    at: datetime = _ts(nullable=False)


class User(SQLModel, table=True):
    __tablename__ = "wall_user"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, unique=True, index=True)
    role: str = Field(max_length=16)
    password_hash: str
    created_at: datetime = _ts(nullable=False)


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    role: str = Field(max_length=16)
    event_id: int | None = Field(default=None, foreign_key="event.id")
    label: str = Field(default="", max_length=200)
    created_at: datetime = _ts(nullable=False)
    expires_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    last_used_at: datetime | None = Field(  # to the minute: written at most once a minute
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )


class LoginSession(SQLModel, table=True):
    __tablename__ = "login_session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    user_id: int = Field(foreign_key="wall_user.id", index=True)
    csrf_token: str = Field(max_length=64)
    expires_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class Source(SQLModel, table=True):
    """A connector an event follows: its kind, its config (secrets included), health and cursor."""

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", index=True)
    kind: str = Field(max_length=32)
    config: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    state: str = Field(default="running", max_length=16)  # running | paused | failed
    last_error: str = Field(default="", max_length=2000)
    last_post_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    cursor: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = _ts(nullable=False)


class RuleChange(SQLModel, table=True):
    """The rules' audit trail: every saved rule set of an event, who saved it and when."""

    __tablename__ = "rule_change"

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", index=True)
    actor: str = Field(max_length=200)
    rules: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    at: datetime = _ts(nullable=False)


class Screen(SQLModel, table=True):
    """A named screen of an event (main stage, lobby): its settings and its live steering."""

    __table_args__ = (UniqueConstraint("event_id", "name", name="uq_screen_name"),)

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", index=True)
    name: str = Field(max_length=40)
    config: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    state: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    version: int = Field(default=1)  # of ``config``; bumped by every change, checked by PATCH
    created_at: datetime = _ts(nullable=False)
    updated_at: datetime = _ts(nullable=False)


class Announcement(SQLModel, table=True):
    """What screens announce: one row for the whole event (``screen == ""``) and one per screen.
    A screen shows whichever of its two rows changed last (higher ``seq``); ``body`` null = none."""

    __table_args__ = (UniqueConstraint("event_id", "screen", name="uq_announcement_screen"),)

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", index=True)
    screen: str = Field(default="", max_length=40)
    body: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    seq: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    updated_at: datetime = _ts(nullable=False)


class Ambassador(SQLModel, table=True):
    """An author the team counts as an event's ambassador, besides its trusted authors (the
    analytics page's "ambassadors against the crowd")."""

    __table_args__ = (UniqueConstraint("event_id", "handle", name="uq_ambassador_handle"),)

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", index=True)
    handle: str = Field(max_length=200)


class LoginFailure(SQLModel, table=True):
    """Failed logins counted per key (an address or a user name, HMAC'd with the server key) in
    fixed windows, shared by every instance (``wallserver.auth.throttle``). Rows of windows that
    have ended are deleted as new attempts come in."""

    __tablename__ = "login_failure"

    key: str = Field(max_length=64, primary_key=True)
    # seconds since the epoch at which the window ends (an integer: exact on both databases)
    window_end: int = Field(
        sa_column=Column(BigInteger, primary_key=True, autoincrement=False, index=True)
    )
    failures: int = Field(default=0)
