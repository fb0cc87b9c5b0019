"""The API reference page (``/docs``) as plain data, built from the app's OpenAPI description.

:func:`build` reads ``app.openapi()`` (a dict) and the roles each route's dependencies admit
(:func:`route_roles`), and returns a :class:`Reference` the template ``reference.html`` renders
without further logic: endpoints grouped by tag, each with its method, path, prose, who may call
it, its parameters, its request body and its responses; then every schema of
``#/components/schemas`` once, with an anchor. A ``$ref`` is never followed into its target
(a link to the definition is shown instead), so recursive schemas cannot recurse here.

Every string comes from the schema and reaches the page as text (Jinja autoescape); nothing here
produces markup. Prose keeps its paragraphs, and spans in double or single backquotes (our
docstrings' literals, Markdown's code) become :class:`Span` values with ``code=True``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

from wallserver.auth.deps import required_roles

SCHEMA_PREFIX = "#/components/schemas/"
METHODS = ("get", "put", "post", "patch", "delete", "head", "options", "trace")
UNTAGGED = "other"
_CODE = re.compile(r"``(.+?)``|`([^`\n]+)`", re.DOTALL)
_UNSAFE_ID = re.compile(r"[^A-Za-z0-9_.-]+")

Schema = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Span:
    """A run of text; ``code`` for ``literal`` spans."""

    text: str
    code: bool = False


Paragraph = tuple[Span, ...]


@dataclass(frozen=True, slots=True)
class Piece:
    """Part of a type as it reads ("array of ", "Media"); ``anchor`` links a definition."""

    text: str
    anchor: str = ""


@dataclass(frozen=True, slots=True)
class Constraint:
    label: str
    value: str


@dataclass(frozen=True, slots=True)
class Shape:
    """What a value may be: its type in words and the limits the schema sets on it."""

    pieces: tuple[Piece, ...]
    constraints: tuple[Constraint, ...]


@dataclass(frozen=True, slots=True)
class Field:
    """A parameter (``where`` is path, query, header or cookie) or a field of a JSON object."""

    name: str
    where: str
    required: bool
    shape: Shape
    description: tuple[Paragraph, ...]
    deprecated: bool = False


@dataclass(frozen=True, slots=True)
class Body:
    media_types: tuple[str, ...]
    required: bool
    shape: Shape
    fields: tuple[Field, ...]  # when the body is an object: its fields, one ``$ref`` followed


@dataclass(frozen=True, slots=True)
class Reply:
    status: str
    description: str
    media_types: tuple[str, ...]
    shape: Shape | None  # ``None`` when the schema says nothing (any JSON)


@dataclass(frozen=True, slots=True)
class Operation:
    anchor: str
    method: str  # upper case
    path: str
    summary: str
    description: tuple[Paragraph, ...]
    roles: tuple[str, ...] | None  # ``None`` when no dependency says (public, or checked by hand)
    deprecated: bool
    parameters: tuple[Field, ...]
    body: Body | None
    replies: tuple[Reply, ...]


@dataclass(frozen=True, slots=True)
class Group:
    tag: str
    anchor: str
    description: tuple[Paragraph, ...]
    operations: tuple[Operation, ...]


@dataclass(frozen=True, slots=True)
class Definition:
    """One schema of ``#/components/schemas``."""

    name: str
    anchor: str
    description: tuple[Paragraph, ...]
    shape: Shape
    fields: tuple[Field, ...]
    open_ended: bool  # an object that takes keys besides its fields


@dataclass(frozen=True, slots=True)
class Reference:
    title: str
    version: str
    openapi: str
    groups: tuple[Group, ...]
    definitions: tuple[Definition, ...]

    @property
    def operation_count(self) -> int:
        return sum(len(g.operations) for g in self.groups)


def build(spec: Schema, roles: Mapping[tuple[str, str], tuple[str, ...]]) -> Reference:
    """The page's model of ``spec``; ``roles`` maps (METHOD, path) to the roles admitted."""
    info = spec.get("info", {})
    described = {t["name"]: t.get("description", "") for t in spec.get("tags", []) if "name" in t}
    grouped: dict[str, list[Operation]] = {name: [] for name in described}
    schemas = spec.get("components", {}).get("schemas", {})
    for path, item in spec.get("paths", {}).items():
        for method in METHODS:
            if method in item:
                op = item[method]
                who = roles.get((method.upper(), path))
                operation = _operation(method.upper(), path, op, who, schemas)
                for tag in op.get("tags") or [UNTAGGED]:
                    grouped.setdefault(tag, []).append(operation)
    untagged = grouped.pop(UNTAGGED, [])
    if untagged:
        grouped[UNTAGGED] = untagged  # last
    groups = tuple(
        Group(tag, _anchor("tag", tag), _prose(described.get(tag, "")), tuple(ops))
        for tag, ops in grouped.items()
        if ops
    )
    definitions = tuple(
        _definition(name, schemas[name]) for name in sorted(schemas, key=str.casefold)
    )
    return Reference(
        title=str(info.get("title", "API")),
        version=str(info.get("version", "")),
        openapi=str(spec.get("openapi", "")),
        groups=groups,
        definitions=definitions,
    )


def route_roles(app: FastAPI) -> dict[tuple[str, str], tuple[str, ...]]:
    """(METHOD, path) of each API route whose dependencies admit only some roles, and those roles
    (the roles every such dependency admits, when a route has several)."""
    found: dict[tuple[str, str], tuple[str, ...]] = {}
    for context in iter_route_contexts(app.routes):
        path = context.path_format
        if not isinstance(context.original_route, APIRoute) or path is None:
            continue
        checks = list(_role_checks(context.dependant))
        if not checks:
            continue
        admitted = tuple(r for r in checks[0] if all(r in other for other in checks[1:]))
        for method in context.methods or ():
            found[(method, path)] = admitted
    return found


def _role_checks(dependant: Dependant) -> Iterator[tuple[str, ...]]:
    for sub in dependant.dependencies:
        if sub.call is not None and (roles := required_roles(sub.call)) is not None:
            yield roles
        yield from _role_checks(sub)


def _operation(
    method: str, path: str, op: Schema, roles: tuple[str, ...] | None, schemas: Schema
) -> Operation:
    anchor = _anchor("op", op.get("operationId") or f"{method}-{path}")
    parameters = tuple(
        Field(
            name=str(p.get("name", "")),
            where=str(p.get("in", "")),
            required=bool(p.get("required", False)),
            shape=shape(p.get("schema", {})),
            description=_prose(p.get("description", "")),
            deprecated=bool(p.get("deprecated", False)),
        )
        for p in op.get("parameters", [])
    )
    return Operation(
        anchor=anchor,
        method=method,
        path=path,
        summary=str(op.get("summary", "")),
        description=_prose(op.get("description", "")),
        roles=roles,
        deprecated=bool(op.get("deprecated", False)),
        parameters=parameters,
        body=_body(op["requestBody"], schemas) if "requestBody" in op else None,
        replies=tuple(
            _reply(str(status), reply) for status, reply in op.get("responses", {}).items()
        ),
    )


def _body(body: Schema, schemas: Schema) -> Body:
    content = body.get("content", {})
    schema: Schema = next((c.get("schema", {}) for c in content.values()), {})
    ref = schema.get("$ref")
    target = schema
    if isinstance(ref, str) and ref.startswith(SCHEMA_PREFIX):
        target = schemas.get(ref.removeprefix(SCHEMA_PREFIX), {})
    return Body(
        media_types=tuple(content),
        required=bool(body.get("required", False)),
        shape=shape(schema),
        fields=_fields(target.get("properties", {}), target.get("required", ())),
    )


def _reply(status: str, reply: Schema) -> Reply:
    content = reply.get("content", {})
    schema: Schema = next((c.get("schema", {}) for c in content.values()), {})
    return Reply(
        status=status,
        description=str(reply.get("description", "")),
        media_types=tuple(content),
        shape=shape(schema) if schema else None,
    )


def _definition(name: str, schema: Schema) -> Definition:
    extra = schema.get("additionalProperties", False)
    return Definition(
        name=name,
        anchor=schema_anchor(name),
        description=_prose(schema.get("description", "")),
        shape=shape(schema),
        fields=_fields(schema.get("properties", {}), schema.get("required", ())),
        open_ended=bool(extra) and "properties" in schema,
    )


def _fields(properties: Schema, required: Any) -> tuple[Field, ...]:
    return tuple(
        Field(
            name=str(name),
            where="",
            required=name in required,
            shape=shape(prop),
            description=_prose(prop.get("description", "")),
            deprecated=bool(prop.get("deprecated", False)),
        )
        for name, prop in properties.items()
    )


def schema_anchor(name: str) -> str:
    return _anchor("schema", name)


def _anchor(kind: str, name: str) -> str:
    return f"{kind}-{_UNSAFE_ID.sub('-', name).strip('-')}"


# Types


def shape(schema: Schema) -> Shape:
    """``schema`` in words, with its limits (those of ``anyOf`` branches and of array items
    too); a ``$ref`` is a link, its target's limits are on its definition."""
    return Shape(tuple(_merge(_pieces(schema))), tuple(_constraints(schema)))


def _merge(pieces: list[Piece]) -> Iterator[Piece]:
    """Adjacent plain pieces as one."""
    text = ""
    for piece in pieces:
        if piece.anchor:
            if text:
                yield Piece(text)
                text = ""
            yield piece
        else:
            text += piece.text
    if text:
        yield Piece(text)


def _pieces(schema: Schema) -> list[Piece]:
    ref = schema.get("$ref")
    if isinstance(ref, str):
        name = ref.removeprefix(SCHEMA_PREFIX)
        return [Piece(name, schema_anchor(name) if ref.startswith(SCHEMA_PREFIX) else "")]
    for key, word in (("anyOf", " or "), ("oneOf", " or "), ("allOf", " and ")):
        branches = schema.get(key)
        if isinstance(branches, list) and branches:
            return _joined([_pieces(b) for b in branches], word)
    if "const" in schema:
        return [Piece(_json(schema["const"]))]
    kind = schema.get("type")
    if isinstance(kind, list):
        return _joined([_pieces({**schema, "type": k}) for k in kind], " or ")
    if kind == "array":
        items = schema.get("items")
        if not isinstance(items, Mapping) or not items:
            return [Piece("array")]
        inner = _pieces(items)
        if any(" or " in p.text or " and " in p.text for p in inner):
            inner = [Piece("("), *inner, Piece(")")]
        return [Piece("array of "), *inner]
    if kind == "object":
        values = schema.get("additionalProperties")
        if isinstance(values, Mapping) and values and "properties" not in schema:
            return [Piece("object of "), *_pieces(values)]
        return [Piece("object")]
    if kind == "string" and (
        "contentMediaType" in schema or schema.get("format") in ("binary", "byte")
    ):
        return [Piece("file")]
    if isinstance(kind, str):
        fmt = schema.get("format")
        return [Piece(f"{kind} ({fmt})" if isinstance(fmt, str) else kind)]
    if "enum" in schema:
        return [Piece("value")]
    if "properties" in schema:
        return [Piece("object")]
    return [Piece("any")]


def _joined(parts: list[list[Piece]], word: str) -> list[Piece]:
    out: list[Piece] = []
    for i, part in enumerate(parts):
        if i:
            out.append(Piece(word))
        out.extend(part)
    return out


def _constraints(schema: Schema, prefix: str = "") -> Iterator[Constraint]:
    if "enum" in schema:
        yield Constraint(f"{prefix}one of", ", ".join(_json(v) for v in schema["enum"]))
    if (span := _range(schema.get("minLength"), schema.get("maxLength"))) is not None:
        yield Constraint(f"{prefix}length", span)
    if (span := _bounds(schema)) is not None:
        yield Constraint(f"{prefix}value", span)
    if "multipleOf" in schema:
        yield Constraint(f"{prefix}multiple of", _number(schema["multipleOf"]))
    if "pattern" in schema:
        yield Constraint(f"{prefix}pattern", str(schema["pattern"]))
    if (span := _range(schema.get("minItems"), schema.get("maxItems"))) is not None:
        yield Constraint(f"{prefix}items", span)
    if schema.get("uniqueItems"):
        yield Constraint(f"{prefix}items", "unique")
    if (span := _range(schema.get("minProperties"), schema.get("maxProperties"))) is not None:
        yield Constraint(f"{prefix}keys", span)
    names = schema.get("propertyNames")
    if isinstance(names, Mapping):
        yield from _constraints(names, f"{prefix}key ")
    if "default" in schema:
        yield Constraint(f"{prefix}default", _json(schema["default"]))
    for key in ("anyOf", "oneOf", "allOf"):
        for branch in schema.get(key) or ():
            if isinstance(branch, Mapping):
                yield from _constraints(branch, prefix)
    items = schema.get("items")
    if isinstance(items, Mapping):
        yield from _constraints(items, f"{prefix}each item: ")


def _range(low: Any, high: Any) -> str | None:
    if low is None and high is None:
        return None
    if low is None or low == 0:
        return f"at most {_number(high)}" if high is not None else None
    if high is None:
        return f"at least {_number(low)}"
    return f"{_number(low)} to {_number(high)}"


def _bounds(schema: Schema) -> str | None:
    low = schema.get("minimum")
    high = schema.get("maximum")
    above = schema.get("exclusiveMinimum")
    below = schema.get("exclusiveMaximum")
    if low is not None and high is not None:
        return f"{_number(low)} to {_number(high)}"
    parts = []
    if low is not None:
        parts.append(f"≥ {_number(low)}")
    if isinstance(above, int | float) and not isinstance(above, bool):
        parts.append(f"> {_number(above)}")
    if high is not None:
        parts.append(f"≤ {_number(high)}")
    if isinstance(below, int | float) and not isinstance(below, bool):
        parts.append(f"< {_number(below)}")
    return ", ".join(parts) or None


def _number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


# Prose


def _prose(text: Any) -> tuple[Paragraph, ...]:
    """Paragraphs (split at blank lines, lines joined), each a run of text and code spans."""
    if not isinstance(text, str):
        return ()
    paragraphs = (" ".join(p.split()) for p in re.split(r"\n\s*\n", text.strip()))
    return tuple(_spans(p) for p in paragraphs if p)


def _spans(paragraph: str) -> Paragraph:
    spans: list[Span] = []
    at = 0
    for match in _CODE.finditer(paragraph):
        if match.start() > at:
            spans.append(Span(paragraph[at : match.start()]))
        spans.append(Span(match.group(1) or match.group(2), code=True))
        at = match.end()
    if at < len(paragraph):
        spans.append(Span(paragraph[at:]))
    return tuple(spans)
