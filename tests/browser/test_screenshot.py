"""The README screenshot: the wall at 1920x1080 with realistic approved posts.

Always rendered (and saved under ``test-artifacts/``, with a 32:9 LED wall, a portrait screen
and /live on a phone beside it); ``WALL_UPDATE_SCREENSHOTS=1`` also writes ``docs/img/wall.png``.
"""

from __future__ import annotations

import asyncio
import io
import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image
from playwright.async_api import Page

from tests.browser.conftest import ARTIFACTS, PHONE, Pages, wait_until
from tests.browser.pictures import picture, png_bytes
from tests.conftest import LiveServer
from wallserver.media import store_image

pytestmark = pytest.mark.browser

README_IMAGE = Path(__file__).resolve().parents[2] / "docs" / "img" / "wall.png"
README_MAX_BYTES = 400 * 1024
PUBLIC_HOST = "party.example.com"  # shown instead of 127.0.0.1:<random port>


@dataclass(frozen=True)
class Sample:
    author: str
    text: str
    source: str = "upload"
    handle: str = ""
    photo: int | None = None  # picture seed
    avatar: int | None = None
    pinned: bool = False


# Oldest first; the wall shows the newest first, pinned ones before everything.
SAMPLES = [
    Sample(
        "Event-Team",
        "Um 21:00 Uhr: Verlosung auf der Hauptbühne! Lose gibt's an der Bar. #XmasParty",
        "mastodon",
        "events@social.example",
        avatar=11,
        pinned=True,
    ),
    Sample(
        "Klaus Reimann",
        "#Dabei seit 25 Jahren. Und immer noch der schönste Abend im Jahr.",
        "mastodon",
        "klaus@social.example",
        avatar=15,
    ),
    Sample(
        "Inês Costa",
        "Merry Christmas from the Lisbon team! We're watching the stream and "
        "raising a glass to all of you in Halle 3.",
        "bluesky",
        "ines.bsky.social",
        avatar=12,
    ),
    Sample("Ayşe Demir", "Sonnenuntergang vom Parkdeck, bevor es losging", photo=2),
    Sample("Lea", "Wer hat den Rentierpulli gewonnen? Ich will ein Foto!"),
    Sample("Tobi", "Die Band ist der Hammer!! #XmasParty", photo=7),
    Sample(
        "Jonas Weber",
        "Werkstolz: 14 Monate Arbeit an der neuen Linie und heute stoßen wir "
        "drauf an. Danke an alle, die nachts mit angepackt haben. #Werkstolz",
        "mastodon",
        "jonas@social.example",
        avatar=13,
    ),
    Sample("Mira K.", "Schnee vor der Halle. Perfekter Abend.", photo=1),
    Sample(
        "Sven",
        "Shoutout an die Küche: das Buffet war legendär",
        "bluesky",
        "sven.bsky.social",
        avatar=14,
    ),
    Sample(
        "Team Logistik", "Erster Glühwein, erste Runde Wichteln. Team Logistik ist #Dabei!", photo=0
    ),
]


async def publish(live: LiveServer, media_dir: Path, max_pixels: int) -> int:
    """Put every sample on the wall the way it would get there; returns how many."""
    wall = live.wall
    for i, sample in enumerate(SAMPLES):
        if sample.photo is not None:  # an attendee's upload from the phone page
            photo = png_bytes(picture(sample.photo, (1200, 900)))
            sent = await wall.client.post(
                "/api/events/xmas/submissions",
                data={"text": sample.text, "author": sample.author, "consent": "true"},
                files={"image": ("photo.png", photo, "image/png")},
            )
            assert sent.status_code == 202, sent.text
            post_id = sent.json()["id"]
        else:  # a bridge's post from a social network
            author = {"name": sample.author, "handle": sample.handle}
            if sample.avatar is not None:
                data = png_bytes(picture(sample.avatar, (160, 160)))
                stored = await asyncio.to_thread(store_image, data, media_dir, max_pixels)
                author["avatar_url"] = f"{live.url}/media/{stored.name}"
            sent = await wall.ingest(
                f"sample-{i}", sample.text, source=sample.source, author=author
            )
            assert sent.status_code == 202, sent.text
            post_id = sent.json()["id"]
        decided = await wall.decide(post_id, "approve", 1)
        assert decided.status_code == 200, decided.text
        if sample.pinned:
            assert (await wall.decide(post_id, "pin", 2)).status_code == 200
    return len(SAMPLES)


async def settled(page: Page, count: int) -> None:
    """The screen as full as it gets (the big screen shows what fits, /live all of them), every
    shown photo decoded, nothing fading, fonts ready."""
    wanted = count if await page.locator("#wall").get_attribute("data-view") == "live" else 6
    await wait_until(
        page,
        f"document.querySelectorAll('#cards .card.placed:not(.off-screen)').length >= {wanted}"
        " && !document.querySelector('#cards .layout[data-settled=false]')"
        " && !document.querySelector('#cards .card.off-screen, #cards .card.leaving')"
        " && [...document.querySelectorAll('#cards .card-image:not([hidden])')]"
        "     .every((img) => img.complete)"
        " && [...document.querySelectorAll('#cards .card')]"
        "     .every((c) => c.getAnimations().length === 0)",
        seconds=15,
    )
    await page.evaluate("document.fonts.ready.then(() => true)")
    for text in await page.locator(
        ".wall-cta strong:last-child, .wall-empty strong:last-child"
    ).all():
        await text.evaluate(f"(el) => {{ el.textContent = '{PUBLIC_HOST}/post/xmas'; }}")


def small_png(path: Path) -> bytes:
    """The screenshot as a dithered 256-colour PNG: the README image stays small."""
    with Image.open(path) as shot:
        rgb = shot.convert("RGB")
        palette = rgb.quantize(colors=256, method=Image.Quantize.MEDIANCUT)
        quantized = rgb.quantize(palette=palette, dither=Image.Dither.FLOYDSTEINBERG)
    out = io.BytesIO()
    quantized.save(out, "PNG", optimize=True)
    return out.getvalue()


async def test_readme_screenshot(pages: Pages, live: LiveServer) -> None:
    """The wall at 1920x1080 with ten approved posts; written to docs/ on request."""
    settings = live.wall.app.state.services.settings
    count = await publish(live, settings.media_dir, settings.max_image_pixels)
    page = await pages.open("/wall/xmas", viewport={"width": 1920, "height": 1080}, name="wall")
    await settled(page, count)
    assert await page.locator("#cards .card:not(.off-screen)").count() >= 6  # the screen is full
    shot = await pages.screenshot(page, "1920x1080")

    if os.environ.get("WALL_UPDATE_SCREENSHOTS") == "1":
        data = small_png(shot)
        assert len(data) < README_MAX_BYTES, f"README image is {len(data)} bytes"
        README_IMAGE.parent.mkdir(parents=True, exist_ok=True)
        README_IMAGE.write_bytes(data)

    for label, viewport in (("led-32x9", (3840, 1080)), ("portrait", (1080, 1920))):
        await page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
        await settled(page, count)
        await pages.screenshot(page, label)

    phone = await pages.open("/live/xmas", viewport=PHONE, name="live")
    await settled(phone, count)
    await pages.screenshot(phone, "live-phone", full_page=True)
    assert ARTIFACTS.exists()
