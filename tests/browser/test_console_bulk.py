"""Bulk decisions and filters in the console: selecting by key or box, approve all visible, the
"on the wall" view, and the filters by status, source, rule verdict, media and search."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from moderation import Status
from tests.browser.conftest import Pages, approved, log_in
from tests.browser.pictures import picture, png_bytes
from tests.browser.verdicts import decided, status_of
from tests.conftest import LiveServer

pytestmark = pytest.mark.browser


async def texts(page: Page) -> list[str]:
    return list(await page.locator("#queue .item .item-text").all_text_contents())


async def test_selection_by_key_shows_and_bulk_decides_only_the_selected(
    pages: Pages, live: LiveServer
) -> None:
    """x ticks the box of the marked post; "Reject selected" rejects exactly those; A approves
    the rest of what is shown, and the empty queue says so."""
    ids = [
        (await live.wall.ingest(f"b{i}", f"Beitrag {i}", author={"name": f"Gast {i}"})).json()["id"]
        for i in range(4)
    ]
    page = await pages.open(name="console")
    await log_in(page, live)
    items = page.locator("#queue .item")
    await expect(items).to_have_count(4)
    await page.keyboard.press("x")
    await page.keyboard.press("j")
    await page.keyboard.press("j")
    await page.keyboard.press("x")
    boxes = page.locator("#queue .item-select")
    await expect(boxes.nth(0)).to_be_checked()
    await expect(boxes.nth(1)).not_to_be_checked()
    await expect(boxes.nth(2)).to_be_checked()
    await pages.screenshot(page, "selected")
    await page.get_by_role("button", name="Reject selected").click()
    await decided(live, ids[0], Status.REJECTED)
    await decided(live, ids[2], Status.REJECTED)
    await expect(items).to_have_count(2)
    assert [await status_of(live, i) for i in (ids[1], ids[3])] == [Status.PENDING] * 2
    await expect(page.get_by_role("button", name="Reject selected")).to_be_disabled()

    await page.keyboard.press("A")
    await decided(live, ids[1], Status.APPROVED)
    await decided(live, ids[3], Status.APPROVED)
    await expect(page.locator("#queue-empty")).to_have_text(
        "Nothing waiting. New posts appear here live."
    )


async def test_the_on_the_wall_view_never_takes_a_post_down_by_approving(
    pages: Pages, live: LiveServer
) -> None:
    """Among the posts on the wall, a and A leave them there and say why; p pins; r takes the
    marked post down."""
    post = await approved(live.wall, "w1", "Schon auf der Wand", author={"name": "Ada"})
    page = await pages.open(name="console")
    await log_in(page, live)
    await page.locator("#f-status").select_option("approved")
    await expect(page.locator("#queue .item")).to_have_count(1)
    await expect(page.get_by_role("button", name="Approve all visible")).to_be_hidden()
    await expect(page.get_by_role("button", name="Approve selected")).to_be_hidden()
    await page.keyboard.press("Escape")  # the keys go to the console, not the status menu
    message = page.locator("#console-message")
    await page.keyboard.press("a")
    await expect(message).to_contain_text("Already on the wall")
    await page.keyboard.press("A")
    await expect(message).to_contain_text("waiting queue only")
    assert await status_of(live, post["id"]) == Status.APPROVED
    await page.keyboard.press("p")
    await expect(message).to_contain_text("Pinned")
    assert (await live.wall.store.posts.get(post["id"])).pinned
    await page.keyboard.press("r")
    await decided(live, post["id"], Status.REJECTED)
    await expect(page.locator("#queue-empty")).to_have_text("No posts on the wall.")


async def test_filters_by_source_rule_media_and_a_cleared_search(
    pages: Pages, live: LiveServer
) -> None:
    """Each filter narrows the queue to the posts it names; Esc in the search box empties it and
    the whole queue is back."""
    rules = {"chain": [{"kind": "regex", "patterns": ["link"], "verdict": "hold"}]}
    saved = await live.wall.client.put(
        "/api/events/xmas/rules", json=rules, headers=live.wall.auth("admin")
    )
    assert saved.status_code == 200, saved.text
    await live.wall.ingest("t1", "Nur Text", author={"name": "Ada"})
    await live.wall.ingest("t2", "Vom Fediverse", source="mastodon", author={"name": "Bo"})
    await live.wall.ingest("t3", "Hier ist ein link", author={"name": "Cem"})
    photo = png_bytes(picture(1, (800, 600)))
    sent = await live.wall.client.post(
        "/api/events/xmas/submissions",
        data={"text": "Mit Foto", "author": "Mia", "consent": "true"},
        files={"image": ("photo.png", photo, "image/png")},
    )
    assert sent.status_code == 202, sent.text
    page = await pages.open(name="console")
    await log_in(page, live)
    everything = ["Nur Text", "Vom Fediverse", "Hier ist ein link", "Mit Foto"]
    await expect(page.locator("#queue .item")).to_have_count(4)
    assert await texts(page) == everything

    await page.locator("#f-source").select_option("mastodon")
    await expect(page.locator("#queue .item")).to_have_count(1)
    assert await texts(page) == ["Vom Fediverse"]
    await page.locator("#f-source").select_option("")

    await page.locator("#f-verdict").select_option("rule:regex")  # offered once a rule spoke
    await expect(page.locator("#queue .item")).to_have_count(1)
    assert await texts(page) == ["Hier ist ein link"]
    await expect(page.locator("#queue .item-rule")).to_contain_text("link")
    await page.locator("#f-verdict").select_option("none")
    await expect(page.locator("#queue .item")).to_have_count(3)
    await page.locator("#f-verdict").select_option("")

    await page.locator("#f-media").select_option("yes")
    await expect(page.locator("#queue .item")).to_have_count(1)
    assert await texts(page) == ["Mit Foto"]
    await page.locator("#f-media").select_option("no")
    await expect(page.locator("#queue .item")).to_have_count(3)
    await page.locator("#f-media").select_option("")
    await expect(page.locator("#queue .item")).to_have_count(4)

    await page.locator("#f-status").focus()
    await page.keyboard.press("Escape")
    await page.keyboard.press("/")
    await page.keyboard.type("bo")
    await expect(page.locator("#queue .item")).to_have_count(1)
    await page.keyboard.type("gus")
    await expect(page.locator("#queue-empty")).to_have_text("No post here matches these filters.")
    await page.keyboard.press("Escape")
    await expect(page.locator("#f-search")).to_have_value("")
    await expect(page.locator("#queue .item")).to_have_count(4)
