"""A screen left alone all night: 20,000 posts streamed at high speed into an open wall page.

The DOM must stay under a fixed ceiling and the JS heap (after garbage collection) must not
grow past 25% of its level after the first 1,000 posts. The posts are written straight into
the database in bulk (the API would take minutes for 20,000) and reach the page through the
real hub and socket: the hub fills the gap from the database, as it does after a broker hiccup.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from playwright.async_api import Page, expect
from sqlalchemy import func, insert, update
from sqlmodel import col, select

from tests.browser.conftest import Pages
from tests.conftest import LiveServer, Wall
from wallserver.db.models import Event, Post, WallEntry
from wallserver.store.rows import post_record
from wallserver.store.wall import WallMessage, dumps

pytestmark = pytest.mark.browser

DOM_CEILING = 1500
FIRST = 1_000
TOTAL = 20_000
BATCH = 1_000
AUTHORS = 500  # a crowd that posts again and again, like a party's guests


async def add_approved(wall: Wall, count: int, start: int) -> int:
    """Store ``count`` approved posts and their post.show entries; returns the last seq."""
    db = wall.store.db
    now = datetime.now(UTC)
    async with db.write() as session:
        first_id = int((await session.exec(select(func.coalesce(func.max(Post.id), 0)))).one()) + 1
        seq = int(
            (await session.exec(select(Event.wall_seq).where(Event.id == wall.event.id))).one()
        )
        posts = []
        for i in range(count):
            n = start + i
            posts.append(
                {
                    "id": first_id + i,
                    "event_id": wall.event.id,
                    "source": "mastodon",
                    "source_id": f"bulk-{n}",
                    "author_name": f"Gast {n % AUTHORS}",
                    "author_handle": f"gast{n % AUTHORS}",
                    "author_avatar_url": "",
                    "text": f"Beitrag {n}: Was für ein Abend! #XmasParty26 " + "la " * (n % 30),
                    "media": [],
                    "url": "",
                    "created_at": now,
                    "received_at": now,
                    "status": "approved",
                    "pinned": False,
                    "version": 2,
                    "rule": "",
                    "rule_reason": "",
                    "consent": False,
                    "contact": "",
                }
            )
        await session.exec(insert(Post), params=posts)  # type: ignore[call-overload]
        entries = []
        for i, post in enumerate(posts):
            record = post_record(Post(**post))
            seq_i = seq + 1 + i
            text = dumps({"type": "post.show", "seq": seq_i, "post": record.wall_view()})
            entries.append(
                {
                    "event_id": wall.event.id,
                    "seq": seq_i,
                    "type": "post.show",
                    "post_id": post["id"],
                    "message": text,
                    "at": now,
                }
            )
        await session.exec(insert(WallEntry), params=entries)  # type: ignore[call-overload]
        last = seq + count
        bump = update(Event).where(col(Event.id) == wall.event.id).values(wall_seq=last)
        await session.exec(bump)  # type: ignore[call-overload]
    # Tell the hub about the newest; it reads everything before it from the database.
    await wall.app.state.services.hub.publish(
        [WallMessage(wall.event.id, last, entries[-1]["message"])]
    )
    return last


async def heap_after_gc(page: Page) -> int:
    cdp = await page.context.new_cdp_session(page)
    for _ in range(3):
        await cdp.send("HeapProfiler.collectGarbage")
    usage = await cdp.send("Runtime.getHeapUsage")
    await cdp.detach()
    return int(usage["usedSize"])


async def dom_nodes(page: Page) -> int:
    return int(await page.evaluate("document.getElementsByTagName('*').length"))


async def wait_for_seq(page: Page, seq: int, deadline: float = 120) -> int:
    """Wait until the page applied ``seq``; returns the most DOM nodes seen meanwhile."""
    most = 0
    async with asyncio.timeout(deadline):
        while True:
            most = max(most, await dom_nodes(page))
            applied = int(await page.locator("#wall").get_attribute("data-last-seq") or 0)
            if applied >= seq:
                return most
            await asyncio.sleep(0.2)


async def test_twenty_thousand_posts_keep_dom_and_heap_flat(pages: Pages, live: LiveServer) -> None:
    page = await pages.open("/wall/xmas")
    await expect(page.locator("#wall")).to_have_attribute("data-state", "online")

    seq = await add_approved(live.wall, FIRST, 0)
    most = await wait_for_seq(page, seq)
    await expect(page.locator("#cards .card").first).to_be_visible()
    baseline = await heap_after_gc(page)

    for start in range(FIRST, TOTAL, BATCH):
        seq = await add_approved(live.wall, BATCH, start)
        most = max(most, await dom_nodes(page))
    most = max(most, await wait_for_seq(page, seq, deadline=300))
    await expect(page.locator("#cards .card").first).to_be_visible()
    final = await heap_after_gc(page)
    await pages.screenshot(page, "after-20000")

    assert most < DOM_CEILING, f"DOM reached {most} nodes"
    assert final <= baseline * 1.25, f"heap grew from {baseline} to {final} bytes"
