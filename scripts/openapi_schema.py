"""Turn OpenAPI 3.0/3.1 schema objects into plain, self-contained JSON Schema.

Resolves $ref (only where a schema is expected, so a property literally named
"$ref" stays a property), merges allOf, turns 3.1 type arrays and 3.0
`nullable` into one form, and keeps only the keywords that carry facts.
Vendor prose (description, title, example) is dropped on purpose.
"""

from __future__ import annotations

import copy
from typing import Any

Schema = dict[str, Any]

# Facts we keep from a schema object; everything else (prose, examples, vendor extensions) is dropped.
KEPT = (
    "type",
    "format",
    "enum",
    "default",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "pattern",
    "minItems",
    "maxItems",
    "uniqueItems",
    "const",
    "minProperties",
)


class SchemaResolver:
    def __init__(self, document: dict[str, Any]) -> None:
        self._document = document

    def deref(self, node: dict[str, Any]) -> dict[str, Any]:
        """Follow a $ref object (a parameter, say) to what it points at."""
        ref = node.get("$ref")
        return self._deref(ref) if isinstance(ref, str) else node

    def _deref(self, ref: str) -> Schema:
        if not ref.startswith("#/"):
            raise ValueError(f"external $ref not supported: {ref}")
        node: Any = self._document
        for part in ref[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        return node

    def normalize(self, schema: Any, _seen: tuple[str, ...] = ()) -> Schema:
        """A plain schema: no $ref, no allOf, `nullable: true` for nullable types."""
        if not isinstance(schema, dict):
            return {}
        ref = schema.get("$ref")
        if isinstance(ref, str):
            if ref in _seen:
                return {"type": "object"}
            target = self.normalize(self._deref(ref), (*_seen, ref))
            # Sibling keywords of a 3.1 $ref (nullable and the like) still apply.
            rest = {k: v for k, v in schema.items() if k != "$ref"}
            return _merge(target, self.normalize(rest, _seen)) if rest else target

        out: Schema = {k: copy.deepcopy(schema[k]) for k in KEPT if k in schema}
        nullable = bool(schema.get("nullable"))
        kind = out.get("type")
        if isinstance(kind, list):
            kinds = [k for k in kind if k != "null"]
            nullable = nullable or len(kinds) < len(kind)
            if len(kinds) == 1:
                out["type"] = kinds[0]
            elif kinds:
                out["type"] = kinds
            else:
                out.pop("type")
        if "enum" in out and None in out["enum"]:
            out["enum"] = [v for v in out["enum"] if v is not None]
            nullable = True
        if nullable:
            out["nullable"] = True

        if "properties" in schema:
            out["properties"] = {
                name: self.normalize(sub, _seen) for name, sub in schema["properties"].items()
            }
        if schema.get("required"):
            out["required"] = list(schema["required"])
        if "items" in schema:
            out["items"] = self.normalize(schema["items"], _seen)
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            out["additionalProperties"] = self.normalize(extra, _seen) if extra else True
        elif extra is not None:
            out["additionalProperties"] = bool(extra)

        for key in ("anyOf", "oneOf"):
            if key in schema:
                variants = [self.normalize(v, _seen) for v in schema[key]]
                non_null = [v for v in variants if v.get("type") != "null"]
                if len(non_null) < len(variants):
                    out["nullable"] = True
                if len(non_null) == 1:
                    out = _merge(out, non_null[0])
                elif non_null:
                    out["anyOf"] = non_null
        for part in schema.get("allOf", ()):
            out = _merge(out, self.normalize(part, _seen))
        if "type" not in out and "properties" in out:
            out["type"] = "object"
        return out


def body_variants(
    schema: Schema,
) -> list[tuple[tuple[str, ...], tuple[str, ...], tuple[tuple[str, Any], ...]]]:
    """For a body that is one of several objects: each shape's (required, allowed, fixed values)."""
    variants = schema.get("anyOf") or []
    if not variants or not all(v.get("type") == "object" for v in variants):
        return []
    out = []
    for variant in variants:
        props = variant.get("properties", {})
        fixed = tuple(
            (name, sub["const"] if "const" in sub else sub["enum"][0])
            for name, sub in props.items()
            if "const" in sub or len(sub.get("enum") or ()) == 1
        )
        out.append((tuple(variant.get("required", ())), tuple(props), fixed))
    return out


def merge_variants(schema: Schema) -> Schema:
    """One object from a body that is one of several objects: every property of every variant
    (enums joined), required only where every variant requires it. Hosts take flat objects; the API
    itself still judges which combination it accepts."""
    variants = schema.get("anyOf") or []
    if not variants or not all(v.get("type") == "object" for v in variants):
        return schema
    props: dict[str, Schema] = {}
    for variant in variants:
        for name, sub in variant.get("properties", {}).items():
            if name in props and "enum" in props[name] and "enum" in sub:
                props[name] = {
                    **props[name],
                    "enum": list(dict.fromkeys([*props[name]["enum"], *sub["enum"]])),
                }
            else:
                props.setdefault(name, sub)
    required = set.intersection(*(set(v.get("required", ())) for v in variants))
    merged: Schema = {"type": "object", "properties": props}
    if required:
        merged["required"] = [name for name in props if name in required]
    return merged


def _merge(left: Schema, right: Schema) -> Schema:
    """Combine two schemas that must both hold (allOf semantics, for the shapes these documents use)."""
    out = dict(left)
    for key, value in right.items():
        if key == "properties":
            props = dict(out.get("properties", {}))
            for name, sub in value.items():
                props[name] = _merge(props[name], sub) if name in props else sub
            out["properties"] = props
        elif key == "required":
            out["required"] = list(dict.fromkeys([*out.get("required", []), *value]))
        elif key == "nullable":
            out["nullable"] = out.get("nullable", False) or value
        else:
            out[key] = value
    return out
