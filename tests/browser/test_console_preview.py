"""The console's preview is the wall's own card: built by the wall's code from the wall's template
and styled by the wall's stylesheet, so it matches a 1080p screen, without the wall's CSS
reaching the console."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import Page, expect

from tests.browser.conftest import Pages, log_in, wait_until
from tests.browser.pictures import picture, png_bytes
from tests.conftest import LiveServer

pytestmark = pytest.mark.browser

SCREEN = {"width": 1920, "height": 1080}

# What a viewer sees of a card: its markup and text, its size and its type, in CSS pixels of the
# screen it is shown on.
DESCRIBE = """(card) => {
  const view = card.ownerDocument.defaultView;
  const style = (sel, prop) => view.getComputedStyle(card.querySelector(sel))[prop];
  const image = card.querySelector(".card-image");
  return {
    classes: [...card.classList].filter((c) => c !== "placed").sort(),
    parts: [...card.querySelectorAll("*")].map((el) => `${el.tagName}.${el.className}`),
    text: card.querySelector(".card-text").textContent,
    name: card.querySelector(".card-name").textContent,
    image: image.hidden ? null : new URL(image.src).pathname,
    width: card.offsetWidth,
    height: card.offsetHeight,
    textSize: style(".card-text", "fontSize"),
    nameSize: style(".card-name", "fontSize"),
    radius: view.getComputedStyle(card).borderTopLeftRadius,
    background: view.getComputedStyle(card).backgroundColor,
  };
}"""

PREVIEW_CARD = "document.querySelector('#preview iframe').contentDocument.querySelector('.card')"


async def preview_card(page: Page) -> dict[str, Any]:
    await wait_until(page, f"{PREVIEW_CARD}?.classList.contains('has-image')")
    return dict(await page.evaluate(f"({DESCRIBE})({PREVIEW_CARD})"))


async def test_preview_is_the_card_the_wall_shows(pages: Pages, live: LiveServer) -> None:
    """A waiting photo post is previewed exactly as a 1080p wall then shows it once approved."""
    photo = png_bytes(picture(3, (1200, 900)))
    sent = await live.wall.client.post(
        "/api/events/xmas/submissions",
        data={"text": "Frohe Weihnachten vom Team #Dabei", "author": "Mia", "consent": "true"},
        files={"image": ("photo.png", photo, "image/png")},
    )
    assert sent.status_code == 202, sent.text
    post_id = sent.json()["id"]
    console = await pages.open(name="console")
    await log_in(console, live)
    await expect(console.locator("#stage")).to_have_attribute("data-post-id", str(post_id))
    previewed = await preview_card(console)
    await pages.screenshot(console, "desktop")
    own_sheets = await console.evaluate(
        "[...document.styleSheets].map((s) => new URL(s.href).pathname)"
    )
    assert "/static/wall/wall.css" not in own_sheets  # the wall's CSS stays in the frame
    box = await console.locator("#preview").bounding_box()
    assert box is not None and 250 < box["width"] < 420  # scaled down to fit beside the queue
    scale = float(await console.locator("#preview").get_attribute("data-scale") or 0)
    assert abs(box["width"] - previewed["width"] * scale) <= 1
    assert abs(box["height"] - previewed["height"] * scale) <= 2  # the whole card, not cut off

    assert (await live.wall.decide(post_id, "approve", 1)).status_code == 200
    wall = await pages.open("/wall/xmas", name="wall", viewport=SCREEN)
    card = wall.locator(f'#cards .card.has-image[data-post-id="{post_id}"]')
    await expect(card).to_be_visible()
    shown = dict(await card.evaluate(DESCRIBE))
    # The board crops a photo to half its height or shows it up to twice as tall so that its
    # column reaches the bottom (docs/wall.md); the preview shows the card at its own height.
    natural = previewed.pop("height")
    assert natural / 2 - 1 <= shown.pop("height") <= natural * 2 + 1
    assert abs(previewed.pop("width") - shown.pop("width")) <= 1
    shown["classes"] = [c for c in shown["classes"] if c != "sized"]  # the board's own mark
    assert previewed == shown
    assert previewed["textSize"] != "16px"  # sized by the wall's stylesheet, not the console's


async def test_preview_follows_the_cursor_and_edits(pages: Pages, live: LiveServer) -> None:
    """Moving through the queue previews the current post; an edit shows in the preview."""
    first = (await live.wall.ingest("p1", "Erster Beitrag", author={"name": "Ada"})).json()["id"]
    await live.wall.ingest("p2", "Zweiter Beitrag #Dabei", author={"name": "Bo", "handle": "bo"})
    console = await pages.open(name="console")
    await log_in(console, live)
    await expect(console.locator("#queue .item")).to_have_count(2)
    text = f"{PREVIEW_CARD}?.querySelector('.card-text').textContent"
    await wait_until(console, f"{text} === 'Erster Beitrag'")
    await console.keyboard.press("j")
    await wait_until(console, f"{text} === 'Zweiter Beitrag #Dabei'")
    tag = f"{PREVIEW_CARD}.querySelector('.card-text .tag')?.textContent"
    assert await console.evaluate(tag) == "#Dabei"  # the wall's own text rendering
    await expect(console.locator("#stage-meta")).to_contain_text("Bo")
    await console.keyboard.press("k")
    await console.keyboard.press("e")
    await console.locator("#edit-text").fill("Erster Beitrag, korrigiert")
    await console.get_by_role("button", name="Save").click()
    await wait_until(console, f"{text} === 'Erster Beitrag, korrigiert'")
    assert (await live.wall.store.posts.get(first)).text == "Erster Beitrag, korrigiert"
    await console.keyboard.press("h")  # the history keeps what the author sent
    await expect(console.locator("#history-list")).to_contain_text("edit")
    await expect(console.locator("#history-original")).to_have_text("As sent: “Erster Beitrag”")


BRANDED = """(card) => {
  const view = card.ownerDocument.defaultView;
  const style = (el) => view.getComputedStyle(el);
  return {
    background: style(card).backgroundColor,
    font: style(card.querySelector(".card-text")).fontFamily,
    name: style(card.querySelector(".card-name")).color,
    width: card.offsetWidth,
  };
}"""


async def screen_config(live: LiveServer, name: str, config: dict[str, Any]) -> None:
    """Give screen ``name`` these settings, as staff do on the control page."""
    w = live.wall
    listing = (await w.client.get("/api/events/xmas/screens", headers=w.auth("admin"))).json()
    known = {s["name"]: s["version"] for s in listing["screens"]}
    if name in known:
        answer = await w.client.patch(
            f"/api/events/xmas/screens/{name}",
            json={"config": config, "version": known[name]},
            headers=w.auth("admin"),
        )
    else:
        body = {"name": name, "config": config}
        answer = await w.client.post("/api/events/xmas/screens", json=body, headers=w.auth("admin"))
    assert answer.status_code < 300, answer.text


async def test_preview_wears_the_screens_branding(pages: Pages, live: LiveServer) -> None:
    """The preview dresses the card as the main screen does (font, colours, custom CSS), as a
    picked screen does once picked, and none of it reaches the console itself."""
    main_css = ".card { background: rgb(12, 34, 56); } .card-name { color: rgb(0, 200, 180); }"
    await screen_config(live, "main", {"theme": {"font": "serif"}, "custom_css": main_css})
    await screen_config(live, "lobby", {"custom_css": ".card { background: rgb(255, 243, 205); }"})
    post_id = (await live.wall.ingest("b1", "Prost!", author={"name": "Ada"})).json()["id"]
    console = await pages.open(name="console")
    await log_in(console, live)
    await expect(console.locator("#stage")).to_have_attribute("data-post-id", str(post_id))
    await wait_until(console, f"{PREVIEW_CARD}?.offsetWidth")
    await wait_until(
        console, f"getComputedStyle({PREVIEW_CARD}).backgroundColor === 'rgb(12, 34, 56)'"
    )
    previewed = dict(await console.evaluate(f"({BRANDED})({PREVIEW_CARD})"))
    await pages.screenshot(console, "main-branding")
    assert "Georgia" in previewed["font"]

    assert (await live.wall.decide(post_id, "approve", 1)).status_code == 200
    wall = await pages.open("/wall/xmas", name="wall", viewport=SCREEN)
    card = wall.locator(f'#cards .card[data-post-id="{post_id}"]')
    await expect(card).to_be_visible()
    assert previewed == dict(await card.evaluate(BRANDED))

    own = await console.evaluate(
        "({title: document.title, sheets: document.adoptedStyleSheets.length,"
        " font: getComputedStyle(document.body).fontFamily})"
    )
    assert own["title"].startswith("Moderate") and own["sheets"] == 0
    assert "Georgia" not in own["font"]

    await console.locator("#f-status").select_option("approved")  # the post is on the wall now
    await expect(console.locator("#preview-screen-picker")).to_be_visible()
    await console.locator("#preview-screen").select_option("lobby")
    await wait_until(
        console, f"getComputedStyle({PREVIEW_CARD}).backgroundColor === 'rgb(255, 243, 205)'"
    )
    font = await console.evaluate(
        f"getComputedStyle({PREVIEW_CARD}.querySelector('.card-text')).fontFamily"
    )
    assert "Georgia" not in font  # the lobby keeps the default font
