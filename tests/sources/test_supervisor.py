"""The supervisor never lets a source take the app down, and the team sees each source's health."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime
from email.utils import formatdate
from types import SimpleNamespace

import httpx
import pytest

from tests.conftest import Wall
from tests.sources.conftest import until
from tests.sources.fakes import FakeMastodon, running
from wallserver.sources import connectors
from wallserver.sources.context import Context
from wallserver.sources.failures import retry_after
from wallserver.sources.supervisor import Backoff


async def test_a_crashing_connector_is_logged_retried_and_recovers(
    wall: Wall, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A bug in a connector is logged with its traceback, shown as last_error and retried;
    the app keeps serving; once the connector works again the error clears."""
    fake = FakeMastodon()
    fake.post(1, stream=False)
    real = connectors.loop
    crashes = 0

    def broken(kind: str) -> connectors.Loop:
        async def crash(ctx: Context) -> None:
            nonlocal crashes
            crashes += 1
            if crashes <= 3:
                raise RuntimeError("a bug in the connector")
            await real(kind)(ctx)

        return crash

    monkeypatch.setattr(connectors, "loop", broken)
    async with running(fake):
        made = await wall.client.post(
            f"/api/events/{wall.event.slug}/sources",
            json={"kind": "mastodon", "instance": fake.url, "tag": "xmas"},
            headers=wall.auth("admin"),
        )
        source_id = made.json()["id"]
        await until(lambda: _async(crashes >= 2), "the crash to be retried")
        failures = [r for r in caplog.records if "crashed" in r.getMessage()]
        assert failures and failures[0].exc_info is not None
        assert failures[0].levelno == logging.ERROR
        assert (await wall.client.get("/healthz")).status_code == 200

        async def healthy() -> bool:
            listed = await wall.client.get(
                f"/api/events/{wall.event.slug}/sources", headers=wall.auth("admin")
            )
            (status,) = listed.json()["sources"]
            return bool(status["connected"]) and status["last_error"] == ""

        await until(healthy, "the source to recover")
        info = await wall.store.sources.get(source_id)
        assert info.state == "running" and info.last_post_at is not None


async def _async(value: bool) -> bool:
    return value


async def test_test_connection_reports_success_and_the_reason_of_failure(wall: Wall) -> None:
    """``POST /api/sources/{id}/test`` answers ok, or the reason (here: bad credentials)."""
    fake = FakeMastodon()
    async with running(fake):
        made = await wall.client.post(
            f"/api/events/{wall.event.slug}/sources",
            json={"kind": "mastodon", "instance": fake.url, "tag": "xmas"},
            headers=wall.auth("admin"),
        )
        source_id = made.json()["id"]
        supervisor = wall.app.state.services.supervisor
        # the running source's own backfill must not take the scripted 401 below
        await until(lambda: _async(supervisor.connected(source_id)), "the source's backfill")
        url = f"/api/sources/{source_id}/test"
        ok = await wall.client.post(url, headers=wall.auth("admin"))
        assert ok.json() == {"ok": True}
        fake.faults = [(401, {})]
        refused = await wall.client.post(url, headers=wall.auth("admin"))
        assert refused.json() == {"ok": False, "error": "tag timeline: 401 bad credentials"}


def test_backoff_grows_with_jitter_up_to_the_cap() -> None:
    """Each attempt waits longer, randomly within the upper half, never past the cap."""
    backoff = Backoff(base=1.0, cap=30.0)
    for attempt, ceiling in ((0, 1.0), (1, 2.0), (3, 8.0), (10, 30.0)):
        delays = {backoff.delay(attempt) for _ in range(50)}
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(delays) > 1


def test_backoff_after_days_of_failures_still_waits_the_cap() -> None:
    """A source failing for days reaches attempt 1024 and beyond: it waits the cap, it does not
    die of a float overflow."""
    backoff = Backoff(base=1.0, cap=300.0)
    assert all(150.0 <= backoff.delay(attempt) <= 300.0 for attempt in (64, 1024, 10**6))


async def test_a_cancelled_source_ends_even_while_its_deletion_check_winds_down() -> None:
    """The supervisor's cancel that lands while the stream's block waits for its deletion
    check to end stops the source; it is not taken for the check's own and retried."""
    check_cancelled, let_go = asyncio.Event(), asyncio.Event()

    async def slow_to_stop(gone: object) -> None:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            check_cancelled.set()
            await let_go.wait()  # a request being closed, say
            raise

    ctx = Context.__new__(Context)  # only what the block reads
    ctx.source = SimpleNamespace(id=1)  # type: ignore[assignment]
    ctx.reconcile_every = 300.0
    ctx.reconcile_once = slow_to_stop  # type: ignore[method-assign]
    went_on = False

    async def source() -> None:
        nonlocal went_on
        try:
            async with ctx.reconciling(gone=None):  # type: ignore[arg-type]
                await asyncio.sleep(0)
                raise OSError("the stream dropped")
        except OSError:
            went_on = True  # the supervisor would back off and connect again

    task = asyncio.create_task(source())
    await asyncio.wait_for(check_cancelled.wait(), 10)  # the block waits for the check now
    task.cancel()
    let_go.set()
    await asyncio.wait({task}, timeout=10)
    assert task.cancelled() and not went_on


async def test_pause_stops_the_running_source_and_resume_restarts_it(wall: Wall) -> None:
    """Pausing closes the source's stream at once; resuming opens it again."""
    fake = FakeMastodon()
    async with running(fake):
        made = await wall.client.post(
            f"/api/events/{wall.event.slug}/sources",
            json={"kind": "mastodon", "instance": fake.url, "tag": "xmas"},
            headers=wall.auth("admin"),
        )
        url = f"/api/sources/{made.json()['id']}"
        await until(lambda: _async(len(fake.streams) == 1), "the stream")
        await wall.client.post(f"{url}/pause", headers=wall.auth("admin"))
        await until(lambda: _async(not fake.streams), "the stream to close")
        listed = await wall.client.get(
            f"/api/events/{wall.event.slug}/sources", headers=wall.auth("admin")
        )
        assert listed.json()["sources"][0]["connected"] is False
        await wall.client.post(f"{url}/resume", headers=wall.auth("admin"))
        await until(lambda: _async(len(fake.streams) == 1), "the stream again")
        await wall.client.delete(url, headers=wall.auth("admin"))
        await until(lambda: _async(not fake.streams), "the stream to close for good")


def test_rate_limit_waits_follow_the_networks_headers() -> None:
    """Retry-After in seconds or as a date, X's Unix reset, Mastodon's ISO reset; else a default."""
    now = time.time()

    def wait(headers: dict[str, str | bytes]) -> float:
        return retry_after(httpx.Response(429, headers=headers), default=60.0)

    assert wait({"Retry-After": "7"}) == 7.0
    assert 25 <= wait({"Retry-After": formatdate(now + 30, usegmt=True)}) <= 31
    assert 25 <= wait({"x-rate-limit-reset": str(int(now) + 30)}) <= 31
    iso = datetime.fromtimestamp(now + 30, UTC).isoformat().replace("+00:00", "Z")
    assert 25 <= wait({"X-RateLimit-Reset": iso}) <= 31
    assert wait({}) == 60.0
    assert wait({"Retry-After": "soon"}) == 60.0
    assert wait({"x-rate-limit-reset": "²".encode("latin-1")}) == 60.0  # "²".isdigit()
