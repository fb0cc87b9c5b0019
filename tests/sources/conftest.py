"""Source tests run the real supervisor with short backoffs and lease checks."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from tests.conftest import make_settings
from wallserver.settings import Settings

FAST = {
    "source_backoff_seconds": 0.02,
    "source_backoff_max_seconds": 0.2,
    "source_lease_seconds": 0.05,
    "source_poll_floor_seconds": 0.0,
    "source_allow_networks": ["127.0.0.0/8"],  # the fake servers live on 127.0.0.1
}


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path / "data", **FAST)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    if request.param == "postgres":
        url = request.getfixturevalue("postgres_url")
        return make_settings(tmp_path / "data", database_url=url, **FAST)
    return make_settings(tmp_path / "data", **FAST)


async def until(check: Callable[[], Awaitable[bool]], what: str, within: float = 10.0) -> None:
    """Wait for a condition with a bounded deadline, polling the store (no fixed sleeps)."""
    deadline = time.monotonic() + within
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)
