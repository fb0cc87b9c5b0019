"""Bluesky end to end against a fake Jetstream: drops, malformed frames, cursor replay, deletes."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from moderation import Status
from tests.sources.conftest import until
from tests.sources.test_mastodon_e2e import app_running
from tests.sources.test_polling_e2e import fake_server
from wallserver.settings import Settings
from wallserver.store import EventInfo, Store

DID = "did:plc:fakeuser"


def create(n: int, tag: str = "xmas") -> dict[str, Any]:
    record = {
        "$type": "app.bsky.feed.post",
        "createdAt": "2026-12-24T18:30:00.000Z",
        "text": f"post {n} #{tag}",
        "facets": [
            {
                "index": {"byteStart": 7, "byteEnd": 12},
                "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": tag}],
            }
        ],
    }
    commit = {
        "rev": "r",
        "operation": "create",
        "collection": "app.bsky.feed.post",
        "rkey": f"k{n}",
        "record": record,
        "cid": "c",
    }
    return {"did": DID, "time_us": 1_000_000_000 * n, "kind": "commit", "commit": commit}


def delete(n: int, at: int) -> dict[str, Any]:
    commit = {
        "rev": "r",
        "operation": "delete",
        "collection": "app.bsky.feed.post",
        "rkey": f"k{n}",
    }
    return {"did": DID, "time_us": at, "kind": "commit", "commit": commit}


@dataclass
class FakeJetstream:
    """Replays its log from ``cursor`` like Jetstream; ``drop_after`` cuts the first connection."""

    log: list[dict[str, Any]] = field(default_factory=list)
    cursors: list[int | None] = field(default_factory=list)
    drop_after: int | None = None
    new: asyncio.Event = field(default_factory=asyncio.Event)
    url: str = ""

    async def handler(self, ws: ServerConnection) -> None:
        with contextlib.suppress(ConnectionClosed):
            await self.replay(ws)

    async def replay(self, ws: ServerConnection) -> None:
        assert ws.request is not None
        query = parse_qs(urlsplit(ws.request.path).query)
        assert query["wantedCollections"] == ["app.bsky.feed.post"]
        cursor = int(query["cursor"][0]) if "cursor" in query else None
        self.cursors.append(cursor)
        sent = 0
        position = 0
        while True:
            while position < len(self.log):
                event = self.log[position]
                position += 1
                if cursor is not None and event["time_us"] <= cursor:
                    continue
                await ws.send(json.dumps(event))
                await ws.send("{malformed")
                sent += 1
                if self.drop_after is not None and sent >= self.drop_after:
                    self.drop_after = None
                    await ws.close(1011, "going away")
                    return
            self.new.clear()
            closed = asyncio.ensure_future(ws.wait_closed())
            more = asyncio.ensure_future(self.new.wait())
            await asyncio.wait({closed, more}, return_when=asyncio.FIRST_COMPLETED)
            for waiter in (closed, more):
                waiter.cancel()
            if closed.done() and not closed.cancelled():
                return

    def add(self, event: dict[str, Any]) -> None:
        self.log.append(event)
        self.new.set()


@asynccontextmanager
async def jetstream(fake: FakeJetstream) -> AsyncIterator[FakeJetstream]:
    async with serve(fake.handler, "127.0.0.1", 0) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        fake.url = f"ws://127.0.0.1:{port}"
        yield fake


async def get_profile(request: Request) -> Response:
    """The AppView's ``app.bsky.actor.getProfile``."""
    assert request.query_params["actor"] == DID
    return JSONResponse(
        {
            "did": DID,
            "handle": "ann.bsky.social",
            "displayName": "Ann",
            "avatar": "https://cdn.test/a",
        }
    )


APPVIEW = [Route("/xrpc/app.bsky.actor.getProfile", get_profile)]


async def uris(store: Store, event: EventInfo) -> list[str]:
    page = await store.posts.page(event.id, None, 1000, None, oldest_first=True)
    return [p.source_id for p in page.posts if p.source == "bluesky"]


def uri(n: int) -> str:
    return f"at://{DID}/app.bsky.feed.post/k{n}"


async def test_jetstream_drop_replay_delete_and_restart(settings: Settings) -> None:
    """Only tagged posts are kept; a dropped connection resumes from the cursor with no
    duplicates; a delete retracts; a restart replays from the stored time_us."""
    fake = FakeJetstream(drop_after=2)
    for n in (1, 2, 3):
        fake.add(create(n, tag="xmas" if n != 2 else "other"))
    async with jetstream(fake), fake_server(APPVIEW) as appview:
        async with app_running(settings) as store:
            event = await store.events.create("fair", "Fair", ["Xmas"], moderation="post")
            config = {"jetstream": fake.url, "appview": appview}
            source = await store.sources.create(event.id, "bluesky", config)

            async def has(*ns: int) -> bool:
                return await uris(store, event) == [uri(n) for n in ns]

            await until(lambda: has(1, 3), "the tagged posts across the drop")
            assert len(fake.cursors) >= 2 and fake.cursors[0] is None
            assert fake.cursors[1] is not None and fake.cursors[1] < 3_000_000_000
            fake.add(delete(1, at=3_500_000_000))
            post1 = await store.sources.find_post(event.id, "bluesky", uri(1))
            assert post1 is not None
            assert (post1.author_name, post1.author_handle) == ("Ann", "@ann.bsky.social")

            async def retracted() -> bool:
                return (await store.posts.get(post1.id)).status == Status.HIDDEN

            await until(retracted, "the deletion")

            async def saved() -> bool:  # the cursor is saved right after the batch is applied
                return (await store.sources.get(source.id)).cursor["time_us"] == 3_500_000_000

            await until(saved, "the cursor after the deletion")
        fake.add(create(4))
        async with app_running(settings) as store:
            await until(lambda: has(1, 3, 4), "the post made while the wall was down")
            assert fake.cursors[-1] == 3_500_000_000 - 5_000_000
