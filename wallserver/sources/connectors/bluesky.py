"""Bluesky Jetstream over WebSocket, resumed from the stored ``time_us`` cursor.

The cursor is saved whenever a post is stored or retracted, and otherwise at most once per
:data:`SAVE_EVERY` seconds, since Jetstream carries every post of the network. On reconnect the
stream is replayed from a few seconds before the cursor; the post's at:// uri drops repeats.
Deletions are acted on only for posts this source delivered (the newest
:data:`KNOWN`, kept in the cursor), so the network's other deletes cost nothing.
Authors' handles and avatars come from the AppView's ``getProfile``, cached per connection;
when the lookup fails the post still goes through, showing the DID.
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from urllib.parse import urlencode

import httpx
import websockets
from websockets.asyncio.client import connect

from wallserver.sources import bluesky
from wallserver.sources.context import Context, remember
from wallserver.sources.failures import Transient
from wallserver.sources.items import Candidate, Deletion, MalformedPayload

log = logging.getLogger(__name__)
REPLAY_US = 5_000_000
PROFILES = 2000
KNOWN = 5000
SAVE_EVERY = 5.0


def url(ctx: Context, cursor: int | None) -> str:
    params = {"wantedCollections": bluesky.COLLECTION}
    if cursor:
        params["cursor"] = str(max(0, cursor - REPLAY_US))
    return f"{ctx.config['jetstream']}/subscribe?{urlencode(params)}"


async def probe(ctx: Context) -> None:
    try:
        async with connect(url(ctx, None), open_timeout=10):
            pass
    except (OSError, websockets.WebSocketException, TimeoutError) as exc:
        raise Transient(f"jetstream: {exc}") from exc


async def author(ctx: Context, cache: dict[str, dict[str, str]], did: str) -> dict[str, str]:
    if did not in cache:
        url = f"{ctx.config.get('appview') or 'https://public.api.bsky.app'}/xrpc/"
        try:
            response = await ctx.http.get(f"{url}app.bsky.actor.getProfile", params={"actor": did})
            response.raise_for_status()
            cache[did] = bluesky.profile(response.json())
        except (httpx.HTTPError, ValueError, MalformedPayload):
            log.info("no profile for %s", did, exc_info=True)
            return {}  # not cached: the next post by this author tries again
        while len(cache) > PROFILES:
            cache.pop(next(iter(cache)))
    return cache[did]


async def run(ctx: Context) -> None:
    saved = time.monotonic()
    profiles: dict[str, dict[str, str]] = {}
    # Jetstream deletes are for the whole network; only ours are looked up (and retracted).
    kept: list[str] = list(ctx.cursor.get("known") or [])
    known = set(kept)
    try:
        async with connect(url(ctx, ctx.cursor.get("time_us")), open_timeout=10) as ws:
            ctx.connected = True
            async for frame in ws:
                try:
                    event = bluesky.parse(frame)
                except MalformedPayload:
                    continue
                item = event.item
                wanted = isinstance(item, Candidate) and item.matches(ctx.event.hashtags)
                if isinstance(item, Candidate) and wanted:
                    found = await author(ctx, profiles, item.post.author_handle)
                    if found:
                        post = replace(
                            item.post,
                            author_name=found["author_name"],
                            author_handle=found["author_handle"],
                            author_avatar_url=found["author_avatar_url"],
                        )
                        item = Candidate(post, item.tags)
                ours = isinstance(item, Deletion) and item.source_id in known
                if wanted or ours:
                    assert item is not None
                    if isinstance(item, Candidate):
                        kept = remember(kept, [item.post.source_id], KNOWN)
                        known = set(kept)
                    cursor = {"time_us": event.time_us, "known": kept}
                    await ctx.deliver([item], cursor, filter_tags=True)
                    saved = time.monotonic()
                elif time.monotonic() - saved > SAVE_EVERY:
                    await ctx.deliver([], {"time_us": event.time_us})
                    saved = time.monotonic()
                else:
                    ctx.cursor["time_us"] = event.time_us
    except websockets.ConnectionClosed as exc:
        raise Transient(f"jetstream closed: {exc}") from exc
    except websockets.InvalidStatus as exc:
        status = exc.response.status_code
        raise Transient(f"jetstream refused: HTTP {status}") from exc
    raise Transient("jetstream closed")
