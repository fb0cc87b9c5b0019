"""The analytics page in a browser: the figures of a generated event as tiles, charts and lists,
drawn under the site's CSP; one printed page; admins edit the ambassador list."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Page, expect

from tests.browser.conftest import ARTIFACTS, Pages, log_in, wait_until
from tests.conftest import LiveServer
from tests.wallserver.generated_event import generated_wall

pytestmark = pytest.mark.browser
PROJECTOR = {"width": 1280, "height": 720}


async def admin_on_analytics(pages: Pages, live: LiveServer, **options: object) -> Page:
    await live.wall.store.auth.create_user("boss", "admin", "password123")
    page = await pages.open("/admin/xmas/analytics", name="analytics", **options)  # type: ignore[arg-type]
    await expect(page).to_have_url(re.compile(r"/login\?next="))
    await page.get_by_label("Name").fill("boss")
    await page.get_by_label("Password").fill("password123")
    await page.get_by_role("button", name="Log in").click()
    await expect(page).to_have_url(f"{live.url}/admin/xmas/analytics")
    return page


async def test_the_report_shows_the_figures_and_prints_on_one_page(
    pages: Pages, live: LiveServer
) -> None:
    """Tiles show the API's totals, both charts are drawn, the lists are filled; printed, the
    report is one A4 page."""
    await generated_wall(live.wall)
    api = await live.wall.client.get(
        "/api/events/xmas/analytics", headers=live.wall.auth("moderator")
    )
    figures = api.json()
    page = await admin_on_analytics(pages, live, viewport=PROJECTOR)
    posts = page.locator('[data-total="posts"]')
    await expect(posts).to_have_text(str(figures["totals"]["posts"]))
    await expect(page.locator('[data-total="contributors"]')).to_have_text("640")
    await expect(page.locator('[data-total="set_off"]')).to_have_text(
        str(figures["swarm"]["set_off"])
    )
    await expect(page.locator("#timeline-chart canvas")).to_have_count(1)
    await expect(page.locator("#multiplier-chart canvas")).to_have_count(1)
    first = figures["swarm"]["top_ambassadors"][0]
    await expect(page.locator("#top-ambassadors li").first).to_contain_text(first["ambassador"])
    await expect(page.locator("#hashtags li")).to_have_count(len(figures["hashtags"]))
    await expect(page.locator("#screens li")).to_have_count(4)
    await pages.screenshot(page, "projector")
    pdf = await page.pdf(path=str(ARTIFACTS / "analytics-report.pdf"), prefer_css_page_size=True)
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1
    await page.set_viewport_size({"width": 1062, "height": 733})  # A4 landscape less margins
    await page.emulate_media(media="print")
    await pages.screenshot(page, "print", full_page=True)


async def test_an_admin_saves_the_ambassador_list(pages: Pages, live: LiveServer) -> None:
    """Handles typed one a line are saved (as keys: no @, lower case) and come back on reload."""
    page = await admin_on_analytics(pages, live)
    await page.get_by_label("The team's list, one handle a line").fill("@Anna\nbob\n\n")
    await page.get_by_role("button", name="Save list").click()
    await expect(page.locator("#ambassador-note")).to_have_text("Saved: 2 handles.")
    await page.reload()
    await wait_until(page, "document.getElementById('ambassador-list').value === 'anna\\nbob'")
    stored = await live.wall.store.analytics.ambassadors(live.wall.event.id)
    assert stored == ["anna", "bob"]


async def test_a_moderator_reads_the_report_but_not_edits_the_list(
    pages: Pages, live: LiveServer
) -> None:
    """Moderators see the figures and the list, read-only and without a save button."""
    await live.wall.store.analytics.set_ambassadors(live.wall.event.id, ["anna"])
    page = await pages.open(name="moderator")
    await log_in(page, live, "/admin/xmas/analytics")
    await expect(page.locator('[data-total="posts"]')).to_have_text("0")
    await expect(page.locator("#timeline-chart")).to_contain_text("No posts yet.")
    await expect(page.locator("#ambassador-list")).to_have_value("anna")
    await expect(page.locator("#ambassador-list")).not_to_be_editable()
    await expect(page.get_by_role("button", name="Save list")).to_have_count(0)
