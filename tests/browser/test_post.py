"""An attendee on a phone: post with a photo, follow it onto the wall, take it down again."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import expect

from tests.browser.conftest import PHONE, Pages
from tests.browser.pictures import write_png
from tests.conftest import LiveServer

pytestmark = pytest.mark.browser


async def test_post_from_a_phone_then_take_it_down(
    pages: Pages, live: LiveServer, tmp_path: Path
) -> None:
    """Send text and photo, see 'Waiting for approval', then 'On the wall'; taking it down
    removes it from the wall."""
    photo = write_png(tmp_path / "glühwein.png", seed=1)
    wall = await pages.open("/wall/xmas", name="wall")
    await expect(wall.locator("#wall")).to_have_attribute("data-state", "online")

    phone = await pages.open("/post/xmas", viewport=PHONE, name="phone")
    await phone.get_by_label("Your message").fill("Erster Glühwein des Abends! #Dabei")
    await phone.get_by_label("Your name").fill("Mira aus dem Lager")
    await phone.get_by_label("Photo").set_input_files(photo)
    await phone.get_by_label("I agree").check()
    await expect(phone.locator("#post-preview")).to_be_visible()
    await pages.screenshot(phone, "filled", full_page=True)
    async with phone.expect_response("**/api/events/xmas/submissions") as sent:
        await phone.get_by_role("button", name="Send to the wall").click()
    created = await (await sent.value).json()
    await expect(phone.locator("#post-status")).to_have_text("Waiting for approval")
    await pages.screenshot(phone, "sent", full_page=True)
    assert (await phone.evaluate("document.documentElement.scrollWidth")) <= PHONE["width"]

    link = phone.get_by_role("link", name="your post")
    await expect(link).to_have_attribute("href", created["manage_url"])
    await link.click()
    await expect(phone.locator("#manage-status")).to_have_text("Waiting for approval")
    await expect(phone.locator("#manage-image")).to_be_visible()

    approved = await live.wall.decide(created["id"], "approve", 1)
    assert approved.status_code == 200
    await expect(phone.locator("#manage-status")).to_have_text("On the wall", timeout=8000)
    card = wall.locator(f'#cards .card[data-post-id="{created["id"]}"]')
    await expect(card).to_be_visible()
    await expect(card.locator(".card-text")).to_have_text("Erster Glühwein des Abends! #Dabei")
    await expect(card.locator(".card-name")).to_have_text("Mira aus dem Lager")
    await expect(card.locator("img.card-image")).to_be_visible()
    assert await card.locator("img.card-image").evaluate("img => img.naturalWidth") > 0
    await pages.screenshot(phone, "on-the-wall", full_page=True)
    await pages.screenshot(wall, "with-photo")

    await phone.get_by_role("button", name="Take my post down").click()
    await expect(phone.locator("#manage-status")).to_have_text("Deleted")  # and its data with it
    await expect(phone.get_by_role("button", name="Take my post down")).to_be_hidden()
    await expect(card).to_have_count(0)
    await expect(wall.locator("#wall-empty")).to_be_visible()
