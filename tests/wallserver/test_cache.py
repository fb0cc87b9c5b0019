"""Events, tokens and sessions come from memory; a change is seen at once, here and on other
instances (over the broker), never after the cache's lifetime."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import Wall, instance, start_wall
from wallserver.store.cache import Cache

TRUSTED = {"trusted_authors": ["@anna"], "banned_authors": [], "blocklist": []}


async def ingest(w: Wall, source_id: str) -> dict[str, Any]:
    reply = await w.ingest(source_id, "hello", author={"handle": "@anna"})
    assert reply.status_code == 202, reply.text
    return reply.json()  # type: ignore[no-any-return]


def test_a_read_that_raced_a_change_does_not_put_the_old_value_back() -> None:
    """A value read before a change is dropped when it is put after it."""
    cache = Cache()
    generation = cache.generation("events")
    cache.changed("events")
    cache.put("events", "xmas", "old", generation)
    assert cache.get("events", "xmas") is None
    cache.put("events", "xmas", "new", cache.generation("events"))
    assert cache.get("events", "xmas") == "new"


def test_entries_expire_after_the_ttl() -> None:
    """A change nobody announced (the CLI in another process) is seen after the TTL."""
    now = [0.0]
    cache = Cache(ttl=30, clock=lambda: now[0])
    cache.put("tokens", "t", "principal", cache.generation("tokens"))
    now[0] = 29.0
    assert cache.get("tokens", "t") == "principal"
    now[0] = 31.0
    assert cache.get("tokens", "t") is None


async def test_new_rules_apply_to_the_next_post(wall: Wall) -> None:
    """The event is cached by the first post; saving rules makes the very next post obey them."""
    assert (await ingest(wall, "before"))["status"] == "pending"
    reply = await wall.client.put(
        "/api/events/xmas/rules", json=TRUSTED, headers=wall.auth("admin")
    )
    assert reply.status_code == 200
    assert (await ingest(wall, "after"))["status"] == "approved"


async def test_a_logout_ends_the_cached_session(wall: Wall) -> None:
    """A session used once (and so cached) stops working the moment it is logged out."""
    await wall.store.auth.create_user("mia", "moderator", "a long password")
    login = await wall.client.post(
        "/api/session", json={"name": "mia", "password": "a long password"}
    )
    assert login.status_code == 200, login.text
    csrf = login.json()["csrf_token"]
    assert (await wall.client.get("/api/events/xmas/posts")).status_code == 200
    out = await wall.client.delete("/api/session", headers={"X-CSRF-Token": csrf})
    assert out.status_code in (200, 204), out.text
    wall.client.cookies.set("wall_session", login.cookies["wall_session"])
    assert (await wall.client.get("/api/events/xmas/posts")).status_code == 401


@pytest.mark.postgres
@pytest.mark.redis
async def test_rules_saved_on_one_instance_apply_at_once_on_another(
    tmp_path: Path, postgres_url: str, redis_url: str
) -> None:
    """B has the event cached; A saves new rules; B's next post obeys them (the broker carried
    the change: B's cache would otherwise keep the old rules for its TTL)."""
    shared = {"database_url": postgres_url, "broker_url": redis_url}
    async with instance(tmp_path / "a", **shared) as a, instance(tmp_path / "b", **shared) as b:
        wall_a = await start_wall(a)
        client_b = httpx.AsyncClient(transport=httpx.ASGITransport(b), base_url="http://wall.test")
        wall_b = Wall(b, b.state.services.store, wall_a.event, wall_a.tokens, client_b)
        forgotten = asyncio.Event()
        cache_b = b.state.services.store.cache
        forget = cache_b.forget

        def heard(kind: str) -> None:
            forget(kind)
            if kind == "events":
                forgotten.set()

        cache_b.forget = heard  # type: ignore[method-assign]
        async with wall_a.client, wall_b.client:
            assert (await ingest(wall_b, "b-before"))["status"] == "pending"
            forgotten.clear()
            reply = await wall_a.client.put(
                "/api/events/xmas/rules", json=TRUSTED, headers=wall_a.auth("admin")
            )
            assert reply.status_code == 200
            await asyncio.wait_for(forgotten.wait(), 5)  # the broker delivers in milliseconds
            assert (await ingest(wall_b, "b-after"))["status"] == "approved"
