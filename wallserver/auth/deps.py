"""Who is calling, and where they may act, as FastAPI dependencies.

``AdminDep``, ``ModeratorDep`` and ``IngestDep`` check the caller's role. A route about one event
takes ``AdminEvent``, ``ModeratedEvent`` or ``IngestEvent`` instead (a :class:`ScopedEvent`: the
event named by ``{slug}``, with the caller), a route about one post ``ModeratedPost`` (a
:class:`ScopedPost`: the post named by ``{post_id}``, 404 when missing, with its event), and one
about a source ``AdminSource``: those check the role and that a token made for one event is used
only there (403), so a route cannot forget the second check. The caller is checked before the
path is looked up: a stranger learns nothing about which events, posts or sources exist.

API clients send ``Authorization: Bearer <token>``. Browser pages carry the session cookie, and
every unsafe request made with the cookie must also send the session's CSRF token in the
``X-CSRF-Token`` header (the pages read it from a ``<meta>`` tag).
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from starlette.requests import HTTPConnection

from wallserver.api.deps import RowId
from wallserver.errors import CsrfFailed, Forbidden, Unauthorized
from wallserver.services import services
from wallserver.store import EventInfo, PostRecord, Principal
from wallserver.store.sources import SourceInfo

SESSION_COOKIE = "wall_session"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Each dependency made by ``require`` and the roles it admits, for the API reference (/docs).
_ROLES: dict[Callable[..., object], tuple[str, ...]] = {}


def bearer(conn: HTTPConnection) -> str | None:
    return bearer_value(conn.headers.get("authorization", ""))


def bearer_value(header: str) -> str | None:
    """The token of an ``Authorization: Bearer …`` header value, if it is one."""
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
            raise Unauthorized("unknown, expired or revoked token")
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
    _ROLES[dependency] = roles
    return dependency


def required_roles(call: Callable[..., object]) -> tuple[str, ...] | None:
    """The roles ``call`` admits when :func:`require` made it, else ``None``."""
    return _ROLES.get(call)


AdminDep = Annotated[Principal, Depends(require("admin"))]
ModeratorDep = Annotated[Principal, Depends(require("admin", "moderator"))]
IngestDep = Annotated[Principal, Depends(require("admin", "ingest"))]


@dataclass(frozen=True, slots=True)
class ScopedEvent:
    """The event named in the path, and a caller whose role and scope allow it there."""

    event: EventInfo
    principal: Principal


@dataclass(frozen=True, slots=True)
class ScopedPost:
    """The post named in the path, its event, and a caller whose role and scope allow it."""

    post: PostRecord
    event: EventInfo
    principal: Principal


@dataclass(frozen=True, slots=True)
class ScopedSource:
    """The source named in the path, and a caller whose role and scope allow it."""

    source: SourceInfo
    principal: Principal


def _ensure_scope(principal: Principal, event_id: int) -> None:
    """Tokens made for one event work only there."""
    if principal.event_id is not None and principal.event_id != event_id:
        raise Forbidden("this token belongs to another event")


async def _scoped_event(conn: HTTPConnection, slug: str, principal: Principal) -> ScopedEvent:
    event = await services(conn).store.events.get(slug)
    _ensure_scope(principal, event.id)
    return ScopedEvent(event, principal)


# One function per role set rather than a factory: FastAPI reads the ``Principal`` dependency from
# each one's annotations, which must name module-level aliases to be resolved.
async def admin_event(request: Request, slug: str, principal: AdminDep) -> ScopedEvent:
    return await _scoped_event(request, slug, principal)


async def moderated_event(request: Request, slug: str, principal: ModeratorDep) -> ScopedEvent:
    return await _scoped_event(request, slug, principal)


async def ingest_event(request: Request, slug: str, principal: IngestDep) -> ScopedEvent:
    return await _scoped_event(request, slug, principal)


async def moderated_post(request: Request, post_id: RowId, principal: ModeratorDep) -> ScopedPost:
    store = services(request).store
    post = await store.posts.get(post_id)
    _ensure_scope(principal, post.event_id)
    return ScopedPost(post, await store.events.get_by_id(post.event_id), principal)


async def admin_source(request: Request, source_id: RowId, principal: AdminDep) -> ScopedSource:
    source = await services(request).store.sources.get(source_id)
    _ensure_scope(principal, source.event_id)
    return ScopedSource(source, principal)


AdminEvent = Annotated[ScopedEvent, Depends(admin_event)]
ModeratedEvent = Annotated[ScopedEvent, Depends(moderated_event)]
IngestEvent = Annotated[ScopedEvent, Depends(ingest_event)]
ModeratedPost = Annotated[ScopedPost, Depends(moderated_post)]
AdminSource = Annotated[ScopedSource, Depends(admin_source)]
