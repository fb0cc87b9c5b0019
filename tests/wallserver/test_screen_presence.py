"""Heartbeats: what a wall page sends is checked, bounded and shared across instances, and the
control page's listing shows each screen's clients, online or recently gone."""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import LiveServer, Wall, instance, running, start_wall
from wallserver.broker import Broker, create_broker
from wallserver.screens import presence
from wallserver.screens.presence import Heartbeat, Presence

SCREENS = "/api/events/xmas/screens"
WAIT = 10.0  # only ever reached when a test fails


class Clock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def heartbeat(client: str = "c1", screen: str = "main", **fields: Any) -> dict[str, Any]:
    return {
        "type": "heartbeat",
        "screen": screen,
        "client": client,
        "width": 1920,
        "height": 1080,
        "layout": "masonry",
        "last_seq": 3,
        "version": "0.1.0",
        "offline_since": None,
        **fields,
    }


def beat(client: str = "c1", screen: str = "main", **fields: Any) -> Heartbeat:
    parsed = presence.parse(json.dumps(heartbeat(client, screen, **fields)))
    assert parsed is not None
    return parsed


@pytest.fixture(
    params=[
        "memory",
        pytest.param("redis", marks=pytest.mark.redis),
        pytest.param("postgres", marks=pytest.mark.postgres),
    ]
)
async def broker(request: pytest.FixtureRequest) -> AsyncIterator[Broker]:
    """The presence table on each backend (Redis and PostgreSQL under a namespace of their own)."""
    param = request.param
    url = "memory://" if param == "memory" else request.getfixturevalue(f"{param}_url")
    started = create_broker(url, f"test-{secrets.token_hex(6)}")
    await started.start()
    try:
        yield started
    finally:
        await started.close()


# --- what a frame must look like ------------------------------------------------------------


def test_a_contract_heartbeat_is_read() -> None:
    """The frame from the contract is read field by field; unknown extra keys are ignored."""
    parsed = presence.parse(json.dumps(heartbeat(offline_since=1_700_000_000, extra="x")))
    assert parsed is not None
    assert (parsed.screen, parsed.client, parsed.width, parsed.height) == ("main", "c1", 1920, 1080)
    assert (parsed.layout, parsed.last_seq, parsed.version) == ("masonry", 3, "0.1.0")
    assert parsed.offline_since == 1_700_000_000.0


@pytest.mark.parametrize(
    "frame",
    [
        "",
        "not json",
        "[]",
        "null",
        json.dumps({"type": "hello"}),
        json.dumps(heartbeat(width="1920")),
        json.dumps(heartbeat(width=True)),
        json.dumps(heartbeat(width=-1)),
        json.dumps(heartbeat(last_seq=1.5)),
        json.dumps(heartbeat(screen="Lobby")),
        json.dumps(heartbeat(client="")),
        json.dumps(heartbeat(client="<script>")),
        json.dumps(heartbeat(layout="<b>masonry</b>")),
        json.dumps(heartbeat(version="v" * 41)),
        json.dumps(heartbeat(offline_since="x" * 41)),
        json.dumps(heartbeat(version="v" * 30, padding="p" * 2000)),  # over 2 KiB
    ],
)
def test_malformed_or_oversized_frames_are_ignored(frame: str) -> None:
    """Anything that is not the contract's heartbeat within 2 KiB is not a heartbeat."""
    assert presence.parse(frame) is None


@given(st.text(max_size=3000))
def test_no_text_frame_makes_the_reader_raise(frame: str) -> None:
    """Any text at all is read as a heartbeat or ignored, never an exception."""
    parsed = presence.parse(frame)
    assert parsed is None or isinstance(parsed, Heartbeat)


@given(
    st.dictionaries(
        st.sampled_from(list(heartbeat())),
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=50),
    )
)
def test_no_heartbeat_shaped_object_makes_the_reader_raise(fields: dict[str, Any]) -> None:
    """Heartbeat-like objects with any values are read or ignored, never an exception."""
    parsed = presence.parse(json.dumps({**heartbeat(), **fields}))
    assert parsed is None or parsed.type == "heartbeat"


# --- the shared table -------------------------------------------------------------------------


async def test_a_client_is_online_then_offline_then_forgotten(broker: Broker) -> None:
    """Online while its last beat is at most 30 s old, listed offline for 10 minutes, then gone."""
    clock = Clock()
    table = Presence(broker, clock)
    assert await table.beat(1, beat("c1", width=1280, height=720), trusted=True)
    [seen] = await table.clients(1)
    assert seen.view(clock())["online"] is True
    assert (seen.client, seen.width, seen.height, seen.last_seq) == ("c1", 1280, 720, 3)
    clock.now += 31
    [seen] = await table.clients(1)
    assert seen.view(clock())["online"] is False
    clock.now += 600
    assert await table.clients(1) == []
    assert await table.clients(2) == []  # events do not share clients


async def test_anonymous_beats_cannot_push_out_screens_with_a_token(broker: Broker) -> None:
    """A full anonymous table refuses new clients while all are online; screens that connect
    with the event's token keep their own places."""
    clock = Clock()
    table = Presence(broker, clock)
    for n in range(presence.LIMITS[False]):
        assert await table.beat(1, beat(f"anon{n}"), trusted=False)
        clock.now += 0.01
    assert not await table.beat(1, beat("anon-extra"), trusted=False)
    assert await table.beat(1, beat("anon0", last_seq=9), trusted=False)  # known: still beats
    assert await table.beat(1, beat("stage"), trusted=True)
    listed = {b.client for b in await table.clients(1)}
    assert "stage" in listed and "anon-extra" not in listed
    assert len(listed) == presence.LIMITS[False] + 1


async def test_a_full_table_makes_room_by_dropping_the_longest_gone(broker: Broker) -> None:
    """When every place is taken, a new client replaces the one offline longest."""
    clock = Clock()
    table = Presence(broker, clock)
    limit = presence.LIMITS[False]
    for n in range(limit):
        assert await table.beat(1, beat(f"old{n}"), trusted=False)
        clock.now += 0.01
    clock.now += 40  # all of them offline now
    for n in range(1, limit):
        assert await table.beat(1, beat(f"old{n}"), trusted=False)  # back online, except old0
    assert await table.beat(1, beat("new"), trusted=False)
    listed = {b.client for b in await table.clients(1)}
    assert "new" in listed and "old0" not in listed and len(listed) == limit


async def test_a_client_listed_with_and_without_a_token_appears_once(broker: Broker) -> None:
    """A screen that reconnects with a token is one client, shown as it last reported."""
    clock = Clock()
    table = Presence(broker, clock)
    await table.beat(1, beat("c1", layout="masonry"), trusted=False)
    clock.now += 5
    await table.beat(1, beat("c1", layout="ticker"), trusted=True)
    [seen] = await table.clients(1)
    assert seen.layout == "ticker" and seen.trusted is True


@pytest.mark.redis
async def test_instances_sharing_a_redis_see_each_others_clients(redis_url: str) -> None:
    """A beat received by one instance is listed by another; another deployment sees nothing."""
    namespace = f"test-{secrets.token_hex(6)}"
    one, two = create_broker(redis_url, namespace), create_broker(redis_url, namespace)
    stranger = create_broker(redis_url, f"test-{secrets.token_hex(6)}")
    for b in (one, two, stranger):
        await b.start()
    try:
        clock = Clock()
        await Presence(one, clock).beat(7, beat("lobby-pc", "lobby"), trusted=True)
        [seen] = await Presence(two, clock).clients(7)
        assert (seen.client, seen.screen) == ("lobby-pc", "lobby")
        assert await Presence(stranger, clock).clients(7) == []
    finally:
        for b in (one, two, stranger):
            await b.close()


# --- end to end: a wall socket beats, the control page's listing shows it ------------------------


async def listing(w: Wall) -> dict[str, Any]:
    response = await w.client.get(SCREENS, headers=w.auth("moderator"))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def clients_of(w: Wall, screen: str = "main") -> list[dict[str, Any]]:
    found = next(s for s in (await listing(w))["screens"] if s["name"] == screen)
    clients: list[dict[str, Any]] = found["clients"]
    return clients


async def until_listed(w: Wall, check: Any, screen: str = "main") -> list[dict[str, Any]]:
    """Poll the listing until ``check(clients)`` holds (the socket handles beats on its own)."""
    async with asyncio.timeout(WAIT):
        while True:
            clients = await clients_of(w, screen)
            if check(clients):
                return clients
            await asyncio.sleep(0.05)


def socket_url(live: LiveServer, token: str | None = None) -> str:
    url = f"ws://127.0.0.1:{live.port}/ws/events/xmas/wall?since=0"
    return url if token is None else f"{url}&token={token}"


async def test_a_wall_socket_heartbeat_shows_in_the_listing(live: LiveServer) -> None:
    """A screen's beat appears under its screen with resolution, layout, last seq and version."""
    await listing(live.wall)  # main exists
    async with websockets.connect(socket_url(live, live.wall.tokens["display"])) as ws:
        await ws.recv()
        await ws.send(json.dumps(heartbeat("stage-pc", width=3840, height=1080, last_seq=1)))
        [client] = await until_listed(live.wall, lambda c: len(c) == 1)
    assert client["client"] == "stage-pc"
    assert (client["width"], client["height"], client["layout"]) == (3840, 1080, "masonry")
    assert (client["last_seq"], client["version"], client["online"]) == (1, "0.1.0", True)
    assert client["trusted"] is True
    assert isinstance(client["seen_at"], float)


async def test_junk_on_the_wall_socket_is_ignored_and_the_stream_goes_on(live: LiveServer) -> None:
    """Garbage, oversized frames, binary frames, a second client id and unknown screens change
    nothing, and the socket keeps delivering wall events."""
    w = live.wall
    await listing(w)
    assert (
        await w.client.post(SCREENS, json={"name": "lobby"}, headers=w.auth("admin"))
    ).is_success
    start = (await listing(w))["wall_seq"]
    url = f"ws://127.0.0.1:{live.port}/ws/events/xmas/wall?since={start}"
    async with websockets.connect(url) as ws:
        await ws.recv()
        await ws.send(json.dumps(heartbeat("first", "lobby")))
        await until_listed(w, lambda c: len(c) == 1, "lobby")
        for junk in (
            "{",
            "x" * 100_000,
            b"\x00\x01binary",
            json.dumps(heartbeat("second", "lobby")),  # one connection, one client
            json.dumps(heartbeat("first", "nope")),  # no such screen
            json.dumps(heartbeat("first", "lobby", width="wide")),
            json.dumps(heartbeat("first", "lobby", width=1111)),  # frames are read in order
        ):
            await ws.send(junk)
        await until_listed(w, lambda c: c[0]["width"] == 1111, "lobby")
        paused = await w.client.post(
            f"{SCREENS}/lobby/commands", json={"action": "pause"}, headers=w.auth("moderator")
        )
        assert paused.status_code == 202
        async with asyncio.timeout(WAIT):
            message = json.loads(await ws.recv())
    assert (message["type"], message["seq"], message["screen"]) == (
        "wall.state",
        start + 1,
        "lobby",
    )
    clients = await clients_of(w, "lobby")
    assert [(c["client"], c["width"]) for c in clients] == [("first", 1111)]
    assert await clients_of(w, "main") == []


async def test_a_flood_of_beats_is_cut_to_a_steady_rate() -> None:
    """A connection sending beats in a tight loop gets a short burst recorded, then one a second."""
    clock = Clock()
    table = Presence(create_broker("memory://"), clock)

    async def exists(name: str) -> bool:
        return True

    reader = presence.Listener(table, exists, 1, trusted=False, clock=clock)
    for seq in range(1, 101):
        await reader.receive(json.dumps(heartbeat("busy", last_seq=seq)))
    [seen] = await table.clients(1)
    assert seen.last_seq == presence.BURST
    clock.now += 1 / presence.PER_SECOND
    for seq in range(101, 201):
        await reader.receive(json.dumps(heartbeat("busy", last_seq=seq)))
    [seen] = await table.clients(1)
    assert seen.last_seq == 101


@pytest.mark.postgres
@pytest.mark.redis
async def test_a_screen_on_one_instance_is_listed_by_another(
    tmp_path: Path, postgres_url: str, redis_url: str
) -> None:
    """Behind a load balancer the control page may ask any instance: all list every screen."""
    shared = {"database_url": postgres_url, "broker_url": redis_url}
    async with instance(tmp_path / "a", **shared) as a, instance(tmp_path / "b", **shared) as b:
        wall_a = await start_wall(a)
        client_b = httpx.AsyncClient(transport=httpx.ASGITransport(b), base_url="http://wall.test")
        wall_b = Wall(b, b.state.services.store, wall_a.event, wall_a.tokens, client_b)
        async with wall_a.client, wall_b.client, running(wall_b) as live_b:
            await listing(wall_a)
            async with websockets.connect(socket_url(live_b)) as ws:
                await ws.recv()
                await ws.send(json.dumps(heartbeat("on-b")))
                [client] = await until_listed(wall_a, lambda c: len(c) == 1)
    assert client["client"] == "on-b" and client["online"] is True


async def test_the_listing_still_answers_when_the_broker_cannot(
    wall: Wall, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With Redis unreachable the control page still gets its screens (steering works); it is
    told that heartbeats are unknown instead of getting an error."""

    async def unreachable(*args: Any, **kwargs: Any) -> Any:
        raise ConnectionError("redis is down")

    monkeypatch.setattr(wall.app.state.services.broker, "presence_list", unreachable)
    body = await listing(wall)
    assert body["heartbeats"] is False
    assert [s["name"] for s in body["screens"]] == ["main"]
    assert body["screens"][0]["clients"] == []
    monkeypatch.undo()
    assert (await listing(wall))["heartbeats"] is True
