"""Fan-out: how long until an approved post is on every screen, and how many messages per second.

wallserver runs as ``wallserver serve`` on a fresh SQLite data directory with a pre-moderated
event. N viewers hold ``/ws/events/{slug}/wall?since=0``. Then, one at a time, a post is ingested
(not timed) and approved over the HTTP API; the latency is from sending the approval to the moment
the last of the N viewers has received its seq. A burst of approvals from a few concurrent
moderators then gives the delivered messages per second.

The baseline is ``bench.baseline_ws``: the same viewers, a message of the same shape and size, and
a trigger over a control WebSocket that broadcasts with ``websockets.broadcast``. The ratio is
wallserver's overhead: HTTP request, durable decision and wall-log write, broker, hub and ASGI.
Both servers run at the same time and take turns, so background load hits both alike.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import httpx
from websockets.asyncio.client import ClientConnection, connect

from bench.payload import ingest_body
from bench.provision import Provisioned, provision
from bench.servers import HOST, Server, clean_env, free_port, python_module, running
from bench.stats import percentile, rate
from bench.table import Row, Target
from bench.viewers import Viewers

BENCH = "fanout"
MIB = 1024 * 1024
CLIENTS = 200

# Targets, as ratios wallserver / baseline (see docs/performance.md for the reasoning).
P50_LATENCY = Target("<=", 4.0)
P95_LATENCY = Target("<=", 5.0)
THROUGHPUT = Target(">=", 0.2)
CPU_PER_EVENT = Target("<=", 7.0)


@dataclass(frozen=True, slots=True)
class FanoutConfig:
    clients: int = CLIENTS
    sequential: int = 100
    burst: int = 200  # events per server, sent in ``rounds`` bursts taking turns
    rounds: int = 4
    moderators: int = 4  # concurrent approvers during a burst
    warmup: int = 5
    timeout: float = 20.0  # per delivery wait and per request
    deflate: bool = True  # viewers offer permessage-deflate, as browsers do

    @property
    def judged(self) -> bool:
        """The targets hold for the default setup only: with fewer viewers, or without
        compression, the fixed cost of an approval weighs more and every ratio grows."""
        return self.clients == CLIENTS and self.deflate

    @classmethod
    def quick(cls) -> FanoutConfig:
        # as many viewers as the full run (the ratios depend on N), fewer posts
        return cls(sequential=30, burst=60, rounds=2, warmup=3)


@dataclass
class FanoutRun:
    latencies: list[float] = field(default_factory=list)  # seconds, trigger sent -> all viewers
    round_trips: list[float] = field(default_factory=list)  # seconds, the trigger request alone
    burst_events: int = 0
    burst_seconds: float = 0.0
    burst_cpu_seconds: float = 0.0  # the server's, during the bursts
    message_bytes: float = math.nan
    anomalies: int = 0
    rss: dict[str, int] = field(default_factory=dict)
    viewers: int = 0

    @property
    def delivered_per_second(self) -> float:
        return rate(self.burst_events * self.viewers, self.burst_seconds)

    @property
    def cpu_per_event(self) -> float:
        return self.burst_cpu_seconds / self.burst_events if self.burst_events else math.nan


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

    async def connect(self, path: str, cfg: FanoutConfig) -> None:
        self.result.rss["idle"] = self.server.rss_bytes()
        await self.viewers.connect(self.server.ws_url + path, within=cfg.timeout * 3)
        self.seq = self.viewers.start_seq
        self.result.rss["connected"] = self.server.rss_bytes()

    async def one(self, cfg: FanoutConfig, record: bool = True) -> None:
        """One wall event, timed from the trigger to the last viewer receiving it."""
        await self.trigger.prepare(1)
        started = time.perf_counter()
        round_trip = await self.trigger.fire()
        self.seq += 1
        done = await self.viewers.all_have(self.seq, cfg.timeout)
        if record:
            self.result.round_trips.append(round_trip)
            self.result.latencies.append(done - started)

    async def burst(self, size: int, cfg: FanoutConfig) -> None:
        """``size`` events from ``cfg.moderators`` concurrent triggers, until all have them all."""
        await self.trigger.prepare(size)
        left = size

        async def moderator() -> None:
            nonlocal left
            while left > 0:
                left -= 1
                await self.trigger.fire()

        cpu = self.server.cpu_seconds()
        started = time.perf_counter()
        await asyncio.gather(*(moderator() for _ in range(cfg.moderators)))
        self.seq += size
        done = await self.viewers.all_have(self.seq, cfg.timeout)
        self.result.burst_cpu_seconds += self.server.cpu_seconds() - cpu
        self.result.burst_seconds += done - started
        self.result.burst_events += size

    def finish(self) -> FanoutRun:
        self.result.rss["after"] = self.server.rss_bytes()
        self.result.message_bytes = self.viewers.mean_message_bytes
        self.result.anomalies = self.viewers.anomalies
        self.result.viewers = self.viewers.count
        return self.result


async def measure(ours: Side, base: Side, cfg: FanoutConfig) -> tuple[FanoutRun, FanoutRun]:
    """Warm-up, then one-at-a-time events and then bursts, the two servers taking turns.

    Both servers run side by side and take turns, so background load on the machine falls on
    both alike instead of on whichever happened to run second.
    """
    for _ in range(cfg.warmup):
        for side in (base, ours):
            await side.one(cfg, record=False)
    for i in range(cfg.sequential):
        for side in (base, ours) if i % 2 else (ours, base):
            await side.one(cfg)
    size = math.ceil(cfg.burst / cfg.rounds)
    for i in range(cfg.rounds):
        for side in (base, ours) if i % 2 else (ours, base):
            await side.burst(size, cfg)
    return ours.finish(), base.finish()


def rows(ours: FanoutRun, base: FanoutRun, cfg: FanoutConfig) -> list[Row]:
    def ms(samples: list[float], pct: float) -> float:
        return percentile(samples, pct) * 1000

    n = cfg.clients

    def judged(target: Target) -> Target | None:
        return target if cfg.judged else None

    return [
        Row(BENCH, f"p50 latency to all {n} viewers (ms)", ms(ours.latencies, 50),
            ms(base.latencies, 50), judged(P50_LATENCY)),
        Row(BENCH, f"p95 latency to all {n} viewers (ms)", ms(ours.latencies, 95),
            ms(base.latencies, 95), judged(P95_LATENCY)),
        Row(BENCH, "delivered messages/s (burst)", ours.delivered_per_second,
            base.delivered_per_second, judged(THROUGHPUT), digits=0),
        Row(BENCH, "server CPU per wall event, burst (ms)", ours.cpu_per_event * 1000,
            base.cpu_per_event * 1000, judged(CPU_PER_EVENT), digits=2),
        Row(BENCH, "p50 trigger round trip (ms)", ms(ours.round_trips, 50),
            ms(base.round_trips, 50)),
        Row(BENCH, "message size (bytes)", ours.message_bytes, base.message_bytes, digits=0),
        Row(BENCH, "gaps + duplicates", ours.anomalies, base.anomalies, digits=0,
            must_be_zero=True),
        Row(BENCH, "server RSS idle (MiB)", ours.rss["idle"] / MIB, base.rss["idle"] / MIB),
        Row(BENCH, f"server RSS, {n} viewers (MiB)", ours.rss["connected"] / MIB,
            base.rss["connected"] / MIB),
        Row(BENCH, "server RSS after posts (MiB)", ours.rss["after"] / MIB,
            base.rss["after"] / MIB),
    ]  # fmt: skip


async def run(cfg: FanoutConfig, workdir: Path) -> list[Row]:
    wall = await provision(workdir / "fanout-data", moderation="pre")
    ours_port, base_port = free_port(), free_port()
    ours_argv = python_module("wallserver", "serve", "--host", HOST, "--port", str(ours_port))
    base_argv = python_module("bench.baseline_ws", "--port", str(base_port))
    ours_viewers = Viewers(cfg.clients, cfg.deflate)
    base_viewers = Viewers(cfg.clients, cfg.deflate)
    controls: list[ClientConnection] = []
    async with (
        running(
            "wallserver", ours_argv, ours_port, clean_env(wall.env()),
            workdir / "fanout-wallserver.log",
        ) as ours_server,
        running(
            "baseline_ws", base_argv, base_port, clean_env({}), workdir / "fanout-baseline.log"
        ) as base_server,
        httpx.AsyncClient(
            base_url=ours_server.url, timeout=cfg.timeout, trust_env=False
        ) as client,
    ):  # fmt: skip
        try:
            for _ in range(cfg.moderators):
                controls.append(
                    await connect(f"{base_server.ws_url}/control", proxy=None, ping_interval=None)
                )
            ours = Side(ours_server, ours_viewers, Approvals(client, wall))
            base = Side(base_server, base_viewers, ControlMessages(controls))
            await ours.connect(f"/ws/events/{wall.slug}/wall?since=0", cfg)
            await base.connect("/wall", cfg)
            ours_run, base_run = await measure(ours, base, cfg)
        finally:
            for ws in controls:
                await ws.close()
            await ours_viewers.close()
            await base_viewers.close()
    return rows(ours_run, base_run, cfg)
