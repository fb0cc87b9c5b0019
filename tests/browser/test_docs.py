"""The API reference (/docs): an admin reaches it from the admin page and reads a whole page,
served from this site under its CSP, whose contents and schema links lead to their sections."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import expect

from tests.browser.conftest import PHONE, Pages
from tests.conftest import LiveServer

pytestmark = pytest.mark.browser


async def test_an_admin_reads_the_api_reference(pages: Pages, live: LiveServer) -> None:
    """Logged in as an admin, the reference shows endpoint headings, body fields and schema
    links that land on their definitions; no request leaves the site and nothing is blocked."""
    await live.wall.store.auth.create_user("boss", "admin", "password123")
    page = await pages.open("/admin", name="docs")
    elsewhere: list[str] = []
    page.on(
        "request",
        lambda r: None if r.url.startswith((live.url, "data:")) else elsewhere.append(r.url),
    )
    await expect(page).to_have_url(re.compile(r"/login\?next="))
    await page.get_by_label("Name").fill("boss")
    await page.get_by_label("Password").fill("password123")
    await page.get_by_role("button", name="Log in").click()
    # The click only presses; the page (170 KB) then loads within the navigation timeout, not
    # the 5 s of an action (CI: the suite on two cores took longer).
    async with page.expect_navigation(url=f"{live.url}/docs"):
        await page.get_by_role("link", name="API reference").click(no_wait_after=True)
    await expect(page).to_have_url(f"{live.url}/docs")

    await expect(page.get_by_role("heading", level=1)).to_have_text("wallserver API reference")
    ingest = page.get_by_role("heading", name="POST /api/events/{slug}/ingest")
    await expect(ingest).to_be_visible()
    await expect(page.get_by_role("heading", name="GET /healthz")).to_be_visible()
    await expect(page.get_by_role("heading", name="ingest", exact=True)).to_be_visible()
    card = page.locator("article.ref-op", has=ingest)
    await expect(card.get_by_text("Who: admin or ingest")).to_be_visible()
    fields = card.get_by_role("table", name="Request body fields")
    await expect(
        fields.get_by_role("row", name=re.compile(r"^source_id string required"))
    ).to_be_visible()
    box = await ingest.bounding_box()
    assert box is not None and box["height"] > 10 and box["width"] > 200  # laid out, not blank
    await pages.screenshot(page, "top")

    await (
        page.get_by_role("navigation", name="Contents")
        .get_by_role("link", name="POST /api/events/{slug}/ingest")
        .click()
    )
    await expect(page).to_have_url(re.compile(r"#op-ingest_"))
    await expect(ingest).to_be_in_viewport()
    await pages.screenshot(page, "ingest")
    await card.get_by_role("link", name="Media", exact=True).first.click()
    media = page.get_by_role("heading", name=re.compile(r"^Media object"))
    await expect(media).to_be_in_viewport()
    await pages.screenshot(page, "media")

    await page.set_viewport_size(PHONE)
    await page.goto("/docs")
    await expect(ingest).to_be_visible()
    await (
        page.get_by_role("navigation", name="Contents")
        .get_by_role("link", name="ingest", exact=True)
        .click()
    )  # on a phone the contents are the tags
    await expect(page.get_by_role("heading", name="ingest", exact=True)).to_be_in_viewport()
    await pages.screenshot(page, "phone")

    assert elsewhere == []
    assert pages.watch(page).console_errors == []
