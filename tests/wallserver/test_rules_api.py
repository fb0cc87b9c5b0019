"""Rules as data over the API: both shapes accepted, validated with clear 4xx, applied on ingest."""

from __future__ import annotations

from typing import Any

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
