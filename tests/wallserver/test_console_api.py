"""Console endpoints: claims through the feed and the queue, shared by instances; the kill switch
on the wall log."""

from __future__ import annotations

import contextlib
import json
import re
import secrets
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from tests.conftest import Wall, make_settings, start_wall
from wallserver.app import create_app


async def post(w: Wall, path: str, body: dict[str, Any], role: str = "moderator") -> Any:
    response = await w.client.post(
        f"/api/events/{w.event.slug}{path}", json=body, headers=w.auth(role)
    )
    assert response.status_code == 200, response.text
    return response.json()


async def test_claims_show_in_the_queue_and_release(wall: Wall) -> None:
    """A claimed post carries its holder in the queue; a second claimant is told it is taken."""
    ids = [(await wall.ingest(f"c{i}", "hi")).json()["id"] for i in range(2)]
    mine = await post(wall, "/claims", {"post_ids": ids})
    assert [c["post_id"] for c in mine["claimed"]] == ids
    again = await post(wall, "/claims", {"post_ids": ids}, role="admin")
    assert [c["by"] for c in again["taken"]] == [mine["claimed"][0]["by"]] * 2
    queue = await wall.client.get(
        f"/api/events/{wall.event.slug}/posts?status=pending", headers=wall.auth("moderator")
    )
    assert {p["claimed_by"] for p in queue.json()["posts"]} == {mine["claimed"][0]["by"]}
    released = await post(wall, "/claims/release", {"post_ids": ids})
    assert released == {"released": ids}


async def test_a_decision_frees_the_claim(wall: Wall) -> None:
    """Deciding a claimed post releases the claim: another moderator may take the post."""
    post_id = (await wall.ingest("d", "hi")).json()["id"]
    await post(wall, "/claims", {"post_ids": [post_id]})
    assert (await wall.decide(post_id, "approve", 1)).status_code == 200
    again = await post(wall, "/claims", {"post_ids": [post_id]}, role="admin")
    assert [c["post_id"] for c in again["claimed"]] == [post_id]


@contextlib.asynccontextmanager
async def instance(data_dir: Path, secret: str, **overrides: Any) -> AsyncIterator[FastAPI]:
    """One wallserver instance with its lifespan running."""
    config = make_settings(data_dir, **overrides).model_copy(
        update={"secret_key": SecretStr(secret)}
    )
    app = create_app(config)
    async with app.router.lifespan_context(app):
        yield app


@pytest.mark.postgres
@pytest.mark.redis
async def test_a_post_claimed_on_one_instance_is_not_offered_by_another(
    tmp_path: Path, postgres_url: str, redis_url: str
) -> None:
    """Two instances share PostgreSQL and Redis: a claim made through one is taken on the other,
    shows in the other's queue, and is freed everywhere by a release or a decision."""
    shared = {"database_url": postgres_url, "broker_url": redis_url}
    secret = f"claims-across-instances-{secrets.token_hex(8)}"  # its own Redis namespace
    async with (
        instance(tmp_path / "a", secret, **shared) as a,
        instance(tmp_path / "b", secret, **shared) as b,
    ):
        one = await start_wall(a)
        two = Wall(
            b,
            b.state.services.store,
            one.event,
            one.tokens,
            httpx.AsyncClient(transport=httpx.ASGITransport(b), base_url="http://wall.test"),
        )
        async with one.client, two.client:
            ids = [(await one.ingest(f"x{i}", "hi")).json()["id"] for i in range(3)]
            mine = await post(one, "/claims", {"post_ids": ids[:2]})
            ada = mine["claimed"][0]["by"]
            other = await post(two, "/claims", {"post_ids": ids}, role="admin")
            assert [c["post_id"] for c in other["claimed"]] == ids[2:]
            assert [(c["post_id"], c["by"]) for c in other["taken"]] == [(i, ada) for i in ids[:2]]
            queue = await two.client.get(
                f"/api/events/{two.event.slug}/posts?status=pending&order=oldest",
                headers=two.auth("moderator"),
            )
            holders = [p["claimed_by"] for p in queue.json()["posts"]]
            assert holders == [ada, ada, other["claimed"][0]["by"]]

            assert await post(one, "/claims/release", {"post_ids": ids[:1]}) == {
                "released": ids[:1]
            }
            assert (await one.decide(ids[1], "approve", 1)).status_code == 200
            freed = await post(two, "/claims", {"post_ids": ids[:2]}, role="admin")
            assert [c["post_id"] for c in freed["claimed"]] == ids[:2]


async def test_kill_switch_writes_pause_and_resume_to_the_wall_log(wall: Wall) -> None:
    """Pause and resume are wall events with a seq, so screens that reconnect replay them; the
    state's answers carry the seq of the press that set it, so a console can order them."""
    state_url = f"/api/events/{wall.event.slug}/kill"
    never = await wall.client.get(state_url, headers=wall.auth("admin"))
    assert never.json() == {"paused": False, "seq": 0}
    assert await post(wall, "/kill", {}) == {"paused": True, "seq": 1}
    state = await wall.client.get(state_url, headers=wall.auth("admin"))
    assert state.json() == {"paused": True, "seq": 1}
    await wall.ingest("k1", "a later wall event does not move the switch's seq")
    assert (await wall.decide(1, "approve", 1)).status_code == 200
    screens = await wall.client.get(f"{state_url[:-5]}/screens", headers=wall.auth("admin"))
    assert (screens.json()["kill_switch"], screens.json()["kill_switch_seq"]) == (True, 1)
    resumed = await post(wall, "/kill", {"paused": False})
    assert resumed["paused"] is False and resumed["seq"] > 2
    log = [json.loads(m.text) for m in await wall.store.wall.after(wall.event.id, 0)]
    assert [(m["type"], m["seq"]) for m in log if m["type"].startswith(("wall.p", "wall.r"))] == [
        ("wall.pause", 1),
        ("wall.resume", resumed["seq"]),
    ]
    assert log[1]["type"] == "post.show"
    assert not await wall.store.wall.paused(wall.event.id)


async def test_figures_count_flow_and_time_to_decision_per_moderator(wall: Wall) -> None:
    """Arrivals, decisions and each moderator's median and p90 time to decision."""
    ids = [(await wall.ingest(f"f{i}", "hi")).json()["id"] for i in range(4)]
    for post_id in ids[:3]:
        assert (await wall.decide(post_id, "approve", 1)).status_code == 200
    response = await wall.client.get(
        f"/api/events/{wall.event.slug}/figures?minutes=1", headers=wall.auth("moderator")
    )
    body = response.json()
    assert (body["queue_depth"], body["in_per_minute"], body["out_per_minute"]) == (1, 4.0, 3.0)
    [row] = body["moderators"]
    assert row["decisions"] == 3
    assert 0 <= row["median_s"] <= row["p90_s"] < 30


async def test_ban_from_a_post_changes_the_rules_for_the_next_post(wall: Wall) -> None:
    """A moderator bans a post's author: the change is audited and their next post is rejected."""
    first = (await wall.ingest("b1", "hi", author={"handle": "troll"})).json()["id"]
    response = await wall.client.post(
        f"/api/posts/{first}/author", json={"action": "ban"}, headers=wall.auth("moderator")
    )
    assert response.status_code == 200, response.text
    assert (await wall.ingest("b2", "again", author={"handle": "troll"})).json()["status"] == (
        "rejected"
    )
    [change] = await wall.store.events.rule_history(wall.event.id)
    assert change.actor.startswith("token:")


async def test_caption_edit_keeps_the_original_and_updates_the_wall(wall: Wall) -> None:
    """An edit of an approved post is audited, keeps the original, and re-shows the post; undo
    still undoes the last decision, not the edit."""
    body = {"media": [{"url": "https://x.example/a.jpg", "kind": "image"}]}
    post_id = (await wall.ingest("e", "Merry Xmsa!", **body)).json()["id"]
    assert (await wall.decide(post_id, "approve", 1)).status_code == 200
    response = await wall.client.post(
        f"/api/posts/{post_id}/edit",
        json={"version": 2, "text": "Merry Xmas!", "alt": ["Team at the tree"]},
        headers=wall.auth("moderator"),
    )
    assert response.status_code == 200, response.text
    edited = response.json()
    assert (edited["text"], edited["media"][0]["alt"], edited["version"]) == (
        "Merry Xmas!",
        "Team at the tree",
        3,
    )
    assert edited["original"]["text"] == "Merry Xmsa!"
    log = [json.loads(m.text) for m in await wall.store.wall.after(wall.event.id, 0)]
    assert [m["type"] for m in log] == ["post.retract", "post.show"]  # the old text is gone
    assert log[-1]["post"]["text"] == "Merry Xmas!"
    stale = await wall.client.post(
        f"/api/posts/{post_id}/edit",
        json={"version": 2, "text": "x"},
        headers=wall.auth("moderator"),
    )
    assert stale.status_code == 409
    history = await wall.store.posts.history(post_id)
    assert [(d.action, d.reason) for d in history][-1] == ("edit", "edited caption and alt text")
    undone = await wall.decide(post_id, "undo", 3)
    assert undone.json()["status"] == "pending"


async def test_console_preview_uses_the_walls_card_template(wall: Wall) -> None:
    """The console previews posts from the same card markup and stylesheets the wall uses."""
    await wall.store.auth.create_user("mod", "moderator", "password123")
    login = await wall.client.post("/api/session", json={"name": "mod", "password": "password123"})
    assert login.status_code == 200, login.text
    card = re.compile(r'<template id="card-template">.*?</template>', re.DOTALL)
    console_page = (await wall.client.get(f"/moderate/{wall.event.slug}")).text
    wall_page = (await wall.client.get(f"/wall/{wall.event.slug}")).text
    console = card.findall(console_page)
    assert len(console) == 1
    assert console == card.findall(wall_page)
    # and the preview's frame loads the stylesheets the wall page loads, no more, no fewer
    [styles] = re.findall(r'data-styles="([^"]*)"', console_page)
    assert styles.split() == re.findall(r'<link rel="stylesheet" href="([^"]*)"', wall_page)


async def test_claims_stay_within_the_event(wall: Wall) -> None:
    """Another event's moderator cannot claim this event's posts: refused with a 404, and this
    event's moderators still find the posts free."""
    post_id = (await wall.ingest("x1", "hi")).json()["id"]
    other = await wall.store.events.create("other", "Other", ["Other"], "pre")
    token = await wall.store.auth.create_token("moderator", other.id)
    response = await wall.client.post(
        "/api/events/other/claims",
        json={"post_ids": [post_id]},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 404, response.text
    assert response.json()["error"]["code"] == "not_found"
    mine = await post(wall, "/claims", {"post_ids": [post_id]})
    assert [c["post_id"] for c in mine["claimed"]] == [post_id]


@pytest.mark.parametrize("bad", [0, -5, 2**31, 2**64, 1.5, None])
async def test_claims_refuse_ids_that_cannot_be_posts(wall: Wall, bad: object) -> None:
    """Post ids outside 1..2^31-1 get a 422 in the JSON error shape, never a 500."""
    for path in ("/claims", "/claims/release"):
        response = await wall.client.post(
            f"/api/events/{wall.event.slug}{path}",
            json={"post_ids": [bad]},
            headers=wall.auth("moderator"),
        )
        assert response.status_code == 422, response.text
        assert response.json()["error"]["code"] == "validation_error"
