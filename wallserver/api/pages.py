"""Server-rendered pages. Scripts are ES modules from /static (the CSP allows no inline script)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from wallserver.api.deps import EventDep, SettingsDep
from wallserver.auth import device
from wallserver.auth.deps import identify
from wallserver.errors import Forbidden
from wallserver.store import Principal

router = APIRouter(include_in_schema=False)


def page(request: Request, template: str, **context: Any) -> Response:
    return request.app.state.templates.TemplateResponse(request, template, context)


async def _staff(request: Request, roles: tuple[str, ...]) -> Principal | Response:
    principal = await identify(request)
    if principal is None or principal.kind != "user":
        target = quote(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
        return RedirectResponse(f"/login?next={target}", status_code=303)
    if principal.role not in roles:
        raise Forbidden("your account may not open this page")
    return principal


@router.get("/")
async def home() -> Response:
    return RedirectResponse("/admin", status_code=303)


@router.get("/login")
async def login_page(request: Request) -> Response:
    return page(request, "login.html")


@router.get("/wall/{slug}")
async def wall_page(request: Request, event: EventDep) -> Response:
    return page(request, "wall.html", event=event, view="wall")


@router.get("/live/{slug}")
async def live_page(request: Request, event: EventDep) -> Response:
    return page(request, "wall.html", event=event, view="live")


@router.get("/post/{slug}")
async def post_page(request: Request, event: EventDep, settings: SettingsDep) -> Response:
    response = page(request, "post.html", event=event, privacy_url=settings.privacy_url)
    secret = settings.secret_key.get_secret_value()
    if device.verify(request.cookies.get(device.COOKIE), secret) is None:
        set_device_cookie(response, device.mint(secret), settings.cookie_secure)
    return response


def set_device_cookie(response: Response, value: str, secure: bool) -> None:
    """The guest's device id for the per-device rate limit (see ``wallserver/auth/device.py``)."""
    response.set_cookie(
        device.COOKIE,
        value,
        max_age=device.MAX_AGE,
        httponly=True,
        samesite="lax",
        secure=secure,
        path="/",
    )


@router.get("/privacy")
async def privacy_page(request: Request) -> Response:
    return page(request, "privacy.html")


@router.get("/post/{slug}/manage/{token}")
async def manage_page(request: Request, event: EventDep, token: str) -> Response:
    return page(request, "manage.html", event=event, token=token)


@router.get("/moderate/{slug}")
async def moderate_page(request: Request, event: EventDep) -> Response:
    who = await _staff(request, ("admin", "moderator"))
    if isinstance(who, Response):
        return who
    return page(request, "moderate.html", event=event, user=who)


@router.get("/admin")
async def admin_page(request: Request) -> Response:
    who = await _staff(request, ("admin", "moderator"))
    if isinstance(who, Response):
        return who
    events = await request.app.state.store.events.all()
    return page(request, "admin.html", user=who, events=events)
