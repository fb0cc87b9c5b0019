"""Connectors' remote media is fetched within limits and re-hosted through the same pipeline."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from PIL import Image

from wallserver.errors import WallError
from wallserver.media.remote import networks, rehost

PUBLIC = "93.184.215.14"


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 200, 10)).save(out, "JPEG")
    return out.getvalue()


def stored_files(directory: Path) -> list[Path]:
    return list(directory.iterdir()) if directory.exists() else []


async def public(host: str) -> list[str]:
    return [PUBLIC]


async def slow_body() -> AsyncIterator[bytes]:
    """A photo whose server sends three bytes, then nothing, ever."""
    yield b"\xff\xd8\xff"
    await asyncio.Event().wait()
    yield b"never"


def server(request: httpx.Request) -> httpx.Response:
    """A media server: one photo, one endless stream, one redirect, one huge file."""
    match request.url.path:
        case "/photo.jpg":
            return httpx.Response(200, content=jpeg(), headers={"content-type": "image/jpeg"})
        case "/slow.jpg":
            return httpx.Response(200, content=slow_body())
        case "/moved.jpg":
            return httpx.Response(302, headers={"location": "http://127.0.0.1/photo.jpg"})
        case "/huge.jpg":
            return httpx.Response(200, content=b"\xff\xd8\xff" + b"\x00" * 50_000)
    return httpx.Response(404)


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.MockTransport(server)) as c:
        yield c


async def test_remote_photo_is_stored_locally(client: httpx.AsyncClient, tmp_path: Path) -> None:
    """A reachable photo becomes a local content-addressed JPEG with a thumbnail."""
    stored = await rehost(
        "https://cdn.example/photo.jpg",
        client,
        tmp_path,
        max_bytes=10_000,
        max_pixels=10**6,
        resolver=public,
    )
    assert (stored.width, stored.height) == (64, 48)
    assert (tmp_path / stored.name).is_file() and (tmp_path / stored.thumb_name).is_file()


@pytest.mark.parametrize(
    ("url", "status", "resolved"),
    [
        ("https://cdn.example/huge.jpg", 413, PUBLIC),
        ("https://cdn.example/slow.jpg", 400, PUBLIC),
        ("https://cdn.example/moved.jpg", 400, PUBLIC),
        ("https://cdn.example/gone.jpg", 400, PUBLIC),
        ("https://intranet.example/photo.jpg", 400, "10.1.2.3"),
        ("http://localhost/photo.jpg", 400, "127.0.0.1"),
        ("http://metadata.example/photo.jpg", 400, "169.254.169.254"),
        ("ftp://cdn.example/photo.jpg", 400, PUBLIC),
    ],
)
async def test_unusable_remote_media_is_refused_and_nothing_stored(
    client: httpx.AsyncClient, tmp_path: Path, url: str, status: int, resolved: str
) -> None:
    """Too big, too slow, redirected, missing, private addresses, other schemes: a 4xx error."""

    async def resolver(host: str) -> list[str]:
        return [resolved]

    with pytest.raises(WallError) as caught:
        await rehost(
            url,
            client,
            tmp_path,
            max_bytes=10_000,
            max_pixels=10**6,
            seconds=0.3,
            resolver=resolver,
        )
    assert caught.value.status == status, caught.value.message
    assert stored_files(tmp_path) == []


async def test_name_lookup_counts_against_the_time_limit(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    """A resolver that hangs or fails is a 400 within the limit, not a hang or a 500."""

    async def hanging(host: str) -> list[str]:
        await asyncio.Event().wait()  # never answers
        return [PUBLIC]

    async def failing(host: str) -> list[str]:
        raise OSError("Name or service not known")

    for resolver in (hanging, failing):
        started = asyncio.get_running_loop().time()
        with pytest.raises(WallError) as caught:
            await rehost(
                "https://cdn.example/photo.jpg",
                client,
                tmp_path,
                max_bytes=10_000,
                max_pixels=10**6,
                seconds=0.3,
                resolver=resolver,
            )
        assert caught.value.status == 400
        assert asyncio.get_running_loop().time() - started < 2


async def test_allowed_networks_may_be_fetched(client: httpx.AsyncClient, tmp_path: Path) -> None:
    """A listed private network (an intranet CMS, local test servers) is fetched; others not."""

    async def intranet(host: str) -> list[str]:
        return ["10.1.2.3"]

    stored = await rehost(
        "http://cms.intranet/photo.jpg",
        client,
        tmp_path,
        max_bytes=10_000,
        max_pixels=10**6,
        resolver=intranet,
        allow=networks(["10.0.0.0/8"]),
    )
    assert (tmp_path / stored.name).is_file()
    with pytest.raises(WallError):
        await rehost(
            "http://cms.intranet/photo.jpg",
            client,
            tmp_path,
            max_bytes=10_000,
            max_pixels=10**6,
            resolver=intranet,
            allow=networks(["192.168.0.0/16"]),
        )
