"""The console's next card appears without a visible wait: a decision takes the post off at once
and shows the next (already claimed) one in the same frame, while the request is still on its way;
if the server refuses, the post comes back with the reason."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from playwright.async_api import Page, Route, expect

from moderation import Status
from tests.browser.conftest import Pages, log_in, wait_until
from tests.browser.verdicts import status_of
from tests.conftest import LiveServer

pytestmark = pytest.mark.browser


class HeldDecisions:
    """Holds the console's decision requests until released, like a slow network would."""

    def __init__(self) -> None:
        self.released = asyncio.Event()
        self.held = 0

    async def route(self, route: Route) -> None:
        self.held += 1
        await self.released.wait()
        await route.continue_()

    async def setup(self, page: Page) -> None:
        await page.route("**/api/posts/*/decision", self.route)


# Installed just before a key press: from the keydown until the frame in which the current card
# (in the queue and on the stage) is another post, in ms and in animation frames.
MEASURE = """(key) => {
  window.__next = null;
  const current = () => document.querySelector("#queue .item.current")?.dataset.postId;
  const before = current();
  addEventListener("keydown", (ev) => {
    if (ev.key !== key) return;
    const start = performance.now();
    let frames = 0;
    const poll = () => {
      frames += 1;
      const now = current();
      const staged = document.getElementById("stage").dataset.postId;
      const frame = document.querySelector("#preview iframe").contentDocument;
      const previewed = frame.querySelector(".card")?.dataset.postId;
      if (now && now !== before && staged === now && previewed === now) {
        window.__next = { id: Number(now), ms: performance.now() - start, frames };
      } else if (frames >= 120) {
        window.__next = { id: null, ms: performance.now() - start, frames };
      } else {
        requestAnimationFrame(poll);
      }
    };
    requestAnimationFrame(poll);
  }, { capture: true, once: true });
}"""


async def console_with(pages: Pages, live: LiveServer, count: int) -> tuple[Page, HeldDecisions]:
    held = HeldDecisions()
    page = await pages.open(name="console", setup=held.setup)
    await log_in(page, live)
    await expect(page.locator("#queue .item")).to_have_count(min(count, 10))
    return page, held


async def test_next_card_is_shown_in_the_next_frame(pages: Pages, live: LiveServer) -> None:
    """After 'a', the next post is current (queue, stage and wall preview) by the next frame,
    before the server has even answered; the decision then lands."""
    ids = [(await live.wall.ingest(f"s{i}", f"Beitrag {i}")).json()["id"] for i in range(12)]
    page, held = await console_with(pages, live, len(ids))
    await expect(page.locator("#stage")).to_have_attribute("data-post-id", str(ids[0]))
    await page.evaluate(MEASURE, "a")
    await page.keyboard.press("a")
    nxt: dict[str, Any] = await wait_until(page, "window.__next")
    assert nxt["id"] == ids[1], nxt
    assert nxt["frames"] == 1 and nxt["ms"] < 100, nxt
    await expect(page.locator("#queue-count")).to_have_text("11")
    assert held.held == 1 and await status_of(live, ids[0]) == Status.PENDING  # still in flight
    await expect(page.locator("#queue .item")).to_have_count(10)  # the ahead-claimed post moved up

    held.released.set()
    await expect(page.locator("#console-message")).to_contain_text("Approved: “Beitrag 0”")
    assert await status_of(live, ids[0]) == Status.APPROVED
    await page.keyboard.press("r")  # and the next one, unheld now
    await expect(page.locator("#stage")).to_have_attribute("data-post-id", str(ids[2]))
    await expect(page.locator("#console-message")).to_contain_text("Rejected: “Beitrag 1”")
    assert await status_of(live, ids[1]) == Status.REJECTED


async def test_refused_decision_puts_the_post_back(pages: Pages, live: LiveServer) -> None:
    """A post edited by someone else while the approval was on its way gets a 409: it comes back
    to the queue, in its place, with a message saying why; nothing was decided."""
    ids = [(await live.wall.ingest(f"e{i}", f"Beitrag {i}")).json()["id"] for i in range(3)]
    page, held = await console_with(pages, live, len(ids))
    await page.keyboard.press("a")
    await expect(page.locator("#stage")).to_have_attribute("data-post-id", str(ids[1]))
    await expect(page.locator("#queue .item")).to_have_count(2)
    edited = await live.wall.client.post(
        f"/api/posts/{ids[0]}/edit",
        json={"version": 1, "text": "Beitrag 0, korrigiert"},
        headers=live.wall.auth("moderator"),
    )
    assert edited.status_code == 200, edited.text
    held.released.set()
    message = page.locator("#console-message")
    await expect(message).to_contain_text("Not approved: the post changed meanwhile")
    await expect(message).to_have_attribute("data-kind", "warn")
    await expect(page.locator("#queue .item")).to_have_count(3)
    first = page.locator("#queue .item").first
    await expect(first).to_have_attribute("data-post-id", str(ids[0]))
    await expect(first).to_contain_text("Beitrag 0, korrigiert")
    assert await status_of(live, ids[0]) == Status.PENDING
    await pages.screenshot(page, "rolled-back")
