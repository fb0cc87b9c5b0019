"""WebSockets: the wall stream (public, resumable) and the moderation feed (moderators only).

Close codes are listed in ``docs/protocol.md``.

A wall socket is held open by every guest's phone for the whole event, so what it keeps alive
is paid thousands of times (docs/performance.md, "Issue #12"). :class:`WallSockets`, the
outermost ASGI middleware, serves it beneath the framework's routing, exception middleware and
dependency solving (their frames, exit stacks and scope copies stay alive as long as the
socket), and hands the hub the socket to write to directly (:mod:`wallserver.stream.direct`).
The route stays the documented one and serves anything the middleware does not take.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import re
from collections.abc import Awaitable

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocketState

from wallserver import protocol
from wallserver.auth.deps import identify
from wallserver.auth.watch import Revoked, guarded
from wallserver.digits import whole_number
from wallserver.errors import NotFound, Unauthorized
from wallserver.metrics import Viewer
from wallserver.screens.presence import Listener
from wallserver.services import Services, services
from wallserver.settings import Settings
from wallserver.store import EventInfo, Principal
from wallserver.stream.client import TooSlow, WallClient
from wallserver.stream.direct import DirectSocket
from wallserver.stream.hub import Hub
from wallserver.stream.protocol import IMPORT_PATH

log = logging.getLogger(__name__)
router = APIRouter()

CLOSE_UNAUTHORIZED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404
CLOSE_BAD_REQUEST = 4400
CLOSE_TOO_SLOW = 4008
CLOSE_SECONDS = 5.0
WALL_PATH = re.compile(r"^/ws/events/([a-z0-9][a-z0-9-]{0,62})/wall$")


def origin_allowed(ws: WebSocket, settings: Settings) -> bool:
    """Browsers send ``Origin``; it must be this site or one the operator allowed."""
    origin = ws.headers.get("origin")
    if origin is None:
        return True  # not a browser (screens' own clients, bridges, tests)
    host = ws.headers.get("host", "")
    if origin in (f"http://{host}", f"https://{host}"):
        return True
    return origin in settings.allowed_origins


async def refuse(ws: WebSocket, code: int, reason: str) -> None:
    await ws.accept()
    await ws.close(code, reason)


async def _admit(
    ws: WebSocket, slug: str, roles: tuple[str, ...] | None
) -> tuple[EventInfo, Principal | None] | None:
    """Origin, event and caller checks shared by both sockets; ``None`` when refused."""
    parts = services(ws)
    settings, store = parts.settings, parts.store
    if not origin_allowed(ws, settings):
        await refuse(ws, CLOSE_FORBIDDEN, "origin not allowed")
        return None
    try:
        event = await store.events.get(slug)
    except NotFound:
        await refuse(ws, CLOSE_NOT_FOUND, "no such event")
        return None
    try:
        principal = await identify(ws, ws.query_params.get("token"))
    except Unauthorized:
        await refuse(ws, CLOSE_UNAUTHORIZED, "unknown token")
        return None
    if roles is not None:
        if principal is None:
            await refuse(ws, CLOSE_UNAUTHORIZED, "log in first")
            return None
        if principal.role not in roles or principal.event_id not in (None, event.id):
            await refuse(ws, CLOSE_FORBIDDEN, "not allowed")
            return None
    elif principal is not None and principal.event_id not in (None, event.id):
        await refuse(ws, CLOSE_FORBIDDEN, "token belongs to another event")
        return None
    return event, principal


@router.websocket("/ws/events/{slug}/wall")
async def wall_socket(ws: WebSocket, slug: str) -> None:
    """Hello, then every wall event after ``since`` in seq order, then live events."""
    await serve_wall(ws, slug, None)


async def serve_wall(ws: WebSocket, slug: str, socket: DirectSocket | None) -> None:
    """The wall socket; ``socket`` is where the hub may write live events directly.

    What stays alive while a viewer idles is kept small on purpose (docs/performance.md):
    the catch-up task ends once the client is live, and a heartbeat listener is made only
    for a connection that sends one.
    """
    admitted = await _admit(ws, slug, None)
    if admitted is None:
        return
    event, principal = admitted
    since = whole_number(ws.query_params.get("since", "0"))
    if since is None:
        await refuse(ws, CLOSE_BAD_REQUEST, "since must be a whole number")
        return
    parts = services(ws)
    hub = parts.hub
    await ws.accept()
    viewing = parts.metrics.viewers.watch(event.slug)
    async with viewing as viewer, hub.attach(event.id, since) as (client, start):
        reset = since > start
        if reset:  # the client saw a wall log this server does not have: start over
            since = client.sent = 0
        client.use_socket(socket, parts.settings.ws_send_buffer_bytes)
        client.on_overflow = functools.partial(_too_slow, hub, ws, socket)
        await ws.send_text(protocol.encode(protocol.wall_hello(start, reset)))
        catching_up: list[asyncio.Future[None]] = []  # a list: an empty set is 216 bytes
        _start_catch_up(catching_up, ws, hub, client, event.id, since, start)
        try:
            reading = _read_wall(ws, parts, event.id, principal is not None, viewer)
            if principal is None:  # the public view: nothing to revoke, no frame to keep
                await reading
            else:
                with contextlib.suppress(Revoked):  # closed with 4401 already
                    await guarded(ws, principal, reading)
        finally:
            for task in list(catching_up):
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)


def _start_catch_up(
    catching_up: list[asyncio.Future[None]],
    ws: WebSocket,
    hub: Hub,
    client: WallClient,
    event_id: int,
    since: int,
    start: int,
) -> None:
    """Start the catch-up in ``catching_up``, which forgets it once it is done (no reference
    to it stays in the socket's frame)."""
    task = asyncio.ensure_future(_catch_up(ws, hub, client, event_id, since, start))
    catching_up.append(task)
    task.add_done_callback(functools.partial(_caught_up, catching_up, ws, hub))


async def _catch_up(
    ws: WebSocket, hub: Hub, client: WallClient, event_id: int, since: int, start: int
) -> None:
    """The replay, then what queued meanwhile, until the hub can write live events straight
    to the socket (never, on a server where it cannot: then this runs on)."""
    page = services(ws).settings.ws_replay_page
    async for message in hub.replay(event_id, since, start, page):
        await ws.send_text(message.text)
    client.sent = max(client.sent, start)
    while not client.go_live():
        seq, text = await client.next()
        await ws.send_text(text)
        client.sent = seq


async def _read_wall(
    ws: WebSocket, parts: Services, event_id: int, trusted: bool, viewer: Viewer
) -> None:
    """Hand heartbeats to a listener, made at the first text frame (most viewers send none);
    the viewer is counted under its screen once a heartbeat named one (``wall_viewers``)."""
    beats: Listener | None = None
    while True:
        message = await ws.receive()
        if message["type"] == "websocket.disconnect":
            return
        text = message.get("text")
        if isinstance(text, str):
            if beats is None:
                beats = _listener(parts, event_id, trusted)
            await beats.receive(text)
            viewer.screen = beats.screen


def _listener(parts: Services, event_id: int, trusted: bool) -> Listener:
    store = parts.store

    async def screen_exists(name: str) -> bool:
        return await store.screens.find(event_id, name) is not None

    return Listener(parts.presence, screen_exists, event_id, trusted)


def _too_slow(hub: Hub, ws: WebSocket, socket: DirectSocket | None) -> None:
    hub.chore(_close_too_slow(ws, socket), "wall-close-4008")


class WallSockets:
    """ASGI middleware: wall sockets served without the framework's layers (module docstring)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._told = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        slug = _wall_slug(scope)
        if slug is None:
            await self.app(scope, receive, send)
            return
        socket = DirectSocket.of(send)
        if socket is None and not self._told:
            self._told = _tell_about_protocol(send)
        await serve_wall(WebSocket(scope, receive, send), slug, socket)


def _wall_slug(scope: Scope) -> str | None:
    """The event's slug when ``scope`` is a wall socket (the match itself is not kept: every
    idle viewer's frame would hold one)."""
    if scope["type"] != "websocket":
        return None
    found = WALL_PATH.match(scope["path"])
    return None if found is None else found.group(1)


def _tell_about_protocol(send: Send) -> bool:
    """Say once that uvicorn runs with its own WebSocket protocol, which the hub cannot write
    to directly (``uvicorn --ws`` not given); True once said."""
    server = type(getattr(send, "__self__", None)).__module__
    if not server.startswith("uvicorn."):
        return False
    log.warning(
        "wall sockets are sent to through ASGI, one await per viewer and event: start uvicorn "
        "with --ws %s for direct writes and less memory per viewer (docs/deploy.md)",
        IMPORT_PATH,
    )
    return True


def _caught_up(
    catching_up: list[asyncio.Future[None]], ws: WebSocket, hub: Hub, task: asyncio.Future[None]
) -> None:
    """Forget the finished catch-up (it would stay alive with the socket); one that failed
    (not: went live, was cancelled, met a closed socket or a slow client, which is closed with
    4008 already) is logged and its socket closed."""
    if task in catching_up:
        catching_up.remove(task)
    if task.cancelled():
        return
    exc = task.exception()
    if exc is None or isinstance(exc, TooSlow | WebSocketDisconnect | RuntimeError | OSError):
        return
    log.error("wall socket sender failed", exc_info=exc)
    hub.chore(_close(ws, 1011, "server error"), "wall-close-error")


async def _close_too_slow(ws: WebSocket, socket: DirectSocket | None) -> None:
    """Close a client that fell too far behind with 4008; one that does not even take the close
    frame within a few seconds is cut off (a dead peer)."""
    if not await _close(ws, CLOSE_TOO_SLOW, "too far behind: reconnect with since=<last seq>"):
        if socket is not None:
            socket.abort()


async def _close(ws: WebSocket, code: int, reason: str) -> bool:
    """Close ``ws`` with ``code`` unless it is closed already; False when that did not finish."""
    if ws.client_state is not WebSocketState.CONNECTED:
        return True
    if ws.application_state is not WebSocketState.CONNECTED:
        return True
    try:
        async with asyncio.timeout(CLOSE_SECONDS):
            await ws.close(code, reason)
    except TimeoutError:
        return False
    except (RuntimeError, OSError, WebSocketDisconnect):
        pass
    return True


@router.websocket("/ws/events/{slug}/moderation")
async def moderation_socket(ws: WebSocket, slug: str) -> None:
    """Queue changes for the moderator console (authenticated: session cookie or token)."""
    admitted = await _admit(ws, slug, ("admin", "moderator"))
    if admitted is None:
        return
    event, principal = admitted
    feed = services(ws).feed
    await ws.accept()
    async with feed.attach(event.id) as subscriber:
        await ws.send_text(protocol.encode(protocol.feed_hello()))

        async def send_all() -> None:
            while True:
                await ws.send_text(await subscriber.outbox.get())

        await _serve(ws, guarded(ws, principal, send_all()), subscriber.overflowed)


async def _serve(
    ws: WebSocket,
    sender: Awaitable[None],
    overflowed: asyncio.Event,
) -> None:
    """Run the moderation feed's sender beside a reader until the console leaves, errs or
    falls too far behind."""
    send_task = asyncio.ensure_future(sender)
    read_task = asyncio.ensure_future(_read(ws))
    slow_task = asyncio.ensure_future(overflowed.wait())
    try:
        done, _ = await asyncio.wait(
            {send_task, read_task, slow_task}, return_when=asyncio.FIRST_COMPLETED
        )
    finally:
        for task in (send_task, read_task, slow_task):
            task.cancel()
        await asyncio.gather(send_task, read_task, slow_task, return_exceptions=True)
    too_slow = slow_task in done or (
        send_task in done and isinstance(send_task.exception(), TooSlow)
    )
    if send_task in done and not too_slow and send_task.exception() is not None:
        exc = send_task.exception()
        if not isinstance(exc, WebSocketDisconnect | RuntimeError | OSError):
            log.error("moderation socket sender failed", exc_info=exc)
    if ws.client_state is WebSocketState.CONNECTED:
        with contextlib.suppress(RuntimeError, OSError, WebSocketDisconnect):
            async with asyncio.timeout(5):
                if too_slow:
                    await ws.close(
                        CLOSE_TOO_SLOW, "too far behind: reconnect with since=<last seq>"
                    )
                else:
                    await ws.close()


async def _read(ws: WebSocket) -> None:
    """Drop whatever a console sends; return when it leaves."""
    while (await ws.receive())["type"] != "websocket.disconnect":
        pass
