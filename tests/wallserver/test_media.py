"""The media pipeline: photos recognised by content, bad files refused with a 4xx and nothing
stored, EXIF/GPS stripped after the orientation is applied, wall size, thumbnail, placeholder;
transparent pictures kept transparent (WebP), opaque ones JPEG."""

from __future__ import annotations

import asyncio
import io
import struct
import threading
import zipfile
import zlib
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from PIL import Image, ImageCms, ImageDraw
from PIL.PngImagePlugin import PngInfo

from tests.conftest import Wall
from wallserver.api import ingest
from wallserver.errors import WallError
from wallserver.media import prepare, store_image
from wallserver.media.process import process

SUBMIT = "/api/events/xmas/submissions"
MAX_PIXELS = 50_000_000


def encode(img: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    img.save(out, fmt, **options)
    return out.getvalue()


def photo(size: tuple[int, int] = (400, 300)) -> Image.Image:
    """Left half red, right half blue: a marker that shows which way the picture was turned."""
    img = Image.new("RGB", size, (0, 0, 255))
    img.paste((255, 0, 0), (0, 0, size[0] // 2, size[1]))
    return img


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def pixel_flood_png(width: int = 100_000, height: int = 100_000) -> bytes:
    """A tiny PNG that declares ten billion pixels (a decompression bomb by its header)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 4096, 9)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", idat)
        + png_chunk(b"IEND", b"")
    )


def zip_named_jpg() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("photo.jpg", encode(photo(), "JPEG"))
    return out.getvalue()


def gif_js_polyglot() -> bytes:
    """Valid as a GIF header and as JavaScript: ``GIF89a/*...*/=alert(1)`` plus a script tag."""
    gif = encode(Image.new("P", (8, 8)), "GIF")
    return b"GIF89a/*" + gif[8:] + b"*/=1;alert(document.cookie)//<script>alert(1)</script>"


def html_jpeg_polyglot() -> bytes:
    """A real JPEG with an HTML page appended after its end marker."""
    return encode(photo(), "JPEG") + b"<html><body><script>alert(1)</script></body></html>"


SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b'<script>alert(1)</script><rect width="10" height="10"/></svg>'
)

BAD_FILES: dict[str, tuple[bytes, int]] = {
    "pixel-flood bomb": (pixel_flood_png(), 422),
    "bomb under Pillow's own limit but over ours": (pixel_flood_png(8000, 8000), 422),
    "zip renamed .jpg": (zip_named_jpg(), 415),
    "GIF/JS polyglot": (gif_js_polyglot(), 415),
    "HTML after a JPEG": (html_jpeg_polyglot(), 415),
    "SVG with script": (SVG, 415),
    "truncated JPEG": (encode(photo((800, 600)), "JPEG")[:2000], 415),
    "0-byte file": (b"", 422),
    "executable": (b"MZ\x90\x00" + b"\x00" * 200, 415),
    "PNG header on JPEG body": (b"\x89PNG\r\n\x1a\n" + encode(photo(), "JPEG")[8:], 415),
}


def media_files(directory: Path) -> list[Path]:
    return sorted(directory.iterdir()) if directory.exists() else []


async def queued(wall: Wall) -> list[dict[str, object]]:
    response = await wall.client.get(
        f"/api/events/{wall.event.slug}/posts", headers=wall.auth("moderator")
    )
    posts: list[dict[str, object]] = response.json()["posts"]
    return posts


async def send(wall: Wall, data: bytes, name: str = "photo.jpg") -> httpx.Response:
    return await wall.client.post(
        SUBMIT,
        data={"text": "hi", "consent": "yes"},
        files={"image": (name, data, "image/jpeg")},
    )


@pytest.mark.parametrize("label", list(BAD_FILES))
async def test_bad_file_is_refused_and_nothing_stored(wall: Wall, label: str) -> None:
    """Each file of the bad corpus is answered with its 4xx and the media directory stays empty."""
    data, status = BAD_FILES[label]
    if label.startswith("bomb under"):
        wall.app.state.services.settings.max_image_pixels = 10_000_000
    response = await send(wall, data)
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["message"]
    assert media_files(wall.app.state.services.settings.media_dir) == []
    assert await queued(wall) == []


async def test_file_over_the_size_limit_is_refused(wall: Wall) -> None:
    """A photo over ``max_upload_bytes`` is a 413 and nothing is stored."""
    wall.app.state.services.settings.max_upload_bytes = 10_000
    noisy = Image.effect_noise((400, 400), 100).convert("RGB")
    response = await send(wall, encode(noisy, "JPEG", quality=95))
    assert response.status_code == 413, response.text
    assert response.json()["error"]["code"] == "payload_too_large"
    assert "at most 9.7 KB" in response.json()["error"]["message"]  # not "10000 bytes", not "0 MB"
    assert media_files(wall.app.state.services.settings.media_dir) == []


def test_size_limit_applies_to_direct_callers(tmp_path: Path) -> None:
    """Connectors calling ``store_image`` get the same byte limit as uploads."""
    with pytest.raises(WallError) as caught:
        store_image(encode(photo(), "PNG"), tmp_path, MAX_PIXELS, max_bytes=100)
    assert caught.value.status == 413
    assert media_files(tmp_path) == []


def gps_rotated_jpeg() -> bytes:
    """A 400x300 JPEG stored sideways with orientation 6 (rotate 90° clockwise) and GPS EXIF."""
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation
    exif[0x010F] = "PhoneMaker"
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (52.0, 31.0, 12.0)
    gps[3] = "E"
    gps[4] = (13.0, 24.0, 36.0)
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://ns.adobe.com/">PhoneMaker</rdf:RDF></x:xmpmeta>'
    return encode(photo(), "JPEG", exif=exif.tobytes(), xmp=xmp, quality=95)


def test_gps_exif_is_stripped_and_orientation_applied(tmp_path: Path) -> None:
    """Orientation 6 turns the picture upright (300x400, red on top); no EXIF survives at all."""
    original = gps_rotated_jpeg()
    with Image.open(io.BytesIO(original)) as check:
        assert check.getexif().get_ifd(0x8825), "the fixture must carry GPS"
        assert "xmp" in check.info, "and XMP"
    stored = store_image(original, tmp_path, MAX_PIXELS)
    assert (stored.width, stored.height) == (300, 400)
    for name in (stored.name, stored.thumb_name):
        raw = (tmp_path / name).read_bytes()
        assert b"Exif" not in raw and b"PhoneMaker" not in raw and b"http://ns.adobe" not in raw
        with Image.open(tmp_path / name) as out:
            assert out.format == "JPEG"
            assert len(out.getexif()) == 0
            assert "exif" not in out.info
            rgb = out.convert("RGB")
            top = rgb.getpixel((rgb.width // 2, rgb.height // 8))
            bottom = rgb.getpixel((rgb.width // 2, rgb.height * 7 // 8))
            assert isinstance(top, tuple) and isinstance(bottom, tuple)
            assert top[0] > 200 and top[2] < 60, top  # red half now on top
            assert bottom[2] > 200 and bottom[0] < 60, bottom


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "GIF"])
def test_accepted_formats_become_wall_image_thumbnail_and_placeholder(
    tmp_path: Path, fmt: str
) -> None:
    """JPEG, PNG, WebP and GIF are accepted by content; big ones are scaled to the wall edge."""
    img = photo((3000, 1500)) if fmt != "GIF" else photo((600, 300)).convert("P")
    stored = store_image(encode(img, fmt), tmp_path, MAX_PIXELS)
    assert max(stored.width, stored.height) <= 2048
    assert stored.width == 2 * stored.height
    assert max(stored.thumb_width, stored.thumb_height) <= 480
    assert len(stored.placeholder) > 6
    assert sorted(p.name for p in media_files(tmp_path)) == sorted({stored.name, stored.thumb_name})


def logo(mode: str = "RGBA") -> Image.Image:
    """A 120x60 logo: a gold disc on the left, the rest see-through (as staff upload them)."""
    img = Image.new("RGBA", (120, 60), (0, 0, 0, 0))
    ImageDraw.Draw(img).ellipse((5, 5, 55, 55), fill=(255, 200, 40, 255))
    return img if mode == "RGBA" else img.convert(mode)


def webp_chunks(data: bytes) -> list[bytes]:
    """The RIFF chunk names of a WebP file (``VP8X``, ``ALPH``, ``VP8 ``, ``EXIF``, ...)."""
    assert data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    names, at = [], 12
    while at + 8 <= len(data):
        size = struct.unpack("<I", data[at + 4 : at + 8])[0]
        names.append(data[at : at + 4])
        at += 8 + size + (size & 1)
    return names


def transparent_sources() -> dict[str, bytes]:
    """The same logo in every way a picture can carry transparency."""
    tagged = PngInfo()
    tagged.add_text("Comment", "PhoneMaker secret")
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    disc = Image.new("L", (120, 60), 0)
    ImageDraw.Draw(disc).ellipse((5, 5, 55, 55), fill=255)
    grey = Image.merge("LA", (Image.new("L", (120, 60), 200), disc))
    keyed = Image.new("RGB", (120, 60), (1, 2, 3))
    ImageDraw.Draw(keyed).ellipse((5, 5, 55, 55), fill=(255, 200, 40))
    palette = logo().quantize(colors=4, method=Image.Quantize.FASTOCTREE)
    return {
        "RGBA PNG with EXIF, text and ICC": encode(
            logo(),
            "PNG",
            pnginfo=tagged,
            exif=exif.tobytes(),
            icc_profile=ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes(),
        ),
        "grey PNG with alpha": encode(grey, "PNG"),
        "RGB PNG with a transparent colour": encode(keyed, "PNG", transparency=(1, 2, 3)),
        "palette PNG": encode(palette, "PNG"),
        "GIF with a transparent index": encode(logo(), "GIF"),
        "WebP with alpha": encode(logo(), "WEBP", lossless=True),
    }


@pytest.mark.parametrize("label", list(transparent_sources()))
def test_transparent_picture_keeps_its_alpha_as_webp_without_metadata(
    tmp_path: Path, label: str
) -> None:
    """A logo with see-through pixels comes out as WebP with alpha (no white box on a dark wall),
    wall image and thumbnail alike, with no EXIF, XMP, ICC or text left in it."""
    data = transparent_sources()[label]
    if label.startswith("palette"):
        with Image.open(io.BytesIO(data)) as check:
            assert "transparency" in check.info, "the fixture must carry tRNS"
    stored = store_image(data, tmp_path, MAX_PIXELS)
    assert stored.name.endswith(".webp") and stored.thumb_name.endswith(".webp")
    assert (stored.width, stored.height) == (120, 60)
    assert len(stored.placeholder) > 6
    for name in (stored.name, stored.thumb_name):
        raw = (tmp_path / name).read_bytes()
        assert set(webp_chunks(raw)) <= {b"VP8X", b"ALPH", b"VP8 ", b"VP8L"}, webp_chunks(raw)
        assert b"PhoneMaker" not in raw
        with Image.open(tmp_path / name) as out:
            assert (out.format, out.mode) == ("WEBP", "RGBA")
            assert not {"exif", "icc_profile", "xmp"} & set(out.info)
            scale = out.width / 120
            corner = out.getpixel((int(110 * scale), int(50 * scale)))
            disc = out.getpixel((int(30 * scale), int(30 * scale)))
            assert isinstance(corner, tuple) and isinstance(disc, tuple)
            assert corner[3] == 0, corner  # see-through stays see-through
            assert disc[3] == 255 and disc[0] > 150, disc


def test_opaque_png_with_an_alpha_channel_stays_jpeg(tmp_path: Path) -> None:
    """An alpha channel that is 255 everywhere is not transparency: the result is a JPEG."""
    stored = store_image(encode(photo().convert("RGBA"), "PNG"), tmp_path, MAX_PIXELS)
    assert stored.name.endswith(".jpg") and stored.thumb_name.endswith(".jpg")
    with Image.open(tmp_path / stored.name) as out:
        assert out.format == "JPEG"


@given(
    st.integers(1, 40),
    st.integers(1, 40),
    st.lists(st.integers(0, 255), min_size=1, max_size=16),
)
@hsettings(max_examples=60, deadline=None)
def test_alpha_decides_the_format_and_survives_exactly(
    width: int, height: int, alphas: list[int]
) -> None:
    """Any alpha pattern: WebP exactly when some pixel is below 255, and its alpha is kept as is."""
    mask = Image.new("L", (width, height))
    mask.putdata([alphas[i % len(alphas)] for i in range(width * height)])
    img = photo((width, height)).convert("RGBA")
    img.putalpha(mask)
    done = process(encode(img, "PNG"), MAX_PIXELS)
    assert done.wall.ext == ("webp" if min(alphas) < 255 else "jpg")
    with Image.open(io.BytesIO(done.wall.data)) as out:
        assert out.format == ("WEBP" if done.wall.ext == "webp" else "JPEG")
        if done.wall.ext == "webp":
            assert out.getchannel("A").tobytes() == mask.tobytes()


def test_heic_photo_is_accepted(tmp_path: Path) -> None:
    """HEIC, what phones shoot, is recognised by its ftyp brand and re-encoded as JPEG."""
    import pillow_heif

    pillow_heif.register_heif_opener()
    stored = store_image(encode(photo(), "HEIF"), tmp_path, MAX_PIXELS)
    assert (stored.width, stored.height) == (400, 300)
    with Image.open(tmp_path / stored.name) as out:
        assert out.format == "JPEG"


def test_same_photo_is_stored_once(tmp_path: Path) -> None:
    """Names are content hashes: the same upload twice is one file."""
    data = encode(photo(), "PNG")
    first = store_image(data, tmp_path, MAX_PIXELS)
    again = store_image(data, tmp_path, MAX_PIXELS)
    assert first == again
    assert len(media_files(tmp_path)) == 2


@pytest.mark.parametrize(
    ("picture", "ext", "mime", "magic"),
    [
        (logo(), "webp", "image/webp", b"RIFF"),
        (photo().convert("RGBA"), "jpg", "image/jpeg", b"\xff\xd8\xff"),
    ],
    ids=["transparent", "opaque"],
)
async def test_served_content_type_matches_the_bytes(
    wall: Wall, picture: Image.Image, ext: str, mime: str, magic: bytes
) -> None:
    """A guest's transparent PNG is served as image/webp, an opaque one as image/jpeg: the type,
    the name and the bytes agree, with the same long-lived cache headers."""
    response = await send(wall, encode(picture, "PNG"), name="logo.png")
    assert response.status_code == 202, response.text
    [post] = await queued(wall)
    [media] = post["media"]  # type: ignore[misc]
    for url in (media["url"], media["thumb_url"]):
        assert url.endswith(f".{ext}")
        served = await wall.client.get(url)
        assert served.status_code == 200
        assert served.headers["content-type"] == mime
        assert served.content.startswith(magic)
        assert served.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert served.headers["x-content-type-options"] == "nosniff"


async def test_transparent_logo_becomes_a_screen_logo(wall: Wall) -> None:
    """Staff upload a transparent logo on the control page: it is stored as WebP and a screen
    accepts its URL as ``logo_url``."""
    upload = await wall.client.post(
        "/api/events/xmas/assets",
        files={"image": ("logo.png", encode(logo(), "PNG"), "image/png")},
        headers=wall.auth("admin"),
    )
    assert upload.status_code == 201, upload.text
    url = upload.json()["url"]
    assert url.endswith(".webp")
    served = await wall.client.get(url)
    with Image.open(io.BytesIO(served.content)) as out:
        assert out.mode == "RGBA"
    screens = "/api/events/xmas/screens"
    await wall.client.get(screens, headers=wall.auth("moderator"))
    used = await wall.client.patch(
        f"{screens}/main",
        json={"config": {"theme": {"logo_url": url}}, "version": 1},
        headers=wall.auth("admin"),
    )
    assert used.status_code == 200, used.text
    assert used.json()["config"]["theme"]["logo_url"] == url


async def test_upload_serves_wall_image_and_thumbnail_with_safe_headers(wall: Wall) -> None:
    """The post's media carries both URLs and the placeholder; files are immutable JPEGs."""
    response = await send(wall, encode(photo(), "PNG"), name="holiday.svg")
    assert response.status_code == 202, response.text
    [post] = await queued(wall)
    [media] = post["media"]  # type: ignore[misc]
    assert set(media) == {"url", "kind", "alt", "width", "height", "thumb_url", "placeholder"}
    assert (media["kind"], media["width"], media["height"]) == ("image", 400, 300)
    for url in (media["url"], media["thumb_url"]):
        served = await wall.client.get(url)
        assert served.status_code == 200
        assert served.headers["content-type"] == "image/jpeg"
        assert "immutable" in served.headers["cache-control"]
        assert served.headers["x-content-type-options"] == "nosniff"
    assert (await wall.client.get("/media/..%2Fwall.sqlite3")).status_code == 404


def test_placeholder_is_a_blurhash_of_the_average_colour() -> None:
    """4x3 components make a 28-character BlurHash whose DC term is the picture's colour."""
    from wallserver.media.placeholder import _CHARS, blurhash

    code = blurhash(Image.new("RGB", (32, 24), (200, 30, 30)), 4, 3)
    assert len(code) == 28
    assert _CHARS.index(code[0]) == 3 + 2 * 9
    dc = 0
    for ch in code[2:6]:
        dc = dc * 83 + _CHARS.index(ch)
    assert (dc >> 16, (dc >> 8) & 255, dc & 255) == (200, 30, 30)


async def test_photos_are_processed_off_the_event_loop_one_per_cpu(
    wall: Wall, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While photos are decoded in threads the server keeps answering; at most one per CPU runs."""
    two = replace(wall.app.state.services, media_slots=asyncio.Semaphore(2))
    monkeypatch.setattr(wall.app.state, "services", two)
    running = 0
    most = 0
    lock = threading.Lock()
    entered = threading.Semaphore(0)  # one release per decode that began
    finish = threading.Event()  # the decodes take as long as the test needs

    def slow(*args: Any) -> Any:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        entered.release()
        finish.wait(timeout=30)
        with lock:
            running -= 1
        return prepare(*args)

    monkeypatch.setattr(ingest, "prepare_image", slow)
    uploads = [
        asyncio.create_task(send(wall, encode(photo((40 + i, 30)), "PNG"))) for i in range(4)
    ]
    for _ in range(2):  # two decodes under way, in threads
        assert await asyncio.to_thread(entered.acquire, timeout=30)
    health = await wall.client.get("/healthz")
    assert health.status_code == 200
    assert not any(task.done() for task in uploads), "answered while photos were in work"
    finish.set()
    assert [r.status_code for r in await asyncio.gather(*uploads)] == [202] * 4
    assert most == 2


async def test_several_photos_in_one_post(wall: Wall) -> None:
    """Up to four photos go into one post, in the order they were picked."""
    files = [
        ("image", (f"p{i}.png", encode(photo((40 + i, 30)), "PNG"), "image/png")) for i in range(3)
    ]
    response = await wall.client.post(SUBMIT, data={"consent": "yes"}, files=files)
    assert response.status_code == 202, response.text
    [post] = await queued(wall)
    assert [m["width"] for m in post["media"]] == [40, 41, 42]  # type: ignore[attr-defined]


async def test_one_bad_photo_fails_the_whole_post_and_stores_nothing(wall: Wall) -> None:
    """Good photos are not stored when another photo of the same post is refused."""
    files = [
        ("image", ("good.png", encode(photo(), "PNG"), "image/png")),
        ("image", ("bad.jpg", zip_named_jpg(), "image/jpeg")),
    ]
    response = await wall.client.post(SUBMIT, data={"consent": "yes"}, files=files)
    assert response.status_code == 415
    assert media_files(wall.app.state.services.settings.media_dir) == []
    assert await queued(wall) == []


async def test_more_than_four_photos_are_refused(wall: Wall) -> None:
    """A fifth photo is a 422 with a readable message."""
    files = [("image", (f"p{i}.png", encode(photo(), "PNG"), "image/png")) for i in range(5)]
    response = await wall.client.post(SUBMIT, data={"consent": "yes"}, files=files)
    assert response.status_code == 422
    assert response.json()["error"]["message"] == "at most 4 photos per post"


def test_concurrent_decodes_stay_within_the_memory_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    """Four big transparent PNGs decoded at once never hold more decoded bytes than the budget
    (one fits twice, not four times), and all of them come out."""
    from concurrent.futures import ThreadPoolExecutor

    from wallserver.media import budget
    from wallserver.media.process import process

    picture = Image.new("P", (2000, 2000), 0)
    out = io.BytesIO()
    picture.save(out, "PNG", transparency=0)
    data = out.getvalue()
    one = 2000 * 2000 * (1 + 4)  # the palette frame and its RGBA copy
    watched = budget.DecodeBudget(limit=2 * one + 1)
    monkeypatch.setattr(budget, "DECODING", watched)
    with ThreadPoolExecutor(4) as pool:
        done = list(pool.map(lambda _: process(data, 50_000_000), range(4)))
    assert all(p.wall.ext == "webp" for p in done)
    assert one <= watched.peak <= watched.limit
    assert watched.in_flight == 0
