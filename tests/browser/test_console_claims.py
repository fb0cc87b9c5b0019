"""Two moderators in two browser contexts: claims keep their queues apart; a race ends in one
decision and a clear message."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Page, WebSocketRoute, expect

from tests.browser.conftest import Pages
from tests.conftest import LiveServer

pytestmark = pytest.mark.browser


class SlowFeed:
    """Holds a console's feed messages while ``hold`` is set, like a slow network would."""

    def __init__(self) -> None:
        self.hold = False

    async def route(self, ws: WebSocketRoute) -> None:
        server = ws.connect_to_server()
        server.on_message(lambda m: None if self.hold else ws.send(m))

    async def setup(self, page: Page) -> None:
        await page.route_web_socket(re.compile(r"/ws/events/xmas/moderation"), self.route)


async def moderator(
    pages: Pages, live: LiveServer, name: str, feed: SlowFeed | None = None
) -> Page:
    await live.wall.store.auth.create_user(name, "moderator", "password123")
    setup = feed.setup if feed else None
    page = await pages.open("/moderate/xmas", name=name, setup=setup)
    await expect(page).to_have_url(re.compile(r"/login\?next="))
    await page.get_by_label("Name").fill(name)
    await page.get_by_label("Password").fill("password123")
    await page.get_by_role("button", name="Log in").click()
    await expect(page.locator("#feed-status")).to_have_attribute("data-state", "online")
    return page


async def shown(page: Page) -> set[int]:
    ids = await page.locator("#queue .item").evaluate_all(
        "els => els.map((e) => Number(e.dataset.postId))"
    )
    return set(ids)


async def test_two_moderators_never_see_the_same_claimed_post(
    pages: Pages, live: LiveServer
) -> None:
    """Each console shows only posts it claimed; a post decided or released moves on."""
    ids = [(await live.wall.ingest(f"c{i}", f"Post {i}")).json()["id"] for i in range(20)]
    ada = await moderator(pages, live, "ada")
    await expect(ada.locator("#queue .item")).to_have_count(10)
    bo = await moderator(pages, live, "bo")
    await expect(bo.locator("#queue .item")).to_have_count(7)  # Ada holds 13: 10 shown, 3 next
    first, second = await shown(ada), await shown(bo)
    assert first.isdisjoint(second)
    assert first == set(ids[:10])  # oldest first; Ada also holds the next three
    assert second == set(ids[13:])

    late = [(await live.wall.ingest(f"n{i}", f"New {i}")).json()["id"] for i in range(3)]
    await expect(bo.locator("#queue .item")).to_have_count(10)  # new posts go to the free console
    await expect(ada.locator("#queue .item")).to_have_count(10)
    assert (await shown(ada)).isdisjoint(await shown(bo))
    assert set(late) <= await shown(bo)

    await ada.keyboard.press("a")  # Ada's first post is decided: her next one comes from the rest
    await expect(ada.locator("#queue .item")).to_have_count(10)
    await expect(ada.locator("#queue-count")).to_have_text("22")
    assert (await shown(ada)).isdisjoint(await shown(bo))


async def test_decision_race_between_two_consoles_ends_in_one_decision(
    pages: Pages, live: LiveServer
) -> None:
    """Bo's stale client and Ada's click race for one post: one wins, Ada reads why if she lost."""
    post_id = (await live.wall.ingest("race", "Wer ist schneller?")).json()["id"]
    feed = SlowFeed()
    ada = await moderator(pages, live, "ada", feed)
    await expect(ada.locator(f'#queue .item[data-post-id="{post_id}"]')).to_be_visible()
    bo = await moderator(pages, live, "bo")
    await expect(bo.locator("#queue .item")).to_have_count(0)  # claimed by Ada: not offered
    racer = """async (id) => {
        const csrf = document.querySelector('meta[name="csrf-token"]').content;
        const r = await fetch(`/api/posts/${id}/decision`, {method: "POST",
            headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf},
            body: JSON.stringify({action: "reject", version: 1})});
        return r.status;
    }"""
    feed.hold = True  # Ada has not heard of Bo's decision when she clicks
    bo_status = await bo.evaluate(racer, post_id)
    await ada.locator(f'#queue .item[data-post-id="{post_id}"] button.approve').click()
    decisions = await live.wall.store.posts.history(post_id)
    assert [d.action for d in decisions if d.action != "ingest"] == ["reject"]
    assert bo_status == 200
    message = ada.locator("#console-message")
    await expect(message).to_contain_text("Already decided")
    await expect(message).to_contain_text("rejected")


async def test_looking_at_another_view_lets_the_waiting_posts_go(
    pages: Pages, live: LiveServer
) -> None:
    """While Ada holds every waiting post, Bo's empty console says so; when Ada turns to the
    posts on the wall, her claims are released and Bo gets the posts at once."""
    for i in range(3):
        await live.wall.ingest(f"v{i}", f"Post {i}")
    ada = await moderator(pages, live, "ada")
    await expect(ada.locator("#queue .item")).to_have_count(3)
    bo = await moderator(pages, live, "bo")
    await expect(bo.locator("#queue-empty")).to_contain_text(
        "All 3 waiting posts are on other moderators' screens"
    )
    await expect(bo.locator("#queue .item")).to_have_count(0)
    await ada.locator("#f-status").select_option("approved")
    await expect(bo.locator("#queue .item")).to_have_count(3)
    await ada.locator("#f-status").select_option("pending")  # back: the posts are Bo's now
    await expect(ada.locator("#queue-empty")).to_contain_text("on other moderators' screens")
