"""The catalog: exactly the documented operations, each a tool with a plain, valid schema."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import jsonschema
import pytest

from dealdesk_mcp.catalog import load_catalog
from tests.conftest import ROOT, SPECS

NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
METHODS = ("get", "post", "put", "patch", "delete")
needs_specs = pytest.mark.skipif(
    not (SPECS / "pipedrive-v1.openapi.yaml").exists(), reason=f"vendor documents not found at {SPECS}"
)


def _load(name: str):
    import yaml

    text = (SPECS / name).read_text(encoding="utf-8")
    if name.endswith(".json"):
        return json.loads(text)
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def _operations(document):
    for path, item in document["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def _snake(operation_id: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", operation_id.replace("-", "_")).lower()


@pytest.fixture(scope="module")
def documents():
    if not (SPECS / "pipedrive-v1.openapi.yaml").exists():
        pytest.skip(f"vendor documents not found at {SPECS}")
    return {
        "v1": _load("pipedrive-v1.openapi.yaml"),
        "v2": _load("pipedrive-v2.openapi.yaml"),
        "attio": _load("attio.openapi.json"),
    }


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


def test_annotations_follow_the_method():
    for tool in load_catalog().tools.values():
        hints = tool.annotations
        assert hints["openWorldHint"] is True
        assert hints["readOnlyHint"] is (tool.method == "GET"), tool.name
        assert hints.get("destructiveHint", False) is (tool.method == "DELETE"), tool.name
        assert hints.get("idempotentHint", False) is (tool.method in ("PUT", "PATCH")), tool.name


def test_path_parameters_are_required():
    for tool in load_catalog().tools.values():
        for name in re.findall(r"{([^}]+)}", tool.path):
            assert name in tool.input_schema.get("required", ()), (tool.name, name)


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def test_descriptions_are_ours_and_tight(documents):
    vendor: dict[tuple[str, str], str] = {}
    for key, prefix in (("v1", "/api/v1"), ("v2", "/api/v2"), ("attio", "")):
        for path, method, op in _operations(documents[key]):
            vendor[(method.upper(), prefix + path)] = f"{op.get('summary', '')} {op.get('description', '')}"
    for tool in load_catalog().tools.values():
        text = tool.description
        assert 15 <= len(text) <= 300, (tool.name, len(text))
        ours = _words(text)
        theirs = " ".join(_words(vendor[(tool.method, tool.path)]))
        for i in range(len(ours) - 7):
            run = " ".join(ours[i : i + 8])
            assert run not in theirs, f"{tool.name} repeats the vendor's words: {run!r}"


@needs_specs
def test_generated_code_and_schemas_are_current():
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "generate.py"), "--check", "--specs", str(SPECS)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr[-3000:]
