"""Short chaos runs (bench/chaos.py, the driver ``python -m bench chaos`` runs for minutes).

A crowd posts and walls watch while the server is SIGKILLed, Redis and PostgreSQL restart and
walls lose their connections; afterwards every acknowledged post is stored once, every wall got
every wall event once and in order, and the database passes its integrity check.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.chaos import ChaosConfig, run
from bench.chaos_verdict import Report
from bench.private import missing

pytestmark = pytest.mark.slow


def assert_held(report: Report) -> None:
    table = "\n".join(f"{name}: {value}" for name, value in report.rows())
    assert report.violations == [], table
    assert report.acknowledged == report.stored > 0, table
    assert report.cuts > 0 and report.resumes > 0, table


async def test_sqlite_server_killed_again_and_again(tmp_path: Path) -> None:
    """One instance on SQLite, SIGKILLed and restarted three times mid-crowd: nothing acknowledged
    is lost or doubled, every wall resumes to exactly the log, PRAGMA integrity_check is ok."""
    config = ChaosConfig(
        "sqlite", seconds=10, walls=3, posters=4, disrupt_every=3.0, rounds=3, seed=1
    )
    report = await run(config, tmp_path / "run")
    assert_held(report)
    assert report.kills >= 3


async def test_two_instances_survive_redis_postgres_and_kills(tmp_path: Path) -> None:
    """Approvals on instance A, walls on instance B, on a private PostgreSQL and Redis: Redis
    restarts, PostgreSQL restarts (fast), A and B are SIGKILLed; the walls still get every
    approved post exactly once, in order, and pg_amcheck finds the database sound."""
    why = missing()
    if why:
        pytest.skip(f"no private PostgreSQL/Redis for the chaos run: {why}")
    config = ChaosConfig(
        "postgres", seconds=15, walls=3, posters=4, disrupt_every=3.0, rounds=1, seed=2
    )
    report = await run(config, tmp_path / "run")
    assert_held(report)
    assert report.kills >= 2
    assert report.restarts.get("redis", 0) >= 1 and report.restarts.get("postgres", 0) >= 1
