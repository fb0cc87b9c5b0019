"""X recent search, polled with ``since_id``; rate-limit headers are honoured before each poll."""

from __future__ import annotations

import time
from typing import Any

from wallserver.sources import x
from wallserver.sources.context import Context
from wallserver.sources.failures import Transient, check
from wallserver.sources.items import MalformedPayload

INTERVAL = 60.0


def request(ctx: Context) -> tuple[str, dict[str, str]]:
    headers = {"Authorization": f"Bearer {ctx.config['bearer_token']}"}
    return f"{ctx.config['api_base']}/2/tweets/search/recent", headers


async def probe(ctx: Context) -> None:
    url, headers = request(ctx)
    query = {"query": f"#{ctx.config['tag']}", "max_results": "10"}
    check(await ctx.http.get(url, params=query, headers=headers), "recent search")


async def poll(ctx: Context) -> float:
    """One search (all its pages); returns how long to wait before the next."""
    url, headers = request(ctx)
    params: dict[str, Any] = {"query": f"#{ctx.config['tag']} -is:retweet", **x.FIELDS}
    if ctx.cursor.get("since_id"):
        params["since_id"] = ctx.cursor["since_id"]
    newest: str | None = None
    found = []
    wait = float(ctx.config.get("interval") or INTERVAL)
    while True:
        response = await ctx.http.get(url, params=params, headers=headers)
        check(response, "recent search")
        ctx.connected = True
        try:
            page = x.parse(response.json())
        except (ValueError, MalformedPayload) as exc:
            raise Transient(f"recent search: malformed response ({exc})") from exc
        found.extend(page.candidates)
        newest = newest or page.newest_id
        if response.headers.get("x-rate-limit-remaining") == "0":
            reset = float(response.headers.get("x-rate-limit-reset") or 0)
            wait = max(wait, reset - time.time())
        if not page.next_token or wait > float(ctx.config.get("interval") or INTERVAL):
            break
        params["next_token"] = page.next_token
    found.sort(key=lambda c: int(c.post.source_id))
    cursor = {"since_id": newest} if newest else {}
    await ctx.deliver(found, cursor)
    return wait


async def run(ctx: Context) -> None:
    while True:
        await ctx.pause(await poll(ctx))
