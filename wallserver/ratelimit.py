"""Token buckets for submissions from the public page: a generous bucket per IP address and a
tight one per device, so one phone cannot flood the queue while a few hundred guests behind one
venue NAT still post freely.

Pure and synchronous: time comes from an injected clock (tests pass a fake one). State is in
memory, per instance: behind several instances each has its own buckets, so the effective limit
is multiplied by the instance count (acceptable for a soft abuse limit; see docs/posting.md).
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from wallserver.errors import RateLimited

Clock = Callable[[], float]


@dataclass(frozen=True, slots=True)
class Rate:
    """``burst`` requests at once, refilled at ``per_minute``."""

    per_minute: float
    burst: int


class TokenBuckets:
    """One token bucket per key. Idle keys are forgotten beyond ``max_keys`` (least recent first),
    which is harmless: a forgotten bucket was refilling towards full anyway."""

    def __init__(self, rate: Rate, clock: Clock = time.monotonic, max_keys: int = 100_000) -> None:
        self.rate = rate
        self.clock = clock
        self.max_keys = max_keys
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def take(self, key: str) -> float:
        """Spend a token for ``key``: 0.0 when allowed, else the seconds until one is free."""
        now = self.clock()
        per_second = self.rate.per_minute / 60
        tokens, last = self._buckets.pop(key, (float(self.rate.burst), now))
        tokens = min(float(self.rate.burst), tokens + (now - last) * per_second)
        if tokens >= 1:
            self._buckets[key] = (tokens - 1, now)
            self._trim()
            return 0.0
        self._buckets[key] = (tokens, now)
        return (1 - tokens) / per_second if per_second > 0 else math.inf

    def refund(self, key: str) -> None:
        """Give back a token taken for a request that another bucket then refused."""
        if key in self._buckets:
            tokens, last = self._buckets[key]
            self._buckets[key] = (min(float(self.rate.burst), tokens + 1), last)

    def _trim(self) -> None:
        while len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)


class SubmissionLimits:
    """The IP bucket and the device bucket, checked together for each submission."""

    def __init__(self, per_ip: Rate, per_device: Rate, clock: Clock = time.monotonic) -> None:
        self.ip = TokenBuckets(per_ip, clock)
        self.device = TokenBuckets(per_device, clock)

    def check(self, ip: str, device: str | None) -> None:
        """Spend one submission for ``ip`` and ``device``, or raise :class:`RateLimited`.

        Without a device id (cookies refused, or a script) the device bucket is keyed by the IP,
        so cookie-less clients share one tight bucket per address.
        """
        device_key = f"d:{device}" if device else f"ip:{ip}"
        wait = self.device.take(device_key)
        if wait:
            raise slow_down(wait)
        wait = self.ip.take(ip)
        if wait:
            self.device.refund(device_key)
            raise slow_down(wait)


def slow_down(wait: float) -> RateLimited:
    seconds = max(1, math.ceil(wait))
    return RateLimited(
        f"Slow down a little: you can post again in {seconds} seconds.",
        headers={"Retry-After": str(seconds)},
    )
