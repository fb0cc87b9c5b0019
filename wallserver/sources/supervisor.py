"""The supervisor: every running source as a task it owns, restarted and backed off as needed.

Every ``lease_interval`` seconds it reconciles what runs here with the ``source`` table: running
sources whose lease it can take are started, paused/failed/deleted ones are stopped, and so are
those of an event that does not take posts (in draft, or ended: ``wallserver/lifecycle.py``).
A running source whose config or followed tags changed (the event's hashtags were edited) is
restarted, so its next request asks for the new tags (``follows.py``).
A source's task never ends the app: transient failures back off with jitter, rate limits wait
as long as the network asks, permanent failures mark the source ``failed`` with the reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections import Counter
from dataclasses import dataclass, field

import httpx

from wallserver import netpolicy
from wallserver.lifecycle import TAKING_POSTS
from wallserver.sources import connectors
from wallserver.sources.context import Context
from wallserver.sources.failures import Permanent, RateLimited, SourceFailure
from wallserver.sources.follows import cursor_for, follows
from wallserver.sources.items import MalformedPayload
from wallserver.sources.leases import Leases
from wallserver.sources.sink import Sink
from wallserver.store import EventInfo, Store
from wallserver.store.sources import SourceInfo

log = logging.getLogger(__name__)
REFUSED = "this address is not allowed for sources (only public addresses are)"


@dataclass
class Backoff:
    base: float = 1.0
    cap: float = 300.0

    def delay(self, attempt: int) -> float:
        """Exponential with full jitter in its upper half, so instances do not retry in step."""
        # The exponent is bounded: a source failing for days reaches attempt 1024, and 2**1024
        # does not fit a float (the task died of OverflowError).
        return min(self.cap, self.base * 2 ** min(attempt, 64)) * random.uniform(0.5, 1.0)


@dataclass
class Running:
    task: asyncio.Task[None]
    ctx: Context | None = None


@dataclass
class Supervisor:
    store: Store
    sink: Sink
    leases: Leases
    backoff: Backoff = field(default_factory=Backoff)
    lease_interval: float = 10.0
    poll_floor: float = 30.0
    reconcile_every: float = 300.0
    enabled: bool = True
    allow: tuple[netpolicy.Network, ...] = ()  # networks reached besides public addresses
    rounds: int = 0  # reconciliations done, for tests and the curious
    running: dict[int, Running] = field(default_factory=dict)
    failures: Counter[int] = field(default_factory=Counter)  # failed attempts here, for /metrics
    _loop: asyncio.Task[None] | None = None
    _http: httpx.AsyncClient | None = None
    _wake: asyncio.Event = field(default_factory=asyncio.Event)

    async def start(self) -> None:
        self._http = netpolicy.client(
            self.allow, timeout=httpx.Timeout(15.0), headers={"User-Agent": "wallserver"}
        )
        if self.enabled:
            self._loop = asyncio.create_task(self._reconcile_forever(), name="sources-supervisor")

    async def close(self) -> None:
        if self._loop is not None:
            self._loop.cancel()
            await asyncio.wait({self._loop})  # a cancel of close() itself is not swallowed
        for source_id in list(self.running):
            await self._stop(source_id)
        await self.leases.close()
        if self._http is not None:
            await self._http.aclose()

    def wake(self) -> None:
        """Reconcile now (a source was added, paused, resumed or removed here)."""
        self._wake.set()

    def connected(self, source_id: int) -> bool:
        run = self.running.get(source_id)
        return bool(run and run.ctx and run.ctx.connected)

    async def probe(self, source: SourceInfo) -> None:
        """Test the connection once; raises :class:`SourceFailure` with the reason."""
        assert self._http is not None
        event = await self.store.events.get_by_id(source.event_id)
        ctx = Context(source, event, self.store, self.sink, self._http, self.poll_floor)
        try:
            await connectors.probe(source.kind)(ctx)
        except netpolicy.AddressRefused as exc:
            # One answer whatever lies behind: the test must not map the server's network.
            raise SourceFailure(REFUSED) from exc
        except httpx.TransportError as exc:
            raise SourceFailure(f"could not reach the source ({type(exc).__name__})") from exc
        except httpx.HTTPError as exc:
            raise SourceFailure(f"{type(exc).__name__}: {exc}") from exc

    async def _reconcile_forever(self) -> None:
        while True:
            try:
                await self.reconcile()
            except Exception:
                log.exception("reconciling sources failed; trying again")
            self.rounds += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.lease_interval)
            self._wake.clear()

    async def reconcile(self) -> None:
        if not await self.leases.healthy():
            for source_id in list(self.running):  # the locks went with the connection
                await self._stop(source_id, release=False)
        taking = {e.id: e for e in await self.store.events.all() if e.state in TAKING_POSTS}
        wanted = {
            s.id: s
            for s in await self.store.sources.all()
            if s.state == "running" and s.kind in RUNNABLE and s.event_id in taking
        }
        for source_id, run in list(self.running.items()):
            source = wanted.get(source_id)
            if source is None or run.task.done() or changed(run, source, taking[source.event_id]):
                await self._stop(source_id)
        for source_id in wanted:
            if source_id not in self.running and await self.leases.acquire(source_id):
                task = asyncio.create_task(self._run(source_id), name=f"source-{source_id}")
                self.running[source_id] = Running(task)

    async def _stop(self, source_id: int, release: bool = True) -> None:
        run = self.running.pop(source_id, None)
        if run is None:
            return
        while not run.task.done():  # a library may swallow one cancellation; insist
            run.task.cancel()
            await asyncio.wait({run.task}, timeout=1.0)
        if not run.task.cancelled() and run.task.exception() is not None:
            log.warning("source %s ended with an error", source_id, exc_info=run.task.exception())
        if release:
            try:
                await self.leases.release(source_id)
            except Exception:
                log.warning("releasing the lease of source %s failed", source_id, exc_info=True)

    async def _run(self, source_id: int) -> None:
        attempt = 0
        while True:
            delay = self.backoff.delay(attempt)
            try:
                source = await self.store.sources.get(source_id)
                if source.state != "running":
                    return
                event = await self.store.events.get_by_id(source.event_id)
                assert self._http is not None
                ctx = Context(source, event, self.store, self.sink, self._http, self.poll_floor)
                ctx.cursor = cursor_for(source, event)
                ctx.reconcile_every = self.reconcile_every
                self.running[source_id].ctx = ctx
                await connectors.loop(source.kind)(ctx)
                raise SourceFailure("the connector stopped")
            except Permanent as exc:
                log.warning("source %s stopped: %s", source_id, exc)
                self.failures[source_id] += 1
                await self.store.sources.set_state(source_id, "failed", str(exc))
                return
            except RateLimited as exc:
                delay = max(exc.retry_after, self.backoff.base)
                await self._note(source_id, str(exc))
            except (SourceFailure, httpx.HTTPError, MalformedPayload, OSError) as exc:
                log.info("source %s: %s; retrying", source_id, exc, exc_info=True)
                await self._note(source_id, f"{type(exc).__name__}: {exc}")
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.exception("source %s crashed; retrying", source_id)
                await self._note(source_id, f"{type(exc).__name__}: {exc}")
            run = self.running.get(source_id)
            if run is not None and run.ctx is not None:
                run.ctx.connected = False
                attempt = 0 if run.ctx.progress else attempt + 1
                delay = delay if not run.ctx.progress else min(delay, self.backoff.base)
            else:
                attempt += 1
            await asyncio.sleep(delay)

    async def _note(self, source_id: int, error: str) -> None:
        self.failures[source_id] += 1
        try:
            await self.store.sources.note_error(source_id, error)
        except Exception:
            log.warning("could not record the error of source %s", source_id, exc_info=True)


def changed(run: Running, source: SourceInfo, event: EventInfo) -> bool:
    """Whether a running source reads something else now: its config, or what it follows."""
    if run.ctx is None:  # not started yet: it will read the current rows
        return False
    was = run.ctx.source, run.ctx.event
    return was[0].config != source.config or follows(*was) != follows(source, event)


RUNNABLE = frozenset({"mastodon", "rss", "bluesky", "x", "instagram"})
