"""A connector's delivery: one item that cannot be stored is skipped, the batch goes on."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from tests.conftest import Wall
from wallserver.posts.records import NewPost
from wallserver.sources.context import Context
from wallserver.sources.items import Candidate


def candidate(n: int, created_at: datetime | None = None) -> Candidate:
    post = NewPost(source="rss", source_id=f"n{n}", text=f"news {n}", created_at=created_at)
    return Candidate(post, frozenset({"xmasparty"}))


async def test_an_item_the_store_cannot_take_is_skipped_and_the_next_stored(
    wall: Wall, caplog: pytest.LogCaptureFixture
) -> None:
    """A post whose date overflows on its way in (issue #13, had a parser let it through) is
    logged and skipped; the post after it is stored and the cursor saved past both."""
    source = await wall.store.sources.create(wall.event.id, "rss", {"url": "https://x.test/f"})
    supervisor = wall.app.state.services.supervisor
    async with httpx.AsyncClient() as http:
        ctx = Context(source, wall.event, wall.store, supervisor.sink, http)
        overflowing = datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=23, minutes=59)))
        with caplog.at_level(logging.WARNING, "wallserver.sources.context"):
            await ctx.deliver([candidate(1, overflowing), candidate(2)], {"seen": ["n1", "n2"]})
    assert await wall.store.sources.find_post(wall.event.id, "rss", "n2") is not None
    assert (await wall.store.sources.get(source.id)).cursor["seen"] == ["n1", "n2"]
    if await wall.store.sources.find_post(wall.event.id, "rss", "n1") is None:
        assert "skipped candidate 'n1'" in caplog.text  # until the store converts it itself
