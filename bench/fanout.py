"""Fan-out: how long until an approved post is on every screen, against the floor (issue #12).

Three servers run side by side, each with N lean viewers (``bench.lean_ws``, the same client
for all) that hold a wall socket and read ``hello``:

- **wallserver** (``wallserver serve``) on a fresh SQLite data directory with a pre-moderated
  event; a wall event is a post ingested (not timed) and approved over the HTTP API;
- **the floor** (``bench.floor_ws``): writes one pre-built frame to every socket on ``POST /fire``;
- **websockets.broadcast** (``bench.baseline_ws``), triggered over a control WebSocket.

The latency is from sending the trigger to the moment the **last** of the N viewers has the seq:
"every screen shows it". The servers take turns, one event each, so background load hits all
alike. The targets (issue #12, at 6,000 viewers): wallserver's p99 within 1.5x the floor's p99 of
the same run, and within 250 ms. ``--sustain S`` then approves one post per second for S seconds
on wallserver alone, every viewer getting every post once (issue #12: 10,000 viewers, a minute).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import httpx
from websockets.asyncio.client import ClientConnection, connect

from bench.lean_ws import Viewers, raise_fd_limit
from bench.payload import ingest_body
from bench.provision import Provisioned, provision
from bench.servers import HOST, Server, clean_env, free_port, python_module, running
from bench.stats import percentile
from bench.table import Row, Target

BENCH = "fanout"
MIB = 1024 * 1024
VIEWERS = 6000
JUDGED_FROM = 6000  # the hall; fewer viewers weigh an approval's fixed cost more

P99_TO_FLOOR = Target("<=", 1.5)
P99_MS = Target("<=", 250.0, absolute=True)


@dataclass(frozen=True, slots=True)
class FanoutConfig:
    viewers: int = VIEWERS
    sequential: int = 60
    warmup: int = 3
    timeout: float = 30.0  # per delivery wait and per request
    deflate: bool = False  # lean viewers, as in the issue; --deflate to offer compression
    sustain: float = 0.0  # seconds of one approval per second, wallserver alone
    rate: float = 1.0
    baselines: bool = True  # run the floor and websockets.broadcast beside wallserver

    @property
    def judged(self) -> bool:
        return self.viewers >= JUDGED_FROM and not self.deflate

    @classmethod
    def quick(cls) -> FanoutConfig:
        return cls(viewers=1000, sequential=30, warmup=2)


@dataclass
class FanoutRun:
    latencies: list[float] = field(default_factory=list)  # seconds, trigger sent -> all viewers
    round_trips: list[float] = field(default_factory=list)  # seconds, the trigger request alone
    cpu_seconds: float = 0.0  # the server's, over the timed events
    events: int = 0
    message_bytes: float = math.nan
    anomalies: int = 0
    rss: dict[str, int] = field(default_factory=dict)
    viewers: int = 0

    @property
    def cpu_per_event(self) -> float:
        return self.cpu_seconds / self.events if self.events else math.nan


class Trigger(Protocol):
    async def prepare(self, count: int) -> None:
        """Get ``count`` wall events ready to be triggered (not timed)."""

    async def fire(self) -> float:
        """Cause one wall event; return the round trip of the request that caused it."""


class Approvals:
    """wallserver: posts ingested into the pre-moderation queue, approved by a moderator."""

    def __init__(self, client: httpx.AsyncClient, wall: Provisioned) -> None:
        self.client = client
        self.wall = wall
        self.pending: deque[int] = deque()
        self.ingested = 0

    async def prepare(self, count: int) -> None:
        headers = {"Authorization": f"Bearer {self.wall.ingest_token}"}
        for _ in range(count):
            self.ingested += 1
            n = self.ingested
            reply = await self.client.post(
                f"/api/events/{self.wall.slug}/ingest",
                json=ingest_body(f"fanout-{n}", n),
                headers=headers,
            )
            if reply.status_code != 202 or reply.json()["status"] != "pending":
                raise RuntimeError(f"ingest answered {reply.status_code}: {reply.text[:200]}")
            self.pending.append(int(reply.json()["id"]))

    async def fire(self) -> float:
        post_id = self.pending.popleft()
        started = time.perf_counter()
        reply = await self.client.post(
            f"/api/posts/{post_id}/decision",
            json={"action": "approve", "version": 1},
            headers={"Authorization": f"Bearer {self.wall.moderator_token}"},
        )
        elapsed = time.perf_counter() - started
        if reply.status_code != 200:
            raise RuntimeError(f"approve answered {reply.status_code}: {reply.text[:200]}")
        return elapsed


class Fire:
    """The floor: ``POST /fire`` writes one pre-built frame to every viewer."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def prepare(self, count: int) -> None:
        return None

    async def fire(self) -> float:
        started = time.perf_counter()
        reply = await self.client.post("/fire")
        elapsed = time.perf_counter() - started
        if reply.status_code != 200:
            raise RuntimeError(f"fire answered {reply.status_code}")
        return elapsed


class ControlMessages:
    """The baseline: one message on a control WebSocket broadcasts one wall message."""

    def __init__(self, connections: list[ClientConnection]) -> None:
        self.idle: asyncio.Queue[ClientConnection] = asyncio.Queue()
        for ws in connections:
            self.idle.put_nowait(ws)

    async def prepare(self, count: int) -> None:
        return None

    async def fire(self) -> float:
        ws = await self.idle.get()
        try:
            started = time.perf_counter()
            await ws.send("go")
            await ws.recv()
            return time.perf_counter() - started
        finally:
            self.idle.put_nowait(ws)


@dataclass
class Side:
    """One server under test, its viewers, how to trigger a wall event, and what was measured."""

    server: Server
    viewers: Viewers
    trigger: Trigger
    result: FanoutRun = field(default_factory=FanoutRun)
    seq: int = 0

    async def connect(self, path: str) -> None:
        self.result.rss["idle"] = self.server.rss_bytes()
        await self.viewers.connect(self.server.ws_url + path)
        self.seq = self.viewers.start_seq
        self.result.rss["connected"] = self.server.rss_bytes()

    async def one(self, cfg: FanoutConfig, record: bool = True) -> float:
        """One wall event, timed from the trigger to the last viewer receiving it."""
        await self.trigger.prepare(1)
        cpu = self.server.cpu_seconds()
        started = time.perf_counter()
        round_trip = await self.trigger.fire()
        self.seq += 1
        done = await self.viewers.all_have(self.seq, cfg.timeout)
        if record:
            self.result.cpu_seconds += self.server.cpu_seconds() - cpu
            self.result.events += 1
            self.result.round_trips.append(round_trip)
            self.result.latencies.append(done - started)
        return done - started

    def finish(self) -> FanoutRun:
        self.result.rss["after"] = self.server.rss_bytes()
        self.result.message_bytes = self.viewers.mean_message_bytes
        self.result.anomalies = self.viewers.anomalies
        self.result.viewers = self.viewers.count
        return self.result


async def measure(sides: list[Side], cfg: FanoutConfig) -> None:
    """Warm-up, then one-at-a-time events, the servers taking turns (and changing order)."""
    for _ in range(cfg.warmup):
        for side in sides:
            await side.one(cfg, record=False)
    for i in range(cfg.sequential):
        turn = i % len(sides)
        for side in sides[turn:] + sides[:turn]:
            await side.one(cfg)
            await asyncio.sleep(0.05)  # let each server settle before the next one's event


@dataclass
class Sustained:
    posts: int = 0
    late: int = 0  # approvals that could not be sent on time because delivery lagged
    latencies: list[float] = field(default_factory=list)
    received: int = 0
    anomalies: int = 0
    cpu_seconds: float = 0.0
    seconds: float = 0.0


async def sustain(side: Side, cfg: FanoutConfig) -> Sustained:
    """One approval every ``1/rate`` s for ``cfg.sustain`` s; every viewer must get each post.

    Approvals go out on a fixed schedule whatever the delivery does; each is timed to its last
    viewer by a waiter of its own.
    """
    count = max(1, round(cfg.sustain * cfg.rate))
    await side.trigger.prepare(count)
    out = Sustained(posts=count)
    received_before = side.viewers.messages
    anomalies_before = side.viewers.anomalies
    cpu = side.server.cpu_seconds()
    began = time.perf_counter()

    async def deliver(seq: int, started: float) -> None:
        done = await side.viewers.all_have(seq, cfg.timeout)
        out.latencies.append(done - started)

    waits: list[asyncio.Task[None]] = []
    for i in range(count):
        due = began + i / cfg.rate
        now = time.perf_counter()
        if now < due:
            await asyncio.sleep(due - now)
        elif now - due > 0.5:
            out.late += 1
        started = time.perf_counter()
        await side.trigger.fire()
        side.seq += 1
        waits.append(asyncio.create_task(deliver(side.seq, started)))
    await asyncio.gather(*waits)
    out.seconds = time.perf_counter() - began
    out.cpu_seconds = side.server.cpu_seconds() - cpu
    out.received = side.viewers.messages - received_before
    out.anomalies = side.viewers.anomalies - anomalies_before
    return out


def ms(samples: list[float], pct: float) -> float:
    return percentile(samples, pct) * 1000


def rows(
    ours: FanoutRun, floor: FanoutRun | None, bcast: FanoutRun | None, cfg: FanoutConfig
) -> list[Row]:
    n = cfg.viewers

    def judged(target: Target) -> Target | None:
        return target if cfg.judged else None

    out: list[Row] = []
    if floor is not None:
        out += [
            Row(BENCH, f"p50 latency to all {n:,} viewers, vs floor (ms)",
                ms(ours.latencies, 50), ms(floor.latencies, 50)),
            Row(BENCH, f"p99 latency to all {n:,} viewers, vs floor (ms)",
                ms(ours.latencies, 99), ms(floor.latencies, 99), judged(P99_TO_FLOOR)),
        ]  # fmt: skip
    out.append(
        Row(BENCH, f"p99 latency to all {n:,} viewers (ms)", ms(ours.latencies, 99), None,
            judged(P99_MS))
    )  # fmt: skip
    if bcast is not None:
        out += [
            Row(BENCH, "p50 latency, vs websockets.broadcast (ms)", ms(ours.latencies, 50),
                ms(bcast.latencies, 50)),
            Row(BENCH, "p99 latency, vs websockets.broadcast (ms)", ms(ours.latencies, 99),
                ms(bcast.latencies, 99)),
        ]  # fmt: skip
    base = floor or bcast
    out += [
        Row(BENCH, "server CPU per wall event, vs floor (ms)", ours.cpu_per_event * 1000,
            base.cpu_per_event * 1000 if base else None, digits=2),
        Row(BENCH, "p50 trigger round trip (ms)", ms(ours.round_trips, 50),
            ms(base.round_trips, 50) if base else None),
        Row(BENCH, "message size (bytes)", ours.message_bytes,
            base.message_bytes if base else None, digits=0),
        Row(BENCH, "gaps + duplicates", ours.anomalies, base.anomalies if base else None,
            digits=0, must_be_zero=True),
        Row(BENCH, f"server RSS per viewer, {n:,} viewers (KiB)",
            (ours.rss["connected"] - ours.rss["idle"]) / 1024 / n,
            (base.rss["connected"] - base.rss["idle"]) / 1024 / n if base else None),
        Row(BENCH, "server RSS after posts (MiB)", ours.rss["after"] / MIB,
            base.rss["after"] / MIB if base else None),
    ]  # fmt: skip
    return out


def sustained_rows(run: Sustained, cfg: FanoutConfig) -> list[Row]:
    n = cfg.viewers
    expected = run.posts * n
    return [
        Row(BENCH, f"sustained: posts at {cfg.rate:g}/s over {run.seconds:.0f}s", run.posts,
            digits=0),
        Row(BENCH, f"sustained: p99 latency to all {n:,} viewers (ms)", ms(run.latencies, 99)),
        Row(BENCH, "sustained: max latency (ms)", ms(run.latencies, 100)),
        Row(BENCH, "sustained: server CPU share (%)", 100 * run.cpu_seconds / run.seconds),
        Row(BENCH, "sustained: messages missing or extra", abs(expected - run.received),
            digits=0, must_be_zero=True),
        Row(BENCH, "sustained: gaps + duplicates", run.anomalies, digits=0, must_be_zero=True),
        Row(BENCH, "sustained: approvals sent late (>0.5 s)", run.late, digits=0),
    ]  # fmt: skip


def server_env(wall: Provisioned, cfg: FanoutConfig) -> dict[str, str]:
    env = wall.env()
    if cfg.deflate:
        env["WALL_WS_COMPRESSION"] = "true"
    return clean_env(env)


async def run(cfg: FanoutConfig, workdir: Path) -> list[Row]:
    raise_fd_limit()
    wall = await provision(workdir / "fanout-data", moderation="pre")
    ours_port = free_port()
    ours_argv = python_module("wallserver", "serve", "--host", HOST, "--port", str(ours_port))
    viewers: list[Viewers] = []
    controls: list[ClientConnection] = []
    async with contextlib.AsyncExitStack() as stack:
        ours_server = await stack.enter_async_context(
            running("wallserver", ours_argv, ours_port, server_env(wall, cfg),
                    workdir / "fanout-wallserver.log")
        )  # fmt: skip
        client = await stack.enter_async_context(
            httpx.AsyncClient(base_url=ours_server.url, timeout=cfg.timeout, trust_env=False)
        )
        stack.push_async_callback(_close_all, viewers, controls)
        ours = Side(ours_server, Viewers(cfg.viewers, cfg.deflate), Approvals(client, wall))
        viewers.append(ours.viewers)
        await ours.connect(f"/ws/events/{wall.slug}/wall?since=0")
        sides = [ours]
        floor_side = bcast_side = None
        if cfg.baselines:
            floor_port, bcast_port = free_port(), free_port()
            floor_server = await stack.enter_async_context(
                running("floor", python_module("bench.floor_ws", "--port", str(floor_port)),
                        floor_port, clean_env({}), workdir / "fanout-floor.log")
            )  # fmt: skip
            fire = await stack.enter_async_context(
                httpx.AsyncClient(base_url=floor_server.url, timeout=cfg.timeout, trust_env=False)
            )
            floor_side = Side(floor_server, Viewers(cfg.viewers, cfg.deflate), Fire(fire))
            viewers.append(floor_side.viewers)
            await floor_side.connect("/wall")
            bcast_server = await stack.enter_async_context(
                running("baseline_ws", python_module("bench.baseline_ws", "--port",
                        str(bcast_port)), bcast_port, clean_env({}),
                        workdir / "fanout-baseline.log")
            )  # fmt: skip
            controls.append(
                await connect(f"{bcast_server.ws_url}/control", proxy=None, ping_interval=None)
            )
            bcast_side = Side(bcast_server, Viewers(cfg.viewers, cfg.deflate),
                              ControlMessages(controls))  # fmt: skip
            viewers.append(bcast_side.viewers)
            await bcast_side.connect("/wall")
            sides += [floor_side, bcast_side]
        await measure(sides, cfg)
        result = rows(
            ours.finish(),
            floor_side.finish() if floor_side else None,
            bcast_side.finish() if bcast_side else None,
            cfg,
        )
        if cfg.sustain > 0:
            for side in sides[1:]:  # the baselines' viewers leave: wallserver alone now
                await side.viewers.close()
            result += sustained_rows(await sustain(ours, cfg), cfg)
    return result


async def _close_all(viewers: list[Viewers], controls: list[ClientConnection]) -> None:
    for ws in controls:
        await ws.close()
    for group in viewers:
        await group.close()
