"""The OpenAPI description says what our errors look like.

FastAPI describes every 422 as its own ``HTTPValidationError`` (``{"detail": [...]}``), but
:mod:`wallserver.handlers` answers every error, 422 included, as ``{"error": {"code",
"message"}}``. A client generated from ``/openapi.json``, or an integrator reading ``/docs``,
would parse the wrong shape. :func:`install` wraps ``app.openapi`` so the description names an
``Error`` schema instead, and drops FastAPI's two validation schemas.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

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
            app.openapi_schema = with_our_errors(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def with_our_errors(spec: dict[str, Any]) -> dict[str, Any]:
    """``spec`` with each reference to FastAPI's validation error pointed at ``Error``."""
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
    for operation in _operations(fixed):
        for status, response in operation.get("responses", {}).items():
            if status == "422":
                response["description"] = "Invalid request: a field is missing, extra or wrong"
    return fixed


def _operations(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        operation
        for item in spec.get("paths", {}).values()
        for operation in item.values()
        if isinstance(operation, dict)
    ]
