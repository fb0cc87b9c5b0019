"""The fan-out of issue #12 end to end: live walls written straight to their sockets, a wall
that stops reading dropped without holding up the others, lost broker messages recovered,
walls resuming on another instance, and one event served by ``uvicorn --workers 2``."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import signal
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets

from tests.conftest import LiveServer, Wall, free_port, make_settings, running, start_wall
from tests.wallserver.test_stream import (
    WAIT,
    Viewer,
    approve_new,
    hello,
    instance,
    peer,
    read_until_closed,
    receive,
    wall_url,
)
from wallserver.app import create_app
from wallserver.broker import Broker
from wallserver.store import NewPost
from wallserver.stream.hub import Hub
from wallserver.stream.protocol import IMPORT_PATH

REPO = Path(__file__).resolve().parents[2]


def hub_of(w: Wall) -> Hub:
    hub: Hub = w.app.state.services.hub
    return hub


@pytest.mark.parametrize("compression", [None, "deflate"])
async def test_live_walls_are_written_directly_and_get_every_event_once(
    live: LiveServer, compression: str | None
) -> None:
    """Walls that finished their replay are written to directly (pre-framed, or through the
    connection's own compression), and each receives every approval once, in seq order."""
    w = live.wall
    first = await approve_new(w, "before")
    sockets = [
        await websockets.connect(wall_url(live, 0), compression=compression) for _ in range(3)
    ]
    try:
        for ws in sockets:
            await hello(ws)
            [replayed] = await receive(ws, 1)
            assert replayed["post"]["id"] == first
        clients = hub_of(w)._channels[w.event.id].clients
        later = [await approve_new(w, f"live-{i}") for i in range(5)]
        for ws in sockets:
            got = await receive(ws, 5)
            assert [m["seq"] for m in got] == [2, 3, 4, 5, 6]
            assert [m["post"]["id"] for m in got] == later
        assert all(c.live and c.socket is not None for c in clients)
    finally:
        for ws in sockets:
            await ws.close()


async def test_under_uvicorns_own_protocol_walls_are_served_through_asgi(
    wall: Wall, caplog: pytest.LogCaptureFixture
) -> None:
    """A uvicorn started without ``--ws wallserver.stream.protocol:WallProtocol`` still serves
    walls every event once, through ASGI, and the log says once how to get direct writes."""
    async with running(wall, ws="websockets-sansio") as live:
        sockets = [await websockets.connect(wall_url(live, 0)) for _ in range(2)]
        try:
            for ws in sockets:
                await hello(ws)
            posted = await approve_new(wall, "asgi-path")
            for ws in sockets:
                [got] = await receive(ws, 1)
                assert got["post"]["id"] == posted
            clients = hub_of(wall)._channels[wall.event.id].clients
            assert all(not c.live and c.socket is None for c in clients)
        finally:
            for ws in sockets:
                await ws.close()
    told = [r for r in caplog.records if IMPORT_PATH in r.getMessage()]
    assert len(told) == 1 and told[0].levelname == "WARNING"


def unread_socket(port: int) -> socket.socket:
    """A connected socket with a tiny receive buffer that its owner never reads."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", port))
    sock.setblocking(False)
    return sock


async def test_a_wall_that_stops_reading_is_dropped_and_the_others_keep_receiving(
    tmp_path: Path,
) -> None:
    """A wall that never reads fills its send buffer and is dropped; walls beside it get every
    post meanwhile, in order, and the dropped one is no longer fanned out to."""
    config = make_settings(
        tmp_path / "data",
        ws_send_buffer_bytes=64 * 1024,
        max_text_length=40_000,
        sqlite_synchronous="NORMAL",
    )
    app = create_app(config)
    async with app.router.lifespan_context(app):
        w = await start_wall(app, moderation="post")
        async with w.client, running(w) as live:
            stuck = unread_socket(live.port)
            slow = await websockets.connect(
                wall_url(live, 0), sock=stuck, compression=None, max_queue=1
            )
            assert (await hello(slow))["seq"] == 0
            viewers = [Viewer(wall_url(live), 0) for _ in range(3)]
            for viewer in viewers:
                await viewer.connect()
            channel = hub_of(w)._channels[w.event.id]
            posts = 0
            while not any(c.too_slow for c in channel.clients):
                posts += 1
                assert posts < 2000, "the server never noticed the wall that stopped reading"
                await app.state.services.pipeline.ingest(
                    w.event,
                    NewPost(source="test", source_id=f"big-{posts}", text="x" * 30_000),
                )
            # a few more after the drop: the others must not be held up by it
            for extra in range(5):
                await app.state.services.pipeline.ingest(
                    w.event, NewPost(source="test", source_id=f"after-{extra}", text="after")
                )
            final = await w.store.wall.current_seq(w.event.id)
            for viewer in viewers:
                await viewer.wait_for(final)
                assert [m["seq"] for m in viewer.received] == list(range(1, final + 1))
            await asyncio.gather(*hub_of(w)._chores)  # its close (4008, or cut off if unread)
            seqs, code = await read_until_closed(slow)  # what it had been sent, then the end
            for viewer in viewers:
                await viewer.drop()
    assert code in (4008, 1006)
    assert seqs == list(range(1, len(seqs) + 1)) and seqs[-1] < final


class Lossy:
    """A broker that loses the next ``drop`` wall messages published through it (as Redis
    pub/sub does while reconnecting), and passes everything else on."""

    def __init__(self, broker: Broker, drop: int) -> None:
        self.broker = broker
        self.drop = drop
        self.dropped = 0

    def install(self) -> None:
        publish = self.broker.publish

        async def lossy(channel: str, text: str) -> None:
            if channel.startswith("wall:") and self.dropped < self.drop:
                self.dropped += 1
                return
            await publish(channel, text)

        self.broker.publish = lossy  # type: ignore[method-assign]


@contextlib.asynccontextmanager
async def two_instances(
    tmp_path: Path, request: pytest.FixtureRequest, broker: str
) -> AsyncIterator[tuple[Wall, Wall]]:
    """Instances A and B of one deployment on ``broker`` (``memory`` is a single instance
    answering as both), each with its HTTP client."""
    if broker == "memory":
        app = create_app(make_settings(tmp_path / "a"))
        async with app.router.lifespan_context(app):
            w = await start_wall(app)
            async with w.client:
                yield w, w
        return
    postgres_url: str = request.getfixturevalue("postgres_url")
    broker_url = postgres_url if broker == "postgres" else request.getfixturevalue("redis_url")
    secret = f"fanout-test-{secrets.token_hex(8)}"  # channels of this test's own
    shared = {"database_url": postgres_url, "broker_url": broker_url}
    async with (
        instance(tmp_path / "a", secret, **shared) as a,
        instance(tmp_path / "b", secret, **shared) as b,
    ):
        wall_a = await start_wall(a)
        wall_b = peer(b, wall_a)
        async with wall_a.client, wall_b.client:
            yield wall_a, wall_b


BROKERS = [
    "memory",
    pytest.param("redis", marks=[pytest.mark.redis, pytest.mark.postgres]),
    pytest.param("postgres", marks=pytest.mark.postgres),
]


@pytest.mark.parametrize("broker", BROKERS)
async def test_a_wall_message_lost_by_the_broker_is_recovered_in_order(
    tmp_path: Path, request: pytest.FixtureRequest, broker: str
) -> None:
    """The broker loses an approval's message: the next one reveals the gap, which is read from
    the database, so the wall gets both, in order, once (the periodic check is off)."""
    async with two_instances(tmp_path, request, broker) as (a, b):
        hub_of(b).resync_seconds = 3600
        Lossy(hub_of(a).broker, drop=1).install()
        async with running(b) as live_b, websockets.connect(wall_url(live_b, 0)) as ws:
            assert (await hello(ws))["seq"] == 0
            lost = await approve_new(a, "lost-in-the-broker")
            kept = await approve_new(a, "delivered")
            got = await receive(ws, 2)
    assert [(m["seq"], m["post"]["id"]) for m in got] == [(1, lost), (2, kept)]


@pytest.mark.parametrize("broker", BROKERS)
async def test_a_lost_last_message_is_caught_up_by_the_periodic_check(
    tmp_path: Path, request: pytest.FixtureRequest, broker: str
) -> None:
    """When the broker loses the last message, nothing reveals the gap but the periodic check
    against the database, which delivers it."""
    async with two_instances(tmp_path, request, broker) as (a, b):
        hub_of(b).resync_seconds = 0.2
        Lossy(hub_of(a).broker, drop=1).install()
        async with running(b) as live_b, websockets.connect(wall_url(live_b, 0)) as ws:
            assert (await hello(ws))["seq"] == 0
            lost = await approve_new(a, "the-tail")
            [got] = await receive(ws, 1)
    assert (got["seq"], got["post"]["id"]) == (1, lost)


@pytest.mark.postgres
@pytest.mark.parametrize("broker", ["redis", "postgres"])
async def test_a_wall_resumes_on_another_instance_without_gap_or_duplicate(
    tmp_path: Path, request: pytest.FixtureRequest, broker: str
) -> None:
    """A wall reads part of the stream on instance A, drops, and resumes on B with the last
    seq it applied: it gets exactly what it missed, then live events, each once."""
    if broker == "redis":
        request.getfixturevalue("redis_url")
    async with two_instances(tmp_path, request, broker) as (a, b):
        async with running(a) as live_a, running(b) as live_b:
            on_a = Viewer(wall_url(live_a), 0)
            await on_a.connect()
            for i in range(3):
                await approve_new(a, f"a-{i}")
            await on_a.wait_for(3)
            await on_a.drop()
            for i in range(3):  # missed while away, approved on either instance
                await approve_new(a if i % 2 else b, f"away-{i}")
            on_b = Viewer(wall_url(live_b), on_a.last)
            on_b.received = on_a.received
            await on_b.connect()
            for i in range(2):
                await approve_new(a, f"live-{i}")
            await on_b.wait_for(8)
            await on_b.drop()
    assert [m["seq"] for m in on_b.received] == list(range(1, 9))


@pytest.mark.postgres
@pytest.mark.redis
async def test_uvicorn_with_two_workers_serves_one_event_consistently(
    tmp_path: Path, postgres_url: str, redis_url: str
) -> None:
    """``uvicorn --workers 2`` on PostgreSQL and Redis: approvals sent to whichever worker
    answers reach every wall, whichever worker holds it, with the same seqs in the same
    order."""
    secret = f"workers-test-{secrets.token_hex(8)}"
    shared: dict[str, Any] = {"database_url": postgres_url, "broker_url": redis_url}
    async with instance(tmp_path / "setup", secret, **shared) as setup_app:  # migrates
        w = await start_wall(setup_app)
        await w.client.aclose()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("WALL_")}
    env.update(
        WALL_DATABASE_URL=postgres_url,
        WALL_BROKER_URL=redis_url,
        WALL_SECRET_KEY=secret,
        WALL_DATA_DIR=str(tmp_path / "workers"),
        WALL_LOG_LEVEL="WARNING",
        PYTHONPATH=str(REPO),
    )
    argv = [sys.executable, "-m", "uvicorn", "--factory", "wallserver.asgi:app", "--workers",
            "2", "--ws", IMPORT_PATH, "--host", "127.0.0.1", "--port", str(port),
            "--log-level", "warning"]  # fmt: skip
    process = await asyncio.create_subprocess_exec(*argv, env=env, cwd=REPO)
    try:
        base = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient(base_url=base, trust_env=False) as client:
            async with asyncio.timeout(60):
                while True:
                    with contextlib.suppress(httpx.HTTPError):
                        if (await client.get("/healthz")).status_code == 200:
                            break
                    await asyncio.sleep(0.2)  # polling the server's readiness, not a wait
            walls = [
                await websockets.connect(f"ws://127.0.0.1:{port}/ws/events/xmas/wall?since=0")
                for _ in range(8)
            ]
            try:
                for ws in walls:
                    assert (await hello(ws))["seq"] == 0
                headers = {"Authorization": f"Bearer {w.tokens['ingest']}"}
                moderator = {"Authorization": f"Bearer {w.tokens['moderator']}"}
                ids = []
                for i in range(6):
                    made = await client.post(
                        "/api/events/xmas/ingest",
                        json={"source": "test", "source_id": f"w-{i}", "text": f"post {i}"},
                        headers=headers,
                    )
                    assert made.status_code == 202, made.text
                    post_id = made.json()["id"]
                    decided = await client.post(
                        f"/api/posts/{post_id}/decision",
                        json={"action": "approve", "version": 1},
                        headers=moderator,
                    )
                    assert decided.status_code == 200, decided.text
                    ids.append(post_id)
                seen = [await receive(ws, 6) for ws in walls]
            finally:
                for ws in walls:
                    await ws.close()
    finally:
        process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(WAIT):
            await process.wait()
    for got in seen:
        assert [(m["seq"], m["post"]["id"]) for m in got] == list(
            zip(range(1, 7), ids, strict=True)
        )
