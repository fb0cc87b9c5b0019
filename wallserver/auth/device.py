"""A device id for guests without accounts: a random id in a signed cookie, set when the posting
page is opened. It lets the per-device rate limit tell apart guests who share one venue NAT.

The signature stops a client from choosing ids (say, a victim's); it cannot stop a client from
dropping the cookie to get a fresh one, which is why the per-IP bucket stays as a backstop.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

COOKIE = "wall_device"
MAX_AGE = 365 * 24 * 3600


def mint(secret: str) -> str:
    """A new signed device cookie value ``id.signature``."""
    device = secrets.token_urlsafe(12)
    return f"{device}.{_sign(device, secret)}"


def verify(value: str | None, secret: str) -> str | None:
    """The device id inside a cookie value, or None when missing or forged."""
    if not value or value.count(".") != 1:
        return None
    device, signature = value.split(".")
    if not device or not hmac.compare_digest(signature, _sign(device, secret)):
        return None
    return device


def _sign(device: str, secret: str) -> str:
    key = hashlib.sha256(b"wall-device:" + secret.encode()).digest()
    return hmac.new(key, device.encode(), hashlib.sha256).hexdigest()[:32]
