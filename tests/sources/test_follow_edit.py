"""A running source follows the event's hashtags as they are edited, without a restart."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.sources.conftest import until
from tests.sources.test_mastodon_e2e import app_running
from tests.sources.test_polling_e2e import fake_server, ids
from wallserver.settings import Settings


def tweet(n: int, tag: str) -> dict[str, Any]:
    return {
        "id": str(1000 + n),
        "text": f"tweet {n} #{tag}",
        "author_id": "7",
        "created_at": "2026-12-24T18:30:00.000Z",
    }


async def test_a_fixed_hashtag_is_searched_at_the_next_poll(any_settings: Settings) -> None:
    """The admin typed #XmasPary; guests post #XmasParty. After the fix, the running X source
    searches #XmasParty at its next poll, from the newest posts (the typo's since_id does not
    hide what guests posted before the fix), while a source given its own tag keeps it. A switch
    to post-moderation then applies to the next post the running source brings."""
    tweets: dict[str, list[dict[str, Any]]] = {
        "#XmasPary": [tweet(5, "XmasPary")],
        "#XmasParty": [tweet(3, "XmasParty"), tweet(4, "XmasParty")],
        "#Weihnachten": [tweet(1, "Weihnachten")],
    }
    queries: list[dict[str, str]] = []

    async def search(request: Request) -> Response:
        params = dict(request.query_params)
        queries.append(params)
        tag = params["query"].removesuffix(" -is:retweet")
        since = int(params.get("since_id", 0))
        data = sorted(
            (t for t in tweets.get(tag, []) if int(t["id"]) > since),
            key=lambda t: -int(t["id"]),
        )
        meta: dict[str, Any] = {"result_count": len(data)}
        if data:
            meta["newest_id"] = data[0]["id"]
        users = [{"id": "7", "name": "Fan", "username": "fan"}]
        return JSONResponse({"data": data, "includes": {"users": users}, "meta": meta})

    async with fake_server([Route("/2/tweets/search/recent", search)]) as base:
        async with app_running(any_settings) as store:
            event = await store.events.create("fair", "Fair", ["XmasPary", "Dabei"])
            config = {"bearer_token": "tok", "api_base": base, "interval": 0.05}
            typo = await store.sources.create(event.id, "x", {**config, "tag": "XmasPary"})
            own = await store.sources.create(event.id, "x", {**config, "tag": "Weihnachten"})

            async def stored(*ns: int) -> bool:
                return sorted(await ids(store, event, "x")) == [str(1000 + n) for n in ns]

            await until(lambda: stored(1, 5), "the posts of both tags as first configured")

            async def resumes_after_the_typo() -> bool:
                return (await store.sources.get(typo.id)).cursor.get("since_id") == "1005"

            await until(resumes_after_the_typo, "the cursor after the typo's post")

            updated = await store.events.update("fair", hashtags=["#XmasParty", "Dabei"])
            assert updated.after.hashtags == ["XmasParty", "Dabei"]
            assert (await store.sources.get(typo.id)).config["tag"] == "XmasParty"
            assert (await store.sources.get(own.id)).config["tag"] == "Weihnachten"

            await until(lambda: stored(1, 3, 4, 5), "the posts with the fixed tag")
            fixed = [q for q in queries if q["query"] == "#XmasParty -is:retweet"]
            assert "since_id" not in fixed[0]
            n = len(queries)

            async def polled_again() -> bool:
                return sum(q["query"] == "#Weihnachten -is:retweet" for q in queries[n:]) >= 2

            await until(polled_again, "the other source polling on")
            assert all(q["query"] != "#XmasPary -is:retweet" for q in queries[n:])

            await store.events.update("fair", moderation="post")
            tweets["#XmasParty"].append(tweet(6, "XmasParty"))
            await until(lambda: stored(1, 3, 4, 5, 6), "the post after the switch")
            page = await store.posts.page(event.id, None, 100, None, oldest_first=True)
            approved = sorted(p.source_id for p in page.posts if p.status == "approved")
            assert approved == ["1006"]
