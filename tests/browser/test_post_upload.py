"""The attendee page on a slow phone: photos shrunk before upload, a progress bar, a retry that
keeps what was typed, German or English, and a friendly "slow down"."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from playwright.async_api import Request, Route, expect

from tests.browser.conftest import PHONE, Pages
from tests.browser.pictures import picture, write_png
from tests.conftest import LiveServer
from wallserver.api import ingest
from wallserver.media import prepare
from wallserver.media.process import Processed
from wallserver.ratelimit import Rate, SubmissionLimits

pytestmark = pytest.mark.browser

GERMAN = (
    "Object.defineProperty(navigator, 'language', {get: () => 'de-DE'});"
    "Object.defineProperty(navigator, 'languages', {get: () => ['de-DE', 'de', 'en']});"
)


def big_photo(path: Path) -> Path:
    """A 12-megapixel PNG with grain, several MB: too big to send as is over venue Wi-Fi."""
    img = picture(3, (4000, 3000))
    grain = Image.effect_noise((4000, 3000), 24).convert("RGB")
    Image.blend(img, grain, 0.15).save(path, "PNG", compress_level=1)
    return path


async def test_big_photo_is_shrunk_to_a_jpeg_before_upload(
    pages: Pages, live: LiveServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 4000x3000 PNG travels as a JPEG of at most 2048 px, far smaller than the file picked."""
    photo = big_photo(tmp_path / "stage.png")
    received: list[bytes] = []

    def spy(data: bytes, *args: Any) -> Processed:
        received.append(data)
        return prepare(data, *args)

    monkeypatch.setattr(ingest, "prepare_image", spy)
    phone = await pages.open("/post/xmas", viewport=PHONE, name="phone")
    await phone.get_by_label("Your message").fill("Bühne!")
    await phone.get_by_label("Photos").set_input_files(photo)
    await phone.get_by_label("I agree").check()
    await phone.get_by_role("button", name="Send to the wall").click()
    await expect(phone.locator("#post-done")).to_be_visible(timeout=30_000)
    await expect(phone.locator("#post-status")).to_have_text("Waiting for approval")
    [data] = received
    assert data.startswith(b"\xff\xd8\xff"), "sent as JPEG"
    assert len(data) < photo.stat().st_size / 3
    with Image.open(io.BytesIO(data)) as sent:
        assert sent.size == (2048, 1536)
    assert await phone.locator("#post-progress").evaluate("p => p.value") == 1
    response = await live.wall.client.get(
        "/api/events/xmas/posts", headers=live.wall.auth("moderator")
    )
    [media] = response.json()["posts"][0]["media"]
    assert (media["width"], media["height"]) == (2048, 1536)


async def test_big_transparent_picture_is_shrunk_keeping_its_alpha(
    pages: Pages, live: LiveServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 3000x2000 PNG whose left third is see-through travels as a 2048 px WebP with that alpha
    (not flattened onto white), and the wall image keeps it."""
    img = picture(2, (3000, 2000)).convert("RGBA")
    img.paste((0, 0, 0, 0), (0, 0, 1000, 2000))
    path = tmp_path / "sticker.png"
    img.save(path, "PNG")
    received: list[bytes] = []

    def spy(data: bytes, *args: Any) -> Processed:
        received.append(data)
        return prepare(data, *args)

    monkeypatch.setattr(ingest, "prepare_image", spy)
    phone = await pages.open("/post/xmas", viewport=PHONE, name="phone")
    await phone.get_by_label("Photos").set_input_files(path)
    await phone.get_by_label("I agree").check()
    await phone.get_by_role("button", name="Send to the wall").click()
    await expect(phone.locator("#post-done")).to_be_visible(timeout=30_000)
    [data] = received
    assert data[:4] == b"RIFF" and data[8:12] == b"WEBP", "sent as WebP"
    assert len(data) < path.stat().st_size
    with Image.open(io.BytesIO(data)) as sent:
        assert (sent.size, sent.mode) == ((2048, 1365), "RGBA")
        assert sent.getpixel((100, 600))[3] == 0  # type: ignore[index]
        assert sent.getpixel((1900, 600))[3] == 255  # type: ignore[index]
    response = await live.wall.client.get(
        "/api/events/xmas/posts", headers=live.wall.auth("moderator")
    )
    [media] = response.json()["posts"][0]["media"]
    assert media["url"].endswith(".webp")


async def test_german_phone_retries_a_failed_upload_without_retyping(
    pages: Pages, live: LiveServer, tmp_path: Path
) -> None:
    """German from the browser's language; a dropped upload keeps the text and is sent again
    with one tap; switching to English re-renders the status."""
    phone = await pages.open(viewport=PHONE, name="phone", init_scripts=(GERMAN,))
    attempts: list[str] = []

    async def flaky(route: Route, request: Request) -> None:
        attempts.append(request.method)
        if len(attempts) == 1:
            await route.abort("connectionreset")
        else:
            await route.continue_()

    await phone.route("**/api/events/xmas/submissions", flaky)
    await phone.goto("/post/xmas")
    await expect(phone.locator("html")).to_have_attribute("lang", "de")
    await phone.get_by_label("Deine Nachricht").fill("Frohe Weihnachten aus Halle 3")
    await phone.get_by_label("Ich bin einverstanden").check()
    await expect(phone.get_by_role("link", name="Datenschutzhinweis")).to_have_attribute(
        "href", "/privacy"
    )
    await phone.get_by_role("button", name="An die Wall senden").click()
    await expect(phone.locator("#post-error")).to_contain_text("Das Hochladen hat nicht geklappt")
    await expect(phone.get_by_label("Deine Nachricht")).to_have_value(
        "Frohe Weihnachten aus Halle 3"
    )
    await pages.screenshot(phone, "retry-de", full_page=True)
    await phone.get_by_role("button", name="Nochmal versuchen").click()
    await expect(phone.locator("#post-status")).to_have_text("Wartet auf Freigabe")
    assert len(attempts) == 2
    await phone.get_by_role("button", name="English").click()
    await expect(phone.locator("#post-status")).to_have_text("Waiting for approval")
    await expect(phone.locator("html")).to_have_attribute("lang", "en")
    await phone.reload()
    await expect(phone.get_by_role("button", name="Send to the wall")).to_be_visible()
    assert (await phone.evaluate("document.documentElement.scrollWidth")) <= PHONE["width"]


async def test_posting_too_fast_says_slow_down(pages: Pages, live: LiveServer) -> None:
    """Past the device limit the page says how long to wait and offers a retry."""
    # A clock that stands still: the wait is exactly a minute however slow the machine is.
    limits = SubmissionLimits(Rate(60, 100), Rate(1, 1), clock=lambda: 1000.0)
    live.wall.app.state.services = replace(live.wall.app.state.services, submission_limits=limits)
    phone = await pages.open("/post/xmas", viewport=PHONE, name="phone")
    for text in ("first", "second"):
        await phone.get_by_label("Your message").fill(text)
        await phone.get_by_label("I agree").check()
        await phone.get_by_role("button", name="Send to the wall").click()
        if text == "first":
            await expect(phone.locator("#post-status")).to_have_text("Waiting for approval")
            await phone.get_by_role("button", name="Post something else").click()
    await expect(phone.locator("#post-error")).to_have_text(
        "Slow down a little: you can post again in 60 seconds."
    )
    await expect(phone.get_by_role("button", name="Try again")).to_be_visible()


async def test_two_photos_in_one_post(pages: Pages, live: LiveServer, tmp_path: Path) -> None:
    """Two photos picked together are previewed and arrive as one post with two images."""
    files = [write_png(tmp_path / f"p{i}.png", seed=i, size=(600, 400)) for i in range(2)]
    phone = await pages.open("/post/xmas", viewport=PHONE, name="phone")
    await phone.get_by_label("Photos").set_input_files(files)
    await expect(phone.locator("#post-preview img")).to_have_count(2)
    await phone.get_by_label("I agree").check()
    await phone.get_by_role("button", name="Send to the wall").click()
    await expect(phone.locator("#post-done")).to_be_visible()
    response = await live.wall.client.get(
        "/api/events/xmas/posts", headers=live.wall.auth("moderator")
    )
    assert [m["width"] for m in response.json()["posts"][0]["media"]] == [600, 600]
