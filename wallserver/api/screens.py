"""Screens: list with heartbeats, create, configure, delete (admin), steer (staff), branding
assets (admin) and the public QR code. The contract is in docs/screens.md."""

from __future__ import annotations

import asyncio
import io
import logging
from typing import Annotated, Any

import segno
from fastapi import APIRouter, Depends, File, Path, Request, UploadFile
from fastapi.responses import Response
from pydantic import Field
from starlette.requests import HTTPConnection

from wallserver.api.deps import EventDep, SettingsDep, StoreDep
from wallserver.auth.deps import AdminEvent, ModeratedEvent
from wallserver.errors import PayloadTooLarge, ValidationFailed
from wallserver.media import store_image
from wallserver.schemas import Strict
from wallserver.screens.config import NAME, check_name
from wallserver.screens.control import ScreenControl
from wallserver.screens.presence import Presence
from wallserver.services import services
from wallserver.settings import Settings
from wallserver.sizes import readable

log = logging.getLogger(__name__)
router = APIRouter(tags=["screens"])
QR_MAX_AGE = 3600


async def get_control(conn: HTTPConnection) -> ScreenControl:
    return services(conn).screens


async def get_presence(conn: HTTPConnection) -> Presence:
    return services(conn).presence


ControlDep = Annotated[ScreenControl, Depends(get_control)]
PresenceDep = Annotated[Presence, Depends(get_presence)]
ScreenName = Annotated[str, Path(max_length=40, pattern=f"^{NAME.pattern}$")]


class ScreenCreate(Strict):
    name: str = Field(min_length=1, max_length=40)
    config: dict[str, Any] = Field(default_factory=dict)


class ScreenPatch(Strict):
    config: dict[str, Any]
    version: int = Field(ge=1, le=2**31 - 1)


@router.get("/api/events/{slug}/screens")
async def list_screens(
    scope: ModeratedEvent,
    store: StoreDep,
    control: ControlDep,
    presence: PresenceDep,
) -> dict[str, Any]:
    """Every screen with its settings, steering and the clients showing it (heartbeats)."""
    event = scope.event
    screens, announcements = await control.all(event)
    try:
        beats, heard = await presence.clients(event.id), True
    except Exception:  # the broker (Redis) is down: steering still works, heartbeats are unknown
        log.warning("could not read the screens' heartbeats", exc_info=True)
        beats, heard = [], False
    now = presence.clock()
    killed, kill_seq = await store.wall.kill_state(event.id)
    return {
        "screens": [
            {
                **s.public(),
                "announcement": announcements.for_screen(s.name),
                "clients": [b.view(now) for b in beats if b.screen == s.name],
            }
            for s in screens
        ],
        "announcement": announcements.every[0],
        "wall_seq": await store.wall.current_seq(event.id),
        "kill_switch": killed,
        "kill_switch_seq": kill_seq,
        "heartbeats": heard,
        "server_time": round(now, 3),
    }


@router.post("/api/events/{slug}/screens", status_code=201)
async def create_screen(
    body: ScreenCreate, scope: AdminEvent, control: ControlDep
) -> dict[str, Any]:
    """A new screen with default settings (or ``config``); 409 if the name is taken."""
    event = scope.event
    return (await control.create(event, check_name(body.name), body.config)).public()


@router.patch("/api/events/{slug}/screens/{name}")
async def configure_screen(
    name: ScreenName, body: ScreenPatch, scope: AdminEvent, control: ControlDep
) -> dict[str, Any]:
    """Deep-merge ``config`` into the screen's settings if ``version`` is current (else 409)."""
    event = scope.event
    return (await control.configure(event, name, body.config, body.version)).public()


@router.delete("/api/events/{slug}/screens/{name}", status_code=204)
async def delete_screen(name: ScreenName, scope: AdminEvent, control: ControlDep) -> None:
    event = scope.event
    await control.delete(event, name)


@router.post("/api/events/{slug}/screens/{name}/commands", status_code=202)
async def steer_screen(
    name: ScreenName,
    body: dict[str, Any],
    scope: ModeratedEvent,
    control: ControlDep,
) -> dict[str, Any]:
    """One steering command for this screen: pause, next, spotlight, announce, ..."""
    event = scope.event
    return {"seq": await control.command(event, name, body)}


@router.post("/api/events/{slug}/commands", status_code=202)
async def steer_all(
    body: dict[str, Any], scope: ModeratedEvent, control: ControlDep
) -> dict[str, Any]:
    """One steering command for every screen of the event."""
    event = scope.event
    return {"seq": await control.command(event, None, body)}


@router.post("/api/events/{slug}/assets", status_code=201)
async def upload_asset(
    request: Request,
    scope: AdminEvent,
    settings: SettingsDep,
    image: Annotated[UploadFile, File()],
) -> dict[str, Any]:
    """A logo or background picture, checked and re-encoded like guests' photos."""
    data = await image.read(settings.max_upload_bytes + 1)
    if len(data) > settings.max_upload_bytes:
        raise PayloadTooLarge(f"images may be at most {readable(settings.max_upload_bytes)}")
    if not data:
        raise ValidationFailed("image: the file is empty")
    async with services(request).media_slots:
        stored = await asyncio.to_thread(
            store_image, data, settings.media_dir, settings.max_image_pixels
        )
    return {"url": f"/media/{stored.name}", "width": stored.width, "height": stored.height}


@router.get("/api/events/{slug}/qr.svg")
async def qr_code(request: Request, event: EventDep, settings: SettingsDep) -> Response:
    """The QR code of the event's posting page, for the wall's call to action."""
    return Response(
        qr_svg(post_url(request, settings, event.slug)),
        media_type="image/svg+xml",
        headers={"Cache-Control": f"public, max-age={QR_MAX_AGE}", "Vary": "Host"},
    )


def qr_svg(url: str) -> bytes:
    """``url`` as an SVG QR code that scales to any size (a ``viewBox``, no fixed size), dark on
    white with a quiet zone so it reads on any theme (error correction M: still reads across a
    hall)."""
    svg = io.BytesIO()
    segno.make(url, error="m").save(
        svg,
        kind="svg",
        border=2,
        dark="#000",
        light="#fff",
        omitsize=True,
        xmldecl=False,
        title="Post to this wall",
    )
    return svg.getvalue()


def post_url(request: Request, settings: Settings, slug: str) -> str:
    """The absolute URL of the posting page: ``WALL_PUBLIC_URL`` when set, else this host."""
    base = settings.public_url or str(request.base_url)
    return f"{base.rstrip('/')}/post/{slug}"
