"""Fixing an event on the admin page: its name, hashtags and moderation mode."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.browser.conftest import Pages
from tests.browser.test_lifecycle import logged_in
from tests.conftest import LiveServer

pytestmark = pytest.mark.browser


async def test_an_admin_fixes_the_hashtag_and_the_posting_page_shows_it(
    pages: Pages, live: LiveServer
) -> None:
    """A refused edit says why in the event's card and changes nothing; a good one shows in the
    card, in the sources' heading and on the posting page; typed text stays text."""
    w = live.wall
    await w.store.auth.create_user("boss", "admin", "password123")
    admin = await logged_in(pages, "/admin", "admin")
    card = admin.locator('.event[data-slug="xmas"]')
    await expect(card.locator(".event-hashtags")).to_have_text("#XmasParty #Dabei")
    await card.get_by_text("Edit name, hashtags, moderation").click()
    form = card.locator(".edit-form")

    await form.get_by_label("Hashtags").fill("#")
    await form.get_by_role("button", name="Save changes").click()
    note = card.locator(".lifecycle-note")
    await expect(note).to_contain_text("not a hashtag")
    await expect(note).to_have_class("lifecycle-note error")
    assert (await w.store.events.get("xmas")).hashtags == ["XmasParty", "Dabei"]

    await form.get_by_label("Name").fill("Xmas <b>Party</b> 2026")
    await form.get_by_label("Hashtags").fill("#XmasParty2026, Theme")
    await form.get_by_label("Moderation").select_option("post")
    await form.get_by_role("button", name="Save changes").click()
    await expect(note).to_contain_text("Saved")
    await expect(card.locator(".event-hashtags")).to_have_text("#XmasParty2026 #Theme")
    await expect(card.locator(".event-mode")).to_have_text("post")
    await expect(card.locator(".event-name")).to_have_text("Xmas <b>Party</b> 2026")
    sources = admin.locator('.event-sources[data-slug="xmas"] .event-name')
    await expect(sources).to_have_text("Xmas <b>Party</b> 2026")
    await pages.screenshot(admin, "edited", full_page=True)
    event = await w.store.events.get("xmas")
    assert (event.name, event.hashtags, event.moderation) == (
        "Xmas <b>Party</b> 2026",
        ["XmasParty2026", "Theme"],
        "post",
    )

    post = await pages.open("/post/xmas", name="guest")
    await expect(post.locator(".tags")).to_contain_text("#XmasParty2026")
    await expect(post.locator(".tags")).not_to_contain_text("#Dabei")
