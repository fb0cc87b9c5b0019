"""ASGI middleware: request ids, request body limits and security headers (CSP) on every
response."""

from __future__ import annotations

import itertools
import json
import re
import secrets
from typing import Any

from fastapi import FastAPI
from starlette.exceptions import HTTPException
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from wallserver.digits import whole_number
from wallserver.logs import REQUEST_ID
from wallserver.sizes import readable

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob: https:; "
    "media-src 'self' blob: https:; connect-src 'self'; font-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]


def upload_routes(app: FastAPI) -> set[tuple[str, str]]:
    """(method, path) of the routes that take files: their request body is ``multipart/form-data``
    in the OpenAPI description, which FastAPI writes for every route with a ``File()``."""
    found = set()
    for path, operations in app.openapi().get("paths", {}).items():
        for method, operation in operations.items():
            if "multipart/form-data" in operation.get("requestBody", {}).get("content", {}):
                found.add((method.upper(), path))
    return found


class BodyLimit:
    """Refuse bodies over the limit with 413, by Content-Length or while streaming.

    The upload limit (megabytes) holds for multipart bodies sent to a route that takes files;
    any other body, whatever its content type says, gets the JSON limit (kilobytes), so a
    multipart header cannot make a route without uploads read megabytes before it checks who
    is calling.
    """

    def __init__(self, app: ASGIApp, json_limit: int, upload_limit: int) -> None:
        self.app = app
        self.json_limit = json_limit
        self.upload_limit = upload_limit
        self._uploads: list[tuple[str, re.Pattern[str]]] | None = None

    def _takes_uploads(self, scope: Scope) -> bool:
        if self._uploads is None:  # the routes are all there by the first request
            routes = upload_routes(scope["app"])
            self._uploads = [(method, compile_path(path)[0]) for method, path in routes]
        return any(
            scope["method"] == method and pattern.match(scope["path"])
            for method, pattern in self._uploads
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        multipart = headers.get(b"content-type", b"").startswith(b"multipart/")
        uploading = multipart and self._takes_uploads(scope)
        limit = self.upload_limit + 64 * 1024 if uploading else self.json_limit
        declared = whole_number(headers.get(b"content-length", b""), max_digits=30)
        if declared is not None and declared > limit:
            await _too_large(send, limit)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    # An HTTPException, because FastAPI turns anything else raised while it
                    # reads the body into a 400.
                    raise HTTPException(413, f"request body over {readable(limit)}")
            return message

        await self.app(scope, limited, send)


async def _too_large(send: Send, limit: int) -> None:
    body = json.dumps(
        {"error": {"code": "payload_too_large", "message": f"request body over {readable(limit)}"}}
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *SECURITY_HEADERS,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra: list[Any] = [h for h in SECURITY_HEADERS if h[0] not in present]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, with_headers)


# What a proxy's id may look like (nginx's $request_id, a UUID, a trace id): short, and nothing a
# log line or a header could be bent by. Anything else is replaced by an id of our own.
SAFE_REQUEST_ID = re.compile(rb"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")


# New ids: this process's random prefix and a counter, 16 hex digits. Unique across instances
# and restarts without a random draw per request (``secrets.token_hex`` is a system call: 8 % of
# the event loop's time under a stream of posts, docs/performance.md). An id names a request in
# the logs; it grants nothing, so that it can be guessed does not matter.
_PREFIX = secrets.token_hex(4)
_SERIAL = itertools.count(secrets.randbelow(2**16))


def request_id(scope: Scope) -> str:
    """The caller's ``X-Request-ID`` when it is safe to repeat, else a new one."""
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            if SAFE_REQUEST_ID.fullmatch(value):
                return value.decode()
            break
    return f"{_PREFIX}{next(_SERIAL) & 0xFFFFFFFF:08x}"


class RequestId:
    """Every request and socket gets an id, kept in :data:`wallserver.logs.REQUEST_ID` while it
    is served (JSON log lines carry it, uvicorn's access line too) and sent back in the
    ``X-Request-ID`` response header."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        value = request_id(scope)
        header = (b"x-request-id", value.encode())

        async def with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), header]
            await send(message)

        token = REQUEST_ID.set(value)
        try:
            await self.app(scope, receive, with_id)
        finally:
            REQUEST_ID.reset(token)
