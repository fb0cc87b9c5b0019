"""PostgreSQL LISTEN/NOTIFY broker: several instances with only PostgreSQL, no Redis.

Every logical channel of a deployment travels on one PostgreSQL channel, ``wallserver_<namespace>``
(PostgreSQL channel names are identifiers of at most 63 bytes, and one ``LISTEN`` is all a
reconnect has to restore). A payload is ``<kind><channel>\\n<body>``:

- ``m``: a message for the channel's subscribers;
- ``l``: "lost": the message did not fit in a NOTIFY payload (under 8000 bytes), so only this
  doorbell is sent and subscribers get ``None``; the hub then reads the wall log, the moderation
  feed tells its console to reload, exactly as after a reconnect;
- ``p``: a presence beat (JSON), applied to every instance's copy of the presence table.

One dedicated connection listens; it reconnects with backoff and jitter, and once it listens again
every subscriber gets ``None`` (notifications sent meanwhile are gone). A quiet connection is
probed every :data:`PROBE_SECONDS`, and TCP keepalives catch a peer that vanished without a word.
Publishing goes through a second connection (``notifies()`` holds the listening one's lock),
reopened once when it fails.

Presence is kept in each instance's memory and shared through NOTIFY instead of a table: an
instance that starts (or reconnects) lists a screen again after its next heartbeat, 10 s at most,
which the base class allows ("losing it costs one heartbeat interval").
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from typing import Any

import psycopg
from psycopg import sql

from wallserver.broker.base import LocalSubscribers
from wallserver.broker.presence import PresenceTable

log = logging.getLogger(__name__)

MAX_PAYLOAD = 7999  # bytes; PostgreSQL refuses a NOTIFY payload of 8000 bytes or more
PROBE_SECONDS = 15.0  # a listening connection quiet this long is asked whether it is alive


def libpq_url(url: str) -> str:
    """The URL libpq understands: SQLAlchemy's ``postgresql+psycopg://`` without the driver."""
    for prefix in ("postgresql+psycopg://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql://" + url[len(prefix) :]
    return url


class PostgresBroker(LocalSubscribers):
    def __init__(self, url: str, namespace: str = "") -> None:
        self.url = libpq_url(url)
        self.pg_channel = f"wallserver_{namespace}" if namespace else "wallserver"
        super().__init__()
        self._presence = PresenceTable()
        self._listener: psycopg.AsyncConnection[Any] | None = None
        self._reader: asyncio.Task[None] | None = None
        self._publisher: psycopg.AsyncConnection[Any] | None = None
        self._publish_lock = asyncio.Lock()

    @property
    def listener_pid(self) -> int | None:
        """The listening connection's backend process (tests terminate it)."""
        conn = self._listener
        return None if conn is None or conn.closed else conn.info.backend_pid

    async def start(self) -> None:
        self._listener = await self._listen()
        self._reader = asyncio.create_task(self._read(), name="postgres-broker-reader")

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            await asyncio.gather(self._reader, return_exceptions=True)
        for conn in (self._listener, self._publisher):
            if conn is not None:
                await conn.close()
        self._subs.clear()
        self._presence.clear()

    async def ping(self) -> None:
        """Ready while the listening connection is up (its reader probes it when quiet and
        reopens it when lost); it cannot run a query of ours while it waits for NOTIFYs."""
        if self._listener is None or self._listener.closed:
            raise ConnectionError("the listening connection is down")

    async def publish(self, channel: str, message: str) -> None:
        payload = f"m{channel}\n{message}"
        if len(payload.encode()) > MAX_PAYLOAD:
            payload = f"l{channel}\n"  # too big for NOTIFY: ring the bell, readers catch up
        await self._notify(payload)

    async def presence_put(
        self,
        group: str,
        member: str,
        value: str,
        *,
        at: float,
        expire_before: float,
        evict_before: float,
        limit: int,
    ) -> bool:
        beat = {
            "group": group,
            "member": member,
            "value": value,
            "at": at,
            "expire_before": expire_before,
            "evict_before": evict_before,
            "limit": limit,
        }
        if not self._apply_presence(beat):
            return False
        await self._notify("p\n" + json.dumps(beat, separators=(",", ":")))
        return True

    async def presence_list(self, group: str, *, after: float) -> list[tuple[str, float]]:
        return self._presence.list(group, after=after)

    async def _connect(self) -> psycopg.AsyncConnection[Any]:
        return await psycopg.AsyncConnection.connect(
            self.url,
            autocommit=True,
            application_name="wallserver-broker",
            # a peer that vanished without closing (a dead NAT, a pulled cable) is noticed in ~25 s
            keepalives=1,
            keepalives_idle=10,
            keepalives_interval=5,
            keepalives_count=3,
        )

    async def _listen(self) -> psycopg.AsyncConnection[Any]:
        conn = await self._connect()
        try:
            await conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self.pg_channel)))
        except BaseException:
            await conn.close()
            raise
        return conn

    async def _notify(self, payload: str) -> None:
        async with self._publish_lock:
            for attempt in (1, 2):
                try:
                    if self._publisher is None or self._publisher.closed:
                        self._publisher = await self._connect()
                    await self._publisher.execute(
                        "SELECT pg_notify(%s, %s)", (self.pg_channel, payload)
                    )
                    return
                except psycopg.OperationalError:
                    if self._publisher is not None:
                        await self._publisher.close()
                        self._publisher = None
                    if attempt == 2:
                        raise
                    log.info("postgres broker: publishing connection lost; reopening")

    async def _read(self) -> None:
        backoff = 0.5
        while True:
            conn = self._listener
            try:
                if conn is None or conn.closed:
                    conn = self._listener = await self._listen()
                    for subs in self._subs.values():  # what was sent meanwhile is lost: catch up
                        for sub in subs:
                            sub.deliver(None)
                    log.info("postgres broker: listening again")
                backoff = 0.5
                while True:
                    async for notify in conn.notifies(timeout=PROBE_SECONDS):
                        self._dispatch(notify.payload)
                    await conn.execute("SELECT 1")  # quiet for a while: is anybody there?
            except (psycopg.Error, OSError):
                log.warning("postgres broker connection lost; reconnecting", exc_info=True)
                if conn is not None:
                    await conn.close()
                self._listener = None
                await asyncio.sleep(backoff + random.uniform(0, backoff))
                backoff = min(backoff * 2, 10.0)

    def _dispatch(self, payload: str) -> None:
        kind = payload[:1]
        head, _, body = payload[1:].partition("\n")
        if kind == "m":
            for sub in tuple(self._subs.get(head, ())):
                sub.deliver(body)
        elif kind == "l":
            for sub in tuple(self._subs.get(head, ())):
                sub.deliver(None)
        elif kind == "p":
            try:
                self._apply_presence(json.loads(body))
            except (ValueError, TypeError, KeyError):
                log.warning("postgres broker: unreadable presence beat", exc_info=True)
        else:
            log.warning("postgres broker: unknown payload kind %r", kind)

    def _apply_presence(self, beat: dict[str, Any]) -> bool:
        return self._presence.put(
            str(beat["group"]),
            str(beat["member"]),
            str(beat["value"]),
            at=float(beat["at"]),
            expire_before=float(beat["expire_before"]),
            evict_before=float(beat["evict_before"]),
            limit=int(beat["limit"]),
        )
