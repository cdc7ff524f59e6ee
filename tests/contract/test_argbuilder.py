"""The argument builder picks valid, plausible values (no Prism needed)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.contract.argbuilder import UnbuildableSchema, build_cases, is_simple, takes_upload, value_for

SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "status": {"type": "string", "enum": ["open", "won"]},
        "due": {"anyOf": [{"type": "string", "format": "date"}, {"type": "null"}]},
        "limit": {"type": "integer", "minimum": 5, "maximum": 500},
        "ratio": {"type": "number", "maximum": 0.5},
        "done": {"type": "boolean"},
        "tags": {"type": "array", "items": {"type": "integer"}},
        "meta": {"type": "object", "properties": {"a": {"type": "string"}}},
        "raw": {"type": "boolean"},
    },
    "required": ["id"],
}


def test_minimal_case_has_required_fields_only() -> None:
    minimal, optional = build_cases("t", SCHEMA)
    assert minimal.label == "minimal"
    assert minimal.arguments == {"id": 1}
    assert optional.label == "optional"
    assert optional.arguments == {
        "id": 1,
        "status": "open",
        "due": "2024-05-17",
        "limit": 5,
        "ratio": 0.5,
        "done": True,
        "tags": [1],
    }


def test_no_second_case_without_simple_optional_fields() -> None:
    schema = {
        "type": "object",
        "properties": {"id": {"type": "integer"}, "x": {"type": "object"}},
        "required": ["id"],
    }
    assert [c.label for c in build_cases("t", schema)] == ["minimal"]


def test_required_objects_are_built_from_their_required_members() -> None:
    schema = {
        "type": "object",
        "properties": {"amount": {"type": "number"}, "note": {"type": "string"}},
        "required": ["amount"],
    }
    assert value_for(schema) == {"amount": 1.0}
    assert value_for(schema, optional=True) == {"amount": 1.0, "note": "example"}
    assert value_for({"type": "object", "additionalProperties": True}) == {}


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        ({"type": "string", "format": "uuid"}, "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b"),
        ({"type": "string", "format": "date-time"}, "2024-05-17T09:30:00Z"),
        ({"type": "string", "format": "email"}, "ada@example.com"),
        ({"type": "string", "pattern": r"^https:\/\/.*"}, "https://example.com/hook"),
        ({"type": "string", "minLength": 10}, "examplexxx"),
        ({"type": "string", "maxLength": 3}, "exa"),
        ({"const": "folder"}, "folder"),
        ({"type": "array", "items": {"type": "string"}, "minItems": 2}, ["example", "example"]),
    ],
)
def test_values_fit_their_schema(schema: dict, expected: object) -> None:
    assert value_for(schema) == expected


def test_duration_pattern_is_matched() -> None:
    pattern = r"P(?:(\d+Y)?(\d+M)?(\d+W)?(\d+D)?)"
    assert re.search(pattern, value_for({"type": "string", "pattern": pattern}))


def test_simple_means_scalar_or_array_of_scalars() -> None:
    assert is_simple({"anyOf": [{"type": "integer"}, {"type": "null"}]})
    assert is_simple({"type": "array", "items": {"type": "string"}})
    assert not is_simple({"type": "array", "items": {"type": "object"}})
    assert not is_simple({"type": "object"})


def test_upload_tools_get_the_local_file(tmp_path: Path) -> None:
    schema = {
        "type": "object",
        "properties": {
            "path": {"type": "string"},
            "id": {"type": "integer"},
            "file_name": {"type": "string"},
        },
        "required": ["path", "id"],
    }
    upload = tmp_path / "a.png"
    assert takes_upload(schema)
    (case,) = build_cases("t", schema, upload=upload)
    assert case.arguments == {"path": str(upload), "id": 1}


def test_unknown_required_schema_is_reported() -> None:
    with pytest.raises(UnbuildableSchema):
        value_for({"type": "file"}, "blob")
