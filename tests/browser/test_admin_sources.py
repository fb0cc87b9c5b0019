"""Sources on the admin page: add an RSS feed, watch it connect and count its posts, test,
pause and resume it, remove it; whatever a source says is shown as text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.async_api import expect
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.browser.conftest import Pages
from tests.conftest import LiveServer, make_settings
from tests.sources.test_polling_e2e import fake_server
from wallserver.settings import Settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """The fake feed runs on 127.0.0.1, which sources may not reach unless allowed."""
    return make_settings(tmp_path / "data", source_allow_networks=["127.0.0.0/8"])


pytestmark = pytest.mark.browser

FEED = (
    b"<rss version='2.0'><channel><title>Market news</title>"
    b"<item><title>Stalls open at six</title><guid isPermaLink='false'>n1</guid></item>"
    b"<item><title>Choir at eight</title><guid isPermaLink='false'>n2</guid></item>"
    b"</channel></rss>"
)


async def feed(request: Request) -> Response:
    return Response(FEED, media_type="application/rss+xml")


async def test_admin_adds_an_rss_source_and_sees_it_connected(
    pages: Pages, live: LiveServer
) -> None:
    await live.wall.store.auth.create_user("boss", "admin", "password123")
    async with fake_server([Route("/feed.xml", feed)]) as base:
        page = await pages.open("/admin", name="admin")
        await expect(page).to_have_url(re.compile(r"/login\?next="))
        await page.get_by_label("Name").fill("boss")
        await page.get_by_label("Password").fill("password123")
        await page.get_by_role("button", name="Log in").click()
        board = page.locator('.event-sources[data-slug="xmas"]')
        await expect(board.locator(".empty")).to_contain_text("No sources yet")
        sections = page.locator(".admin-section")  # one column: events, then sources
        await expect(sections.get_by_role("heading", level=2)).to_have_text(["Events", "Sources"])
        one, other = await sections.nth(0).bounding_box(), await sections.nth(1).bounding_box()
        assert one and other and (one["x"], one["width"]) == (other["x"], other["width"])

        await board.get_by_text("Add a source").click()
        await board.get_by_label("Kind").select_option("rss")
        hostile = f"{base}/feed.xml?<img src=x onerror=alert(1)>"
        await board.get_by_label("Feed URL").fill(hostile)
        await board.get_by_role("button", name="Add source").click()

        source = board.locator(".source")
        await expect(source).to_have_count(1)
        await expect(source.locator(".source-target")).to_have_text(hostile)  # as text
        assert await page.locator(".source img").count() == 0
        await expect(source.locator(".source-connected")).to_have_text("connected")
        await expect(source.locator(".source-rate")).to_have_text("0.2")  # 2 posts, 10 minutes
        await expect(source.locator(".source-last-post")).to_have_text("just now")
        stored = await live.wall.store.posts.page(live.wall.event.id, None, 10, None)
        assert sorted(p.text for p in stored.posts) == ["Choir at eight", "Stalls open at six"]
        await pages.screenshot(page, "connected", full_page=True)

        await source.get_by_role("button", name="Test connection").click()
        await expect(source.locator(".source-note")).to_have_text("Connection works")
        await source.get_by_role("button", name="Pause").click()
        await expect(source).to_have_attribute("data-state", "paused")
        await expect(source.locator(".source-connected")).to_have_text("not connected")
        await source.get_by_role("button", name="Resume").click()
        await expect(source).to_have_attribute("data-state", "running")
        await expect(source.locator(".source-connected")).to_have_text("connected")

        await source.get_by_role("button", name="Remove").click()
        await source.get_by_role("button", name="Really remove?").click()
        await expect(board.locator(".source")).to_have_count(0)
        assert await live.wall.store.sources.for_event(live.wall.event.id) == []


async def test_a_failing_source_shows_why(pages: Pages, live: LiveServer) -> None:
    """A feed that answers 404 stops; the page shows the state and the reason."""
    await live.wall.store.auth.create_user("boss", "admin", "password123")
    async with fake_server([Route("/feed.xml", feed)]) as base:
        await live.wall.store.sources.create(
            live.wall.event.id, "rss", {"url": f"{base}/gone.xml", "interval": 60}
        )
        page = await pages.open("/login?next=/admin", name="admin")
        await page.get_by_label("Name").fill("boss")
        await page.get_by_label("Password").fill("password123")
        await page.get_by_role("button", name="Log in").click()
        source = page.locator('.event-sources[data-slug="xmas"] .source')
        await expect(source).to_have_attribute("data-state", "failed", timeout=15_000)
        await expect(source.locator(".source-error")).to_have_text("feed: 404 not found")
        await expect(source.get_by_role("button", name="Resume")).to_be_visible()
