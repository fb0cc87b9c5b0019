"""The API reference's model (``wallserver.api.reference``): who may call each route agrees with
the access rules the auth tests pin, recursive schemas end in links, schema text stays text, and
the model is built once per app."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.templating import Jinja2Templates

from tests.wallserver.markup import parse
from tests.wallserver.test_auth import PROTECTED, PUBLIC
from wallserver.api.ops import api_reference
from wallserver.api.reference import build, route_roles
from wallserver.app import frontend_dir

HOSTILE = "<img src=x onerror=alert(1)>"

SPEC: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": f"t {HOSTILE}", "version": "1"},
    "paths": {
        "/trees/{tree_id}": {
            "post": {
                "tags": [f"trees {HOSTILE}"],
                "summary": HOSTILE,
                "description": f"Plants a ``{HOSTILE}``.\n\nSecond paragraph.",
                "operationId": "plant",
                "parameters": [
                    {
                        "name": "tree_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "integer"},
                    }
                ],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Node"}}
                    },
                },
                "responses": {"201": {"description": HOSTILE}},
            }
        },
        "/untagged": {"get": {"responses": {"200": {"description": "OK"}}}},
    },
    "components": {
        "schemas": {
            "Node": {
                "type": "object",
                "description": HOSTILE,
                "properties": {
                    "name": {"type": "string", "maxLength": 5, "description": HOSTILE},
                    "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}},
                    "pair": {"anyOf": [{"$ref": "#/components/schemas/Leaf"}, {"type": "null"}]},
                },
                "required": ["name"],
            },
            "Leaf": {"enum": ["a", HOSTILE], "type": "string"},
        }
    },
}


def test_who_may_call_each_route_agrees_with_the_access_rules(app: FastAPI) -> None:
    """Every role-checked route shows the roles test_auth allows; public ones show none."""
    roles = route_roles(app)
    for path, item in app.openapi()["paths"].items():
        for method in item:
            key = (method.upper(), path)
            if key in PUBLIC:
                assert key not in roles, key
            else:
                assert set(roles[key]) == PROTECTED[key], key


def test_a_recursive_schema_is_a_definition_that_links_to_itself() -> None:
    """A schema naming itself is one definition whose field links to its own anchor; a ``$ref``
    inside ``anyOf`` is a link too, and the body's fields are the definition's."""
    ref = build(SPEC, {("POST", "/trees/{tree_id}"): ("admin",)})
    assert [d.name for d in ref.definitions] == ["Leaf", "Node"]
    node = ref.definitions[1]
    children = next(f for f in node.fields if f.name == "children")
    assert [(p.text, p.anchor) for p in children.shape.pieces] == [
        ("array of ", ""),
        ("Node", "schema-Node"),
    ]
    pair = next(f for f in node.fields if f.name == "pair")
    assert [(p.text, p.anchor) for p in pair.shape.pieces] == [
        ("Leaf", "schema-Leaf"),
        (" or null", ""),
    ]
    plant = ref.groups[0].operations[0]
    assert plant.roles == ("admin",)
    assert plant.body is not None
    assert [(f.name, f.required) for f in plant.body.fields] == [
        ("name", True),
        ("children", False),
        ("pair", False),
    ]
    assert [g.tag for g in ref.groups][-1] == "other"  # untagged operations come last


def test_schema_text_is_rendered_as_text() -> None:
    """Markup in titles, tags, summaries, descriptions and enums shows as written, and
    anchors made from names hold no markup."""
    ref = build(SPEC, {})
    templates = Jinja2Templates(directory=frontend_dir() / "templates")
    html = templates.get_template("reference.html").render(
        ref=ref, openapi_url="/openapi.json", version="test"
    )
    doc = parse(html)
    assert doc.all("img") == []
    assert "<img" not in html
    text = doc.text()
    assert text.count(HOSTILE) >= 7
    assert all("<" not in e.attrs.get("id", "") for e in doc.all())
    assert doc.one(id="op-plant").one("code", class_="ref-path").text() == "/trees/{tree_id}"


async def test_the_reference_is_built_once_per_app(app: FastAPI) -> None:
    """Two requests' worth of the page share one model: the schema is walked once."""
    first = api_reference(app)
    assert api_reference(app) is first
    assert first.operation_count == sum(len(item) for item in app.openapi()["paths"].values())
