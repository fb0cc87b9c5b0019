"""The control page in Chromium: settings and branding reach an open screen without a reload,
heartbeats show as rows (and go offline), steering and announcements work, and hostile post
text in the spotlight list is only ever text."""

from __future__ import annotations

import asyncio
import json
import re
import time
from pathlib import Path

import pytest
import websockets
from playwright.async_api import Page, Response, Route, expect

from tests.browser.conftest import PHONE, Pages, approved, wait_until
from tests.browser.test_hostile import HOSTILE, assert_inert, visible_text
from tests.conftest import LiveServer, make_settings
from wallserver.settings import Settings

pytestmark = pytest.mark.browser

WALL = "document.getElementById('wall')"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Long enough posts for the 5,000-character word of the hostile set."""
    return make_settings(tmp_path / "data", max_text_length=10_000)


async def log_in_as(page: Page, live: LiveServer, role: str = "admin") -> None:
    """Create a user with ``role``, open the control page, log in, land back on it."""
    await live.wall.store.auth.create_user(f"{role}-1", role, "password123")
    await page.goto("/control/xmas")
    await expect(page).to_have_url(re.compile(r"/login\?next="))
    await page.get_by_label("Name").fill(f"{role}-1")
    await page.get_by_label("Password").fill("password123")
    await page.get_by_role("button", name="Log in").click()
    await expect(page).to_have_url(f"{live.url}/control/xmas")
    await wait_until(page, "document.getElementById('control').dataset.loaded === 'true'")


def screen_group(name: str = "main") -> str:
    return f'#screens-table tbody.screen[data-screen="{name}"]'


async def test_layout_and_colour_changes_reach_an_open_screen_without_reload(
    pages: Pages, live: LiveServer
) -> None:
    """Issue #3 acceptance: a layout and a colour saved on the control page change the open
    wall's #wall (data-layout, --wall-bg) in place; the page is not reloaded."""
    await approved(live.wall, "a1", "Frohe Weihnachten!")
    wall = await pages.open("/wall/xmas", name="wall")
    await wait_until(wall, f"{WALL}.dataset.state === 'online'")
    await wall.evaluate("window.__notReloaded = 42")
    control = await pages.open(name="control")
    await log_in_as(control, live)
    await expect(control.locator("#brand-layout")).to_have_value("masonry")
    await control.locator("#brand-layout").select_option("spotlight")
    await control.locator("#brand-background").fill("#123456")
    await control.get_by_role("button", name="Save settings").click()
    await expect(control.locator("#control-message")).to_contain_text("version 2")
    await wait_until(wall, f"{WALL}.dataset.layout === 'spotlight'")
    background = f"getComputedStyle({WALL}).getPropertyValue('--wall-bg').trim()"
    await wait_until(wall, f"{background} === '#123456'")
    assert await wall.evaluate("window.__notReloaded") == 42
    listing = await live.wall.client.get(
        "/api/events/xmas/screens", headers=live.wall.auth("moderator")
    )
    main = listing.json()["screens"][0]
    assert main["config"]["layout"] == "spotlight"
    assert main["config"]["theme"]["background"] == "#123456"
    await pages.screenshot(wall, "after-save")


async def test_the_control_page_lists_an_open_wall_pages_heartbeat(
    pages: Pages, live: LiveServer
) -> None:
    """A wall page open on a 1600x900 screen shows as an online row with its resolution,
    layout and last seq."""
    await approved(live.wall, "h1", "Hallo")
    wall = await pages.open("/wall/xmas", name="wall", viewport={"width": 1600, "height": 900})
    await wait_until(wall, f"{WALL}.dataset.state === 'online'")
    control = await pages.open(name="control")
    await log_in_as(control, live, "moderator")
    row = control.locator(f"{screen_group()} tr.client", has_text="1600\u00d7900")
    await expect(row).to_have_count(1, timeout=15_000)  # the wall beats every 10 s at least
    await expect(row.locator(".client-status")).to_have_text("● online")
    await expect(row.locator(".client-layout")).to_have_text("masonry")
    await expect(row.locator(".client-seq")).to_have_text(re.compile(r"^\d+"))


async def test_heartbeats_show_as_rows_and_go_offline_after_30_seconds(
    pages: Pages, live: LiveServer
) -> None:
    """A screen's beat is a row with its resolution, layout, last seq and version; 30 s
    without a beat and the row and the screen are marked offline."""
    w = live.wall
    created = await w.client.post(
        "/api/events/xmas/screens", json={"name": "lobby"}, headers=w.auth("admin")
    )
    assert created.status_code == 201
    control = await pages.open(name="control")
    await log_in_as(control, live, "moderator")
    url = f"ws://127.0.0.1:{live.port}/ws/events/xmas/wall?token={w.tokens['display']}"
    beat = {
        "type": "heartbeat",
        "screen": "lobby",
        "client": "lobby-tv",
        "width": 3840,
        "height": 1080,
        "layout": "ticker",
        "last_seq": 1,
        "version": "0.0.9",
        "offline_since": None,
    }
    async with websockets.connect(url) as ws:
        await ws.recv()
        await ws.send(json.dumps(beat))
        row = control.locator(f'{screen_group("lobby")} tr.client[data-client="lobby-tv"]')
        await expect(row.locator(".client-size")).to_have_text("3840\u00d71080")
        await expect(row.locator(".client-layout")).to_have_text("ticker")
        await expect(row.locator(".client-seq")).to_have_text(re.compile(r"^1\b"))
        await expect(row.locator(".client-version")).to_have_text("0.0.9 (old: reload)")
        status = control.locator(f"{screen_group('lobby')} .screen-status")
        await expect(status).to_have_text("1 wall online")
        await expect(control.locator(f"{screen_group()} .screen-status")).to_have_text(
            "no wall connected"
        )
        await pages.screenshot(control, "heartbeat", full_page=True)
        presence = w.app.state.services.presence
        later = time.time() + 31
        presence.clock = lambda: later  # the server's clock moves on 31 s without a beat
        await expect(row).to_have_attribute("data-online", "false")
        await expect(status).to_have_text(re.compile(r"^offline · last beat 3\d s ago$"))


async def test_steering_and_announcements_from_the_control_page(
    pages: Pages, live: LiveServer
) -> None:
    """Pause, blackout and an announcement with a countdown, each from its button, change the
    screens' state on the server and the page shows it."""
    w = live.wall
    control = await pages.open(name="control")
    await log_in_as(control, live, "moderator")
    group = control.locator(screen_group())
    await group.get_by_role("button", name="Pause").click()
    await expect(group.get_by_role("button", name="Resume")).to_be_visible()
    await expect(group.locator(".screen-badges")).to_contain_text("paused")
    await control.locator(".steer-all").get_by_role("button", name="Blackout all").click()
    await expect(group.get_by_role("button", name="End blackout")).to_have_attribute(
        "aria-pressed", "true"
    )
    await control.locator("#announce-text").fill("Dinner is served <b>now</b>")
    await control.get_by_label("Full screen").check()
    await control.locator("#announce-minutes").fill("5")
    await control.get_by_role("button", name="Show announcement").click()
    await expect(control.locator("#announce-current")).to_contain_text(
        "full screen: Dinner is served <b>now</b>"
    )
    listing = (await w.client.get("/api/events/xmas/screens", headers=w.auth("moderator"))).json()
    main = listing["screens"][0]
    assert main["state"] == {"paused": True, "blackout": True, "spotlight": None}
    announcement = listing["announcement"]
    assert announcement["text"] == "Dinner is served <b>now</b>"
    assert announcement["style"] == "fullscreen"
    assert announcement["until"] == pytest.approx(time.time() + 300, abs=30)
    await control.get_by_role("button", name="Clear announcement").click()
    await expect(control.locator("#announce-current")).to_have_text("nothing")
    assert await control.locator("#branding-form").count() == 0  # moderators steer only


async def test_the_kill_switch_blanks_the_wall_and_a_poll_sent_before_it_does_not_undo_it(
    pages: Pages, live: LiveServer
) -> None:
    """The control page's kill switch blanks an open wall. A poll of the screens that left the
    server before the press, answered after it, does not put the button back to "off": staff
    would think the screens show posts again while they are blank."""
    await approved(live.wall, "k1", "Frohe Weihnachten!")
    wall = await pages.open("/wall/xmas", name="wall")
    await expect(wall.locator("#cards .card")).to_have_count(1)
    control = await pages.open(name="control")
    await log_in_as(control, live, "moderator")
    kill = control.locator("#kill")
    await expect(kill).to_be_enabled()
    await expect(kill).to_have_attribute("aria-pressed", "false")

    held, release = asyncio.Event(), asyncio.Event()

    async def hold_next_poll(route: Route) -> None:
        stale = await route.fetch()  # read now, before the press: "off"
        held.set()
        await release.wait()
        await route.fulfill(response=stale)

    await control.route("**/api/events/xmas/screens", hold_next_poll)
    await asyncio.wait_for(held.wait(), 5)
    await kill.click()
    await expect(kill).to_have_attribute("aria-pressed", "true")
    await wait_until(wall, f"{WALL}.dataset.paused === 'true'")
    await expect(wall.locator("#cards")).to_be_hidden()

    async with control.expect_request_finished(lambda r: r.url.endswith("/screens")):
        release.set()
    await control.unroute("**/api/events/xmas/screens")
    await control.evaluate("new Promise((done) => setTimeout(done))")  # its answer is shown
    # Read once, not retried: the next poll, 2 s on, would put right what the stale one undid.
    assert await kill.get_attribute("aria-pressed") == "true"
    assert "Kill switch ON" in (await kill.text_content() or "")

    await kill.click()
    await expect(wall.locator("#cards .card")).to_be_visible()
    await expect(kill).to_have_attribute("aria-pressed", "false")


async def test_hostile_posts_are_text_on_the_control_page(pages: Pages, live: LiveServer) -> None:
    """Scripts, broken HTML, a 5,000-character word and bidi tricks in posts and names are
    plain text in the spotlight list; spotlighting one works and nothing runs."""
    ids = []
    for i, post in enumerate(HOSTILE):
        author = {"name": post["author"], "handle": post.get("handle", "")}
        shown = await approved(live.wall, f"h{i}", post["text"], author=author)
        ids.append(shown["id"])
    control = await pages.open(name="control")
    await log_in_as(control, live)
    items = control.locator("#spotlight-list .post")
    await expect(items).to_have_count(len(HOSTILE))
    for post_id, post in zip(ids, HOSTILE, strict=True):
        item = f'#spotlight-list .post[data-post-id="{post_id}"]'
        await expect(control.locator(f"{item} .post-text")).to_have_text(post["text"])
        name = await control.locator(f"{item} .post-author").text_content() or ""
        assert visible_text(name) == visible_text(post["author"])
    await assert_inert(control, "#spotlight-list")
    hostile = control.locator(f'#spotlight-list .post[data-post-id="{ids[0]}"]')
    await hostile.get_by_role("button", name="Spotlight").click()
    await expect(hostile).to_have_class(re.compile(r"\blit\b"))
    listing = await live.wall.client.get(
        "/api/events/xmas/screens", headers=live.wall.auth("moderator")
    )
    assert listing.json()["screens"][0]["state"]["spotlight"] == ids[0]
    assert await control.evaluate("typeof window.__pwned") == "undefined"
    await pages.screenshot(control, "hostile", full_page=True)


async def test_admins_add_a_screen_and_see_the_whole_page(pages: Pages, live: LiveServer) -> None:
    """An admin adds a screen from the page; it is listed with its steering at once."""
    await approved(live.wall, "p1", "Schöne Feier!")
    control = await pages.open(name="control", viewport={"width": 1440, "height": 900})
    await log_in_as(control, live)
    await control.locator("#new-screen").fill("lobby")
    await control.get_by_role("button", name="Add screen").click()
    await expect(control.locator(screen_group("lobby"))).to_have_count(1)
    await expect(control.locator("#brand-screen option")).to_have_count(2)
    await expect(control.locator("#announce-target option")).to_have_text(
        ["all screens", "main", "lobby"]
    )
    await pages.screenshot(control, "overview", full_page=True)

    await control.set_viewport_size(PHONE)  # staff on the floor use their phones
    width = await control.evaluate("window.innerWidth")
    assert await control.evaluate("document.documentElement.scrollWidth") <= width
    pause = control.locator(screen_group("lobby")).get_by_role("button", name="Pause")
    box = await pause.bounding_box()
    assert box is not None and box["x"] + box["width"] <= width and box["height"] >= 40
    await pages.screenshot(control, "phone", full_page=True)


def beat(client: str, screen: str = "main") -> str:
    return json.dumps(
        {
            "type": "heartbeat",
            "screen": screen,
            "client": client,
            "width": 1920,
            "height": 1080,
            "layout": "masonry",
            "last_seq": 1,
            "version": "0.1.0",
            "offline_since": None,
        }
    )


async def test_the_badge_counts_walls_and_never_the_pages_own_preview(
    pages: Pages, live: LiveServer
) -> None:
    """A screen's badge and its rows agree, live: a beat from this page's own preview (an older
    cached wall script still sends one) is a marked row and the badge says only the preview is
    there; a wall's beat turns the badge to "1 wall online" without a reload; 30 s of silence
    and it says offline with the last beat's age."""
    w = live.wall
    control = await pages.open(name="control")
    await log_in_as(control, live, "moderator")
    status = control.locator(f"{screen_group()} .screen-status")
    await expect(status).to_have_text("no wall connected")
    own = await control.evaluate("sessionStorage.getItem('wallserver:client')")
    assert own.startswith("preview-")
    url = f"ws://127.0.0.1:{live.port}/ws/events/xmas/wall?token={w.tokens['display']}"
    async with websockets.connect(url) as preview, websockets.connect(url) as stage:
        await preview.recv()
        await preview.send(beat(own))
        preview_row = control.locator(f'{screen_group()} tr.client[data-client="{own}"]')
        await expect(preview_row.locator(".client-status")).to_have_text(
            "● preview on this page, not a wall"
        )
        await expect(preview_row).to_have_attribute("data-preview", "true")
        await expect(status).to_have_text("no wall connected · only this page's preview")
        await expect(status).to_have_attribute("data-state", "none")
        await stage.recv()
        await stage.send(beat("stage-tv"))
        await expect(status).to_have_text("1 wall online")
        await expect(status).to_have_attribute("data-state", "online")
        stage_row = control.locator(f'{screen_group()} tr.client[data-client="stage-tv"]')
        await expect(stage_row.locator(".client-status")).to_have_text("● online")
        await pages.screenshot(control, "wall-and-preview", full_page=True)
        later = time.time() + 31
        w.app.state.services.presence.clock = lambda: later
        await expect(status).to_have_text(re.compile(r"^offline · last beat 3\d s ago$"))
        await expect(status).to_have_attribute("data-state", "offline")
        await expect(preview_row.locator(".client-status")).to_have_text(
            "○ preview on this page, not a wall"
        )


async def test_a_wall_that_ran_earlier_in_the_same_tab_counts_as_a_wall(
    pages: Pages, live: LiveServer
) -> None:
    """A wall page opened in a tab that then goes to the control page was a wall: its row is
    not taken for the control page's preview, and the badge above it counts it (the badge once
    said "never connected" over a row reading "online (preview on this page)")."""
    tab = await pages.open("/wall/xmas", name="tab")
    await wait_until(tab, f"{WALL}.dataset.state === 'online'")
    shown = await tab.evaluate("sessionStorage.getItem('wallserver:client')")
    event = live.wall.event.id
    presence = live.wall.app.state.services.presence
    for _ in range(200):  # the wall's first beat follows its hello
        if any(b.client == shown for b in await presence.clients(event)):
            break
        await asyncio.sleep(0.05)
    else:
        raise AssertionError("the wall page never sent a heartbeat")
    await log_in_as(tab, live, "moderator")
    row = tab.locator(f'{screen_group()} tr.client[data-client="{shown}"]')
    await expect(row).to_have_attribute("data-preview", "false")
    await expect(row.locator(".client-status")).to_have_text("● online")
    await expect(tab.locator(f"{screen_group()} .screen-status")).to_have_text("1 wall online")
    assert await tab.evaluate("sessionStorage.getItem('wallserver:client')") != shown


async def test_a_spotlit_post_taken_down_leaves_the_control_page_and_the_wall(
    pages: Pages, live: LiveServer
) -> None:
    """Spotlit from the control page, then retracted by a moderator: the control page shows
    "nothing" in the spotlight and the open wall no longer shows it."""
    post = await approved(live.wall, "s1", "Im Rampenlicht")
    wall = await pages.open("/wall/xmas", name="wall")
    await wait_until(wall, f"{WALL}.dataset.state === 'online'")
    control = await pages.open(name="control")
    await log_in_as(control, live, "moderator")
    item = control.locator(f'#spotlight-list .post[data-post-id="{post["id"]}"]')
    await item.get_by_role("button", name="Spotlight").click()
    current = control.locator("#spotlight-current")
    await expect(current).to_have_text(f"main: post #{post['id']}")
    badges = control.locator(f"{screen_group()} .screen-badges")
    await expect(badges).to_contain_text(f"spotlight #{post['id']}")
    await wait_until(wall, f"{WALL}.dataset.spotlight === '{post['id']}'")
    assert (await live.wall.decide(post["id"], "hide", post["version"])).status_code == 200
    await expect(current).to_have_text("nothing")
    await expect(badges).not_to_contain_text("spotlight")
    await wait_until(wall, f"{WALL}.dataset.spotlight === ''")


async def test_pages_load_with_a_favicon_and_no_console_errors(
    pages: Pages, live: LiveServer
) -> None:
    """The login, control, admin, wall, live and posting pages load their icon (no 404 for
    /favicon.ico) and log no error to the console."""
    icons: list[tuple[str, int]] = []
    page = await pages.open(name="tour")

    async def answered(response: Response) -> None:
        if "favicon" in response.url:
            icons.append((response.url, response.status))

    page.on("response", answered)
    await log_in_as(page, live)
    for path in ("/admin", "/wall/xmas", "/live/xmas", "/post/xmas", "/login"):
        await page.goto(path)
        await page.wait_for_load_state("networkidle")
    assert icons and all(status == 200 for _, status in icons), icons
    assert pages.watch(page).console_errors == []
