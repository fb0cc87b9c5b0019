"""No secret reaches the log: tokens in query strings and capability paths are redacted, and
``wallserver serve`` installs the redaction on uvicorn's handlers and quiets httpx."""

from __future__ import annotations

import logging
import logging.config
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.conftest import SECRET
from wallserver import cli
from wallserver.logs import REDACTED, RedactSecrets, redact

TOKEN = "wst_s3cr3tvalue"
LOGGERS = ("", "uvicorn", "uvicorn.error", "uvicorn.access", "httpx", "httpcore", "alembic")


@pytest.mark.parametrize(
    ("line", "kept"),
    [
        (f"/ws/events/xmas/wall?since=3&token={TOKEN}", "/ws/events/xmas/wall?since=3&token="),
        (f"/ws/events/xmas/moderation?token={TOKEN}", "/ws/events/xmas/moderation?token="),
        (
            f"GET https://graph.instagram.com/me/media?fields=id&access_token={TOKEN} 200",
            "media?fields=id&access_token=",
        ),
        (f"/x?api_key={TOKEN}&client_secret={TOKEN}", "/x?api_key="),
        (f"DELETE /api/manage/{TOKEN} HTTP/1.1", "/api/manage/"),
        (f"/api/manage/{TOKEN}?x=1", "/api/manage/"),
        (f"/post/xmas/manage/{TOKEN}", "/post/xmas/manage/"),
    ],
)
def test_secrets_in_urls_are_redacted(line: str, kept: str) -> None:
    """Token-like query values and capability paths lose their secret, the rest stays."""
    redacted = redact(line)
    assert TOKEN not in redacted
    assert kept in redacted and REDACTED in redacted


def test_ordinary_lines_are_left_alone() -> None:
    """Paths and queries without secrets read as before."""
    for line in ("/api/events/xmas/wall/posts?ids=1,2", "/wall/xmas?screen=main", "GET /healthz"):
        assert redact(line) == line


def test_the_filter_keeps_uvicorns_argument_shape() -> None:
    """uvicorn's access formatter unpacks five arguments: they stay five, the path redacted."""
    from uvicorn.logging import AccessFormatter

    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("1.2.3.4:5", "GET", f"/ws/events/xmas/wall?token={TOKEN}", "1.1", 101),
        None,
    )
    assert RedactSecrets().filter(record)
    line = AccessFormatter('%(client_addr)s - "%(request_line)s" %(status_code)s').format(record)
    assert TOKEN not in line and "/ws/events/xmas/wall?token=[redacted]" in line


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """``serve`` configures logging for the process; put every touched logger back."""
    saved = {}
    for name in LOGGERS:
        logger = logging.getLogger(name)
        saved[name] = (logger.level, list(logger.handlers), list(logger.filters), logger.propagate)
    root_filters = {h: list(h.filters) for h in logging.getLogger().handlers}
    try:
        yield
    finally:
        for name, (level, handlers, filters, propagate) in saved.items():
            logger = logging.getLogger(name)
            logger.setLevel(level)
            logger.handlers[:] = handlers
            logger.filters[:] = filters
            logger.propagate = propagate
        for handler, filters in root_filters.items():
            handler.filters[:] = filters


@pytest.mark.usefixtures("restore_logging")
def test_serve_logs_no_token_and_no_httpx_urls(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """With serve's logging configuration, an access line and a WebSocket line (uvicorn logs
    those through ``uvicorn.error``) carry no token, and httpx logs no request at INFO."""
    import uvicorn

    monkeypatch.setenv("WALL_SECRET_KEY", SECRET)
    monkeypatch.setenv("WALL_DATA_DIR", str(tmp_path))
    ran: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: ran.update(kwargs))
    result = CliRunner().invoke(cli.app, ["serve", "--port", "1"])
    assert result.exit_code == 0, result.output
    assert logging.getLogger("httpx").getEffectiveLevel() >= logging.WARNING
    assert logging.getLogger("httpcore").getEffectiveLevel() >= logging.WARNING

    logging.config.dictConfig(ran["log_config"])  # what uvicorn.run does with it
    path = f"/ws/events/xmas/wall?since=0&token={TOKEN}"
    logging.getLogger("uvicorn.access").info(
        '%s - "%s %s HTTP/%s" %d', "1.2.3.4:5", "GET", path, "1.1", 200
    )
    logging.getLogger("uvicorn.error").info('%s - "WebSocket %s" [accepted]', "1.2.3.4:5", path)
    out = capsys.readouterr()
    written = out.out + out.err
    assert "/ws/events/xmas/wall?since=0&token=[redacted]" in written
    assert "WebSocket" in written and TOKEN not in written
