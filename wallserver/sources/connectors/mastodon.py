"""Mastodon: REST backfill of the tag timeline, then the hashtag stream over SSE.

After every reconnect the loop backfills from ``min_id`` again, so what was posted while the
stream was down still arrives; the status ``uri`` keeps the two paths from storing a post twice.
Deletions made meanwhile are found by asking ``GET /api/v1/statuses/:id`` about the recent posts
still on the wall, after every reconnect and every few minutes
(:mod:`wallserver.sources.reconcile`).
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

import httpx

from wallserver.sources import mastodon, reconcile
from wallserver.sources.context import Context
from wallserver.sources.failures import Transient, check
from wallserver.sources.items import Candidate, MalformedPayload
from wallserver.sources.sse import SseDecoder

log = logging.getLogger(__name__)
PAGE = 40
HEARTBEAT_TIMEOUT = 60.0  # Mastodon sends a comment line every 15 s or so


def headers(ctx: Context) -> dict[str, str]:
    token = ctx.config.get("token")
    return {"Authorization": f"Bearer {token}"} if token else {}


def newer(a: str | None, b: str | None) -> str | None:
    """The larger of two Mastodon ids (snowflake-ish integers sent as strings)."""
    if not a or not b:
        return a or b
    return a if (len(a), a) >= (len(b), b) else b


async def probe(ctx: Context) -> None:
    url = f"{ctx.config['instance']}/api/v1/timelines/tag/{quote(ctx.config['tag'])}"
    check(await ctx.http.get(url, params={"limit": 1}, headers=headers(ctx)), "tag timeline")


async def backfill(ctx: Context) -> None:
    """Pages newer than ``min_id`` until none is left; the first run takes the newest page."""
    url = f"{ctx.config['instance']}/api/v1/timelines/tag/{quote(ctx.config['tag'])}"
    while True:
        params: dict[str, Any] = {"limit": PAGE}
        if ctx.cursor.get("min_id"):
            params["min_id"] = ctx.cursor["min_id"]
        response = await ctx.http.get(url, params=params, headers=headers(ctx))
        check(response, "tag timeline")
        try:
            statuses = response.json()
            if not isinstance(statuses, list):
                raise ValueError("not a list")
        except ValueError as exc:
            raise Transient(f"tag timeline: malformed response ({exc})") from exc
        items = parsed(statuses)
        if not statuses:
            return
        uris = dict(ctx.cursor.get("uris") or {})
        mastodon.local_ids(statuses, uris)
        top = ctx.cursor.get("min_id")
        for status in statuses:
            if isinstance(status, dict) and str(status.get("id", "")).isdigit():
                top = newer(top, str(status["id"]))
        await ctx.deliver(reversed(items), {"min_id": top, "uris": uris})
        if "min_id" not in params or top == params["min_id"]:
            return  # first start: the newest page is the backfill; or no id to move past


def parsed(statuses: list[Any]) -> list[Candidate]:
    """The page's statuses as candidates; a broken one is skipped with a log line (``min_id``
    still moves past it), so it cannot stop the backfill of the statuses after it."""
    found = []
    for status in statuses:
        try:
            found.append(mastodon.parse_status(status))
        except MalformedPayload as exc:
            log.warning("tag timeline: skipped a status (%s)", exc)
    return found


async def run(ctx: Context) -> None:
    """Subscribe first, then backfill, then read the stream: nothing falls between the two.

    Only the backfill moves ``min_id``; posts the stream brought are fetched again by the next
    backfill and recognised by their uri, so a reconnect never leaves a gap.
    """
    url = f"{ctx.config['instance']}/api/v1/streaming/hashtag"
    timeout = httpx.Timeout(10.0, read=HEARTBEAT_TIMEOUT)
    params = {"tag": ctx.config["tag"]}
    async with ctx.http.stream(
        "GET", url, params=params, headers=headers(ctx), timeout=timeout
    ) as response:
        check(response, "hashtag stream")
        await backfill(ctx)
        ctx.connected = True
        async with ctx.reconciling(lambda ids: gone(ctx, ids)):
            await follow(ctx, response)
    raise Transient("hashtag stream closed")


async def follow(ctx: Context, response: httpx.Response) -> None:
    decoder = SseDecoder()
    async for line in response.aiter_lines():
        event = decoder.feed(line.rstrip("\r\n"))
        if event is None:
            continue
        uris: dict[str, str] = dict(ctx.cursor.get("uris") or {})
        try:
            item = mastodon.parse_event(event.event, event.data, uris)
        except MalformedPayload as exc:  # the next backfill brings the post, if it is one
            log.info("hashtag stream: skipped a broken %r event (%s)", event.event, exc)
            continue
        if item is not None:
            mastodon.local_ids([], uris)
            await ctx.deliver([item], {"uris": uris})


async def gone(ctx: Context, source_ids: list[str]) -> list[str]:
    """The status uris the instance says are deleted (404/410 for their local id). A uri
    whose local id the connector never saw is not asked about; a 429 ends the pass."""
    asked = reconcile.local_ids(source_ids, dict(ctx.cursor.get("uris") or {}))
    deleted = []
    for uri, local in asked.items():
        url = f"{ctx.config['instance']}/api/v1/statuses/{quote(local, safe='')}"
        try:
            response = await ctx.http.get(url, headers=headers(ctx), timeout=10.0)
        except (httpx.HTTPError, OSError) as exc:
            log.info("status %s: no answer (%s); left as it is", local, type(exc).__name__)
            continue
        if reconcile.mastodon_answer(response.status_code) is reconcile.Answer.DELETED:
            deleted.append(uri)
        elif response.status_code == 429:
            break
    return deleted
