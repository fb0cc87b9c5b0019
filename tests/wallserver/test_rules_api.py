"""Rules as data over the API: both shapes accepted, validated with clear 4xx, applied on ingest."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.conftest import Wall


async def put_rules(w: Wall, rules: dict[str, Any]) -> Any:
    return await w.client.put(
        f"/api/events/{w.event.slug}/rules", json=rules, headers=w.auth("admin")
    )


async def test_chain_is_stored_in_order_and_read_back(wall: Wall) -> None:
    """A chain is saved as given (normalised) and GET returns it."""
    chain = [
        {"kind": "trusted_authors", "authors": ["anna"]},
        {"kind": "regex", "patterns": ["buy now"], "verdict": "reject"},
    ]
    response = await put_rules(wall, {"chain": chain})
    assert response.status_code == 200, response.text
    got = await wall.client.get(f"/api/events/{wall.event.slug}/rules", headers=wall.auth("admin"))
    assert got.json()["rules"] == {"chain": chain}


async def test_legacy_shape_is_accepted_and_stored_as_a_chain(wall: Wall) -> None:
    """The original three lists still save, and come back as the equivalent chain."""
    response = await put_rules(wall, {"trusted_authors": ["@Anna"], "blocklist": ["crap"]})
    assert response.status_code == 200, response.text
    kinds = [r["kind"] for r in response.json()["rules"]["chain"]]
    assert kinds == ["banned_authors", "blocklist", "trusted_authors"]


async def test_an_event_created_with_the_three_lists_reads_back_as_a_chain(wall: Wall) -> None:
    """An event made with the original shape (as the demo and older scripts do) shows its rules as
    the equivalent chain, so the console's editor can add any rule kind to them."""
    body = {
        "slug": "gala",
        "name": "Gala",
        "hashtags": ["Gala"],
        "rules": {"trusted_authors": ["anna"], "banned_authors": [], "blocklist": ["mist"]},
    }
    created = await wall.client.post("/api/events", json=body, headers=wall.auth("admin"))
    assert created.status_code == 201, created.text
    got = await wall.client.get("/api/events/gala/rules", headers=wall.auth("admin"))
    chain = got.json()["rules"]["chain"]
    assert [r["kind"] for r in chain] == ["banned_authors", "blocklist", "trusted_authors"]
    assert chain[2]["authors"] == ["anna"]


async def test_bad_regex_is_a_clear_422(wall: Wall) -> None:
    """An invalid regular expression is refused with a message naming it; nothing is saved."""
    response = await put_rules(wall, {"chain": [{"kind": "regex", "patterns": ["(oops"]}]})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert "'(oops' is not a valid regular expression" in error["message"]
    assert (await wall.store.events.get(wall.event.slug)).rules == {}


async def test_unknown_rule_kind_is_a_422(wall: Wall) -> None:
    """A misspelt rule kind is refused, not silently ignored."""
    response = await put_rules(wall, {"chain": [{"kind": "blocklst"}]})
    assert response.status_code == 422
    assert "unknown kind 'blocklst'" in response.json()["error"]["message"]


async def test_rate_cap_holds_the_second_post_of_an_author(wall: Wall) -> None:
    """With one post per two minutes, the author's second post is held with the reason."""
    await put_rules(
        wall,
        {
            "chain": [
                {"kind": "rate", "posts": 1, "seconds": 120},
                {"kind": "trusted_authors", "authors": ["mia"]},
            ]
        },
    )
    first = await wall.ingest("r-1", "first!", author={"name": "Mia", "handle": "mia"})
    second = await wall.ingest("r-2", "second!", author={"name": "Mia", "handle": "mia"})
    other = await wall.ingest("r-3", "hello", author={"name": "Bo", "handle": "bo"})
    assert first.json()["status"] == "approved"
    assert second.json()["status"] == "pending"
    assert other.json()["status"] == "pending"
    post = await wall.store.posts.get(second.json()["id"])
    assert (post.rule, post.rule_reason) == ("rate_cap", "2 posts within 120 s (at most 1)")


async def test_near_duplicate_is_rejected(wall: Wall) -> None:
    """The same author posting the same text again is rejected by the duplicates rule."""
    await put_rules(wall, {"chain": [{"kind": "duplicates"}]})
    await wall.ingest("d-1", "Best party ever!", author={"handle": "kim"})
    again = await wall.ingest("d-2", "best party ever!!", author={"handle": "kim"})
    assert again.json()["status"] == "rejected"


async def rules_of(w: Wall) -> Any:
    got = await w.client.get(f"/api/events/{w.event.slug}/rules", headers=w.auth("admin"))
    assert got.status_code == 200, got.text
    return got.json()


BAN = {"chain": [{"kind": "banned_authors", "authors": ["troll"]}]}
TRUST = {"chain": [{"kind": "trusted_authors", "authors": ["anna"]}]}


async def test_saving_over_a_newer_version_is_a_409_naming_it(wall: Wall) -> None:
    """Two admins load the rules; the second to save is refused with who saved first, and the
    first one's rules stay; saving on top of the current version then works."""
    loaded = await rules_of(wall)
    assert loaded == {"rules": {"chain": []}, "version": 0}
    first = await put_rules(wall, {**BAN, "version": 0})
    assert first.status_code == 200, first.text
    saved = first.json()["version"]
    assert saved > 0 and (await rules_of(wall))["version"] == saved
    second = await put_rules(wall, {**TRUST, "version": 0})
    assert second.status_code == 409
    body = second.json()
    assert body["error"]["code"] == "stale_version"
    message = body["error"]["message"]
    assert f"version {saved} was saved by token:" in message
    assert "you edited version 0" in message
    assert (body["rules"], body["version"]) == (BAN, saved)
    assert (await rules_of(wall))["rules"] == BAN  # not overwritten
    again = await put_rules(wall, {"chain": BAN["chain"] + TRUST["chain"], "version": saved})
    assert again.status_code == 200, again.text
    history = await wall.client.get(
        f"/api/events/{wall.event.slug}/rules/history", headers=wall.auth("admin")
    )
    assert [c["version"] for c in history.json()["changes"]] == [again.json()["version"], saved]


async def test_simultaneous_saves_of_one_version_let_exactly_one_through(any_wall: Wall) -> None:
    """Two saves made to the same version at the same moment: one is stored, the other is a
    409, on SQLite and on PostgreSQL alike."""
    version = (await rules_of(any_wall))["version"]
    answers = await asyncio.gather(
        put_rules(any_wall, {**BAN, "version": version}),
        put_rules(any_wall, {**TRUST, "version": version}),
    )
    assert sorted(a.status_code for a in answers) == [200, 409]
    [winner] = [a for a in answers if a.status_code == 200]
    assert (await rules_of(any_wall))["rules"] == winner.json()["rules"]
    assert len(await any_wall.store.events.rule_history(any_wall.event.id)) == 1


async def test_a_ban_from_a_post_lands_on_rules_saved_meanwhile(
    wall: Wall, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An admin saves the rules just as a moderator bans an author from a post: the ban is added
    to the admin's rules instead of writing over them."""
    post_id = (await wall.ingest("b", "hi", author={"handle": "troll"})).json()["id"]
    store = wall.store.events
    read = store.rules_state

    async def read_then_admin_saves(event_id: int) -> tuple[dict[str, Any], int]:
        state = await read(event_id)
        monkeypatch.setattr(store, "rules_state", read)
        await store.save_rules(wall.event.slug, TRUST, "user:admin")  # lands in between
        return state

    monkeypatch.setattr(store, "rules_state", read_then_admin_saves)
    response = await wall.client.post(
        f"/api/posts/{post_id}/author", json={"action": "ban"}, headers=wall.auth("moderator")
    )
    assert response.status_code == 200, response.text
    kinds = {r["kind"]: r["authors"] for r in (await rules_of(wall))["rules"]["chain"]}
    assert kinds == {"banned_authors": ["troll"], "trusted_authors": ["anna"]}


async def test_other_events_hashtags_fill_the_hijacked_hashtag_rule(wall: Wall) -> None:
    """The other events' tags are added to the proposal (not saved); saved, they hold a post
    that borrows one; this event's own tags are never foreign."""
    await wall.store.events.create("nye", "New Year", ["NYE2027", "dabei"])
    await wall.store.events.create("summer", "Summer Fest", ["SummerFest"])
    trusted = {"kind": "trusted_authors", "authors": ["anna"]}
    response = await wall.client.post(
        f"/api/events/{wall.event.slug}/rules/foreign-hashtags",
        json={"chain": [trusted], "version": 0},
        headers=wall.auth("admin"),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["hashtags"] == body["added"] == ["NYE2027", "SummerFest"]  # "Dabei" is ours too
    hashtags = {"kind": "hashtags", "foreign": ["NYE2027", "SummerFest"], "max_tags": 0}
    assert body["rules"] == {"chain": [{**hashtags, "verdict": "hold"}, trusted]}
    assert (await rules_of(wall)) == {"rules": {"chain": []}, "version": 0}  # nothing saved

    again = await wall.client.post(
        f"/api/events/{wall.event.slug}/rules/foreign-hashtags",
        json=body["rules"],
        headers=wall.auth("admin"),
    )
    assert again.json()["added"] == [] and again.json()["rules"] == body["rules"]
    assert (await put_rules(wall, {**body["rules"], "version": 0})).status_code == 200
    borrowed = await wall.ingest("h1", "Best party! #summerfest #dabei", author={"handle": "anna"})
    assert borrowed.json()["status"] == "pending"
    post = await wall.store.posts.get(borrowed.json()["id"])
    assert (post.rule, post.rule_reason) == ("foreign_hashtag", "another event's tag: #SummerFest")
    own = await wall.ingest("h2", "Merry Xmas #Dabei", author={"handle": "anna"})
    assert own.json()["status"] == "approved"


async def test_foreign_hashtags_refuse_an_invalid_proposal(wall: Wall) -> None:
    """The proposal is validated like a save: a bad regex is a 422, not a silent fill."""
    response = await wall.client.post(
        f"/api/events/{wall.event.slug}/rules/foreign-hashtags",
        json={"chain": [{"kind": "regex", "patterns": ["(oops"]}]},
        headers=wall.auth("admin"),
    )
    assert response.status_code == 422
    assert "not a valid regular expression" in response.json()["error"]["message"]
