"""Views longer than what the console loads: the search asks the server, so a post approved
hours ago is found among hundreds and can be retracted; "Load older" pages back through them."""

from __future__ import annotations

import asyncio
import json

import pytest
from playwright.async_api import Page, Request, Route, expect

from moderation import Status
from tests.browser.conftest import Pages, log_in
from tests.conftest import LiveServer, Wall
from wallserver.store import NewPost

pytestmark = pytest.mark.browser

OLDEST = "Der Weihnachtsmann kam mit dem Tretroller"


async def stored(wall: Wall, count: int, status: Status, first: str = OLDEST) -> list[int]:
    """``count`` posts stored with ``status``, oldest first (its text ``first``), as rules or
    moderators had decided them long ago."""
    ids = []
    for i in range(count):
        text = first if i == 0 else f"Beitrag {i}"
        new = NewPost("test", f"p{i}", text, author_name=f"Gast {i}")
        ids.append(
            (await wall.app.state.services.pipeline.record(wall.event.id, new, status)).post.id
        )
    return ids


async def shown(page: Page) -> list[int]:
    return list(
        await page.locator("#queue .item").evaluate_all(
            "els => els.map((e) => Number(e.dataset.postId))"
        )
    )


async def on_the_wall(page: Page, live: LiveServer) -> None:
    await log_in(page, live)
    await page.locator("#f-status").select_option("approved")
    await expect(page.locator("#queue .item")).to_have_count(50)


def is_search(request: Request) -> bool:
    return "/posts?" in request.url and "q=" in request.url


AFTER_A_FRAME = "() => new Promise((done) => setTimeout(() => requestAnimationFrame(done)))"


async def test_the_oldest_post_on_the_wall_is_found_and_retracted(
    pages: Pages, live: LiveServer
) -> None:
    """Among 300 posts on the wall the console loads the newest 200; a word from the oldest
    post's text still finds it (the server searches all), and Retract takes it off the wall."""
    ids = await stored(live.wall, 300, Status.APPROVED)
    page = await pages.open(name="console")
    searches: list[str] = []
    page.on("request", lambda r: searches.append(r.url) if is_search(r) else None)
    await on_the_wall(page, live)
    assert ids[0] not in await shown(page)

    await page.keyboard.press("/")
    await page.keyboard.type("tretroller")
    item = page.locator(f'#queue .item[data-post-id="{ids[0]}"]')
    await expect(item).to_contain_text(OLDEST)
    await expect(page.locator("#queue .item")).to_have_count(1)
    assert 1 <= len(searches) < len("tretroller")  # asked once typing paused, not per key
    await pages.screenshot(page, "found")

    await item.locator("button.retract").click()
    await expect(page.locator("#queue .item")).to_have_count(0)
    await expect(page.locator("#console-message")).to_contain_text("Retracted")
    await expect(page.locator("#queue-empty")).to_have_text("No post here matches these filters.")
    assert (await live.wall.store.posts.get(ids[0])).status == Status.HIDDEN.value
    on_wall = await live.wall.client.get(f"/api/events/xmas/wall/posts?ids={ids[0]}")
    assert on_wall.json()["posts"] == []  # no screen gets it back
    last = json.loads((await live.wall.store.wall.after(live.wall.event.id, 0, 10_000))[-1].text)
    assert (last["type"], last["post_id"]) == ("post.retract", ids[0])  # sent to every screen

    await page.locator("#f-status").select_option("hidden")  # where it went, found as well
    await expect(page.locator("#queue .item")).to_have_count(1)
    await expect(item).to_contain_text(OLDEST)


async def test_a_slow_answer_to_an_earlier_search_does_not_replace_the_latest(
    pages: Pages, live: LiveServer
) -> None:
    """The server's answer for what was typed before arrives after the one for what is typed
    now: the list keeps showing the answer to the latest search."""
    ids = await stored(live.wall, 260, Status.APPROVED)
    held: list[Route] = []
    first_seen = asyncio.Event()

    async def hold_the_first(route: Route) -> None:
        if held or "q=tret&" not in route.request.url + "&":
            await route.continue_()
            return
        held.append(route)
        first_seen.set()

    page = await pages.open(name="console")
    await page.route(lambda url: "/api/events/xmas/posts?" in url, hold_the_first)
    await on_the_wall(page, live)
    await page.locator("#f-search").fill("tret")
    await asyncio.wait_for(first_seen.wait(), 5)
    await expect(page.locator("#queue-empty")).to_have_text("Searching older posts too…")
    await page.locator("#f-search").fill("tretschlitten")
    await expect(page.locator("#queue-empty")).to_have_text("No post here matches these filters.")
    async with page.expect_event("requestfinished", is_search):
        await held[0].continue_()  # the answer for "tret" (the oldest post) comes late
    await page.evaluate(AFTER_A_FRAME)  # the page has read the answer and drawn the list
    await expect(page.locator("#queue-empty")).to_have_text("No post here matches these filters.")
    assert await shown(page) == []

    await page.locator("#f-search").fill("")
    await expect(page.locator("#queue .item")).to_have_count(50)
    assert await shown(page) == ids[::-1][:50]


async def test_load_older_pages_back_through_the_view(pages: Pages, live: LiveServer) -> None:
    """The view shows the newest 50 of 300; "Load older" shows 50 more each time, past the 200
    loaded at first, until the oldest is there and the button goes."""
    ids = await stored(live.wall, 300, Status.APPROVED)
    page = await pages.open(name="console")
    await on_the_wall(page, live)
    newest_first = ids[::-1]
    assert await shown(page) == newest_first[:50]
    older = page.get_by_role("button", name="Load older")
    await older.scroll_into_view_if_needed()
    await pages.screenshot(page, "load-older")
    for count in (100, 150, 200, 250, 300):
        await older.click()
        await expect(page.locator("#queue .item")).to_have_count(count)
    assert await shown(page) == newest_first
    await expect(older).to_be_hidden()
    await expect(page.locator(f'#queue .item[data-post-id="{ids[0]}"]')).to_contain_text(OLDEST)

    await page.locator("#f-status").select_option("pending")  # the waiting queue has no pages
    await expect(page.locator("#queue-empty")).to_be_visible()
    await expect(older).to_be_hidden()


async def test_a_search_of_an_older_view_pages_back_too(pages: Pages, live: LiveServer) -> None:
    """When the server finds more than a page of posts, "Load older" brings the next ones."""
    ids = await stored(live.wall, 320, Status.REJECTED)
    page = await pages.open(name="console")
    await log_in(page, live)
    await page.locator("#f-status").select_option("rejected")
    await expect(page.locator("#queue .item")).to_have_count(50)
    await page.locator("#f-search").fill("Gast 1")  # Gast 1, 10-19, 100-199: 111 posts
    expected = [post_id for i, post_id in enumerate(ids) if str(i).startswith("1")][::-1]
    await expect(page.locator("#older-note")).to_have_text("")  # the server has answered
    await expect(page.locator("#queue .item")).to_have_count(50)
    older = page.get_by_role("button", name="Load older")
    await older.click()
    await expect(page.locator("#queue .item")).to_have_count(100)
    await older.click()
    await expect(page.locator("#queue .item")).to_have_count(111)
    assert await shown(page) == expected
    await expect(older).to_be_hidden()


async def test_the_waiting_queue_search_finds_posts_beyond_the_first_fetch(
    pages: Pages, live: LiveServer
) -> None:
    """With more posts waiting than the console fetches (200), searching for a newer one finds
    it, claimed like any post shown; an emptied search brings the oldest back first."""
    ids = [(await live.wall.ingest(f"w{i}", f"Wartend {i}")).json()["id"] for i in range(205)]
    late = (await live.wall.ingest("w-late", "Schneeballschlacht im Hof")).json()["id"]
    page = await pages.open(name="console")
    await log_in(page, live)
    await expect(page.locator("#queue .item")).to_have_count(10)
    assert await shown(page) == ids[:10]
    await page.locator("#f-search").fill("schneeball")
    await expect(page.locator("#queue .item")).to_have_count(1)
    assert await shown(page) == [late]
    claimed = await live.wall.client.get(
        "/api/events/xmas/posts",
        params={"q": "schneeball"},
        headers=live.wall.auth("moderator"),
    )
    assert claimed.json()["posts"][0]["claimed_by"] == "user:mod"
    await page.keyboard.press("Escape")
    await expect(page.locator("#queue .item").first).to_have_attribute("data-post-id", str(ids[0]))
    assert await shown(page) == ids[:10]
