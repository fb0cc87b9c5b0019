"""The handbooks' screenshots (docs/handbook/): every page a role works with, in a realistic state.

One browser, one event: ten posts on the wall, a queue of guests' posts waiting (two held by a
rule), a second screen, a webhook source; at the end the event is ended. Each picture is saved
under ``test-artifacts/``; ``WALL_UPDATE_SCREENSHOTS=1`` also writes it, shrunk to a 256-colour
PNG, to docs/img/handbook/. A second event, in rehearsal, gives the console with its TEST badges.
Each step asserts what its picture shows, so a page that stops showing it fails the test.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from tests.browser.conftest import PHONE, Pages, wait_until
from tests.browser.pictures import write_png
from tests.browser.test_screenshot import publish, settled, small_png
from tests.conftest import LiveServer
from tests.wallserver.generated_event import generated_wall

pytestmark = pytest.mark.browser

HANDBOOK_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "img" / "handbook"
MAX_BYTES = 300 * 1024
SCREEN = {"width": 1280, "height": 800}

# Guests' posts still waiting for a moderator, oldest first: (source, name, handle, text).
WAITING = [
    ("upload", "Jana", "", "Der Chor aus der Buchhaltung singt gleich! Alle nach vorne!"),
    (
        "mastodon",
        "Felix Braun",
        "felix@social.example",
        "Tischkicker-Turnier: Team Vertrieb führt 3:1 #XmasParty",
    ),
    ("upload", "Oma Gerda", "", "Grüße von der Tombola, ich habe den Toaster gewonnen"),
    (
        "bluesky",
        "Priya",
        "priya.bsky.social",
        "First Christmas party in Germany. The Glühwein is dangerous. #Dabei",
    ),
    ("upload", "Marco", "", "Schaut euch die Lichterkette über der Bar an, wahnsinn"),
    (
        "mastodon",
        "Hanna L.",
        "hanna@social.example",
        "Danke an das Orga-Team für diesen Abend! #XmasParty #Dabei",
    ),
    ("upload", "Deniz", "", "Neuer Rekord: 14 Leute in einer Fotobox"),
    (
        "bluesky",
        "Tom",
        "tom.bsky.social",
        "Tickets für die Aftershow-Party: www.cheap-tickets.example #XmasParty",
    ),
    ("upload", "Steffi", "", "Wer hat meine Jacke mit dem Rentier drauf gesehen?"),
    (
        "mastodon",
        "Ole",
        "ole@social.example",
        "Mehr Bilder vom Abend auf https://photos.example/xmas #XmasParty",
    ),
    ("upload", "Lukas", "", "Die Nachtschicht grüßt die Party! #Dabei"),
    ("upload", "Aylin", "", "Kinderpunsch für alle, die noch fahren müssen"),
    ("upload", "Ben", "", "Wann fängt die Band wieder an?"),
    ("upload", "Clara", "", "Beste Weihnachtsfeier seit Jahren!"),
]
# What the screens say once the event has ended (set on the admin page).
CLOSING = "Danke fürs Mitfeiern! Die Fotos gibt es ab Montag im Intranet."
# Links wait for a look; the event's ambassadors go straight to the wall.
RULES = {
    "chain": [
        {"kind": "blocklist", "words": [], "lists": ["de", "en"], "verdict": "reject"},
        {"kind": "links", "allow": [], "other": "hold"},
        {"kind": "trusted_authors", "authors": ["events@social.example"]},
    ]
}


async def picture(pages: Pages, page: Page, name: str, **options: object) -> None:
    """Save the page as ``name``: always to test-artifacts/, to docs/ when asked to."""
    shot = await pages.screenshot(page, name, **options)
    if os.environ.get("WALL_UPDATE_SCREENSHOTS") == "1":
        data = small_png(shot)
        assert len(data) < MAX_BYTES, f"{name}.png is {len(data)} bytes"
        HANDBOOK_IMAGES.mkdir(parents=True, exist_ok=True)
        (HANDBOOK_IMAGES / f"{name}.png").write_bytes(data)


async def log_in_as(page: Page, live: LiveServer, name: str, role: str, path: str) -> None:
    """Create ``name`` with ``role``, open ``path``, log in on /login, land back on ``path``."""
    await live.wall.store.auth.create_user(name, role, "password123")
    await page.goto(path)
    await expect(page).to_have_url(re.compile(r"/login\?next="))
    await page.get_by_label("Name").fill(name)
    await page.get_by_label("Password").fill("password123")
    await page.get_by_role("button", name="Log in").click()
    await expect(page).to_have_url(f"{live.url}{path}")


async def seed(live: LiveServer) -> int:
    """Rules, a lobby screen, a webhook source, ten posts on the wall, a waiting queue.
    Returns how many posts wait."""
    wall, admin = live.wall, live.wall.auth("admin")
    lobby = await wall.client.post(
        "/api/events/xmas/screens",
        json={"name": "lobby", "config": {"layout": "spotlight"}},
        headers=admin,
    )
    assert lobby.status_code == 201, lobby.text
    source = await wall.client.post(
        "/api/events/xmas/sources",
        json={"kind": "webhook", "secret": "sms-bridge-secret-0123456789"},
        headers=admin,
    )
    assert source.status_code == 201, source.text
    settings = wall.app.state.services.settings
    await publish(live, settings.media_dir, settings.max_image_pixels)
    saved = await wall.client.put("/api/events/xmas/rules", json=RULES, headers=admin)
    assert saved.status_code == 200, saved.text
    for i, (kind, name, handle, text) in enumerate(WAITING):
        author = {"name": name, "handle": handle}
        sent = await wall.ingest(f"waiting-{i}", text, source=kind, author=author)
        assert sent.status_code == 202, sent.text
        assert sent.json()["status"] == "pending", sent.text
    return len(WAITING)


async def test_handbook_screenshots(pages: Pages, live: LiveServer, tmp_path: Path) -> None:
    """The wall, the posting page on a phone, the console (desktop and phone), the control
    page with an announcement on, the admin page with the event's lifecycle controls and the
    closing screen after the end: each showing what the handbooks say."""
    waiting = await seed(live)

    # Event staff: the big screen, then a guest posting from a phone.
    wall = await pages.open("/wall/xmas", viewport=SCREEN, name="wall")
    await settled(wall, 10)
    assert await wall.locator("#cards .card:not(.off-screen)").count() >= 6
    await picture(pages, wall, "wall")

    phone = await pages.open("/post/xmas", viewport=PHONE, name="post")
    await phone.get_by_label("Your message").fill("Frohe Weihnachten aus der Fotobox! #Dabei")
    await phone.get_by_label("Your name").fill("Mira")
    await phone.get_by_label("Photo").set_input_files(write_png(tmp_path / "box.png", seed=3))
    await phone.get_by_label("I agree").check()
    await expect(phone.locator("#post-preview img")).to_be_visible()
    await picture(pages, phone, "post-phone", full_page=True)
    await phone.get_by_role("button", name="Send to the wall").click()
    await expect(phone.locator("#post-status")).to_have_text("Waiting for approval")
    await picture(pages, phone, "post-phone-sent")
    waiting += 1

    # Moderators: the console with its queue, on a laptop and on a phone.
    console = await pages.open(viewport=SCREEN, name="console")
    await log_in_as(console, live, "anna", "moderator", "/moderate/xmas")
    await expect(console.locator("#feed-status")).to_have_attribute("data-state", "online")
    await expect(console.locator("#queue .item")).to_have_count(10)  # ten at a time
    await expect(console.locator("#queue-count")).to_have_text(str(waiting))
    held = console.locator("#queue .item").filter(has_text="links to photos.example")
    await expect(held).to_have_count(1)  # the rule says why it waits
    await expect(console.frame_locator("#preview iframe").locator(".card")).to_contain_text("Jana")
    await picture(pages, console, "console")

    mobile = await pages.open(viewport=PHONE, name="console-phone")
    await log_in_as(mobile, live, "ben", "moderator", "/moderate/xmas")
    await expect(mobile.locator("#feed-status")).to_have_attribute("data-state", "online")
    await expect(mobile.get_by_role("button", name="Approve")).to_be_visible()
    await expect(mobile.get_by_role("button", name="Reject")).to_be_visible()
    await picture(pages, mobile, "console-phone")

    # Event staff: the control page, with an announcement on every screen.
    control = await pages.open(viewport=SCREEN, name="control")
    await log_in_as(control, live, "carla", "admin", "/control/xmas")
    await wait_until(control, "document.getElementById('control').dataset.loaded === 'true'")
    main = control.locator('#screens-table tbody.screen[data-screen="main"]')
    await expect(main).to_contain_text("1 wall online", timeout=15000)
    await expect(
        control.locator('#screens-table tbody.screen[data-screen="lobby"]')
    ).to_contain_text("no wall connected")
    await control.locator("#announce-text").fill("Verlosung um 21:00 auf der Hauptbühne")
    await control.locator("#announce-minutes").fill("30")
    await control.locator("#announce-form").get_by_role("button", name="Show announcement").click()
    await expect(control.locator("#announce-current")).to_contain_text("Verlosung", timeout=8000)
    await expect(control.locator("#spotlight-list li")).to_have_count(10)
    await control.evaluate("window.scrollTo(0, 0)")  # the screens first, as staff see it
    await wait_until(control, "window.scrollY === 0")
    await picture(pages, control, "control")

    await expect(wall.locator("#wall-announcement")).to_contain_text("Verlosung")
    await settled(wall, 10)
    await picture(pages, wall, "wall-announcement")

    # Operators and admins: the admin page, events and sources.
    admin = await pages.open(viewport=SCREEN, name="admin")
    await log_in_as(admin, live, "olga", "admin", "/admin")
    await expect(admin.locator(".event h3")).to_contain_text("Christmas Party")
    await expect(admin.locator('.event-sources[data-slug="xmas"] .source')).to_have_count(1)
    # The lifecycle controls: the event is live, its closing message prepared before the end.
    card = admin.locator('.event[data-slug="xmas"]')
    await expect(card.locator(".event-state")).to_have_text("live")
    await expect(card.locator(".lifecycle-hint")).to_have_text("Live: posts are taken and shown.")
    await expect(card.get_by_role("button", name="End event")).to_be_visible()
    await card.get_by_label("Closing screen message").fill(CLOSING)
    await card.get_by_role("button", name="Save message").click()
    await expect(card.locator(".lifecycle-note")).to_have_text("Closing message saved.")
    await picture(pages, admin, "admin")

    # Event staff, afterwards: End event, and every screen shows the closing screen.
    await card.get_by_role("button", name="End event").click()
    await expect(card.locator(".event-state")).to_have_text("ended")
    await expect(card.get_by_role("button", name="Reopen")).to_be_visible()
    closing = wall.locator("#wall-closing")
    await expect(closing).to_be_visible()
    await expect(closing.locator(".closing-title")).to_have_text("Christmas Party")
    await expect(closing.locator(".closing-message")).to_have_text(CLOSING)
    await expect(wall.locator("#cards")).to_be_hidden()
    await picture(pages, wall, "wall-closing")


async def test_handbook_rehearsal_console(pages: Pages, live: LiveServer) -> None:
    """The console while an event rehearses: the banner says so and every post is marked TEST."""
    wall, admin = live.wall, live.wall.auth("admin")
    made = await wall.client.post(
        "/api/events",
        json={"slug": "summer", "name": "Sommerfest", "hashtags": ["Sommerfest"]}
        | {"state": "rehearsal"},
        headers=admin,
    )
    assert made.status_code == 201, made.text
    tests = [
        ("upload", "Carla (Technik)", "Soundcheck Bühne 1: hört man das hinten?"),
        ("sms", "Ben", "Test vom SMS-Gateway, bitte ignorieren"),
        ("upload", "Olga", "Probe-Foto von der Fotobox, Licht passt"),
    ]
    for i, (source, name, text) in enumerate(tests):
        body = {"source": source, "source_id": f"probe-{i}", "text": text, "author": {"name": name}}
        sent = await wall.client.post("/api/events/summer/ingest", json=body, headers=admin)
        assert sent.status_code == 202, sent.text

    console = await pages.open(viewport=SCREEN, name="console-rehearsal")
    await log_in_as(console, live, "anna", "moderator", "/moderate/summer")
    await expect(console.locator("#feed-status")).to_have_attribute("data-state", "online")
    await expect(console.locator("#event-state")).to_have_text(
        "Rehearsal: posts are test posts (marked TEST). "
        "They are removed everywhere when the event goes live."
    )
    await expect(console.locator("#queue .item")).to_have_count(len(tests))
    await expect(console.locator("#queue .item .item-test:visible")).to_have_count(len(tests))
    await picture(pages, console, "console-rehearsal")


async def test_handbook_analytics_and_access(pages: Pages, live: LiveServer) -> None:
    """After the evening: the analytics page with a generated evening's figures (640 people,
    ambassadors and the guests they set off); then the Access page with the event's tokens,
    labelled, one with an expiry and one used, and the staff's accounts."""
    await generated_wall(live.wall)
    wall, admin = live.wall, live.wall.auth("admin")
    figures = (await wall.client.get("/api/events/xmas/analytics", headers=admin)).json()

    report = await pages.open(viewport=SCREEN, name="analytics")
    await log_in_as(report, live, "olga", "admin", "/admin/xmas/analytics")
    await expect(report.locator('[data-total="posts"]')).to_have_text(
        str(figures["totals"]["posts"])
    )
    await expect(report.locator('[data-total="contributors"]')).to_have_text("640")
    await expect(report.locator('[data-total="set_off"]')).to_have_text(
        str(figures["swarm"]["set_off"])
    )
    await expect(report.locator("#timeline-chart canvas")).to_have_count(1)
    await expect(report.locator("#multiplier-chart canvas")).to_have_count(1)
    top = figures["swarm"]["top_ambassadors"][0]["ambassador"]
    await expect(report.locator("#top-ambassadors li").first).to_contain_text(top)
    await expect(report.locator("#busiest li")).to_have_count(5)
    await expect(report.get_by_role("link", name="CSV")).to_be_visible()
    await picture(pages, report, "analytics", full_page=True)

    # The Access page: the tokens an operator made for the evening, by label.
    made: dict[str, str] = {}
    soon = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    for label, role, event, expires in [
        ("hall screens", "display", "xmas", soon),
        ("sms bridge", "ingest", "xmas", None),
        ("anna's tablet", "moderator", "xmas", soon),
        ("metrics", "admin", None, None),
    ]:
        body = {"role": role, "label": label, "event": event, "expires_at": expires}
        sent = await wall.client.post("/api/tokens", json=body, headers=admin)
        assert sent.status_code == 201, sent.text
        made[label] = sent.json()["secret"]
    bridge = {"Authorization": f"Bearer {made['sms bridge']}"}
    sms = {"source": "sms", "source_id": "sms-1", "text": "Frohes Fest!", "author": {"name": "Ute"}}
    sent = await wall.client.post("/api/events/xmas/ingest", json=sms, headers=bridge)
    assert sent.status_code == 202, sent.text
    listed = (await wall.client.get("/api/tokens", headers=admin)).json()["tokens"]
    keeper = {"Authorization": f"Bearer {made['metrics']}"}
    for token in listed:
        if re.fullmatch(r"[a-z]+-\d+", token["label"]):  # the fixture's, e.g. "display-4"
            gone = await wall.client.delete(f"/api/tokens/{token['id']}", headers=keeper)
            assert gone.status_code == 204, gone.text
    await wall.store.auth.create_user("anna", "moderator", "password123")
    await wall.store.auth.create_user("ben", "moderator", "password123")

    access = await pages.open(viewport=SCREEN, name="access")
    await log_in_as(access, live, "carla", "admin", "/admin/access")
    rows = access.locator(".tokens tbody tr")
    await expect(rows).to_have_count(4)
    used = rows.filter(has_text="sms bridge").locator("td").nth(4)
    await expect(used).not_to_have_text("never")  # last used: the bridge sent a post
    await expect(rows.filter(has_text="hall screens")).to_contain_text("display")
    await expect(rows.filter(has_text="metrics")).to_contain_text("every event")
    await expect(access.locator(".users tbody tr")).to_have_count(4)  # olga, anna, ben, carla
    await expect(access.get_by_role("button", name="Revoke")).to_have_count(4)
    await picture(pages, access, "access", full_page=True)
