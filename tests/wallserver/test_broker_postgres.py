"""The PostgreSQL LISTEN/NOTIFY broker: delivery between instances, deployments kept apart, and
the "you may have missed messages" signal after a lost connection or for an oversize message."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack

import psycopg
import pytest

from wallserver.broker import Subscription, create_broker
from wallserver.broker.postgres import MAX_PAYLOAD, PostgresBroker, libpq_url

pytestmark = pytest.mark.postgres

WAIT = 10.0  # seconds; only ever reached when a test is failing

Brokers = Callable[[str], Awaitable[PostgresBroker]]


@pytest.fixture
async def brokers(postgres_url: str) -> AsyncIterator[Brokers]:
    """Start brokers on the test database; each call takes a namespace. Closed afterwards."""
    async with AsyncExitStack() as stack:

        async def start(namespace: str) -> PostgresBroker:
            broker = create_broker(postgres_url, namespace)
            assert isinstance(broker, PostgresBroker)
            await broker.start()
            stack.push_async_callback(broker.close)
            return broker

        yield start


def namespace() -> str:
    return f"test{secrets.token_hex(6)}"


async def next_message(sub: Subscription) -> str | None:
    async with asyncio.timeout(WAIT):
        return await sub.get()


async def nothing_within(sub: Subscription, seconds: float = 0.3) -> bool:
    try:
        async with asyncio.timeout(seconds):
            await sub.get()
    except TimeoutError:
        return True
    return False


def test_every_postgres_scheme_picks_this_broker() -> None:
    """postgresql://, postgres:// and SQLAlchemy's postgresql+psycopg:// all choose NOTIFY."""
    for url in ("postgresql://h/db", "postgres://h/db", "postgresql+psycopg://h/db"):
        broker = create_broker(url, "ns")
        assert isinstance(broker, PostgresBroker)
        assert broker.url == "postgresql://h/db"
        assert broker.pg_channel == "wallserver_ns"
    assert libpq_url("postgresql://u@h:5432/db?x=1") == "postgresql://u@h:5432/db?x=1"


async def test_a_message_published_on_one_instance_reaches_the_other(brokers: Brokers) -> None:
    """Two brokers of one deployment: a message published by A reaches B's subscriber, in order."""
    ns = namespace()
    one, two = await brokers(ns), await brokers(ns)
    sub = await two.subscribe("wall:1")
    other = await two.subscribe("wall:2")
    for n in range(3):
        await one.publish("wall:1", f"message {n} ✓")
    assert [await next_message(sub) for _ in range(3)] == [f"message {n} ✓" for n in range(3)]
    assert await nothing_within(other)


async def test_deployments_sharing_a_database_do_not_hear_each_other(brokers: Brokers) -> None:
    """Another namespace is another PostgreSQL channel: its messages never arrive."""
    mine, theirs = await brokers(namespace()), await brokers(namespace())
    sub = await mine.subscribe("wall:1")
    await theirs.publish("wall:1", "not for you")
    await mine.publish("wall:1", "for you")
    assert await next_message(sub) == "for you"


async def test_a_killed_listening_connection_signals_missed_messages(
    brokers: Brokers, postgres_url: str
) -> None:
    """pg_terminate_backend on B's listener: B reconnects, its subscribers get None (catch up),
    and messages flow again afterwards."""
    ns = namespace()
    one, two = await brokers(ns), await brokers(ns)
    sub = await two.subscribe("wall:1")
    await one.publish("wall:1", "before")
    assert await next_message(sub) == "before"
    pid = two.listener_pid
    assert pid is not None
    async with await psycopg.AsyncConnection.connect(
        libpq_url(postgres_url), autocommit=True
    ) as admin:
        await admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    assert await next_message(sub) is None
    assert two.listener_pid not in (None, pid)
    await one.publish("wall:1", "after")
    assert await next_message(sub) == "after"


async def test_an_oversize_message_rings_the_doorbell_instead(brokers: Brokers) -> None:
    """A message over NOTIFY's 8000-byte limit arrives as None (catch up from the database);
    publishing does not fail, and the next small message is delivered as usual."""
    ns = namespace()
    one, two = await brokers(ns), await brokers(ns)
    sub = await two.subscribe("wall:1")
    await one.publish("wall:1", "ü" * (MAX_PAYLOAD // 2))  # few characters, too many bytes
    assert await next_message(sub) is None
    await one.publish("wall:1", "small")
    assert await next_message(sub) == "small"


async def test_the_publisher_reconnects_after_losing_its_connection(
    brokers: Brokers, postgres_url: str
) -> None:
    """Killing the publishing connection costs nothing: the next publish opens a new one."""
    ns = namespace()
    one, two = await brokers(ns), await brokers(ns)
    sub = await two.subscribe("wall:1")
    await one.publish("wall:1", "first")
    assert await next_message(sub) == "first"
    assert one._publisher is not None
    pid = one._publisher.info.backend_pid
    async with await psycopg.AsyncConnection.connect(
        libpq_url(postgres_url), autocommit=True
    ) as admin:
        await admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    await one.publish("wall:1", "second")
    assert await next_message(sub) == "second"


async def test_presence_is_shared_between_instances(brokers: Brokers) -> None:
    """A beat put on A is listed by B once the NOTIFY arrives; another deployment sees none."""
    ns = namespace()
    one, two, stranger = await brokers(ns), await brokers(ns), await brokers(namespace())
    put = {"at": 100.0, "expire_before": 0.0, "evict_before": 70.0, "limit": 5}
    assert await one.presence_put("presence:1:token", "pc", "value", **put)
    async with asyncio.timeout(WAIT):
        while True:  # the beat travels by NOTIFY: poll until it is there
            listed = await two.presence_list("presence:1:token", after=0.0)
            if listed:
                break
            await asyncio.sleep(0.02)
    assert listed == [("value", 100.0)]
    assert await stranger.presence_list("presence:1:token", after=0.0) == []
