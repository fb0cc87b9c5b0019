"""The pages and files around screens: the wall page opens as a screen, the control page is for
staff, the QR code leads to the posting page, branding pictures go through the media pipeline,
and the screens' tables come and go with migration 0006."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
import segno
from alembic import command
from fastapi import FastAPI
from PIL import Image
from sqlalchemy import create_engine, inspect

from tests.conftest import Wall, make_settings, start_wall
from wallserver.app import create_app
from wallserver.db.migrate import alembic_config, upgrade
from wallserver.settings import to_sync_url

SCREENS = "/api/events/xmas/screens"
HTML = {"Accept": "text/html"}


def png(
    size: tuple[int, int] = (300, 120), colour: tuple[int, int, int, int] = (200, 30, 30, 255)
) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", size, colour).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def rendered(wall: Wall, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, Any]]]:
    """Every template the app renders, with its context."""
    templates = wall.app.state.services.templates
    original = templates.TemplateResponse
    seen: list[tuple[str, dict[str, Any]]] = []

    def spy(request: Any, name: str, context: dict[str, Any], **kw: Any) -> Any:
        seen.append((name, context))
        return original(request, name, context, **kw)

    monkeypatch.setattr(templates, "TemplateResponse", spy)
    return seen


async def test_the_wall_page_opens_as_a_screen_with_its_settings(
    wall: Wall, rendered: list[tuple[str, dict[str, Any]]]
) -> None:
    """?screen=NAME gives the page that screen's settings, steering and announcement, also as the
    JSON its data attributes carry, so the first paint is already right."""
    created = await wall.client.post(
        SCREENS,
        json={"name": "lobby", "config": {"layout": "ticker", "title": 'Hall "A" <b>'}},
        headers=wall.auth("admin"),
    )
    assert created.status_code == 201
    await wall.client.post(
        f"{SCREENS}/lobby/commands", json={"action": "blackout"}, headers=wall.auth("moderator")
    )
    await wall.client.post(
        f"{SCREENS}/lobby/commands",
        json={"action": "announce", "text": "Bar open", "style": "banner"},
        headers=wall.auth("moderator"),
    )
    page = await wall.client.get("/wall/xmas?screen=lobby&token=whatever", headers=HTML)
    assert page.status_code == 200
    name, context = rendered[-1]
    assert name == "wall.html" and context["view"] == "wall"
    assert context["screen"]["name"] == "lobby"
    assert context["screen"]["config"]["layout"] == "ticker"
    assert context["screen"]["state"] == {"paused": False, "blackout": True, "spotlight": None}
    assert context["announcement"]["text"] == "Bar open"
    assert json.loads(context["screen_json"]) == context["screen"]["config"]
    assert json.loads(context["config_json"]) == context["screen"]["config"]
    assert json.loads(context["state_json"]) == context["screen"]["state"]
    assert json.loads(context["announcement_json"])["text"] == "Bar open"
    assert 'Hall "A" <b>' not in page.text  # user settings are escaped wherever they appear


async def test_the_default_screen_is_main_and_unknown_screens_are_404(
    wall: Wall, rendered: list[tuple[str, dict[str, Any]]]
) -> None:
    """/wall/SLUG opens main (made on the spot); an unknown or malformed name is a 404 page."""
    assert (await wall.client.get("/wall/xmas", headers=HTML)).status_code == 200
    assert rendered[-1][1]["screen"]["name"] == "main"
    assert rendered[-1][1]["announcement_json"] == "null"
    for name in ("lobby", "Lobby", "x" * 500, "a%00b", "../main"):
        missing = await wall.client.get("/wall/xmas", params={"screen": name}, headers=HTML)
        assert missing.status_code == 404, name
        assert "text/html" in missing.headers["content-type"]


async def test_the_live_view_uses_the_main_screens_branding(
    wall: Wall, rendered: list[tuple[str, dict[str, Any]]]
) -> None:
    """Phones get main's settings (title, colours), whatever ?screen says."""
    await wall.client.get(SCREENS, headers=wall.auth("moderator"))
    await wall.client.patch(
        f"{SCREENS}/main",
        json={"config": {"theme": {"accent": "#00ff00"}}, "version": 1},
        headers=wall.auth("admin"),
    )
    assert (await wall.client.get("/live/xmas?screen=lobby", headers=HTML)).status_code == 200
    context = rendered[-1][1]
    assert context["view"] == "live" and context["screen"]["name"] == "main"
    assert context["screen"]["config"]["theme"]["accent"] == "#00ff00"


async def test_only_this_site_may_frame_a_wall(wall: Wall) -> None:
    """The control page's live preview frames the wall; other sites and other pages may not."""
    wall_page = await wall.client.get("/wall/xmas", headers=HTML)
    csp = wall_page.headers["content-security-policy"]
    assert "frame-ancestors 'self'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert wall_page.headers["x-frame-options"] == "SAMEORIGIN"
    login = await wall.client.get("/login", headers=HTML)
    assert "frame-ancestors 'none'" in login.headers["content-security-policy"]
    assert login.headers["x-frame-options"] == "DENY"


async def test_the_control_page_is_for_logged_in_staff(wall: Wall) -> None:
    """Strangers are sent to log in; moderators and admins get the page with their CSRF token."""
    anonymous = await wall.client.get("/control/xmas", headers=HTML)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == "/login?next=/control/xmas"
    await wall.store.auth.create_user("stage", "moderator", "correct horse battery")
    login = await wall.client.post(
        "/api/session", json={"name": "stage", "password": "correct horse battery"}
    )
    page = await wall.client.get("/control/xmas", headers=HTML)
    assert page.status_code == 200
    assert login.json()["csrf_token"] in page.text
    assert "/static/control/control.js" in page.text
    assert (await wall.client.get("/control/nope", headers=HTML)).status_code == 404


def qr_modules(svg: bytes) -> set[tuple[int, int]]:
    """The dark modules (column, row) drawn by segno's SVG path, quiet zone removed."""
    path = re.search(rb'class="qrline"[^>]* d="([^"]+)"', svg)
    assert path is not None
    x = y = 0.0
    dark: set[tuple[int, int]] = set()
    for op, a, b in re.findall(rb"([Mmh])(-?[\d.]+)(?: (-?[\d.]+))?", path.group(1)):
        if op == b"M":
            x, y = float(a), float(b)
        elif op == b"m":
            x, y = x + float(a), y + float(b)
        else:
            dark |= {(int(x) + i, int(y)) for i in range(int(float(a)))}
            x += float(a)
    border = min(c for c, _ in dark)
    return {(c - border, r - border) for c, r in dark}


def expected_modules(url: str) -> set[tuple[int, int]]:
    matrix = segno.make(url, error="m").matrix
    return {(c, r) for r, row in enumerate(matrix) for c, bit in enumerate(row) if bit}


async def test_the_qr_code_leads_to_the_posting_page(wall: Wall) -> None:
    """Anyone may fetch the QR code; it encodes this site's /post/SLUG and may be cached."""
    response = await wall.client.get("/api/events/xmas/qr.svg")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/svg+xml"
    assert "max-age" in response.headers["cache-control"]
    assert response.content.startswith(b"<svg") and b"viewBox" in response.content
    assert qr_modules(response.content) == expected_modules("http://wall.test/post/xmas")
    missing = await wall.client.get("/api/events/nope/qr.svg")
    assert missing.status_code == 404


async def test_the_qr_code_uses_the_public_url_when_set(tmp_path: Path) -> None:
    """Behind a proxy the operator's WALL_PUBLIC_URL is what guests' phones must open."""
    app: FastAPI = create_app(
        make_settings(tmp_path / "data", public_url="https://wall.example.org/")
    )
    async with app.router.lifespan_context(app):
        w = await start_wall(app)
        async with w.client:
            response = await w.client.get("/api/events/xmas/qr.svg")
    assert qr_modules(response.content) == expected_modules("https://wall.example.org/post/xmas")


async def test_branding_pictures_go_through_the_media_pipeline(wall: Wall) -> None:
    """An admin uploads a logo: it is re-encoded, served from /media and usable as logo_url."""
    upload = await wall.client.post(
        "/api/events/xmas/assets",
        files={"image": ("logo.png", png(), "image/png")},
        headers=wall.auth("admin"),
    )
    assert upload.status_code == 201, upload.text
    body = upload.json()
    assert re.fullmatch(r"/media/[0-9a-f]{32}\.jpg", body["url"])
    assert (body["width"], body["height"]) == (300, 120)
    served = await wall.client.get(body["url"])
    assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
    await wall.client.get(SCREENS, headers=wall.auth("moderator"))
    used = await wall.client.patch(
        f"{SCREENS}/main",
        json={
            "config": {"theme": {"logo_url": body["url"], "background_url": body["url"]}},
            "version": 1,
        },
        headers=wall.auth("admin"),
    )
    assert used.status_code == 200
    assert used.json()["config"]["theme"]["logo_url"] == body["url"]


@pytest.mark.parametrize(
    ("files", "status", "code"),
    [
        (
            {"image": ("notes.txt", b"<script>alert(1)</script>", "image/png")},
            415,
            "unsupported_media_type",
        ),
        ({"image": ("empty.png", b"", "image/png")}, 422, "validation_error"),
        ({"other": ("logo.png", png(), "image/png")}, 422, "validation_error"),
    ],
)
async def test_bad_uploads_are_refused(
    wall: Wall, files: dict[str, Any], status: int, code: str
) -> None:
    """Files that are not pictures, empty files and a missing field get a clear 4xx."""
    response = await wall.client.post(
        "/api/events/xmas/assets", files=files, headers=wall.auth("admin")
    )
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code
    media = wall.app.state.services.settings.media_dir
    assert not media.exists() or list(media.iterdir()) == []


async def test_moderators_cannot_upload_branding(wall: Wall) -> None:
    """Branding is the admins' job."""
    response = await wall.client.post(
        "/api/events/xmas/assets",
        files={"image": ("logo.png", png(), "image/png")},
        headers=wall.auth("moderator"),
    )
    assert response.status_code == 403


def test_migration_0006_adds_and_removes_the_screens_tables(tmp_path: Path) -> None:
    """Upgrading creates screen and announcement; downgrading to 0005 drops them again."""
    settings = make_settings(tmp_path)
    upgrade(settings)
    engine = create_engine(to_sync_url(settings.resolved_database_url))
    try:
        assert {"screen", "announcement"} <= set(inspect(engine).get_table_names())
        command.downgrade(alembic_config(settings), "0005")
        assert not {"screen", "announcement"} & set(inspect(engine).get_table_names())
        upgrade(settings)
        assert {"screen", "announcement"} <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


async def test_the_favicon_is_the_svg_mark_every_page_links(wall: Wall) -> None:
    """Every page links the SVG mark, and ``/favicon.ico`` (which browsers ask for on pages that
    link none) answers with the same picture instead of a 404."""
    icon = await wall.client.get("/favicon.ico")
    assert icon.status_code == 200
    assert icon.headers["content-type"].startswith("image/svg+xml")
    assert icon.headers["cache-control"] == "public, max-age=86400"
    assert icon.content.lstrip().startswith(b"<svg") and b"#b3261e" in icon.content
    linked = await wall.client.get("/static/common/favicon.svg")
    assert linked.status_code == 200 and linked.content == icon.content
    for path in ("/login", "/wall/xmas", "/post/xmas"):
        page = await wall.client.get(path, headers=HTML)
        assert re.search(r'<link rel="icon" href="/static/common/favicon\.svg\?v=[^"]+"', page.text)
