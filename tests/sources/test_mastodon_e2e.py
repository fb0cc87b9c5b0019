"""Mastodon end to end against a fake instance: 500s, 429, malformed frames, drops, restarts."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from moderation import Status
from tests.sources.conftest import until
from tests.sources.fakes import FakeMastodon, running, status
from wallserver.app import create_app
from wallserver.settings import Settings
from wallserver.store import EventInfo, Store


@asynccontextmanager
async def app_running(settings: Settings) -> AsyncIterator[Store]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        yield app.state.services.store


async def posts(store: Store, event: EventInfo) -> list[str]:
    page = await store.posts.page(event.id, None, 1000, None, oldest_first=True)
    return [p.source_id for p in page.posts if p.source == "mastodon"]


def uri(n: int) -> str:
    return status(n)["uri"]


async def test_every_post_once_through_trouble_deletion_and_restart(settings: Settings) -> None:
    """500 and 429 at start, a malformed frame, a boost, a dropped stream with a post missed
    meanwhile, a deletion, then a server restart: every post stored once, the deleted one
    retracted from the wall, and the restart resumes from the stored cursor."""
    fake = FakeMastodon()
    for n in (1, 2, 3):
        fake.post(n, stream=False)
    fake.faults = [(500, {}), (429, {"Retry-After": "1"})]
    async with running(fake):
        async with app_running(settings) as store:
            event = await store.events.create("fair", "Fair", ["xmas"], moderation="post")
            source = await store.sources.create(
                event.id, "mastodon", {"instance": fake.url, "tag": "xmas", "token": ""}
            )

            async def stored(*ns: int) -> bool:
                return set(await posts(store, event)) >= {uri(n) for n in ns}

            await until(lambda: stored(1, 2, 3), "the backfill")
            calls = [t for t, kind, _ in fake.requests if kind == "timeline"]
            assert calls[2] - calls[1] >= 0.95, "Retry-After: 1 was not honoured"
            await fake.connected.wait()

            fake.post(4)
            fake.raw("event: update\ndata: {not json\n\n")
            boost = {**status(99), "uri": "https://other.example/boost/99", "reblog": status(4)}
            fake.send("update", json.dumps(boost))
            fake.post(5)
            await until(lambda: stored(4, 5), "the streamed posts")

            fake.drop()
            fake.post(6, stream=False)  # posted while the stream was down
            await until(lambda: stored(6), "the post missed while disconnected")
            await until(lambda: _connected(fake), "the stream again")

            post2 = await store.sources.find_post(event.id, "mastodon", uri(2))
            assert post2 is not None and post2.status == Status.APPROVED
            before = await store.wall.current_seq(event.id)
            fake.send("delete", "2")

            async def retracted() -> bool:
                return (await store.posts.get(post2.id)).status == Status.HIDDEN

            await until(retracted, "the deletion")
            wall = [json.loads(m.text) for m in await store.wall.after(event.id, before)]
            assert [(m["type"], m["post_id"]) for m in wall] == [("post.retract", post2.id)]
            assert sorted(await posts(store, event)) == sorted(uri(n) for n in range(1, 7))

            async def saved() -> bool:  # the cursor is saved right after the batch is applied
                return (await store.sources.get(source.id)).cursor.get("min_id") == "6"

            await until(saved, "the cursor after the backfill")
            info = await store.sources.get(source.id)
            assert info.state == "running"
            assert info.last_post_at is not None

        fake.requests.clear()
        fake.post(7, stream=False)  # posted while the wall server was down
        async with app_running(settings) as store:
            await until(lambda: stored(7), "the post made during the restart")
            first = next(q for _, kind, q in fake.requests if kind == "timeline")
            assert first["min_id"] == "6"
            assert sorted(await posts(store, event)) == sorted(uri(n) for n in range(1, 8))


async def _connected(fake: FakeMastodon) -> bool:
    return fake.connected.is_set()


async def test_bad_credentials_fail_the_source_with_the_reason(settings: Settings) -> None:
    """A 401 stops the source: state failed, the reason shown, no retry storm."""
    fake = FakeMastodon(faults=[(401, {})])
    async with running(fake), app_running(settings) as store:
        event = await store.events.create("fair", "Fair", ["xmas"])
        source = await store.sources.create(
            event.id, "mastodon", {"instance": fake.url, "tag": "xmas", "token": "bad"}
        )

        async def failed() -> bool:
            return (await store.sources.get(source.id)).state == "failed"

        await until(failed, "the source to fail")
        info = await store.sources.get(source.id)
        assert "401" in info.last_error and "credentials" in info.last_error
        assert [kind for _, kind, _ in fake.requests].count("timeline") == 1


async def test_two_instances_store_a_post_once(settings: Settings) -> None:
    """The same status seen on two instances (same uri) is one post on the wall."""
    first, second = FakeMastodon(), FakeMastodon()
    first.post(1, stream=False)
    second.post(1, stream=False)
    async with running(first), running(second), app_running(settings) as store:
        event = await store.events.create("fair", "Fair", ["xmas"])
        for fake in (first, second):
            await store.sources.create(
                event.id, "mastodon", {"instance": fake.url, "tag": "xmas", "token": ""}
            )
        await until(
            lambda: _both_asked(first, second), "both instances to be asked for the timeline"
        )
        await until(lambda: _has(store, event, 1), "the post")
        assert await posts(store, event) == [uri(1)]


async def _both_asked(a: FakeMastodon, b: FakeMastodon) -> bool:
    return a.connected.is_set() and b.connected.is_set()


async def _has(store: Store, event: EventInfo, n: int) -> bool:
    return uri(n) in await posts(store, event)


async def test_a_bad_status_is_skipped_and_the_ones_after_it_are_stored(settings: Settings) -> None:
    """A status of the wrong shape and one dated year 1 at +23:59 (issue #13) in the backfill
    and the stream: the broken one is skipped, the oddly dated one kept, every later one stored,
    and the source stays running (no crash loop)."""
    fake = FakeMastodon()
    fake.statuses.append({**status(1), "account": "not an account"})
    fake.statuses.append({**status(2), "created_at": "0001-01-01T00:00:00+23:59"})
    fake.post(3, stream=False)
    async with running(fake), app_running(settings) as store:
        event = await store.events.create("fair", "Fair", ["xmas"], moderation="post")
        source = await store.sources.create(
            event.id, "mastodon", {"instance": fake.url, "tag": "xmas", "token": ""}
        )

        async def stored(*ns: int) -> bool:
            return sorted(await posts(store, event)) == sorted(uri(n) for n in ns)

        await until(lambda: stored(2, 3), "the statuses after the broken one")
        await fake.connected.wait()
        fake.send("update", json.dumps({**status(4), "account": 4}))
        fake.send("update", json.dumps({**status(5), "created_at": "0001-01-01T00:00:00+23:59"}))
        fake.post(6)
        await until(lambda: stored(2, 3, 5, 6), "the streamed statuses after the broken one")
        info = await store.sources.get(source.id)
        assert info.state == "running" and info.cursor["min_id"] == "3"
        assert [kind for _, kind, _ in fake.requests].count("stream") == 1, "it reconnected"
