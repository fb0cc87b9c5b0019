"""Failed logins, throttled per client address and per user name.

Each login attempt spends a token from both buckets (:mod:`wallserver.ratelimit`) and a
successful one gives them back, so only failures count: a guesser from one address, or many
addresses guessing one name, gets a 429 with Retry-After long before argon2 has run a hundred
times. The price is that someone who knows a name can keep its owner out for a while by failing
on purpose, for minutes at a time (API tokens keep working). In memory and per instance, like
the submission limits.
"""

from __future__ import annotations

import math
import time

from wallserver.errors import RateLimited
from wallserver.ratelimit import Clock, Rate, TokenBuckets

PER_IP = Rate(per_minute=10, burst=20)
PER_NAME = Rate(per_minute=5, burst=10)


class LoginThrottle:
    def __init__(
        self, per_ip: Rate = PER_IP, per_name: Rate = PER_NAME, clock: Clock = time.monotonic
    ) -> None:
        self.ip = TokenBuckets(per_ip, clock)
        self.name = TokenBuckets(per_name, clock, max_keys=10_000)

    @staticmethod
    def _name_key(name: str) -> str:
        return name.strip().casefold()

    def attempt(self, ip: str, name: str) -> None:
        """Spend one attempt for ``ip`` and ``name``, or raise :class:`RateLimited`."""
        key = self._name_key(name)
        wait = self.name.take(key)
        if wait:
            raise _too_many(wait)
        wait = self.ip.take(ip)
        if wait:
            self.name.refund(key)
            raise _too_many(wait)

    def succeeded(self, ip: str, name: str) -> None:
        """The attempt was right: it does not count."""
        self.ip.refund(ip)
        self.name.refund(self._name_key(name))


def _too_many(wait: float) -> RateLimited:
    seconds = max(1, math.ceil(wait))
    return RateLimited(
        f"Too many failed logins: try again in {seconds} seconds.",
        headers={"Retry-After": str(seconds)},
    )
