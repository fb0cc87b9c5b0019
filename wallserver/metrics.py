"""Prometheus metrics, in a registry per app (no global state).

What moves with the traffic is counted where it happens: posts stored (the pipeline), decisions
and their latency (the pipeline), wall messages reaching a socket (the wall socket, see
:class:`Fanout`), viewers connected (:class:`Viewers`). What the database knows (queue depth per
event, each source's health) is read at scrape time by :meth:`Metrics.refresh`, at most once per
``REFRESH_SECONDS`` however often Prometheus (or several) scrape, so ``/metrics`` costs three
small queries every few seconds and nothing on the posting path.

Every name, label and unit is listed in docs/operations.md.
"""

from __future__ import annotations

import logging
import time
from collections import Counter as Tally
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from wallserver.dates import stored_utc

if TYPE_CHECKING:
    from wallserver.sources.supervisor import Supervisor
    from wallserver.store import Store
    from wallserver.store.wall import WallMessage

log = logging.getLogger(__name__)
REFRESH_SECONDS = 5.0
# arrival -> decision: seconds for a rule or a quick moderator, an hour for a forgotten post
DECISION_BUCKETS = (1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200)
# commit -> written to a wall's socket: milliseconds when all is well
FANOUT_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
NO_SCREEN = "none"  # a viewer whose page has not named its screen (yet): phones, old pages
SOURCE_STATES = ("running", "paused", "failed")
MACHINE_ACTORS = ("rule:", "source:")  # decisions' actors that are not people


class Viewers(Collector):
    """Connected wall sockets on this instance, by event and screen, as ``wall_viewers``.

    The wall socket holds a :class:`Viewer` while it is open and names its screen once the
    page's heartbeat did (only screens that exist are named, so the label stays bounded)."""

    def __init__(self) -> None:
        self._open: set[Viewer] = set()

    def watch(self, event: str) -> Viewer:
        """A viewer of ``event``, counted from ``async with`` until the block ends. A plain
        object rather than a generator-based context manager: one is held per idle viewer, and
        a suspended generator costs a frame (docs/performance.md, memory per viewer)."""
        return Viewer(event, self._open)

    def collect(self) -> Iterable[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "wall_viewers",
            "Wall sockets open on this instance, by event and screen",
            labels=["event", "screen"],
        )
        counted = Tally((v.event, v.screen or NO_SCREEN) for v in self._open)
        for (event, screen), n in sorted(counted.items()):
            family.add_metric([event, screen], n)
        yield family


class Viewer:
    """One open wall socket, counted while its ``async with`` lasts."""

    __slots__ = ("_open", "event", "screen")

    def __init__(self, event: str, open_viewers: set[Viewer]) -> None:
        self.event = event
        self.screen = ""  # as the page's heartbeat names it
        self._open = open_viewers

    async def __aenter__(self) -> Viewer:
        self._open.add(self)
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._open.discard(self)


class Fanout:
    """Wall messages from commit to socket: the pipeline notes when it publishes a message, the
    wall socket reports each live message it wrote; the difference is observed. Messages
    published by another instance are not timed here (that instance times its own viewers)."""

    KEEP = 2048  # messages remembered per instance; a socket further behind is not timed

    def __init__(self, histogram: Histogram, clock: Callable[[], float] = time.monotonic) -> None:
        self.histogram = histogram
        self.clock = clock
        self._published: OrderedDict[tuple[int, int], float] = OrderedDict()

    def published(self, messages: Iterable[WallMessage]) -> None:
        now = self.clock()
        for message in messages:
            self._published[(message.event_id, message.seq)] = now
        while len(self._published) > self.KEEP:
            self._published.popitem(last=False)

    def delivered(self, event_id: int, seq: int) -> None:
        at = self._published.get((event_id, seq))
        if at is not None:
            self.histogram.observe(self.clock() - at)


@dataclass(eq=False)  # hashable by identity: the registry keys its collectors
class Snapshot(Collector):
    """What the database knows, as of the last :meth:`Metrics.refresh`."""

    queue: dict[str, int] = field(default_factory=dict)
    sources: list[SourceHealth] = field(default_factory=list)

    def collect(self) -> Iterable[Metric]:
        depth = GaugeMetricFamily(
            "wall_queue_depth", "Posts waiting for a moderator, by event", labels=["event"]
        )
        for event, n in sorted(self.queue.items()):
            depth.add_metric([event], n)
        yield depth
        labels = ["event", "source", "kind"]
        state = GaugeMetricFamily(
            "wall_source_state", "1 for the state a source is in", labels=[*labels, "state"]
        )
        connected = GaugeMetricFamily(
            "wall_source_connected",
            "1 while this instance runs the source and it is connected",
            labels=labels,
        )
        failing = GaugeMetricFamily(
            "wall_source_failing", "1 while the source's last attempt failed", labels=labels
        )
        failures = CounterMetricFamily(
            "wall_source_failures",
            "Failed attempts on this instance since it started",
            labels=labels,
        )
        last = GaugeMetricFamily(
            "wall_source_last_post_timestamp_seconds",
            "When the source last brought a post (Unix time; absent before its first)",
            labels=labels,
        )
        for s in self.sources:
            values = [s.event, str(s.id), s.kind]
            for name in SOURCE_STATES:
                state.add_metric([*values, name], 1.0 if s.state == name else 0.0)
            connected.add_metric(values, 1.0 if s.connected else 0.0)
            failing.add_metric(values, 1.0 if s.failing else 0.0)
            failures.add_metric(values, s.failures)
            if s.last_post is not None:
                last.add_metric(values, s.last_post)
        yield from (state, connected, failing, failures, last)


@dataclass(frozen=True, slots=True)
class SourceHealth:
    id: int
    event: str
    kind: str
    state: str
    connected: bool
    failing: bool
    failures: int
    last_post: float | None


class Metrics:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.registry = CollectorRegistry()
        self.clock = clock
        self.posts_received = Counter(
            "wall_posts_received",
            "Posts stored, by event, source and initial status (rate() is the ingest rate)",
            ["event", "source", "status"],
            registry=self.registry,
        )
        self.decisions = Counter(
            "wall_decisions", "Moderation decisions, by action", ["action"], registry=self.registry
        )
        self.decision_seconds = Histogram(
            "wall_decision_latency_seconds",
            "Seconds from a post's arrival to a moderator's approve, reject or hide",
            ["action"],
            buckets=DECISION_BUCKETS,
            registry=self.registry,
        )
        self.fanout = Fanout(
            Histogram(
                "wall_fanout_latency_seconds",
                "Seconds from a wall message's commit to its write on a wall socket",
                buckets=FANOUT_BUCKETS,
                registry=self.registry,
            )
        )
        self.wall_clients = Gauge(
            "wall_stream_clients",
            "Connected wall stream clients on this instance",
            registry=self.registry,
        )
        self.viewers = Viewers()
        self.registry.register(self.viewers)
        self.snapshot = Snapshot()
        self.registry.register(self.snapshot)
        self._refreshed: float | None = None

    def track_clients(self, count: Callable[[], int]) -> None:
        self.wall_clients.set_function(lambda: float(count()))

    def decided(self, action: str, seconds: float, actor: str) -> None:
        """A decision; its latency counts for people's approve, reject and hide (pin, unpin and
        undo answer no waiting post; a source hiding a post deleted there is no moderator)."""
        self.decisions.labels(action).inc()
        machine = actor.startswith(MACHINE_ACTORS) or actor == "system"
        if action in ("approve", "reject", "hide") and not machine:
            self.decision_seconds.labels(action).observe(max(0.0, seconds))

    async def refresh(self, store: Store, supervisor: Supervisor) -> None:
        """Read queue depths and sources' health, unless done less than REFRESH_SECONDS ago."""
        now = self.clock()
        if self._refreshed is not None and now - self._refreshed < REFRESH_SECONDS:
            return
        self._refreshed = now
        try:
            await self._read(store, supervisor)
        except Exception:  # the counters still matter most when the database is in trouble
            log.warning("metrics: could not read queue depths and sources", exc_info=True)

    async def _read(self, store: Store, supervisor: Supervisor) -> None:
        queue = await store.posts.queue_depths()
        slugs = {e.id: e.slug for e in await store.events.all()}
        self.snapshot.queue = queue
        self.snapshot.sources = [
            SourceHealth(
                s.id,
                slugs.get(s.event_id, str(s.event_id)),
                s.kind,
                s.state,
                supervisor.connected(s.id),
                bool(s.last_error),
                supervisor.failures[s.id],
                _unix(s.last_post_at),
            )
            for s in await store.sources.all()
        ]


def _unix(at: datetime | None) -> float | None:
    """Stored as UTC; SQLite hands it back without the zone."""
    if at is None:
        return None
    return stored_utc(at).timestamp()
