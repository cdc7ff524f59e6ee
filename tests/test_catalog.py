"""The catalog: exactly the documented operations, each a tool with a plain, valid schema."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
import strip_specs

from dealdesk_mcp import specs
from dealdesk_mcp.catalog import load_catalog
from tests.conftest import ROOT, SPECS

NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
METHODS = ("get", "post", "put", "patch", "delete")


def _operations(document):
    for path, item in document["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def _snake(operation_id: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", operation_id.replace("-", "_")).lower()


@pytest.fixture(scope="module")
def documents():
    return {"v1": specs.load("pipedrive-v1"), "v2": specs.load("pipedrive-v2"), "attio": specs.load("attio")}


def expected_pipedrive(documents) -> dict[str, tuple[str, str]]:
    """operationId rules from the issue: every operation but OAuth's; v2 wins where both have it."""
    v2 = {op["operationId"]: (m.upper(), "/api/v2" + p) for p, m, op in _operations(documents["v2"])}
    out = {}
    for path, method, op in _operations(documents["v1"]):
        if "Oauth" in op.get("tags", ()) or op["operationId"] in v2:
            continue
        out[_snake(op["operationId"])] = (method.upper(), "/api/v1" + path)
    out.update({_snake(k): v for k, v in v2.items()})
    return out


def test_pipedrive_tools_are_exactly_the_documented_operations(documents):
    expected = expected_pipedrive(documents)
    assert len(expected) == 315
    catalog = load_catalog()
    ours = {t.name: (t.method, t.path) for t in catalog.tools.values() if t.api == "pipedrive"}
    assert ours == expected


def test_attio_tools_cover_every_operation_once(documents):
    expected = {(m.upper(), p) for p, m, _ in _operations(documents["attio"])}
    ours = [(t.method, t.path) for t in load_catalog().tools.values() if t.api == "attio"]
    assert len(ours) == 83
    assert set(ours) == expected
    names = {t.name for t in load_catalog().tools.values() if t.api == "attio"}
    for name in (
        "attio_list_files",
        "attio_upload_file",
        "attio_get_file",
        "attio_delete_file",
        "attio_download_file",
        "attio_create_folder",
        "attio_list_records",
    ):
        assert name in names


def test_tool_names_are_valid_and_unique():
    names = [t.name for t in load_catalog().tools.values()]
    assert len(names) == len(set(names)) == 398
    assert all(NAME.match(n) for n in names)


def _refs(node, inside_properties=False):
    """Every $ref used as a reference (a property literally named "$ref" is not one)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and not inside_properties:
                yield value
            yield from _refs(value, key == "properties")
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def test_every_schema_is_plain_valid_json_schema():
    for tool in load_catalog().tools.values():
        schema = tool.input_schema
        jsonschema.Draft202012Validator.check_schema(schema)
        assert schema["type"] == "object", tool.name
        assert "$defs" not in json.dumps(schema), tool.name
        assert list(_refs(schema)) == [], tool.name
        assert set(schema.get("required", ())) <= set(schema["properties"]), tool.name


def test_annotations_follow_the_method_and_the_protocols_defaults():
    """Hints are written only where they differ from MCP's defaults (readOnlyHint false, destructiveHint
    true, idempotentHint false, openWorldHint true), so each tool's effective hints are checked."""
    defaults = {
        "readOnlyHint": False,
        "destructiveHint": True,
        "idempotentHint": False,
        "openWorldHint": True,
    }
    for tool in load_catalog().tools.values():
        hints = {**defaults, **tool.annotations}
        # Attio's queries and searches read by POST (their filter travels in the body).
        reads = tool.method == "GET" or tool.path.endswith(("/query", "/search"))
        assert hints["readOnlyHint"] is reads, tool.name
        assert hints["openWorldHint"] is True, tool.name
        if not reads:
            assert hints["destructiveHint"] is tool.destructive, tool.name
            assert hints["idempotentHint"] is (tool.method in ("PUT", "PATCH", "DELETE")), tool.name


def test_every_delete_and_merge_is_destructive():
    for tool in load_catalog().tools.values():
        named = re.search(r"(^|_)(delete|remove|merge)(_|$)", tool.name) is not None
        assert tool.destructive is (tool.method == "DELETE" or named), tool.name


def test_path_parameters_are_required():
    for tool in load_catalog().tools.values():
        for name in re.findall(r"{([^}]+)}", tool.path):
            assert name in tool.input_schema.get("required", ()), (tool.name, name)


def vendor_fingerprints() -> set[str]:
    lines = (SPECS / "prose-fingerprints.txt").read_text(encoding="utf-8").splitlines()
    return {line for line in lines if line and not line.startswith("#")}


def copied_runs(text: str, fingerprints: set[str]) -> list[str]:
    """The 8-word runs of `text` (or the whole of a short text) that occur in the vendors' prose."""
    words = strip_specs.words(text)
    runs = [" ".join(words[i : i + 8]) for i in range(len(words) - 7)]
    if 4 <= len(words) < 8:
        runs.append(" ".join(words))
    return [run for run in runs if strip_specs.fingerprint(run) in fingerprints]


def test_the_copy_check_finds_copied_prose():
    """The check itself: a sentence of the vendor's, taken whole or inside our own words, is found."""
    prose = strip_specs.prose_texts(_shared_or_none() or {})
    fingerprints = vendor_fingerprints()
    if prose:  # with the originals at hand, prove it on their real sentences
        sample = next(p for p in prose if len(strip_specs.words(p)) >= 12)
        assert copied_runs(f"Our words first. {sample} And ours after.", fingerprints)
    assert not copied_runs(
        "List the deals an agent may see, newest first, with their stage and owner.", fingerprints
    )
    some = sorted(fingerprints)[:1]
    assert some and len(some[0]) == strip_specs.HASH_CHARS


def _shared_or_none():
    source = ROOT.parent / "shared" / "specs" / "pipedrive-v2.openapi.yaml"
    return strip_specs.load(source) if source.is_file() else None


def test_descriptions_are_ours_and_tight():
    fingerprints = vendor_fingerprints()
    for tool in load_catalog().tools.values():
        text = tool.description
        assert 15 <= len(text) <= 300, (tool.name, len(text))
        assert not copied_runs(text, fingerprints), f"{tool.name} repeats the vendor's words"
        for name, prop in tool.input_schema.get("properties", {}).items():
            note = prop.get("description", "")
            assert not copied_runs(note, fingerprints), f"{tool.name}.{name} repeats the vendor's words"


def test_generated_code_and_schemas_are_current():
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "generate.py"), "--check"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr[-3000:]


def test_every_parameter_is_described_or_listed_bare_with_a_reason():
    import yaml

    bare = (
        yaml.safe_load((ROOT / "scripts" / "descriptions" / "_bare.yaml").read_text(encoding="utf-8")) or {}
    )
    assert all(isinstance(reason, str) and len(reason) > 10 for reason in bare.values())
    undescribed = {
        f"{tool.name}.{name}"
        for tool in load_catalog().tools.values()
        for name, prop in tool.input_schema["properties"].items()
        if not prop.get("description")
    }
    assert undescribed == set(bare), sorted(undescribed ^ set(bare))[:20]


def test_every_tool_has_a_short_title_of_our_own():
    fingerprints = vendor_fingerprints()
    for tool in load_catalog().tools.values():
        assert 3 <= len(tool.title) <= 40 and not tool.title.endswith("."), (tool.name, tool.title)
        assert not copied_runs(tool.title, fingerprints), f"{tool.name}'s title repeats the vendor's words"


def test_country_codes_are_listed_by_their_standard_and_still_checked():
    """Attio's 252 country codes are named, not spelled out, in the listing; the model keeps the set."""
    tool = load_catalog().tools["attio_create_attribute"]
    listed = json.dumps(tool.input_schema)
    assert '"ZW"' not in listed and listed.count("ISO 3166-1 alpha-2 country code, or AC, AN, XK.") == 3
    phone = {"original_phone_number": "+44 20 7946 0000"}

    def default(country: str) -> dict:
        value = {**phone, "country_code": country}
        return {"type": "static", "template": [value]}

    base = {"target": "objects", "identifier": "people", "title": "Mobile", "description": None,
            "api_slug": "mobile", "type": "phone-number", "is_required": False, "is_unique": False,
            "is_multiselect": False, "config": {}}  # fmt: skip
    tool.model().model_validate({**base, "default_value": default("GB")})
    tool.model().model_validate({**base, "default_value": default("XK")})
    with pytest.raises(ValueError, match="country_code"):
        tool.model().model_validate({**base, "default_value": default("ZZ")})


def test_alternatives_differing_in_one_const_are_listed_as_one_enum():
    """Attio's webhook filters list {field, operator, value} once, operator equals or not_equals."""
    tool = load_catalog().tools["attio_create_webhook"]
    subscription = tool.input_schema["properties"]["subscriptions"]["items"]
    condition = subscription["properties"]["filter"]["anyOf"][0]["properties"]["$or"]["items"]
    assert condition["properties"]["operator"] == {"type": "string", "enum": ["equals", "not_equals"]}
    for operator in ("equals", "not_equals"):
        filter_ = {"$or": [{"field": "id.list_id", "operator": operator, "value": "x"}]}
        tool.model().model_validate(
            {
                "target_url": "https://example.com/hook",
                "subscriptions": [{"event_type": "note.created", "filter": filter_}],
            }
        )
