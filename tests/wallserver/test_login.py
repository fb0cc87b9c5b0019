"""Logging in under attack: failed logins are throttled with 429, and password checks run off
the event loop, a few at a time, so the rest of the server keeps answering."""

from __future__ import annotations

import asyncio
import dataclasses
import threading

import httpx
import pytest

from tests.conftest import Wall
from wallserver.auth import secrets
from wallserver.auth.throttle import LoginThrottle
from wallserver.errors import RateLimited
from wallserver.ratelimit import Rate

SESSION = "/api/session"
PASSWORD = "correct horse battery"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_only_failed_logins_count() -> None:
    """Right logins give their attempt back; wrong ones spend it until the name must wait."""
    clock = FakeClock()
    throttle = LoginThrottle(Rate(60, 100), Rate(per_minute=6, burst=3), clock)
    for _ in range(10):
        throttle.attempt("1.2.3.4", "anna")
        throttle.succeeded("1.2.3.4", "anna")
    for _ in range(3):
        throttle.attempt("1.2.3.4", "anna")
    with pytest.raises(RateLimited) as caught:
        throttle.attempt("5.6.7.8", " ANNA ")  # another address, the same name
    assert caught.value.headers == {"Retry-After": "10"}
    assert "10 seconds" in caught.value.message
    clock.now += 10
    throttle.attempt("1.2.3.4", "anna")


def test_one_address_guessing_many_names_is_throttled() -> None:
    """Each name is new, but the address runs out of attempts."""
    throttle = LoginThrottle(Rate(per_minute=6, burst=5), Rate(60, 100), FakeClock())
    for n in range(5):
        throttle.attempt("1.2.3.4", f"user{n}")
    with pytest.raises(RateLimited):
        throttle.attempt("1.2.3.4", "user5")
    throttle.attempt("5.6.7.8", "user5")  # the name was not charged for the refused attempt


async def test_many_wrong_guesses_end_in_429(wall: Wall) -> None:
    """A hundred wrong passwords: a few 401s, then 429 with Retry-After and a readable message;
    argon2 ran only for the few, and the right password waits its turn too."""
    # The clock stands still: on a slow machine the password checks could otherwise take long
    # enough for the buckets to refill (one attempt per 12 s per name).
    services = wall.app.state.services
    frozen = LoginThrottle(clock=lambda: 1000.0)
    wall.app.state.services = dataclasses.replace(services, login_throttle=frozen)
    await wall.store.auth.create_user("anna", "admin", PASSWORD)
    statuses = []
    for n in range(100):
        response = await wall.client.post(SESSION, json={"name": "anna", "password": f"guess{n}"})
        statuses.append(response.status_code)
    assert set(statuses) == {401, 429}
    assert 1 <= statuses.count(401) <= 20
    assert statuses.index(429) == statuses.count(401), "no 401 after the first 429"
    response = await wall.client.post(SESSION, json={"name": "anna", "password": PASSWORD})
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) >= 1
    error = response.json()["error"]
    assert error["code"] == "rate_limited"
    assert "Too many failed logins" in error["message"]


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
