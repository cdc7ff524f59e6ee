"""A stricter check than Prism's: every query parameter and body property sent must be declared.

OpenAPI lets a server ignore what it does not know, so Prism accepts an undeclared query parameter or
an extra body property; the real API then silently drops it (a filter that never applies, a field never
written). This index of the vendor document flags such names. Free-form parts (additionalProperties,
custom-field hash keys) are not judged.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import yaml

HASH_KEY = re.compile(r"^[0-9a-f]{40}(_[a-z]+)?$")  # Pipedrive custom fields at the top level
METHODS = ("get", "post", "put", "patch", "delete")


def load_document(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        return json.loads(text)
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


@dataclass(frozen=True)
class Operation:
    method: str
    template: str
    pattern: re.Pattern[str]
    literals: int  # literal segments: /deals/search wins over /deals/{id}
    query: frozenset[str]
    bodies: Mapping[str, Any]  # media type -> schema


def _not_object(schema: Mapping[str, Any]) -> bool:
    kind = schema.get("type")
    kinds = set(kind) if isinstance(kind, list) else {kind}
    return bool(kinds) and None not in kinds and "object" not in kinds


class Declared:
    """The operations of one document, matched by method and concrete path."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document
        self.operations: list[Operation] = []
        for template, item in (document.get("paths") or {}).items():
            shared = [self.resolve(p) for p in item.get("parameters") or ()]
            for method in METHODS:
                op = item.get(method)
                if not isinstance(op, Mapping):
                    continue
                params = shared + [self.resolve(p) for p in op.get("parameters") or ()]
                segments = template.strip("/").split("/")
                regex = "/".join("[^/]+" if s.startswith("{") else re.escape(s) for s in segments)
                body = self.resolve(op.get("requestBody") or {})
                self.operations.append(
                    Operation(
                        method.upper(),
                        template,
                        re.compile(f"^/{regex}/?$"),
                        sum(not s.startswith("{") for s in segments),
                        frozenset(p["name"] for p in params if p.get("in") == "query"),
                        {k: v.get("schema") or {} for k, v in (body.get("content") or {}).items()},
                    )
                )
        self.operations.sort(key=lambda o: -o.literals)

    def resolve(self, node: Any) -> Any:
        """Follow a local $ref (a schema position only: Attio has a property literally named $ref)."""
        seen = 0
        while (
            isinstance(node, Mapping) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/")
        ):
            target: Any = self.document
            for part in node["$ref"][2:].split("/"):
                target = target[part]
            node = target
            seen += 1
            if seen > 20:
                break
        return node

    def find(self, method: str, path: str) -> Operation | None:
        return next((o for o in self.operations if o.method == method and o.pattern.match(path)), None)

    # -- the check ------------------------------------------------------------------------------------
    def undeclared(
        self, method: str, path: str, query: str, content_type: str, body: bytes, form: Iterable[str] = ()
    ) -> list[str]:
        operation = self.find(method, path)
        if operation is None:
            return []  # Prism already answers 404/405 for these
        found = [
            f"query parameter {name!r}"
            for name in dict.fromkeys(k for k, _ in parse_qsl(query, keep_blank_values=True))
            if name not in operation.query
        ]
        media = content_type.split(";")[0].strip().lower()
        schema = operation.bodies.get(media)
        if schema is None or not body:
            return found
        if media == "application/json":
            try:
                value = json.loads(body)
            except ValueError:
                return found
            found += self._extra(value, schema, "body")
        elif media == "application/x-www-form-urlencoded":
            found += self._extra(
                {k: "" for k, _ in parse_qsl(body.decode(), keep_blank_values=True)}, schema, "body"
            )
        elif media == "multipart/form-data":
            found += self._extra(dict.fromkeys(form, ""), schema, "body", shallow=True)
        return found

    def _members(self, schema: Any) -> tuple[dict[str, Any], bool]:
        """Declared properties of an object schema, through allOf/anyOf/oneOf, and whether it is open."""
        schema = self.resolve(schema)
        if not isinstance(schema, Mapping):
            return {}, True
        properties: dict[str, Any] = dict(schema.get("properties") or {})
        open_ = schema.get("additionalProperties") is True or isinstance(
            schema.get("additionalProperties"), Mapping
        )
        parts = [self.resolve(p) for k in ("allOf", "anyOf", "oneOf") for p in schema.get(k, ())]
        objects = [p for p in parts if isinstance(p, Mapping) and not _not_object(p)]
        for part in objects:
            more, part_open = self._members(part)
            for name, sub in more.items():
                properties.setdefault(name, sub)
            open_ = open_ or part_open
        if not properties and not objects:
            open_ = True  # an object with no declared members is free-form
        return properties, open_

    def _items(self, schema: Any) -> Any:
        if not isinstance(schema, Mapping):
            return None
        if "items" in schema:
            return schema["items"]
        parts = [self.resolve(p) for k in ("allOf", "anyOf", "oneOf") for p in schema.get(k, ())]
        return next((i for i in map(self._items, parts) if i is not None), None)

    def _extra(self, value: Any, schema: Any, where: str, *, shallow: bool = False) -> list[str]:
        schema = self.resolve(schema)
        if isinstance(value, list):
            items = self._items(schema)
            return (
                [] if items is None else [e for v in value[:3] for e in self._extra(v, items, f"{where}[]")]
            )
        if not isinstance(value, dict):
            return []
        properties, open_ = self._members(schema)
        found: list[str] = []
        for key, sub in value.items():
            if key in properties:
                if not shallow:
                    found += self._extra(sub, properties[key], f"{where}.{key}")
            elif not open_ and not HASH_KEY.match(key):
                found.append(f"{where}.{key} (not a declared property)")
        return found
