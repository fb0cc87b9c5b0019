"""Remote media from connectors, re-hosted: fetched once with a size and a time limit, then put
through the same pipeline as uploads, so walls never hot-link a third-party server that may
vanish or track viewers.

Only public addresses are fetched (a feed could name ``http://10.0.0.1/admin`` as its image).
The check resolves the name before the request; a DNS answer that changes in between (rebinding)
is not caught, so run wallserver where its own network has nothing to hide or proxy egress.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from wallserver.errors import BadRequest, PayloadTooLarge
from wallserver.media import StoredImage, store_image

Resolver = Callable[[str], Awaitable[list[str]]]


class FetchFailed(BadRequest):
    code = "fetch_failed"


async def resolve(host: str) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


async def rehost(
    url: str,
    client: httpx.AsyncClient,
    media_dir: Path,
    *,
    max_bytes: int,
    max_pixels: int,
    seconds: float = 10.0,
    resolver: Resolver = resolve,
) -> StoredImage:
    """Fetch ``url`` (public http(s) only, at most ``max_bytes`` within ``seconds``) and
    store it like an upload. Raises a :class:`WallError` (4xx) when it cannot be used."""
    data = await fetch(url, client, max_bytes=max_bytes, seconds=seconds, resolver=resolver)
    return await asyncio.to_thread(store_image, data, media_dir, max_pixels, max_bytes)


async def fetch(
    url: str,
    client: httpx.AsyncClient,
    *,
    max_bytes: int,
    seconds: float = 10.0,
    resolver: Resolver = resolve,
) -> bytes:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchFailed("media must be an http(s) URL")
    for address in await resolver(parts.hostname):
        if not ipaddress.ip_address(address.split("%")[0]).is_global:
            raise FetchFailed("media on a private or local address is not fetched")
    try:
        async with asyncio.timeout(seconds):
            return await _read(url, client, max_bytes)
    except TimeoutError as exc:
        raise FetchFailed(f"the media server did not answer within {seconds:g} s") from exc
    except httpx.HTTPError as exc:
        raise FetchFailed(f"the media could not be fetched: {type(exc).__name__}") from exc


async def _read(url: str, client: httpx.AsyncClient, max_bytes: int) -> bytes:
    # No redirects: a redirect could lead to an address the check above never saw.
    async with client.stream("GET", url, follow_redirects=False) as response:
        if response.status_code != 200:
            raise FetchFailed(f"the media server answered {response.status_code}")
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > max_bytes:
            raise PayloadTooLarge(f"remote media over {max_bytes} bytes")
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > max_bytes:
                raise PayloadTooLarge(f"remote media over {max_bytes} bytes")
            chunks.append(chunk)
        return b"".join(chunks)
