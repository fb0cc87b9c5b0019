"""The claim tables: the Redis one that instances share behaves like the in-process one, claims
lapse after their time, and a Redis that cannot be reached does not stop moderation."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import AsyncIterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wallserver.claims import ClaimTable, LocalClaims, RedisClaims

HOLDERS = ("user:ada", "user:bo", "token:7|x")  # a "|" in a holder must survive the encoding
Op = tuple[str, str, list[int]]
ops = st.lists(
    st.tuples(
        st.sampled_from(("claim", "release")),
        st.sampled_from(HOLDERS),
        st.lists(st.integers(1, 6), min_size=1, max_size=4, unique=True),
    ),
    min_size=1,
    max_size=20,
)


def clock() -> float:
    return 1_000_000.0  # both tables see the same time, so their "until" agree


@pytest.mark.redis
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(script=ops)
async def test_redis_claims_behave_like_the_local_ones(redis_url: str, script: list[Op]) -> None:
    """Any sequence of claims and releases by several moderators gets the same answers, and
    leaves the same holders, from Redis as from the in-process table."""
    local = LocalClaims(clock=clock)
    shared = RedisClaims(redis_url, f"claims-{secrets.token_hex(6)}", clock=clock)
    await shared.start()
    try:
        for op, holder, post_ids in script:
            if op == "claim":
                assert await shared.claim(1, post_ids, holder) == await local.claim(
                    1, post_ids, holder
                )
            else:
                assert await shared.release(1, post_ids, holder) == await local.release(
                    1, post_ids, holder
                )
            every = list(range(1, 7))
            assert await shared.holders(1, every) == await local.holders(1, every)
    finally:
        await shared.close()


@pytest.mark.redis
async def test_redis_claims_lapse_after_their_time(redis_url: str) -> None:
    """A claim nobody renews expires in Redis, and the post can then go to someone else."""
    claims = RedisClaims(redis_url, f"claims-{secrets.token_hex(6)}", ttl=0.3)
    await claims.start()
    try:
        got, _ = await claims.claim(1, [5], "user:ada")
        assert [c.holder for c in got] == ["user:ada"]
        _, taken = await claims.claim(1, [5], "user:bo")
        assert [c.holder for c in taken] == ["user:ada"]
        deadline = time.monotonic() + 5
        while await claims.holders(1, [5]):
            assert time.monotonic() < deadline, "the claim never lapsed"
            await asyncio.sleep(0.05)
        got, _ = await claims.claim(1, [5], "user:bo")
        assert [c.holder for c in got] == ["user:bo"]
    finally:
        await claims.close()


async def test_unreachable_redis_does_not_stop_moderation() -> None:
    """Without Redis a console still gets its posts (claims just stop steering)."""
    claims = RedisClaims("redis://127.0.0.1:1/0", "nowhere")
    await claims.start()
    try:
        got, taken = await claims.claim(1, [1, 2], "user:ada")
        assert ([c.post_id for c in got], taken) == ([1, 2], [])
        assert await claims.holders(1, [1, 2]) == {}
        assert await claims.release(1, [1], "user:ada") == []
    finally:
        await claims.close()


@pytest.fixture(params=["local", pytest.param("redis", marks=pytest.mark.redis)])
async def table(request: pytest.FixtureRequest) -> AsyncIterator[ClaimTable]:
    """Each claim table, fresh (Redis in a namespace of its own)."""
    claims: ClaimTable
    if request.param == "redis":
        url = request.getfixturevalue("redis_url")
        claims = RedisClaims(url, f"claims-{secrets.token_hex(6)}", clock=clock)
    else:
        claims = LocalClaims(clock=clock)
    await claims.start()
    try:
        yield claims
    finally:
        await claims.close()


async def test_claims_are_per_event(table: ClaimTable) -> None:
    """A post id claimed in one event is still free in another: events never share claims."""
    got, _ = await table.claim(1, [5, 6], "user:ada")
    assert [c.post_id for c in got] == [5, 6]
    assert await table.holders(2, [5, 6]) == {}
    got, taken = await table.claim(2, [5], "user:bo")
    assert ([c.holder for c in got], taken) == (["user:bo"], [])
    assert await table.release(2, [6], "user:ada") == []
    assert await table.holders(1, [5, 6]) == {5: "user:ada", 6: "user:ada"}
    assert await table.holders(2, [5, 6]) == {5: "user:bo"}
