"""The big-screen wall in a real browser: live posts, retractions, pins, resume after a drop."""

from __future__ import annotations

import asyncio
import json
import re

import pytest
from playwright.async_api import Page, expect

from tests.browser.conftest import NETWORK_SCRIPT, Pages, approved, wait_until
from tests.browser.pictures import picture, png_bytes
from tests.conftest import LiveServer
from wallserver.media import store_image

pytestmark = pytest.mark.browser


# When each card (by post id) was first put on the wall, by the page's clock.
CARD_AT = """
window.__cardAt = {};
new MutationObserver((records) => {
  for (const record of records) for (const node of record.addedNodes) {
    const id = node.dataset && node.dataset.postId;
    if (id && node.classList.contains("card") && !(id in window.__cardAt)) {
      window.__cardAt[id] = Date.now();
    }
  }
}).observe(document, { childList: true, subtree: true });
"""

# The post id of each card the first time it is put on the wall, in order.
CARDS_SHOWN = """
window.__cardsShown = [];
const seen = new Set();
new MutationObserver((records) => {
  for (const record of records) for (const node of record.addedNodes) {
    const id = node.dataset && node.dataset.postId;
    if (id && node.classList.contains("card") && !seen.has(id)) {
      seen.add(id);
      window.__cardsShown.push(Number(id));
    }
  }
}).observe(document, { childList: true, subtree: true });
"""


async def open_wall(pages: Pages, init_scripts: tuple[str, ...] = ()) -> Page:
    page = await pages.open("/wall/xmas", name="wall", init_scripts=init_scripts)
    await expect(page.locator("#wall")).to_have_attribute("data-state", "online")
    return page


async def test_approved_post_appears_within_a_second(pages: Pages, live: LiveServer) -> None:
    """A post a moderator approves through the API is on the open wall within one second."""
    page = await open_wall(pages, init_scripts=(CARD_AT,))
    created = (await live.wall.ingest("p1", "Frohe Weihnachten aus Halle 3!")).json()
    await expect(page.locator("#cards .card")).to_have_count(0)  # pending is not shown
    # Timed by the page's clock, from just before the decision to the card going up, so the
    # harness's own polling (slow when the whole suite shares two cores) does not count.
    started = await page.evaluate("Date.now()")
    assert (await live.wall.decide(created["id"], "approve", 1)).status_code == 200
    shown = page.locator(f'#cards .card[data-post-id="{created["id"]}"]')
    await expect(shown).to_be_visible()
    went_up = await wait_until(page, f"window.__cardAt[{json.dumps(str(created['id']))}]")
    assert went_up - started < 1000, f"on the wall after {went_up - started} ms"
    await expect(shown.locator(".card-text")).to_have_text("Frohe Weihnachten aus Halle 3!")
    await expect(page.locator("#wall-empty")).to_be_hidden()
    await pages.screenshot(page, "one-post")


async def test_a_wall_on_plain_http_from_another_machine_still_connects(
    pages: Pages, live: LiveServer
) -> None:
    """On http://192.168.x.x (not https, not localhost) browsers offer no crypto.randomUUID and
    no service worker; the wall must still connect and show posts."""
    insecure = "delete Crypto.prototype.randomUUID;delete Navigator.prototype.serviceWorker;"
    page = await open_wall(pages, init_scripts=(insecure,))
    post = await approved(live.wall, "lan", "Hallo aus dem Saal")
    await expect(page.locator(f'#cards .card[data-post-id="{post["id"]}"]')).to_be_visible()


async def test_hide_removes_and_pin_marks(pages: Pages, live: LiveServer) -> None:
    """Pinning marks the card and moves it first; hiding takes it off the wall."""
    page = await open_wall(pages)
    first = await approved(live.wall, "a", "first")
    second = await approved(live.wall, "b", "second")
    cards = page.locator("#cards .card")
    await expect(cards).to_have_count(2)
    await expect(cards.first).to_have_attribute("data-post-id", str(second["id"]))

    pinned = await live.wall.decide(first["id"], "pin", first["version"])
    assert pinned.status_code == 200
    await expect(cards.first).to_have_attribute("data-post-id", str(first["id"]))
    await expect(cards.first).to_contain_class("pinned")
    await pages.screenshot(page, "pinned")

    hidden = await live.wall.decide(first["id"], "hide", pinned.json()["version"])
    assert hidden.status_code == 200
    await expect(page.locator(f'#cards .card[data-post-id="{first["id"]}"]')).to_have_count(0)
    await expect(cards).to_have_count(1)


async def test_resumes_after_a_dropped_connection(pages: Pages, live: LiveServer) -> None:
    """Posts approved (and retracted) while the wall is offline arrive once each after reconnect."""
    page = await open_wall(pages, init_scripts=(NETWORK_SCRIPT,))
    before = [await approved(live.wall, f"before-{i}", f"before {i}") for i in range(3)]
    await expect(page.locator("#cards .card")).to_have_count(3)

    last_seq = await page.locator("#wall").get_attribute("data-last-seq")
    await page.evaluate("window.__net.cut()")
    await expect(page.locator("#wall")).not_to_have_attribute("data-state", "online")
    # Wait for a failed reconnect, so the posts below are made while the wall really is cut off.
    await wait_until(page, "window.__net.urls.some((u) => u.includes('/no-network/'))")
    during = [await approved(live.wall, f"during-{i}", f"during {i}") for i in range(5)]
    retracted = await live.wall.decide(before[0]["id"], "hide", before[0]["version"])
    assert retracted.status_code == 200
    await pages.screenshot(page, "offline")
    await expect(page.locator("#cards .card")).to_have_count(3)
    await expect(page.locator(".wall-status")).to_have_attribute("data-state", "offline")

    await page.evaluate("window.__net.restore()")
    await page.evaluate("window.dispatchEvent(new Event('online'))")  # the browser saw it come back
    await expect(page.locator("#wall")).to_have_attribute("data-state", "online", timeout=2_000)
    expected = [p["id"] for p in before[1:] + during]
    await expect(page.locator("#cards .card")).to_have_count(len(expected))
    shown = await page.locator("#cards .card").evaluate_all(
        "cards => cards.map((c) => Number(c.dataset.postId))"
    )
    assert sorted(shown) == sorted(expected)  # every post once, the retracted one gone
    assert shown == sorted(shown, reverse=True)  # newest first

    net = await page.evaluate("({urls: window.__net.urls, frames: window.__net.frames})")
    resumed = [u for u in net["urls"] if "/ws/" in u]
    assert len(resumed) >= 2 and resumed[-1].endswith(f"since={last_seq}")
    seqs = [m["seq"] for m in map(json.loads, net["frames"]) if m["type"] != "hello"]
    assert seqs == list(range(1, len(seqs) + 1))  # no gap, no duplicate on the wire either
    assert seqs[-1] - int(last_seq or 0) == 5 + 1  # exactly what was missed


async def test_broken_image_becomes_a_text_card(pages: Pages, live: LiveServer) -> None:
    """An image that cannot load never shows a broken-image icon; the post stays as text."""
    page = await open_wall(pages)
    missing = f"{live.url}/media/{'0' * 32}.jpg"
    described = [{"url": missing, "kind": "image", "alt": "a decorated tree"}]
    text_post = await approved(live.wall, "t", "Die Bilder kommen gleich", media=described)
    photo_only = await approved(live.wall, "p", "", media=described)
    nothing = await approved(live.wall, "n", "", media=[{"url": missing, "kind": "image"}])
    last = await approved(live.wall, "z", "after the broken ones")
    await expect(page.locator(f'[data-post-id="{last["id"]}"]')).to_be_visible()
    for post in (text_post, photo_only):
        shown = page.locator(f'#cards .card[data-post-id="{post["id"]}"]')
        await expect(shown).to_be_visible()
        await expect(shown).to_contain_class("no-image")
    await expect(page.locator("#cards img:visible")).to_have_count(0)
    await expect(page.locator(f'[data-post-id="{text_post["id"]}"] .card-text')).to_have_text(
        "Die Bilder kommen gleich"
    )
    await expect(page.locator(f'[data-post-id="{photo_only["id"]}"] .card-text')).to_have_text(
        "a decorated tree"
    )
    await expect(page.locator(f'[data-post-id="{nothing["id"]}"]')).to_have_count(0)
    await expect(page.locator("#cards .card")).to_have_count(3)


async def test_custom_emoji_are_drawn_in_place_of_their_shortcodes(
    pages: Pages, live: LiveServer
) -> None:
    """A post's custom emoji (Mastodon ``:shortcode:``) show as small pictures inline, in the text
    and in the author's name; an unknown shortcode stays text, and one whose picture fails to
    load goes back to its ``:shortcode:``."""
    settings = live.wall.app.state.services.settings
    data = png_bytes(picture(3, (64, 64)))
    stored = await asyncio.to_thread(
        store_image, data, settings.media_dir, settings.max_image_pixels
    )
    tree = {"kind": "emoji", "shortcode": "tree", "url": f"{live.url}/media/{stored.name}"}
    gone = {"kind": "emoji", "shortcode": "gone", "url": f"{live.url}/media/{'0' * 32}.jpg"}
    page = await open_wall(pages)
    post = await approved(
        live.wall,
        "emoji",
        "Under the :tree: :nope: :gone:!",
        media=[tree, gone],
        author={"name": "Anna :tree:", "handle": "anna@social.example"},
    )
    card = page.locator(f'#cards .card[data-post-id="{post["id"]}"]')
    await expect(card).to_be_visible()
    emoji = card.locator(".card-text img.emoji")
    await expect(emoji).to_have_count(1)
    await expect(emoji).to_have_attribute("alt", ":tree:")
    await wait_until(page, "document.querySelector('.card-text img.emoji').naturalWidth > 0")
    await expect(card.locator(".card-text")).to_have_text("Under the  :nope: :gone:!")
    await expect(card.locator(".card-name img.emoji")).to_have_count(1)
    await expect(card.locator(".card-name")).to_have_text("Anna ")
    await expect(card).not_to_contain_class("has-image")  # an emoji is not the post's photo
    await pages.screenshot(page, "emoji")


async def test_a_burst_is_paced_in_approval_order_with_bounded_cards(
    pages: Pages, live: LiveServer
) -> None:
    """A burst fills the screen in approval order; the rest wait their turn (nothing skipped)
    and the page holds only the cards on screen."""
    page = await open_wall(pages, init_scripts=(CARDS_SHOWN,))
    ids = [(await approved(live.wall, f"n{i}", f"post {i}"))["id"] for i in range(75)]
    await expect(page.locator("#wall")).to_have_attribute("data-last-seq", re.compile(r"\d+"))
    await wait_until(page, "document.querySelectorAll('#cards .card').length > 0")
    shown = await page.locator("#cards .card").evaluate_all(
        "cards => cards.map((c) => Number(c.dataset.postId))"
    )
    assert 0 < len(shown) < 60
    # Every card that went up so far, first showing only: on a slow machine the burst can take
    # longer than a card's dwell, and the first cards have already made room for the next.
    went_up = await page.evaluate("window.__cardsShown")
    assert set(shown) <= set(went_up)
    assert sorted(went_up) == ids[: len(went_up)], "the first approved go up first"
    assert await page.evaluate("document.querySelectorAll('.card').length") <= len(shown) + 8
