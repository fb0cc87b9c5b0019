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
    await expect(page.locator("#rules-result")).to_have_attribute("data-kind", "error")  # in red
    chain = {"chain": [{"kind": "regex", "patterns": ["sale"], "verdict": "reject"}]}
    await editor.fill(json.dumps(chain))
    await page.locator("#rules-dry-run").click()
    await expect(page.locator("#rules-result")).to_contain_text("(1 would change)")
    await expect(page.locator("#rules-changes")).to_contain_text("pending → rejected")
    assert (await live.wall.store.events.get("xmas")).rules == {}
    await page.locator("#rules-save").click()
    await expect(page.locator("#rules-result")).to_contain_text("Saved")
    later = await live.wall.ingest("s3", "another sale")
    assert later.json()["status"] == "rejected"


async def test_second_admin_saving_is_told_and_can_redo_on_top(
    pages: Pages, live: LiveServer
) -> None:
    """Another admin saves while this one edits: saving is refused with who saved, nothing is
    overwritten, and the saved rules can be loaded to make the change again on top."""
    await live.wall.store.auth.create_user("boss", "admin", "password123")
    page = await pages.open("/moderate/xmas", name="admin")
    await page.get_by_label("Name").fill("boss")
    await page.get_by_label("Password").fill("password123")
    await page.get_by_role("button", name="Log in").click()
    await expect(page.locator("#feed-status")).to_have_attribute("data-state", "online")
    await page.locator("#rules-open").click()
    editor = page.locator("#rules-text")
    await expect(editor).to_have_value('{\n  "chain": []\n}')
    theirs = {"chain": [{"kind": "banned_authors", "authors": ["troll"]}]}
    other = await live.wall.client.put(  # the other admin, with their own client
        "/api/events/xmas/rules", json={**theirs, "version": 0}, headers=live.wall.auth("admin")
    )
    assert other.status_code == 200, other.text
    mine = {"chain": [{"kind": "regex", "patterns": ["sale"], "verdict": "reject"}]}
    await editor.fill(json.dumps(mine))
    await page.locator("#rules-save").click()
    result = page.locator("#rules-result")
    await expect(result).to_contain_text("Not saved: the rules changed since you loaded them")
    await expect(result).to_contain_text("saved by token:")
    await pages.screenshot(page, "conflict")
    assert (await live.wall.store.events.get("xmas")).rules == theirs
    assert json.loads(await editor.input_value()) == mine  # the edit is not lost

    await page.locator("#rules-reload").click()
    assert json.loads(await editor.input_value()) == theirs
    both = {"chain": theirs["chain"] + mine["chain"]}
    await editor.fill(json.dumps(both))
    await page.locator("#rules-save").click()
    await expect(result).to_contain_text("Saved")
    assert (await live.wall.store.events.get("xmas")).rules == both


async def test_other_events_tags_are_filled_in_not_typed(pages: Pages, live: LiveServer) -> None:
    """One click adds the other events' hashtags to the rules in the editor; saved, a post that
    borrows one waits for a moderator."""
    await live.wall.store.events.create("nye", "New Year", ["NYE2027"])
    await live.wall.store.auth.create_user("boss", "admin", "password123")
    page = await pages.open("/moderate/xmas", name="admin")
    await page.get_by_label("Name").fill("boss")
    await page.get_by_label("Password").fill("password123")
    await page.get_by_role("button", name="Log in").click()
    await expect(page.locator("#feed-status")).to_have_attribute("data-state", "online")
    await page.locator("#rules-open").click()
    await page.get_by_role("button", name="Add other events' tags").click()
    result = page.locator("#rules-result")
    await expect(result).to_contain_text("Added other events' tags: #NYE2027.")
    chain = json.loads(await page.locator("#rules-text").input_value())["chain"]
    assert chain == [{"kind": "hashtags", "foreign": ["NYE2027"], "max_tags": 0, "verdict": "hold"}]
    await pages.screenshot(page, "filled")
    await page.locator("#rules-save").click()
    await expect(result).to_contain_text("Saved")
    borrowed = await live.wall.ingest("b1", "Prost! #NYE2027")
    assert borrowed.json()["status"] == "pending"
    assert (await live.wall.store.posts.get(borrowed.json()["id"])).rule == "foreign_hashtag"
