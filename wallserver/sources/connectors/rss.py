"""RSS/Atom: poll with conditional GET (``ETag``, ``Last-Modified``); deliver unseen entries."""

from __future__ import annotations

from wallserver.sources import rss
from wallserver.sources.context import Context, remember
from wallserver.sources.failures import Transient, check
from wallserver.sources.items import MalformedPayload

INTERVAL = 60.0


async def probe(ctx: Context) -> None:
    response = await ctx.http.get(ctx.config["url"])
    check(response, "feed")
    try:
        rss.parse(response.content)
    except MalformedPayload as exc:
        raise Transient(str(exc)) from exc


async def poll(ctx: Context) -> None:
    headers = {}
    if ctx.cursor.get("etag"):
        headers["If-None-Match"] = ctx.cursor["etag"]
    if ctx.cursor.get("modified"):
        headers["If-Modified-Since"] = ctx.cursor["modified"]
    response = await ctx.http.get(ctx.config["url"], headers=headers)
    check(response, "feed")
    ctx.connected = True
    if response.status_code == 304:
        return
    try:
        entries = rss.parse(response.content)
    except MalformedPayload as exc:
        raise Transient(str(exc)) from exc
    seen = list(ctx.cursor.get("seen") or [])
    known = set(seen)
    fresh = [c for c in entries if c.post.source_id not in known]
    cursor = {
        "etag": response.headers.get("etag", ""),
        "modified": response.headers.get("last-modified", ""),
        "seen": remember(seen, (c.post.source_id for c in entries)),
    }
    await ctx.deliver(fresh, cursor)


async def run(ctx: Context) -> None:
    while True:
        await poll(ctx)
        await ctx.pause(float(ctx.config.get("interval") or INTERVAL))
