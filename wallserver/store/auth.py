"""Users, API tokens and login sessions (secrets stored hashed).

Lifecycle: a token can be listed (never its secret), given an expiry, and revoked; a user can be
deleted or given a new password, and either ends all their login sessions. Every such write
forgets the cached kind and tells the other instances (``Cache.changed``), so a revoked token or
an ended session is refused at once everywhere the broker reaches.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from wallserver.auth.secrets import (
    ROLES,
    USER_ROLES,
    PasswordSlots,
    new_token,
    token_hash,
)
from wallserver.dates import stored_utc
from wallserver.db.models import ApiToken, Event, LoginSession, User, utcnow
from wallserver.errors import Conflict, NotFound, ValidationFailed
from wallserver.posts.records import Principal
from wallserver.store.cache import Cache
from wallserver.store.database import Database

if TYPE_CHECKING:
    from collections.abc import Callable


# A token's "last used" is written at most this often per token and instance: a use costs no write.
TOUCH_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """A token as staff see it: everything but the secret."""

    id: int
    label: str
    role: str
    event_id: int | None  # the event it is limited to
    event: str | None  # and that event's slug
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None

    @property
    def expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= datetime.now(UTC)

    def public(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "label": self.label,
            "role": self.role,
            "event": self.event,
            "created_at": self.created_at.isoformat(),
            "last_used_at": self.last_used_at.isoformat() if self.last_used_at else None,
            "expires_at": self.expires_at.isoformat() if self.expires_at else None,
            "expired": self.expired,
        }


@dataclass(frozen=True, slots=True)
class UserInfo:
    """A user as staff see them: never the password hash."""

    id: int
    name: str
    role: str
    created_at: datetime
    sessions: int  # login sessions not yet expired

    def public(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "role": self.role,
            "created_at": self.created_at.isoformat(),
            "sessions": self.sessions,
        }


def _aware(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; every one stored is UTC."""
    return None if moment is None else stored_utc(moment)


class AuthStore:
    def __init__(
        self,
        db: Database,
        key: str,
        cache: Cache | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.db = db
        self._key = key
        self.cache = cache or Cache()
        self.passwords = PasswordSlots()
        self._clock = clock
        self.now: Callable[[], datetime] = lambda: datetime.now(UTC)  # expiries are checked by it
        self._touched: dict[int, float] = {}  # token id -> when its last use was written

    def _hash(self, secret: str) -> str:
        return token_hash(secret, self._key)

    async def create_user(self, name: str, role: str, password: str) -> Principal:
        if role not in USER_ROLES:
            raise ValidationFailed(f"role must be one of {', '.join(USER_ROLES)}")
        if not name.strip() or len(password) < 8:
            raise ValidationFailed("a user needs a name and a password of at least 8 characters")
        hashed = await self.passwords.hash(password)
        row = User(name=name.strip(), role=role, password_hash=hashed)
        try:
            async with self.db.write() as session:
                session.add(row)
                await session.flush()
                assert row.id is not None
                return Principal("user", row.id, row.name, row.role)
        except IntegrityError as exc:
            raise Conflict(f"user {name!r} exists already") from exc

    async def set_password(self, name: str, password: str) -> None:
        """A new password; every login session of the user ends (whoever knew the old one is
        logged out)."""
        if len(password) < 8:
            raise ValidationFailed("a password needs at least 8 characters")
        hashed = await self.passwords.hash(password)  # before the write lock, not under it
        async with self.db.write() as session:
            row = (await session.exec(select(User).where(User.name == name))).first()
            if row is None:
                raise NotFound(f"no user {name!r}")
            row.password_hash = hashed
            session.add(row)
            await session.exec(  # type: ignore[call-overload]
                delete(LoginSession).where(col(LoginSession.user_id) == row.id)
            )
        self.cache.changed("sessions")

    async def user_name(self, user_id: int) -> str:
        async with self.db.read() as session:
            row = await session.get(User, user_id)
        if row is None:
            raise NotFound(f"no user {user_id}")
        return row.name

    async def list_users(self) -> list[UserInfo]:
        async with self.db.read() as session:
            users = (await session.exec(select(User).order_by(col(User.name)))).all()
            logins = (
                await session.exec(
                    select(LoginSession.user_id).where(col(LoginSession.expires_at) > utcnow())
                )
            ).all()
        counts: dict[int, int] = {}
        for user_id in logins:
            counts[user_id] = counts.get(user_id, 0) + 1
        found = []
        for row in users:
            assert row.id is not None
            created = _aware(row.created_at)
            assert created is not None
            found.append(UserInfo(row.id, row.name, row.role, created, counts.get(row.id, 0)))
        return found

    async def delete_user(self, name: str) -> None:
        """The user goes, and with them every login session, at once."""
        async with self.db.write() as session:
            row = (await session.exec(select(User).where(User.name == name))).first()
            if row is None:
                raise NotFound(f"no user {name!r}")
            await session.exec(  # type: ignore[call-overload]
                delete(LoginSession).where(col(LoginSession.user_id) == row.id)
            )
            await session.delete(row)
        self.cache.changed("sessions")

    async def check_password(self, name: str, password: str) -> Principal | None:
        async with self.db.read() as session:
            row = (await session.exec(select(User).where(User.name == name))).first()
        # Checked against a dummy hash when there is no such user: timing tells no names apart.
        valid = await self.passwords.verify(row.password_hash if row else None, password)
        if not valid or row is None:
            return None
        assert row.id is not None
        return Principal("user", row.id, row.name, row.role)

    async def create_token(
        self,
        role: str,
        event_id: int | None = None,
        label: str = "",
        expires_at: datetime | None = None,
    ) -> str:
        """A new token's secret (only its hash is kept); refused after ``expires_at``."""
        secret, _ = await self.issue_token(role, event_id, label, expires_at)
        return secret

    async def issue_token(
        self,
        role: str,
        event_id: int | None = None,
        label: str = "",
        expires_at: datetime | None = None,
    ) -> tuple[str, TokenInfo]:
        """Like :meth:`create_token`, with the new token as staff see it."""
        if role not in ROLES:
            raise ValidationFailed(f"role must be one of {', '.join(ROLES)}")
        if expires_at is not None:
            expires_at = _aware(expires_at)
            assert expires_at is not None
            if expires_at <= self.now():
                raise ValidationFailed("the expiry must be in the future")
        token = new_token()
        row = ApiToken(
            token_hash=self._hash(token),
            role=role,
            event_id=event_id,
            label=label,
            expires_at=expires_at,
        )
        async with self.db.write() as session:
            session.add(row)
        self.cache.changed("tokens")
        return token, await self.get_token(row.id or 0)

    async def list_tokens(self, event_id: int | None = None) -> list[TokenInfo]:
        """Every token, or those limited to ``event_id``; newest first."""
        query = (
            select(ApiToken, Event.slug)
            .join(Event, col(Event.id) == ApiToken.event_id, isouter=True)
            .order_by(col(ApiToken.id).desc())
        )
        if event_id is not None:
            query = query.where(ApiToken.event_id == event_id)
        async with self.db.read() as session:
            rows = (await session.exec(query)).all()
        found = []
        for row, slug in rows:
            assert row.id is not None
            created = _aware(row.created_at)
            assert created is not None
            found.append(
                TokenInfo(
                    row.id,
                    row.label or f"{row.role}-{row.id}",
                    row.role,
                    row.event_id,
                    slug,
                    created,
                    _aware(row.last_used_at),
                    _aware(row.expires_at),
                )
            )
        return found

    async def get_token(self, token_id: int) -> TokenInfo:
        for info in await self.list_tokens():  # staff pages list a handful of tokens
            if info.id == token_id:
                return info
        raise NotFound(f"no token {token_id}")

    async def revoke_token(self, token_id: int) -> None:
        """The token is deleted and refused at once, here and on every instance."""
        async with self.db.write() as session:
            row = await session.get(ApiToken, token_id)
            if row is None:
                raise NotFound(f"no token {token_id}")
            await session.delete(row)
        self._touched.pop(token_id, None)
        self.cache.changed("tokens")

    async def token_principal(self, token: str) -> Principal | None:
        """Who the token is, from memory when seen before; unknown tokens are not remembered
        (a token made meanwhile on another instance works at once)."""
        digest = self._hash(token)
        known = self.cache.get("tokens", digest)
        if known is None:
            generation = self.cache.generation("tokens")
            async with self.db.read() as session:
                query = select(ApiToken).where(ApiToken.token_hash == digest)
                row = (await session.exec(query)).first()
            if row is None:
                return None
            assert row.id is not None
            principal = Principal(
                "token", row.id, row.label or f"{row.role}-{row.id}", row.role, row.event_id
            )
            known = (principal, _aware(row.expires_at))
            self.cache.put("tokens", digest, known, generation)
        principal, expires = known
        if expires is not None and expires <= self.now():
            return None
        await self._touch(principal.id)
        return principal  # type: ignore[no-any-return]

    async def _touch(self, token_id: int) -> None:
        """Record the token's use, at most once a :data:`TOUCH_SECONDS` per token."""
        now = self._clock()
        last = self._touched.get(token_id)
        if last is not None and now - last < TOUCH_SECONDS:
            return
        if len(self._touched) >= 10_000:
            self._touched.clear()
        self._touched[token_id] = now
        async with self.db.write() as session:
            await session.exec(  # type: ignore[call-overload]
                update(ApiToken).where(col(ApiToken.id) == token_id).values(last_used_at=utcnow())
            )

    async def open_session(self, user: Principal, hours: int) -> tuple[str, str]:
        """A new login session: the cookie value and its CSRF token."""
        cookie = new_token("wss")
        csrf = secrets.token_urlsafe(24)
        async with self.db.write() as session:
            await session.exec(  # type: ignore[call-overload]
                delete(LoginSession).where(col(LoginSession.expires_at) < utcnow())
            )
            session.add(
                LoginSession(
                    token_hash=self._hash(cookie),
                    user_id=user.id,
                    csrf_token=csrf,
                    expires_at=utcnow() + timedelta(hours=hours),
                )
            )
        return cookie, csrf

    async def session_principal(self, cookie: str) -> Principal | None:
        digest = self._hash(cookie)
        known = self.cache.get("sessions", digest)
        if known is None:
            generation = self.cache.generation("sessions")
            async with self.db.read() as session:
                query = (
                    select(LoginSession, User)
                    .join(User, col(User.id) == LoginSession.user_id)
                    .where(LoginSession.token_hash == digest)
                )
                found = (await session.exec(query)).first()
            if found is None:
                return None
            login, user = found
            assert user.id is not None
            expires = login.expires_at
            principal = Principal("user", user.id, user.name, user.role, None, login.csrf_token)
            known = (principal, expires if expires.tzinfo else expires.replace(tzinfo=UTC))
            self.cache.put("sessions", digest, known, generation)
        principal, expires = known
        if expires < datetime.now(UTC):
            return None
        return principal  # type: ignore[no-any-return]

    async def close_session(self, cookie: str) -> None:
        async with self.db.write() as session:
            await session.exec(  # type: ignore[call-overload]
                delete(LoginSession).where(col(LoginSession.token_hash) == self._hash(cookie))
            )
        self.cache.changed("sessions")
