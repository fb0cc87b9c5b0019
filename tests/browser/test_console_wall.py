"""What the console does to the screens: undo restores the wall, the kill switch blanks every
open screen within a second and brings them back."""

from __future__ import annotations

import asyncio

import pytest
from playwright.async_api import APIResponse, Route, expect

from tests.browser.conftest import Pages, approved, log_in, wait_until
from tests.conftest import LiveServer

# Records when the screen went blank (the kill switch sets #wall[data-paused="true"]).
PAUSED_AT = """
new MutationObserver(() => {
  const wall = document.getElementById("wall");
  if (wall && wall.dataset.paused === "true" && !window.__pausedAt) window.__pausedAt = Date.now();
}).observe(document, { attributes: true, subtree: true, attributeFilter: ["data-paused"] });
"""

# Records when the kill switch was really pressed: Playwright's click first waits for the button
# to be visible, stable and enabled, which on a busy machine can take longer than the second.
PRESSED_AT = """
document.addEventListener("click", (ev) => {
  if (ev.target.id === "kill" && !window.__pressedAt) window.__pressedAt = Date.now();
}, true);
"""

# Every text the kill switch's button has shown, in order.
KILL_TEXTS = """
window.__killTexts = [];
new MutationObserver(() => {
  const kill = document.getElementById("kill");
  const last = window.__killTexts[window.__killTexts.length - 1];
  if (kill && kill.textContent !== last) window.__killTexts.push(kill.textContent);
}).observe(document, { childList: true, characterData: true, subtree: true });
"""

pytestmark = pytest.mark.browser


async def test_undo_restores_the_previous_state_on_the_wall(pages: Pages, live: LiveServer) -> None:
    """Approve shows the card on the wall, undo takes it off again; and back for a rejection."""
    wall = await pages.open("/wall/xmas", name="wall")
    console = await pages.open(name="console")
    await log_in(console, live)
    post_id = (await live.wall.ingest("u1", "Erst drauf, dann weg")).json()["id"]
    card = wall.locator(f'#cards .card[data-post-id="{post_id}"]')
    await expect(console.locator("#queue .item")).to_have_count(1)
    await console.keyboard.press("a")
    await expect(card).to_be_visible(timeout=1000)  # a decision reaches the wall within 1 s
    await expect(console.locator("#console-message")).to_contain_text("Approved")
    await console.keyboard.press("u")
    await expect(card).to_have_count(0, timeout=1000)
    await expect(console.locator("#queue .item")).to_have_count(1)

    shown = await approved(live.wall, "u2", "Schon auf der Wand")
    other = wall.locator(f'#cards .card[data-post-id="{shown["id"]}"]')
    await expect(other).to_be_visible()
    await console.locator("#f-status").select_option("approved")
    item = console.locator(f'#queue .item[data-post-id="{shown["id"]}"]')
    await item.locator("button.retract").click()  # retract after approval
    await expect(other).to_have_count(0, timeout=1000)
    await expect(console.locator("#console-message")).to_contain_text("Retracted")
    await console.keyboard.press("u")
    await expect(other).to_be_visible(timeout=1000)


async def test_kill_switch_blanks_every_open_screen_within_a_second(
    pages: Pages, live: LiveServer
) -> None:
    """One press pauses the big screen and a phone's live view at once; a second resumes them."""
    await approved(live.wall, "k1", "Frohe Weihnachten!")
    screens = [
        await pages.open("/wall/xmas", name="wall", init_scripts=(PAUSED_AT,)),
        await pages.open("/live/xmas", name="live", init_scripts=(PAUSED_AT,)),
    ]
    for screen in screens:
        await expect(screen.locator("#cards .card")).to_have_count(1)
    console = await pages.open(name="console", init_scripts=(PRESSED_AT,))
    await log_in(console, live)
    kill = console.locator("#kill")
    await expect(kill).to_have_text("Pause all screens")
    await expect(kill).to_be_enabled()  # once the console knows the switch is off
    # Timed by the pages themselves (one machine, one clock), from the press to each screen going
    # blank, so the test harness's own polling does not count against the second.
    await kill.click()
    pressed = await wait_until(console, "window.__pressedAt")
    for screen in screens:
        paused_at = await wait_until(screen, "window.__pausedAt", 5.0)
        await expect(screen.locator("#cards")).to_be_hidden()
        assert paused_at - pressed < 1000, f"blank after {paused_at - pressed} ms"
    await expect(kill).to_have_attribute("aria-pressed", "true")
    await pages.screenshot(screens[0], "paused")

    late = await pages.open("/wall/xmas", name="late-wall")  # a screen opened while paused
    await wait_until(late, "document.getElementById('wall').dataset.paused === 'true'", 2.0)

    await kill.click()
    for screen in [*screens, late]:
        await expect(screen.locator("#cards .card")).to_be_visible(timeout=1000)
    await expect(kill).to_have_text("Pause all screens")


async def test_console_kill_switch_waits_for_its_state_and_never_goes_back_in_time(
    pages: Pages, live: LiveServer
) -> None:
    """The button cannot be pressed before the console knows whether the screens are paused (a
    press would toggle the wrong way); an answer that left the server before a newer press (here
    the console's first GET, held back) does not undo what the newer press's message showed."""
    stale: list[APIResponse] = []
    fetched, release = asyncio.Event(), asyncio.Event()

    async def hold_state(route: Route) -> None:
        if route.request.method != "GET":
            await route.continue_()
            return
        stale.append(await route.fetch())  # read now: "not paused"
        fetched.set()
        await release.wait()
        await route.fulfill(response=stale[-1])

    console = await pages.open(name="console", init_scripts=(KILL_TEXTS,))
    await console.route("**/api/events/xmas/kill", hold_state)
    await log_in(console, live)
    kill = console.locator("#kill")
    await asyncio.wait_for(fetched.wait(), 5)
    await expect(kill).to_be_disabled()
    assert (await stale[0].json())["paused"] is False

    other = await live.wall.client.post(  # a second console presses the switch
        "/api/events/xmas/kill", json={"paused": True}, headers=live.wall.auth("moderator")
    )
    assert other.status_code == 200, other.text
    await expect(kill).to_have_text("Screens paused · resume")
    await expect(kill).to_be_enabled()

    async with console.expect_request_finished(lambda r: r.url.endswith("/kill")):
        release.set()
    await console.evaluate("new Promise((done) => setTimeout(done))")  # its .then has run
    assert await console.evaluate("window.__killTexts") == [
        "Pause all screens",
        "Screens paused · resume",
    ]
    await expect(kill).to_have_attribute("aria-pressed", "true")


async def test_caption_edit_reaches_the_wall(pages: Pages, live: LiveServer) -> None:
    """Editing an approved post's caption in the console changes the card on the wall."""
    shown = await approved(live.wall, "e1", "Frohe Wihnachten")
    wall = await pages.open("/wall/xmas", name="wall")
    card = wall.locator(f'#cards .card[data-post-id="{shown["id"]}"]')
    await expect(card).to_contain_text("Frohe Wihnachten")
    console = await pages.open(name="console")
    await log_in(console, live)
    await console.locator("#f-status").select_option("approved")
    await console.locator("#queue .item").first.locator("button.edit-button").click()
    await console.locator("#edit-text").fill("Frohe Weihnachten")
    await console.get_by_role("button", name="Save").click()
    await expect(console.locator("#console-message")).to_contain_text("original is kept")
    await expect(card).to_contain_text("Frohe Weihnachten", timeout=1000)
    assert (await live.wall.store.posts.get(shown["id"])).original == {
        "text": "Frohe Wihnachten",
        "media": [],
    }
