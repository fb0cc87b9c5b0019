"""Ingest: posts per second through ``POST /api/events/{slug}/ingest``, new and repeated.

C concurrent httpx clients send a fixed number of distinct posts to wallserver (202 each, answered
only once the post is durably stored: SQLite ``synchronous=FULL``), then the same posts again
(idempotent repeats on ``(source, source_id)``: 200, nothing written). The baseline is
``bench.baseline_http``: the same requests to a trivial FastAPI app on uvicorn that validates the
same body and stores nothing. The ratio is the price of authentication, the event lookup, the rule
chain and the durable write. Both servers run at the same time and the posts go to them in
alternating chunks, so background load on the machine hits both alike.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.payload import ingest_body
from bench.provision import provision
from bench.servers import HOST, Server, clean_env, free_port, python_module, running
from bench.stats import percentile, rate
from bench.table import Row, Target

BENCH = "ingest"
MIB = 1024 * 1024

# Targets, as ratios wallserver / baseline (see docs/performance.md for the reasoning).
NEW_POSTS = Target(">=", 0.2)
REPEATS = Target(">=", 0.3)
CPU_PER_POST = Target("<=", 25.0)
CPU_PER_REPEAT = Target("<=", 20.0)


@dataclass(frozen=True, slots=True)
class IngestConfig:
    count: int = 600  # keeps `all` under two minutes on 2 busy cores
    concurrency: int = 8
    chunks: int = 10  # the posts go to the two servers in turns, this many turns each
    warmup: int = 40
    timeout: float = 20.0

    @classmethod
    def quick(cls) -> IngestConfig:
        return cls(count=300, chunks=4, warmup=16)


@dataclass
class Blast:
    """Requests sent to one server, summed over its turns."""

    sent: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # the server's
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)

    @property
    def per_second(self) -> float:
        return rate(self.sent, self.seconds)

    @property
    def cpu_per_request(self) -> float:
        return self.cpu_seconds / self.sent if self.sent else math.nan

    def unexpected(self, expected: int) -> int:
        return sum(n for status, n in self.statuses.items() if status != expected)


@dataclass
class Endpoint:
    """A server under test and where to send the posts."""

    server: Server
    path: str
    token: str
    new: Blast = field(default_factory=Blast)
    repeat: Blast = field(default_factory=Blast)


@dataclass
class IngestRun:
    new: Blast
    repeat: Blast
    unexpected: int
    rss_after: int


def bodies(prefix: str, count: int) -> list[bytes]:
    """Encoded once up front, so the client spends its time on HTTP, not on JSON."""
    return [json.dumps(ingest_body(f"{prefix}-{n}", n)).encode() for n in range(count)]


async def blast(side: Endpoint, posts: list[bytes], into: Blast, cfg: IngestConfig) -> None:
    """Send every body once, spread over ``cfg.concurrency`` clients each sending in turn."""
    queue: Iterator[bytes] = iter(posts)
    headers = {"Authorization": f"Bearer {side.token}", "Content-Type": "application/json"}

    async def worker() -> None:
        async with httpx.AsyncClient(
            base_url=side.server.url, headers=headers, timeout=cfg.timeout, trust_env=False
        ) as client:
            for body in queue:
                started = time.perf_counter()
                reply = await client.post(side.path, content=body)
                into.latencies.append(time.perf_counter() - started)
                into.statuses[reply.status_code] += 1

    cpu = side.server.cpu_seconds()
    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(cfg.concurrency)))
    into.seconds += time.perf_counter() - started
    into.cpu_seconds += side.server.cpu_seconds() - cpu
    into.sent += len(posts)


def chunked(items: list[bytes], parts: int) -> list[list[bytes]]:
    size = math.ceil(len(items) / max(1, parts))
    return [items[i : i + size] for i in range(0, len(items), size)]


async def measure(ours: Endpoint, base: Endpoint, cfg: IngestConfig) -> None:
    for side in (base, ours):
        await blast(side, bodies("warmup", cfg.warmup), Blast(), cfg)
    posts = bodies("post", cfg.count)
    for phase in ("new", "repeat"):
        for i, chunk in enumerate(chunked(posts, cfg.chunks)):
            for side in (base, ours) if i % 2 else (ours, base):
                await blast(side, chunk, side.new if phase == "new" else side.repeat, cfg)


async def run(cfg: IngestConfig, workdir: Path) -> list[Row]:
    wall = await provision(workdir / "ingest-data", moderation="pre")
    ours_port, base_port = free_port(), free_port()
    ours_argv = python_module("wallserver", "serve", "--host", HOST, "--port", str(ours_port))
    base_argv = python_module("bench.baseline_http", "--port", str(base_port))
    async with (
        running(
            "wallserver", ours_argv, ours_port, clean_env(wall.env()),
            workdir / "ingest-wallserver.log",
        ) as ours_server,
        running(
            "baseline_http", base_argv, base_port, clean_env({}),
            workdir / "ingest-baseline.log",
        ) as base_server,
    ):  # fmt: skip
        ours = Endpoint(ours_server, f"/api/events/{wall.slug}/ingest", wall.ingest_token)
        base = Endpoint(base_server, f"/api/events/{wall.slug}/ingest", "unchecked")
        await measure(ours, base, cfg)
        ours_run = IngestRun(
            ours.new,
            ours.repeat,
            ours.new.unexpected(202) + ours.repeat.unexpected(200),
            ours_server.rss_bytes(),
        )
        base_run = IngestRun(
            base.new,
            base.repeat,
            base.new.unexpected(202) + base.repeat.unexpected(202),
            base_server.rss_bytes(),
        )
    return rows(ours_run, base_run, cfg)


def rows(ours: IngestRun, base: IngestRun, cfg: IngestConfig) -> list[Row]:
    def ms(samples: list[float], pct: float) -> float:
        return percentile(samples, pct) * 1000

    c = cfg.concurrency
    return [
        Row(BENCH, f"new posts/s ({c} clients)", ours.new.per_second, base.new.per_second,
            NEW_POSTS, digits=0),
        Row(BENCH, "p50 new post latency (ms)", ms(ours.new.latencies, 50),
            ms(base.new.latencies, 50)),
        Row(BENCH, "p95 new post latency (ms)", ms(ours.new.latencies, 95),
            ms(base.new.latencies, 95)),
        Row(BENCH, "max new post latency (ms)", max(ours.new.latencies, default=math.nan) * 1000,
            max(base.new.latencies, default=math.nan) * 1000),
        Row(BENCH, "server CPU per new post (ms)", ours.new.cpu_per_request * 1000,
            base.new.cpu_per_request * 1000, CPU_PER_POST, digits=2),
        Row(BENCH, f"idempotent repeats/s ({c} clients)", ours.repeat.per_second,
            base.repeat.per_second, REPEATS, digits=0),
        Row(BENCH, "p50 repeat latency (ms)", ms(ours.repeat.latencies, 50),
            ms(base.repeat.latencies, 50)),
        Row(BENCH, "server CPU per repeat (ms)", ours.repeat.cpu_per_request * 1000,
            base.repeat.cpu_per_request * 1000, CPU_PER_REPEAT, digits=2),
        Row(BENCH, "unexpected status codes", ours.unexpected, base.unexpected, digits=0,
            must_be_zero=True),
        Row(BENCH, "server RSS after (MiB)", ours.rss_after / MIB, base.rss_after / MIB),
    ]  # fmt: skip
