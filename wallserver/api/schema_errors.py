"""The OpenAPI description says what our errors look like.

FastAPI describes every 422 as its own ``HTTPValidationError`` (``{"detail": [...]}``), but
:mod:`wallserver.handlers` answers every error, 422 included, as ``{"error": {"code",
"message"}}``. A client generated from ``/openapi.json``, or an integrator reading ``/docs``,
would parse the wrong shape. :func:`install` wraps ``app.openapi`` so the description names an
``Error`` schema instead, and drops FastAPI's two validation schemas. It also declares the
answers FastAPI cannot know of: 401 and 403 on every route that admits only some roles, 404 on
every route with an event, post, source, screen or token in its path.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

from wallserver.api.reference import route_roles
from wallserver.handlers import HTTP_CODES

FASTAPI_SCHEMAS = ("HTTPValidationError", "ValidationError")
ERROR_REF = "#/components/schemas/Error"
ERROR_SCHEMA: dict[str, Any] = {
    "title": "Error",
    "type": "object",
    "description": "Every 4xx and 5xx answer of the JSON API.",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {
                    "type": "string",
                    "description": "machine-readable, e.g. "
                    + ", ".join(sorted(set(HTTP_CODES.values()))),
                },
                "message": {"type": "string", "description": "for people"},
            },
        }
    },
}


def install(app: FastAPI) -> None:
    """Make ``app.openapi()`` describe errors as :data:`ERROR_SCHEMA` (built once, cached)."""
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = with_our_errors(generate(), route_roles(app))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


AUTH_ANSWERS = {
    "401": "Not logged in, or the token is unknown, revoked or expired",
    "403": "The caller's role or event does not allow it (or a missing CSRF header)",
}
NOT_FOUND = "No such {what}"


def with_our_errors(
    spec: dict[str, Any], roles: dict[tuple[str, str], tuple[str, ...]] | None = None
) -> dict[str, Any]:
    """``spec`` with each reference to FastAPI's validation error pointed at ``Error``, and the
    error answers of routes that check roles (``roles``: :func:`route_roles`) or name a thing
    in their path."""
    old = {f"#/components/schemas/{name}" for name in FASTAPI_SCHEMAS}

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            if node.get("$ref") in old:
                return {"$ref": ERROR_REF}
            return {key: walk(value) for key, value in node.items()}
        if isinstance(node, list):
            return [walk(item) for item in node]
        return node

    fixed: dict[str, Any] = walk(spec)
    schemas = fixed.setdefault("components", {}).setdefault("schemas", {})
    for name in FASTAPI_SCHEMAS:
        schemas.pop(name, None)
    schemas["Error"] = ERROR_SCHEMA
    for method, path, operation in _operations(fixed):
        answers = operation.setdefault("responses", {})
        for status, response in answers.items():
            if status == "422":
                response["description"] = "Invalid request: a field is missing, extra or wrong"
        declared = dict(AUTH_ANSWERS) if (method, path) in (roles or {}) else {}
        if what := _named(path):
            declared["404"] = NOT_FOUND.format(what=what)
        for status, description in declared.items():
            answers.setdefault(status, _error(description))
    return fixed


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": ERROR_REF}}},
    }


PATH_THINGS = {
    "{slug}": "event",
    "{post_id}": "post",
    "{source_id}": "source",
    "screens/{name}": "screen",
    "media/{name}": "file",
    "{token}": "post link",
    "{user_id}": "account",
    "{token_id}": "token",
}


def _named(path: str) -> str:
    """What a 404 of ``path`` would be about: the last thing its path names, if any."""
    found = [(path.rfind(p), what) for p, what in PATH_THINGS.items() if p in path]
    return max(found)[1] if found else ""


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in spec.get("paths", {}).items()
        for method, operation in item.items()
        if isinstance(operation, dict)
    ]
