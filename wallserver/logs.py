"""Logging for ``wallserver serve``: no secrets in the log, chatty libraries quiet.

Secrets travel in URLs: display tokens as ``?token=`` on the wall socket, connectors' keys as
``access_token=`` in the Instagram API's query string, and capabilities in paths
(``/api/manage/<token>``, ``/post/<slug>/manage/<token>``: whoever has the link may delete the
post). uvicorn logs every request line, and httpx every request URL at INFO. So httpx and
httpcore log warnings only, and :class:`RedactSecrets` sits on uvicorn's handlers and the root
handlers, rewriting such values to ``[redacted]`` before any line is written.

``WALL_LOG_FORMAT=json`` writes each line as one JSON object (:class:`JsonFormatter`) for a log
collector; plain text stays the default for a terminal. Either way the lines are redacted first.
Every HTTP request and socket carries a request id (``wallserver.middleware.RequestId``), kept in
:data:`REQUEST_ID` while it is served; JSON lines carry it as ``request_id``, so an access line
and the warnings logged while serving it can be found together.
"""

from __future__ import annotations

import copy
import json
import logging
import re
from contextvars import ContextVar
from datetime import UTC, datetime
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
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
REQUEST_ID: ContextVar[str | None] = ContextVar("request_id", default=None)
ACCESS_FIELDS = ("client", "method", "path", "http_version", "status")  # uvicorn.access's args


def redact(text: str) -> str:
    """``text`` with the secret values of URLs in it replaced by ``[redacted]``. Every access
    line passes here, so the expressions run only when their literal part is present."""
    if "=" in text:
        text = _QUERY.sub(rf"\1{REDACTED}", text)
    if "/manage/" in text:
        for path in _PATHS:
            text = path.sub(rf"\1{REDACTED}", text)
    return text


def _redact_arg(value: Any) -> Any:
    return redact(value) if isinstance(value, str) else value


class RedactSecrets(logging.Filter):
    """Redacts the message as it will read. uvicorn's access lines keep their arguments' shape
    (its access formatter unpacks them; the path argument carries the whole query); any other
    line is rendered first, since ``"?token=%s"`` redacted as a template would lose its
    placeholder and leave the secret in an argument."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "uvicorn.access" and isinstance(record.args, tuple | dict):
            if isinstance(record.msg, str):
                record.msg = redact(record.msg)
            if isinstance(record.args, tuple):
                record.args = tuple(_redact_arg(a) for a in record.args)
            else:
                record.args = {k: _redact_arg(v) for k, v in record.args.items()}
            return True
        try:
            rendered = record.getMessage()
        except (TypeError, ValueError):  # a malformed call: logging reports it; keep no secret
            rendered = f"{record.msg} {record.args!r}"
        record.msg, record.args = redact(rendered), None
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


def uvicorn_config(log_format: str = "text") -> dict[str, Any]:
    """uvicorn's own logging configuration with :class:`RedactSecrets` on each handler: access
    lines, and the WebSocket lines uvicorn logs through ``uvicorn.error``; for ``json``, both
    of its formatters are :class:`JsonFormatter`."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["redact"] = {"()": RedactSecrets}
    for handler in config["handlers"].values():
        handler.setdefault("filters", []).append("redact")
    if log_format == "json":
        for name in config["formatters"]:
            config["formatters"][name] = {"()": JsonFormatter}
    return config


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ``time`` (UTC, ISO 8601), ``level``, ``logger``, ``message``,
    ``request_id`` while a request is served, the fields of an access line (``client``,
    ``method``, ``path``, ``http_version``, ``status``), and ``exception`` with the traceback."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = REQUEST_ID.get()
        if request_id is not None:
            line["request_id"] = request_id
        if record.name == "uvicorn.access" and isinstance(record.args, tuple):
            if len(record.args) == len(ACCESS_FIELDS):
                line.update(zip(ACCESS_FIELDS, record.args, strict=True))
        if record.exc_info:
            line["exception"] = redact(self.formatException(record.exc_info))
        elif record.exc_text:
            line["exception"] = redact(record.exc_text)
        return json.dumps(line, ensure_ascii=False, default=str)


def formatter(log_format: str) -> logging.Formatter:
    """The formatter for our own lines: JSON, or the plain text a terminal reads."""
    return JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)
