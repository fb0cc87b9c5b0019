"""The supervisor never lets a source take the app down, and the team sees each source's health."""

from __future__ import annotations

import logging

import pytest

from tests.conftest import Wall
from tests.sources.conftest import until
from tests.sources.fakes import FakeMastodon, running
from wallserver.sources import connectors
from wallserver.sources.context import Context
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
        url = f"/api/sources/{made.json()['id']}/test"
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
