"""Who is calling, as FastAPI dependencies: ``ModeratorDep``, ``AdminDep``, ``IngestDep``.

API clients send ``Authorization: Bearer <token>``. Browser pages carry the session cookie, and
every unsafe request made with the cookie must also send the session's CSRF token in the
``X-CSRF-Token`` header (the pages read it from a ``<meta>`` tag).
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from starlette.requests import HTTPConnection

from wallserver.errors import CsrfFailed, Forbidden, Unauthorized
from wallserver.services import services
from wallserver.store import EventInfo, Principal

SESSION_COOKIE = "wall_session"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def bearer(conn: HTTPConnection) -> str | None:
    header = conn.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


async def identify(conn: HTTPConnection, query_token: str | None = None) -> Principal | None:
    """The caller, from a bearer token, a ``?token=`` (sockets only) or the session cookie."""
    store = services(conn).store
    token = bearer(conn) or query_token
    if token:
        principal = await store.auth.token_principal(token)
        if principal is None:
            raise Unauthorized("unknown or revoked token")
        return principal
    cookie = conn.cookies.get(SESSION_COOKIE)
    if cookie:
        return await store.auth.session_principal(cookie)
    return None


def check_csrf(request: Request, principal: Principal) -> None:
    if principal.kind != "user" or request.method in SAFE_METHODS:
        return
    sent = request.headers.get(CSRF_HEADER, "")
    if not principal.csrf_token or not hmac.compare_digest(sent, principal.csrf_token):
        raise CsrfFailed("missing or wrong X-CSRF-Token header")


def require(*roles: str) -> Callable[[Request], Awaitable[Principal]]:
    async def dependency(request: Request) -> Principal:
        principal = await identify(request)
        if principal is None:
            raise Unauthorized("log in or send a bearer token")
        if principal.role not in roles:
            raise Forbidden(f"this needs the role {' or '.join(roles)}")
        check_csrf(request, principal)
        return principal

    dependency.__name__ = f"require_{'_'.join(roles)}"
    return dependency


def ensure_event_scope(principal: Principal, event: EventInfo) -> None:
    """Tokens made for one event work only there."""
    if principal.event_id is not None and principal.event_id != event.id:
        raise Forbidden("this token belongs to another event")


AdminDep = Annotated[Principal, Depends(require("admin"))]
ModeratorDep = Annotated[Principal, Depends(require("admin", "moderator"))]
IngestDep = Annotated[Principal, Depends(require("admin", "ingest"))]
