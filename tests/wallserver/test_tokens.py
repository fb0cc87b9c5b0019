"""Token and user lifecycle (#13, finding 6): staff list tokens without their secrets, revoke
them, give them an expiry; delete users and reset passwords, and the sessions end at once, here,
on another instance, and from the command line."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets

from tests.conftest import SECRET, LiveServer, Wall, instance, start_wall
from tests.wallserver.test_auth import ws_close_code
from tests.wallserver.test_cli import wallserver
from wallserver.auth import watch

PASSWORD = "a long password"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def tokens(wall: Wall, token: str | None = None) -> list[dict[str, Any]]:
    reply = await wall.client.get("/api/tokens", headers=bearer(token or wall.tokens["admin"]))
    assert reply.status_code == 200, reply.text
    return reply.json()["tokens"]  # type: ignore[no-any-return]


async def login(client: httpx.AsyncClient, name: str, password: str = PASSWORD) -> str:
    """Log in; the client keeps the cookie. Returns the CSRF token."""
    reply = await client.post("/api/session", json={"name": name, "password": password})
    assert reply.status_code == 200, reply.text
    return reply.json()["csrf_token"]  # type: ignore[no-any-return]


async def test_staff_list_tokens_with_their_facts_and_never_a_secret(wall: Wall) -> None:
    made = await wall.client.post(
        "/api/tokens",
        json={"role": "display", "event": "xmas", "label": "hall screen"},
        headers=wall.auth("admin"),
    )
    assert made.status_code == 201, made.text
    secret = made.json()["secret"]
    reply = await wall.client.get("/api/tokens", headers=wall.auth("admin"))
    assert reply.status_code == 200
    for known in (*wall.tokens.values(), secret):
        assert known not in reply.text
    listed = {t["label"]: t for t in reply.json()["tokens"]}
    screen = listed["hall screen"]
    assert screen["role"] == "display" and screen["event"] == "xmas"
    assert screen["created_at"] and screen["last_used_at"] is None
    assert screen["expires_at"] is None and screen["expired"] is False
    assert {"admin-1", "moderator-2", "ingest-3", "display-4"} <= set(listed)
    assert listed["admin-1"]["event"] is None
    assert listed["admin-1"]["last_used_at"] is not None  # it made this very list


async def test_a_token_shows_when_it_was_last_used(wall: Wall) -> None:
    before = {t["role"]: t for t in await tokens(wall)}
    assert before["moderator"]["last_used_at"] is None
    assert (
        await wall.client.get("/api/events/xmas/posts", headers=wall.auth("moderator"))
    ).is_success
    after = {t["role"]: t for t in await tokens(wall)}
    used = datetime.fromisoformat(after["moderator"]["last_used_at"])
    assert abs(used - datetime.now(UTC)) < timedelta(minutes=1)


async def test_a_revoked_token_is_refused_at_once(wall: Wall) -> None:
    """The token was used (so cached) just before; the next request after revoking is a 401."""
    posts = "/api/events/xmas/posts"
    assert (await wall.client.get(posts, headers=wall.auth("moderator"))).status_code == 200
    mine = next(t for t in await tokens(wall) if t["role"] == "moderator")
    gone = await wall.client.delete(f"/api/tokens/{mine['id']}", headers=wall.auth("admin"))
    assert gone.status_code == 204
    refused = await wall.client.get(posts, headers=wall.auth("moderator"))
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "unauthorized"
    assert mine["id"] not in [t["id"] for t in await tokens(wall)]
    again = await wall.client.delete(f"/api/tokens/{mine['id']}", headers=wall.auth("admin"))
    assert again.status_code == 404


async def test_a_socket_with_a_revoked_token_is_refused(live: LiveServer) -> None:
    wall = live.wall
    url = f"ws://127.0.0.1:{live.port}/ws/events/xmas/moderation?token={wall.tokens['moderator']}"
    assert await ws_close_code(url) is None
    mine = next(t for t in await tokens(wall) if t["role"] == "moderator")
    await wall.client.delete(f"/api/tokens/{mine['id']}", headers=wall.auth("admin"))
    assert await ws_close_code(url) == 4401


async def test_an_expired_token_is_refused_even_when_cached(wall: Wall) -> None:
    now = datetime.now(UTC)
    made = await wall.client.post(
        "/api/tokens",
        json={
            "role": "moderator",
            "event": "xmas",
            "expires_at": (now + timedelta(hours=2)).isoformat(),
        },
        headers=wall.auth("admin"),
    )
    assert made.status_code == 201, made.text
    assert made.json()["expires_at"] and made.json()["expired"] is False
    secret = made.json()["secret"]
    posts = "/api/events/xmas/posts"
    assert (await wall.client.get(posts, headers=bearer(secret))).status_code == 200
    wall.store.auth.now = lambda: now + timedelta(hours=3)
    refused = await wall.client.get(posts, headers=bearer(secret))
    assert refused.status_code == 401
    assert "expired" in refused.json()["error"]["message"]
    assert (await wall.client.get(posts, headers=wall.auth("moderator"))).status_code == 200


async def test_a_token_cannot_be_made_already_expired(wall: Wall) -> None:
    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    for body in (
        {"role": "display", "expires_at": past},
        {"role": "display", "expires_at": "2030-01-01T00:00:00"},  # no zone: ambiguous
        {"role": "superuser"},
        {"role": "display", "event": "nope"},
    ):
        reply = await wall.client.post("/api/tokens", json=body, headers=wall.auth("admin"))
        assert reply.status_code in (404, 422), (body, reply.text)
        assert "error" in reply.json()


async def test_only_admins_manage_tokens_and_users(wall: Wall) -> None:
    for role in ("moderator", "display", "ingest"):
        for method, url in (
            ("GET", "/api/tokens"),
            ("POST", "/api/tokens"),
            ("DELETE", "/api/tokens/1"),
            ("GET", "/api/users"),
            ("DELETE", "/api/users/1"),
        ):
            reply = await wall.client.request(method, url, headers=wall.auth(role), json={})
            assert reply.status_code == 403, (role, method, url)
    assert (await wall.client.get("/api/tokens")).status_code == 401


async def test_an_events_admin_token_manages_only_that_events_tokens(wall: Wall) -> None:
    other = await wall.store.events.create("gala", "Gala", ["gala"], "pre")
    elsewhere = await wall.store.auth.create_token("display", other.id, "gala screen")
    scoped = await wall.store.auth.create_token("admin", wall.event.id, "xmas admin")
    seen = await tokens(wall, scoped)
    assert {t["event"] for t in seen} == {"xmas"}
    gala = next(t for t in await tokens(wall) if t["label"] == "gala screen")
    reply = await wall.client.delete(f"/api/tokens/{gala['id']}", headers=bearer(scoped))
    assert reply.status_code == 404
    assert (await wall.client.get("/api/events/gala", headers=bearer(elsewhere))).status_code != 401
    made = await wall.client.post(
        "/api/tokens", json={"role": "admin", "event": "gala"}, headers=bearer(scoped)
    )
    assert made.status_code == 403
    made = await wall.client.post("/api/tokens", json={"role": "admin"}, headers=bearer(scoped))
    assert made.status_code == 201 and made.json()["event"] == "xmas"  # never one for all events
    assert (await wall.client.get("/api/users", headers=bearer(scoped))).status_code == 403


async def test_deleting_a_user_ends_their_session_at_once(wall: Wall) -> None:
    made = await wall.client.post(
        "/api/users",
        json={"name": "mia", "role": "moderator", "password": PASSWORD},
        headers=wall.auth("admin"),
    )
    assert made.status_code == 201, made.text
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(wall.app), base_url="http://wall.test"
    ) as mia:
        await login(mia, "mia")
        assert (await mia.get("/api/events/xmas/posts")).status_code == 200
        users = (await wall.client.get("/api/users", headers=wall.auth("admin"))).json()["users"]
        assert [(u["name"], u["role"], u["sessions"]) for u in users] == [("mia", "moderator", 1)]
        assert "password" not in str(users) and "argon2" not in str(users)
        gone = await wall.client.delete(
            f"/api/users/{made.json()['id']}", headers=wall.auth("admin")
        )
        assert gone.status_code == 204
        assert (await mia.get("/api/events/xmas/posts")).status_code == 401
        refused = await mia.post("/api/session", json={"name": "mia", "password": PASSWORD})
        assert refused.status_code == 401
    again = await wall.client.delete(f"/api/users/{made.json()['id']}", headers=wall.auth("admin"))
    assert again.status_code == 404


async def test_a_new_password_ends_the_old_sessions(wall: Wall) -> None:
    user = await wall.store.auth.create_user("mia", "moderator", PASSWORD)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(wall.app), base_url="http://wall.test"
    ) as mia:
        await login(mia, "mia")
        assert (await mia.get("/api/events/xmas/posts")).status_code == 200
        reset = await wall.client.put(
            f"/api/users/{user.id}/password",
            json={"password": "another long one"},
            headers=wall.auth("admin"),
        )
        assert reset.status_code == 204, reset.text
        assert (await mia.get("/api/events/xmas/posts")).status_code == 401
        old = await mia.post("/api/session", json={"name": "mia", "password": PASSWORD})
        assert old.status_code == 401
        await login(mia, "mia", "another long one")
        assert (await mia.get("/api/events/xmas/posts")).status_code == 200
    short = await wall.client.put(
        f"/api/users/{user.id}/password", json={"password": "short"}, headers=wall.auth("admin")
    )
    assert short.status_code == 422


@pytest.mark.postgres
@pytest.mark.redis
async def test_a_token_revoked_on_one_instance_is_refused_at_once_on_another(
    tmp_path: Path, postgres_url: str, redis_url: str
) -> None:
    """B has the token cached; A revokes it; B's next request is refused (B's cache would
    otherwise keep the token for its TTL)."""
    shared = {"database_url": postgres_url, "broker_url": redis_url}
    async with instance(tmp_path / "a", **shared) as a, instance(tmp_path / "b", **shared) as b:
        wall_a = await start_wall(a)
        client_b = httpx.AsyncClient(transport=httpx.ASGITransport(b), base_url="http://wall.test")
        heard = asyncio.Event()
        cache_b = b.state.services.store.cache
        forget = cache_b.forget

        def forgotten(kind: str) -> None:
            forget(kind)
            if kind in ("tokens", "sessions"):
                heard.set()

        cache_b.forget = forgotten  # type: ignore[method-assign]
        await wall_a.store.auth.create_user("mia", "moderator", PASSWORD)
        async with wall_a.client, client_b:
            posts = "/api/events/xmas/posts"
            assert (await client_b.get(posts, headers=wall_a.auth("moderator"))).status_code == 200
            await login(client_b, "mia")
            assert (await client_b.get(posts)).status_code == 200
            mine = next(t for t in await tokens(wall_a) if t["role"] == "moderator")
            heard.clear()
            await wall_a.client.delete(f"/api/tokens/{mine['id']}", headers=wall_a.auth("admin"))
            await asyncio.wait_for(heard.wait(), 5)  # the broker delivers in milliseconds
            assert (await client_b.get(posts, headers=wall_a.auth("moderator"))).status_code == 401
            users = (await wall_a.client.get("/api/users", headers=wall_a.auth("admin"))).json()
            heard.clear()
            await wall_a.client.delete(
                f"/api/users/{users['users'][0]['id']}", headers=wall_a.auth("admin")
            )
            await asyncio.wait_for(heard.wait(), 5)
            assert (await client_b.get(posts)).status_code == 401


def test_the_command_line_lists_revokes_and_expires_tokens_and_manages_users(
    tmp_path: Path,
) -> None:
    """An operator's whole round: token create (with an expiry), list, revoke; user create,
    password, list, delete; the changes show in what the next command sees."""

    def run(*args: str, stdin: str = "") -> str:
        result = wallserver(tmp_path, *args, stdin=stdin)
        assert result.returncode == 0, result.stderr
        return result.stdout

    run("event", "create", "meetup", "--name", "Meetup", "--hashtag", "py")
    secret = run(
        "token",
        "create",
        "--role",
        "display",
        "--event",
        "meetup",
        "--label",
        "hall",
        "--days",
        "2",
    ).strip()
    listing = run("token", "list")
    assert secret not in listing
    row = next(line.split("\t") for line in listing.splitlines() if "\thall\t" in line)
    assert row[1:4] == ["display", "meetup", "hall"]
    expires = datetime.strptime(row[6], "%Y-%m-%d %H:%M").replace(tzinfo=UTC)
    assert timedelta(days=1, hours=23) < expires - datetime.now(UTC) <= timedelta(days=2)
    assert run("token", "revoke", row[0]).strip() == f"revoked token {row[0]}"
    missing = wallserver(tmp_path, "token", "revoke", row[0])  # gone: nothing to revoke again
    assert missing.returncode == 1 and "no token" in missing.stderr

    run("user", "create", "mia", "--role", "moderator", "--password-stdin", stdin=PASSWORD + "\n")
    run("user", "password", "mia", "--password-stdin", stdin="another long one\n")
    assert run("user", "list").splitlines()[1].startswith("mia\tmoderator\t")
    run("user", "delete", "mia")
    missing = wallserver(tmp_path, "user", "password", "mia", "--password-stdin", stdin="x" * 9)
    assert missing.returncode == 1 and "no user" in missing.stderr


@pytest.mark.redis
async def test_a_command_line_revocation_reaches_a_running_server_at_once(
    tmp_path: Path, redis_url: str
) -> None:
    """With a Redis broker, `wallserver token revoke` tells the running server, whose cached
    token stops working with no wait for the cache's lifetime."""
    settings = {"broker_url": redis_url}
    async with instance(tmp_path, **settings) as app:
        w = await start_wall(app)
        async with w.client:
            posts = "/api/events/xmas/posts"
            assert (await w.client.get(posts, headers=w.auth("moderator"))).status_code == 200
            mine = next(t for t in await tokens(w) if t["role"] == "moderator")
            heard = asyncio.Event()
            cache = app.state.services.store.cache
            forget = cache.forget

            def forgotten(kind: str) -> None:
                forget(kind)
                if kind == "tokens":
                    heard.set()

            cache.forget = forgotten  # type: ignore[method-assign]
            env = {k: v for k, v in os.environ.items() if not k.startswith("WALL_")}
            env |= {"WALL_DATA_DIR": str(tmp_path), "WALL_SECRET_KEY": SECRET}
            env["WALL_BROKER_URL"] = redis_url
            command = [sys.executable, "-m", "wallserver", "token", "revoke", str(mine["id"])]
            result = await asyncio.to_thread(
                subprocess.run, command, capture_output=True, text=True, env=env, timeout=60
            )
            assert result.returncode == 0, result.stderr
            await asyncio.wait_for(heard.wait(), 5)
            assert (await w.client.get(posts, headers=w.auth("moderator"))).status_code == 401


async def closed_with(ws: websockets.ClientConnection) -> int | None:
    """Read until the server closes the socket; its close code."""
    with contextlib.suppress(websockets.ConnectionClosed):
        async with asyncio.timeout(10):
            while True:
                await ws.recv()
    assert ws.close_code is not None
    return ws.close_code


@pytest.mark.parametrize("socket", ["moderation", "wall"])
async def test_an_open_socket_closes_when_its_token_is_revoked(
    live: LiveServer, socket: str
) -> None:
    """A console or screen already connected is cut off with 4401 the moment its token is
    revoked; another token's socket stays open."""
    wall = live.wall
    role = "moderator" if socket == "moderation" else "display"
    base = f"ws://127.0.0.1:{live.port}/ws/events/xmas/{socket}?token="
    async with (
        websockets.connect(base + wall.tokens[role]) as doomed,
        websockets.connect(base + wall.tokens["admin"]) as kept,
    ):
        await doomed.recv()  # hello
        await kept.recv()
        mine = next(t for t in await tokens(wall) if t["role"] == role)
        await wall.client.delete(f"/api/tokens/{mine['id']}", headers=wall.auth("admin"))
        assert await closed_with(doomed) == 4401
        await kept.ping()  # still open
        assert kept.close_code is None


async def test_a_deleted_users_open_console_is_closed(live: LiveServer) -> None:
    wall = live.wall
    user = await wall.store.auth.create_user("mia", "moderator", PASSWORD)
    async with httpx.AsyncClient(base_url=live.url) as mia:
        await login(mia, "mia")
        cookie = mia.cookies["wall_session"]
    url = f"ws://127.0.0.1:{live.port}/ws/events/xmas/moderation"
    async with websockets.connect(
        url, additional_headers={"Cookie": f"wall_session={cookie}"}, origin=live.url
    ) as console:
        await console.recv()  # hello
        gone = await wall.client.delete(f"/api/users/{user.id}", headers=wall.auth("admin"))
        assert gone.status_code == 204
        assert await closed_with(console) == 4401


async def test_the_last_admin_account_cannot_be_deleted_from_the_api(wall: Wall) -> None:
    boss = await wall.store.auth.create_user("boss", "admin", PASSWORD)
    refused = await wall.client.delete(f"/api/users/{boss.id}", headers=wall.auth("admin"))
    assert refused.status_code == 409
    assert "last admin" in refused.json()["error"]["message"]
    other = await wall.store.auth.create_user("deputy", "admin", PASSWORD)
    assert (
        await wall.client.delete(f"/api/users/{boss.id}", headers=wall.auth("admin"))
    ).status_code == 204
    assert (
        await wall.client.delete(f"/api/users/{other.id}", headers=wall.auth("admin"))
    ).status_code == 409


async def test_an_open_screen_closes_when_its_token_expires(
    live: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing announces an expiry: a screen connected with a token that runs out is still cut
    off with 4401 at the next periodic check (a minute; a tenth of a second here)."""
    monkeypatch.setattr(watch, "RECHECK_SECONDS", 0.1)
    wall = live.wall
    now = datetime.now(UTC)
    made = await wall.client.post(
        "/api/tokens",
        json={
            "role": "display",
            "event": "xmas",
            "expires_at": (now + timedelta(hours=2)).isoformat(),
        },
        headers=wall.auth("admin"),
    )
    assert made.status_code == 201, made.text
    url = f"ws://127.0.0.1:{live.port}/ws/events/xmas/wall?token={made.json()['secret']}"
    async with websockets.connect(url) as screen:
        await screen.recv()  # hello
        await screen.ping()  # still open while the token holds
        wall.store.auth.now = lambda: now + timedelta(hours=3)
        assert await closed_with(screen) == 4401
