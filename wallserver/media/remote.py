"""Remote media, re-hosted: fetched once with a size and a time limit, then put through the same
pipeline as uploads, so walls never hot-link a third-party server that may vanish or track
viewers. Used for connectors' posts, signed webhooks and the ingest API alike.

Only public addresses are fetched (a feed could name ``http://10.0.0.1/admin`` as its image);
``WALL_MEDIA_FETCH_ALLOW_NETWORKS`` lists networks that may be fetched anyway (an intranet
CMS, or ``127.0.0.0/8`` for tests with local fake servers). The policy is ``netpolicy``'s: the
name is checked before the request, and the connection itself goes only to a checked address,
so a DNS answer that changes in between (rebinding) cannot switch it.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from wallserver import netpolicy
from wallserver.digits import whole_number
from wallserver.errors import BadRequest, PayloadTooLarge, UnsupportedMedia, WallError
from wallserver.media import StoredImage, store_image, video
from wallserver.media.storage import NAME
from wallserver.media.video import StoredVideo, VideoLimits
from wallserver.posts.records import NewPost
from wallserver.settings import Settings
from wallserver.sizes import readable

log = logging.getLogger(__name__)

Resolver = netpolicy.Resolver
Network = netpolicy.Network
resolve = netpolicy.resolve
networks = netpolicy.networks
REFUSED = "media on a private or local address is not fetched"
SMALL_CACHE = 2000  # avatars and emoji: the same few URLs come again and again
FAILED_FOR = 300.0  # seconds a small image that failed is not tried again


class FetchFailed(BadRequest):
    code = "fetch_failed"


async def rehost(
    url: str,
    client: httpx.AsyncClient,
    media_dir: Path,
    *,
    max_bytes: int,
    max_pixels: int,
    seconds: float = 10.0,
    resolver: Resolver = resolve,
    allow: tuple[Network, ...] = (),
) -> StoredImage:
    """Fetch ``url`` (public http(s) only, at most ``max_bytes`` within ``seconds``) and
    store it like an upload. Raises a :class:`WallError` (4xx) when it cannot be used."""
    data = await fetch(
        url, client, max_bytes=max_bytes, seconds=seconds, resolver=resolver, allow=allow
    )
    return await asyncio.to_thread(store_image, data, media_dir, max_pixels, max_bytes)


async def fetch(
    url: str,
    client: httpx.AsyncClient,
    *,
    max_bytes: int,
    seconds: float = 10.0,
    resolver: Resolver = resolve,
    allow: tuple[Network, ...] = (),
) -> bytes:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchFailed("media must be an http(s) URL")
    try:
        async with asyncio.timeout(seconds):  # the name lookup counts against the limit too
            try:
                addresses = await resolver(parts.hostname)
            except OSError as exc:
                raise FetchFailed("the media server's name does not resolve") from exc
            netpolicy.check(addresses, allow)
            return await _read(url, client, max_bytes)
    except netpolicy.AddressRefused as exc:
        raise FetchFailed(REFUSED) from exc
    except TimeoutError as exc:
        raise FetchFailed(f"the media server did not answer within {seconds:g} s") from exc
    except httpx.HTTPError as exc:
        raise FetchFailed(f"the media could not be fetched: {type(exc).__name__}") from exc


async def _read(url: str, client: httpx.AsyncClient, max_bytes: int) -> bytes:
    # No redirects: a redirect could lead to an address the check above never saw.
    async with client.stream("GET", url, follow_redirects=False) as response:
        if response.status_code != 200:
            raise FetchFailed(f"the media server answered {response.status_code}")
        declared = whole_number(response.headers.get("content-length", ""), max_digits=30)
        if declared is not None and declared > max_bytes:
            raise PayloadTooLarge(f"remote media over {readable(max_bytes)}")
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > max_bytes:
                raise PayloadTooLarge(f"remote media over {readable(max_bytes)}")
            chunks.append(chunk)
        return b"".join(chunks)


def own_media(url: str) -> str | None:
    """``/media/<name>`` when ``url`` names one of wallserver's content-addressed files (on this
    or any host: the name is the content's hash), so it is referenced locally, never fetched."""
    parts = urlsplit(url)
    name = parts.path.removeprefix("/media/")
    if parts.path.startswith("/media/") and NAME.match(name):
        return f"/media/{name}"
    return None


@dataclass
class RemoteMedia:
    """Re-hosts a new post's media, its author's avatar and its custom emoji.

    A media item that cannot be fetched or is refused by the pipeline is kept as text only
    (``url`` empty, ``alt`` kept), so the post is never lost and never hot-links; an avatar or
    emoji that fails is left out. Decoding runs in a thread, one remote file at a time, so
    connectors never crowd out guests' uploads.
    """

    media_dir: Path
    max_bytes: int
    max_pixels: int
    seconds: float = 10.0
    allow: tuple[Network, ...] = ()
    resolver: Resolver = resolve
    video: VideoLimits | None = None  # None: videos are not accepted
    client: httpx.AsyncClient | None = None
    _slots: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(1))
    _small: OrderedDict[str, tuple[str, float]] = field(default_factory=OrderedDict)

    @classmethod
    def from_settings(cls, settings: Settings) -> RemoteMedia:
        return cls(
            media_dir=settings.media_dir,
            max_bytes=settings.media_fetch_max_bytes,
            max_pixels=settings.max_image_pixels,
            seconds=settings.media_fetch_seconds,
            allow=networks(settings.media_fetch_allow_networks),
            video=video.limits(settings),
        )

    def _client(self) -> httpx.AsyncClient:
        if self.client is None:
            self.client = netpolicy.client(
                self.allow,
                timeout=httpx.Timeout(self.seconds),
                headers={"User-Agent": "wallserver"},
            )
        return self.client

    async def aclose(self) -> None:
        client, self.client = self.client, None
        if client is not None:
            await client.aclose()

    async def _fetch(self, url: str, max_bytes: int) -> bytes:
        return await fetch(
            url,
            self._client(),
            max_bytes=max_bytes,
            seconds=self.seconds,
            resolver=self.resolver,
            allow=self.allow,
        )

    async def store(self, url: str) -> StoredImage | StoredVideo:
        """Fetch and store one photo or (when videos are on) video, decided by its bytes; a
        :class:`WallError` says why it cannot be used."""
        largest = max(self.max_bytes, self.video.max_bytes if self.video else 0)
        data = await self._fetch(url, largest)
        async with self._slots:
            if video.container(data) is None:
                return await asyncio.to_thread(
                    store_image, data, self.media_dir, self.max_pixels, self.max_bytes
                )
            if self.video is None:
                raise UnsupportedMedia("videos are not accepted on this server")
            checked = await asyncio.to_thread(video.check, data, self.video)
            return await asyncio.to_thread(video.save, checked, self.media_dir)

    async def store_picture(self, url: str) -> StoredImage:
        """A small picture (avatar, emoji): photos only."""
        data = await self._fetch(url, self.max_bytes)
        async with self._slots:
            return await asyncio.to_thread(
                store_image, data, self.media_dir, self.max_pixels, self.max_bytes
            )

    async def item(self, item: dict[str, Any]) -> dict[str, Any] | None:
        """A post's ``media[]`` entry with a local URL, or kept as text only when it fails
        (a custom emoji that fails is left out: its ``:shortcode:`` stays in the text)."""
        url = str(item.get("url") or "")
        alt = str(item.get("alt") or "")
        local = own_media(url)
        if local is not None:
            return {**item, "url": local}
        if item.get("kind") == "emoji":
            small = await self.small(url)
            return {**item, "url": small} if small else None
        try:
            return (await self.store(url)).media_json(alt)
        except WallError as exc:
            log.warning("media %s not re-hosted: %s", url, exc.message)
            kind = item.get("kind") or "image"
            return {"url": "", "kind": kind, "alt": alt, "width": None, "height": None}

    async def small(self, url: str) -> str:
        """A local URL for an avatar or emoji (its thumbnail), or ``""`` when it fails."""
        if not url:
            return ""
        local = own_media(url)
        if local is not None:
            return local
        loop = asyncio.get_running_loop()
        known = self._small.get(url)
        if known is not None and (known[0] or loop.time() - known[1] < FAILED_FOR):
            self._small.move_to_end(url)
            return known[0]
        try:
            found = f"/media/{(await self.store_picture(url)).thumb_name}"
        except WallError as exc:
            log.info("avatar or emoji %s not re-hosted: %s", url, exc.message)
            found = ""
        self._small[url] = (found, loop.time())
        while len(self._small) > SMALL_CACHE:
            self._small.popitem(last=False)
        return found

    async def items(self, media: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Every ``media[]`` entry re-hosted (fetched concurrently)."""
        done = await asyncio.gather(*(self.item(m) for m in media))
        return [m for m in done if m is not None]

    async def localise(self, post: NewPost) -> NewPost:
        """The post with every remote file re-hosted."""
        media = await self.items(post.media)
        avatar = await self.small(post.author_avatar_url)
        return replace(post, media=media, author_avatar_url=avatar)
