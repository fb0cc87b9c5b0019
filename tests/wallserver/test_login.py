"""Logging in under attack: failed logins are throttled with 429, on every instance of a
deployment alike (the counts are in the shared database), and password checks run off the event
loop, a few at a time, so the rest of the server keeps answering."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from tests.conftest import Wall, instance
from wallserver.auth import secrets
from wallserver.auth.throttle import PER_NAME, Limit, LoginThrottle
from wallserver.errors import RateLimited
from wallserver.settings import Settings
from wallserver.store import Store
from wallserver.store.session import open_store

SESSION = "/api/session"
PASSWORD = "correct horse battery"
START = 1000.0  # 40 s into the 2-minute window that ends at 1080


class FakeClock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def store(any_settings: Settings) -> AsyncIterator[Store]:
    """A migrated store on each backend."""
    async with open_store(any_settings) as opened:
        yield opened


def freeze(app: FastAPI, per_name: int = PER_NAME.failures) -> None:
    """The app's own throttle on a clock that stands still (on a slow machine a test could
    otherwise cross the end of a window and get fresh attempts), with ``per_name`` failures a
    window for a name (each costs a real password check of a second or so)."""
    throttle = app.state.services.login_throttle
    throttle.clock = lambda: START
    throttle.per_name = Limit(per_name)


async def guess(client: httpx.AsyncClient, name: str = "anna", n: int = 0) -> httpx.Response:
    return await client.post(SESSION, json={"name": name, "password": f"guess{n}"})


async def test_only_failed_logins_count(store: Store) -> None:
    """Right logins give their attempt back; wrong ones spend it until the name must wait for
    the end of its window, whatever the address, spelling or spacing of the name."""
    clock = FakeClock()
    throttle = LoginThrottle(store.logins, Limit(100), Limit(3), clock)
    for _ in range(10):
        counted = await throttle.attempt("1.2.3.4", "anna")
        await throttle.succeeded("1.2.3.4", "anna", counted)
    for _ in range(3):
        await throttle.attempt("1.2.3.4", "anna")
    with pytest.raises(RateLimited) as caught:
        await throttle.attempt("5.6.7.8", " ANNA ")  # another address, the same name
    assert caught.value.headers == {"Retry-After": "80"}
    assert "80 seconds" in caught.value.message
    clock.now = 1080.0  # the next window
    await throttle.attempt("1.2.3.4", "anna")


async def test_guesses_after_the_429_are_refused_without_a_write(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bot that keeps guessing after its 429 costs this instance no database write (on SQLite
    the one writer also stores the posts) until the window ends; then it is counted again."""
    clock = FakeClock()
    throttle = LoginThrottle(store.logins, Limit(100), Limit(2), clock)
    for _ in range(2):
        await throttle.attempt("1.2.3.4", "anna")
    with pytest.raises(RateLimited):
        await throttle.attempt("1.2.3.4", "anna")
    charged = store.logins.charge
    writes: list[object] = []

    async def counting(*args: object) -> object:
        writes.append(args)
        return await charged(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(store.logins, "charge", counting)
    for n in range(50):
        with pytest.raises(RateLimited) as caught:
            await throttle.attempt(f"9.9.9.{n}", "ANNA")
        assert caught.value.headers == {"Retry-After": "80"}
    assert writes == []
    await throttle.attempt("1.2.3.4", "bob")  # other names are counted as before
    assert len(writes) == 1
    clock.now = 1080.0
    await throttle.attempt("1.2.3.4", "anna")
    assert len(writes) == 2


async def test_one_address_guessing_many_names_is_throttled(store: Store) -> None:
    """Each name is new, but the address runs out of attempts."""
    throttle = LoginThrottle(store.logins, Limit(5), Limit(5), FakeClock())
    for n in range(5):
        await throttle.attempt("1.2.3.4", f"user{n}")
    with pytest.raises(RateLimited):
        await throttle.attempt("1.2.3.4", "user5")
    for m in range(5):  # the name was not charged for the refused attempt
        await throttle.attempt(f"5.6.7.{m}", "user5")
    with pytest.raises(RateLimited):
        await throttle.attempt("5.6.7.9", "user5")


@pytest.mark.parametrize(
    ("now", "retry_after"), [(960.0, 120), (1000.0, 80), (1079.2, 1), (1079.99, 1), (1080.0, 120)]
)
async def test_retry_after_is_the_time_left_in_the_window(
    store: Store, now: float, retry_after: int
) -> None:
    """Retry-After counts whole seconds up to the end of the 2-minute window: never 0, never
    more than the window, and trying again then is allowed."""
    clock = FakeClock()
    clock.now = now
    throttle = LoginThrottle(store.logins, Limit(100), Limit(1), clock)
    await throttle.attempt("1.2.3.4", "anna")
    with pytest.raises(RateLimited) as caught:
        await throttle.attempt("1.2.3.4", "anna")
    assert caught.value.headers == {"Retry-After": str(retry_after)}
    clock.now += retry_after
    await throttle.attempt("1.2.3.4", "anna")


async def test_ended_windows_are_deleted(store: Store) -> None:
    """The table keeps a row per key and recent window: once a window is a full window past
    its end, the next attempt (from anyone) deletes its rows."""
    clock = FakeClock()
    throttle = LoginThrottle(store.logins, clock=clock)
    for n in range(30):
        await throttle.attempt(f"10.0.0.{n}", f"user{n}")
    assert await store.logins.rows() == 60
    clock.now += 120  # the next window: the last one's rows are kept (clocks may disagree)
    await throttle.attempt("10.0.1.1", "mia")
    assert await store.logins.rows() == 62
    clock.now += 120
    await throttle.attempt("10.0.1.1", "mia")
    assert await store.logins.rows() == 4  # mia's two windows


async def test_many_wrong_guesses_end_in_429(wall: Wall) -> None:
    """A hundred wrong passwords: ten 401s, then 429 with Retry-After and a readable message;
    argon2 ran only for the ten, and the right password waits its turn too."""
    freeze(wall.app)
    await wall.store.auth.create_user("anna", "admin", PASSWORD)
    statuses = [(await guess(wall.client, n=n)).status_code for n in range(100)]
    assert statuses == [401] * PER_NAME.failures + [429] * (100 - PER_NAME.failures)
    response = await wall.client.post(SESSION, json={"name": "anna", "password": PASSWORD})
    assert response.status_code == 429
    assert response.headers["retry-after"] == "80"
    error = response.json()["error"]
    assert error["code"] == "rate_limited"
    assert "Too many failed logins: try again in 80 seconds" in error["message"]


async def test_a_right_password_gives_the_attempt_back(any_wall: Wall) -> None:
    """Two wrong guesses of three allowed, then the owner logs in: the name still has its third
    failure left, and only the fifth attempt in all is refused."""
    freeze(any_wall.app, per_name=3)
    await any_wall.store.auth.create_user("anna", "admin", PASSWORD)
    for n in range(2):
        assert (await guess(any_wall.client, n=n)).status_code == 401
    right = await any_wall.client.post(SESSION, json={"name": "anna", "password": PASSWORD})
    assert right.status_code == 200, right.text
    assert (await guess(any_wall.client, n=99)).status_code == 401
    assert (await guess(any_wall.client, n=100)).status_code == 429


async def test_concurrent_guesses_never_pass_the_limit(any_wall: Wall) -> None:
    """Forty wrong passwords sent at once for a name allowed three: exactly three are checked
    (401), the rest are refused, although all arrive before any check has finished."""
    freeze(any_wall.app, per_name=3)
    await any_wall.store.auth.create_user("anna", "admin", PASSWORD)
    responses = await asyncio.gather(*(guess(any_wall.client, n=n) for n in range(40)))
    statuses = [r.status_code for r in responses]
    assert statuses.count(401) == 3, statuses
    assert statuses.count(429) == 37, statuses


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def shared_database(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, object]:
    """What two instances of one deployment share: on SQLite the data directory (the file),
    on PostgreSQL the URL."""
    if request.param == "postgres":
        return {"database_url": request.getfixturevalue("postgres_url")}
    return {}


async def test_failures_on_one_instance_count_on_another(
    tmp_path: Path, shared_database: dict[str, object]
) -> None:
    """Behind a load balancer a guesser alternating between two instances is refused at the
    same total as against one: the fourth failure for a name allowed three, wherever it lands."""
    data = tmp_path / "shared"
    dirs = (data, data) if not shared_database else (tmp_path / "a", tmp_path / "b")
    async with instance(dirs[0], **shared_database) as a, instance(dirs[1], **shared_database) as b:
        freeze(a, per_name=3)
        freeze(b, per_name=3)
        await a.state.services.store.auth.create_user("anna", "admin", PASSWORD)
        clients = [
            httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://wall.test")
            for app in (a, b)
        ]
        async with clients[0], clients[1]:
            statuses = [(await guess(clients[n % 2], n=n)).status_code for n in range(6)]
    assert statuses == [401] * 3 + [429] * 3


async def test_a_restart_does_not_forget_the_failures(tmp_path: Path) -> None:
    """An instance that restarts still refuses a name that failed too often before."""
    async with instance(tmp_path) as first:
        freeze(first, per_name=3)
        await first.state.services.store.auth.create_user("anna", "admin", PASSWORD)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(first), base_url="http://wall.test"
        ) as client:
            for n in range(3):
                assert (await guess(client, n=n)).status_code == 401
    async with instance(tmp_path) as second:
        freeze(second, per_name=3)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(second), base_url="http://wall.test"
        ) as client:
            assert (await guess(client)).status_code == 429


async def test_a_right_login_is_not_throttled(wall: Wall) -> None:
    """Logging in and out many times in a row is fine."""
    await wall.store.auth.create_user("anna", "admin", PASSWORD)
    for _ in range(12):  # more than the burst of wrong ones a name has
        response = await wall.client.post(SESSION, json={"name": "anna", "password": PASSWORD})
        assert response.status_code == 200, response.text


async def test_password_checks_leave_the_event_loop_free(
    wall: Wall, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While eight logins are stuck in password checks, /healthz answers; at most two checks
    run at a time (each takes 64 MiB)."""
    release = threading.Event()
    lock = threading.Lock()
    running = [0, 0]  # now, most at once
    loop = asyncio.get_running_loop()
    two_running = asyncio.Event()

    def stuck_verify(stored: str | None, password: str) -> bool:
        with lock:
            running[0] += 1
            running[1] = max(running[1], running[0])
            if running[0] == 2:
                loop.call_soon_threadsafe(two_running.set)
        release.wait(timeout=3)
        with lock:
            running[0] -= 1
        return False

    monkeypatch.setattr(secrets, "verify_password", stuck_verify)

    async def login(n: int) -> httpx.Response:
        return await wall.client.post(SESSION, json={"name": f"user{n}", "password": "guess"})

    logins = [asyncio.create_task(login(n)) for n in range(8)]
    try:
        await asyncio.wait_for(two_running.wait(), timeout=2)
        health = await asyncio.wait_for(wall.client.get("/healthz"), timeout=2)
        assert health.status_code == 200
        assert not any(task.done() for task in logins), "logins wait for their check"
    finally:
        release.set()
        responses = await asyncio.gather(*logins)
    assert [r.status_code for r in responses] == [401] * 8
    assert running[1] == 2
