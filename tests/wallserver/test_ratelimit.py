"""Rate limits on guest submissions: tight per device, generous per IP, 429 with Retry-After."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import SECRET, Wall
from wallserver.auth import device
from wallserver.errors import RateLimited
from wallserver.ratelimit import Rate, SubmissionLimits, TokenBuckets

SUBMIT = "/api/events/xmas/submissions"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_bucket_allows_a_burst_then_refills_over_time() -> None:
    """``burst`` requests pass at once; the next waits 60/per_minute seconds, then passes."""
    clock = FakeClock()
    buckets = TokenBuckets(Rate(per_minute=6, burst=3), clock)
    assert [buckets.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert buckets.take("a") == pytest.approx(10.0)
    assert buckets.take("b") == 0.0, "other keys have their own bucket"
    clock.now += 10
    assert buckets.take("a") == 0.0
    assert buckets.take("a") > 0


def test_bucket_forgets_the_least_recent_keys_beyond_its_bound() -> None:
    """Memory stays bounded however many addresses are seen."""
    buckets = TokenBuckets(Rate(per_minute=1, burst=1), FakeClock(), max_keys=100)
    for i in range(1000):
        buckets.take(f"k{i}")
    assert len(buckets._buckets) == 100


def test_many_devices_behind_one_address_all_get_through() -> None:
    """Three hundred guests behind one venue NAT each post twice within a minute."""
    clock = FakeClock()
    limits = SubmissionLimits(Rate(120, 600), Rate(4, 6), clock)
    for round_ in range(2):
        for guest in range(300):
            limits.check("203.0.113.7", f"guest-{guest}")
        clock.now += 20 + round_


def test_one_device_is_slowed_down_but_its_neighbours_are_not() -> None:
    """The seventh quick post from one phone is refused; another phone on the same IP posts."""
    clock = FakeClock()
    limits = SubmissionLimits(Rate(120, 200), Rate(4, 6), clock)
    for _ in range(6):
        limits.check("203.0.113.7", "phone-a")
    with pytest.raises(RateLimited) as caught:
        limits.check("203.0.113.7", "phone-a")
    assert caught.value.headers == {"Retry-After": "15"}
    limits.check("203.0.113.7", "phone-b")


def test_the_ip_bucket_stops_a_client_minting_fresh_devices() -> None:
    """Dropping the cookie for every post only helps until the per-IP bucket is empty."""
    limits = SubmissionLimits(Rate(60, 10), Rate(4, 6), FakeClock())
    for i in range(10):
        limits.check("198.51.100.1", f"fresh-{i}")
    with pytest.raises(RateLimited):
        limits.check("198.51.100.1", "fresh-x")
    limits.check("198.51.100.2", "fresh-y")


def test_device_cookie_is_verified() -> None:
    """A minted cookie verifies; a forged or mangled one does not."""
    value = device.mint(SECRET)
    assert device.verify(value, SECRET) == value.split(".")[0]
    assert device.verify(value, "another-secret-0123456789") is None
    assert device.verify("chosen-id." + "0" * 32, SECRET) is None
    assert device.verify("", SECRET) is None
    assert device.verify("a.b.c", SECRET) is None


async def new_phone(wall: Wall) -> str:
    """Open the posting page as a phone that has never been here: its device cookie."""
    wall.client.cookies.clear()
    return (await wall.client.get("/post/xmas")).cookies[device.COOKIE]


async def post_as(wall: Wall, cookie: str | None) -> httpx.Response:
    wall.client.cookies.clear()
    headers = {"Cookie": f"{device.COOKIE}={cookie}"} if cookie else {}
    return await wall.client.post(SUBMIT, data={"text": "hi", "consent": "yes"}, headers=headers)


async def test_rate_limited_submission_is_a_429_with_retry_after(wall: Wall) -> None:
    """Past the device's burst the answer is 429, a Retry-After and a readable message."""
    cookie = await new_phone(wall)
    assert device.verify(cookie, SECRET)
    for _ in range(6):
        assert (await post_as(wall, cookie)).status_code == 202
    refused = await post_as(wall, cookie)
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) == 15
    assert refused.json() == {
        "error": {
            "code": "rate_limited",
            "message": "Slow down a little: you can post again in 15 seconds.",
        }
    }


async def test_guests_sharing_an_address_post_independently(wall: Wall) -> None:
    """Twenty phones behind one address each post three times; none is refused."""
    phones = [await new_phone(wall) for _ in range(20)]
    for _ in range(3):
        for cookie in phones:
            response = await post_as(wall, cookie)
            assert response.status_code == 202, response.text


async def test_posts_without_a_device_cookie_share_one_tight_bucket(wall: Wall) -> None:
    """Cookie-less or forged-cookie requests are counted per address with the device rate."""
    answers = [await post_as(wall, "forged.0000") for _ in range(7)]
    assert [r.status_code for r in answers] == [202] * 6 + [429]
    assert device.COOKIE in answers[0].cookies, "the first post hands out a device cookie"
