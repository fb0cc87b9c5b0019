"""Posts from bridges: idempotent on ``(source, source_id)``, rules applied, durable before 2xx."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from tests.conftest import Wall

TRUSTED_RULES = {"trusted_authors": ["@anna"], "banned_authors": [], "blocklist": []}


async def queue(w: Wall, status: str = "") -> list[dict[str, Any]]:
    """What a moderator sees in the event's queue and history."""
    response = await w.client.get(
        f"/api/events/{w.event.slug}/posts",
        params={"status": status, "limit": 200},
        headers=w.auth("moderator"),
    )
    assert response.status_code == 200, response.text
    posts: list[dict[str, Any]] = response.json()["posts"]
    return posts


async def wall_log(w: Wall, event_id: int | None = None) -> list[dict[str, Any]]:
    """Every wall event stored for the event, as walls receive them."""
    stored = await w.store.wall.after(w.event.id if event_id is None else event_id, 0, limit=10_000)
    return [json.loads(m.text) for m in stored]


async def set_rules(w: Wall, rules: dict[str, list[str]]) -> None:
    response = await w.client.put(
        f"/api/events/{w.event.slug}/rules", json=rules, headers=w.auth("admin")
    )
    assert response.status_code == 200, response.text


async def test_new_post_is_accepted_and_waits_for_review(wall: Wall) -> None:
    """A new post is acknowledged with 202 and waits in the pre-moderation queue, off the wall."""
    response = await wall.ingest("m-1", "Merry Christmas!", author={"name": "Anna"})
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "pending"
    assert body["created"] is True
    [post] = await queue(wall, "pending")
    assert (post["id"], post["text"], post["author"]["name"]) == (
        body["id"],
        "Merry Christmas!",
        "Anna",
    )
    assert await wall_log(wall) == []


async def test_repeated_post_returns_the_same_id_and_stores_nothing(wall: Wall) -> None:
    """Sending the same (source, source_id) again answers 200 with the first id, unchanged."""
    first = await wall.ingest("m-1", "first text")
    again = await wall.ingest("m-1", "edited text")
    assert (first.status_code, again.status_code) == (202, 200)
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["created"] is False
    posts = await queue(wall)
    assert [p["text"] for p in posts] == ["first text"]


async def test_same_source_id_from_another_source_is_another_post(wall: Wall) -> None:
    """Idempotency is on the pair: "42" on Mastodon and "42" on Bluesky are two posts."""
    a = await wall.ingest("42")
    b = await wall.client.post(
        "/api/events/xmas/ingest",
        json={"source": "bluesky", "source_id": "42", "text": "hi"},
        headers=wall.auth("ingest"),
    )
    assert (a.status_code, b.status_code) == (202, 202)
    assert a.json()["id"] != b.json()["id"]
    assert len(await queue(wall)) == 2


async def test_post_moderation_puts_posts_on_the_wall_at_once(wall: Wall) -> None:
    """In a post-moderated event a new post is approved and shown without a moderator."""
    created = await wall.client.post(
        "/api/events",
        json={"slug": "meetup", "name": "Meetup", "hashtags": ["meetup"], "moderation": "post"},
        headers=wall.auth("admin"),
    )
    assert created.status_code == 201, created.text
    response = await wall.client.post(
        "/api/events/meetup/ingest",
        json={"source": "test", "source_id": "1", "text": "Hello meetup"},
        headers=wall.auth("admin"),
    )
    assert response.status_code == 202
    assert response.json()["status"] == "approved"
    event = await wall.store.events.get("meetup")
    [shown] = await wall_log(wall, event.id)
    assert shown["type"] == "post.show"
    assert shown["post"]["id"] == response.json()["id"]
    assert shown["post"]["text"] == "Hello meetup"


async def test_trusted_author_goes_straight_to_the_wall(wall: Wall) -> None:
    """A trusted ambassador's post skips the queue, and moderators see why."""
    await set_rules(wall, TRUSTED_RULES)
    response = await wall.ingest("a-1", "Great party", author={"name": "Anna", "handle": "@Anna"})
    assert response.json()["status"] == "approved"
    [post] = await queue(wall)
    assert post["rule"] == "trusted_author"
    assert "@anna" in post["rule_reason"]
    assert [m["type"] for m in await wall_log(wall)] == ["post.show"]


async def test_banned_author_is_rejected_with_the_reason(wall: Wall) -> None:
    """A banned author's post is rejected on arrival, never shown, with a reason for moderators."""
    await set_rules(wall, {"trusted_authors": [], "banned_authors": ["troll"], "blocklist": []})
    response = await wall.ingest("t-1", "Hi", author={"handle": "@troll"})
    assert response.status_code == 202
    assert response.json()["status"] == "rejected"
    [post] = await queue(wall, "rejected")
    assert post["rule"] == "banned_author"
    assert "@troll" in post["rule_reason"]
    assert await wall_log(wall) == []


async def test_blocked_word_is_rejected_with_the_word(wall: Wall) -> None:
    """A post with a blocked word, however spelt, is rejected and the reason names the word."""
    await set_rules(
        wall, {"trusted_authors": ["anna"], "banned_authors": [], "blocklist": ["crap"]}
    )
    response = await wall.ingest("b-1", "what a CR4P party!", author={"handle": "anna"})
    assert response.json()["status"] == "rejected"
    [post] = await queue(wall)
    assert post["rule"] == "blocklist"
    assert "crap" in post["rule_reason"]
    assert await wall_log(wall) == []


async def test_concurrent_duplicates_store_one_post(any_wall: Wall) -> None:
    """Ten identical ingests at once store one post, shown once; all answers carry its id."""
    await set_rules(any_wall, TRUSTED_RULES)
    responses = await asyncio.gather(
        *(any_wall.ingest("dup-1", "once", author={"handle": "anna"}) for _ in range(10))
    )
    assert sorted(r.status_code for r in responses) == [200] * 9 + [202]
    assert len({r.json()["id"] for r in responses}) == 1
    assert len(await queue(any_wall)) == 1
    assert [m["type"] for m in await wall_log(any_wall)] == ["post.show"]
    history = await any_wall.client.get(
        f"/api/posts/{responses[0].json()['id']}/history", headers=any_wall.auth("moderator")
    )
    assert [d["action"] for d in history.json()["decisions"]] == ["ingest"]


async def test_created_at_in_any_offset_is_shown_in_utc(any_wall: Wall) -> None:
    """A bridge's timestamp with a UTC offset, or none, reaches walls as the same instant in UTC."""
    await set_rules(any_wall, TRUSTED_RULES)
    for source_id, sent in (("tz-1", "2024-12-24T18:00:00+02:00"), ("tz-2", "2024-12-24T16:00:00")):
        response = await any_wall.ingest(source_id, created_at=sent, author={"handle": "anna"})
        assert response.status_code == 202, response.text
    shown = [m["post"]["created_at"] for m in await wall_log(any_wall)]
    assert shown == ["2024-12-24T16:00:00Z", "2024-12-24T16:00:00Z"]
    assert {p["created_at"] for p in await queue(any_wall)} == {"2024-12-24T16:00:00Z"}


async def test_a_bridge_can_send_custom_emoji_which_are_not_the_posts_photo(wall: Wall) -> None:
    """A bridge may send a custom emoji as ``kind: emoji`` with its shortcode; it is stored with a
    ``:shortcode:`` description and does not count as the post's media for the rules."""
    chain = {"chain": [{"kind": "media", "require": "media", "verdict": "reject"}]}
    response = await wall.client.put(
        f"/api/events/{wall.event.slug}/rules", json=chain, headers=wall.auth("admin")
    )
    assert response.status_code == 200, response.text
    name = f"{'a' * 32}.jpg"  # one of this server's own files: referenced, not fetched
    emoji = {"url": f"https://wall.example/media/{name}", "kind": "emoji", "shortcode": "tree"}
    response = await wall.ingest("e-1", "Oh :tree:", media=[emoji])
    assert response.status_code == 202, response.text
    assert response.json()["status"] == "rejected"  # a custom emoji is not a photo
    [post] = await queue(wall)
    assert post["media"] == [
        {"kind": "emoji", "shortcode": "tree", "url": f"/media/{name}", "alt": ":tree:"}
    ]


async def test_a_date_that_cannot_be_utc_is_the_arrival_time_not_a_500(wall: Wall) -> None:
    """Year 1 at +23:59 overflowed the store (issue #13): the post is kept, dated on arrival;
    a date out of any sane range likewise; text that is no date at all stays a 422."""
    for n, date in enumerate(
        ["0001-01-01T00:00:00+23:59", "9999-12-31T23:59:59-23:59", "1970-01-02T00:00:00Z"]
    ):
        response = await wall.ingest(f"d-{n}", "dated oddly", created_at=date)
        assert response.status_code == 202, response.text
        post = await wall.store.posts.get(response.json()["id"])
        assert post.created_at.year >= 2024
    assert (await wall.ingest("d-x", "no date", created_at="not a date")).status_code == 422
