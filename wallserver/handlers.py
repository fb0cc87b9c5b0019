"""One place renders every error as ``{"error": {"code", "message"}}`` with a 4xx/5xx status."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy.exc import DataError, InterfaceError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from wallserver.errors import Unavailable, WallError
from wallserver.middleware import SECURITY_HEADERS
from wallserver.services import services

log = logging.getLogger(__name__)

HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
}


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}, **extra}


def _wants_html(request: Request) -> bool:
    path = request.url.path
    return not path.startswith(("/api/", "/ws/")) and "text/html" in request.headers.get(
        "accept", ""
    )


def render(request: Request, status: int, code: str, message: str, **extra: Any) -> Response:
    if _wants_html(request):
        return services(request).templates.TemplateResponse(
            request, "error.html", {"status": status, "message": message}, status_code=status
        )
    return JSONResponse(error_body(code, message, **extra), status_code=status)


def _summarise(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        where = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path"))
        parts.append(f"{where or 'body'}: {err.get('msg', 'invalid')}")
    return "; ".join(parts) or "invalid request"


def install(app: FastAPI) -> None:
    @app.exception_handler(WallError)
    async def _wall_error(request: Request, exc: WallError) -> Response:
        if exc.status >= 500:
            log.error("internal error: %s", exc.message, exc_info=exc)
        response = render(request, exc.status, exc.code, exc.message, **exc.extra)
        response.headers.update(exc.headers)
        return response

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        return render(request, 422, "validation_error", _summarise(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        code = HTTP_CODES.get(exc.status_code, "http_error")
        message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
        response = render(request, exc.status_code, code, message)
        for key, value in (exc.headers or {}).items():
            response.headers[key] = value
        return response

    @app.exception_handler(DataError)
    async def _out_of_range(request: Request, exc: DataError) -> Response:
        # The database refused a value the API let through (a number past its column's range):
        # the client's input, and the transaction was rolled back, so nothing was stored.
        log.warning(
            "database refused a value on %s %s: %s", request.method, request.url.path, exc.orig
        )
        return render(request, 422, "validation_error", "a value is out of the allowed range")

    @app.exception_handler(OperationalError)
    @app.exception_handler(InterfaceError)
    async def _database_down(request: Request, exc: Exception) -> Response:
        # PostgreSQL restarting or unreachable, SQLite locked past its timeout: the transaction
        # did not commit, so a retry is safe (bridges retry a 503; ingest is idempotent).
        log.warning("database unavailable on %s %s: %s", request.method, request.url.path, exc)
        down = Unavailable()
        response = render(request, down.status, down.code, down.message)
        response.headers.update(down.headers)
        return response

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        # Starlette answers this one from its outermost middleware, outside SecurityHeaders.
        return JSONResponse(
            error_body("internal", "internal server error"),
            status_code=500,
            headers={k.decode(): v.decode() for k, v in SECURITY_HEADERS},
        )


__all__ = ["HTMLResponse", "error_body", "install", "render"]
