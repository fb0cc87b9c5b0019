"""Issue #14's acceptance: an event set up on the admin page (two hashtags, a screen, a webhook
source) rehearses with a test post that reaches the wall, goes live and the test post is gone
everywhere, then ends and its screens show the closing screen staff wrote."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Page, expect

from tests.browser.conftest import PHONE, Pages
from tests.conftest import LiveServer
from tests.sources.test_api import SECRET, send

pytestmark = pytest.mark.browser


async def logged_in(pages: Pages, path: str, name: str) -> Page:
    page = await pages.open(f"/login?next={path}", name=name)
    await page.get_by_label("Name").fill("boss")
    await page.get_by_label("Password").fill("password123")
    await page.get_by_role("button", name="Log in").click()
    await expect(page).to_have_url(re.compile(re.escape(path) + "$"))
    return page


async def test_draft_rehearsal_live_ended_from_the_admin_page(
    pages: Pages, live: LiveServer
) -> None:
    """The whole lifecycle as staff live it, checked on the admin page, the console, a screen
    and the posting page."""
    w = live.wall
    await w.store.auth.create_user("boss", "admin", "password123")
    admin = await logged_in(pages, "/admin", "admin")

    # Set up: a draft event with two hashtags, a screen and a webhook source.
    await admin.get_by_text("New event", exact=True).click()
    form = admin.locator("#event-form")
    await form.get_by_label("Name").fill("Summer Party")
    await form.get_by_label("Address").fill("summer")
    await form.get_by_label("Hashtags").fill("#SummerParty, #Dabei")
    await form.get_by_role("button", name="Create event").click()
    card = admin.locator('.event[data-slug="summer"]')
    await expect(card.locator(".event-state")).to_have_text("draft")
    await card.get_by_label("New screen").fill("lobby")
    await card.get_by_role("button", name="Add screen").click()
    await expect(card.locator(".lifecycle-note")).to_contain_text("lobby")
    board = admin.locator('.event-sources[data-slug="summer"]')
    await board.get_by_text("Add a source").click()
    await board.get_by_label("Kind").select_option("webhook")
    await board.get_by_label("Signing secret").fill(SECRET)
    await board.get_by_role("button", name="Add source").click()
    await expect(board.locator(".source")).to_have_count(1)
    event = await w.store.events.get("summer")
    assert event.hashtags == ["SummerParty", "Dabei"] and event.state == "draft"
    (source,) = await w.store.sources.for_event(event.id)
    screens = await w.client.get("/api/events/summer/screens", headers=w.auth("admin"))
    assert "lobby" in [s["name"] for s in screens.json()["screens"]]
    await pages.screenshot(admin, "draft", full_page=True)

    # Rehearse: a test post through the webhook, marked on the console, approved onto the wall.
    await card.get_by_role("button", name="Start rehearsal").click()
    await expect(card.locator(".event-state")).to_have_text("rehearsal")
    wall = await pages.open("/wall/summer?screen=lobby", name="wall")
    await expect(wall.locator("#wall")).to_have_attribute("data-state", "online")
    console = await logged_in(pages, "/moderate/summer", "console")
    w.event = event
    sent = await send(w, source.id, {"id": "sms-1", "text": "Sound check, one two"})
    assert sent.status_code == 202, sent.text
    stored = await w.store.sources.find_post(event.id, f"webhook-{source.id}", "sms-1")
    assert stored is not None and stored.rehearsal
    post_id = stored.id
    item = console.locator(f'#queue .item[data-post-id="{post_id}"]')
    await expect(item.locator(".item-test")).to_be_visible()
    await expect(item.locator(".item-test")).to_have_text("test")
    await expect(console.locator("#fig-depth")).to_have_text("1")
    await expect(console.locator("#event-state")).to_contain_text("Rehearsal: posts are test posts")
    await pages.screenshot(console, "rehearsal-console")
    await item.locator("button.approve").click()
    shown = wall.locator(f'#cards .card[data-post-id="{post_id}"]')
    await expect(shown.locator(".card-text")).to_have_text("Sound check, one two")
    await pages.screenshot(wall, "rehearsal-wall")
    await console.locator("#f-status").select_option("approved")
    await expect(item.locator(".item-test")).to_be_visible()

    # Go live: the test post leaves the wall, the console and its figures.
    await card.get_by_role("button", name="Go live").click()
    await expect(card.locator(".event-state")).to_have_text("live")
    await expect(card.locator(".lifecycle-note")).to_contain_text("1 test post(s) removed")
    await expect(wall.locator("#cards .card")).to_have_count(0)
    await expect(wall.locator("#wall-empty")).to_be_visible()
    await expect(console.locator("#queue .item")).to_have_count(0)  # not on the wall any more
    await expect(console.locator("#fig-depth")).to_have_text("0")
    await expect(console.locator("#event-state")).to_be_hidden()
    fresh = await pages.open("/wall/summer?screen=lobby", name="wall-reloaded")
    await expect(fresh.locator("#wall")).to_have_attribute("data-state", "online")
    await expect(fresh.locator("#cards .card")).to_have_count(0)
    await pages.screenshot(wall, "live-wall")

    # End: staff write the closing message; every screen shows it, the posting page says so.
    await card.get_by_label("Closing screen message").fill("Thank you, see you next summer!")
    await card.get_by_role("button", name="Save message").click()
    await expect(card.locator(".lifecycle-note")).to_have_text("Closing message saved.")
    await card.get_by_role("button", name="End event").click()
    await expect(card.locator(".event-state")).to_have_text("ended")
    closing = wall.locator("#wall-closing")
    await expect(closing).to_be_visible()
    await expect(closing.locator(".closing-message")).to_have_text(
        "Thank you, see you next summer!"
    )
    await expect(fresh.locator("#wall-closing")).to_be_visible()
    await expect(wall.locator("#cards")).to_be_hidden()
    await pages.screenshot(wall, "ended-wall")
    await pages.screenshot(admin, "ended-admin", full_page=True)
    guest = await pages.open("/post/summer", name="post")
    await expect(guest.locator("#post-closed")).to_contain_text("This event has ended")
    await expect(guest.locator("#post-form")).to_be_hidden()
    late = await send(w, source.id, {"id": "sms-2", "text": "too late"})
    assert late.status_code == 409 and late.json()["error"]["code"] == "event_ended"

    # The phone view too; a new message reaches the open screens live, as text.
    phone = await pages.open("/live/summer", name="phone", viewport=PHONE)
    await expect(phone.locator("#wall-closing")).to_be_visible()
    hostile = "Bye <img src=x onerror=alert(1)>"
    await card.get_by_label("Closing screen message").fill(hostile)
    await card.get_by_role("button", name="Save message").click()
    await expect(phone.locator("#wall-closing .closing-message")).to_have_text(hostile)
    await expect(wall.locator("#wall-closing .closing-message")).to_have_text(hostile)
    assert await phone.locator("#wall-closing img").count() == 0
    await pages.screenshot(phone, "ended-phone")

    # Reopened: the closing screen goes and the wall carries on.
    await card.get_by_role("button", name="Reopen").click()
    await expect(wall.locator("#wall-closing")).to_be_hidden()
    await expect(wall.locator("#wall-empty")).to_be_visible()


async def test_a_move_made_elsewhere_reaches_an_open_admin_page(
    pages: Pages, live: LiveServer
) -> None:
    """Another admin (or the CLI) moves the event: the open admin page shows the new state and
    its buttons when it is looked at again, and says so."""
    w = live.wall
    await w.store.auth.create_user("boss", "admin", "password123")
    admin = await logged_in(pages, "/admin", "admin")
    card = admin.locator(f'.event[data-slug="{w.event.slug}"]')
    before = await card.locator(".event-state").text_content()
    target = "ended" if before == "live" else "live"
    moved = await w.client.post(
        f"/api/events/{w.event.slug}/state", json={"state": target}, headers=w.auth("admin")
    )
    assert moved.status_code == 200, moved.text
    await expect(card.locator(".event-state")).to_have_text(before or "")
    await admin.evaluate("window.dispatchEvent(new Event('focus'))")  # the tab looked at again
    await expect(card.locator(".event-state")).to_have_text(target)
    await expect(card.locator(".lifecycle-note")).to_have_text(f"Moved elsewhere: now {target}.")
    labels = await card.locator(".lifecycle-actions button").all_text_contents()
    assert labels == (["Reopen"] if target == "ended" else ["End event"])
