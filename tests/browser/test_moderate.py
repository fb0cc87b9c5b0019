"""The moderator console in a real browser: log in, live queue, click and keyboard decisions."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Page, WebSocketRoute, expect

from moderation import Status
from tests.browser.conftest import PHONE, Pages, log_in
from tests.browser.verdicts import decided, status_of
from tests.conftest import LiveServer

pytestmark = pytest.mark.browser


async def test_queue_is_live_and_decisions_by_click_and_key(pages: Pages, live: LiveServer) -> None:
    """New posts appear without reloading; click, 'a' and 'r' decide the right posts."""
    page = await pages.open(name="console")
    await log_in(page, live)
    await expect(page.locator("#feed-status")).to_have_attribute("data-state", "online")
    await expect(page.locator("#keys-help")).to_contain_text("approve")
    await expect(page.locator("#queue-empty")).to_be_visible()

    ids = []
    for i, text in enumerate(
        ["Glühwein am Stand 4!", "Team Logistik #Dabei", "spam spam", "Tanzfläche"]
    ):
        created = await live.wall.ingest(f"m{i}", text, author={"name": f"Gast {i}"})
        ids.append(created.json()["id"])
    queue = page.locator("#queue .item")
    await expect(queue).to_have_count(4)
    await expect(page.locator("#queue-count")).to_have_text("4")
    assert await queue.evaluate_all("els => els.map((e) => Number(e.dataset.postId))") == ids
    await pages.screenshot(page, "queue")

    await page.locator(f'#queue .item[data-post-id="{ids[1]}"] button.approve').click()
    await expect(page.locator(f'#queue .item[data-post-id="{ids[1]}"]')).to_have_count(0)
    await decided(live, ids[1], Status.APPROVED)

    await page.keyboard.press("Control+a")  # select-all is not an approval
    await expect(queue).to_have_count(3)
    await page.keyboard.press("a")
    await expect(page.locator(f'#queue .item[data-post-id="{ids[0]}"]')).to_have_count(0)
    await decided(live, ids[0], Status.APPROVED)
    await expect(page.locator("#console-message")).to_contain_text("Approved")

    await page.keyboard.press("r")
    await expect(page.locator(f'#queue .item[data-post-id="{ids[2]}"]')).to_have_count(0)
    await decided(live, ids[2], Status.REJECTED)
    await expect(page.locator("#queue-count")).to_have_text("1")

    await page.keyboard.press("u")  # undo the rejection: the post is back, in its place
    await expect(queue).to_have_count(2)
    assert await queue.evaluate_all("els => els.map((e) => Number(e.dataset.postId))") == [
        ids[2],
        ids[3],
    ]
    assert await status_of(live, ids[2]) == Status.PENDING
    await pages.screenshot(page, "after-undo")


async def test_decision_race_says_already_decided(pages: Pages, live: LiveServer) -> None:
    """When another moderator decided first, the click gets a clear 'already decided' message."""
    held: list[str | bytes] = []
    hold = False
    routes: list[WebSocketRoute] = []

    async def feed_route(ws: WebSocketRoute) -> None:
        routes.append(ws)
        server = ws.connect_to_server()

        def from_server(message: str | bytes) -> None:
            if hold:
                held.append(message)  # a slow feed: the page has not heard of the decision
            else:
                ws.send(message)

        server.on_message(from_server)

    async def route_feed(page: Page) -> None:
        await page.route_web_socket(re.compile(r"/ws/events/xmas/moderation"), feed_route)

    page = await pages.open(name="console", setup=route_feed)
    await log_in(page, live)
    await expect(page.locator("#feed-status")).to_have_attribute("data-state", "online")
    created = (await live.wall.ingest("race", "Wer ist schneller?")).json()
    await expect(page.locator(f'#queue .item[data-post-id="{created["id"]}"]')).to_be_visible()

    hold = True
    other = await live.wall.decide(created["id"], "approve", 1)  # the other moderator
    assert other.status_code == 200
    await page.locator(f'#queue .item[data-post-id="{created["id"]}"] button.reject').click()
    message = page.locator("#console-message")
    await expect(message).to_contain_text("Already decided")
    await expect(message).to_contain_text("approved")
    await expect(page.locator(f'#queue .item[data-post-id="{created["id"]}"]')).to_have_count(0)
    assert await status_of(live, created["id"]) == Status.APPROVED  # the reject did not apply
    await pages.screenshot(page, "already-decided")

    hold = False  # the late feed message changes nothing
    for late in held:
        routes[-1].send(late)
    await expect(page.locator("#queue .item")).to_have_count(0)
    await expect(message).to_contain_text("Already decided")


async def test_a_queue_longer_than_one_page_is_counted_and_served_oldest_first(
    pages: Pages, live: LiveServer
) -> None:
    """With more waiting posts than the console fetches at once, the count is the server's, and
    as the oldest are decided the ones after them come next, before newer live arrivals."""
    ids = [(await live.wall.ingest(f"q{i}", f"Post {i}")).json()["id"] for i in range(215)]
    page = await pages.open(name="console")
    await log_in(page, live)
    await expect(page.locator("#queue .item")).to_have_count(10)
    await expect(page.locator("#queue-count")).to_have_text("215")  # not the 200 fetched
    newest = (await live.wall.ingest("q-late", "Late arrival")).json()["id"]
    await expect(page.locator("#queue-count")).to_have_text("216")
    for post_id in ids[:200]:  # other moderators clear the first page
        assert (await live.wall.decide(post_id, "approve", 1)).status_code == 200
    await expect(page.locator("#queue .item").first).to_have_attribute(
        "data-post-id", str(ids[200])
    )
    await expect(page.locator("#queue .item")).to_have_count(10)  # the next page has come in
    shown = await page.locator("#queue .item").evaluate_all(
        "els => els.map((e) => Number(e.dataset.postId))"
    )
    assert shown == ids[200:210]
    assert newest not in shown
    await expect(page.locator("#queue-count")).to_have_text("16")


async def test_wrong_password_is_refused_on_the_login_page(pages: Pages, live: LiveServer) -> None:
    """A wrong password leaves the moderator on /login with a readable message."""
    await live.wall.store.auth.create_user("mod", "moderator", "password123")
    page = await pages.open("/moderate/xmas", name="login", viewport=PHONE)
    await page.get_by_label("Name").fill("mod")
    await page.get_by_label("Password").fill("not-the-password")
    await page.get_by_role("button", name="Log in").click()
    await expect(page.get_by_role("alert")).to_have_text("wrong name or password")
    await expect(page).to_have_url(re.compile(r"/login\?next="))
    await pages.screenshot(page, "refused")
