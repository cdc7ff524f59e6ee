"""The vendors' documents live in the repository in facts-only form, current with the originals."""

from __future__ import annotations

import json
import sys
from typing import Any

import pytest

from dealdesk_mcp import specs
from tests.conftest import ROOT, SHARED_SPECS

sys.path.insert(0, str(ROOT / "scripts"))
import strip_specs


def test_facts_only_form_is_what_the_script_makes_from_the_originals():
    if not (SHARED_SPECS / "SOURCES.md").is_file():
        pytest.skip(f"the vendors' original documents are not beside this clone ({SHARED_SPECS} is absent)")
    fresh = strip_specs.render(SHARED_SPECS)
    for name, text in fresh.items():
        assert (ROOT / "specs" / name).read_text(encoding="utf-8") == text, (
            f"specs/{name} is stale: run scripts/strip_specs.py"
        )


def _strings(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for key, value in node.items() for s in (key, *_strings(value))]
    if isinstance(node, list):
        return [s for item in node for s in _strings(item)]
    return []


@pytest.mark.parametrize("name", sorted(specs.DOCUMENTS))
def test_no_prose_is_left(name):
    document = specs.load(name)
    sentences = [s for s in _strings(document) if len(s.split()) >= 4]
    assert sentences == []
    assert len(document["paths"]) > 40
    assert document["info"]["title"]


def test_stripping_keeps_facts_and_properties_named_like_prose():
    schema = {
        "description": "vendor words here",
        "type": "object",
        "title": "Deal",
        "properties": {
            "title": {"type": "string", "description": "more vendor words", "maxLength": 255},
            "description": {"type": "string", "example": "x"},
        },
        "required": ["title"],
    }
    stripped = strip_specs.strip({"schema": schema})["schema"]
    assert stripped == {
        "type": "object",
        "properties": {"title": {"type": "string", "maxLength": 255}, "description": {"type": "string"}},
        "required": ["title"],
    }


def test_attio_operations_are_named_from_their_summaries():
    ids = [
        op["operationId"]
        for item in specs.load("attio")["paths"].values()
        for method, op in item.items()
        if method in ("get", "post", "put", "patch", "delete")
    ]
    assert len(ids) == len(set(ids)) == 83
    assert "list-objects" in ids


def test_the_package_ships_the_documents():
    assert json.loads(specs.path("pipedrive-v2").read_text(encoding="utf-8"))["openapi"].startswith("3.")
