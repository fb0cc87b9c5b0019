"""Two instances: an approval on one, the viewers on the other, over Redis and over PostgreSQL.

Two ``wallserver serve`` processes share a fresh PostgreSQL database (made for the run on the
server of ``--database``, default ``WALL_TEST_POSTGRES_URL``, and dropped afterwards) and a
broker: ``redis://`` (``WALL_TEST_REDIS_URL``, default the local Redis, database 15) or the
database itself (``postgresql://``, LISTEN/NOTIFY). N lean viewers hold a wall socket on
instance B; one post at a time is ingested and approved on instance A, and the latency runs from
sending the approval to the last viewer on B having it. The target (issue #12): p99 within
100 ms on each broker.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.fanout import Approvals, FanoutConfig, Side, measure, ms
from bench.lean_ws import Viewers, raise_fd_limit
from bench.provision import fresh_database, provision
from bench.servers import HOST, clean_env, free_port, python_module, running
from bench.table import Row, Target

BENCH = "multi"
P99_MS = Target("<=", 100.0, absolute=True)
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
DEFAULT_REDIS = "redis://127.0.0.1:6379/15"


@dataclass(frozen=True, slots=True)
class MultiConfig:
    viewers: int = 1000
    sequential: int = 60
    warmup: int = 3
    timeout: float = 30.0
    database_url: str | None = None

    @classmethod
    def quick(cls) -> MultiConfig:
        return cls(viewers=300, sequential=20, warmup=2)


async def one_broker(cfg: MultiConfig, broker: str, workdir: Path) -> list[Row]:
    server_url = cfg.database_url or os.environ.get("WALL_TEST_POSTGRES_URL", DEFAULT_POSTGRES)
    async with fresh_database(server_url) as database:
        assert database is not None
        broker_url = (
            database
            if broker == "postgres"
            else os.environ.get("WALL_TEST_REDIS_URL", DEFAULT_REDIS)
        )
        wall = await provision(workdir / f"multi-{broker}-a", "pre", database)
        envs = []
        for name in ("a", "b"):
            env = dataclasses.replace(wall, data_dir=workdir / f"multi-{broker}-{name}").env()
            env["WALL_BROKER_URL"] = broker_url
            env["WALL_LOG_LEVEL"] = "WARNING"
            envs.append(clean_env(env))
        port_a, port_b = free_port(), free_port()
        argv = python_module("wallserver", "serve", "--host", HOST, "--port")
        async with contextlib.AsyncExitStack() as stack:
            a = await stack.enter_async_context(
                running("instance A", [*argv, str(port_a)], port_a, envs[0],
                        workdir / f"multi-{broker}-a.log")
            )  # fmt: skip
            b = await stack.enter_async_context(
                running("instance B", [*argv, str(port_b)], port_b, envs[1],
                        workdir / f"multi-{broker}-b.log")
            )  # fmt: skip
            client = await stack.enter_async_context(
                httpx.AsyncClient(base_url=a.url, timeout=cfg.timeout, trust_env=False)
            )
            side = Side(b, Viewers(cfg.viewers), Approvals(client, wall))
            stack.push_async_callback(side.viewers.close)
            await side.connect(f"/ws/events/{wall.slug}/wall?since=0")
            fcfg = FanoutConfig(
                viewers=cfg.viewers, sequential=cfg.sequential, warmup=cfg.warmup,
                timeout=cfg.timeout,
            )  # fmt: skip
            await measure([side], fcfg)
            result = side.finish()
    label = "Redis" if broker == "redis" else "PostgreSQL"
    n = cfg.viewers
    return [
        Row(BENCH, f"{label}: p50 approval on A to all {n:,} viewers on B (ms)",
            ms(result.latencies, 50)),
        Row(BENCH, f"{label}: p99 approval on A to all {n:,} viewers on B (ms)",
            ms(result.latencies, 99), None, P99_MS),
        Row(BENCH, f"{label}: gaps + duplicates", result.anomalies, digits=0, must_be_zero=True),
    ]  # fmt: skip


async def run(cfg: MultiConfig, brokers: str, workdir: Path) -> list[Row]:
    raise_fd_limit()
    rows: list[Row] = []
    for broker in ("redis", "postgres"):
        if brokers in (broker, "both"):
            rows += await one_broker(cfg, broker, workdir)
    return rows
