"""Instagram Graph API: the hashtag's id once (kept in the cursor), then ``recent_media`` polls."""

from __future__ import annotations

from wallserver.sources import instagram
from wallserver.sources.context import Context, remember
from wallserver.sources.failures import Permanent, Transient, check
from wallserver.sources.items import MalformedPayload

INTERVAL = 120.0


async def hashtag_id(ctx: Context) -> str:
    if ctx.cursor.get("hashtag_id"):
        return str(ctx.cursor["hashtag_id"])
    params = {
        "user_id": ctx.config["user_id"],
        "q": ctx.config["tag"],
        "access_token": ctx.config["access_token"],
    }
    response = await ctx.http.get(f"{ctx.config['api_base']}/ig_hashtag_search", params=params)
    check(response, "ig_hashtag_search")
    try:
        found = instagram.hashtag_id(response.json())
    except (ValueError, MalformedPayload) as exc:
        raise Permanent(f"unknown hashtag #{ctx.config['tag']}") from exc
    ctx.cursor["hashtag_id"] = found
    return found


async def probe(ctx: Context) -> None:
    await hashtag_id(ctx)


async def poll(ctx: Context) -> None:
    tag_id = await hashtag_id(ctx)
    params = {
        "user_id": ctx.config["user_id"],
        "fields": instagram.FIELDS,
        "limit": "50",
        "access_token": ctx.config["access_token"],
    }
    response = await ctx.http.get(f"{ctx.config['api_base']}/{tag_id}/recent_media", params=params)
    check(response, "recent_media")
    ctx.connected = True
    try:
        page = instagram.parse(response.json(), ctx.config["tag"])
    except (ValueError, MalformedPayload) as exc:
        raise Transient(f"recent_media: malformed response ({exc})") from exc
    seen = list(ctx.cursor.get("seen") or [])
    known = set(seen)
    fresh = [c for c in page.candidates if c.post.source_id not in known]
    ids = (c.post.source_id for c in page.candidates)
    await ctx.deliver(fresh, {"hashtag_id": tag_id, "seen": remember(seen, ids)})


async def run(ctx: Context) -> None:
    while True:
        await poll(ctx)
        await ctx.pause(float(ctx.config.get("interval") or INTERVAL))
