"""``/metrics`` as Prometheus reads it: it parses, and its figures follow the posts, decisions,
viewers and sources an operator would see on the pages."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time

import websockets
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.ext.asyncio import create_async_engine

from tests.conftest import SECRET, LiveServer, Wall, free_port
from wallserver.broker import Broker
from wallserver.metrics import REFRESH_SECONDS, Metrics
from wallserver.screens.presence import Heartbeat, Presence
from wallserver.services import Services
from wallserver.store import Store

WAIT = 15.0  # seconds; only ever reached when a test is failing
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def scrape(wall: Wall) -> Samples:
    """Every sample of ``/metrics``, parsed by prometheus_client's own text parser."""
    response = await wall.client.get("/metrics", headers=wall.auth("admin"))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    samples: Samples = {}
    for family in text_string_to_metric_families(response.text):
        for s in family.samples:
            samples[(s.name, frozenset(s.labels.items()))] = s.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def parts(wall: Wall) -> Services:
    found: Services = wall.app.state.services
    return found


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def fake_clock(wall: Wall) -> Clock:
    clock = Clock()
    parts(wall).metrics.clock = clock
    return clock


async def test_counters_move_as_posts_flow(any_wall: Wall) -> None:
    """Two posts in, one approved: the ingest counter, the queue depth, the decision counter
    and the decision latency histogram all say so (on each database)."""
    wall = any_wall
    clock = fake_clock(wall)
    before = await scrape(wall)
    assert value(before, "wall_queue_depth", event="xmas") == 0
    assert (
        value(before, "wall_posts_received_total", event="xmas", source="test", status="pending")
        == 0
    )

    first = (await wall.ingest("a")).json()
    await wall.ingest("b")
    clock.now += REFRESH_SECONDS
    middle = await scrape(wall)
    assert (
        value(middle, "wall_posts_received_total", event="xmas", source="test", status="pending")
        == 2
    )
    assert value(middle, "wall_queue_depth", event="xmas") == 2

    assert (await wall.decide(first["id"], "approve", 1)).status_code == 200
    clock.now += REFRESH_SECONDS
    after = await scrape(wall)
    assert value(after, "wall_queue_depth", event="xmas") == 1
    assert value(after, "wall_decisions_total", action="approve") == 1
    assert value(after, "wall_decision_latency_seconds_count", action="approve") == 1
    assert value(after, "wall_decision_latency_seconds_bucket", action="approve", le="+Inf") == 1


async def test_queue_depth_is_read_once_per_interval(wall: Wall) -> None:
    """Scrapes within REFRESH_SECONDS reuse the last reading; the next one reads again."""
    clock = fake_clock(wall)
    await scrape(wall)
    await wall.ingest("a")
    assert value(await scrape(wall), "wall_queue_depth", event="xmas") == 0
    clock.now += REFRESH_SECONDS
    assert value(await scrape(wall), "wall_queue_depth", event="xmas") == 1


class HeardPresence(Presence):
    """The real presence table, which also says when it recorded a beat."""

    def __init__(self, broker: Broker) -> None:
        super().__init__(broker)
        self.heard = asyncio.Event()

    async def beat(self, event_id: int, heartbeat: Heartbeat, trusted: bool) -> bool:
        recorded = await super().beat(event_id, heartbeat, trusted)
        self.heard.set()
        return recorded


async def test_viewers_and_fanout_latency_follow_a_wall(live: LiveServer) -> None:
    """A wall connects: one viewer of xmas, no screen yet; its heartbeat names the screen; a
    post approved while it watches reaches it and its commit-to-socket time is observed."""
    wall = live.wall
    presence = HeardPresence(parts(wall).broker)
    wall.app.state.services = dataclasses.replace(parts(wall), presence=presence)
    url = f"ws://127.0.0.1:{live.port}/ws/events/xmas/wall?token={wall.tokens['display']}"
    async with websockets.connect(url) as ws:
        assert json.loads(await ws.recv())["type"] == "hello"  # sent once counted
        assert value(await scrape(wall), "wall_viewers", event="xmas", screen="none") == 1

        beat = {
            "type": "heartbeat",
            "screen": "main",
            "client": "c1",
            "width": 1920,
            "height": 1080,
        }
        await ws.send(json.dumps(beat))
        async with asyncio.timeout(WAIT):
            await presence.heard.wait()
        samples = await scrape(wall)
        assert value(samples, "wall_viewers", event="xmas", screen="main") == 1
        assert value(samples, "wall_viewers", event="xmas", screen="none") == 0

        post = (await wall.ingest("a")).json()
        assert (await wall.decide(post["id"], "approve", 1)).status_code == 200
        async with asyncio.timeout(WAIT):
            while json.loads(await ws.recv()).get("type") != "post.show":
                pass
        samples = await scrape(wall)
        assert value(samples, "wall_fanout_latency_seconds_count") >= 1
        assert value(samples, "wall_stream_clients") == 1


async def test_a_viewer_leaving_is_no_longer_counted() -> None:
    """Viewers are counted while their socket holds them, per event and screen."""
    metrics = Metrics()
    viewers = metrics.viewers
    async with viewers.watch("xmas") as a, viewers.watch("xmas") as b:
        a.screen = b.screen = "main"
        async with viewers.watch("xmas"), viewers.watch("party"):
            assert (
                metrics.registry.get_sample_value(
                    "wall_viewers", {"event": "xmas", "screen": "main"}
                )
                == 2
            )
            assert (
                metrics.registry.get_sample_value(
                    "wall_viewers", {"event": "xmas", "screen": "none"}
                )
                == 1
            )
        assert (
            metrics.registry.get_sample_value("wall_viewers", {"event": "party", "screen": "none"})
            is None
        )
    assert (
        metrics.registry.get_sample_value("wall_viewers", {"event": "xmas", "screen": "main"})
        is None
    )


async def test_a_sources_health_is_exported(wall: Wall) -> None:
    """Each source: its state, whether it runs connected here, whether it is failing, and
    its failures; a failing one says so until it brings posts again."""
    clock = fake_clock(wall)
    source = await wall.store.sources.create(wall.event.id, "rss", {"url": "https://x.test/f"})
    await wall.store.sources.set_state(source.id, "paused")
    await parts(wall).supervisor._note(source.id, "TimeoutError: slow")  # as a failed poll does
    samples = await scrape(wall)
    labels = {"event": "xmas", "source": str(source.id), "kind": "rss"}
    assert value(samples, "wall_source_state", **labels, state="paused") == 1
    assert value(samples, "wall_source_state", **labels, state="running") == 0
    assert value(samples, "wall_source_connected", **labels) == 0
    assert value(samples, "wall_source_failing", **labels) == 1
    assert value(samples, "wall_source_failures_total", **labels) == 1
    assert ("wall_source_last_post_timestamp_seconds", frozenset(labels.items())) not in samples

    await wall.store.sources.save_cursor(source.id, {}, posted=True)  # a batch brought a post
    clock.now += REFRESH_SECONDS
    samples = await scrape(wall)
    assert value(samples, "wall_source_failing", **labels) == 0
    brought = value(samples, "wall_source_last_post_timestamp_seconds", **labels)
    assert abs(brought - time.time()) < 60


def test_fanout_forgets_old_messages() -> None:
    """The publish times kept are bounded: a socket far behind is not timed, nothing grows."""
    from wallserver.store.wall import WallMessage

    metrics = Metrics()
    fanout = metrics.fanout
    fanout.published([WallMessage(1, seq, "{}") for seq in range(1, fanout.KEEP + 100)])
    assert len(fanout._published) == fanout.KEEP
    fanout.delivered(1, 1)  # forgotten: not observed
    fanout.delivered(1, fanout.KEEP + 50)
    text = metrics.registry.get_sample_value("wall_fanout_latency_seconds_count")
    assert text == 1


async def test_a_refresh_without_the_database_keeps_the_last_figures(wall: Wall) -> None:
    """Reading queue depths fails (the database is down): the refresh logs it and keeps the
    last figures, so the scrape still has them and every counter."""
    clock = fake_clock(wall)
    await wall.ingest("a")
    await scrape(wall)
    metrics = parts(wall).metrics
    url = f"postgresql+psycopg://wall:pw@127.0.0.1:{free_port()}/x"
    down = Store(create_async_engine(url), SECRET)
    clock.now += REFRESH_SECONDS
    try:
        await metrics.refresh(down, parts(wall).supervisor)
    finally:
        await down.close()
    registry = metrics.registry
    assert registry.get_sample_value("wall_queue_depth", {"event": "xmas"}) == 1
    labels = {"event": "xmas", "source": "test", "status": "pending"}
    assert registry.get_sample_value("wall_posts_received_total", labels) == 1


def test_decision_latency_is_peoples() -> None:
    """A moderator's approve, reject or hide is timed; a source hiding a post deleted there, a
    rule, a pin or an undo are counted as decisions but not timed."""
    metrics = Metrics()
    metrics.decided("approve", 42.0, "user:anna")
    metrics.decided("hide", 5.0, "token:7")
    metrics.decided("hide", 9.0, "source:3")
    metrics.decided("reject", 1.0, "rule:blocklist")
    metrics.decided("pin", 3.0, "user:anna")
    sample = metrics.registry.get_sample_value
    assert sample("wall_decision_latency_seconds_count", {"action": "approve"}) == 1
    assert sample("wall_decision_latency_seconds_sum", {"action": "approve"}) == 42.0
    assert sample("wall_decision_latency_seconds_count", {"action": "hide"}) == 1
    assert sample("wall_decision_latency_seconds_count", {"action": "reject"}) is None
    assert sample("wall_decisions_total", {"action": "hide"}) == 2
    assert sample("wall_decisions_total", {"action": "pin"}) == 1
