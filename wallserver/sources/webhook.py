"""Signed webhooks: HMAC-SHA256 over ``timestamp + "." + body`` with the source's own secret.

Senders put the Unix time in ``X-Wall-Timestamp`` and ``sha256=<hex>`` in ``X-Wall-Signature``.
A request older or newer than :data:`TOLERANCE` seconds is refused, so a captured request cannot
be replayed later; within the window the post's ``source_id`` makes a replay a no-op.
"""

from __future__ import annotations

import hashlib
import hmac

TOLERANCE = 300
PREFIX = "sha256="


class BadSignature(ValueError):
    """The request is not signed with the source's secret, or not within the time window."""


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return PREFIX + mac.hexdigest()


def verify(secret: str, timestamp: str, body: bytes, signature: str, now: float) -> None:
    """Raise :class:`BadSignature` unless the signature is right and the time is near ``now``."""
    try:
        sent = int(timestamp)
    except ValueError as exc:
        raise BadSignature("X-Wall-Timestamp must be Unix seconds") from exc
    if abs(now - sent) > TOLERANCE:
        raise BadSignature("the timestamp is outside the 5-minute window")
    if not hmac.compare_digest(sign(secret, timestamp, body).encode(), signature.encode()):
        raise BadSignature("wrong signature")
