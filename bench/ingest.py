"""Ingest: acknowledged durable posts per second through ``POST /api/events/{slug}/ingest``.

C concurrent keep-alive connections (``bench.lean_http``: pre-built requests, so the client is
not the bottleneck) send distinct posts to wallserver (202 each, answered only once the post is
durably stored: SQLite ``synchronous=FULL``, or PostgreSQL with ``--database``), then the same
posts again (idempotent repeats on ``(source, source_id)``: 200, nothing written). The baseline is
``bench.baseline_http``: the same requests to a trivial FastAPI app on uvicorn that validates the
same body and stores nothing. Both servers run at the same time and the posts go to them in
alternating chunks, so background load on the machine hits both alike.
"""

from __future__ import annotations

import asyncio
import json
import math
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bench import lean_http
from bench.payload import ingest_body
from bench.provision import Provisioned, fresh_database, provision
from bench.servers import HOST, Server, clean_env, free_port, python_module, running
from bench.stats import percentile, rate
from bench.table import Row, Target

BENCH = "ingest"
MIB = 1024 * 1024

# Targets from issue #11: absolute figures (this machine, same run) and ratios to the baseline.
NEW_POSTS = Target(">=", 2000, absolute=True)
NEW_POSTS_RATIO = Target(">=", 0.5)
CPU_PER_POST = Target("<=", 1.0, absolute=True)
CPU_PER_REPEAT = Target("<=", 0.5, absolute=True)
P99_NEW = Target("<=", 100.0, absolute=True)


@dataclass(frozen=True, slots=True)
class IngestConfig:
    count: int = 6000  # per server and phase
    concurrency: int = 64  # keep-alive connections per server
    chunks: int = 6  # the posts go to the two servers in turns, this many turns each
    warmup: int = 600
    database_url: str | None = None  # None: SQLite in the work dir

    @classmethod
    def quick(cls) -> IngestConfig:
        return cls(count=1500, chunks=2, warmup=200)


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
    """Send every body once over ``cfg.concurrency`` keep-alive connections."""
    headers = {"Authorization": f"Bearer {side.token}", "Content-Type": "application/json"}
    host = f"{HOST}:{side.server.port}"
    raws = [lean_http.request("POST", side.path, host, headers, body) for body in posts]
    connections = await lean_http.pool(HOST, side.server.port, cfg.concurrency)
    try:
        loop = asyncio.get_running_loop()
        cpu = side.server.cpu_seconds()
        started = loop.time()
        results = await lean_http.drive(connections, iter(raws))
        into.seconds += loop.time() - started
        into.cpu_seconds += side.server.cpu_seconds() - cpu
    finally:
        for conn in connections:
            conn.close()
    into.sent += len(posts)
    for latency, status in results:
        into.latencies.append(latency)
        into.statuses[status] += 1


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
    async with fresh_database(cfg.database_url) as database_url:
        wall = await provision(workdir / "ingest-data", moderation="pre", database_url=database_url)
        return await _run(cfg, workdir, wall)


async def _run(cfg: IngestConfig, workdir: Path, wall: Provisioned) -> list[Row]:
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
    db = "PostgreSQL" if cfg.database_url else "SQLite"
    return [
        Row(BENCH, f"new posts/s ({db}, {c} conns)", ours.new.per_second, base.new.per_second,
            NEW_POSTS, digits=0),
        Row(BENCH, "new posts/s, ratio to baseline", ours.new.per_second, base.new.per_second,
            NEW_POSTS_RATIO, digits=0),
        Row(BENCH, "p50 new post latency (ms)", ms(ours.new.latencies, 50),
            ms(base.new.latencies, 50)),
        Row(BENCH, "p99 new post latency (ms)", ms(ours.new.latencies, 99),
            ms(base.new.latencies, 99), P99_NEW),
        Row(BENCH, "max new post latency (ms)", max(ours.new.latencies, default=math.nan) * 1000,
            max(base.new.latencies, default=math.nan) * 1000),
        Row(BENCH, "server CPU per new post (ms)", ours.new.cpu_per_request * 1000,
            base.new.cpu_per_request * 1000, CPU_PER_POST, digits=3),
        Row(BENCH, f"idempotent repeats/s ({c} conns)", ours.repeat.per_second,
            base.repeat.per_second, digits=0),
        Row(BENCH, "p99 repeat latency (ms)", ms(ours.repeat.latencies, 99),
            ms(base.repeat.latencies, 99)),
        Row(BENCH, "server CPU per repeat (ms)", ours.repeat.cpu_per_request * 1000,
            base.repeat.cpu_per_request * 1000, CPU_PER_REPEAT, digits=3),
        Row(BENCH, "unexpected status codes", ours.unexpected, base.unexpected, digits=0,
            must_be_zero=True),
        Row(BENCH, "server RSS after (MiB)", ours.rss_after / MIB, base.rss_after / MIB),
    ]  # fmt: skip
