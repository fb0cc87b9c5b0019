"""The bridges' hot path: ``POST /api/events/{slug}/ingest`` beneath the framework's layers.

Measured (docs/performance.md, issue #11), what an ingest cost after group commit was no longer
the post but the request: routing, the exception middleware, dependency solving and request
objects, for every post. This ASGI middleware serves the common case itself: a bearer token of
the ingest or admin role for this event (from the cache), a JSON body that validates, text
within its limits. It then takes the same steps as the route (:func:`new_post`, the pipeline,
:func:`reply`). Anything else (no or unknown token, another event's token, a session cookie, a
body that does not validate, an unknown event) is handed to the FastAPI route unchanged, with
the body replayed, so every refusal keeps its exact status and error shape. The route stays the
documented one (OpenAPI); this only makes its happy path cheap.

It sits inside ``BodyLimit`` and ``SecurityHeaders`` (so its answers carry the same headers and
its bodies the same limit) and inside Starlette's error middleware (a crash is a 500 as before).
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import InterfaceError, OperationalError
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from wallserver.api.ingest import new_post, reply_body
from wallserver.auth.deps import bearer_value
from wallserver.errors import Unavailable, WallError
from wallserver.handlers import HTTP_CODES, error_body
from wallserver.schemas import IngestBody
from wallserver.services import Services

PATH = re.compile(r"^/api/events/([a-z0-9][a-z0-9-]{0,62})/ingest$")
log = logging.getLogger(__name__)
ROLES = frozenset({"admin", "ingest"})


class IngestFastPath:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        match = PATH.match(scope["path"]) if scope["type"] == "http" else None
        if match is None or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        try:
            body = await _read(receive)
        except HTTPException as exc:  # BodyLimit: the body ran over while it was read
            code = HTTP_CODES.get(exc.status_code, "http_error")
            await _respond(send, exc.status_code, error_body(code, str(exc.detail)))
            return
        try:
            handled = await self._serve(scope, match[1], body, send)
        except (OperationalError, InterfaceError) as exc:  # as handlers.py answers the route
            log.warning("database unavailable on POST %s: %s", scope["path"], exc)
            down = Unavailable()
            await _respond(send, down.status, error_body(down.code, down.message), down.headers)
            return
        if not handled:
            await self.app(scope, _replay(body, receive), send)

    async def _serve(self, scope: Scope, slug: str, raw: bytes, send: Send) -> bool:
        """True when answered here; False hands the request to the route."""
        found = getattr(scope["app"].state, "services", None)
        if not isinstance(found, Services):
            return False
        headers = dict(scope["headers"])
        if headers.get(b"content-type", b"").split(b";")[0].strip() != b"application/json":
            return False
        token = bearer_value(headers.get(b"authorization", b"").decode("latin-1"))
        if token is None:
            return False
        principal = await found.store.auth.token_principal(token)
        if principal is None or principal.role not in ROLES:
            return False
        try:
            event = await found.store.events.get(slug)
            if principal.event_id is not None and principal.event_id != event.id:
                return False
            new = new_post(IngestBody.model_validate_json(raw), found.settings)
        except (ValidationError, WallError, ValueError):
            return False
        try:
            outcome = await found.pipeline.ingest(event, new)
        except WallError as exc:
            content = error_body(exc.code, exc.message, **exc.extra)
            await _respond(send, exc.status, content, exc.headers)
            return True
        status, content = reply_body(outcome)
        await _respond(send, status, content)
        return True


async def _read(receive: Receive) -> bytes:
    """The whole body (``BodyLimit`` outside has bounded it already)."""
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed


async def _respond(
    send: Send, status: int, content: dict[str, Any], extra: dict[str, str] | None = None
) -> None:
    payload = json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    data = payload.encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(data)).encode()),
                *((k.lower().encode(), v.encode()) for k, v in (extra or {}).items()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": data})
