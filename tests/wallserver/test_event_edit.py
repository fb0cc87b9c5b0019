"""Admins fix an event after creating it: name, hashtags, moderation mode (PATCH)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import LiveServer, Wall, instance, start_wall
from tests.wallserver.test_auth import assert_error
from tests.wallserver.test_screens import receive, screens, wall_socket


async def patch(w: Wall, body: dict[str, Any], slug: str = "xmas") -> httpx.Response:
    return await w.client.patch(f"/api/events/{slug}", json=body, headers=w.auth("admin"))


async def test_a_mistyped_hashtag_and_name_are_fixed_everywhere(wall: Wall) -> None:
    """The answer, the event and the posting page (read, so cached, before) show the fix."""
    page = await wall.client.get("/post/xmas")
    assert "#XmasParty" in page.text
    reply = await patch(wall, {"name": "Xmas Party 2026", "hashtags": ["#XmasParty2026", "Theme"]})
    assert reply.status_code == 200, reply.text
    assert reply.json() == {
        "slug": "xmas",
        "name": "Xmas Party 2026",
        "hashtags": ["XmasParty2026", "Theme"],
        "moderation": "pre",
        "state": "live",
        "closing": "",
        "retention_days": None,
    }
    assert (await wall.client.get("/api/events/xmas")).json()["hashtags"] == [
        "XmasParty2026",
        "Theme",
    ]
    page = await wall.client.get("/post/xmas")
    assert "#XmasParty2026" in page.text and "#Theme" in page.text
    assert "#Dabei" not in page.text and "Xmas Party 2026" in page.text


async def test_only_the_fields_given_change(wall: Wall) -> None:
    """A PATCH with one field leaves the others as they were."""
    reply = await patch(wall, {"hashtags": ["XmasParty", "Dabei", "Theme"]})
    assert reply.status_code == 200, reply.text
    event = reply.json()
    assert event["name"] == "Christmas Party" and event["moderation"] == "pre"
    assert event["hashtags"] == ["XmasParty", "Dabei", "Theme"]


async def test_a_new_mode_applies_to_posts_arriving_after_it(wall: Wall) -> None:
    """Switched to post-moderation, the next post shows at once; the one before still waits."""
    before = (await wall.ingest("before")).json()
    assert before["status"] == "pending"
    reply = await patch(wall, {"moderation": "post"})
    assert reply.status_code == 200 and reply.json()["moderation"] == "post"
    after = (await wall.ingest("after")).json()
    assert after["status"] == "approved"
    queue = await wall.client.get(
        "/api/events/xmas/posts", params={"status": "pending"}, headers=wall.auth("moderator")
    )
    assert [p["id"] for p in queue.json()["posts"]] == [before["id"]]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"colour": "red"},
        {"name": "New", "slug": "other"},
        {"hashtags": []},
        {"hashtags": ["two words"]},
        {"hashtags": ["#"]},
        {"hashtags": "XmasParty"},
        {"name": "   "},
        {"name": ""},
        {"moderation": "maybe"},
        {"name": None},
    ],
)
async def test_bad_changes_are_refused_and_change_nothing(wall: Wall, body: Any) -> None:
    """Missing or unknown fields, an empty or invalid hashtag list, a blank name: 422."""
    assert_error(await patch(wall, body), 422, "validation_error")
    event = (await wall.client.get("/api/events/xmas")).json()
    assert event["name"] == "Christmas Party" and event["hashtags"] == ["XmasParty", "Dabei"]


async def test_an_unknown_event_is_404(wall: Wall) -> None:
    assert_error(await patch(wall, {"name": "X"}, slug="nope"), 404, "not_found")


async def test_an_admin_token_of_another_event_may_not(wall: Wall) -> None:
    """An admin token made for one event cannot edit another."""
    other = await wall.store.events.create("other", "Other", ["Other"])
    token = await wall.store.auth.create_token("admin", other.id)
    reply = await wall.client.patch(
        "/api/events/xmas", json={"name": "X"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert_error(reply, 403, "forbidden")


@pytest.mark.postgres
@pytest.mark.redis
async def test_an_edit_on_one_instance_shows_at_once_on_another(
    tmp_path: Path, postgres_url: str, redis_url: str
) -> None:
    """B has the event cached; A fixes the hashtag; B's posting page shows the fix at once
    (the broker carried the change: B's cache would otherwise keep the typo for its TTL)."""
    shared = {"database_url": postgres_url, "broker_url": redis_url}
    async with instance(tmp_path / "a", **shared) as a, instance(tmp_path / "b", **shared) as b:
        wall_a = await start_wall(a)
        client_b = httpx.AsyncClient(transport=httpx.ASGITransport(b), base_url="http://wall.test")
        forgotten = asyncio.Event()
        cache_b = b.state.services.store.cache
        forget = cache_b.forget

        def heard(kind: str) -> None:
            forget(kind)
            if kind == "events":
                forgotten.set()

        cache_b.forget = heard  # type: ignore[method-assign]
        async with wall_a.client, client_b:
            assert "#XmasParty" in (await client_b.get("/post/xmas")).text
            forgotten.clear()
            assert (await patch(wall_a, {"hashtags": ["XmasParty2026"]})).status_code == 200
            await asyncio.wait_for(forgotten.wait(), 5)  # the broker delivers in milliseconds
            page = (await client_b.get("/post/xmas")).text
            assert "#XmasParty2026" in page and "#Dabei" not in page


async def test_another_events_hijacked_hashtag_rule_follows_the_fix(wall: Wall) -> None:
    """The New Year party holds posts with the Christmas party's tags. Once #XmasParty becomes
    #XmasParty2026 there, a post with the new tag is held at the New Year party, one with the
    old tag is not, and the change is in its rules' history under the admin who made it."""
    nye = await wall.store.events.create("nye", "New Year", ["NYE2027"], "post")
    rule = {"kind": "hashtags", "foreign": ["Dabei", "XmasParty"], "verdict": "hold"}
    await wall.store.events.set_rules("nye", {"chain": [rule]})
    token = await wall.store.auth.create_token("ingest", nye.id)

    async def status(source_id: str, text: str) -> str:
        reply = await wall.client.post(
            "/api/events/nye/ingest",
            json={"source": "test", "source_id": source_id, "text": text},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert reply.status_code == 202, reply.text
        return str(reply.json()["status"])

    assert await status("1", "Prost #XmasParty2026") == "approved"
    reply = await patch(wall, {"hashtags": ["XmasParty2026", "Dabei"]})
    assert reply.status_code == 200, reply.text
    assert await status("2", "Prost #XmasParty2026") == "pending"
    assert await status("3", "Prost #XmasParty") == "approved"
    history = await wall.client.get("/api/events/nye/rules/history", headers=wall.auth("admin"))
    latest = history.json()["changes"][0]
    assert latest["rules"]["chain"][0]["foreign"] == ["Dabei", "XmasParty2026"]
    assert latest["actor"].startswith("token:")


async def test_open_walls_reload_for_a_new_name_or_tags_not_for_a_new_mode(
    live: LiveServer,
) -> None:
    """An open wall shows the name and tags it was rendered with: a fix tells every screen to
    reload (as the control page's Reload does); a mode switch changes nothing a wall shows."""
    w = live.wall
    start = (await screens(w))["wall_seq"]
    ws = await wall_socket(live, start)
    try:
        assert (await patch(w, {"moderation": "post"})).status_code == 200
        assert (await patch(w, {"hashtags": ["XmasParty2026"]})).status_code == 200
        (command,) = await receive(ws, 1)
    finally:
        await ws.close()
    assert command == {"type": "wall.command", "seq": start + 1, "screen": None, "action": "reload"}
