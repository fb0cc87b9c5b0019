"""How a connector fails, and what the supervisor does about it.

SourceFailure
├── Transient      back off with jitter and try again (timeouts, 5xx, dropped streams)
├── RateLimited    wait as long as the network says (429, Retry-After, rate-limit headers)
└── Permanent      stop the source and show why (bad credentials, unknown tag: 401/403/404)
"""

from __future__ import annotations

import time
from email.utils import parsedate_to_datetime

import httpx

from wallserver.digits import whole_number
from wallserver.sources.items import parse_time


class SourceFailure(Exception):
    pass


class Transient(SourceFailure):
    pass


class Permanent(SourceFailure):
    pass


class RateLimited(SourceFailure):
    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


PERMANENT = {400: "bad request", 401: "bad credentials", 403: "forbidden", 404: "not found"}


def check(response: httpx.Response, what: str) -> None:
    """Raise the failure an HTTP status stands for; return quietly on success (and 304)."""
    status = response.status_code
    if status < 400:
        return
    if status == 429:
        raise RateLimited(f"{what}: 429 rate limited", retry_after(response, default=60.0))
    if status >= 500 or status == 408:
        raise Transient(f"{what}: HTTP {status}")
    reason = PERMANENT.get(status, f"HTTP {status}")
    raise Permanent(f"{what}: {status} {reason}")


def retry_after(response: httpx.Response, default: float) -> float:
    """Seconds to wait: ``Retry-After`` (seconds or a date), else the rate-limit reset time."""
    now = time.time()
    value = response.headers.get("retry-after", "").strip()
    if value:
        try:
            return max(0.0, float(value))
        except ValueError:
            try:
                return max(0.0, parsedate_to_datetime(value).timestamp() - now)
            except (TypeError, ValueError):
                pass
    reset = whole_number(response.headers.get("x-rate-limit-reset", "").strip())  # X: Unix s
    if reset is not None:
        return max(0.0, reset - now)
    stamp = parse_time(response.headers.get("x-ratelimit-reset"))  # Mastodon: ISO 8601
    if stamp is not None:
        return max(0.0, stamp.timestamp() - now)
    return default
