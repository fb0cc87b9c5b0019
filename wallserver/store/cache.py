"""What nearly every request reads and hardly ever changes: events, API tokens, login sessions.

Each was an ORM session per request (1.2-1.6 ms of CPU each, see docs/performance.md); here they
are kept in memory. A write through this store forgets its kind at once and tells the listeners
(the app relays the change to the other instances over the broker, whose listeners call
:meth:`Cache.forget`). A change made where no broker reaches (the CLI in another process on the
embedded default) is seen after ``ttl`` seconds at the latest.

A read that raced a change must not put the old value back: each kind has a generation, taken
before the database read and checked when the answer is put.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

KINDS = ("events", "tokens", "sessions")
MAX_ENTRIES = 10_000  # per kind: tokens and sessions are per person; events are few


class Cache:
    def __init__(self, ttl: float = 30.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.clock = clock
        self._entries: dict[str, dict[Any, tuple[float, Any]]] = {k: {} for k in KINDS}
        self._generation = dict.fromkeys(KINDS, 0)
        self.listeners: list[Callable[[str], None]] = []
        self._waiters: list[asyncio.Future[str]] = []

    def next_change(self) -> asyncio.Future[str]:
        """Resolves with the kind at the next :meth:`forget` (here or announced by another
        instance): open sockets re-check their caller's token or session then."""
        waiter = asyncio.get_running_loop().create_future()
        self._waiters = [w for w in self._waiters if not w.done()]
        self._waiters.append(waiter)
        return waiter

    def generation(self, kind: str) -> int:
        return self._generation[kind]

    def get(self, kind: str, key: Any) -> Any | None:
        found = self._entries[kind].get(key)
        if found is None:
            return None
        at, value = found
        if self.clock() - at > self.ttl:
            del self._entries[kind][key]
            return None
        return value

    def put(self, kind: str, key: Any, value: Any, generation: int) -> None:
        """Keep ``value`` unless the kind changed since ``generation`` was read."""
        if generation != self._generation[kind]:
            return
        entries = self._entries[kind]
        if len(entries) >= MAX_ENTRIES:
            entries.clear()
        entries[key] = (self.clock(), value)

    def forget(self, kind: str) -> None:
        """Drop every entry of ``kind`` (a change here or on another instance)."""
        self._generation[kind] += 1
        self._entries[kind].clear()
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(kind)

    def changed(self, kind: str) -> None:
        """A write through this store changed ``kind``: forget it and tell the listeners."""
        self.forget(kind)
        for listener in self.listeners:
            listener(kind)
