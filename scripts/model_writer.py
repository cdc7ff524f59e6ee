"""Write the Python source of pydantic input models from plain JSON Schema."""

from __future__ import annotations

import keyword
import re
from typing import Any

from api_sources import Operation, Param
from openapi_schema import Schema
from pydantic import BaseModel

from dealdesk_mcp.route import CONTROL_FIELDS

_RESERVED = set(dir(BaseModel)) | {"route"}
# Names the generated annotations use: a field called `list` or `date` would shadow them in its class.
_ANNOTATION_NAMES = {
    "list",
    "dict",
    "str",
    "int",
    "float",
    "bool",
    "date",
    "Any",
    "Literal",
    "Annotated",
    "UUID",
    "Field",
    "StrictInt",
    "StrictFloat",
    "NotBool",
    "NotNull",
    "ClassVar",
    "Route",
    "None",
}
# Numbers are strict: JSON true is not 1 (a boolean would otherwise pick record 1), "5" is not 5.
_SIMPLE = {"string": "str", "integer": "StrictInt", "number": "StrictFloat", "boolean": "bool"}
# A property named like "[slug_or_id_of_matching_attribute]" is a placeholder in the document: the caller
# picks the key (here an attribute slug), and the placeholder's schema types the value of that key.
_PLACEHOLDER_KEY = re.compile(r"\[\w+\]")


def class_name(tool: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in tool.split("_") if part)


def python_name(wire: str) -> str:
    name = re.sub(r"\W", "_", wire).lstrip("_")
    if not name or name[0].isdigit():
        name = "f_" + name
    if (
        keyword.iskeyword(name)
        or name in _RESERVED
        or name in _ANNOTATION_NAMES
        or name in CONTROL_FIELDS
        or name.startswith("model_")
    ):
        name += "_"
    return name


def _literal(values: list[Any]) -> str:
    cleaned = [int(v) if isinstance(v, float) and v.is_integer() else v for v in values]
    return f"Literal[{', '.join(repr(v) for v in cleaned)}]"


class ModuleWriter:
    """Collects the classes of one module: nested object models first, then the tool models."""

    def __init__(self) -> None:
        self.blocks: list[str] = []
        self._nested_names: set[str] = set()
        self._by_shape: dict[str, str] = {}

    def annotation(self, schema: Schema, hint: str) -> str:
        if schema.get("enum"):
            if schema.get("type") in ("integer", "number"):
                return f"Annotated[{_literal(schema['enum'])}, NotBool]"
            return _literal(schema["enum"])
        if "const" in schema:
            return _literal([schema["const"]])
        if "anyOf" in schema:
            parts = [self.annotation(v, f"{hint}{i}") for i, v in enumerate(schema["anyOf"], 1)]
            return " | ".join(dict.fromkeys(parts))
        kind = schema.get("type")
        if isinstance(kind, list):
            return " | ".join(self.annotation({**schema, "type": k}, hint) for k in kind)
        if kind == "string" and schema.get("format") == "uuid":
            return "UUID"
        if kind == "string" and schema.get("format") == "date":
            return "date"
        if kind in _SIMPLE:
            if schema.get("format") and hint.endswith("Item"):
                # Array items keep their format in the schema (a field's own goes on its Field).
                return (
                    f"Annotated[{_SIMPLE[kind]}, Field(json_schema_extra={{'format': {schema['format']!r}}})]"
                )
            return _SIMPLE[kind]
        if kind == "array":
            items = schema.get("items") or {}
            return f"list[{self.annotation(items, hint + 'Item') if items else 'Any'}]"
        if kind == "object" or "properties" in schema:
            if schema.get("properties"):
                return self._nested(schema, hint)
            extra = schema.get("additionalProperties")
            if isinstance(extra, dict) and extra:
                return f"dict[str, {self.annotation(extra, hint + 'Value')}]"
            return "dict[str, Any]"
        return "Any"

    def _nested(self, schema: Schema, hint: str) -> str:
        required = set(schema.get("required", ()))
        extra = schema.get("additionalProperties")
        properties = dict(schema["properties"])
        free = [prop for prop in properties if _PLACEHOLDER_KEY.fullmatch(prop)]
        free_value = properties.pop(free[0]) if len(free) == 1 and not extra else None
        config = "allow" if extra not in (None, False) or free_value is not None else "forbid"
        fields = [
            self.field_line(prop, sub, prop in required, hint=hint + class_name(python_name(prop)))
            for prop, sub in properties.items()
        ]
        settings = f'extra="{config}", populate_by_name=True'
        if free_value is not None:
            # One key of the caller's choosing besides the named ones, typed by the placeholder's schema.
            named_required = len(required & set(properties))
            settings += f", json_schema_extra={{'minProperties': {named_required + 1}}}"
            value = self.annotation(free_value, hint + "Value")
            fields.append(f"__pydantic_extra__: dict[str, {value}] = Field(init=False)")
        body = [f"    model_config = ConfigDict({settings})"]
        body += ["    " + line for line in fields]
        # Identical shapes (an update body repeating its create body's objects) share one class.
        key = "\n".join(body)
        if key in self._by_shape:
            return self._by_shape[key]
        name = hint
        while name in self._nested_names:
            name += "_"
        self._nested_names.add(name)
        self._by_shape[key] = name
        self.blocks.append("\n".join([f"class {name}(NestedInput):", *body]))
        return name

    def field_line(
        self, wire: str, schema: Schema, required: bool, *, hint: str, note: str | None = None
    ) -> str:
        py = python_name(wire)
        kind = self.annotation(schema, hint)
        # Optional fields are None when not given (and then not sent); only those the document marks
        # nullable may also be sent as an explicit null (NotNull refuses it on the others).
        if kind != "Any":
            if schema.get("nullable"):
                kind = f"{kind} | None"
            elif not required:
                kind = f"Annotated[{kind} | None, NotNull]"
        args: list[str] = [] if required else ["default=None"]
        if py != wire:
            args.append(f"alias={wire!r}")
        for key, arg in (
            ("minimum", "ge"),
            ("maximum", "le"),
            ("minLength", "min_length"),
            ("maxLength", "max_length"),
        ):
            if key in schema and schema.get("type") in ("integer", "number", "string"):
                args.append(f"{arg}={schema[key]!r}")
        if schema.get("type") == "array":
            for key, arg in (("minItems", "min_length"), ("maxItems", "max_length")):
                if key in schema:
                    args.append(f"{arg}={schema[key]!r}")
        if note:
            args.append(f"description={note!r}")
        extra = {k: schema[k] for k in ("format", "default", "pattern") if k in schema}
        if kind.startswith(("UUID", "date")) and not kind.startswith("datetime"):
            extra.pop("format", None)  # the type says so itself
        if extra:
            args.append(f"json_schema_extra={extra!r}")
        if args == ["default=None"]:
            return f"{py}: {kind} = None"
        if not args:
            return f"{py}: {kind}"
        return f"{py}: {kind} = Field({', '.join(args)})"

    def tool_model(
        self, op: Operation, description: str, notes: dict[str, dict[str, Any]], *, base: str
    ) -> str:
        name = class_name(op.name)
        lines = [f"class {name}({base}):", f"    {_docstring(description)}", ""]
        lines.append(f"    route: ClassVar[Route] = {_route_source(op)}")
        ordered = sorted(op.params, key=lambda p: (not p.required, p.location != "path"))
        for param in ordered:
            hint = name + class_name(python_name(param.name))
            note = notes.get(param.name) or {}
            lines.append(
                "    "
                + self.field_line(
                    param.name, param.schema, param.required, hint=hint, note=note.get("description")
                )
            )
        return "\n".join(lines)


def base_class(op: Operation, *, reads: bool, destructive: bool, conditional: bool) -> str:
    """The route.py base of a tool's model, which brings the session controls that tool takes: lists
    max_items and skip; writes dry_run and confirm; updates of items with an update_time
    expect_update_time."""
    if reads:
        return "DownloadInput" if op.downloads else "ListInput" if op.pagination != "none" else "ToolInput"
    kinds = [kind for kind, on in (("UploadInput", op.file_part), ("DestructiveInput", destructive),
                                   ("UpdateInput", conditional)) if on]  # fmt: skip
    if len(kinds) > 1 or op.pagination != "none":
        # No write is two of these, or a list, today; one that is needs a base class of its own.
        raise SystemExit(f"{op.name}: no base class for a write that is {kinds or 'a list'}")
    return kinds[0] if kinds else "WriteInput"


def _docstring(text: str) -> str:
    text = text.replace("\\", "\\\\").replace('"""', "'''")
    return f'"""{text}"""'


def _names(params: list[Param], location: str) -> tuple[str, ...]:
    return tuple(p.name for p in params if p.location == location)


def _route_source(op: Operation) -> str:
    fields: list[str] = [
        f"api={op.api!r}",
        f"method={op.method!r}",
        f"path={op.path!r}",
        f"version={op.version!r}",
    ]
    optional = {
        "body": (op.body, "none"),
        "pagination": (op.pagination, "none"),
        "page_size_max": (op.page_size_max, None),
        "token_cost": (op.token_cost, None),
        "path_params": (_names(op.params, "path"), ()),
        "query_params": (_names(op.params, "query"), ()),
        "body_params": (_names(op.params, "body"), ()),
        "comma_params": (tuple(p.name for p in op.params if p.comma), ()),
        "body_root": (op.body_root, None),
        "body_wrapper": (op.body_wrapper, None),
        "body_min_fields": (op.body_min_fields, 0),
        "body_variants": (tuple(op.body_variants), ()),
        "file_part": (op.file_part, None),
    }
    for key, (value, default) in optional.items():
        if value != default:
            fields.append(f"{key}={value!r}")
    return f"Route({', '.join(fields)})"
