"""A guest posts a short video from a phone: offered by the picker only when the server takes
videos, previewed with its name and length, sent as it is (never shrunk) with a progress bar and
a retry, followed on the manage page; too big or too long is said in the guest's language."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Request, Route, expect

from tests.browser.conftest import PHONE, Pages, wait_until
from tests.browser.test_post_upload import GERMAN
from tests.conftest import LiveServer, make_settings
from wallserver.settings import Settings

pytestmark = pytest.mark.browser

CLIPS = Path(__file__).parent.parent / "data" / "video"  # made by make_videos.py (PyAV)
VIDEO_MAX_BYTES = 2 * 1024 * 1024
PREVIEW_VIDEO = "document.querySelector('#post-preview video')"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path / "data", video_max_bytes=VIDEO_MAX_BYTES, video_max_seconds=5.0)


async def queue(live: LiveServer) -> list[dict[str, object]]:
    response = await live.wall.client.get(
        "/api/events/xmas/posts", headers=live.wall.auth("moderator")
    )
    posts: list[dict[str, object]] = response.json()["posts"]
    return posts


async def test_video_from_a_phone_is_sent_as_is_and_followed_on_the_manage_page(
    pages: Pages, live: LiveServer
) -> None:
    """Pick a 2-second MP4: previewed with name and length; the first upload drops, "Try again"
    sends the very same bytes; "Waiting for approval", then the manage page plays it and says
    "On the wall" once a moderator approves."""
    clip = CLIPS / "short.mp4"
    phone = await pages.open(viewport=PHONE, name="phone")
    attempts: list[str] = []

    async def flaky(route: Route, request: Request) -> None:
        attempts.append(request.method)
        if len(attempts) == 1:
            await route.abort("connectionreset")
        else:
            await route.continue_()

    await phone.route("**/api/events/xmas/submissions", flaky)
    await phone.goto("/post/xmas")
    picker = phone.get_by_label("Photos or a video")
    assert "video/mp4" in (await picker.get_attribute("accept") or "")
    await phone.get_by_label("Your message").fill("Das Feuerwerk!")
    await picker.set_input_files(clip)
    player = phone.locator("#post-preview video")
    await expect(player).to_be_visible()
    await expect(phone.locator("#post-preview figcaption")).to_have_text(
        "Video, 2 s · short.mp4 · 3 KB"
    )
    assert await player.evaluate("v => v.videoWidth") == 160, "the preview decodes the clip"
    await phone.get_by_label("I agree").check()
    await wait_until(phone, f"(v => v.readyState === 4 && !v.seeking)({PREVIEW_VIDEO})")
    await pages.screenshot(phone, "video-chosen")
    await phone.get_by_role("button", name="Send to the wall").click()
    await expect(phone.locator("#post-error")).to_contain_text("did not get through")
    await expect(phone.get_by_label("Your message")).to_have_value("Das Feuerwerk!")
    await phone.get_by_role("button", name="Try again").click()
    await expect(phone.locator("#post-status")).to_have_text("Waiting for approval")
    assert len(attempts) == 2
    assert await phone.locator("#post-progress").evaluate("p => p.value") == 1
    assert (await phone.evaluate("document.documentElement.scrollWidth")) <= PHONE["width"]

    [post] = await queue(live)
    [media] = post["media"]  # type: ignore[misc]
    assert (media["kind"], media["mime"]) == ("video", "video/mp4")
    served = await live.wall.client.get(media["url"])
    assert served.content == clip.read_bytes(), "sent byte for byte, never shrunk"

    await phone.get_by_role("link", name="your post").click()
    await expect(phone.locator("#manage-status")).to_have_text("Waiting for approval")
    video = phone.locator("#manage-video")
    await expect(video).to_be_visible()
    assert await video.evaluate("v => v.videoWidth") == 160
    await expect(phone.locator("#manage-video-note")).to_have_text("Video, 2 s")
    approved = await live.wall.decide(int(post["id"]), "approve", 1)  # type: ignore[call-overload]
    assert approved.status_code == 200
    await expect(phone.locator("#manage-status")).to_have_text("On the wall", timeout=8000)
    await phone.get_by_role("button", name="Deutsch").click()
    await expect(phone.locator("#manage-video-note")).to_have_text("Video, 2 s")
    await pages.screenshot(phone, "manage-video", full_page=True)


async def test_too_long_video_is_refused_in_german(pages: Pages, live: LiveServer) -> None:
    """A 12-second clip over the 5-second limit: the server's 422 reads as German, with the limit,
    nothing is stored and there is nothing to retry."""
    phone = await pages.open("/post/xmas", viewport=PHONE, name="phone", init_scripts=(GERMAN,))
    await phone.get_by_label("Fotos oder ein Video").set_input_files(CLIPS / "long.webm")
    await expect(phone.locator("#post-preview figcaption")).to_have_text(
        "Video, 12 s · long.webm · 3 KB"
    )
    await phone.get_by_label("Ich bin einverstanden").check()
    async with phone.expect_response("**/api/events/xmas/submissions") as sent:
        await phone.get_by_role("button", name="An die Wall senden").click()
    answer = await sent.value
    assert answer.status == 422
    assert (await answer.json())["error"]["code"] == "video_too_long"
    await expect(phone.locator("#post-error")).to_have_text(
        "Das Video ist zu lang: Videos dürfen höchstens 5 Sekunden dauern. "
        "Kürze es und versuch es nochmal."
    )
    await expect(phone.get_by_role("button", name="Nochmal versuchen")).to_be_hidden()
    await pages.screenshot(phone, "too-long-de", full_page=True)
    assert await queue(live) == []


async def test_too_big_video_is_refused_before_it_travels(
    pages: Pages, live: LiveServer, tmp_path: Path
) -> None:
    """A video over the limit is refused on the phone, before a byte is sent over venue Wi-Fi."""
    big = tmp_path / "party.webm"
    big.write_bytes((CLIPS / "short.webm").read_bytes() + bytes(VIDEO_MAX_BYTES))
    phone = await pages.open(viewport=PHONE, name="phone")
    requests: list[str] = []
    phone.on("request", lambda r: requests.append(r.url) if "/submissions" in r.url else None)
    await phone.goto("/post/xmas")
    await phone.get_by_label("Photos or a video").set_input_files(big)
    await phone.get_by_label("I agree").check()
    await phone.get_by_role("button", name="Send to the wall").click()
    await expect(phone.locator("#post-error")).to_have_text(
        "This video is too big: videos can be at most 2 MB. Pick a shorter clip."
    )
    assert requests == []
    await phone.get_by_role("button", name="Deutsch").click()  # the message follows the switch
    await expect(phone.locator("#post-error")).to_have_text(
        "Das Video ist zu groß: Videos dürfen höchstens 2 MB haben. Nimm einen kürzeren Clip."
    )
    await phone.get_by_role("button", name="An die Wall senden").click()
    await expect(phone.locator("#post-error")).to_contain_text("Das Video ist zu groß")
    assert requests == []


async def test_too_many_files_says_photos_and_videos(
    pages: Pages, live: LiveServer, tmp_path: Path
) -> None:
    """Five files with videos on: the message counts photos and videos, not just photos."""
    files = [tmp_path / f"clip{i}.webm" for i in range(5)]
    for path in files:
        path.write_bytes((CLIPS / "short.webm").read_bytes())
    phone = await pages.open("/post/xmas", viewport=PHONE, name="phone")
    await phone.get_by_label("Photos or a video").set_input_files(files)
    await phone.get_by_label("I agree").check()
    await phone.get_by_role("button", name="Send to the wall").click()
    await expect(phone.locator("#post-error")).to_have_text(
        "Please pick at most 4 photos and videos (one video at most)."
    )


async def test_picker_offers_photos_only_while_videos_are_off(
    pages: Pages, live: LiveServer
) -> None:
    """With ``WALL_VIDEO_MAX_BYTES=0`` the picker accepts images only and says "Photos"."""
    live.wall.app.state.services.settings.video_max_bytes = 0
    phone = await pages.open("/post/xmas", viewport=PHONE, name="phone")
    picker = phone.locator('input[name="image"]')
    assert await picker.get_attribute("accept") == "image/*,.heic,.heif"
    await expect(phone.get_by_text("Photos (optional, up to 4)")).to_be_visible()
    await expect(phone.get_by_text("Photos or a video")).to_have_count(0)
    assert await phone.locator("#post-page").get_attribute("data-video-max-bytes") is None
