"""No secret reaches the log: tokens in query strings and capability paths are redacted, and
``wallserver serve`` installs the redaction on uvicorn's handlers and quiets httpx. With
``WALL_LOG_FORMAT=json`` every line is a JSON object carrying the request id, which every
response sends back in ``X-Request-ID``."""

from __future__ import annotations

import asyncio
import json
import logging
import logging.config
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from tests.conftest import SECRET, Wall, free_port
from wallserver import cli
from wallserver.logs import (
    REDACTED,
    REQUEST_ID,
    JsonFormatter,
    RedactSecrets,
    redact,
    uvicorn_config,
)
from wallserver.middleware import SAFE_REQUEST_ID, request_id

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


def json_lines(text: str) -> list[dict[str, Any]]:
    """Every line of ``text`` is one JSON object (a collector reads it so)."""
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@pytest.mark.usefixtures("restore_logging")
async def test_json_access_lines_carry_the_request_id(
    wall: Wall, capsys: pytest.CaptureFixture[str]
) -> None:
    """WALL_LOG_FORMAT=json on a real uvicorn: the access line is a JSON object with the
    request id the response carries in X-Request-ID, a proxy's id kept, the token redacted."""
    config = uvicorn.Config(
        wall.app, port=free_port(), log_config=uvicorn_config("json"), lifespan="off"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            assert not task.done()
            await asyncio.sleep(0.01)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{config.port}") as client:
            given = await client.get("/healthz", headers={"X-Request-ID": "nginx-4f2a.9"})
            made = await client.get(f"/api/events/xmas?token={TOKEN}")
    finally:
        server.should_exit = True
        await task
    assert given.headers["x-request-id"] == "nginx-4f2a.9"
    made_id = made.headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{16}", made_id)
    out = capsys.readouterr()
    access = [line for line in json_lines(out.out) if line["logger"] == "uvicorn.access"]
    by_id = {line["request_id"]: line for line in access}
    assert by_id["nginx-4f2a.9"]["path"] == "/healthz"
    assert by_id["nginx-4f2a.9"]["status"] == 200
    assert by_id["nginx-4f2a.9"]["method"] == "GET"
    assert by_id[made_id]["path"] == "/api/events/xmas?token=[redacted]"
    assert TOKEN not in out.out + out.err
    for line in json_lines(out.err):  # uvicorn's own lines: JSON as well
        assert {"time", "level", "logger", "message"} <= set(line)


@settings(max_examples=200, deadline=None)
@given(st.binary(min_size=0, max_size=100))
def test_a_request_id_is_repeated_only_when_safe(raw: bytes) -> None:
    """Whatever a client sends as X-Request-ID, the id used is short and plain: the client's
    when it already was, a fresh one otherwise."""
    chosen = request_id({"headers": [(b"x-request-id", raw)]})
    assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}", chosen)
    assert (chosen == raw.decode("latin-1")) == bool(SAFE_REQUEST_ID.fullmatch(raw))


async def test_every_response_has_a_request_id(wall: Wall) -> None:
    """Pages, errors and the 413 of an oversized body all carry X-Request-ID; a new one each."""
    ids = set()
    for response in (
        await wall.client.get("/healthz"),
        await wall.client.get("/api/events/nope"),
        await wall.client.post("/api/events/xmas/ingest", content=b"x" * 10_000_000),
    ):
        ids.add(response.headers["x-request-id"])
    assert len(ids) == 3


@pytest.mark.usefixtures("restore_logging")
def test_json_lines_keep_secrets_out_and_carry_exceptions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """serve with WALL_LOG_FORMAT=json: our own lines are JSON with the request id in force,
    redacted, and an exception's traceback in ``exception``."""
    import uvicorn as uv

    monkeypatch.setenv("WALL_SECRET_KEY", SECRET)
    monkeypatch.setenv("WALL_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("WALL_LOG_FORMAT", "json")
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", [])  # basicConfig installs serve's handler afresh
    ran: dict[str, Any] = {}
    monkeypatch.setattr(uv, "run", lambda app, **kwargs: ran.update(kwargs))
    result = CliRunner().invoke(cli.app, ["serve", "--port", "1"])
    assert result.exit_code == 0, result.output
    assert ran["timeout_graceful_shutdown"] > 0
    (handler,) = root.handlers
    assert isinstance(handler, logging.StreamHandler)
    assert isinstance(handler.formatter, JsonFormatter)
    handler.stream = sys.stderr  # it was made while CliRunner held stderr (closed now)
    token = REQUEST_ID.set("req-1")
    try:
        try:
            raise ValueError(f"fetching /post/xmas/manage/{TOKEN} failed")
        except ValueError:
            logging.getLogger("wallserver.test").exception("could not GET /x?token=%s", TOKEN)
    finally:
        REQUEST_ID.reset(token)
    written = capsys.readouterr().err
    (line,) = [x for x in json_lines(written) if x["logger"] == "wallserver.test"]
    assert line["request_id"] == "req-1" and line["level"] == "ERROR"
    assert line["message"] == "could not GET /x?token=[redacted]"
    assert "ValueError" in line["exception"] and TOKEN not in written


def test_a_secret_passed_as_an_argument_is_redacted() -> None:
    """``log.info("... ?token=%s", value)``: the line reads with the value redacted (the
    template is rendered before redaction, so no placeholder is lost)."""
    record = logging.LogRecord(
        "wallserver.x", logging.INFO, __file__, 1, "GET /feed?token=%s (try %d)", (TOKEN, 2), None
    )
    assert RedactSecrets().filter(record)
    assert record.getMessage() == "GET /feed?token=[redacted] (try 2)"
