"""The OpenAPI description names the error shape the server really answers with."""

from __future__ import annotations

import json
from typing import Any

from tests.conftest import Wall


def _resolve(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref", "")
    return spec["components"]["schemas"][ref.rsplit("/", 1)[-1]] if ref else node


def _matches(spec: dict[str, Any], schema: dict[str, Any], value: Any) -> bool:
    """Enough of JSON Schema for the error schema: objects, required keys, strings."""
    schema = _resolve(spec, schema)
    if schema.get("type") == "object":
        if not isinstance(value, dict) or any(k not in value for k in schema.get("required", [])):
            return False
        props = schema.get("properties", {})
        return all(_matches(spec, props[k], v) for k, v in value.items() if k in props)
    if schema.get("type") == "string":
        return isinstance(value, str)
    return True


async def test_a_422_answer_has_the_shape_the_description_gives(wall: Wall) -> None:
    """A client built from /openapi.json parses the server's real 422 (``{"error": ...}``),
    not FastAPI's ``{"detail": [...]}``, which the server never sends."""
    spec = (await wall.client.get("/openapi.json", headers=wall.auth("admin"))).json()
    assert "HTTPValidationError" not in json.dumps(spec)
    answer = await wall.client.post(
        "/api/events/xmas/ingest", json={"source": "test"}, headers=wall.auth("ingest")
    )
    assert answer.status_code == 422
    body = answer.json()
    operation = spec["paths"]["/api/events/{slug}/ingest"]["post"]
    schema = operation["responses"]["422"]["content"]["application/json"]["schema"]
    assert _matches(spec, schema, body), body
    assert not _matches(spec, schema, {"detail": [{"loc": ["body"], "msg": "x"}]})
    described = [
        op["responses"]["422"]["content"]["application/json"]["schema"]
        for item in spec["paths"].values()
        for op in item.values()
        if "422" in op.get("responses", {})
    ]
    assert described and all(s == {"$ref": "#/components/schemas/Error"} for s in described)
