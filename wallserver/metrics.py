"""Prometheus metrics, in a registry per app (no global state)."""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.posts_received = Counter(
            "wall_posts_received",
            "Posts stored, by source and initial status",
            ["source", "status"],
            registry=self.registry,
        )
        self.decisions = Counter(
            "wall_decisions", "Moderation decisions, by action", ["action"], registry=self.registry
        )
        self.wall_clients = Gauge(
            "wall_stream_clients",
            "Connected wall stream clients on this instance",
            registry=self.registry,
        )

    def track_clients(self, count: Callable[[], int]) -> None:
        self.wall_clients.set_function(lambda: float(count()))
