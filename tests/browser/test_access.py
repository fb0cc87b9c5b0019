"""The Access page: an admin makes a screen token with an expiry and sees its secret once,
revokes it (and the token stops working), resets a moderator's password and deletes the account
(and the moderator's open page loses its session). Labels and names are shown as text."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import expect

from tests.browser.conftest import Pages
from tests.conftest import LiveServer

pytestmark = pytest.mark.browser

HOSTILE = "<img src=x onerror=alert(1)>"


async def test_admin_manages_tokens_and_accounts_on_the_access_page(
    pages: Pages, live: LiveServer
) -> None:
    wall = live.wall
    await wall.store.auth.create_user("boss", "admin", "password123")
    await wall.store.auth.create_user(HOSTILE, "moderator", "password123")
    page = await pages.open("/admin", name="access")
    await expect(page).to_have_url(re.compile(r"/login\?next="))
    await page.get_by_label("Name").fill("boss")
    await page.get_by_label("Password").fill("password123")
    await page.get_by_role("button", name="Log in").click()
    await page.get_by_role("link", name="Access: API tokens and accounts").click()
    await expect(page).to_have_url(f"{live.url}/admin/access")

    tokens = page.locator(".tokens tbody tr")
    await expect(tokens).to_have_count(4)  # the fixture's four; no secret on the page
    for secret in wall.tokens.values():
        assert secret not in await page.content()

    await page.get_by_text("Make a token").click()
    form = page.locator(".token-form")
    await form.get_by_label("Label").fill(f"hall {HOSTILE}")
    await form.get_by_label("Role").select_option("display")
    await form.get_by_label("Event").select_option("xmas")
    await form.get_by_label("Valid for").fill("3")
    await form.get_by_role("button", name="Make the token").click()
    shown = page.locator(".token-secret .secret")
    await expect(shown).to_have_text(re.compile(r"^wst_\S+$"))
    secret = (await shown.text_content() or "").strip()
    made = tokens.filter(has_text="hall")
    await expect(made).to_have_count(1)
    await expect(made.locator(".label")).to_have_text(f"hall {HOSTILE}")
    await expect(made).to_contain_text("xmas")
    await expect(made).not_to_contain_text("never\tnever")  # it has an expiry
    await pages.screenshot(page, "tokens")

    headers = {"Authorization": f"Bearer {secret}"}
    assert (await wall.client.get("/api/events/xmas/screens", headers=headers)).status_code == 403
    page.once("dialog", lambda dialog: dialog.accept())
    await made.get_by_role("button", name="Revoke").click()
    await expect(made).to_have_count(0)
    assert (await wall.client.get("/api/events/xmas/screens", headers=headers)).status_code == 401

    moderator = await pages.open("/login?next=/moderate/xmas", name="moderator")
    await moderator.get_by_label("Name").fill(HOSTILE)
    await moderator.get_by_label("Password").fill("password123")
    await moderator.get_by_role("button", name="Log in").click()
    await expect(moderator).to_have_url(f"{live.url}/moderate/xmas")

    users = page.locator(".users tbody tr")
    await page.reload()
    person = users.filter(has_text="onerror")
    await expect(person.locator(".label")).to_have_text(HOSTILE)
    await expect(person).to_contain_text("1 session")
    page.once("dialog", lambda dialog: dialog.accept("a brand new password"))
    await person.get_by_role("button", name="New password").click()
    await expect(person).to_contain_text("no")
    await expect(page.locator(".users-note")).to_contain_text("sessions ended")
    # The open console hears its session end (its socket is closed with 4401) and goes to the
    # login page by itself; navigating it there by hand raced with that.
    await expect(moderator).to_have_url(re.compile(r"/login\?next="), timeout=10_000)
    await moderator.goto("/moderate/xmas")  # and the old cookie opens nothing any more
    await expect(moderator).to_have_url(re.compile(r"/login\?next="))

    page.once("dialog", lambda dialog: dialog.accept())
    await person.get_by_role("button", name="Delete").click()
    await expect(users).to_have_count(1)  # boss
    await pages.screenshot(page, "accounts")
    assert await pages.problems() == []
