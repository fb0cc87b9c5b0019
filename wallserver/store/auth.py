"""Users, API tokens and login sessions (secrets stored hashed)."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from wallserver.auth.secrets import (
    ROLES,
    USER_ROLES,
    PasswordSlots,
    new_token,
    token_hash,
)
from wallserver.db.models import ApiToken, LoginSession, User, utcnow
from wallserver.errors import Conflict, ValidationFailed
from wallserver.posts.records import Principal
from wallserver.store.cache import Cache
from wallserver.store.database import Database


class AuthStore:
    def __init__(self, db: Database, key: str, cache: Cache | None = None) -> None:
        self.db = db
        self._key = key
        self.cache = cache or Cache()
        self.passwords = PasswordSlots()

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
        hashed = await self.passwords.hash(password)  # before the write lock, not under it
        async with self.db.write() as session:
            row = (await session.exec(select(User).where(User.name == name))).first()
            if row is None:
                raise ValidationFailed(f"no user {name!r}")
            row.password_hash = hashed
            session.add(row)
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

    async def create_token(self, role: str, event_id: int | None = None, label: str = "") -> str:
        if role not in ROLES:
            raise ValidationFailed(f"role must be one of {', '.join(ROLES)}")
        token = new_token()
        async with self.db.write() as session:
            session.add(
                ApiToken(token_hash=self._hash(token), role=role, event_id=event_id, label=label)
            )
        self.cache.changed("tokens")
        return token

    async def token_principal(self, token: str) -> Principal | None:
        """Who the token is, from memory when seen before; unknown tokens are not remembered
        (a token made meanwhile on another instance works at once)."""
        digest = self._hash(token)
        known = self.cache.get("tokens", digest)
        if known is not None:
            return known  # type: ignore[no-any-return]
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
        self.cache.put("tokens", digest, principal, generation)
        return principal

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
