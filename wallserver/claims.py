"""Claims shared by every instance: which moderator is reviewing which post, until when.

A claim steers which posts a console offers; it is not a lock (decisions go by version). The
table is chosen by the broker URL's scheme, like the broker, and imported lazily:

- ``memory://`` serves one instance, so its claims live in that process
  (:class:`moderation.claims.ClaimBook`);
- ``redis://`` serves several instances that must agree: each claim is a Redis key per post,
  ``"<until>|<holder>"`` with the claim's time to live, and a script claims or releases a whole
  batch atomically, so two instances never give one post to two moderators at once;
- ``postgresql://`` (the LISTEN/NOTIFY broker) has no shared claims yet: each instance keeps its
  own, as for ``memory://``. Two moderators whose consoles are served by different instances may
  be offered the same post; the version check still lets only one decision through (the other
  gets a 409). Deployments with several moderators behind several instances use ``redis://``.

Claims are cheap to lose: when Redis cannot be reached, claiming "succeeds" (consoles may then
overlap; versions still settle races), listing shows no holders, and a warning is logged.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from moderation.claims import Claim, ClaimBook

if TYPE_CHECKING:
    import redis.asyncio as aioredis

log = logging.getLogger(__name__)

TTL_SECONDS = 60.0


class ClaimTable(Protocol):
    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def claim(
        self, event_id: int, post_ids: Sequence[int], holder: str
    ) -> tuple[list[Claim], list[Claim]]:
        """Claim (or renew) each post for ``holder``; returns what it got and what others hold."""
        ...

    async def release(self, event_id: int, post_ids: Sequence[int], holder: str) -> list[int]:
        """Drop ``holder``'s claims on these posts; returns the ones released."""
        ...

    async def holders(self, event_id: int, post_ids: Sequence[int]) -> dict[int, str]:
        """Who holds a live claim on each of these posts (unclaimed ones are left out)."""
        ...


def create_claims(broker_url: str, namespace: str = "") -> ClaimTable:
    scheme = broker_url.split(":", 1)[0]
    if scheme in ("redis", "rediss"):
        return RedisClaims(broker_url, namespace)
    return LocalClaims()


class LocalClaims:
    """One process's claims, for the embedded single-instance deployment: a book per event, so a
    post id claimed in one event says nothing about another event's posts (as Redis keys hold
    the event too)."""

    def __init__(self, ttl: float = TTL_SECONDS, clock: Callable[[], float] = time.time) -> None:
        self.ttl = ttl
        self.books: dict[int, ClaimBook] = {}
        self.clock = clock

    def book(self, event_id: int) -> ClaimBook:
        book = self.books.get(event_id)
        if book is None:
            book = self.books[event_id] = ClaimBook(ttl=self.ttl)
        return book

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def claim(
        self, event_id: int, post_ids: Sequence[int], holder: str
    ) -> tuple[list[Claim], list[Claim]]:
        return self.book(event_id).claim(list(post_ids), holder, self.clock())

    async def release(self, event_id: int, post_ids: Sequence[int], holder: str) -> list[int]:
        book = self.books.get(event_id)
        return book.release(list(post_ids), holder, self.clock()) if book else []

    async def holders(self, event_id: int, post_ids: Sequence[int]) -> dict[int, str]:
        book = self.books.get(event_id)
        if book is None:
            return {}
        now = self.clock()
        found = {post_id: book.holder(post_id, now) for post_id in post_ids}
        return {post_id: holder for post_id, holder in found.items() if holder is not None}


# KEYS: one per post. ARGV: holder, until (POSIX seconds), time to live in ms. Returns, per post,
# the claim that stands afterwards: the caller's, or the other holder's it found.
CLAIM = """
local out = {}
local mine = ARGV[2] .. '|' .. ARGV[1]
for i, key in ipairs(KEYS) do
  local current = redis.call('GET', key)
  if current and string.sub(current, string.find(current, '|', 1, true) + 1) ~= ARGV[1] then
    out[i] = current
  else
    redis.call('SET', key, mine, 'PX', ARGV[3])
    out[i] = mine
  end
end
return out
"""

# KEYS: one per post. ARGV: holder. Returns, per post, 1 if the holder's claim was dropped.
RELEASE = """
local out = {}
for i, key in ipairs(KEYS) do
  local current = redis.call('GET', key)
  out[i] = 0
  if current and string.sub(current, string.find(current, '|', 1, true) + 1) == ARGV[1] then
    redis.call('DEL', key)
    out[i] = 1
  end
end
return out
"""


class RedisClaims:
    """Claims every instance of a deployment shares, in Redis (see the module docstring)."""

    def __init__(
        self,
        url: str,
        namespace: str = "",
        ttl: float = TTL_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.url = url
        self.prefix = f"wallserver:{namespace}:" if namespace else "wallserver:"
        self.ttl = ttl
        self.clock = clock
        self._client: aioredis.Redis | None = None
        self._claim: Any = None
        self._release: Any = None

    async def start(self) -> None:
        import redis.asyncio as aioredis

        self._client = aioredis.from_url(self.url, decode_responses=True)
        self._claim = self._client.register_script(CLAIM)
        self._release = self._client.register_script(RELEASE)

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()

    def key(self, event_id: int, post_id: int) -> str:
        # The event in braces is Redis Cluster's hash tag: one batch's keys share a slot.
        return f"{self.prefix}claim:{{{event_id}}}:{post_id}"

    async def claim(
        self, event_id: int, post_ids: Sequence[int], holder: str
    ) -> tuple[list[Claim], list[Claim]]:
        until = self.clock() + self.ttl
        if not post_ids:
            return [], []
        from redis.exceptions import RedisError

        keys = [self.key(event_id, p) for p in post_ids]
        try:
            values = await self._claim(keys=keys, args=[holder, repr(until), int(self.ttl * 1000)])
        except RedisError:
            log.warning("claims: Redis unreachable; claiming without it", exc_info=True)
            return [Claim(p, holder, until) for p in post_ids], []
        got: list[Claim] = []
        taken: list[Claim] = []
        for post_id, value in zip(post_ids, values, strict=True):
            claim = _parse(post_id, value)
            (got if claim.holder == holder else taken).append(claim)
        return got, taken

    async def release(self, event_id: int, post_ids: Sequence[int], holder: str) -> list[int]:
        if not post_ids:
            return []
        from redis.exceptions import RedisError

        try:
            dropped = await self._release(
                keys=[self.key(event_id, p) for p in post_ids], args=[holder]
            )
        except RedisError:
            log.warning("claims: Redis unreachable; could not release", exc_info=True)
            return []
        return [p for p, done in zip(post_ids, dropped, strict=True) if int(done)]

    async def holders(self, event_id: int, post_ids: Sequence[int]) -> dict[int, str]:
        if not post_ids:
            return {}
        from redis.exceptions import RedisError

        assert self._client is not None, "claims not started"
        try:
            values = await self._client.mget([self.key(event_id, p) for p in post_ids])
        except RedisError:
            log.warning("claims: Redis unreachable; showing no holders", exc_info=True)
            return {}
        return {
            post_id: _parse(post_id, value).holder
            for post_id, value in zip(post_ids, values, strict=True)
            if value is not None
        }


def _parse(post_id: int, value: str | bytes) -> Claim:
    text = value.decode() if isinstance(value, bytes) else str(value)
    until, _, holder = text.partition("|")
    return Claim(post_id, holder, float(until))
