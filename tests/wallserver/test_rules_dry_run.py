"""Rules audit trail and dry run: a proposed rule set decides the queue and the last 500 posts
exactly as the same rules decide on ingest, and nothing is saved."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Wall, make_settings
from wallserver.settings import Settings

RECORDED = json.loads((Path(__file__).parents[1] / "data" / "recorded_posts.json").read_text())
CHAIN: dict[str, Any] = {
    "chain": [
        {"kind": "banned_authors", "authors": ["troll"]},
        {"kind": "banned_domains", "domains": ["spam.example", "bad.social"]},
        {"kind": "blocklist", "lists": ["de", "en"], "words": ["f*ck"]},
        {"kind": "hashtags", "foreign": ["OtherParty"], "max_tags": 5},
        {"kind": "links", "allow": ["example.com"], "other": "hold"},
        {"kind": "duplicates", "threshold": 0.9},
        {"kind": "rate", "posts": 3, "seconds": 600},
        {"kind": "language", "allow": ["de", "en"]},
        {"kind": "trusted_authors", "authors": ["anna", "bob"]},
    ]
}


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Process-crash durability is enough here; 500 fsyncs would dominate the test's time."""
    return make_settings(tmp_path, sqlite_synchronous="NORMAL")


async def put(w: Wall, path: str, body: dict[str, Any]) -> Any:
    url = f"/api/events/{w.event.slug}/rules{path}"
    method = w.client.post if path else w.client.put
    response = await method(url, json=body, headers=w.auth("admin"))
    assert response.status_code == 200, response.text
    return response.json()


async def test_dry_run_of_the_rules_in_force_matches_what_ingest_decided(wall: Wall) -> None:
    """500 recorded posts ingested under a chain; a dry run of the same chain gives every post
    the status, rule and reason it really got."""
    await put(wall, "", CHAIN)
    for body in RECORDED["posts"]:
        response = await wall.client.post(
            f"/api/events/{wall.event.slug}/ingest", json=body, headers=wall.auth("ingest")
        )
        assert response.status_code == 202, response.text
    result = await put(wall, "/dry-run", CHAIN)
    assert len(result["recent"]) == 500
    real = [(p["status"], p["rule"], p["rule_reason"]) for p in result["recent"]]
    dry = [
        (p["proposed"]["status"], p["proposed"]["rule"], p["proposed"]["reason"])
        for p in result["recent"]
    ]
    assert dry == real
    assert result["summary"]["recent"]["changed"] == 0
    assert {r for _, r, _ in real} >= {"blocklist", "rate_cap", "near_duplicate", "link"}
    assert [p["id"] for p in result["queue"]] == sorted(
        p["id"] for p in result["recent"] if p["status"] == "pending"
    )


async def test_dry_run_shows_changes_and_saves_nothing(wall: Wall) -> None:
    """A stricter proposal reports the posts it would change, and the rules in force stay."""
    await wall.ingest("a", "Big SALE now", author={"handle": "kim"})
    await wall.ingest("b", "Merry Christmas", author={"handle": "lea"})
    proposal = {"chain": [{"kind": "regex", "patterns": ["sale"], "verdict": "reject"}]}
    result = await put(wall, "/dry-run", proposal)
    by_text = {p["text"]: p for p in result["queue"]}
    assert by_text["Big SALE now"]["proposed"] == {
        "status": "rejected",
        "verdict": "reject",
        "rule": "regex",
        "reason": "matches /sale/",
    }
    assert by_text["Big SALE now"]["changed"] is True
    assert by_text["Merry Christmas"]["changed"] is False
    assert result["summary"]["queue"] == {"approved": 0, "pending": 1, "rejected": 1, "changed": 1}
    assert (await wall.store.events.get(wall.event.slug)).rules == {}
    assert await wall.store.events.rule_history(wall.event.id) == []


async def test_dry_run_refuses_invalid_rules(wall: Wall) -> None:
    """A bad regex in a proposal is a 422, as when saving."""
    response = await wall.client.post(
        f"/api/events/{wall.event.slug}/rules/dry-run",
        json={"chain": [{"kind": "regex", "patterns": ["[a-"]}]},
        headers=wall.auth("admin"),
    )
    assert response.status_code == 422


async def test_every_rules_change_is_in_the_audit_trail(wall: Wall) -> None:
    """Each saved rule set is recorded with who saved it, newest first."""
    await put(wall, "", {"chain": [{"kind": "trusted_authors", "authors": ["anna"]}]})
    await put(wall, "", {"banned_authors": ["troll"]})
    response = await wall.client.get(
        f"/api/events/{wall.event.slug}/rules/history", headers=wall.auth("admin")
    )
    changes = response.json()["changes"]
    assert [c["rules"]["chain"][0]["kind"] for c in changes] == [
        "banned_authors",
        "trusted_authors",
    ]
    assert changes[0]["version"] > changes[1]["version"]
    assert all(c["actor"].startswith("token:") and c["at"].endswith("Z") for c in changes)
