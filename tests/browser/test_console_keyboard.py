"""The console by keyboard alone: 50 posts cleared with a/r, help overlay, filters and search."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from moderation import Status
from tests.browser.conftest import Pages, log_in
from tests.browser.verdicts import decided
from tests.conftest import LiveServer

pytestmark = pytest.mark.browser


async def test_moderator_clears_50_posts_by_keyboard_alone(pages: Pages, live: LiveServer) -> None:
    """Fifty waiting posts, decided with a, r and j only; every post gets the intended verdict."""
    ids = []
    for i in range(50):
        created = await live.wall.ingest(f"k{i}", f"Post number {i}", author={"name": f"Gast {i}"})
        ids.append(created.json()["id"])
    page = await pages.open(name="console")
    await log_in(page, live)
    await expect(page.locator("#queue-count")).to_have_text("50")
    await expect(page.locator("#queue .item")).to_have_count(10)  # shown and claimed 10 at a time
    for i, post_id in enumerate(ids):
        first = page.locator("#queue .item").first
        await expect(first).to_have_attribute("data-post-id", str(post_id))
        await page.keyboard.press("r" if i % 5 == 4 else "a")
    await expect(page.locator("#queue-empty")).to_be_visible()
    await expect(page.locator("#queue-count")).to_have_text("0")
    for i, post_id in enumerate(ids):
        await decided(live, post_id, Status.REJECTED if i % 5 == 4 else Status.APPROVED)


async def test_help_overlay_cursor_and_search(pages: Pages, live: LiveServer) -> None:
    """'?' lists the keys, j moves the cursor, '/' searches text and author."""
    for i, (text, name) in enumerate(
        [("Glühwein!", "Ada"), ("Tanzfläche", "Bo"), ("Hallo", "Cem")]
    ):
        await live.wall.ingest(f"h{i}", text, author={"name": name})
    page = await pages.open(name="console")
    await log_in(page, live)
    await expect(page.locator("#queue .item")).to_have_count(3)
    await page.keyboard.press("?")
    await expect(page.locator("#help")).to_be_visible()
    await expect(page.locator("#help")).to_contain_text("approve all visible")
    await page.keyboard.press("Escape")
    await expect(page.locator("#help")).to_be_hidden()
    await page.keyboard.press("j")
    await expect(page.locator("#queue .item.current")).to_contain_text("Tanzfläche")
    await page.keyboard.press("a")  # approves the current post, not the first
    await expect(page.locator("#queue .item")).to_have_count(2)
    await expect(page.locator("#queue .item").first).to_contain_text("Glühwein")
    await page.keyboard.press("/")
    await page.keyboard.type("cem")
    await expect(page.locator("#queue .item")).to_have_count(1)
    await expect(page.locator("#queue .item")).to_contain_text("Hallo")


async def test_figures_live_and_ban_from_the_post(pages: Pages, live: LiveServer) -> None:
    """The figures follow decisions; banning an author from a card rejects their next post."""
    await live.wall.ingest("f1", "Erster!", author={"name": "Troll", "handle": "troll"})
    await live.wall.ingest("f2", "Zweiter", author={"name": "Mia", "handle": "mia"})
    page = await pages.open(name="console")
    await log_in(page, live)
    await expect(page.locator("#fig-depth")).to_have_text("2")
    await page.locator("#queue .item").first.locator("button.ban").click()
    await expect(page.locator("#console-message")).to_contain_text("Banned troll")
    await page.keyboard.press("r")
    await expect(page.locator("#fig-depth")).to_have_text("1")
    await expect(page.locator("#fig-moderators")).to_contain_text("mod: 1")
    later = await live.wall.ingest("f3", "Nochmal", author={"name": "Troll", "handle": "troll"})
    assert later.json()["status"] == "rejected"
