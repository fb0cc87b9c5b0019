"""The wall stream end to end on a real server: hello, replay, resume without gap or duplicate,
slow consumers, and several instances behind one broker."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import secrets
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import SecretStr
from websockets.asyncio.client import ClientConnection

from tests.conftest import LiveServer, Wall, make_settings, running, start_wall
from wallserver.app import create_app
from wallserver.store import NewPost

WAIT = 15.0  # seconds; only ever reached when a test is failing


def wall_url(live: LiveServer, since: int | None = None, slug: str = "xmas") -> str:
    url = f"ws://127.0.0.1:{live.port}/ws/events/{slug}/wall"
    return url if since is None else f"{url}?since={since}"


async def approve_new(w: Wall, source_id: str, text: str = "hello") -> int:
    """Ingest a post and approve it; returns its id."""
    created = await w.ingest(source_id, text)
    assert created.status_code == 202, created.text
    post_id: int = created.json()["id"]
    decided = await w.decide(post_id, "approve", 1)
    assert decided.status_code == 200, decided.text
    return post_id


async def hello(ws: ClientConnection) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(await ws.recv())
    assert message["type"] == "hello"
    return message


async def receive(ws: ClientConnection, count: int) -> list[dict[str, Any]]:
    async with asyncio.timeout(WAIT):
        return [json.loads(await ws.recv()) for _ in range(count)]


async def test_hello_carries_the_current_seq_then_the_backlog(live: LiveServer) -> None:
    """A new wall gets hello with the current seq, then every stored wall event, in order."""
    first = await approve_new(live.wall, "a")
    second = await approve_new(live.wall, "b")
    async with websockets.connect(wall_url(live, 0)) as ws:
        assert await hello(ws) == {"type": "hello", "seq": 2, "reset": False}
        backlog = await receive(ws, 2)
    assert [(m["type"], m["seq"], m["post"]["id"]) for m in backlog] == [
        ("post.show", 1, first),
        ("post.show", 2, second),
    ]
    assert set(backlog[0]["post"]) == {
        "id",
        "source",
        "author",
        "text",
        "media",
        "created_at",
        "url",
        "pinned",
    }


async def test_resume_replays_only_what_was_missed(live: LiveServer) -> None:
    """Reconnecting with since=N sends exactly the wall events after N, then live ones."""
    posts = [await approve_new(live.wall, f"p{i}") for i in range(3)]
    async with websockets.connect(wall_url(live, 1)) as ws:
        assert (await hello(ws))["seq"] == 3
        missed = await receive(ws, 2)
        assert [(m["seq"], m["post"]["id"]) for m in missed] == [(2, posts[1]), (3, posts[2])]
        hidden = await live.wall.decide(posts[0], "hide", 2)
        assert hidden.status_code == 200
        [live_event] = await receive(ws, 1)
    assert live_event == {"type": "post.retract", "seq": 4, "post_id": posts[0]}


async def test_without_since_a_wall_gets_only_live_events(live: LiveServer) -> None:
    """A wall that sends no ``since`` starts from scratch: the whole backlog, like since=0."""
    await approve_new(live.wall, "old")
    async with websockets.connect(wall_url(live)) as ws:
        assert (await hello(ws))["seq"] == 1
        [old] = await receive(ws, 1)
    assert old["seq"] == 1


async def test_since_ahead_of_the_server_resets(live: LiveServer) -> None:
    """A wall that saw more than this database holds (restored backup) is told to start over."""
    await approve_new(live.wall, "only")
    async with websockets.connect(wall_url(live, 50)) as ws:
        assert await hello(ws) == {"type": "hello", "seq": 1, "reset": True}
        [again] = await receive(ws, 1)
    assert again["seq"] == 1


async def test_bad_since_and_unknown_event_are_refused(live: LiveServer) -> None:
    """since must be a number (close 4400); an unknown event closes with 4404."""
    for url, code in ((wall_url(live) + "?since=abc", 4400), (wall_url(live, 0, "nope"), 4404)):
        async with websockets.connect(url) as ws:
            with pytest.raises(websockets.ConnectionClosedError) as closed:
                await ws.recv()
        assert closed.value.rcvd is not None and closed.value.rcvd.code == code


class Viewer:
    """A wall client that records every wall event it receives and can drop and resume."""

    def __init__(self, url: str, since: int) -> None:
        self.url = url
        self.last = since
        self.received: list[dict[str, Any]] = []
        self._ws: ClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None
        self._progress = asyncio.Condition()

    @property
    def connected(self) -> bool:
        return self._ws is not None

    async def connect(self) -> None:
        self._ws = await websockets.connect(f"{self.url}?since={self.last}")
        greeting = await hello(self._ws)
        assert greeting["reset"] is False
        assert greeting["seq"] >= self.last
        self._reader = asyncio.create_task(self._read(self._ws))

    async def drop(self) -> None:
        """Leave wherever the stream is; whatever was not read yet is the server's to resend."""
        assert self._ws is not None and self._reader is not None
        self._reader.cancel()
        await asyncio.gather(self._reader, return_exceptions=True)
        await self._ws.close()
        self._ws = self._reader = None

    async def wait_for(self, seq: int) -> None:
        async with asyncio.timeout(WAIT), self._progress:
            await self._progress.wait_for(lambda: self.last >= seq)

    async def _read(self, ws: ClientConnection) -> None:
        async for raw in ws:
            message = json.loads(raw)
            self.received.append(message)
            self.last = message["seq"]
            async with self._progress:
                self._progress.notify_all()

    def visible(self) -> dict[int, bool]:
        """Post id -> pinned, as a wall that applied every received event shows it. A retract,
        pin or unpin of a post the wall does not show is a no-op: a post that left the wall has
        its earlier shows rewritten as retracts (docs/protocol.md, "Rewritten entries")."""
        shown: dict[int, bool] = {}
        for message in self.received:
            kind = message["type"]
            if kind == "post.show":
                shown[message["post"]["id"]] = message["post"]["pinned"]
            elif kind == "post.retract":
                shown.pop(message["post_id"], None)
            elif kind in ("post.pin", "post.unpin") and message["post_id"] in shown:
                shown[message["post_id"]] = kind == "post.pin"
        return shown


OPS = ("new", "hide", "reapprove", "pin", "unpin", "drop", "resume")
VIEWERS = 3
_unique = itertools.count()


class Moderator:
    """Drives one example's posts through the API, keeping their versions."""

    def __init__(self, w: Wall, run: int) -> None:
        self.w = w
        self.run = run
        self.versions: dict[int, int] = {}
        self.shown: set[int] = set()
        self.pinned: set[int] = set()

    async def act(self, op: str, pick: int) -> None:
        choices = {
            "new": [0],
            "hide": sorted(self.shown),
            "reapprove": sorted(set(self.versions) - self.shown),
            "pin": sorted(self.shown - self.pinned),
            "unpin": sorted(self.pinned),
        }[op]
        if not choices:
            return
        if op == "new":
            post_id = await approve_new(self.w, f"r{self.run}-{len(self.versions)}")
            self.versions[post_id] = 2
            self.shown.add(post_id)
            return
        post_id = choices[pick % len(choices)]
        action = "approve" if op == "reapprove" else op
        response = await self.w.decide(post_id, action, self.versions[post_id])
        assert response.status_code == 200, response.text
        self.versions[post_id] = response.json()["version"]
        if op == "hide":
            self.shown.discard(post_id)
            self.pinned.discard(post_id)
        elif op == "reapprove":
            self.shown.add(post_id)
        elif op == "pin":
            self.pinned.add(post_id)
        else:
            self.pinned.discard(post_id)


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=st.lists(st.tuples(st.sampled_from(OPS), st.integers(0, 50)), min_size=1, max_size=16))
async def test_walls_that_drop_and_resume_see_every_event_exactly_once(
    any_live: LiveServer, ops: list[tuple[str, int]]
) -> None:
    """Walls dropping and resuming at random points get every wall event once, in seq order,
    and end up showing exactly the approved posts (and pins) in the database."""
    w = any_live.wall
    moderator = Moderator(w, next(_unique))
    base = await w.store.wall.current_seq(w.event.id)
    viewers = [Viewer(wall_url(any_live), base) for _ in range(VIEWERS)]
    try:
        for viewer in viewers:
            await viewer.connect()
        for op, pick in ops:
            if op in ("drop", "resume"):
                viewer = viewers[pick % VIEWERS]
                if op == "drop" and viewer.connected:
                    await viewer.drop()
                elif op == "resume" and not viewer.connected:
                    await viewer.connect()
            else:
                await moderator.act(op, pick)
        for viewer in viewers:
            if not viewer.connected:
                await viewer.connect()
        final = await w.store.wall.current_seq(w.event.id)
        for viewer in viewers:
            await viewer.wait_for(final)
    finally:
        for viewer in viewers:
            if viewer.connected:
                await viewer.drop()

    mine = set(moderator.versions)
    in_db = {
        p.id: p.pinned
        for p in (await w.store.posts.page(w.event.id, ["approved"], 1000, None)).posts
        if p.id in mine
    }
    for viewer in viewers:
        assert [m["seq"] for m in viewer.received] == list(range(base + 1, final + 1))
        assert viewer.visible() == in_db


def slow_socket(port: int) -> socket.socket:
    """A connected socket with a tiny receive buffer, so the server's sends back up quickly."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", port))
    sock.setblocking(False)
    return sock


async def read_until_closed(ws: ClientConnection) -> tuple[list[int], int | None]:
    """Every seq received until the server closes, and its close code."""
    seqs: list[int] = []
    async with asyncio.timeout(WAIT):
        try:
            async for raw in ws:
                seqs.append(json.loads(raw)["seq"])
        except websockets.ConnectionClosedError:
            pass
    return seqs, ws.close_code


async def test_slow_wall_is_closed_with_4008_and_resumes_without_gap(tmp_path: Path) -> None:
    """A wall that stops reading is closed with 4008 once its buffer is full; reconnecting
    with the last seq it saw delivers the rest, with no gap and no duplicate."""
    config = make_settings(
        tmp_path / "data", ws_client_buffer=20, max_text_length=40_000, sqlite_synchronous="NORMAL"
    )
    app = create_app(config)
    async with app.router.lifespan_context(app):
        w = await start_wall(app, moderation="post")
        async with w.client, running(w) as live:
            ws = await websockets.connect(
                wall_url(live, 0), sock=slow_socket(live.port), max_queue=1
            )
            assert (await hello(ws))["seq"] == 0
            # The hub's own record of this client: the test waits on its overflow itself.
            [client] = app.state.services.hub._channels[w.event.id].clients
            for i in range(1000):  # 32 MB at most; the overflow comes after a few MB
                text = secrets.token_urlsafe(24_000)  # 32 kB that permessage-deflate cannot shrink
                await app.state.services.pipeline.ingest(
                    w.event, NewPost(source="test", source_id=f"big-{i}", text=text)
                )
                if client.too_slow:
                    break
            assert client.too_slow, "the server never noticed the slow wall"
            seqs, code = await read_until_closed(ws)
            assert code == 4008
            assert seqs == list(range(1, len(seqs) + 1))
            final = await w.store.wall.current_seq(w.event.id)
            assert seqs[-1] < final, "the slow wall should have missed something"

            async with websockets.connect(wall_url(live, seqs[-1])) as again:
                assert (await hello(again))["seq"] >= final
                rest = await receive(again, final - seqs[-1])
            assert [m["seq"] for m in rest] == list(range(seqs[-1] + 1, final + 1))


@contextlib.asynccontextmanager
async def instance(
    data_dir: Path, secret: str | None = None, **overrides: Any
) -> AsyncIterator[FastAPI]:
    """One more wallserver instance with its lifespan running."""
    config = make_settings(data_dir, **overrides)
    if secret is not None:
        config = config.model_copy(update={"secret_key": SecretStr(secret)})
    app = create_app(config)
    async with app.router.lifespan_context(app):
        yield app


def peer(app: FastAPI, of: Wall) -> Wall:
    """The same event and tokens, served by another instance."""
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://wall.test")
    return Wall(app, app.state.services.store, of.event, of.tokens, client)


@pytest.mark.postgres
@pytest.mark.redis
async def test_post_approved_on_one_instance_reaches_a_wall_on_another(
    tmp_path: Path, postgres_url: str, redis_url: str
) -> None:
    """Two instances share PostgreSQL and Redis: an approval on A is pushed to a wall on B."""
    shared = {"database_url": postgres_url, "broker_url": redis_url}
    async with instance(tmp_path / "a", **shared) as a, instance(tmp_path / "b", **shared) as b:
        wall_a = await start_wall(a)
        wall_b = peer(b, wall_a)
        b.state.services.hub.resync_seconds = (
            3600  # B's periodic catch-up must not be what delivers
        )
        async with wall_a.client, wall_b.client, running(wall_b) as live_b:
            async with websockets.connect(wall_url(live_b, 0)) as ws:
                assert (await hello(ws))["seq"] == 0
                post_id = await approve_new(wall_a, "from-a", "approved on A")
                [shown] = await receive(ws, 1)
                hidden = await wall_b.decide(post_id, "hide", 2)  # and back the other way
                assert hidden.status_code == 200
                [retracted] = await receive(ws, 1)
    assert (shown["type"], shown["seq"], shown["post"]["text"]) == ("post.show", 1, "approved on A")
    assert retracted == {"type": "post.retract", "seq": 2, "post_id": post_id}


@pytest.mark.postgres
async def test_with_only_postgresql_an_approval_on_one_instance_reaches_another(
    tmp_path: Path, postgres_url: str
) -> None:
    """The postgresql:// broker (LISTEN/NOTIFY) carries A's approval to B's wall, and a wall event
    too big for a NOTIFY payload still arrives: B hears the doorbell and reads the wall log."""
    secret = f"postgres-broker-test-{secrets.token_hex(8)}"  # a channel of this test's own
    shared = {"database_url": postgres_url, "broker_url": postgres_url, "max_text_length": 4000}
    async with (
        instance(tmp_path / "a", secret, **shared) as a,
        instance(tmp_path / "b", secret, **shared) as b,
    ):
        wall_a = await start_wall(a)
        wall_b = peer(b, wall_a)
        b.state.services.hub.resync_seconds = (
            3600  # B's periodic catch-up must not be what delivers
        )
        long_text = "🎄" * 3000  # 12,000 bytes of UTF-8: over NOTIFY's 8000
        async with wall_a.client, wall_b.client, running(wall_b) as live_b:
            async with websockets.connect(wall_url(live_b, 0), max_size=2**20) as ws:
                assert (await hello(ws))["seq"] == 0
                await approve_new(wall_a, "from-a", "approved on A")
                [shown] = await receive(ws, 1)
                await approve_new(wall_a, "long", long_text)
                [long] = await receive(ws, 1)
    assert (shown["type"], shown["seq"], shown["post"]["text"]) == ("post.show", 1, "approved on A")
    assert (long["type"], long["seq"], long["post"]["text"]) == ("post.show", 2, long_text)


@pytest.mark.redis
async def test_deployments_sharing_a_redis_do_not_see_each_others_posts(
    tmp_path: Path, redis_url: str
) -> None:
    """Two separate deployments on one Redis: a post approved in one never shows in the other."""
    async with (
        instance(tmp_path / "one", "first-deployment-key-0123", broker_url=redis_url) as one,
        instance(tmp_path / "two", "other-deployment-key-4567", broker_url=redis_url) as two,
    ):
        wall_one, wall_two = await start_wall(one), await start_wall(two)
        assert wall_one.event.id == wall_two.event.id  # same ids, so channel names would clash
        two.state.services.hub.resync_seconds = 3600
        async with wall_one.client, wall_two.client, running(wall_two) as live_two:
            async with websockets.connect(wall_url(live_two, 0)) as ws:
                await hello(ws)
                await approve_new(wall_one, "elsewhere", "a post of deployment one")
                own = await approve_new(wall_two, "here", "a post of deployment two")
                [first] = await receive(ws, 1)
    assert (first["seq"], first["post"]["id"], first["post"]["text"]) == (
        1,
        own,
        "a post of deployment two",
    )


async def test_moderators_get_queue_changes_live(any_live: LiveServer) -> None:
    """The moderation socket announces new posts and every decision, with the post's version."""
    w = any_live.wall
    url = f"ws://127.0.0.1:{any_live.port}/ws/events/xmas/moderation"
    async with websockets.connect(url, additional_headers=w.auth("moderator")) as ws:
        assert await hello(ws) == {"type": "hello"}
        post_id = (await w.ingest("q-1", "for review")).json()["id"]
        [new] = await receive(ws, 1)
        assert (await w.decide(post_id, "approve", 1)).status_code == 200
        [update] = await receive(ws, 1)
    assert (new["type"], new["post"]["id"], new["post"]["status"]) == (
        "queue.new",
        post_id,
        "pending",
    )
    assert (update["type"], update["post"]["status"], update["post"]["version"]) == (
        "queue.update",
        "approved",
        2,
    )


async def test_concurrent_approvals_reach_walls_in_seq_order(any_live: LiveServer) -> None:
    """Twenty moderators approving at once: walls get seq 1..20 in order, each post once."""
    w = any_live.wall
    ids = [(await w.ingest(f"c{i}")).json()["id"] for i in range(20)]
    async with websockets.connect(wall_url(any_live, 0)) as ws:
        await hello(ws)
        responses = await asyncio.gather(*(w.decide(post_id, "approve", 1) for post_id in ids))
        assert all(r.status_code == 200 for r in responses)
        shown = await receive(ws, len(ids))
    assert [m["seq"] for m in shown] == list(range(1, len(ids) + 1))
    assert sorted(m["post"]["id"] for m in shown) == sorted(ids)
