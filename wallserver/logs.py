"""Logging for ``wallserver serve``: no secrets in the log, chatty libraries quiet.

Secrets travel in URLs: display tokens as ``?token=`` on the wall socket, connectors' keys as
``access_token=`` in the Instagram API's query string, and capabilities in paths
(``/api/manage/<token>``, ``/post/<slug>/manage/<token>``: whoever has the link may delete the
post). uvicorn logs every request line, and httpx every request URL at INFO. So httpx and
httpcore log warnings only, and :class:`RedactSecrets` sits on uvicorn's handlers and the root
handlers, rewriting such values to ``[redacted]`` before any line is written.
"""

from __future__ import annotations

import copy
import logging
import re
from typing import Any

REDACTED = "[redacted]"

# A query parameter whose name says it is a secret: token, access_token, api_key, client_secret,
# password, sig, signature, ... The value runs to the next separator.
_QUERY = re.compile(
    r"(?i)(?<![\w-])([\w.-]*(?:token|secret|password|passwd|key|sig|signature|code)=)"
    r"[^&#\s\"']+"
)
_PATHS = (
    re.compile(r"(/api/manage/)[^/?#\s\"']+"),
    re.compile(r"(/post/[^/?#\s\"']+/manage/)[^/?#\s\"']+"),
)
QUIET = ("httpx", "httpcore")


def redact(text: str) -> str:
    """``text`` with the secret values of URLs in it replaced by ``[redacted]``."""
    text = _QUERY.sub(rf"\1{REDACTED}", text)
    for path in _PATHS:
        text = path.sub(rf"\1{REDACTED}", text)
    return text


def _redact_arg(value: Any) -> Any:
    return redact(value) if isinstance(value, str) else value


class RedactSecrets(logging.Filter):
    """Redacts the message and each string argument, keeping the arguments' shape (uvicorn's
    access formatter unpacks them)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_redact_arg(a) for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: _redact_arg(v) for k, v in record.args.items()}
        return True


def quiet_libraries() -> None:
    """httpx logs each request's full URL at INFO, keys in the query string included."""
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)


def redact_root() -> None:
    """Our own log lines (a path in an error message) go through the root handlers."""
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactSecrets) for f in handler.filters):
            handler.addFilter(RedactSecrets())


def uvicorn_config() -> dict[str, Any]:
    """uvicorn's own logging configuration with :class:`RedactSecrets` on each handler: access
    lines, and the WebSocket lines uvicorn logs through ``uvicorn.error``."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["redact"] = {"()": RedactSecrets}
    for handler in config["handlers"].values():
        handler.setdefault("filters", []).append("redact")
    return config
