"""Message brokers, chosen by URL scheme and imported lazily.

A broker carries notifications between instances; it may lose messages (Redis pub/sub does while
reconnecting, PostgreSQL NOTIFY does while reconnecting and for payloads of 8000 bytes or
more). Subscribers get ``None`` when they may have missed something, and the hub then
catches up from the database, which is always the source of truth.
"""

from __future__ import annotations

import hashlib

from wallserver.broker.base import Broker, Subscription


def namespace_for(secret_key: str) -> str:
    """Channel names for one deployment. Every instance of a deployment shares the secret key,
    and two deployments on one Redis (or PostgreSQL) must not share channels: event ids repeat
    across databases."""
    return hashlib.sha256(b"wallserver-broker\0" + secret_key.encode()).hexdigest()[:16]


def create_broker(url: str, namespace: str = "") -> Broker:
    scheme = url.split(":", 1)[0]
    if scheme == "memory":
        from wallserver.broker.memory import MemoryBroker

        return MemoryBroker()
    if scheme in ("redis", "rediss"):
        from wallserver.broker.redis import RedisBroker

        return RedisBroker(url, namespace)
    if scheme in ("postgresql", "postgres", "postgresql+psycopg"):
        from wallserver.broker.postgres import PostgresBroker

        return PostgresBroker(url, namespace)
    raise ValueError(
        f"unsupported broker URL scheme {scheme!r} (use memory://, redis:// or postgresql://)"
    )


__all__ = ["Broker", "Subscription", "create_broker", "namespace_for"]
