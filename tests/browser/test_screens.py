"""Big screens in a real browser: several screens, retraction everywhere, steering, offline.

The control page's own test (layout and branding changes reaching an open screen) is in
``test_control.py``; these drive the screens through the same HTTP API the control page uses.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from playwright.async_api import Page, expect

from tests.browser.conftest import NETWORK_SCRIPT, Pages, approved, wait_until
from tests.conftest import LiveServer, Wall, running
from tests.wallserver.test_media import encode, photo
from tests.wallserver.test_withdrawal import submitted, takedown

pytestmark = pytest.mark.browser

# Records every post id that goes on stage, in order, whatever the layout.
STAGE_SCRIPT = """
window.__entered = [];
new MutationObserver((records) => {
  for (const r of records) for (const n of r.addedNodes) {
    if (n.nodeType === 1 && n.classList.contains("card") && n.closest("#cards")) {
      window.__entered.push(Number(n.dataset.postId));
    }
  }
}).observe(document, { childList: true, subtree: true });
"""


async def admin(wall: Wall, method: str, path: str, body: Any = None) -> Any:
    response = await wall.client.request(
        method, f"/api/events/{wall.event.slug}{path}", json=body, headers=wall.auth("admin")
    )
    assert response.status_code < 300, response.text
    return response.json() if response.content else None


async def configure(wall: Wall, screen: str, config: dict[str, Any]) -> None:
    screens = await admin(wall, "GET", "/screens")
    current = next((s for s in screens["screens"] if s["name"] == screen), None)
    if current is None:
        await admin(wall, "POST", "/screens", {"name": screen, "config": config})
    else:
        await admin(
            wall, "PATCH", f"/screens/{screen}", {"config": config, "version": current["version"]}
        )


async def open_screen(pages: Pages, query: str = "", scripts: tuple[str, ...] = ()) -> Page:
    page = await pages.open(f"/wall/xmas{query}", init_scripts=(STAGE_SCRIPT, *scripts))
    await expect(page.locator("#wall")).to_have_attribute("data-state", "online")
    return page


async def test_a_retraction_leaves_every_screen_at_once(pages: Pages, live: LiveServer) -> None:
    await configure(live.wall, "lobby", {"layout": "spotlight"})
    main = await open_screen(pages)
    lobby = await open_screen(pages, "?screen=lobby")
    await expect(lobby.locator("#wall")).to_have_attribute("data-layout", "spotlight")
    post = await approved(live.wall, "r1", "Gleich wieder weg")
    for page in (main, lobby):
        await expect(page.locator(f'#cards .card[data-post-id="{post["id"]}"]')).to_be_visible()
    hidden = await live.wall.decide(post["id"], "hide", post["version"])
    assert hidden.status_code == 200
    for page in (main, lobby):
        await expect(page.locator(f'[data-post-id="{post["id"]}"]')).to_have_count(0, timeout=1000)


async def test_steering_reaches_the_screen(pages: Pages, live: LiveServer) -> None:
    """Blackout, an announcement with a countdown, a spotlighted post and "next", live."""
    page = await open_screen(pages)
    first = await approved(live.wall, "s1", "Erster Beitrag")
    await approved(live.wall, "s2", "Zweiter Beitrag")
    await expect(page.locator("#cards .card")).to_have_count(2)

    await admin(live.wall, "POST", "/commands", {"action": "blackout"})
    await expect(page.locator("#wall")).to_have_attribute("data-blackout", "true", timeout=1000)
    await expect(page.locator("#cards")).to_be_hidden()
    await admin(live.wall, "POST", "/commands", {"action": "unblackout"})
    await expect(page.locator("#cards")).to_be_visible()

    until = int(await page.evaluate("Date.now() / 1000")) + 95
    body = {"action": "announce", "text": "Gleich: Tombola!", "style": "fullscreen", "until": until}
    await admin(live.wall, "POST", "/screens/main/commands", body)
    banner = page.locator("#wall-announcement")
    await expect(banner).to_be_visible(timeout=1000)
    await expect(banner).to_have_attribute("data-style", "fullscreen")
    await expect(banner.locator(".announcement-text")).to_have_text("Gleich: Tombola!")
    await expect(banner.locator(".announcement-countdown")).to_have_text(re.compile(r"^1:3\d$"))
    await pages.screenshot(page, "announcement")
    await admin(live.wall, "POST", "/screens/main/commands", {"action": "clear_announcement"})
    await expect(banner).to_be_hidden()

    await admin(live.wall, "POST", "/commands", {"action": "spotlight", "post_id": first["id"]})
    spot = page.locator(f'#wall-spotlight .card[data-post-id="{first["id"]}"]')
    await expect(spot).to_be_visible(timeout=1000)
    await admin(live.wall, "POST", "/commands", {"action": "clear_spotlight"})
    await expect(page.locator("#wall-spotlight")).to_be_hidden()


async def test_a_deleted_screen_says_so_and_comes_back_when_created_again(
    pages: Pages, live: LiveServer
) -> None:
    """Staff delete the lobby screen: the open lobby wall drops its posts and says the screen was
    removed (main carries on); created again, the lobby shows its posts with its new settings."""
    await configure(live.wall, "lobby", {"title": "Foyer"})
    main = await open_screen(pages)
    lobby = await open_screen(pages, "?screen=lobby")
    post = await approved(live.wall, "d1", "Hallo Foyer")
    for page in (main, lobby):
        await expect(page.locator(f'#cards .card[data-post-id="{post["id"]}"]')).to_be_visible()
    await admin(live.wall, "DELETE", "/screens/lobby")
    notice = lobby.locator("#wall-removed")
    await expect(notice).to_be_visible(timeout=1000)
    await expect(notice).to_contain_text("This screen was removed")
    await expect(lobby.locator("#cards")).to_be_hidden()
    saved = await lobby.evaluate("localStorage.getItem('wallserver:xmas:lobby')")
    assert saved is None  # a reload would only find the 404 page
    await expect(main.locator("#wall-removed")).to_be_hidden()
    await expect(main.locator(f'#cards .card[data-post-id="{post["id"]}"]')).to_be_visible()
    await pages.screenshot(lobby, "removed")

    await configure(live.wall, "lobby", {"title": "Foyer 2"})
    await expect(notice).to_be_hidden(timeout=1000)
    await expect(lobby.locator(".wall-title")).to_have_text("Foyer 2")
    await expect(lobby.locator(f'#cards .card[data-post-id="{post["id"]}"]')).to_be_visible()


async def test_next_moves_a_single_screen_on(pages: Pages, live: LiveServer) -> None:
    await configure(live.wall, "main", {"layout": "spotlight"})
    page = await open_screen(pages)
    await approved(live.wall, "n1", "eins")
    second = await approved(live.wall, "n2", "zwei")
    await wait_until(page, "window.__entered.length >= 1")
    await admin(live.wall, "POST", "/screens/main/commands", {"action": "next"})
    await wait_until(page, f"window.__entered.includes({second['id']})", seconds=2)


async def test_offline_screen_keeps_rotating_then_resumes_exactly(
    pages: Pages, live: LiveServer
) -> None:
    """Cut off, a one-post screen keeps recycling what it has; back online it gets exactly
    what it missed: the new posts go up, the retracted one never shows, nothing twice."""
    await configure(
        live.wall,
        "main",
        {"layout": "spotlight", "pacing": {"dwell_seconds": 2, "recycle_seconds": 5}},
    )
    page = await open_screen(pages, scripts=(NETWORK_SCRIPT,))
    before = [await approved(live.wall, f"b{i}", f"vorher {i}") for i in range(3)]
    await wait_until(page, "new Set(window.__entered).size >= 3", seconds=15)

    last_seq = int(await page.locator("#wall").get_attribute("data-last-seq") or 0)
    await page.evaluate("window.__net.cut()")
    await expect(page.locator("#wall-status")).to_have_attribute("data-state", "offline")
    offline_from = await page.evaluate("window.__entered.length")
    await wait_until(page, f"window.__entered.length >= {offline_from + 2}", seconds=15)
    await pages.screenshot(page, "offline-rotating")

    during = [await approved(live.wall, f"d{i}", f"währenddessen {i}") for i in range(2)]
    gone = await approved(live.wall, "g", "zurückgezogen")
    assert (await live.wall.decide(gone["id"], "hide", gone["version"])).status_code == 200
    await page.evaluate("window.__net.restore()")
    # Nothing tells the page the network is back: it finds out at its next try, which after a
    # long cut is up to the 15 s backoff cap away.
    await expect(page.locator("#wall")).to_have_attribute("data-state", "online", timeout=20_000)
    for post in during:
        await wait_until(page, f"window.__entered.includes({post['id']})", seconds=15)
    assert gone["id"] not in await page.evaluate("window.__entered")

    frames = [json.loads(f) for f in await page.evaluate("window.__net.frames")]
    seqs = [f["seq"] for f in frames if f["type"] != "hello"]
    assert seqs == list(range(1, len(seqs) + 1)), "no gap and no duplicate on the wire"
    assert seqs[-1] > last_seq
    assert {p["id"] for p in before} <= set(await page.evaluate("window.__entered"))


async def test_a_reload_while_the_server_is_down_still_shows_the_last_posts(
    pages: Pages, wall: Wall
) -> None:
    async with running(wall) as server:
        page = await pages.open(f"{server.url}/wall/xmas")
        await expect(page.locator("#wall")).to_have_attribute("data-state", "online")
        posts = [await approved(wall, f"o{i}", f"Offline-Gruß {i}") for i in range(3)]
        for post in posts:
            await expect(page.locator(f'.card[data-post-id="{post["id"]}"]')).to_be_visible()
        await expect(page.locator("#wall")).to_have_attribute("data-offline-ready", "true")
        await wait_until(page, "navigator.serviceWorker.controller !== null")
        # The snapshot is written within a second of the last change.
        await wait_until(
            page,
            "(JSON.parse(localStorage.getItem('wallserver:xmas:main') || '{}').posts || [])"
            ".length >= 3",
        )
    await page.reload()
    for post in posts:
        await expect(page.locator(f'.card[data-post-id="{post["id"]}"]')).to_be_visible()
    await expect(page.locator("#wall-status")).not_to_have_attribute("data-state", "online")
    await pages.screenshot(page, "reloaded-offline")


# The paths of the photos the wall's service worker keeps for offline use.
CACHED = (
    "caches.open('wall-media-v1').then((c) => c.keys())"
    ".then((keys) => keys.map((r) => new URL(r.url).pathname))"
)


async def test_a_withdrawn_photo_leaves_the_screens_offline_cache(pages: Pages, wall: Wall) -> None:
    """A guest's takedown deletes the photo on the server; the copy the screen's service worker
    kept for offline use goes too, not only the card."""
    async with running(wall) as server:
        page = await pages.open(f"{server.url}/wall/xmas")
        await expect(page.locator("#wall")).to_have_attribute("data-state", "online")
        await wait_until(page, "navigator.serviceWorker.controller !== null")
        answer = await submitted(wall)
        card = page.locator(f'.card[data-post-id="{answer["id"]}"]')
        await expect(card.locator("img.card-image")).to_be_visible()
        photo = await card.locator("img.card-image").evaluate("(img) => new URL(img.src).pathname")
        assert photo.startswith("/media/")
        await wait_until(page, f"{CACHED}.then((paths) => paths.includes({json.dumps(photo)}))")
        assert (await takedown(wall, answer)).status_code == 200
        await expect(card).to_have_count(0)
        await wait_until(page, f"{CACHED}.then((paths) => !paths.includes({json.dumps(photo)}))")


async def test_a_photo_withdrawn_while_the_screen_was_off_leaves_its_cache(
    pages: Pages, wall: Wall
) -> None:
    """The screen was closed when the guest took the post down, so it never heard of it and no
    longer holds the post; when it opens again, its service worker finds the file deleted on
    the server and drops its copy, and keeps the copies of posts still up."""
    async with running(wall) as server:
        page = await pages.open(f"{server.url}/wall/xmas")
        await expect(page.locator("#wall")).to_have_attribute("data-state", "online")
        await wait_until(page, "navigator.serviceWorker.controller !== null")
        # Two different photos (files are content-addressed: the same photo is one file).
        gone = await submitted(wall, image=encode(photo((400, 300)), "JPEG"))
        kept = await submitted(wall, image=encode(photo((300, 400)), "JPEG"))
        photos = {}
        for answer in (gone, kept):
            image = page.locator(f'.card[data-post-id="{answer["id"]}"] img.card-image')
            await expect(image).to_be_visible()
            photos[answer["id"]] = await image.evaluate("(img) => new URL(img.src).pathname")
        both = json.dumps(list(photos.values()))
        await wait_until(page, f"{CACHED}.then((paths) => {both}.every((p) => paths.includes(p)))")

        await page.goto(f"{server.url}/healthz")  # the screen is off
        await page.evaluate("localStorage.clear()")  # and holds nothing of its last run
        assert (await takedown(wall, gone)).status_code == 200
        await page.goto(f"{server.url}/wall/xmas")
        await expect(page.locator("#wall")).to_have_attribute("data-state", "online")
        await expect(page.locator(f'.card[data-post-id="{gone["id"]}"]')).to_have_count(0)
        lost = json.dumps(photos[gone["id"]])
        await wait_until(page, f"{CACHED}.then((paths) => !paths.includes({lost}))")
        assert photos[kept["id"]] in await page.evaluate(CACHED)
