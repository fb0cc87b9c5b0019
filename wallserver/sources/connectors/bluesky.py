"""Bluesky Jetstream over WebSocket, resumed from the stored ``time_us`` cursor.

The cursor is saved whenever a post is stored or retracted, and otherwise at most once per
:data:`SAVE_EVERY` seconds, since Jetstream carries every post of the network. On reconnect the
stream is replayed from a few seconds before the cursor; the post's at:// uri drops repeats.
Deletions are acted on only for posts this source delivered (the newest
:data:`KNOWN`, kept in the cursor), so the network's other deletes cost nothing.
Authors' handles and avatars come from the AppView's ``getProfile``, cached per connection;
when the lookup fails the post still goes through, showing the DID.

With an account configured (``identifier`` and an app password), every run (at start and after
each reconnect) first backfills with ``app.bsky.feed.searchPosts?q=#tag&sort=latest`` through
the account's PDS, paging back to the newest post the previous backfill saw
(``search_since``); the first run takes one page per hashtag. Without a Jetstream cursor the
stream is then opened from the moment the backfill began, so nothing falls between the two.
The session's access token is kept in memory per account, never stored.

Deletions Jetstream cannot replay (made while the connection was down for longer than its
replay, or of posts beyond :data:`KNOWN`) are found with the AppView's ``getPosts``, asked about
the recent posts still on the wall after every reconnect and every few minutes
(:mod:`wallserver.sources.reconcile`).
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

import httpx
import websockets
from websockets.asyncio.client import connect

from wallserver.sources import bluesky, reconcile
from wallserver.sources.context import Context, remember
from wallserver.sources.failures import Transient, check
from wallserver.sources.items import Candidate, Deletion, MalformedPayload, parse_time

log = logging.getLogger(__name__)
REPLAY_US = 5_000_000
PROFILES = 2000
KNOWN = 5000
SAVE_EVERY = 5.0
SEARCH_PAGE = 100
SEARCH_PAGES = 10  # per hashtag and run: at most 1000 posts of backfill
DEFAULT_PDS = "https://bsky.social"
_sessions: dict[tuple[str, str], str] = {}  # (pds, identifier) -> accessJwt, this process only


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
    if ctx.config.get("identifier"):
        await session(ctx, fresh=True)


def pds(ctx: Context) -> str:
    return str(ctx.config.get("pds") or DEFAULT_PDS)


async def session(ctx: Context, fresh: bool = False) -> str:
    """An access token for the configured account (``createSession`` once per process)."""
    key = (pds(ctx), str(ctx.config["identifier"]))
    if fresh or key not in _sessions:
        response = await ctx.http.post(
            f"{key[0]}/xrpc/com.atproto.server.createSession",
            json={"identifier": key[1], "password": ctx.config["app_password"]},
        )
        check(response, "createSession")
        try:
            _sessions[key] = str(response.json()["accessJwt"])
        except (ValueError, KeyError, TypeError) as exc:
            raise Transient("createSession: malformed response") from exc
    return _sessions[key]


async def backfill(ctx: Context, kept: list[str]) -> list[str]:
    """Posts the stream can no longer replay, from searchPosts; returns the delivered ids."""
    token = await session(ctx)
    since = parse_time(ctx.cursor.get("search_since"))
    newest = since
    for tag in dict.fromkeys(t.lstrip("#").casefold() for t in ctx.event.hashtags):
        params: dict[str, Any] = {"q": f"#{tag}", "sort": "latest", "limit": SEARCH_PAGE}
        for _ in range(SEARCH_PAGES):
            response = await ctx.http.get(
                f"{pds(ctx)}/xrpc/app.bsky.feed.searchPosts",
                params=params,
                headers={"Authorization": f"Bearer {token}"},
            )
            if response.status_code in (400, 401) and "Token" in response.text:
                _sessions.pop((pds(ctx), str(ctx.config["identifier"])), None)
                raise Transient("searchPosts: the session expired; logging in again")
            check(response, "searchPosts")
            try:
                page = bluesky.search_page(response.json())
            except (ValueError, MalformedPayload) as exc:
                raise Transient(f"searchPosts: malformed response ({exc})") from exc
            stamps = [parse_time(at) for at in page.indexed]
            fresh = [
                c
                for c, at in zip(page.candidates, stamps, strict=True)
                if since is None or at is None or at > since
            ]
            for at in stamps:
                if at is not None and (newest is None or at > newest):
                    newest = at
            kept = remember(kept, [c.post.source_id for c in reversed(fresh)], KNOWN)
            await ctx.deliver(reversed(fresh), {"known": kept}, filter_tags=True)
            if since is None or len(fresh) < len(page.candidates) or not page.cursor:
                break
            params["cursor"] = page.cursor
    if newest is not None:
        await ctx.deliver([], {"search_since": newest.isoformat()})
    return kept


def appview(ctx: Context) -> str:
    return str(ctx.config.get("appview") or "https://public.api.bsky.app")


async def gone(ctx: Context, source_ids: list[str]) -> list[str]:
    """The at:// uris the AppView's ``getPosts`` leaves out of its answer: deleted. A batch
    that gets an error or a malformed answer says nothing; a 429 ends the pass."""
    deleted = []
    for batch in reconcile.batches([u for u in source_ids if u.startswith("at://")]):
        try:
            response = await ctx.http.get(
                f"{appview(ctx)}/xrpc/app.bsky.feed.getPosts",
                params=[("uris", uri) for uri in batch],
                timeout=10.0,
            )
        except (httpx.HTTPError, OSError) as exc:
            log.info("getPosts: no answer (%s); left as they are", type(exc).__name__)
            continue
        if response.status_code == 429:
            break
        if response.status_code != 200:
            log.info("getPosts: HTTP %s; left as they are", response.status_code)
            continue
        try:
            deleted += reconcile.missing_posts(batch, response.json())
        except (ValueError, MalformedPayload) as exc:
            log.info("getPosts: %s; left as they are", exc)
    return deleted


async def author(ctx: Context, cache: dict[str, dict[str, str]], did: str) -> dict[str, str]:
    if did not in cache:
        url = f"{appview(ctx)}/xrpc/"
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
    start = ctx.cursor.get("time_us")
    if ctx.config.get("identifier"):
        start = start or int(time.time() * 1_000_000)  # the stream resumes where this began
        kept = await backfill(ctx, kept)
    known = set(kept)
    try:
        async with connect(url(ctx, start), open_timeout=10) as ws:
            ctx.connected = True
            async with ctx.reconciling(lambda ids: gone(ctx, ids)):
                async for frame in ws:
                    try:
                        event = bluesky.parse(frame)
                    except MalformedPayload as exc:
                        log.info("jetstream: skipped a message (%s)", exc)
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
