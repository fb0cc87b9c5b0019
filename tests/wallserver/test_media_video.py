"""Short videos (MP4, WebM): accepted only when configured, recognised by their bytes, refused
with a clear 4xx when too long, too big, damaged or not a video; served with a fixed type."""

from __future__ import annotations

import io
import re
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from PIL import Image

from tests.conftest import Wall, make_settings
from wallserver.errors import WallError
from wallserver.media import video
from wallserver.settings import Settings

SUBMIT = "/api/events/xmas/submissions"
DATA = Path(__file__).parent.parent / "data" / "video"  # made by make_videos.py (PyAV)
LIMITS = video.VideoLimits(max_bytes=1_000_000, max_seconds=5.0, max_pixels=50_000_000)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path / "data", video_max_bytes=1_000_000, video_max_seconds=5.0)


def clip(name: str) -> bytes:
    return (DATA / name).read_bytes()


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 200, 10)).save(out, "JPEG")
    return out.getvalue()


async def send(wall: Wall, *files: tuple[str, bytes]) -> httpx.Response:
    return await wall.client.post(
        SUBMIT,
        data={"text": "look", "consent": "yes"},
        files=[("image", (name, data, "application/octet-stream")) for name, data in files],
    )


def stored(wall: Wall) -> list[Path]:
    directory = wall.app.state.services.settings.media_dir
    return sorted(directory.iterdir()) if directory.exists() else []


@pytest.mark.parametrize(
    ("name", "mime"), [("short.mp4", "video/mp4"), ("short.webm", "video/webm")]
)
async def test_short_video_is_stored_and_served_as_is(wall: Wall, name: str, mime: str) -> None:
    """A 2-second clip is stored byte for byte under its content name, with its length and frame
    size, and served with its own type and nosniff."""
    response = await send(wall, (name, clip(name)))
    assert response.status_code == 202, response.text
    post = await wall.store.posts.get(response.json()["id"])
    (item,) = post.media
    ext = name.rsplit(".", 1)[1]
    assert item["url"].startswith("/media/") and item["url"].endswith(f".{ext}")
    assert (item["kind"], item["mime"], item["width"], item["height"]) == ("video", mime, 160, 120)
    assert item["duration"] == pytest.approx(2.0, abs=0.2)
    served = await wall.client.get(item["url"])
    assert served.status_code == 200
    assert served.headers["content-type"] == mime
    assert served.headers["x-content-type-options"] == "nosniff"
    assert served.content == clip(name)


async def test_videos_are_refused_unless_configured(wall: Wall) -> None:
    """With ``WALL_VIDEO_MAX_BYTES=0`` (the default) a video is a 415 and nothing is stored."""
    wall.app.state.services.settings.video_max_bytes = 0
    response = await send(wall, ("short.mp4", clip("short.mp4")))
    assert response.status_code == 415, response.text
    assert "video" in response.json()["error"]["message"]
    assert stored(wall) == []


def matroska() -> bytes:
    """A WebM whose DocType says Matroska: not one of the two containers we serve."""
    return clip("short.webm").replace(b"\x42\x82\x84webm", b"\x42\x82\x88matroska", 1)


@pytest.mark.parametrize(
    ("label", "files", "status", "words"),
    [
        ("too long (12 s)", [("long.mp4", clip("long.mp4"))], 422, "seconds"),
        ("too long WebM", [("long.webm", clip("long.webm"))], 422, "seconds"),
        ("truncated", [("cut.mp4", clip("short.mp4")[:48])], 415, "video"),
        ("header only", [("cut.webm", clip("short.webm")[:40])], 415, "video"),
        ("Matroska", [("x.mkv", matroska())], 415, "photo"),
        ("two videos", [("a.mp4", clip("short.mp4")), ("b.webm", clip("short.webm"))], 422, "one"),
        ("script inside", [("s.mp4", clip("short.mp4") + b"<script>alert(1)</script>")], 415, ""),
    ],
)
async def test_bad_videos_are_refused_and_nothing_stored(
    wall: Wall, label: str, files: list[tuple[str, bytes]], status: int, words: str
) -> None:
    response = await send(wall, *files)
    assert response.status_code == status, response.text
    assert words in response.json()["error"]["message"]
    assert stored(wall) == []


async def test_video_over_the_byte_limit_is_a_413(wall: Wall) -> None:
    """Too big has its own code, so the posting page can say so in the guest's language."""
    wall.app.state.services.settings.video_max_bytes = 1000
    response = await send(wall, ("short.mp4", clip("short.mp4")))
    assert response.status_code == 413, response.text
    assert response.json()["error"]["code"] == "video_too_big"
    assert response.json()["error"]["message"] == "videos may be at most 1000 bytes"
    assert stored(wall) == []


async def test_too_long_video_has_its_own_code(wall: Wall) -> None:
    """Too long is a 422 ``video_too_long``, with the limit in the message."""
    response = await send(wall, ("long.webm", clip("long.webm")))
    assert response.status_code == 422, response.text
    assert response.json()["error"] == {
        "code": "video_too_long",
        "message": "videos may be at most 5 seconds long",
    }


def picker(html: str) -> tuple[str, str | None]:
    """The posting page's file ``accept`` list and its rendered video byte limit."""
    accept = re.search(r'<input name="image" type="file" accept="([^"]*)"', html)
    limit = re.search(r'data-video-max-bytes="(\d+)"', html)
    assert accept is not None
    return accept.group(1), limit.group(1) if limit else None


async def test_posting_page_offers_videos_exactly_when_they_are_accepted(wall: Wall) -> None:
    """The picker lists MP4, WebM and QuickTime beside photos while videos are on, with the
    smaller of the video and the request limit; photos only while they are off."""
    accept, limit = picker((await wall.client.get("/post/xmas")).text)
    assert accept.split(",") == ["image/*", ".heic", ".heif", *video.PICKER_TYPES.split(",")]
    assert {"video/mp4", "video/webm", "video/quicktime"} <= set(accept.split(","))
    assert limit == "1000000"
    wall.app.state.services.settings.max_upload_bytes = 500_000
    assert picker((await wall.client.get("/post/xmas")).text)[1] == "500000"
    wall.app.state.services.settings.video_max_bytes = 0
    assert picker((await wall.client.get("/post/xmas")).text) == ("image/*,.heic,.heif", None)


async def test_a_video_and_a_photo_share_a_post(wall: Wall) -> None:
    response = await send(wall, ("a.webm", clip("short.webm")), ("b.jpg", jpeg()))
    assert response.status_code == 202, response.text
    post = await wall.store.posts.get(response.json()["id"])
    assert [m["kind"] for m in post.media] == ["video", "image"]


@given(st.binary(max_size=600), st.sampled_from(["short.mp4", "short.webm"]))
@hsettings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_damaged_containers_are_a_4xx_never_a_crash(noise: bytes, name: str) -> None:
    """Any bytes after a real header, or a real file with bytes overwritten: accepted or a 4xx."""
    data = clip(name)
    for candidate in (data[:32] + noise, data[: len(noise)] + noise + data[2 * len(noise) :]):
        try:
            checked = video.check(candidate, LIMITS)
        except WallError as exc:
            assert 400 <= exc.status < 500
        else:
            assert 0 < checked.duration <= LIMITS.max_seconds
