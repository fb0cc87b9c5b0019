"""Screens over HTTP: main made on first read, create, configure with versions, delete, steering
commands, announcements; each change reaches an open wall socket as a wall-log message."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import httpx
import pytest
import websockets
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from websockets.asyncio.client import ClientConnection

from tests.conftest import LiveServer, Wall
from wallserver.screens.config import default_config

SCREENS = "/api/events/xmas/screens"
COMMANDS = "/api/events/xmas/commands"
WAIT = 15.0  # only ever reached when a test fails


def assert_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    return body


async def screens(w: Wall) -> dict[str, Any]:
    response = await w.client.get(SCREENS, headers=w.auth("moderator"))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def named(listing: dict[str, Any], name: str) -> dict[str, Any]:
    return next(s for s in listing["screens"] if s["name"] == name)


async def create(w: Wall, name: str, config: dict[str, Any] | None = None) -> httpx.Response:
    body: dict[str, Any] = {"name": name}
    if config is not None:
        body["config"] = config
    return await w.client.post(SCREENS, json=body, headers=w.auth("admin"))


async def patch(w: Wall, name: str, config: dict[str, Any], version: int) -> httpx.Response:
    return await w.client.patch(
        f"{SCREENS}/{name}", json={"config": config, "version": version}, headers=w.auth("admin")
    )


async def steer(
    w: Wall, body: dict[str, Any], screen: str | None = None, role: str = "moderator"
) -> httpx.Response:
    url = COMMANDS if screen is None else f"{SCREENS}/{screen}/commands"
    return await w.client.post(url, json=body, headers=w.auth(role))


async def approved_post(w: Wall, source_id: str, text: str = "hello") -> int:
    created = await w.ingest(source_id, text)
    assert created.status_code == 202, created.text
    post_id: int = created.json()["id"]
    assert (await w.decide(post_id, "approve", 1)).status_code == 200
    return post_id


async def wall_socket(live: LiveServer, since: int) -> ClientConnection:
    ws = await websockets.connect(f"ws://127.0.0.1:{live.port}/ws/events/xmas/wall?since={since}")
    hello = json.loads(await ws.recv())
    assert hello["type"] == "hello"
    return ws


async def receive(ws: ClientConnection, count: int) -> list[dict[str, Any]]:
    async with asyncio.timeout(WAIT):
        return [json.loads(await ws.recv()) for _ in range(count)]


async def test_main_screen_exists_from_the_first_read(any_wall: Wall) -> None:
    """An event without screens lists ``main`` with default settings, announced on the wall log."""
    listing = await screens(any_wall)
    assert [s["name"] for s in listing["screens"]] == ["main"]
    main = listing["screens"][0]
    assert main["config"] == default_config()
    assert main["config"]["layout"] == "masonry"
    assert main["state"] == {"paused": False, "blackout": False, "spotlight": None}
    assert main["version"] == 1 and main["clients"] == [] and main["announcement"] is None
    assert listing["announcement"] is None
    assert listing["wall_seq"] == 1 and listing["heartbeats"] is True
    [entry] = await any_wall.store.wall.after(any_wall.event.id, 0)
    message = json.loads(entry.text)
    assert message == {
        "type": "wall.config",
        "seq": 1,
        "screen": "main",
        "config": main["config"],
        "version": 1,
    }
    again = await screens(any_wall)  # made once
    assert again["wall_seq"] == 1 and len(again["screens"]) == 1


async def test_concurrent_first_reads_make_one_main_screen(any_wall: Wall) -> None:
    """Ten control pages opening at once still find one main screen and one wall.config."""
    listings = await asyncio.gather(*(screens(any_wall) for _ in range(10)))
    assert {len(x["screens"]) for x in listings} == {1}
    assert await any_wall.store.wall.count(any_wall.event.id) == 1


async def test_create_screen_with_settings_and_refuse_duplicates(any_wall: Wall) -> None:
    """A new screen takes the given settings over the defaults; its name can be used once."""
    created = await create(any_wall, "lobby", {"layout": "ticker", "filters": {"media": "photos"}})
    assert created.status_code == 201, created.text
    lobby = created.json()
    assert lobby["config"]["layout"] == "ticker"
    assert lobby["config"]["filters"] == {"media": "photos", "sources": []}
    assert lobby["config"]["theme"] == default_config()["theme"]
    assert_error(await create(any_wall, "lobby"), 409, "conflict")
    assert_error(await create(any_wall, "main"), 409, "conflict")
    names = [s["name"] for s in (await screens(any_wall))["screens"]]
    assert names == ["main", "lobby"]


@pytest.mark.parametrize(
    "name", ["", "Lobby", "-lobby", "lob by", "a" * 41, "lobby/1", "ü", "lobby\x00"]
)
async def test_screen_names_are_checked(wall: Wall, name: str) -> None:
    """Names are 1-40 of lower-case letters, digits and dashes, starting with a letter or digit."""
    response = await create(wall, name)
    assert_error(response, 422, "validation_error")
    assert [s["name"] for s in (await screens(wall))["screens"]] == ["main"]


@pytest.mark.parametrize(
    ("config", "where"),
    [
        ({"layuot": "ticker"}, "layuot"),
        ({"theme": {"backgrond": "#000000"}}, "theme.backgrond"),
        ({"layout": "grid"}, "layout"),
        ({"theme": {"background": "red"}}, "theme.background"),
        ({"theme": {"background": "#12345"}}, "theme.background"),
        ({"theme": {"logo_url": "https://evil.example/x.jpg"}}, "theme.logo_url"),
        ({"theme": {"logo_url": "/media/x.jpg);background:url(//evil"}}, "theme.logo_url"),
        ({"theme": {"font": "comic"}}, "theme.font"),
        ({"pacing": {"dwell_seconds": 1}}, "pacing.dwell_seconds"),
        ({"pacing": {"recycle_seconds": 3601}}, "pacing.recycle_seconds"),
        ({"filters": {"media": "video"}}, "filters.media"),
        ({"title": "x" * 121}, "title"),
        ({"cta": {"text": "x" * 201}}, "cta.text"),
        ({"custom_css": "x" * 20_001}, "custom_css"),
    ],
)
async def test_bad_settings_are_refused_and_change_nothing(
    wall: Wall, config: dict[str, Any], where: str
) -> None:
    """Unknown keys and bad values answer 422 naming the setting; the screen stays as it was."""
    before = named(await screens(wall), "main")
    body = assert_error(await patch(wall, "main", config, 1), 422, "validation_error")
    assert where in body["error"]["message"]
    after = named(await screens(wall), "main")
    assert after["config"] == before["config"] and after["version"] == 1
    assert_error(await create(wall, "lobby", config), 422, "validation_error")


async def test_patch_deep_merges_and_bumps_the_version(any_wall: Wall) -> None:
    """A partial config changes only what it names; the version goes up by one per change."""
    await screens(any_wall)
    response = await patch(
        any_wall, "main", {"theme": {"background": "#ABCDEF"}, "title": "Gala"}, 1
    )
    assert response.status_code == 200, response.text
    main = response.json()
    assert main["version"] == 2
    assert main["config"]["theme"] == {**default_config()["theme"], "background": "#abcdef"}
    assert main["config"]["title"] == "Gala"
    assert main["config"]["layout"] == "masonry"
    second = await patch(any_wall, "main", {"cta": {"show": False}}, 2)
    assert second.json()["config"]["theme"]["background"] == "#abcdef"
    assert second.json()["config"]["cta"] == {"show": False, "text": ""}
    assert second.json()["version"] == 3


async def test_a_stale_version_is_refused_with_the_current_screen(any_wall: Wall) -> None:
    """Two editors saving from the same version: the second gets 409 and the screen as it is."""
    await screens(any_wall)
    first = await patch(any_wall, "main", {"layout": "spotlight"}, 1)
    assert first.status_code == 200
    stale = await patch(any_wall, "main", {"layout": "ticker"}, 1)
    body = assert_error(stale, 409, "stale_version")
    assert body["screen"]["version"] == 2
    assert body["screen"]["config"]["layout"] == "spotlight"
    assert named(await screens(any_wall), "main")["config"]["layout"] == "spotlight"


async def test_patch_of_an_unknown_screen_is_404(wall: Wall) -> None:
    """Only existing screens can be configured or steered."""
    assert_error(await patch(wall, "nope", {"layout": "ticker"}, 1), 404, "not_found")
    assert_error(await steer(wall, {"action": "pause"}, "nope"), 404, "not_found")


async def test_delete_screen_but_never_main(wall: Wall) -> None:
    """A deleted screen is gone (and its page a 404); ``main`` cannot be deleted."""
    assert (await create(wall, "lobby")).status_code == 201
    assert_error(
        await wall.client.delete(f"{SCREENS}/main", headers=wall.auth("admin")), 400, "bad_request"
    )
    deleted = await wall.client.delete(f"{SCREENS}/lobby", headers=wall.auth("admin"))
    assert deleted.status_code == 204
    assert [s["name"] for s in (await screens(wall))["screens"]] == ["main"]
    gone = await wall.client.get("/wall/xmas?screen=lobby", headers={"Accept": "text/html"})
    assert gone.status_code == 404
    assert_error(
        await wall.client.delete(f"{SCREENS}/lobby", headers=wall.auth("admin")), 404, "not_found"
    )
    assert (await create(wall, "lobby")).status_code == 201  # the name is free again


async def test_changes_reach_an_open_wall_in_order(live: LiveServer) -> None:
    """A wall socket gets wall.config, wall.state, wall.announce and wall.command as they happen."""
    w = live.wall
    start = (await screens(w))["wall_seq"]
    ws = await wall_socket(live, start)
    try:
        assert (await patch(w, "main", {"theme": {"accent": "#112233"}}, 1)).status_code == 200
        paused = await steer(w, {"action": "pause"}, "main")
        assert paused.status_code == 202
        announced = await steer(w, {"action": "announce", "text": "Dinner!", "style": "fullscreen"})
        assert (await steer(w, {"action": "next"})).status_code == 202
        messages = await receive(ws, 4)
    finally:
        await ws.close()
    config, state, announce, command = messages
    assert [m["seq"] for m in messages] == [start + 1, start + 2, start + 3, start + 4]
    assert paused.json() == {"seq": start + 2} and announced.json() == {"seq": start + 3}
    assert config["type"] == "wall.config" and config["screen"] == "main"
    assert config["config"]["theme"]["accent"] == "#112233" and config["version"] == 2
    assert state == {
        "type": "wall.state",
        "seq": start + 2,
        "screen": "main",
        "state": {"paused": True, "blackout": False, "spotlight": None},
    }
    assert announce["type"] == "wall.announce" and announce["screen"] is None
    assert announce["announcement"]["text"] == "Dinner!"
    assert announce["announcement"]["style"] == "fullscreen"
    assert announce["announcement"]["until"] is None
    assert command == {"type": "wall.command", "seq": start + 4, "screen": None, "action": "next"}


async def test_state_commands_for_one_screen_and_for_all(any_wall: Wall) -> None:
    """Per screen, a command changes that screen; for all, every screen gets its own wall.state."""
    assert (await create(any_wall, "lobby")).status_code == 201
    assert (await steer(any_wall, {"action": "blackout"}, "lobby")).status_code == 202
    listing = await screens(any_wall)
    assert named(listing, "lobby")["state"]["blackout"] is True
    assert named(listing, "main")["state"]["blackout"] is False
    before = listing["wall_seq"]
    assert (await steer(any_wall, {"action": "pause"})).status_code == 202
    listing = await screens(any_wall)
    assert named(listing, "main")["state"] == {"paused": True, "blackout": False, "spotlight": None}
    assert named(listing, "lobby")["state"] == {"paused": True, "blackout": True, "spotlight": None}
    sent = [json.loads(m.text) for m in await any_wall.store.wall.after(any_wall.event.id, before)]
    assert [(m["type"], m["screen"]) for m in sent] == [
        ("wall.state", "main"),
        ("wall.state", "lobby"),
    ]
    assert (await steer(any_wall, {"action": "resume"})).status_code == 202
    assert (await steer(any_wall, {"action": "unblackout"}, "lobby")).status_code == 202
    listing = await screens(any_wall)
    for name in ("main", "lobby"):
        assert named(listing, name)["state"] == {
            "paused": False,
            "blackout": False,
            "spotlight": None,
        }


async def test_spotlight_only_for_approved_posts_of_the_event(any_wall: Wall) -> None:
    """Spotlight takes an approved post of this event (the message carries it); others are 404
    or 409 and change nothing."""
    post_id = await approved_post(any_wall, "s-1", "Look at this")
    pending = (await any_wall.ingest("s-2", "not yet")).json()["id"]
    before = (await screens(any_wall))["wall_seq"]
    not_yet = {"action": "spotlight", "post_id": pending}
    assert_error(await steer(any_wall, not_yet), 409, "conflict")
    missing = {"action": "spotlight", "post_id": 999_999}
    assert_error(await steer(any_wall, missing), 404, "not_found")
    other = await any_wall.store.events.create("other", "Other", ["other"])
    token = await any_wall.store.auth.create_token("ingest", other.id)
    foreign = await any_wall.client.post(
        "/api/events/other/ingest",
        json={"source": "test", "source_id": "o-1", "text": "elsewhere"},
        headers={"Authorization": f"Bearer {token}"},
    )
    foreign_spot = {"action": "spotlight", "post_id": foreign.json()["id"]}
    assert_error(await steer(any_wall, foreign_spot), 404, "not_found")
    assert (await screens(any_wall))["wall_seq"] == before  # nothing written
    spot = await steer(any_wall, {"action": "spotlight", "post_id": post_id}, "main")
    assert spot.status_code == 202
    [entry] = await any_wall.store.wall.after(any_wall.event.id, before)
    message = json.loads(entry.text)
    assert message["state"]["spotlight"] == post_id
    assert message["post"]["id"] == post_id and message["post"]["text"] == "Look at this"
    assert named(await screens(any_wall), "main")["state"]["spotlight"] == post_id
    assert (await steer(any_wall, {"action": "clear_spotlight"})).status_code == 202
    assert named(await screens(any_wall), "main")["state"]["spotlight"] is None


async def test_layout_command_changes_the_config_without_a_version(wall: Wall) -> None:
    """Switching layout from the steering buttons needs no version and bumps it."""
    assert (await create(wall, "lobby")).status_code == 201
    carousel = await steer(wall, {"action": "layout", "layout": "carousel"}, "lobby")
    assert carousel.status_code == 202
    listing = await screens(wall)
    assert named(listing, "lobby")["config"]["layout"] == "carousel"
    assert named(listing, "lobby")["version"] == 2
    assert named(listing, "main")["config"]["layout"] == "masonry"
    assert (await steer(wall, {"action": "layout", "layout": "swarm"})).status_code == 202
    listing = await screens(wall)
    assert {s["config"]["layout"] for s in listing["screens"]} == {"swarm"}


async def test_announcements_per_event_and_per_screen_latest_wins(any_wall: Wall) -> None:
    """A screen shows whichever announcement (its own or the event's) came last; clearing the
    event's one after a screen's own clears what that screen shows too."""
    assert (await create(any_wall, "lobby")).status_code == 201
    until = time.time() + 300
    everywhere = {"action": "announce", "text": "Doors close soon", "until": until}
    assert (await steer(any_wall, everywhere)).status_code == 202
    listing = await screens(any_wall)
    assert listing["announcement"]["text"] == "Doors close soon"
    assert listing["announcement"]["style"] == "banner"
    assert listing["announcement"]["until"] == pytest.approx(until, abs=0.01)
    assert named(listing, "lobby")["announcement"] == listing["announcement"]
    lobby_only = {"action": "announce", "text": "Cloakroom left", "style": "banner"}
    assert (await steer(any_wall, lobby_only, "lobby")).status_code == 202
    listing = await screens(any_wall)
    assert named(listing, "lobby")["announcement"]["text"] == "Cloakroom left"
    assert named(listing, "main")["announcement"]["text"] == "Doors close soon"
    assert (await steer(any_wall, {"action": "clear_announcement"})).status_code == 202
    listing = await screens(any_wall)
    assert listing["announcement"] is None
    assert named(listing, "main")["announcement"] is None
    assert named(listing, "lobby")["announcement"] is None


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"action": "explode"},
        {"action": "spotlight"},
        {"action": "spotlight", "post_id": "7"},
        {"action": "spotlight", "post_id": 2**40},
        {"action": "layout", "layout": "grid"},
        {"action": "announce"},
        {"action": "announce", "text": "   "},
        {"action": "announce", "text": "x" * 501},
        {"action": "announce", "text": "hi", "style": "popup"},
        {"action": "announce", "text": "hi", "until": 1},
        {"action": "announce", "text": "hi", "until": time.time() + 8 * 24 * 3600},
        {"action": "pause", "extra": 1},
    ],
)
async def test_bad_commands_are_422_and_write_nothing(wall: Wall, body: dict[str, Any]) -> None:
    """Unknown actions, missing or bad fields, past or far countdowns: 422, nothing changes."""
    before = (await screens(wall))["wall_seq"]
    assert_error(await steer(wall, body), 422, "validation_error")
    assert_error(await steer(wall, body, "main"), 422, "validation_error")
    assert (await screens(wall))["wall_seq"] == before


async def test_moderators_steer_but_only_admins_configure(wall: Wall) -> None:
    """Moderators may steer screens; creating, configuring and deleting need an admin."""
    await screens(wall)
    headers = wall.auth("moderator")
    assert_error(
        await wall.client.post(SCREENS, json={"name": "lobby"}, headers=headers), 403, "forbidden"
    )
    refused = await wall.client.patch(
        f"{SCREENS}/main", json={"config": {"layout": "ticker"}, "version": 1}, headers=headers
    )
    assert_error(refused, 403, "forbidden")
    assert (await steer(wall, {"action": "layout", "layout": "ticker"})).status_code == 202
    display = await wall.client.get(SCREENS, headers=wall.auth("display"))
    assert_error(display, 403, "forbidden")


async def test_tokens_of_another_event_cannot_steer_this_one(wall: Wall) -> None:
    """An admin or moderator token made for another event is refused on this event's screens."""
    other = await wall.store.events.create("other", "Other", ["other"])
    for role in ("admin", "moderator"):
        token = await wall.store.auth.create_token(role, other.id)
        headers = {"Authorization": f"Bearer {token}"}
        assert_error(await wall.client.get(SCREENS, headers=headers), 403, "forbidden")
        refused = await wall.client.post(COMMANDS, json={"action": "pause"}, headers=headers)
        assert_error(refused, 403, "forbidden")


async def test_cookie_sessions_need_the_csrf_header_to_steer(wall: Wall) -> None:
    """The control page's session must send X-CSRF-Token with every command."""
    await wall.store.auth.create_user("stage", "moderator", "correct horse battery")
    login = await wall.client.post(
        "/api/session", json={"name": "stage", "password": "correct horse battery"}
    )
    csrf = login.json()["csrf_token"]
    assert_error(await wall.client.post(COMMANDS, json={"action": "pause"}), 403, "csrf_failed")
    done = await wall.client.post(
        COMMANDS, json={"action": "pause"}, headers={"X-CSRF-Token": csrf}
    )
    assert done.status_code == 202


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner),
    max_leaves=12,
)
settings_keys = st.sampled_from(
    ["layout", "filters", "pacing", "theme", "title", "cta", "custom_css", "media", "background"]
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(patch_body=st.dictionaries(settings_keys, json_values, max_size=4))
async def test_any_patch_is_a_clean_answer_and_leaves_a_valid_config(
    wall: Wall, patch_body: dict[str, Any]
) -> None:
    """Whatever JSON a PATCH carries, the answer is 200 or a 4xx error, and the stored config
    is still complete and valid (never a 500, never a half-applied change)."""
    before = named(await screens(wall), "main")
    response = await patch(wall, "main", patch_body, before["version"])
    after = named(await screens(wall), "main")
    if response.status_code == 200:
        assert after["version"] == before["version"] + 1
    else:
        assert_error(response, 422, "validation_error")
        assert after == before
    assert set(after["config"]) == set(default_config())
