"""Mastodon ``status.update``: an author's edit reaches the stored post and the walls, and never
puts unreviewed words on a pre-moderated wall."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from moderation import Status
from tests.conftest import make_settings
from tests.sources.conftest import FAST, until
from tests.sources.fakes import FakeMastodon, FakeMedia, jpeg, media_server, running, status
from tests.sources.test_mastodon_e2e import app_running
from wallserver.posts.records import PostRecord
from wallserver.settings import Settings
from wallserver.store import EventInfo, Store


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path / "data", **FAST, media_fetch_allow_networks=["127.0.0.0/8"])


def edited(n: int, words: str, media: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    s = status(n)
    s["content"] = f"<p>{words} <a href='https://fake.social/tags/xmas'>#xmas</a></p>"
    s["edited_at"] = "2026-12-24T18:40:00.000Z"
    s["media_attachments"] = media or []
    return s


async def post_of(store: Store, event: EventInfo, n: int) -> PostRecord | None:
    return await store.sources.find_post(event.id, "mastodon", status(n)["uri"])


async def wall_since(store: Store, event: EventInfo, seq: int) -> list[dict[str, Any]]:
    return [json.loads(m.text) for m in await store.wall.after(event.id, seq)]


async def test_an_edit_updates_the_post_and_the_wall(settings: Settings) -> None:
    """On a show-first wall the edited text and its new photo replace the old at once (a fresh
    post.show, the photo re-hosted); the original is kept and the edit audited. An edit of a
    post never seen is a new post."""
    fake, media = FakeMastodon(), FakeMedia()
    fake.post(1, stream=False)
    async with media_server(media), running(fake), app_running(settings) as store:
        event = await store.events.create("fair", "Fair", ["xmas"], moderation="post")
        source = await store.sources.create(
            event.id, "mastodon", {"instance": fake.url, "tag": "xmas"}
        )
        await until(lambda: _is(post_of(store, event, 1)), "the post")
        await fake.connected.wait()
        before = await store.wall.current_seq(event.id)
        photo = media.add("tree.jpg", jpeg())
        attachment = {"type": "image", "url": photo, "description": "the tree", "meta": {}}
        fake.send("status.update", json.dumps(edited(1, "post 1, typo fixed", [attachment])))

        async def changed() -> bool:
            post = await post_of(store, event, 1)
            return post is not None and post.text.startswith("post 1, typo fixed")

        await until(changed, "the edit")
        post = await post_of(store, event, 1)
        assert post is not None and post.status == Status.APPROVED
        assert post.original is not None and post.original["text"] == "post 1 #xmas"
        (shown,) = post.media
        assert shown["url"].startswith("/media/") and shown["alt"] == "the tree"
        assert (settings.media_dir / shown["url"].removeprefix("/media/")).is_file()
        (message,) = await wall_since(store, event, before)
        assert message["type"] == "post.show" and message["post"]["id"] == post.id
        assert message["post"]["text"] == "post 1, typo fixed #xmas"
        assert message["post"]["media"] == [shown]
        audit = await store.posts.history(post.id)
        assert (audit[-1].action, audit[-1].actor) == ("edit", f"source:{source.id}")

        fake.send("status.update", json.dumps(edited(2, "post 2, first seen as an edit")))
        await until(lambda: _is(post_of(store, event, 2)), "the unseen edited post")


async def test_an_edit_of_an_approved_post_goes_back_to_review(settings: Settings) -> None:
    """On a pre-moderated wall an approved post that is edited leaves the wall and waits for a
    moderator again, with the new text; one the rules reject is hidden. The old text is never
    shown with the new one, and nothing new reaches the wall before review."""
    fake = FakeMastodon()
    fake.post(1, stream=False)
    fake.post(2, stream=False)
    rules = {"trusted_authors": [], "banned_authors": [], "blocklist": ["scam"]}
    async with running(fake), app_running(settings) as store:
        event = await store.events.create("fair", "Fair", ["xmas"], moderation="pre")
        event = await store.events.set_rules(event.slug, rules)
        await store.sources.create(event.id, "mastodon", {"instance": fake.url, "tag": "xmas"})
        await until(lambda: _is(post_of(store, event, 2)), "the posts")
        for n in (1, 2):
            post = await post_of(store, event, n)
            assert post is not None and post.status == Status.PENDING
            await store.posts.decide(post.id, "approve", post.version, "user:mod")
        await fake.connected.wait()
        before = await store.wall.current_seq(event.id)
        fake.send("status.update", json.dumps(edited(1, "post 1 now says something else")))
        fake.send("status.update", json.dumps(edited(2, "post 2 buy my scam coin")))

        async def settled() -> bool:
            one, two = await post_of(store, event, 1), await post_of(store, event, 2)
            return bool(one and two and "scam" in two.text and "else" in one.text)

        await until(settled, "both edits")
        one, two = await post_of(store, event, 1), await post_of(store, event, 2)
        assert one is not None and two is not None
        assert (one.status, two.status) == (Status.PENDING, Status.HIDDEN)
        messages = await wall_since(store, event, before)
        assert [(m["type"], m["post_id"]) for m in messages] == [
            ("post.retract", one.id),
            ("post.retract", two.id),
        ]


async def _is(value: Any) -> bool:
    return (await value) is not None
