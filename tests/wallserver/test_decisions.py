"""Moderators' decisions: optimistic versions, one winner per race, undo, and the audit trail."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.conftest import Wall


async def pending_post(w: Wall, source_id: str = "p-1") -> dict[str, Any]:
    response = await w.ingest(source_id, f"post {source_id}")
    assert response.status_code == 202, response.text
    current = await w.client.get(
        f"/api/posts/{response.json()['id']}/history", headers=w.auth("moderator")
    )
    post: dict[str, Any] = current.json()["post"]
    return post


async def wall_effects(w: Wall) -> list[tuple[str, int]]:
    """The stored wall log as (type, post id) pairs, in seq order."""
    stored = await w.store.wall.after(w.event.id, 0, limit=10_000)
    out = []
    for message in stored:
        body = json.loads(message.text)
        out.append((body["type"], body["post"]["id"] if "post" in body else body["post_id"]))
    return out


async def history(w: Wall, post_id: int) -> dict[str, Any]:
    response = await w.client.get(f"/api/posts/{post_id}/history", headers=w.auth("moderator"))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_approve_returns_the_new_post_and_shows_it(wall: Wall) -> None:
    """Approving answers with the post at its next version and puts it on the wall."""
    post = await pending_post(wall)
    approved = ok(await wall.decide(post["id"], "approve", post["version"]))
    assert approved["status"] == "approved"
    assert approved["version"] == post["version"] + 1
    assert await wall_effects(wall) == [("post.show", post["id"])]


async def test_stale_version_is_refused_with_the_current_post(wall: Wall) -> None:
    """Deciding on an old version answers 409 stale_version with the post as it is now."""
    post = await pending_post(wall)
    ok(await wall.decide(post["id"], "approve", 1))
    stale = await wall.decide(post["id"], "reject", 1)
    assert stale.status_code == 409
    body = stale.json()
    assert body["error"]["code"] == "stale_version"
    assert body["post"]["id"] == post["id"]
    assert (body["post"]["status"], body["post"]["version"]) == ("approved", 2)
    assert (await history(wall, post["id"]))["post"]["status"] == "approved"
    assert await wall_effects(wall) == [("post.show", post["id"])]


@pytest.mark.parametrize("actions", [("approve", "approve"), ("approve", "reject")])
async def test_two_moderators_racing_get_one_winner(
    any_wall: Wall, actions: tuple[str, str]
) -> None:
    """Two moderators deciding the same version at once: one 200, one 409, one decision kept."""
    post = await pending_post(any_wall)
    responses = await asyncio.gather(
        *(any_wall.decide(post["id"], action, post["version"]) for action in actions)
    )
    assert sorted(r.status_code for r in responses) == [200, 409]
    winner = next(r.json() for r in responses if r.status_code == 200)
    loser = next(r.json() for r in responses if r.status_code == 409)
    assert loser["error"]["code"] == "stale_version"
    assert loser["post"]["version"] == winner["version"] == 2
    trail = await history(any_wall, post["id"])
    assert [d["action"] for d in trail["decisions"]] == ["ingest", actions[0]] or [
        d["action"] for d in trail["decisions"]
    ] == ["ingest", actions[1]]
    assert trail["post"]["status"] == winner["status"]
    shown = [("post.show", post["id"])] if winner["status"] == "approved" else []
    assert await wall_effects(any_wall) == shown


async def test_undo_of_approve_takes_the_post_off_the_wall(wall: Wall) -> None:
    """Undo after approve puts the post back in the queue and retracts it from walls; the show
    it had is rewritten as a retract (same seq), so a replay carries none of its content."""
    post = await pending_post(wall)
    ok(await wall.decide(post["id"], "approve", 1))
    undone = ok(await wall.decide(post["id"], "undo", 2))
    assert (undone["status"], undone["version"]) == ("pending", 3)
    assert await wall_effects(wall) == [("post.retract", post["id"])] * 2


async def test_undo_of_hide_shows_the_post_again(wall: Wall) -> None:
    """Undo after a retraction puts the post back on the wall, pinned if it was."""
    post = await pending_post(wall)
    ok(await wall.decide(post["id"], "approve", 1))
    ok(await wall.decide(post["id"], "pin", 2))
    ok(await wall.decide(post["id"], "hide", 3))
    restored = ok(await wall.decide(post["id"], "undo", 4))
    assert (restored["status"], restored["pinned"]) == ("approved", True)
    stored = await wall.store.wall.after(wall.event.id, 0)
    last = json.loads(stored[-1].text)
    assert last["type"] == "post.show"
    assert last["post"]["pinned"] is True
    assert [t for t, _ in await wall_effects(wall)] == [
        "post.retract",  # the first show, rewritten when the post left the wall
        "post.pin",
        "post.retract",
        "post.show",
    ]


async def test_undo_of_pin_unpins(wall: Wall) -> None:
    """Undo after pin sends the wall an unpin."""
    post = await pending_post(wall)
    ok(await wall.decide(post["id"], "approve", 1))
    ok(await wall.decide(post["id"], "pin", 2))
    undone = ok(await wall.decide(post["id"], "undo", 3))
    assert (undone["status"], undone["pinned"]) == ("approved", False)
    assert (await wall_effects(wall))[-1] == ("post.unpin", post["id"])


@pytest.mark.parametrize(
    ("setup", "action"),
    [
        ((), "pin"),  # only approved posts can be pinned
        ((), "unpin"),
        ((), "undo"),  # nothing to undo yet
        ((), "requeue"),  # already in the queue
        (("approve",), "approve"),
        (("approve",), "unpin"),
        (("reject",), "hide"),  # never shown, nothing to take down
        (("hide",), "hide"),
    ],
)
async def test_invalid_transition_is_refused_and_changes_nothing(
    wall: Wall, setup: tuple[str, ...], action: str
) -> None:
    """An action that does not fit the post's state answers 409 invalid_transition."""
    post = await pending_post(wall)
    version = 1
    for step in setup:
        version = ok(await wall.decide(post["id"], step, version))["version"]
    before = await history(wall, post["id"])
    log_before = await wall_effects(wall)
    response = await wall.decide(post["id"], action, version)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "invalid_transition"
    assert await history(wall, post["id"]) == before
    assert await wall_effects(wall) == log_before


async def test_decision_on_a_missing_post_is_404(wall: Wall) -> None:
    """Deciding on a post that does not exist answers 404."""
    response = await wall.decide(999_999, "approve", 1)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


async def test_history_is_the_audit_trail(wall: Wall) -> None:
    """Every change is recorded in order: who, what, from which state to which, and why."""
    post = await pending_post(wall)
    ok(await wall.decide(post["id"], "approve", 1))
    reject = await wall.client.post(
        f"/api/posts/{post['id']}/decision",
        json={"action": "reject", "version": 2, "reason": "off topic"},
        headers=wall.auth("moderator"),
    )
    ok(reject)
    ok(await wall.decide(post["id"], "undo", 3))
    trail = await history(wall, post["id"])
    steps = [(d["action"], d["from"], d["to"], d["reason"]) for d in trail["decisions"]]
    assert steps == [
        ("ingest", "", "pending", ""),
        ("approve", "pending", "approved", ""),
        ("reject", "approved", "rejected", "off topic"),
        ("undo", "rejected", "approved", ""),
    ]
    [actor] = {d["actor"] for d in trail["decisions"][1:]}
    assert actor.startswith("token:moderator")
    assert trail["post"]["status"] == "approved"


async def test_audit_times_say_they_are_utc(any_wall: Wall) -> None:
    """Every time in the audit trail carries its offset, so consoles show it in local time."""
    post = await pending_post(any_wall)
    ok(await any_wall.decide(post["id"], "approve", 1))
    trail = await history(any_wall, post["id"])
    for stamp in [d["at"] for d in trail["decisions"]] + [trail["post"]["received_at"]]:
        assert datetime.fromisoformat(stamp).utcoffset() == timedelta(0), stamp
