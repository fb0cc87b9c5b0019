"""Who is showing which screen: heartbeats from wall pages, kept where every instance sees them.

A wall page sends a heartbeat on its wall socket every 10 s (docs/screens.md). The server checks
each frame (at most 2 KiB, the contract's shape, else it is ignored), lets one connection speak
for one client at a steady rate, and records the beat in the broker's presence table (in process
for ``memory://``, in Redis for ``redis://``, in each instance's memory and shared by NOTIFY for
``postgresql://``), so the control page sees every screen whichever
instance it asks.

A client is online while its last beat is at most 30 s old. Offline clients stay listed for 10
minutes, so staff can see which screen dropped and when. The table is bounded per event: clients
whose socket carries a token of the event (``?token=`` on the wall URL) get 150 places, anonymous
ones 50, so a flood of made-up beats cannot push the real screens out. A full table makes room by
dropping the client seen longest ago, if that one is offline; otherwise the new client is not
listed until a place frees up.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from wallserver import protocol
from wallserver.broker import Broker
from wallserver.screens.config import MAIN, NAME

log = logging.getLogger(__name__)

MAX_FRAME = 2048  # characters of one client frame; longer ones are dropped unread
ONLINE_SECONDS = 30.0
KEEP_SECONDS = 600.0
LIMITS = {True: 150, False: 50}  # places per event for clients with and without a token
BURST = 5  # beats a connection may send at once (after hello, after a change) ...
PER_SECOND = 1.0  # ... and at what rate that allowance refills


class Heartbeat(BaseModel):
    """The frame a wall page sends; unknown keys are ignored (newer pages may send more)."""

    model_config = ConfigDict(extra="ignore", strict=True)

    type: Literal["heartbeat"]
    screen: str = Field(pattern=f"^{NAME.pattern}$")
    client: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")
    width: int = Field(ge=0, le=100_000)
    height: int = Field(ge=0, le=100_000)
    layout: str = Field(default="", pattern=r"^[a-z0-9-]{0,32}$")
    last_seq: int = Field(default=0, ge=0, le=2**63 - 1)
    version: str = Field(default="", max_length=40)
    offline_since: float | str | None = None


def parse(frame: str) -> Heartbeat | None:
    """The heartbeat in a client frame, or ``None`` for anything else (never raises)."""
    if len(frame) > MAX_FRAME:
        return None
    try:
        data = json.loads(frame)
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get("type") != protocol.HEARTBEAT:
        return None
    offline = data.get("offline_since")
    if isinstance(offline, int) and not isinstance(offline, bool):
        data["offline_since"] = float(offline)  # strict mode takes no int for a float
    elif isinstance(offline, str) and len(offline) > 40:
        return None
    try:
        return Heartbeat.model_validate(data)
    except ValidationError:
        return None


@dataclass(frozen=True, slots=True)
class Beat:
    """A client's last heartbeat as the control page sees it."""

    client: str
    screen: str
    width: int
    height: int
    layout: str
    last_seq: int
    version: str
    offline_since: float | str | None
    seen_at: float
    trusted: bool

    def view(self, now: float) -> dict[str, Any]:
        return {**asdict(self), "online": now - self.seen_at <= ONLINE_SECONDS}


class Presence:
    def __init__(self, broker: Broker, clock: Callable[[], float] = time.time) -> None:
        self.broker = broker
        self.clock = clock

    async def beat(self, event_id: int, heartbeat: Heartbeat, trusted: bool) -> bool:
        """Record a heartbeat; False when the event's table has no place for a new client."""
        now = self.clock()
        beat = Beat(
            client=heartbeat.client,
            screen=heartbeat.screen,
            width=heartbeat.width,
            height=heartbeat.height,
            layout=heartbeat.layout,
            last_seq=heartbeat.last_seq,
            version=heartbeat.version,
            offline_since=heartbeat.offline_since,
            seen_at=round(now, 3),
            trusted=trusted,
        )
        return await self.broker.presence_put(
            _group(event_id, trusted),
            heartbeat.client,
            json.dumps(asdict(beat), separators=(",", ":")),
            at=now,
            expire_before=now - KEEP_SECONDS,
            evict_before=now - ONLINE_SECONDS,
            limit=LIMITS[trusted],
        )

    async def clients(self, event_id: int) -> list[Beat]:
        """Every client seen in the last 10 minutes, newest beat first. A client that shows up
        in both tables (it reconnected with or without a token) is listed once, as last seen."""
        after = self.clock() - KEEP_SECONDS
        latest: dict[str, Beat] = {}
        for trusted in (True, False):
            for value, _ in await self.broker.presence_list(_group(event_id, trusted), after=after):
                try:
                    beat = Beat(**json.loads(value))
                except (ValueError, TypeError):
                    continue
                known = latest.get(beat.client)
                if known is None or known.seen_at < beat.seen_at:
                    latest[beat.client] = beat
        return sorted(latest.values(), key=lambda b: b.seen_at, reverse=True)


def _group(event_id: int, trusted: bool) -> str:
    return f"presence:{event_id}:{'token' if trusted else 'open'}"


class Listener:
    """Reads one wall connection's frames: heartbeats go to presence, anything else is ignored.

    One connection speaks for one client (the first id it sends) and for screens that exist;
    beats beyond the allowance are dropped. Nothing a client sends can end its connection.
    """

    def __init__(
        self,
        presence: Presence,
        screen_exists: Callable[[str], Awaitable[bool]],
        event_id: int,
        trusted: bool,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.presence = presence
        self.screen_exists = screen_exists
        self.event_id = event_id
        self.trusted = trusted
        self.clock = clock
        self.client: str | None = None
        self.screen = ""  # the screen of the last beat recorded ("" before the first)
        self.screens: set[str] = {MAIN}
        self.allowance = float(BURST)
        self.refilled = clock()

    def _admit(self) -> bool:
        now = self.clock()
        self.allowance = min(BURST, self.allowance + (now - self.refilled) * PER_SECOND)
        self.refilled = now
        if self.allowance < 1:
            return False
        self.allowance -= 1
        return True

    async def receive(self, frame: str) -> None:
        heartbeat = parse(frame)
        if heartbeat is None or not self._admit():
            return
        if self.client is None:
            self.client = heartbeat.client
        elif heartbeat.client != self.client:
            return
        try:
            if heartbeat.screen not in self.screens:
                if not await self.screen_exists(heartbeat.screen):
                    return
                self.screens.add(heartbeat.screen)
            self.screen = heartbeat.screen
            await self.presence.beat(self.event_id, heartbeat, self.trusted)
        except Exception:  # presence is a convenience: a broker outage must not drop screens
            log.warning("could not record a heartbeat", exc_info=True)
