"""Server-rendered pages. Scripts are ES modules from /static (the CSP allows no inline script)."""

from __future__ import annotations

import json
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, RedirectResponse, Response

from wallserver.api.deps import EventDep, SettingsDep
from wallserver.auth import device
from wallserver.auth.deps import identify
from wallserver.auth.landing import landing
from wallserver.errors import Forbidden, NotFound
from wallserver.media import video
from wallserver.middleware import CSP
from wallserver.screens.config import FONTS, LAYOUTS, MAIN, is_name
from wallserver.screens.control import ScreenView
from wallserver.services import services
from wallserver.store import EventInfo, Principal

router = APIRouter(include_in_schema=False)
FAVICON_MAX_AGE = 86400


def page(request: Request, template: str, **context: Any) -> Response:
    return services(request).templates.TemplateResponse(request, template, context)


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


@router.get("/favicon.ico")
async def favicon(request: Request) -> Response:
    """Browsers ask for /favicon.ico on pages that link no icon (JSON, the API docs): the SVG
    mark every page links (``base.html``), rather than a 404 in their console."""
    return FileResponse(
        services(request).frontend / "static" / "common" / "favicon.svg",
        media_type="image/svg+xml",
        headers={"Cache-Control": f"public, max-age={FAVICON_MAX_AGE}"},
    )


@router.get("/login")
async def login_page(
    request: Request, next_page: Annotated[str | None, Query(alias="next")] = None
) -> Response:
    """The login form; after logging in the browser goes to ``next`` when it is on this site."""
    return page(request, "login.html", next_page=landing(next_page))


# The control page shows a screen in an iframe as its live preview: walls may be framed by this
# site (and only by it).
FRAMEABLE_CSP = CSP.replace("frame-ancestors 'none'", "frame-ancestors 'self'")


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


async def _screen_page(request: Request, event: EventInfo, name: str, view: str) -> Response:
    """The wall page as screen ``name``: its settings and steering are in the first paint."""
    control = services(request).screens
    if not is_name(name):
        raise NotFound(f"no screen {name[:40]!r}")
    opened: ScreenView = await control.open(event, name)
    screen = opened.screen
    response = page(
        request,
        "wall.html",
        event=event,
        view=view,
        screen={
            "name": screen.name,
            "config": screen.config,
            "state": screen.state,
            "version": screen.version,
        },
        announcement=opened.announcement,
        screen_json=_json(screen.config),
        config_json=_json(screen.config),
        state_json=_json(screen.state),
        announcement_json=_json(opened.announcement),
        screen_version=screen.version,
    )
    response.headers["content-security-policy"] = FRAMEABLE_CSP
    response.headers["x-frame-options"] = "SAMEORIGIN"
    return response


@router.get("/wall/{slug}")
async def wall_page(request: Request, event: EventDep, screen: str = MAIN) -> Response:
    """A big screen: ``?screen=NAME`` (default ``main``; unknown names are a 404 page)."""
    return await _screen_page(request, event, screen, "wall")


@router.get("/live/{slug}")
async def live_page(request: Request, event: EventDep) -> Response:
    """Phones: the branding of the ``main`` screen, no pacing, no heartbeats."""
    return await _screen_page(request, event, MAIN, "live")


@router.get("/post/{slug}")
async def post_page(request: Request, event: EventDep, settings: SettingsDep) -> Response:
    """The attendee form; its file picker offers videos exactly when the server takes them."""
    limits = video.limits(settings)
    response = page(
        request,
        "post.html",
        event=event,
        privacy_url=settings.privacy_url,
        video=limits,
        # an upload's whole request is bounded by WALL_MAX_UPLOAD_BYTES as well
        video_max_bytes=min(limits.max_bytes, settings.max_upload_bytes) if limits else 0,
        video_types=video.PICKER_TYPES,
    )
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


@router.get("/control/{slug}")
async def control_page(request: Request, event: EventDep) -> Response:
    """Event staff steer the screens; admins also edit their settings and branding."""
    who = await _staff(request, ("admin", "moderator"))
    if isinstance(who, Response):
        return who
    return page(
        request,
        "control.html",
        event=event,
        user=who,
        layouts=LAYOUTS,
        fonts=FONTS,
    )


@router.get("/admin")
async def admin_page(request: Request) -> Response:
    who = await _staff(request, ("admin", "moderator"))
    if isinstance(who, Response):
        return who
    events = await services(request).store.events.all()
    return page(request, "admin.html", user=who, events=events)


@router.get("/admin/{slug}/analytics")
async def analytics_page(request: Request, event: EventDep) -> Response:
    """The swarm in numbers, live and as a printable report: event staff (admins also edit the
    ambassador list)."""
    who = await _staff(request, ("admin", "moderator"))
    if isinstance(who, Response):
        return who
    return page(request, "analytics.html", event=event, user=who)


@router.get("/admin/access")
async def access_page(request: Request) -> Response:
    """Tokens and accounts (admins): list, create, revoke, delete, new password."""
    who = await _staff(request, ("admin",))
    if isinstance(who, Response):
        return who
    events = await services(request).store.events.all()
    return page(request, "access.html", user=who, events=events)
