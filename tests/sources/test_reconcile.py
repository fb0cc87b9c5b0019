"""What the networks' answers about single posts mean, and which posts are asked about."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import Wall
from wallserver.sources.items import MalformedPayload
from wallserver.sources.reconcile import (
    Answer,
    batches,
    local_ids,
    mastodon_answer,
    missing_posts,
)


def test_only_404_and_410_mean_deleted() -> None:
    """200 is there; 404/410 are gone; errors, rate limits and refusals say nothing."""
    assert mastodon_answer(200) is Answer.PRESENT
    assert mastodon_answer(404) is Answer.DELETED and mastodon_answer(410) is Answer.DELETED
    for status in (401, 403, 429, 500, 502, 503, 302):
        assert mastodon_answer(status) is Answer.UNKNOWN


def test_local_ids_ask_the_original_not_a_boost() -> None:
    """A uri seen as a status (id 7) and through a boost (id 90) is asked about as id 7; a uri
    never seen on this instance is not asked about."""
    uris = {"90": "https://a/s/7", "7": "https://a/s/7", "8": "https://a/s/8"}
    assert local_ids(["https://a/s/7", "https://b/s/1"], uris) == {"https://a/s/7": "7"}


def test_getposts_batches_and_missing_uris() -> None:
    """25 URIs per call; a URI left out of the answer is deleted; a malformed answer raises."""
    ids = [f"at://d/app.bsky.feed.post/{n}" for n in range(60)]
    assert [len(b) for b in batches(ids)] == [25, 25, 10]
    body = {"posts": [{"uri": ids[0]}, {"uri": ids[2]}]}
    assert missing_posts(ids[:3], body) == [ids[1]]
    for bad in ({"error": "x"}, {"posts": [{"cid": "c"}]}, []):
        with pytest.raises(MalformedPayload):
            missing_posts(ids[:3], bad)


async def test_recent_retractable_lists_recent_posts_still_on_the_wall_or_waiting(
    wall: Wall,
) -> None:
    """Pending and approved posts of the source, newest first; hidden ones and other sources
    are left out; the limit bounds the answer."""
    for n in range(4):
        assert (await wall.ingest(f"p{n}")).status_code == 202
    await wall.ingest("other", source="elsewhere")
    hidden = await wall.store.sources.find_post(wall.event.id, "test", "p0")
    assert hidden is not None
    approved = await wall.decide(hidden.id, "approve", hidden.version)
    await wall.decide(hidden.id, "hide", approved.json()["version"])
    since = datetime.now(UTC) - timedelta(hours=1)
    found = await wall.store.sources.recent_retractable(wall.event.id, "test", since, 10)
    assert found == ["p3", "p2", "p1"]
    assert await wall.store.sources.recent_retractable(wall.event.id, "test", since, 2) == [
        "p3",
        "p2",
    ]
    later = datetime.now(UTC) + timedelta(minutes=1)
    assert await wall.store.sources.recent_retractable(wall.event.id, "test", later, 10) == []
