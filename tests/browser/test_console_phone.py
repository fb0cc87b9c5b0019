"""The console on a phone: one post at a time as the wall will show it, big approve and reject
buttons, and swipes (right approves, left rejects) with a visible threshold; a swipe let go
before the threshold decides nothing."""

from __future__ import annotations

import time
from typing import Any

import pytest
from playwright.async_api import CDPSession, Page, expect

from moderation import Status
from tests.browser.conftest import PHONE, WATCH_SCRIPT, Pages, Watch, log_in
from tests.browser.verdicts import decided, status_of
from tests.conftest import LiveServer

pytestmark = pytest.mark.browser


async def phone(pages: Pages, live: LiveServer) -> Page:
    """A touch phone (Chromium's mobile emulation), logged in to the console."""
    context = await pages.browser.new_context(
        viewport=PHONE,
        base_url=live.url,
        has_touch=True,
        is_mobile=True,
        device_scale_factor=2,
        reduced_motion="reduce",
    )
    pages.contexts.append(context)
    context.set_default_timeout(5000)
    await context.add_init_script(WATCH_SCRIPT)
    page = await context.new_page()
    watch = Watch("phone", page)
    pages.watches.append(watch)
    page.on("pageerror", lambda exc: watch.page_errors.append(str(exc)))
    await log_in(page, live)
    return page


class Finger:
    """Touches the screen through the DevTools protocol, as a real finger would: the browser
    turns the touches into pointer events. Each touch carries a timestamp 20 ms after the one
    before, and the finger rests before it lifts, so a swipe is not taken for a fling (which
    would swallow the next tap)."""

    STEP_SECONDS = 0.02

    def __init__(self, cdp: CDPSession) -> None:
        self.cdp = cdp
        self.at = (0.0, 0.0)
        self.clock = time.time() - 60  # the touches' own clock, in the past and moving forward

    async def touch(self, kind: str, x: float, y: float) -> None:
        self.clock += self.STEP_SECONDS
        points = [] if kind == "touchEnd" else [{"x": x, "y": y}]
        await self.cdp.send(
            "Input.dispatchTouchEvent",
            {"type": kind, "touchPoints": points, "timestamp": self.clock},
        )
        self.at = (x, y)

    async def drag(self, page: Page, dx: float) -> None:
        """Put a finger on the middle of the card and move it ``dx`` pixels sideways."""
        box = await page.locator("#stage-card").bounding_box()
        assert box is not None
        x, y = box["x"] + box["width"] / 2, box["y"] + min(box["height"] / 2, 200)
        await self.touch("touchStart", x, y)
        for step in range(1, 11):
            await self.touch("touchMove", x + dx * step / 10, y)
        for _ in range(5):  # the finger slows down and rests
            await self.touch("touchMove", x + dx, y)

    async def tap(self, page: Page, selector: str) -> None:
        box = await page.locator(selector).bounding_box()
        assert box is not None
        await self.touch("touchStart", box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        await self.lift()

    async def lift(self) -> None:
        await self.touch("touchEnd", *self.at)


async def card_state(page: Page) -> dict[str, Any]:
    return dict(
        await page.locator("#stage-card").evaluate(
            """(el) => ({swipe: el.dataset.swipe, armed: el.dataset.armed,
                 moved: el.style.transform, hint: el.querySelector(
                   `.swipe-${el.dataset.swipe || "approve"}`).textContent,
                 shown: getComputedStyle(el.querySelector(
                   `.swipe-${el.dataset.swipe || "approve"}`)).opacity})"""
        )
    )


async def test_phone_moderator_swipes_and_taps(pages: Pages, live: LiveServer) -> None:
    """One post at a time; a short swipe springs back, a long one decides; big buttons too."""
    ids = [
        (await live.wall.ingest(f"p{i}", text, author={"name": name})).json()["id"]
        for i, (text, name) in enumerate(
            [("Glühwein für alle!", "Ada"), ("spam spam spam", "Bot"), ("Tanzfläche", "Cem")]
        )
    ]
    page = await phone(pages, live)
    stage = page.locator("#stage")
    await expect(stage).to_have_attribute("data-post-id", str(ids[0]))
    await expect(page.locator("#queue")).to_be_hidden()  # one post at a time
    await expect(page.locator("#stage-meta")).to_contain_text("Ada")
    actions = page.locator(".stage-actions")
    for name in ("Approve", "Reject"):
        button = await actions.get_by_role("button", name=name).bounding_box()
        assert button is not None and button["height"] >= 56 and button["width"] >= 120, name
    await pages.screenshot(page, "phone")

    finger = Finger(await page.context.new_cdp_session(page))
    await finger.drag(page, 50)  # not far enough: the hint shows, unlit
    short = await card_state(page)
    assert (short["swipe"], short["armed"], short["hint"]) == ("approve", "false", "Approve")
    assert 0 < float(short["shown"]) < 1 and "translateX(50px)" in short["moved"]
    await finger.lift()
    await expect(page.locator("#stage-card")).to_have_attribute("data-swipe", "")
    assert (await card_state(page))["moved"] == ""  # back in place
    await expect(stage).to_have_attribute("data-post-id", str(ids[0]))
    assert await status_of(live, ids[0]) == Status.PENDING

    await finger.drag(page, 200)  # past the threshold: lit, says what letting go does
    armed = await card_state(page)
    assert (armed["armed"], armed["hint"], armed["shown"]) == ("true", "Release to approve", "1")
    await pages.screenshot(page, "swipe-armed")
    await finger.lift()
    await expect(stage).to_have_attribute("data-post-id", str(ids[1]))
    await decided(live, ids[0], Status.APPROVED)

    await finger.drag(page, -200)
    assert (await card_state(page))["hint"] == "Release to reject"
    await finger.lift()
    await expect(stage).to_have_attribute("data-post-id", str(ids[2]))
    await decided(live, ids[1], Status.REJECTED)

    await page.locator("#stage-approve").tap()
    await decided(live, ids[2], Status.APPROVED)
    await expect(page.locator("#queue-empty")).to_be_attached()
    await expect(stage).to_have_attribute("data-post-id", "")
    await expect(page.locator("#console-message")).to_contain_text("Approved: “Tanzfläche”")


async def test_phone_skip_and_the_posts_history(pages: Pages, live: LiveServer) -> None:
    """Skip moves on without deciding; the skipped post waits until the others are seen; the
    post's history opens from the phone view too."""
    ids = [(await live.wall.ingest(f"s{i}", f"Beitrag {i}")).json()["id"] for i in range(2)]
    page = await phone(pages, live)
    stage = page.locator("#stage")
    await expect(stage).to_have_attribute("data-post-id", str(ids[0]))
    await page.locator("#stage-skip").tap()
    await expect(stage).to_have_attribute("data-post-id", str(ids[1]))
    await page.locator("#stage-reject").tap()
    await expect(stage).to_have_attribute("data-post-id", str(ids[0]))
    await decided(live, ids[1], Status.REJECTED)
    assert await status_of(live, ids[0]) == Status.PENDING
    await page.locator(".stage-more").get_by_role("button", name="History").tap()
    await expect(page.locator("#history-list")).to_contain_text("ingest")


async def test_phone_message_leaves_the_kill_switch_in_reach(
    pages: Pages, live: LiveServer
) -> None:
    """A message floats over the bar on a phone: "Dismiss" closes it, and news goes by itself after
    a few seconds, so the kill switch under it can be tapped again."""
    ids = [(await live.wall.ingest(f"k{i}", f"Beitrag {i}")).json()["id"] for i in range(2)]
    page = await phone(pages, live)
    stage = page.locator("#stage")
    message = page.locator("#console-message")
    await expect(stage).to_have_attribute("data-post-id", str(ids[0]))
    await page.locator("#stage-approve").tap()
    await expect(message).to_contain_text("Approved")
    await pages.screenshot(page, "message")
    await page.get_by_role("button", name="Dismiss the message").tap()
    await expect(message).to_be_hidden()

    await page.clock.install()
    await page.locator("#stage-approve").tap()
    await expect(message).to_contain_text("Approved: “Beitrag 1”")
    await page.clock.run_for(9000)
    await expect(message).to_be_hidden()
    await page.locator("#kill").tap()  # Playwright taps only what is not covered
    await expect(page.locator("#kill")).to_have_attribute("data-paused", "true")
    await decided(live, ids[1], Status.APPROVED)
