"""Hypothesis strategies drawn from a tool's advertised input schema: arguments the schema accepts, and
arguments it refuses for one known reason (a missing required field, an unknown key, a wrong type, an
unknown enum value, a value out of range, a malformed format, a wrong type deep inside an object).

The schema is the contract: every valid draw is checked against it with jsonschema, every invalid draw
is checked to fail it, so a disagreement between the server and its own schema shows up as a failure.
"""

from __future__ import annotations

import copy
import datetime
import json
import re
import string
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jsonschema
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import value_sets  # noqa: E402  (scripts/ is no package)

SCHEMAS = ROOT / "tool_schemas"
HASH_ALPHABET = "0123456789abcdef"
# Values of every JSON type, none of which pydantic's lax mode turns into another type: 7 is no boolean
# (only 0 and 1 are), 2.5 is no integer, "not-a-valid-value" is no number, boolean or date.
WRONG_VALUES: tuple[Any, ...] = ("not-a-valid-value", 7, 2.5, True, None, [1], {"k": 1})
# Property names our generator must fill in a particular way.
CONTROL = {"path", "custom_fields"}


@dataclass(frozen=True)
class Tool:
    name: str
    method: str
    path: str
    api: str
    group: str  # the toolset
    schema: dict[str, Any]

    @property
    def properties(self) -> dict[str, Any]:
        return self.schema.get("properties", {})

    @property
    def required(self) -> list[str]:
        return list(self.schema.get("required", []))

    @property
    def path_params(self) -> list[str]:
        return re.findall(r"\{([^}]+)\}", self.path)

    def expected_path(self, arguments: dict[str, Any], prefix: str = "") -> str:
        path = self.path
        for name in self.path_params:
            path = path.replace("{" + name + "}", quote(str(arguments[name]), safe=""))
        return prefix + path

    @property
    def uploads(self) -> bool:
        return "path" in self.properties


@cache
def all_tools() -> tuple[Tool, ...]:
    tools = []
    for file in sorted(SCHEMAS.glob("*.json")):
        doc = json.loads(file.read_text())
        for t in doc["tools"]:
            tools.append(
                Tool(t["name"], t["method"], t["path"], doc["api"], doc["toolset"], t["input_schema"])
            )
    return tuple(tools)


# -- the contract ---------------------------------------------------------------------------------
def closed(schema: dict[str, Any]) -> dict[str, Any]:
    """The tool schema as the server enforces it: unknown top-level arguments are refused."""
    return {**schema, "additionalProperties": False}


@cache
def _validator(tool_name: str) -> jsonschema.protocols.Validator:
    tool = next(t for t in all_tools() if t.name == tool_name)
    schema = closed(tool.schema)
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def schema_accepts(tool: Tool, arguments: dict[str, Any]) -> bool:
    return _validator(tool.name).is_valid(arguments)


def sub_accepts(schema: Any, value: Any) -> bool:
    cls = jsonschema.validators.validator_for(schema if isinstance(schema, dict) else {})
    return cls(schema, format_checker=cls.FORMAT_CHECKER).is_valid(value)


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def accepted_types(schema: Any) -> set[str] | None:
    """The JSON types a (sub)schema admits; None when it admits anything."""
    if schema is True or schema == {} or not isinstance(schema, dict):
        return None
    if "const" in schema:
        return {json_type(schema["const"])}
    if "enum" in schema:
        return {json_type(v) for v in schema["enum"]}
    kinds: set[str] = set()
    found = False
    for key in ("anyOf", "oneOf"):
        for branch in schema.get(key, []):
            sub = accepted_types(branch)
            if sub is None:
                return None
            kinds |= sub
            found = True
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        kinds |= set(types)
        found = True
    if not found:
        return None
    if "number" in kinds:
        kinds.add("integer")
    return kinds


# -- valid values -----------------------------------------------------------------------------------
TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=0, max_size=12
)


def _string(schema: dict[str, Any]) -> st.SearchStrategy[str]:
    fmt = schema.get("format")
    if fmt == "uuid":
        return st.uuids().map(str)
    if fmt == "date":
        return st.dates().map(lambda d: d.isoformat())
    if fmt == "date-time":
        return st.datetimes(timezones=st.just(datetime.UTC)).map(lambda d: d.isoformat())
    if fmt == "email":
        return st.emails()
    if fmt in ("uri", "url"):
        return st.from_regex(r"\Ahttps://[a-z]{1,10}\.example/[a-z0-9]{0,8}\Z")
    named = _named_set(schema)
    if named is not None:
        return st.sampled_from(named)
    if "pattern" in schema:
        return st.from_regex(schema["pattern"]).filter(
            lambda s: len(s) <= schema.get("maxLength", 10**6) and len(s) >= schema.get("minLength", 0)
        )
    low = schema.get("minLength", 0)
    high = max(low, min(schema.get("maxLength", low + 12), low + 12))
    return st.text(
        alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=low, max_size=high
    )


def _named_set(schema: dict[str, Any]) -> list[str] | None:
    """A closed set the listing names instead of spelling out (scripts/value_sets.py: the country codes);
    the description says which extras belong, and the server checks every value."""
    listed = value_sets.named_form(sorted(value_sets.ISO_3166_ALPHA2))
    assert listed is not None
    description = schema.get("description", "")
    if schema.get("pattern") != listed["pattern"] or not description.startswith(listed["description"][:-1]):
        return None
    extras = re.findall(r"\b[A-Z]{2}\b", description.removeprefix(listed["description"][:-1]))
    return sorted(value_sets.ISO_3166_ALPHA2 | set(extras))


def _number(schema: dict[str, Any], integer: bool) -> st.SearchStrategy[Any]:
    low = schema.get("minimum")
    high = schema.get("maximum")
    if "exclusiveMinimum" in schema:
        low = schema["exclusiveMinimum"] + (1 if integer else 1e-6)
    if "exclusiveMaximum" in schema:
        high = schema["exclusiveMaximum"] - (1 if integer else 1e-6)
    if integer:
        return st.integers(
            min_value=int(low) if low is not None else -(2**40),
            max_value=int(high) if high is not None else 2**40,
        )
    return st.floats(
        min_value=low if low is not None else -1e12,
        max_value=high if high is not None else 1e12,
        allow_nan=False,
        allow_infinity=False,
    )


ANY_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-1000, 1000) | TEXT,
    lambda inner: st.lists(inner, max_size=2) | st.dictionaries(TEXT, inner, max_size=2),
    max_leaves=4,
)


def valid(schema: Any) -> st.SearchStrategy[Any]:
    """Values one (sub)schema accepts."""
    if schema is True or not isinstance(schema, dict) or not schema:
        return ANY_JSON
    if "const" in schema:
        return st.just(schema["const"])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    for key in ("anyOf", "oneOf"):
        if key in schema and "type" not in schema:
            return st.one_of([valid(b) for b in schema[key]])
    kind = schema.get("type")
    if isinstance(kind, list):
        return st.one_of([valid({**schema, "type": k}) for k in kind])
    if kind == "string":
        return _string(schema)
    if kind == "integer":
        return _number(schema, integer=True)
    if kind == "number":
        return _number(schema, integer=False) | _number(schema, integer=True)
    if kind == "boolean":
        return st.booleans()
    if kind == "null":
        return st.none()
    if kind == "array":
        low = schema.get("minItems", 0)
        high = max(low, min(schema.get("maxItems", low + 3), low + 3))
        return st.lists(valid(schema.get("items", True)), min_size=low, max_size=high)
    if kind == "object" or "properties" in schema:
        return _object(schema)
    return ANY_JSON


def _object(schema: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    props = schema.get("properties", {})
    required = set(schema.get("required", []))
    fixed = {k: valid(props.get(k, True)) for k in required}
    optional = {k: valid(v) for k, v in props.items() if k not in required}
    base = st.fixed_dictionaries(fixed, optional=optional)
    extra = schema.get("additionalProperties")
    if extra and not props:
        value = ANY_JSON if extra is True else valid(extra)
        return st.dictionaries(st.from_regex(r"\A[a-z][a-z_]{0,8}\Z"), value, max_size=3)
    return base


def hash_key() -> st.SearchStrategy[str]:
    return st.text(alphabet=HASH_ALPHABET, min_size=40, max_size=40)


def valid_arguments(tool: Tool, upload_files: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """Whole argument objects the tool's schema accepts (and its top-level variant rules allow)."""
    schema = tool.schema
    props = dict(schema.get("properties", {}))
    if "custom_fields" in props:
        # Hash keys go out as they are; names would first look up the entity's field directory.
        props["custom_fields"] = {"type": "object", "x-hash-keys": True}
    variants = schema.get("oneOf") or schema.get("anyOf") or [{}]

    @st.composite
    def draw(data: st.DrawFn) -> dict[str, Any]:
        branch = data(st.sampled_from(variants))
        required = set(schema.get("required", [])) | set(branch.get("required", []))
        allowed = set(branch["properties"]) if "properties" in branch else set(props)
        out: dict[str, Any] = {}
        for name, sub in props.items():
            if name not in required and (name not in allowed or not data(st.booleans())):
                continue
            override = branch.get("properties", {}).get(name)
            if isinstance(override, dict) and override:
                sub = {**sub, **override}
            if name == "path" and tool.uploads:
                out[name] = data(st.sampled_from(upload_files))
            elif isinstance(sub, dict) and sub.get("x-hash-keys"):
                out[name] = data(st.dictionaries(hash_key(), TEXT | st.integers(0, 10**6), max_size=2))
            else:
                out[name] = data(valid(sub))
        return out

    def fits(args: dict[str, Any]) -> bool:
        # Empty, '.' and '..' path values would move the request to another endpoint; the server refuses
        # them (test_known_gaps checks that), so they are not valid arguments here.
        dots = any(str(args.get(p)).strip() in ("", ".", "..") for p in tool.path_params)
        return not dots and schema_accepts(tool, args)

    return draw().filter(fits)


# -- invalid arguments ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Broken:
    kind: str
    arguments: dict[str, Any]
    field: str  # the top-level argument at fault
    leaf: str  # the innermost key at fault (same as field at the top level)
    value: Any = None  # the bad value put in (wrong_type, out_of_range, nested_wrong_type)
    schema: Any = None  # the (sub)schema that value breaks


def _wrong_for(schema: Any) -> list[Any]:
    kinds = accepted_types(schema)
    if kinds is None:
        return []
    return [v for v in WRONG_VALUES if json_type(v) not in kinds and not sub_accepts(schema, v)]


def _out_of_range(schema: Any) -> list[Any]:
    """Values of the right type that break a declared bound or format."""
    if not isinstance(schema, dict):
        return []
    found: list[Any] = []
    kind = schema.get("type")
    if kind in ("integer", "number"):
        if "minimum" in schema:
            found.append(int(schema["minimum"]) - 1)
        if "maximum" in schema:
            found.append(int(schema["maximum"]) + 1)
    if kind == "string":
        if schema.get("minLength", 0) > 0:
            found.append("")
        if "maxLength" in schema:
            found.append("x" * (schema["maxLength"] + 1))
        if schema.get("format") in ("uuid", "date", "date-time"):
            found.append("not-a-" + schema["format"])
    if kind == "array":
        if schema.get("minItems", 0) > 0:
            found.append([])
        if "maxItems" in schema:
            found.append([valid_example(schema.get("items", True))] * (schema["maxItems"] + 1))
    return [v for v in found if v is not None and not sub_accepts(schema, v)]


def valid_example(schema: Any) -> Any:
    """A simple valid value, for padding an over-long array."""
    kinds = accepted_types(schema) or {"string"}
    if isinstance(schema, dict) and "enum" in schema:
        return schema["enum"][0]
    for kind, value in (("integer", 1), ("string", "a"), ("boolean", True), ("object", {})):
        if kind in kinds:
            return value
    return None


def _leaves(value: Any, schema: Any, trail: tuple[Any, ...]) -> list[tuple[tuple[Any, ...], Any]]:
    """Positions inside a valid value whose schema is known, for nested breakage."""
    out: list[tuple[tuple[Any, ...], Any]] = []
    if not isinstance(schema, dict):
        return out
    if isinstance(value, dict) and "properties" in schema:
        for key, sub in schema["properties"].items():
            if key in value:
                out.append(((*trail, key), sub))
                out.extend(_leaves(value[key], sub, (*trail, key)))
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for i, item in enumerate(value[:2]):
            out.append(((*trail, i), schema["items"]))
            out.extend(_leaves(item, schema["items"], (*trail, i)))
    return out


def _set_in(value: Any, trail: tuple[Any, ...], new: Any) -> Any:
    value = copy.deepcopy(value)
    target = value
    for step in trail[:-1]:
        target = target[step]
    target[trail[-1]] = new
    return value


KINDS = ("missing", "extra", "wrong_type", "bad_enum", "out_of_range", "nested_wrong_type")


def invalid_arguments(
    tool: Tool, upload_files: list[str], kinds: tuple[str, ...] = KINDS
) -> st.SearchStrategy[Broken]:
    """Arguments the closed schema refuses, each broken in one named way."""
    base = valid_arguments(tool, upload_files)
    props = tool.properties

    @st.composite
    def draw(data: st.DrawFn) -> Broken:
        args = data(base)
        options = []
        if "missing" in kinds and tool.required:
            options.append("missing")
        if "extra" in kinds:
            options.append("extra")
        typed = [p for p in props if p not in CONTROL and _wrong_for(props[p])]
        if "wrong_type" in kinds and typed:
            options.append("wrong_type")
        enums = [p for p in props if isinstance(props[p], dict) and "enum" in props[p]]
        if "bad_enum" in kinds and enums:
            options.append("bad_enum")
        ranged = [p for p in props if p not in CONTROL and _out_of_range(props[p])]
        if "out_of_range" in kinds and ranged:
            options.append("out_of_range")
        nested = [
            (trail, sub)
            for trail, sub in _leaves(args, {"properties": props}, ())
            if len(trail) > 1 and _wrong_for(sub) and trail[0] not in CONTROL
        ]
        if "nested_wrong_type" in kinds and nested:
            options.append("nested_wrong_type")
        kind = data(st.sampled_from(options))
        if kind == "missing":
            name = data(st.sampled_from(tool.required))
            broken = {k: v for k, v in args.items() if k != name}
            return Broken(kind, broken, name, name)
        if kind == "extra":
            name = data(
                st.from_regex(r"\Azz_[a-z0-9_]{1,12}\Z").filter(lambda n: n not in props),
            )
            return Broken(kind, {**args, name: data(ANY_JSON)}, name, name)
        if kind == "wrong_type":
            name = data(st.sampled_from(typed))
            value = data(st.sampled_from(_wrong_for(props[name])))
            return Broken(kind, {**args, name: value}, name, name, value, props[name])
        if kind == "bad_enum":
            name = data(st.sampled_from(enums))
            value = data(
                st.text(alphabet=string.ascii_lowercase + "-", min_size=1, max_size=10).map(
                    lambda s: "zz-" + s
                )
            )
            return Broken(kind, {**args, name: value}, name, name)
        if kind == "out_of_range":
            name = data(st.sampled_from(ranged))
            value = data(st.sampled_from(_out_of_range(props[name])))
            return Broken(kind, {**args, name: value}, name, name, value, props[name])
        trail, sub = data(st.sampled_from(nested))
        value = data(st.sampled_from(_wrong_for(sub)))
        leaf = next((str(s) for s in reversed(trail) if isinstance(s, str)), str(trail[0]))
        return Broken(kind, _set_in(args, trail, value), str(trail[0]), leaf, value, sub)

    return draw().filter(lambda b: not schema_accepts(tool, b.arguments))
