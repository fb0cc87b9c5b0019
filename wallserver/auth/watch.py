"""Sockets whose caller's credentials go away are closed: a revoked or expired token, a deleted
user, a new password, a logout. HTTP checks the caller on every request; a socket was checked
once, when it opened, and would otherwise keep streaming (a deleted moderator's console, a
leaked display token) until it closed on its own.

The socket's sender runs beside a watch on the cache: whenever tokens or sessions change (on
this instance or, over the broker, on another), the caller is identified again (and once a minute,
for a token or session that reached its expiry), and a caller who no longer passes gets close
code 4401, the same as a socket refused at the door.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable
from typing import Any

from starlette.websockets import WebSocket

from wallserver.auth.deps import identify
from wallserver.errors import Unauthorized
from wallserver.services import services
from wallserver.store import Principal

CLOSE_UNAUTHORIZED = 4401
KINDS = ("tokens", "sessions")
# An expiry announces nothing: a socket's caller is also checked this often, so a token or
# session that runs out closes its sockets within this time.
RECHECK_SECONDS = 60.0


class Revoked(RuntimeError):
    """The caller's credentials ended; the socket is closed already."""


async def still_valid(ws: WebSocket, principal: Principal) -> bool:
    try:
        now = await identify(ws, ws.query_params.get("token"))
    except Unauthorized:
        return False
    return now is not None and (now.kind, now.id) == (principal.kind, principal.id)


async def guarded(ws: WebSocket, principal: Principal | None, sender: Awaitable[None]) -> None:
    """Run ``sender`` until it ends, or until ``principal``'s token or session no longer
    identifies the caller: then close the socket with 4401 and raise :class:`Revoked`."""
    if principal is None:  # an anonymous /live page: nothing to take away
        await sender
        return
    cache = services(ws).store.cache
    send: asyncio.Future[Any] = asyncio.ensure_future(sender)
    try:
        while True:
            change: asyncio.Future[Any] = cache.next_change()
            done, _ = await asyncio.wait(
                {send, change}, timeout=RECHECK_SECONDS, return_when=asyncio.FIRST_COMPLETED
            )
            if send in done:
                change.cancel()
                return send.result()
            if change in done:
                recheck = change.result() in KINDS
            else:  # nothing changed, but a token or session may have reached its expiry
                change.cancel()
                recheck = True
            if recheck and not await still_valid(ws, principal):
                with contextlib.suppress(RuntimeError, OSError):
                    await ws.close(CLOSE_UNAUTHORIZED, "credentials revoked")
                raise Revoked("credentials revoked")
    finally:
        send.cancel()
        with contextlib.suppress(BaseException):
            await send
