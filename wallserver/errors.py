"""The error tree. Each error has an HTTP status and a stable ``code``.

    WallError                      500 internal
    ├── BadRequest                 400 bad_request
    │   └── ValidationFailed       422 validation_error
    ├── Unauthorized               401 unauthorized
    ├── Forbidden                  403 forbidden
    │   └── CsrfFailed             403 csrf_failed
    ├── NotFound                   404 not_found
    ├── Conflict                   409 conflict
    │   ├── StaleVersion           409 stale_version   (body also carries the current post)
    │   ├── InvalidTransition      409 invalid_transition
    │   ├── EventNotOpen           409 event_not_open  (a post for an event in draft)
    │   └── EventEnded             409 event_ended     (a post for an event that has ended)
    ├── PayloadTooLarge            413 payload_too_large
    ├── UnsupportedMedia           415 unsupported_media_type
    ├── RateLimited                429 rate_limited    (with a Retry-After header)
    └── Unavailable                503 unavailable     (the database cannot be reached; with
                                                        a Retry-After header)

Every error reaches the client as ``{"error": {"code": str, "message": str}}``
(rendered in ``handlers.py``).
"""

from __future__ import annotations

from typing import Any, ClassVar


class WallError(Exception):
    status: ClassVar[int] = 500
    code: ClassVar[str] = "internal"

    def __init__(
        self,
        message: str,
        *,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra or {}
        self.headers = headers or {}


class BadRequest(WallError):
    status = 400
    code = "bad_request"


class ValidationFailed(BadRequest):
    status = 422
    code = "validation_error"


class Unauthorized(WallError):
    status = 401
    code = "unauthorized"


class Forbidden(WallError):
    status = 403
    code = "forbidden"


class CsrfFailed(Forbidden):
    code = "csrf_failed"


class NotFound(WallError):
    status = 404
    code = "not_found"


class Conflict(WallError):
    status = 409
    code = "conflict"


class StaleVersion(Conflict):
    code = "stale_version"


class InvalidTransition(Conflict):
    code = "invalid_transition"


class EventNotOpen(Conflict):
    code = "event_not_open"


class EventEnded(Conflict):
    code = "event_ended"


class PayloadTooLarge(WallError):
    status = 413
    code = "payload_too_large"


class UnsupportedMedia(WallError):
    status = 415
    code = "unsupported_media_type"


class RateLimited(WallError):
    status = 429
    code = "rate_limited"


class Unavailable(WallError):
    """The database did not answer (restarting, unreachable, locked): nothing was done, and the
    same request may be sent again in a moment (ingest is idempotent on source and id)."""

    status = 503
    code = "unavailable"
    RETRY_SECONDS = 2

    def __init__(self, message: str = "the database is unavailable; try again shortly") -> None:
        super().__init__(message, headers={"Retry-After": str(self.RETRY_SECONDS)})
