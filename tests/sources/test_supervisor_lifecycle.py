"""Issue #14: sources run only while their event takes posts (rehearsal, live)."""

from __future__ import annotations

from tests.conftest import Wall
from tests.sources.conftest import until
from tests.sources.fakes import FakeMastodon, running
from wallserver.sources.supervisor import Supervisor


async def test_ending_the_event_stops_its_sources_and_reopening_starts_them(wall: Wall) -> None:
    """An ended event's connectors stop at once (their lease is given up); reopened, they run
    again; a draft event's source is configured but does not run."""
    supervisor: Supervisor = wall.app.state.services.supervisor
    fake = FakeMastodon()
    async with running(fake):
        made = await wall.client.post(
            f"/api/events/{wall.event.slug}/sources",
            json={"kind": "mastodon", "instance": fake.url, "tag": "xmas"},
            headers=wall.auth("admin"),
        )
        source_id = made.json()["id"]

        async def runs() -> bool:
            return supervisor.connected(source_id)

        async def stopped() -> bool:
            return source_id not in supervisor.running

        await until(runs, "the source to connect")
        ended = await wall.client.post(
            "/api/events/xmas/state", json={"state": "ended"}, headers=wall.auth("admin")
        )
        assert ended.status_code == 200
        await until(stopped, "the ended event's source to stop")
        assert (await wall.store.sources.get(source_id)).state == "running"  # as configured
        reopened = await wall.client.post(
            "/api/events/xmas/state", json={"state": "live"}, headers=wall.auth("admin")
        )
        assert reopened.status_code == 200
        await until(runs, "the reopened event's source to connect again")

        gala = await wall.store.events.create("gala", "Gala", ["gala"], state="draft")
        draft = await wall.client.post(
            "/api/events/gala/sources",
            json={"kind": "mastodon", "instance": fake.url, "tag": "gala"},
            headers=wall.auth("admin"),
        )
        assert draft.status_code == 201
        rounds = supervisor.rounds

        async def reconciled() -> bool:
            return supervisor.rounds > rounds + 1

        await until(reconciled, "two more reconciliations")
        assert draft.json()["id"] not in supervisor.running
        assert gala.state == "draft"
