"""Who may call what: every route is public by intent or refuses strangers, roles, CSRF, scopes."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
import websockets
from fastapi import FastAPI
from fastapi.routing import APIRoute, APIWebSocketRoute
from starlette.routing import Mount

from tests.conftest import LiveServer, Wall
from wallserver.api.pages import FRAMEABLE_CSP
from wallserver.middleware import SECURITY_HEADERS

ROLES = ("admin", "moderator", "ingest", "display")
WS = "WEBSOCKET"

# Public on purpose. Anything else must appear in PROTECTED with the roles allowed to call it.
PUBLIC = {
    ("GET", "/healthz"),
    ("GET", "/readyz"),  # load balancers: says which check failed, nothing more
    ("GET", "/media/{name}"),
    ("MOUNT", "/static"),
    ("GET", "/api/events/{slug}"),
    ("POST", "/api/events/{slug}/submissions"),  # attendees, no account
    ("GET", "/api/manage/{token}"),  # the token in the path is the capability
    ("DELETE", "/api/manage/{token}"),
    ("POST", "/api/session"),  # log in
    ("GET", "/api/session"),  # who am I (401 when nobody)
    ("DELETE", "/api/session"),  # log out
    (WS, "/ws/events/{slug}/wall"),  # the public /live view needs no token
    ("POST", "/api/events/{slug}/webhooks/{source_id}"),  # HMAC-signed with the source's secret
    ("GET", "/api/events/{slug}/qr.svg"),  # the wall's QR code of the public posting page
    ("GET", "/api/events/{slug}/wall/posts"),  # approved posts by id, as /live shows them
    ("GET", "/wall-sw.js"),  # the wall's service worker
    ("GET", "/favicon.ico"),  # the site's icon
    # pages: staff pages check the session themselves and redirect to /login
    ("GET", "/"),
    ("GET", "/login"),
    ("GET", "/admin"),
    ("GET", "/admin/access"),  # admins only; a moderator's session gets 403
    ("GET", "/wall/{slug}"),
    ("GET", "/live/{slug}"),
    ("GET", "/post/{slug}"),
    ("GET", "/post/{slug}/manage/{token}"),
    ("GET", "/privacy"),  # the attendees' privacy notice
    ("GET", "/moderate/{slug}"),
    ("GET", "/control/{slug}"),
    ("GET", "/admin/{slug}/analytics"),
}
PROTECTED = {
    ("POST", "/api/events"): {"admin"},
    ("GET", "/api/events"): {"admin"},
    ("GET", "/api/events/{slug}/rules"): {"admin"},
    ("PUT", "/api/events/{slug}/rules"): {"admin"},
    ("GET", "/api/events/{slug}/rules/history"): {"admin"},
    ("POST", "/api/events/{slug}/rules/dry-run"): {"admin"},
    ("POST", "/api/events/{slug}/rules/foreign-hashtags"): {"admin"},
    ("POST", "/api/events/{slug}/forget"): {"admin"},
    ("PATCH", "/api/events/{slug}"): {"admin"},
    ("POST", "/api/events/{slug}/state"): {"admin"},
    ("PUT", "/api/events/{slug}/retention"): {"admin"},
    ("POST", "/api/events/{slug}/kill"): {"admin", "moderator"},
    ("GET", "/api/events/{slug}/kill"): {"admin", "moderator"},
    ("POST", "/api/events/{slug}/claims"): {"admin", "moderator"},
    ("POST", "/api/events/{slug}/claims/release"): {"admin", "moderator"},
    ("GET", "/api/events/{slug}/figures"): {"admin", "moderator"},
    ("GET", "/api/events/{slug}/analytics"): {"admin", "moderator"},
    ("GET", "/api/events/{slug}/analytics.csv"): {"admin", "moderator"},
    ("GET", "/api/events/{slug}/ambassadors"): {"admin", "moderator"},
    ("PUT", "/api/events/{slug}/ambassadors"): {"admin"},
    ("POST", "/api/posts/{post_id}/author"): {"admin", "moderator"},
    ("POST", "/api/posts/{post_id}/edit"): {"admin", "moderator"},
    ("POST", "/api/events/{slug}/ingest"): {"admin", "ingest"},
    ("GET", "/api/events/{slug}/posts"): {"admin", "moderator"},
    ("POST", "/api/posts/{post_id}/decision"): {"admin", "moderator"},
    ("GET", "/api/posts/{post_id}/history"): {"admin", "moderator"},
    (WS, "/ws/events/{slug}/moderation"): {"admin", "moderator"},
    ("POST", "/api/events/{slug}/sources"): {"admin"},
    ("GET", "/api/events/{slug}/sources"): {"admin"},
    ("POST", "/api/sources/{source_id}/pause"): {"admin"},
    ("POST", "/api/sources/{source_id}/resume"): {"admin"},
    ("POST", "/api/sources/{source_id}/test"): {"admin"},
    ("DELETE", "/api/sources/{source_id}"): {"admin"},
    ("GET", "/api/events/{slug}/screens"): {"admin", "moderator"},
    ("POST", "/api/events/{slug}/screens"): {"admin"},
    ("PATCH", "/api/events/{slug}/screens/{name}"): {"admin"},
    ("DELETE", "/api/events/{slug}/screens/{name}"): {"admin"},
    ("POST", "/api/events/{slug}/screens/{name}/commands"): {"admin", "moderator"},
    ("POST", "/api/events/{slug}/commands"): {"admin", "moderator"},
    ("POST", "/api/events/{slug}/assets"): {"admin"},
    # who may get in (#13 finding 6): accounts additionally need an admin of all events
    ("GET", "/api/tokens"): {"admin"},
    ("POST", "/api/tokens"): {"admin"},
    ("DELETE", "/api/tokens/{token_id}"): {"admin"},
    ("GET", "/api/users"): {"admin"},
    ("POST", "/api/users"): {"admin"},
    ("DELETE", "/api/users/{user_id}"): {"admin"},
    ("PUT", "/api/users/{user_id}/password"): {"admin"},
    # for operators: load, routes and version are nobody else's business (WALL_PUBLIC_DOCS)
    ("GET", "/metrics"): {"admin"},
    ("GET", "/openapi.json"): {"admin"},
    ("GET", "/docs"): {"admin"},
    ("GET", "/redoc"): {"admin"},
}


def app_routes(app: FastAPI) -> list[Any]:
    """Every route the app serves, included routers flattened."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # FastAPI before included routers were kept lazily
        return list(app.routes)
    return [context.route for context in iter_route_contexts(app.routes)]


def every_route(app: FastAPI) -> set[tuple[str, str]]:
    """(method, path) for every route the app serves, included routers flattened."""
    routes = app_routes(app)
    found: set[tuple[str, str]] = set()
    for route in routes:
        if isinstance(route, APIWebSocketRoute):
            found.add((WS, route.path))
        elif isinstance(route, Mount):
            found.add(("MOUNT", route.path))
        else:
            for method in getattr(route, "methods", None) or ():
                if method != "HEAD":
                    found.add((method, route.path))
    assert any(isinstance(r, APIRoute) for r in routes)
    return found


def fill(path: str, post_id: int) -> str:
    values = {"slug": "xmas", "post_id": str(post_id), "token": "nope", "name": "x"}
    values["source_id"] = str(post_id)
    values["token_id"] = values["user_id"] = "99999"  # none: a test must not revoke its own token
    return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], path)


def assert_error(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]


async def call(w: Wall, method: str, path: str, headers: dict[str, str]) -> httpx.Response:
    body: dict[str, Any] | None = {} if method in ("POST", "PUT", "PATCH") else None
    return await w.client.request(method, path, json=body, headers=headers)


def test_every_route_is_public_by_intent_or_protected(wall: Wall) -> None:
    """A new route fails this test until it is listed as public or with the roles it allows."""
    unlisted = every_route(wall.app) - PUBLIC - set(PROTECTED)
    assert unlisted == set(), "list these routes in PUBLIC or PROTECTED"
    gone = (PUBLIC | set(PROTECTED)) - every_route(wall.app)
    assert gone == set(), "these listed routes no longer exist"


async def test_every_protected_route_refuses_anonymous_and_unknown_callers(wall: Wall) -> None:
    """Without credentials, or with a made-up token, every protected HTTP route answers 401."""
    post_id = (await wall.ingest("auth-1")).json()["id"]
    for method, path in every_route(wall.app) - PUBLIC:
        if method == WS:
            continue
        url = fill(path, post_id)
        assert_error(await call(wall, method, url, {}), 401, "unauthorized")
        bogus = {"Authorization": "Bearer wst_made-up"}
        assert_error(await call(wall, method, url, bogus), 401, "unauthorized")


async def test_every_protected_route_admits_only_its_roles(wall: Wall) -> None:
    """Each role outside a route's list gets 403; each role in it gets past authentication."""
    post_id = (await wall.ingest("auth-1")).json()["id"]
    for (method, path), allowed in PROTECTED.items():
        if method == WS:
            continue
        url = fill(path, post_id)
        for role in ROLES:
            response = await call(wall, method, url, wall.auth(role))
            if role in allowed:
                assert response.status_code not in (401, 403), (method, path, role, response.text)
            else:
                assert_error(response, 403, "forbidden")


async def ws_close_code(url: str, **kwargs: Any) -> int | None:
    """The close code the server refuses a socket with, or ``None`` when it says hello."""
    async with websockets.connect(url, **kwargs) as ws:
        try:
            await ws.recv()
        except websockets.ConnectionClosed as closed:
            assert closed.rcvd is not None
            return closed.rcvd.code
    return None


async def test_moderation_socket_refuses_anonymous_and_wrong_roles(live: LiveServer) -> None:
    """The moderation feed closes with 4401 for strangers and 4403 for roles other than staff."""
    url = f"ws://127.0.0.1:{live.port}/ws/events/xmas/moderation"
    assert await ws_close_code(url) == 4401
    assert await ws_close_code(url + "?token=wst_made-up") == 4401
    allowed = PROTECTED[(WS, "/ws/events/{slug}/moderation")]
    for role in ROLES:
        code = await ws_close_code(url, additional_headers=live.wall.auth(role))
        assert code == (None if role in allowed else 4403), role


@pytest.mark.parametrize("socket", ["wall", "moderation"])
async def test_sockets_refuse_a_foreign_browser_origin(live: LiveServer, socket: str) -> None:
    """A page on another site cannot open either socket (4403); this site's own pages can."""
    url = f"ws://127.0.0.1:{live.port}/ws/events/xmas/{socket}?token={live.wall.tokens['admin']}"
    assert await ws_close_code(url, origin="https://evil.example") == 4403
    assert await ws_close_code(url, origin=f"http://127.0.0.1:{live.port}") is None


async def login(w: Wall, role: str) -> str:
    """Log a user with ``role`` in on the wall's client; returns the session's CSRF token."""
    await w.store.auth.create_user(f"{role}-user", role, "correct horse battery")
    response = await w.client.post(
        "/api/session", json={"name": f"{role}-user", "password": "correct horse battery"}
    )
    assert response.status_code == 200, response.text
    csrf: str = response.json()["csrf_token"]
    return csrf


async def test_session_cookie_needs_the_csrf_header_on_unsafe_requests(wall: Wall) -> None:
    """A logged-in page must send X-CSRF-Token to change anything; reading needs no header."""
    csrf = await login(wall, "moderator")
    post_id = (await wall.ingest("csrf-1")).json()["id"]
    decision = {"action": "approve", "version": 1}
    url = f"/api/posts/{post_id}/decision"
    assert_error(await wall.client.post(url, json=decision), 403, "csrf_failed")
    wrong = {"X-CSRF-Token": "not-the-token"}
    assert_error(await wall.client.post(url, json=decision, headers=wrong), 403, "csrf_failed")
    assert (await wall.client.get("/api/events/xmas/posts")).status_code == 200
    done = await wall.client.post(url, json=decision, headers={"X-CSRF-Token": csrf})
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "approved"


async def test_session_role_is_enforced(wall: Wall) -> None:
    """A moderator's session cannot use admin routes."""
    csrf = await login(wall, "moderator")
    response = await wall.client.put(
        "/api/events/xmas/rules", json={"blocklist": ["x"]}, headers={"X-CSRF-Token": csrf}
    )
    assert_error(response, 403, "forbidden")


async def test_wrong_password_is_refused(wall: Wall) -> None:
    """A login with the wrong password answers 401 and sets no session."""
    await wall.store.auth.create_user("anna", "admin", "correct horse battery")
    response = await wall.client.post("/api/session", json={"name": "anna", "password": "nope"})
    assert_error(response, 401, "unauthorized")
    assert_error(await wall.client.get("/api/events"), 401, "unauthorized")


@pytest.fixture
async def other_event(wall: Wall) -> dict[str, Any]:
    """A second event with one post, and that post's id."""
    event = await wall.store.events.create("other", "Other", ["other"], "pre")
    token = await wall.store.auth.create_token("ingest", event.id)
    response = await wall.client.post(
        "/api/events/other/ingest",
        json={"source": "test", "source_id": "o-1", "text": "elsewhere"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 202
    return {"slug": "other", "post_id": response.json()["id"]}


SCOPED = ("{slug}", "{post_id}", "{source_id}")  # path parameters that name an event's things


async def test_event_tokens_refuse_other_events(wall: Wall, other_event: dict[str, Any]) -> None:
    """On every protected route whose path names an event, a post or a source, a token made for
    "xmas" in each role allowed there is refused (403, or 404 where "other" is not told apart
    from nothing) for another event's, and nothing of that event changes."""
    other = await wall.store.events.get("other")
    source = await wall.store.sources.create(other.id, "rss", {"url": "https://x.test/feed"})
    values = {
        "slug": "other",
        "post_id": str(other_event["post_id"]),
        "source_id": str(source.id),
        "name": "main",
    }
    tokens = {role: await wall.store.auth.create_token(role, wall.event.id) for role in ROLES}
    checked = []
    for (method, path), allowed in PROTECTED.items():
        if method == WS or not any(param in path for param in SCOPED):
            continue
        url = re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], path)
        for role in sorted(allowed):
            headers = {"Authorization": f"Bearer {tokens[role]}"}
            response = await call(wall, method, url, headers)
            assert response.status_code in (403, 404), (method, path, role, response.text)
            checked.append((method, path))
    assert len(set(checked)) >= 25, "the walk over the routes is broken"
    posts = await wall.store.posts.page(other.id, None, 10, None)
    assert [(p.source_id, p.status) for p in posts.posts] == [("o-1", "pending")]
    assert (await wall.store.sources.get(source.id)).state == source.state
    assert (await wall.store.events.get("other")).rules == {}


async def test_event_admin_token_cannot_touch_another_events_rules(
    wall: Wall, other_event: dict[str, Any]
) -> None:
    """An admin token made for one event cannot read or replace another event's rules."""
    token = await wall.store.auth.create_token("admin", wall.event.id)
    headers = {"Authorization": f"Bearer {token}"}
    assert_error(
        await wall.client.get("/api/events/other/rules", headers=headers), 403, "forbidden"
    )
    replaced = await wall.client.put(
        "/api/events/other/rules", json={"trusted_authors": ["mallory"]}, headers=headers
    )
    assert_error(replaced, 403, "forbidden")
    assert (await wall.store.events.get("other")).rules == {}
    own = await wall.client.get("/api/events/xmas/rules", headers=headers)
    assert own.status_code == 200


async def test_event_admin_token_cannot_create_or_list_events(wall: Wall) -> None:
    """Creating and listing events concern every event, so an event's admin token is refused."""
    token = await wall.store.auth.create_token("admin", wall.event.id)
    headers = {"Authorization": f"Bearer {token}"}
    body = {"slug": "mine", "name": "Mine", "hashtags": ["mine"]}
    assert_error(
        await wall.client.post("/api/events", json=body, headers=headers), 403, "forbidden"
    )
    assert_error(await wall.client.get("/api/events", headers=headers), 403, "forbidden")
    assert [e.slug for e in await wall.store.events.all()] == ["xmas"]
    created = await wall.client.post("/api/events", json=body, headers=wall.auth("admin"))
    assert created.status_code == 201


async def test_event_tokens_refuse_other_events_sockets(
    live: LiveServer, other_event: dict[str, Any]
) -> None:
    """A display or moderator token for "xmas" cannot open another event's sockets (4403)."""
    base = f"ws://127.0.0.1:{live.port}/ws/events/other"
    tokens = live.wall.tokens
    assert await ws_close_code(f"{base}/wall?token={tokens['display']}") == 4403
    assert await ws_close_code(f"{base}/moderation?token={tokens['moderator']}") == 4403
    assert await ws_close_code(f"{base}/wall") is None  # the public view stays public


async def test_logout_ends_the_session_on_the_server(wall: Wall) -> None:
    """After logging out, a copy of the old session cookie opens nothing."""
    await login(wall, "admin")
    cookie = wall.client.cookies["wall_session"]
    assert (await wall.client.get("/api/events")).status_code == 200
    assert (await wall.client.delete("/api/session")).status_code == 200
    wall.client.cookies.set("wall_session", cookie)
    assert_error(await wall.client.get("/api/events"), 401, "unauthorized")


async def test_http_api_ignores_tokens_in_the_url(wall: Wall) -> None:
    """A token in the query string (which ends up in logs) does not authenticate HTTP calls."""
    response = await wall.client.get("/api/events", params={"token": wall.tokens["admin"]})
    assert_error(response, 401, "unauthorized")


async def test_moderation_socket_accepts_a_logged_in_browser(live: LiveServer) -> None:
    """A moderator's page, on this site with its session cookie, opens the moderation socket."""
    await login(live.wall, "moderator")
    cookie = live.wall.client.cookies["wall_session"]
    url = f"ws://127.0.0.1:{live.port}/ws/events/xmas/moderation"
    headers = {"Cookie": f"wall_session={cookie}"}
    origin = f"http://127.0.0.1:{live.port}"
    assert await ws_close_code(url, additional_headers=headers, origin=origin) is None


# Screens the control page shows as its live preview: framed by this site only, never another.
FRAMEABLE = {("GET", "/wall/{slug}"), ("GET", "/live/{slug}")}


def assert_security_headers(
    response: httpx.Response, what: object, frameable: bool = False
) -> None:
    expected = {name.decode(): value.decode() for name, value in SECURITY_HEADERS}
    if frameable and response.status_code == 200:
        expected["content-security-policy"] = FRAMEABLE_CSP
        expected["x-frame-options"] = "SAMEORIGIN"
    for name, value in expected.items():
        assert response.headers.get(name) == value, (what, response.status_code, name)


async def test_every_http_answer_carries_the_security_headers(wall: Wall) -> None:
    """Every route, called by a stranger, a made-up token, a moderator and an admin, answers
    with CSP, nosniff, the referrer policy and no framing (the screens: by this site only),
    whatever the status, errors included; so do the static files, an unknown path, a wrong
    method and an oversized body."""
    post_id = (await wall.ingest("headers-1")).json()["id"]
    made_up = {"Authorization": "Bearer wst_made-up"}
    callers = ({}, made_up, wall.auth("moderator"), wall.auth("admin"))
    statuses: set[int] = set()
    for method, path in every_route(wall.app):
        if method in (WS, "MOUNT") or (path == "/api/manage/{token}" and method == "DELETE"):
            continue
        for headers in callers:
            response = await call(wall, method, fill(path, post_id), headers)
            framing = (method, path) in FRAMEABLE
            assert_security_headers(response, (method, path, headers), framing)
            statuses.add(response.status_code)
    odd = [
        await wall.client.get("/static/admin/admin.js"),
        await wall.client.get("/static/nope.js"),
        await wall.client.get("/no/such/page"),
        await wall.client.request("PATCH", "/healthz"),
        await wall.client.post(
            "/api/session", content=b"x" * 10_000_000, headers={"content-type": "application/json"}
        ),
    ]
    for response in odd:
        assert_security_headers(response, response.request.url)
        statuses.add(response.status_code)
    assert {200, 401, 403, 404, 405, 413, 422} <= statuses  # the errors were really exercised


async def test_every_socket_but_the_public_ones_refuses_strangers(live: LiveServer) -> None:
    """Each socket route not listed as public closes with 4401 for a caller without
    credentials, and with a made-up token."""
    sockets = {path for method, path in every_route(live.wall.app) if method == WS}
    assert sockets, "no socket routes found"
    for path in sockets:
        url = f"ws://127.0.0.1:{live.port}{fill(path, 1)}"
        if (WS, path) in PUBLIC:
            assert await ws_close_code(url) is None, path
            continue
        assert await ws_close_code(url) == 4401, path
        assert await ws_close_code(url + "?token=wst_made-up") == 4401, path
