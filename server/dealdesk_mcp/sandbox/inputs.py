"""Reading a request against its operation's documented parameters and body schema.

Path and query values are converted to their documented types; bodies (JSON, form or multipart) are
checked with JSON Schema. A value of the wrong type, out of range or not among the documented choices is
a 400 naming the parameter; an id no record could have (beyond 64 bits, negative) is a 404.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import jsonschema
from jsonschema.protocols import Validator

from . import jsonbody
from .jsontypes import as_array, as_object, is_array, is_object
from .project import kind_of, merged
from .spec import Operation, Param
from .wire import ApiError, BadRequest, NotFound

MAX_ID = 2**63 - 1  # SQLite's integer range: larger ids cannot name a record
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


@dataclass
class Upload:
    filename: str
    content: bytes
    content_type: str | None


@dataclass
class Parsed:
    path: dict[str, Any]
    query: dict[str, Any]
    body: Any
    uploads: dict[str, Upload] = field(default_factory=dict[str, Upload])


def _integer(name: str, raw: str, schema: Mapping[str, Any], where: str) -> int:
    text = raw.strip()
    if not re.fullmatch(r"[+-]?\d+", text):
        raise BadRequest(f"{name} must be an integer, got {raw!r}")
    value = int(text)
    if where == "path" and (value < 0 or value > MAX_ID):
        raise NotFound(f"No item with {name} {raw}")
    if abs(value) > MAX_ID:
        raise BadRequest(f"{name} is out of range")
    _bounds(name, value, schema)
    return value


def _bounds(name: str, value: float, schema: Mapping[str, Any]) -> None:
    low, high = schema.get("minimum"), schema.get("maximum")
    if low is not None and value < low:
        raise BadRequest(f"{name} must be at least {low}")
    if high is not None and value > high:
        raise BadRequest(f"{name} must be at most {high}")


def convert(name: str, raw: str, schema: Mapping[str, Any], where: str = "query") -> Any:
    """One textual parameter value in its documented type."""
    schema = merged(dict(schema))
    kind = kind_of(schema) or "string"
    if kind == "integer":
        value: Any = _integer(name, raw, schema, where)
    elif kind == "number":
        try:
            value = float(raw)
        except ValueError:
            raise BadRequest(f"{name} must be a number, got {raw!r}") from None
        if value != value or value in (float("inf"), float("-inf")):
            raise BadRequest(f"{name} must be a finite number")
        _bounds(name, value, schema)
        if value.is_integer() and abs(value) <= MAX_ID:
            value = int(value)
    elif kind == "boolean":
        low = raw.strip().lower()
        if low not in ("true", "false", "1", "0"):
            raise BadRequest(f"{name} must be true or false, got {raw!r}")
        value = low in ("true", "1")
    elif kind == "array":
        items = schema.get("items") or {"type": "string"}
        value = [convert(name, part, items, where) for part in raw.split(",") if part.strip()]
    else:
        value = raw
        if schema.get("format") == "uuid" and not _UUID.match(raw):
            if where == "path":
                raise NotFound(f"No item with {name} {raw}")
            raise BadRequest(f"{name} must be a UUID")
        if schema.get("minLength") and len(raw) < schema["minLength"]:
            raise BadRequest(f"{name} must be at least {schema['minLength']} characters")
    enum = schema.get("enum")
    # A string enum may be sent comma-separated (include_fields=a,b): every part must be a choice.
    parts = raw.split(",") if kind == "string" and isinstance(value, str) else [value]
    allowed = [str(e) for e in as_array(enum)]
    if enum and kind != "array" and any(p not in enum and str(p) not in allowed for p in parts):
        raise BadRequest(f"{name} must be one of: {', '.join(map(str, enum))}")
    return value


def parse_params(op: Operation, path: Mapping[str, str], query: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    path_out: dict[str, Any] = {}
    for name, raw in path.items():
        param = op.param(name) or Param(name, "path", {"type": "string"}, True)
        path_out[name] = convert(name, raw, param.schema, "path")
    query_out: dict[str, Any] = {}
    for param in op.params:
        if param.location != "query":
            continue
        values = query.getlist(param.name) if hasattr(query, "getlist") else [query.get(param.name)]
        values = [v for v in values if v is not None]
        if not values:
            if param.required:
                raise BadRequest(f"{param.name} is required")
            continue
        if kind_of(merged(param.schema)) == "array":
            joined = ",".join(values)
            query_out[param.name] = convert(param.name, joined, param.schema)
        elif values[0] == "" and not param.required:
            continue
        else:
            query_out[param.name] = convert(param.name, values[-1], param.schema)
    return path_out, query_out


# -- bodies -----------------------------------------------------------------------------------------


def json_schema(node: Any) -> Any:
    """An OpenAPI 3.0 schema as JSON Schema: `nullable` becomes a null alternative."""
    if is_array(node):
        return [json_schema(item) for item in node]
    if not is_object(node):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in ("nullable", "example", "x-tool-description", "discriminator", "xml", "readOnly"):
            continue
        if key == "properties" and is_object(value):
            out[key] = {name: json_schema(sub) for name, sub in value.items()}
        elif key == "format" and value in ("binary", "byte"):
            continue
        else:
            out[key] = json_schema(value)
    if node.get("nullable"):
        if isinstance(out.get("type"), str):
            out["type"] = [out["type"], "null"]
            if "enum" in out:
                out["enum"] = [*out["enum"], None]
        elif "type" not in out:
            out = {"anyOf": [{"type": "null"}, out]}
    return out


def _location(error: jsonschema.ValidationError) -> str:
    path = ".".join(str(p) for p in error.absolute_path)
    return path or "body"


BODY_FORMATS = jsonschema.FormatChecker(formats=())
_BODY_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# RFC 3339, or v1's own "YYYY-MM-DD HH:MM:SS" (the sandbox reads both; parse_time in wire.py).
_BODY_STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$")


@BODY_FORMATS.checks("date", raises=ValueError)
def _body_date(value: object) -> bool:
    if isinstance(value, str):
        if not _BODY_DATE.match(value):
            raise ValueError("expected a date as YYYY-MM-DD")
        date.fromisoformat(value)
    return True


@BODY_FORMATS.checks("date-time", raises=ValueError)
def _body_stamp(value: object) -> bool:
    if isinstance(value, str):
        if not _BODY_STAMP.match(value):
            raise ValueError("expected a date-time such as 2030-01-31T09:30:00Z")
        datetime.fromisoformat(value[:19].replace(" ", "T"))
    return True


def _validator(schema: Any) -> Validator:
    """Draft 4 (OpenAPI 3.0's dialect), seen through jsonschema's protocol: its iter_errors is typed."""
    return jsonschema.Draft4Validator(schema, format_checker=BODY_FORMATS)


def check_body(schema: dict[str, Any] | None, body: Any) -> None:
    if not schema:
        return
    validator = _validator(json_schema(schema))
    found: list[jsonschema.ValidationError] = list(validator.iter_errors(body))
    errors = sorted(found, key=lambda e: (len(list(e.absolute_path)), e.message))
    if not errors:
        return
    error = errors[0]
    if error.validator in ("anyOf", "oneOf") and error.context:
        error = min(error.context, key=lambda e: len(list(e.absolute_path)))
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        where = _location(error)
        name = missing if where == "body" else f"{where}.{missing}"
        raise BadRequest(f"{name} is required")
    raise BadRequest(f"{_location(error)}: {_short(error)}")


def _short(error: jsonschema.ValidationError) -> str:
    if error.validator == "type":
        return f"expected {error.validator_value}"
    if error.validator == "enum":
        return "expected one of " + ", ".join(map(str, as_array(error.validator_value)))
    if error.validator == "format" and error.cause is not None:
        return str(error.cause)
    message = error.message
    return message if len(message) < 200 else message[:200] + "..."


def _coerce_form(schema: dict[str, Any] | None, values: dict[str, Any]) -> dict[str, Any]:
    """Form fields arrive as text: give each its documented type before the schema check."""
    props = as_object(merged(schema).get("properties")) if schema else {}
    out: dict[str, Any] = {}
    for name, raw in values.items():
        sub = props.get(name)
        if sub is None or not isinstance(raw, str):
            out[name] = raw
            continue
        kind = kind_of(merged(sub))
        if kind in ("integer", "number", "boolean"):
            out[name] = convert(name, raw, sub, "body")
        elif kind == "array":
            try:
                out[name] = jsonbody.loads(raw)
            except ValueError:
                out[name] = [part for part in raw.split(",") if part]
        elif kind == "object":
            try:
                out[name] = jsonbody.loads(raw)
            except ValueError:
                raise BadRequest(f"{name} must be a JSON object") from None
        else:
            out[name] = raw
    return out


async def read_body(op: Operation, request: Any) -> tuple[Any, dict[str, Upload]]:
    if op.body_media is None and op.method in ("GET", "DELETE"):
        return {}, {}
    ctype = request.headers.get("content-type", "")
    uploads: dict[str, Upload] = {}
    if ctype.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        try:
            form = await request.form()
        except Exception:  # a malformed multipart body is the client's fault, never ours
            raise BadRequest("The form body could not be read") from None
        values: dict[str, Any] = {}
        for key, item in form.multi_items():
            if isinstance(item, str):
                values[key] = item
            else:
                uploads[key] = Upload(item.filename or "upload.bin", await item.read(), item.content_type)
        body: Any = _coerce_form(op.body_schema, values)
    else:
        raw = await request.body()
        if not raw.strip():
            body = {}
        else:
            try:
                body = jsonbody.loads(raw)
            except ValueError:
                raise BadRequest("The request body is not valid JSON (numbers must be finite)") from None
    if op.body_schema is not None:
        schema: dict[str, Any] = dict(op.body_schema)
        if op.body_media == "multipart/form-data":
            props = as_object(merged(schema).get("properties"))
            files = {n for n, s in props.items() if s.get("format") == "binary"}
            for name in files:
                if name not in uploads and name in as_array(merged(schema).get("required")):
                    raise BadRequest(f"{name} is required (a file, sent as multipart/form-data)")
            schema = {
                **merged(schema),
                "properties": {n: s for n, s in props.items() if n not in files},
                "required": [r for r in as_array(merged(schema).get("required")) if r not in files],
            }
        if body == {} and isinstance(merged(schema).get("type"), str) and merged(schema)["type"] == "array":
            raise BadRequest("The request body must be a JSON array")
        check_body(schema, body)
    return body, uploads


def require_object(body: Any) -> dict[str, Any]:
    if not is_object(body):
        raise BadRequest("The request body must be a JSON object")
    return body


def id_list(value: Any, name: str = "ids") -> list[int]:
    """A list of integer ids from a query value (already split) or a body array."""
    if value is None:
        return []
    if not is_array(value):
        value = [value]
    out: list[int] = []
    for item in value:
        if isinstance(item, bool) or not isinstance(item, int | str):
            raise BadRequest(f"{name} must list integer ids")
        try:
            number = int(item)
        except ValueError:
            raise BadRequest(f"{name} must list integer ids") from None
        if not 0 <= number <= MAX_ID:
            raise ApiError(404, f"No item with id {item}")
        out.append(number)
    return out
