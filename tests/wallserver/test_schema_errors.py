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


async def test_the_description_declares_the_refusals_a_client_meets(wall: Wall) -> None:
    """A route that checks roles says it may answer 401 and 403, one about an event says 404,
    and each is what the server really answers, in the Error shape."""
    spec = (await wall.client.get("/openapi.json", headers=wall.auth("admin"))).json()
    decision = spec["paths"]["/api/posts/{post_id}/decision"]["post"]["responses"]
    assert {"401", "403", "404"} <= set(decision)
    assert "post" in decision["404"]["description"].lower()
    public = spec["paths"]["/api/events/{slug}"]["get"]["responses"]
    assert "401" not in public and "403" not in public and "404" in public
    assert "401" not in spec["paths"]["/healthz"]["get"]["responses"]

    kill = "/api/events/{slug}/kill"
    answers = {
        "401": await wall.client.post(kill.format(slug="xmas"), json={}),
        "403": await wall.client.post(
            kill.format(slug="xmas"), json={}, headers=wall.auth("display")
        ),
        "404": await wall.client.post(
            kill.format(slug="nope"), json={}, headers=wall.auth("admin")
        ),
    }
    described = spec["paths"][kill]["post"]["responses"]
    for status, answer in answers.items():
        assert answer.status_code == int(status), answer.text
        schema = described[status]["content"]["application/json"]["schema"]
        assert _matches(spec, schema, answer.json()), answer.text
