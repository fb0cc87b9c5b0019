"""Every layout at every size a screen comes in, checked for overflow and kept as artifacts.

From a 720p projector to a 32:9 LED wall of 7680x2160: realistic posts with photos plus hostile
ones (a 5,000-character word, right-to-left text, zero-width characters), in each of the five
layouts. Nothing may stick out of the screen, and no text may be cut off sideways without an
ellipsis. Screenshots go to ``test-artifacts/``; ``WALL_UPDATE_SCREENSHOTS=1`` also writes the
spotlight image for the README (the masonry one comes from ``test_screenshot.py``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page, expect

from tests.browser.conftest import Pages, wait_until
from tests.browser.test_hostile import LONG_WORD
from tests.browser.test_screenshot import PUBLIC_HOST, publish, small_png
from tests.conftest import LiveServer, make_settings
from wallserver.settings import Settings

pytestmark = pytest.mark.browser

RESOLUTIONS = [(1280, 720), (1920, 1080), (3840, 2160), (7680, 2160)]
LAYOUTS = ["masonry", "spotlight", "ticker", "carousel", "swarm"]
README_SPOTLIGHT = Path(__file__).resolve().parents[2] / "docs" / "img" / "wall-spotlight.png"

# Elements that stick out of the viewport, and text cut off sideways without an ellipsis.
OVERFLOW_SCRIPT = """
() => {
  const vw = innerWidth, vh = innerHeight, bad = [];
  const name = (el) => [el.tagName.toLowerCase(), ...el.classList].join(".");
  for (const el of document.querySelectorAll("#wall *")) {
    if (el.closest(".off-screen, .leaving, .layout-out, [hidden], template")) continue;
    const style = getComputedStyle(el);
    if (style.display === "none" || style.visibility === "hidden") continue;
    if (style.opacity === "0") continue;
    // What is visible of it: clipped by every ancestor that hides its overflow.
    const r = el.getBoundingClientRect().toJSON();
    for (let a = el.parentElement; a && a.id !== "wall"; a = a.parentElement) {
      if (getComputedStyle(a).overflow === "visible") continue;
      const c = a.getBoundingClientRect();
      r.left = Math.max(r.left, c.left); r.top = Math.max(r.top, c.top);
      r.right = Math.min(r.right, c.right); r.bottom = Math.min(r.bottom, c.bottom);
    }
    if (r.right - r.left <= 0 || r.bottom - r.top <= 0) continue;
    if (r.left < -1 || r.top < -1 || r.right > vw + 1 || r.bottom > vh + 1) {
      const box = [r.left, r.top, r.right, r.bottom].map(Math.round);
      bad.push(`${name(el)} outside the screen: ${box}`);
    }
    const clips = style.overflowX !== "visible";
    if (clips && el.scrollWidth > el.clientWidth + 1 && style.textOverflow !== "ellipsis"
        && el.tagName !== "IMG" && el.tagName !== "VIDEO") {
      bad.push(`${name(el)} cut off sideways: ${el.scrollWidth} > ${el.clientWidth}`);
    }
  }
  return bad;
}
"""


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """A raised text limit, so a 5,000-character word can be posted (see test_hostile.py)."""
    return make_settings(tmp_path / "data", max_text_length=10_000)


async def hostile(live: LiveServer) -> None:
    posts: list[dict[str, Any]] = [
        {"text": LONG_WORD, "author": {"name": "X" * 200}},
        {
            "text": "\u202eevil reversed\u202c \u200b\u200bzero\u200dwidth "
            "\u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627 "
            "\u0628\u0627\u0644\u062c\u0645\u064a\u0639",
            "author": {
                "name": "\u0633\u0627\u0631\u0629 \u05e9\u05e8\u05d4",
                "handle": "@\u202eevil",
            },
        },
    ]
    for i, post in enumerate(posts):
        sent = await live.wall.ingest(f"hostile-{i}", post["text"], author=post["author"])
        assert sent.status_code == 202, sent.text
        assert (await live.wall.decide(sent.json()["id"], "approve", 1)).status_code == 200


async def switch(page: Page, live: LiveServer, layout: str) -> None:
    response = await live.wall.client.post(
        "/api/events/xmas/commands",
        json={"action": "layout", "layout": layout},
        headers=live.wall.auth("admin"),
    )
    assert response.status_code == 202, response.text
    await expect(page.locator("#wall")).to_have_attribute("data-layout", layout)


async def settled(page: Page) -> None:
    """No layout fading out, no card leaving, every card on stage with its media ready."""
    await wait_until(
        page,
        "!document.querySelector('.layout-out, .card.leaving')"
        " && document.querySelectorAll('#cards .card.placed').length > 0"
        " && [...document.querySelectorAll('#cards .card-image:not([hidden])')]"
        "     .every((img) => img.complete)",
        seconds=10,
    )
    await page.evaluate("document.fonts.ready.then(() => true)")
    for text in await page.locator(".wall-cta strong:last-child").all():
        await text.evaluate(f"(el) => {{ el.textContent = '{PUBLIC_HOST}/post/xmas'; }}")
    await page.evaluate("new Promise((done) => requestAnimationFrame(() => setTimeout(done, 300)))")


@pytest.mark.parametrize(("width", "height"), RESOLUTIONS, ids=lambda v: str(v))
async def test_every_layout_fits_the_screen(
    pages: Pages, live: LiveServer, width: int, height: int
) -> None:
    settings = live.wall.app.state.services.settings
    await publish(live, settings.media_dir, settings.max_image_pixels)
    await hostile(live)
    page = await pages.open("/wall/xmas", viewport={"width": width, "height": height})
    await expect(page.locator("#wall")).to_have_attribute("data-state", "online")
    problems: dict[str, list[str]] = {}
    for layout in LAYOUTS:
        await switch(page, live, layout)
        await settled(page)
        shot = await pages.screenshot(page, f"{layout}-{width}x{height}")
        found = await page.evaluate(OVERFLOW_SCRIPT)
        if found:
            problems[layout] = found[:5]
        if (width, height) == (1920, 1080) and layout == "spotlight":
            if os.environ.get("WALL_UPDATE_SCREENSHOTS") == "1":
                README_SPOTLIGHT.write_bytes(small_png(shot))
    assert not problems, problems
