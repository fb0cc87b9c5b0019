"""Issue #14: an event's lifecycle (draft, rehearsal, live, ended) through the API and the CLI;
test posts of a rehearsal reach the walls, marked on consoles, and are gone once it goes live;
an ended event takes no posts and its walls show the closing screen."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import Wall
from tests.sources.test_api import SECRET, add, send
from tests.wallserver.test_cli import wallserver
from wallserver.errors import InvalidTransition
from wallserver.lifecycle import MOVES, State, check_move


async def move(w: Wall, state: str | None = None, closing: str | None = None) -> httpx.Response:
    body: dict[str, Any] = {}
    if state is not None:
        body["state"] = state
    if closing is not None:
        body["closing"] = closing
    return await w.client.post(
        f"/api/events/{w.event.slug}/state", json=body, headers=w.auth("admin")
    )


async def moved(w: Wall, *states: str) -> None:
    for state in states:
        done = await move(w, state)
        assert done.status_code == 200, done.text
        assert done.json()["state"] == state


async def replay(w: Wall) -> list[dict[str, Any]]:
    return [json.loads(m.text) for m in await w.store.wall.after(w.event.id, 0)]


async def ingest(w: Wall, source_id: str, text: str = "hello") -> httpx.Response:
    """A post for ``w.event`` (which may be another than the fixture's: an admin token)."""
    return await w.client.post(
        f"/api/events/{w.event.slug}/ingest",
        json={"source": "test", "source_id": source_id, "text": text},
        headers=w.auth("admin"),
    )


async def queue(w: Wall, status: str = "") -> list[dict[str, Any]]:
    listed = await w.client.get(
        f"/api/events/{w.event.slug}/posts",
        params={"status": status} if status else {},
        headers=w.auth("admin"),
    )
    assert listed.status_code == 200, listed.text
    posts: list[dict[str, Any]] = listed.json()["posts"]
    return posts


async def figures(w: Wall) -> dict[str, Any]:
    got = await w.client.get(f"/api/events/{w.event.slug}/figures", headers=w.auth("admin"))
    assert got.status_code == 200
    body: dict[str, Any] = got.json()
    return body


async def test_events_made_through_the_api_are_live_unless_told(wall: Wall) -> None:
    """Scripts that create an event and post to it keep working: the default state is live;
    the admin page's drafts say so."""
    assert (await wall.client.get("/api/events/xmas")).json()["state"] == "live"
    assert (await wall.ingest("a")).status_code == 202
    made = await wall.client.post(
        "/api/events",
        json={"slug": "gala", "name": "Gala", "hashtags": ["gala"], "state": "draft"},
        headers=wall.auth("admin"),
    )
    assert made.status_code == 201, made.text
    assert made.json()["state"] == "draft" and made.json()["closing"] == ""
    ended = await wall.client.post(
        "/api/events",
        json={"slug": "late", "name": "Late", "hashtags": ["late"], "state": "ended"},
        headers=wall.auth("admin"),
    )
    assert ended.status_code == 422


async def test_an_ended_event_takes_no_posts_from_any_way_in(wall: Wall) -> None:
    """Ingest (the fast path), submissions and signed webhooks answer 409 event_ended, in the
    error shape, and store nothing."""
    hook = (await add(wall, kind="webhook", secret=SECRET)).json()
    await moved(wall, "ended")
    refused = [
        await wall.ingest("b"),
        await wall.client.post(
            "/api/events/xmas/submissions", data={"text": "hi", "consent": "yes"}
        ),
        await send(wall, hook["id"], {"id": "sms-1", "text": "hi"}),
    ]
    for answer in refused:
        assert answer.status_code == 409, answer.text
        assert answer.json()["error"]["code"] == "event_ended"
    assert await queue(wall) == []


async def test_a_draft_takes_no_posts_yet(wall: Wall) -> None:
    """An event in draft answers posts with 409 event_not_open until it rehearses."""
    wall.event = await wall.store.events.create("gala", "Gala", ["gala"], state="draft")
    refused = await ingest(wall, "1")
    assert refused.status_code == 409
    assert refused.json() == {
        "error": {"code": "event_not_open", "message": "this event is not open for posts yet"}
    }
    submitted = await wall.client.post(
        "/api/events/gala/submissions", data={"text": "hi", "consent": "yes"}
    )
    assert submitted.status_code == 409
    assert submitted.json()["error"]["code"] == "event_not_open"
    await moved(wall, "rehearsal")
    assert (await ingest(wall, "1")).status_code == 202


async def test_moves_the_lifecycle_does_not_allow_are_409(wall: Wall) -> None:
    """live -> rehearsal or draft, ended -> rehearsal: 409 invalid_transition naming the
    allowed moves; an unknown state is a 422; an empty change is a 422."""
    for wrong in ("rehearsal", "draft"):
        refused = await move(wall, wrong)
        assert refused.status_code == 409
        assert refused.json()["error"]["code"] == "invalid_transition"
        assert "ended" in refused.json()["error"]["message"]
    await moved(wall, "ended")
    assert (await move(wall, "rehearsal")).status_code == 409
    assert (await move(wall, "closed")).status_code == 422
    assert (await move(wall)).status_code == 422
    assert (await move(wall, "ended")).status_code == 200  # the state it has: a no-op


async def test_only_admins_change_the_state(wall: Wall) -> None:
    """A moderator, a display token or nobody at all cannot move the event."""
    url = f"/api/events/{wall.event.slug}/state"
    for headers in (wall.auth("moderator"), wall.auth("display"), {}):
        refused = await wall.client.post(url, json={"state": "ended"}, headers=headers)
        assert refused.status_code in (401, 403)
    assert (await wall.client.get("/api/events/xmas")).json()["state"] == "live"


@given(st.sampled_from(list(State)), st.sampled_from([*State, "closed", ""]))
def test_check_move_allows_exactly_the_documented_moves(here: State, wanted: str) -> None:
    """Any pair of states: allowed iff listed in MOVES (or the same state), else refused."""
    if wanted == here or wanted in MOVES[here]:
        assert check_move(here.value, wanted) == wanted
    else:
        with pytest.raises(InvalidTransition):
            check_move(here.value, wanted)


async def test_a_rehearsal_post_reaches_the_wall_and_is_gone_once_live(any_wall: Wall) -> None:
    """In rehearsal a post is stored as a test post, shown to moderators as such and put on
    the wall; going live withdraws it: no queue, no replay, no figure shows it any more."""
    w = any_wall
    w.event = await w.store.events.create("gala", "Gala", ["gala"], state="draft")
    await moved(w, "rehearsal")
    sent = await ingest(w, "t1", "TEST POST from the rehearsal")
    assert sent.status_code == 202, sent.text
    post_id = sent.json()["id"]
    (listed,) = await queue(w, "pending")
    assert listed["rehearsal"] is True
    assert (await figures(w))["queue_depth"] == 1
    approved = await w.client.post(
        f"/api/posts/{post_id}/decision",
        json={"action": "approve", "version": 1},
        headers=w.auth("admin"),
    )
    assert approved.status_code == 200
    shows = [m for m in await replay(w) if m["type"] == "post.show"]
    assert [m["post"]["id"] for m in shows] == [post_id]
    assert "rehearsal" not in shows[0]["post"]  # walls show it as any post

    done = await move(w, "live")
    assert done.status_code == 200 and done.json()["withdrawn"] == 1
    log = await replay(w)
    assert "TEST POST" not in json.dumps(log)
    assert log[-1] == {"type": "post.retract", "seq": log[-1]["seq"], "post_id": post_id}
    assert await queue(w) == []
    assert (await figures(w))["queue_depth"] == 0
    assert (await figures(w))["in_per_minute"] == 0
    public = await w.client.get("/api/events/gala/wall/posts", params={"ids": str(post_id)})
    assert public.json() == {"posts": []}

    assert (await ingest(w, "t2", "the real thing")).status_code == 202
    (real,) = await queue(w)
    assert real["rehearsal"] is False and real["text"] == "the real thing"


async def test_back_to_draft_also_clears_the_rehearsal(wall: Wall) -> None:
    """Rehearsal -> draft withdraws the test posts too: the next rehearsal starts clean."""
    wall.event = await wall.store.events.create("gala", "Gala", ["gala"], state="rehearsal")
    sent = await ingest(wall, "t1", "test")
    assert sent.status_code == 202
    done = await move(wall, "draft")
    assert done.json()["withdrawn"] == 1
    post = await wall.store.posts.get(sent.json()["id"])
    assert post.status == "withdrawn" and post.rehearsal and post.text == ""


async def test_ending_shows_the_closing_screen_and_reopening_takes_it_down(wall: Wall) -> None:
    """Ending writes a wall.closing with staff's message; changing the message while ended
    sends it again; reopening sends null. The wall page carries the current one."""
    assert (await move(wall, closing="Prepared early")).json()["closing"] == "Prepared early"
    assert not [m for m in await replay(wall) if m["type"] == "wall.closing"]
    await moved(wall, "ended")
    changed = await move(wall, closing="Thank you! <b>See you</b> next year")
    assert changed.status_code == 200
    page = await wall.client.get("/wall/xmas")
    assert "Thank you! &lt;b&gt;See you&lt;/b&gt; next year" not in page.text  # JSON-escaped
    assert 'data-closing=\'{"message": "Thank you! \\u003cb\\u003eSee you' in page.text
    await moved(wall, "live")
    closings = [m["closing"] for m in await replay(wall) if m["type"] == "wall.closing"]
    assert closings == [
        {"message": "Prepared early"},
        {"message": "Thank you! <b>See you</b> next year"},
        None,
    ]
    assert "data-closing='null'" in (await wall.client.get("/wall/xmas")).text
    too_long = await move(wall, closing="x" * 501)
    assert too_long.status_code == 422


async def test_the_posting_page_says_when_it_is_not_open_or_over(wall: Wall) -> None:
    """Draft: 'not open yet'; ended: 'has ended' with staff's message; live: the form."""
    live = (await wall.client.get("/post/xmas")).text
    assert 'id="post-closed"' not in live
    await moved(wall, "ended")
    await move(wall, closing="See you at the next party")
    ended = (await wall.client.get("/post/xmas")).text
    assert "This event has ended" in ended and "See you at the next party" in ended
    assert '<form id="post-form" class="stack sheet" novalidate hidden>' in ended
    await wall.store.events.create("gala", "Gala", ["gala"], state="draft")
    assert "Not open yet" in (await wall.client.get("/post/gala")).text


def test_cli_shows_and_changes_the_state(tmp_path: Path) -> None:
    """``wallserver event state SLUG [STATE] [--closing]`` prints the state it leaves."""

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return wallserver(tmp_path, *args)

    made = cli("event", "create", "gala", "--name", "Gala", "--hashtag", "gala")
    assert made.returncode == 0, made.stderr
    assert cli("event", "state", "gala").stdout.strip() == "gala: live"
    ended = cli("event", "state", "gala", "ended", "--closing", "Bye!")
    assert ended.returncode == 0, ended.stderr
    assert ended.stdout.strip() == "gala: ended"
    wrong = cli("event", "state", "gala", "rehearsal")
    assert wrong.returncode == 1
    assert "can move to live, not rehearsal" in wrong.stderr
    drafted = cli(
        "event", "create", "ball", "--name", "Ball", "--hashtag", "ball", "--state", "draft"
    )
    assert drafted.returncode == 0, drafted.stderr
    assert "draft" in drafted.stdout
    assert cli("event", "state", "ball", "rehearsal").stdout.strip() == "ball: rehearsal"
    over = cli("event", "create", "old", "--name", "Old", "--hashtag", "old", "--state", "ended")
    assert over.returncode != 0 and "draft, rehearsal or live" in over.stderr
