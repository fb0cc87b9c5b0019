"""Login sessions for browser pages."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from wallserver.api.deps import StoreDep
from wallserver.auth.deps import SESSION_COOKIE, identify
from wallserver.errors import Unauthorized
from wallserver.schemas import LoginBody
from wallserver.services import ServicesDep

router = APIRouter(prefix="/api/session", tags=["session"])


@router.post("")
async def login(
    body: LoginBody, request: Request, response: Response, services: ServicesDep
) -> dict[str, Any]:
    """A session cookie for a right name and password; failures are throttled (429)."""
    store, settings, throttle = services.store, services.settings, services.login_throttle
    client_ip = request.client.host if request.client else "unknown"
    counted = await throttle.attempt(client_ip, body.name)
    user = await store.auth.check_password(body.name, body.password)
    if user is None:
        raise Unauthorized("wrong name or password")
    await throttle.succeeded(client_ip, body.name, counted)
    cookie, csrf = await store.auth.open_session(user, settings.session_hours)
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        max_age=settings.session_hours * 3600,
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
        path="/",
    )
    return {"name": user.name, "role": user.role, "csrf_token": csrf}


@router.get("")
async def whoami(request: Request) -> dict[str, Any]:
    principal = await identify(request)
    if principal is None:
        raise Unauthorized("not logged in")
    return {"name": principal.name, "role": principal.role, "csrf_token": principal.csrf_token}


@router.delete("")
async def logout(request: Request, response: Response, store: StoreDep) -> dict[str, Any]:
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        await store.auth.close_session(cookie)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return {"ok": True}
