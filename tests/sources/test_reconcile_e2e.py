"""Deletions made while the stream was down reach the wall: connectors ask the network about
their recent posts after a reconnect and every few minutes (wallserver/sources/reconcile.py)."""

from __future__ import annotations

from pathlib import Path

from moderation import Status
from tests.conftest import make_settings
from tests.sources.conftest import FAST, until
from tests.sources.fakes import FakeBlueskyPosts, FakeMastodon, running
from tests.sources.test_bluesky_e2e import APPVIEW, FakeJetstream, create, jetstream
from tests.sources.test_bluesky_e2e import uri as at_uri
from tests.sources.test_mastodon_e2e import app_running, uri
from tests.sources.test_polling_e2e import fake_server
from wallserver.settings import Settings
from wallserver.store import EventInfo, Store


def every(tmp_path: Path, seconds: float) -> Settings:
    return make_settings(tmp_path / "data", source_reconcile_seconds=seconds, **FAST)


async def status_of(store: Store, event: EventInfo, source: str, source_id: str) -> str:
    post = await store.sources.find_post(event.id, source, source_id)
    assert post is not None, source_id
    return post.status


async def mastodon_source(store: Store, fake: FakeMastodon) -> EventInfo:
    event = await store.events.create("fair", "Fair", ["xmas"], moderation="post")
    await store.sources.create(
        event.id, "mastodon", {"instance": fake.url, "tag": "xmas", "token": ""}
    )
    return event


async def test_mastodon_deletion_while_the_stream_was_down_is_retracted(tmp_path: Path) -> None:
    """A status deleted while the stream was down (no delete event ever comes) leaves the wall
    after the reconnect, with one post.retract; the statuses still there stay."""
    fake = FakeMastodon()
    for n in (1, 2, 3):
        fake.post(n, stream=False)
    async with running(fake), app_running(every(tmp_path, 3600)) as store:
        event = await mastodon_source(store, fake)
        await until(lambda: _all_approved(store, event, 1, 2, 3), "the backfill")
        await fake.connected.wait()
        before = await store.wall.current_seq(event.id)
        fake.drop()
        fake.delete(2, stream=False)  # deleted while no stream is open: nobody hears of it

        async def retracted() -> bool:
            return await status_of(store, event, "mastodon", uri(2)) == Status.HIDDEN

        await until(retracted, "the deletion found after the reconnect")
        assert await status_of(store, event, "mastodon", uri(1)) == Status.APPROVED
        assert await status_of(store, event, "mastodon", uri(3)) == Status.APPROVED
        kinds = [m.text for m in await store.wall.after(event.id, before)]
        assert len(kinds) == 1 and "post.retract" in kinds[0]


async def test_mastodon_deletion_is_found_every_few_minutes(tmp_path: Path) -> None:
    """With the stream up, a deletion whose event never came is found by the periodic check."""
    fake = FakeMastodon()
    fake.post(1, stream=False)
    fake.post(2, stream=False)
    async with running(fake), app_running(every(tmp_path, 0.05)) as store:
        event = await mastodon_source(store, fake)
        await until(lambda: _all_approved(store, event, 1, 2), "the backfill")
        fake.delete(1, stream=False)

        async def retracted() -> bool:
            return await status_of(store, event, "mastodon", uri(1)) == Status.HIDDEN

        await until(retracted, "the periodic check")
        assert await status_of(store, event, "mastodon", uri(2)) == Status.APPROVED
        streams = [kind for _, kind, _ in fake.requests].count("stream")
        assert streams == 1, "found without a reconnect"


async def test_mastodon_error_answers_retract_nothing(tmp_path: Path) -> None:
    """500 (or 401, 429) for a status is no evidence of a deletion: every post stays."""
    fake = FakeMastodon()
    fake.post(1, stream=False)
    fake.post(2, stream=False)
    async with running(fake), app_running(every(tmp_path, 0.05)) as store:
        event = await mastodon_source(store, fake)
        await until(lambda: _all_approved(store, event, 1, 2), "the backfill")
        for fault in (500, 401, 429):
            fake.status_fault = fault
            fake.delete(1, stream=False)
            asked = _asked(fake)
            await until(lambda n=asked: _more_passes(fake, n), f"two passes answered {fault}")
            assert await status_of(store, event, "mastodon", uri(1)) == Status.APPROVED
        assert await status_of(store, event, "mastodon", uri(2)) == Status.APPROVED


async def test_bluesky_deletion_while_down_is_retracted_errors_retract_nothing(
    tmp_path: Path,
) -> None:
    """A Bluesky post deleted while the wall server was down (Jetstream never sends the delete)
    is retracted after the restart through getPosts; an error answer retracts nothing."""
    stream = FakeJetstream()
    for n in (1, 2, 3):
        stream.add(create(n))
    posts = FakeBlueskyPosts({at_uri(n): create(n)["commit"]["record"] for n in (1, 2, 3)})
    settings = every(tmp_path, 3600)
    async with jetstream(stream), fake_server([*APPVIEW, *posts.routes()]) as appview:
        async with app_running(settings) as store:
            event = await store.events.create("fair", "Fair", ["xmas"], moderation="post")
            config = {"jetstream": stream.url, "appview": appview}
            await store.sources.create(event.id, "bluesky", config)
            await until(lambda: _all_approved(store, event, 1, 2, 3, net="bluesky"), "posts")
        del posts.records[at_uri(1)]  # deleted while the wall server was down
        posts.fault = 502
        asked = len(posts.asked)
        async with app_running(settings) as store:
            await until(lambda: _getposts_asked(posts, asked), "a getPosts answered 502")
            assert await status_of(store, event, "bluesky", at_uri(1)) == Status.APPROVED
        posts.fault = None
        async with app_running(settings) as store:

            async def retracted() -> bool:
                return await status_of(store, event, "bluesky", at_uri(1)) == Status.HIDDEN

            await until(retracted, "the deletion found after the restart")
            for n in (2, 3):
                assert await status_of(store, event, "bluesky", at_uri(n)) == Status.APPROVED
            assert sorted(posts.asked[-1]) == sorted(at_uri(n) for n in (1, 2, 3))


async def _all_approved(store: Store, event: EventInfo, *ns: int, net: str = "mastodon") -> bool:
    for n in ns:
        key = uri(n) if net == "mastodon" else at_uri(n)
        post = await store.sources.find_post(event.id, net, key)
        if post is None or post.status != Status.APPROVED:
            return False
    return True


def _asked(fake: FakeMastodon) -> int:
    return [kind for _, kind, _ in fake.requests].count("status")


async def _more_passes(fake: FakeMastodon, before: int) -> bool:
    """Two more passes began, so one whole pass saw the fault (a pass asks 1 or 2 statuses)."""
    return _asked(fake) >= before + 4


async def _getposts_asked(posts: FakeBlueskyPosts, before: int) -> bool:
    return len(posts.asked) > before
