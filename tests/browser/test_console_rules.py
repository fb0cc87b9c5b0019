"""The rules editor in the console: a dry run shows what would change, a bad regex is explained,
saving applies the rules to the next post."""

from __future__ import annotations

import json
import re

import pytest
from playwright.async_api import expect

from tests.browser.conftest import Pages
from tests.conftest import LiveServer

pytestmark = pytest.mark.browser


async def test_admin_dry_runs_and_saves_rules(pages: Pages, live: LiveServer) -> None:
    """Dry run names the post a new rule would reject; a bad regex is refused; save applies."""
    await live.wall.ingest("s1", "Big SALE today")
    await live.wall.ingest("s2", "Merry Christmas")
    await live.wall.store.auth.create_user("boss", "admin", "password123")
    page = await pages.open("/moderate/xmas", name="admin")
    await expect(page).to_have_url(re.compile(r"/login\?next="))
    await page.get_by_label("Name").fill("boss")
    await page.get_by_label("Password").fill("password123")
    await page.get_by_role("button", name="Log in").click()
    await expect(page.locator("#queue .item")).to_have_count(2)
    await page.locator("#rules-open").click()
    editor = page.locator("#rules-text")
    await editor.fill(json.dumps({"chain": [{"kind": "regex", "patterns": ["(sale"]}]}))
    await page.locator("#rules-dry-run").click()
    await expect(page.locator("#rules-result")).to_contain_text("not a valid regular expression")
    chain = {"chain": [{"kind": "regex", "patterns": ["sale"], "verdict": "reject"}]}
    await editor.fill(json.dumps(chain))
    await page.locator("#rules-dry-run").click()
    await expect(page.locator("#rules-result")).to_contain_text("(1 change)")
    await expect(page.locator("#rules-changes")).to_contain_text("pending → rejected")
    assert (await live.wall.store.events.get("xmas")).rules == {}
    await page.locator("#rules-save").click()
    await expect(page.locator("#rules-result")).to_contain_text("Saved")
    later = await live.wall.ingest("s3", "another sale")
    assert later.json()["status"] == "rejected"
