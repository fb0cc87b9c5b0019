"""RSS, X and Instagram end to end against fake servers: conditional GET, since_id, rate limits."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.conftest import serve
from tests.sources.conftest import until
from tests.sources.test_mastodon_e2e import app_running
from wallserver.settings import Settings
from wallserver.store import EventInfo, Store

Handler = Any


@asynccontextmanager
async def fake_server(routes: list[Route]) -> AsyncIterator[str]:
    server, task, port = await serve(Starlette(routes=routes))  # type: ignore[arg-type]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


async def ids(store: Store, event: EventInfo, source: str) -> list[str]:
    page = await store.posts.page(event.id, None, 1000, None, oldest_first=True)
    return [p.source_id for p in page.posts if p.source == source]


def feed(*items: int) -> bytes:
    entries = "".join(
        f"<item><title>News {n}</title><guid isPermaLink='false'>n{n}</guid>"
        f"<pubDate>Thu, 24 Dec 2026 18:0{n}:00 +0000</pubDate></item>"
        for n in items
    )
    return f"<rss version='2.0'><channel><title>t</title>{entries}</channel></rss>".encode()


async def test_rss_conditional_get_survives_500_and_a_broken_feed(settings: Settings) -> None:
    """ETag is sent back and 304 stores nothing; a 500 and a non-feed are retried; no duplicates."""
    state: dict[str, Any] = {"items": [1, 2], "answers": [], "seen": []}

    async def handle(request: Request) -> Response:
        state["seen"].append(request.headers.get("if-none-match"))
        if state["answers"]:
            code, body = state["answers"].pop(0)
            return Response(body, status_code=code)
        etag = f'"v{len(state["items"])}"'
        if request.headers.get("if-none-match") == etag:
            return Response(status_code=304)
        return Response(feed(*state["items"]), headers={"ETag": etag})

    async with fake_server([Route("/feed.xml", handle)]) as base:
        async with app_running(settings) as store:
            event = await store.events.create("fair", "Fair", ["xmas"])
            await store.sources.create(
                event.id, "rss", {"url": f"{base}/feed.xml", "interval": 0.05}
            )

            async def has(*ns: int) -> bool:
                return await ids(store, event, "rss") == [f"n{n}" for n in ns]

            await until(lambda: has(1, 2), "the first entries")
            await until(lambda: _async(state["seen"][-1] == '"v2"'), "a conditional request")
            state["answers"] = [(500, b"oops"), (200, b"<html>not a feed")]
            state["items"] = [1, 2, 3]
            await until(lambda: has(1, 2, 3), "the new entry after the trouble")
            assert not state["answers"]


async def _async(value: bool) -> bool:
    return value


def tweets(*ns: int) -> dict[str, Any]:
    data = [
        {
            "id": str(1000 + n),
            "text": f"tweet {n} #xmas",
            "author_id": "7",
            "created_at": "2026-12-24T18:30:00.000Z",
        }
        for n in sorted(ns, reverse=True)
    ]
    meta = {"result_count": len(data)}
    if data:
        meta["newest_id"] = data[0]["id"]
    users = [{"id": "7", "name": "Fan", "username": "fan"}]
    return {"data": data, "includes": {"users": users}, "meta": meta} if data else {"meta": meta}


async def test_x_since_id_and_429_retry_after(settings: Settings) -> None:
    """A 429 waits for Retry-After; later polls send since_id and store only the new tweets."""
    state: dict[str, Any] = {"tweets": [1, 2], "calls": [], "queries": []}

    async def search(request: Request) -> Response:
        state["calls"].append((time.monotonic(), dict(request.query_params)))
        state["queries"].append(dict(request.query_params))
        assert request.headers["authorization"] == "Bearer tok"
        if len(state["calls"]) == 1:
            return JSONResponse({"title": "Too Many Requests"}, 429, {"Retry-After": "1"})
        since = int(request.query_params.get("since_id", 0))
        return JSONResponse(tweets(*(n for n in state["tweets"] if 1000 + n > since)))

    async with fake_server([Route("/2/tweets/search/recent", search)]) as base:
        async with app_running(settings) as store:
            event = await store.events.create("fair", "Fair", ["xmas"])
            config = {"bearer_token": "tok", "tag": "xmas", "api_base": base, "interval": 0.05}
            source = await store.sources.create(event.id, "x", config)

            async def has(*ns: int) -> bool:
                return await ids(store, event, "x") == [str(1000 + n) for n in ns]

            await until(lambda: has(1, 2), "the first tweets")
            first, second = state["calls"][0][0], state["calls"][1][0]
            assert second - first >= 0.95
            state["tweets"] = [1, 2, 3]
            await until(lambda: has(1, 2, 3), "the new tweet")
            queries = state["queries"]

            async def resumed() -> bool:
                return any(q.get("since_id") == "1003" for q in queries)

            await until(resumed, "a poll from the newest id")
            assert all(q["query"] == "#xmas -is:retweet" for q in queries)
            assert (await store.sources.get(source.id)).cursor["since_id"] == "1003"


async def test_instagram_unknown_hashtag_fails_and_media_is_stored_once(settings: Settings) -> None:
    """An unknown tag stops the source with the reason; a known one stores each media once."""

    async def search(request: Request) -> Response:
        if request.query_params["q"] == "nosuchtag":
            return JSONResponse({"data": []})
        return JSONResponse({"data": [{"id": "178"}]})

    async def recent(request: Request) -> Response:
        assert request.query_params["access_token"] == "tok"
        return JSONResponse(
            {
                "data": [
                    {
                        "id": "1",
                        "caption": "#xmas",
                        "media_type": "IMAGE",
                        "media_url": "https://cdn.test/1.jpg",
                        "permalink": "https://ig.test/p/1",
                        "timestamp": "2026-12-24T18:30:00+0000",
                    }
                ]
            }
        )

    routes = [Route("/ig_hashtag_search", search), Route("/178/recent_media", recent)]
    async with fake_server(routes) as base, app_running(settings) as store:
        event = await store.events.create("fair", "Fair", ["xmas"])
        config = {"access_token": "tok", "user_id": "9", "api_base": base, "interval": 0.05}
        bad = await store.sources.create(event.id, "instagram", {**config, "tag": "nosuchtag"})
        good = await store.sources.create(event.id, "instagram", {**config, "tag": "xmas"})

        async def settled() -> bool:
            failed = (await store.sources.get(bad.id)).state == "failed"
            polled = len((await store.sources.get(good.id)).cursor.get("seen", [])) == 1
            return failed and polled

        await until(settled, "one source failed and the other polled")
        assert "unknown hashtag #nosuchtag" in (await store.sources.get(bad.id)).last_error
        assert await ids(store, event, "instagram") == ["1"]
