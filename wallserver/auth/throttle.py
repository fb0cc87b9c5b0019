"""Failed logins, throttled per client address and per user name, across every instance.

Each login attempt counts one failure for its address and for its name (stripped and case-folded)
in the current fixed window, **before** the password is checked, and a right password gives it
back: so only failures count, and a burst of concurrent guesses cannot slip past the limit while
argon2 runs. Per window of :data:`WINDOW_SECONDS` (2 minutes) an address may fail
:data:`PER_IP` (20) times and a name :data:`PER_NAME` (10) times; the next attempt gets a 429 with
Retry-After up to the window's end, without a password check, and is not counted. (The token
buckets this replaced allowed a burst of 20 and 10 a minute per address, a burst of 10 and 5 a
minute per name.) Windows are fixed, so across a boundary a guesser may fail twice the limit in a
short time; over any longer stretch it is the limit per window.

The counts are in the database (``wallserver.store.logins``), which every instance of a
deployment shares: behind a load balancer, with ``uvicorn --workers N`` or after a restart, a
guesser gets the same number of attempts as against one process. The clock is the wall clock,
as every instance must agree on the windows (keep them in sync with NTP): clocks a few seconds
apart only blur where a window ends, and rows are deleted a full window after their end, so
none goes while an instance a little behind still counts in it.

The price is that someone who knows a name can keep its owner out for a while by failing on
purpose, a window at a time (API tokens keep working, and an admin can log in under another
name).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from wallserver.errors import RateLimited
from wallserver.ratelimit import Clock
from wallserver.store.logins import Charge, LoginFailures

WINDOW_SECONDS = 120


@dataclass(frozen=True, slots=True)
class Limit:
    """At most ``failures`` per fixed window of ``seconds``."""

    failures: int
    seconds: int = WINDOW_SECONDS


PER_IP = Limit(failures=20)
PER_NAME = Limit(failures=10)


class LoginThrottle:
    def __init__(
        self,
        failures: LoginFailures,
        per_ip: Limit = PER_IP,
        per_name: Limit = PER_NAME,
        clock: Clock = time.time,
    ) -> None:
        self.failures = failures
        self.per_ip = per_ip
        self.per_name = per_name
        self.clock = clock
        # Keys this instance saw go over their limit, and when their window ends: a flood of
        # guesses after the 429 is refused here without a write, which on SQLite would queue
        # behind (and in front of) the posts being stored.
        self._over: dict[str, float] = {}

    @staticmethod
    def _name_key(name: str) -> str:
        return "name:" + name.strip().casefold()

    @staticmethod
    def _ip_key(ip: str) -> str:
        return "ip:" + ip

    def _charges(self, ip: str, name: str, now: float) -> list[Charge]:
        # The name first, always: every attempt locks its rows in this order (no deadlock).
        return [
            Charge(self._name_key(name), _window_end(now, self.per_name), self.per_name.failures),
            Charge(self._ip_key(ip), _window_end(now, self.per_ip), self.per_ip.failures),
        ]

    async def attempt(self, ip: str, name: str) -> float:
        """Count one failed attempt for ``ip`` and ``name``, or raise :class:`RateLimited` (and
        count nothing). Returns the moment it was counted at, for :meth:`succeeded`."""
        now = self.clock()
        charges = self._charges(ip, name, now)
        for charge in charges:
            if self._over.get(charge.key, 0.0) > now:
                raise _too_many(self._over[charge.key] - now)
        longest = max(self.per_ip.seconds, self.per_name.seconds)
        # Rows a full window past their end go: no instance whose clock is less than a window
        # behind still counts in them.
        over = await self.failures.charge(charges, int(now) - longest)
        if over is not None:
            self._remember_over(over.key, over.window_end, now)
            raise _too_many(over.window_end - now)
        return now

    async def succeeded(self, ip: str, name: str, at: float | None = None) -> None:
        """The attempt (made at ``at``, as :meth:`attempt` returned; default now) was right: it
        does not count."""
        moment = self.clock() if at is None else at
        await self.failures.refund(self._charges(ip, name, moment))

    def _remember_over(self, key: str, window_end: float, now: float) -> None:
        if len(self._over) >= OVER_KEYS:
            self._over = {k: end for k, end in self._over.items() if end > now}
            if len(self._over) >= OVER_KEYS:  # a flood of fresh keys: the database still counts
                self._over.clear()
        self._over[key] = window_end


OVER_KEYS = 10_000


def _window_end(now: float, limit: Limit) -> int:
    return (int(now) // limit.seconds + 1) * limit.seconds


def _too_many(wait: float) -> RateLimited:
    seconds = max(1, math.ceil(wait))
    return RateLimited(
        f"Too many failed logins: try again in {seconds} seconds.",
        headers={"Retry-After": str(seconds)},
    )
