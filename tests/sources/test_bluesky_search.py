"""Bluesky's authenticated searchPosts backfill: logs in with an app password, pages back to
what it saw before, runs at start and after every reconnect, and meets the stream without a
gap or a duplicate."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.sources.conftest import until
from tests.sources.test_bluesky_e2e import FakeJetstream, jetstream
from tests.sources.test_mastodon_e2e import app_running
from tests.sources.test_polling_e2e import fake_server
from wallserver.settings import Settings
from wallserver.sources.connectors import bluesky as connector
from wallserver.store import EventInfo, Store

DID = "did:plc:searcher"
PASSWORD = "abcd-efgh-ijkl-mnop"


def view(n: int) -> dict[str, Any]:
    """A ``PostView`` as searchPosts returns it, indexed n minutes after 18:00."""
    return {
        "uri": f"at://{DID}/app.bsky.feed.post/s{n}",
        "cid": f"bafy{n}",
        "author": {"did": DID, "handle": "ann.bsky.social", "displayName": "Ann", "labels": []},
        "record": {
            "$type": "app.bsky.feed.post",
            "createdAt": f"2026-12-24T18:{n:02d}:00.000Z",
            "text": f"searched {n} #xmas",
            "tags": ["xmas"],
        },
        "indexedAt": f"2026-12-24T18:{n:02d}:01.500Z",
        "labels": [],
    }


def commit(n: int, time_us: int) -> dict[str, Any]:
    record = {"$type": "app.bsky.feed.post", "text": f"streamed {n}", "tags": ["xmas"]}
    return {
        "did": DID,
        "time_us": time_us,
        "kind": "commit",
        "commit": {
            "operation": "create",
            "collection": "app.bsky.feed.post",
            "rkey": f"j{n}",
            "record": record,
        },
    }


@dataclass
class FakePds:
    """createSession and searchPosts (newest first, ``page`` posts per page, offset cursors)."""

    posts: list[dict[str, Any]] = field(default_factory=list)
    page: int = 2
    logins: list[dict[str, Any]] = field(default_factory=list)
    searches: list[dict[str, str]] = field(default_factory=list)

    async def create_session(self, request: Request) -> Response:
        body = await request.json()
        self.logins.append(body)
        if body != {"identifier": "ann.bsky.social", "password": PASSWORD}:
            return JSONResponse({"error": "AuthenticationRequired"}, 401)
        return JSONResponse({"did": DID, "handle": "ann.bsky.social", "accessJwt": "jwt-1"})

    async def search(self, request: Request) -> Response:
        if request.headers.get("authorization") != "Bearer jwt-1":
            return JSONResponse({"error": "AuthenticationRequired"}, 401)
        query = dict(request.query_params)
        self.searches.append(query)
        ordered = sorted(self.posts, key=lambda v: v["indexedAt"], reverse=True)
        start = int(query.get("cursor", 0))
        chunk = ordered[start : start + self.page]
        body: dict[str, Any] = {"posts": chunk}
        if start + self.page < len(ordered):
            body["cursor"] = str(start + self.page)
        return JSONResponse(body)

    def routes(self) -> list[Route]:
        return [
            Route("/xrpc/com.atproto.server.createSession", self.create_session, methods=["POST"]),
            Route("/xrpc/app.bsky.feed.searchPosts", self.search),
        ]


async def uris(store: Store, event: EventInfo) -> list[str]:
    page = await store.posts.page(event.id, None, 1000, None, oldest_first=True)
    return sorted(p.source_id.rsplit("/", 1)[1] for p in page.posts if p.source == "bluesky")


async def test_search_backfill_at_start_and_after_each_reconnect(settings: Settings) -> None:
    """The first run takes the newest page; after the stream drops, the next run pages back
    exactly to what the first one saw. The stream opens from when the backfill began. Every
    post is stored once, with its author, and the account logs in once."""
    connector._sessions.clear()
    pds, stream = FakePds(posts=[view(1), view(2), view(3)]), FakeJetstream(drop_after=1)
    now_us = int(time.time() * 1_000_000)
    stream.add(commit(1, now_us + 1_000_000))
    async with fake_server(pds.routes()) as base, jetstream(stream):
        async with app_running(settings) as store:
            event = await store.events.create("fair", "Fair", ["Xmas"], moderation="post")
            config = {
                "jetstream": stream.url,
                "appview": base,
                "pds": base,
                "identifier": "ann.bsky.social",
                "app_password": PASSWORD,
            }
            source = await store.sources.create(event.id, "bluesky", config)

            async def has(*ids: str) -> bool:
                return await uris(store, event) == sorted(ids)

            await until(lambda: has("s2", "s3", "j1"), "the first page and the stream")
            first = pds.searches[0]
            assert (first["q"], first["sort"], "cursor" in first) == ("#xmas", "latest", False)
            assert stream.cursors[0] is not None and stream.cursors[0] >= now_us - 10_000_000
            post = await store.sources.find_post(event.id, "bluesky", view(3)["uri"])
            assert post is not None and (post.author_name, post.author_handle) == (
                "Ann",
                "@ann.bsky.social",
            )

            pds.posts += [view(4), view(5), view(6)]  # while the stream is down
            searched = len(pds.searches)
            stream.add(commit(2, now_us + 2_000_000))  # the reconnect brings this one
            await until(lambda: has("s2", "s3", "s4", "s5", "s6", "j1", "j2"), "the backfill")
            again = pds.searches[searched:]
            assert [q.get("cursor") for q in again] == [None, "2"]  # back to s3, then stop
            assert len(pds.logins) == 1
            saved = (await store.sources.get(source.id)).cursor
            assert saved["search_since"].startswith("2026-12-24T18:06:01.5")
            assert {f"at://{DID}/app.bsky.feed.post/s6"} <= set(saved["known"])


async def test_wrong_app_password_fails_the_source(settings: Settings) -> None:
    """createSession refusing the password stops the source with the reason; nothing retries."""
    connector._sessions.clear()
    pds, stream = FakePds(), FakeJetstream()
    async with fake_server(pds.routes()) as base, jetstream(stream):
        async with app_running(settings) as store:
            event = await store.events.create("fair", "Fair", ["xmas"])
            config = {
                "jetstream": stream.url,
                "pds": base,
                "identifier": "ann.bsky.social",
                "app_password": "wrong-wrong",
            }
            source = await store.sources.create(event.id, "bluesky", config)

            async def failed() -> bool:
                return (await store.sources.get(source.id)).state == "failed"

            await until(failed, "the source to fail")
            info = await store.sources.get(source.id)
            assert info.last_error == "createSession: 401 bad credentials"
            assert len(pds.logins) == 1 and stream.cursors == []
