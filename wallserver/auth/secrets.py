"""Hashing of passwords (argon2) and of random bearer secrets (SHA-256)."""

from __future__ import annotations

import asyncio
import functools
import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


@functools.cache
def _dummy() -> str:
    """A hash to check against when the user does not exist, so timing does not tell names
    apart. Made at the first login, not at import (argon2 takes a fifth of a second, which every
    command and test process would pay)."""
    return _hasher.hash("wallserver-dummy-password")


ROLES = ("admin", "moderator", "display", "ingest")
USER_ROLES = ("admin", "moderator")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored or _dummy(), password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


class PasswordSlots:
    """argon2 in worker threads, at most ``slots`` at a time.

    One hash or check takes 64 MiB and tens of milliseconds of a core. On the event loop, eight
    parallel wrong passwords stalled every socket and page (``/healthz`` took over a second);
    unbounded in threads, a flood of logins would take the machine's memory and cores. Logins
    past the slots wait their turn without blocking anything else.
    """

    def __init__(self, slots: int = 2) -> None:
        self._slots = asyncio.Semaphore(slots)

    async def hash(self, password: str) -> str:
        async with self._slots:
            return await asyncio.to_thread(hash_password, password)

    async def verify(self, stored: str | None, password: str) -> bool:
        async with self._slots:
            return await asyncio.to_thread(verify_password, stored, password)


def new_token(prefix: str = "wst") -> str:
    """A fresh bearer secret; only its hash is stored."""
    return f"{prefix}_{secrets.token_urlsafe(32)}"


def token_hash(token: str, key: str) -> str:
    """HMAC-SHA256 with the server's secret key: a copy of the database alone verifies nothing."""
    return hmac.new(key.encode(), token.encode(), hashlib.sha256).hexdigest()
