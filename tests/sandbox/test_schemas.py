"""The sandbox's answers checked against the response schemas in Pipedrive's own OpenAPI documents.

The documents inline every schema (no $ref), so an operation's response schema is usable as JSON Schema
once `nullable: true` becomes a type list. Pipedrive itself sends null for unset values of fields its
documents do not mark nullable (an open deal's won_time, a person without an organization), and so does
the sandbox; the check therefore also admits null for object properties and checks every non-null value.
"""

from __future__ import annotations

from typing import Any

import httpx
import jsonschema
import pytest

from dealdesk_mcp import specs


def document(version: str) -> dict[str, Any]:
    return specs.load(f"pipedrive-{version}")


def as_json_schema(node: Any, *, may_be_null: bool = False) -> Any:
    if isinstance(node, list):
        return [as_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key == "properties" and isinstance(value, dict):
            out[key] = {name: as_json_schema(sub, may_be_null=True) for name, sub in value.items()}
        elif key in ("example", "description", "nullable", "x-tool-description"):
            continue
        else:
            out[key] = as_json_schema(value)
    if node.get("nullable") or may_be_null:
        if isinstance(out.get("type"), str):
            out["type"] = [out["type"], "null"]
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
        for combinator in ("allOf", "oneOf", "anyOf"):
            if combinator in out and "type" not in out:
                out = {"anyOf": [{"type": "null"}, out]}
                break
    return out


def response_schema(version: str, method: str, path: str, status: int) -> dict[str, Any]:
    operation = document(version)["paths"][path][method.lower()]
    return as_json_schema(operation["responses"][str(status)]["content"]["application/json"]["schema"])


def check(
    response: httpx.Response, version: str, method: str, path: str, status: int = 200
) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    jsonschema.validate(body, response_schema(version, method, path, status))
    return body


def test_v2_deals(api: httpx.Client) -> None:
    check(api.get("/api/v2/deals", params={"limit": 20}), "v2", "GET", "/deals")
    created = check(
        api.post("/api/v2/deals", json={"title": "Schema check", "person_id": 1}), "v2", "POST", "/deals"
    )
    deal_id = created["data"]["id"]
    check(api.get(f"/api/v2/deals/{deal_id}"), "v2", "GET", "/deals/{id}")
    check(api.patch(f"/api/v2/deals/{deal_id}", json={"status": "lost"}), "v2", "PATCH", "/deals/{id}")
    check(api.get("/api/v2/deals/search", params={"term": "renewal"}), "v2", "GET", "/deals/search")
    check(api.delete(f"/api/v2/deals/{deal_id}"), "v2", "DELETE", "/deals/{id}")


@pytest.mark.parametrize(
    ("path", "item"),
    [
        ("/persons", "/persons/{id}"),
        ("/organizations", "/organizations/{id}"),
        ("/activities", "/activities/{id}"),
        ("/products", "/products/{id}"),
        ("/pipelines", "/pipelines/{id}"),
        ("/stages", "/stages/{id}"),
    ],
)
def test_v2_collections(api: httpx.Client, path: str, item: str) -> None:
    listed = check(api.get(f"/api/v2{path}"), "v2", "GET", path)
    first = listed["data"][0]["id"]
    check(api.get(f"/api/v2{item.replace('{id}', str(first))}"), "v2", "GET", item)


@pytest.mark.parametrize(
    "path", ["/dealFields", "/personFields", "/organizationFields", "/productFields", "/activityFields"]
)
def test_v2_field_catalogues(api: httpx.Client, path: str) -> None:
    check(api.get(f"/api/v2{path}", params={"limit": 500}), "v2", "GET", path)


def test_v2_searches(api: httpx.Client) -> None:
    check(api.get("/api/v2/persons/search", params={"term": "olivia"}), "v2", "GET", "/persons/search")
    check(
        api.get("/api/v2/organizations/search", params={"term": "harbor"}),
        "v2",
        "GET",
        "/organizations/search",
    )
    check(api.get("/api/v2/itemSearch", params={"term": "insight"}), "v2", "GET", "/itemSearch")


def test_v1_notes_files_leads(api: httpx.Client) -> None:
    check(api.get("/api/v1/notes", params={"limit": 5}), "v1", "GET", "/notes")
    note = check(api.post("/api/v1/notes", json={"content": "x", "person_id": 2}), "v1", "POST", "/notes")
    check(api.delete(f"/api/v1/notes/{note['data']['id']}"), "v1", "DELETE", "/notes/{id}")
    uploaded = check(
        api.post("/api/v1/files", files={"file": ("a.txt", b"hello", "text/plain")}, data={"org_id": "3"}),
        "v1",
        "POST",
        "/files",
    )
    check(api.get(f"/api/v1/files/{uploaded['data']['id']}"), "v1", "GET", "/files/{id}")
    check(api.get("/api/v1/files"), "v1", "GET", "/files")
    check(api.get("/api/v1/organizations/3/files"), "v1", "GET", "/organizations/{id}/files")
    lead = check(
        api.post("/api/v1/leads", json={"title": "Inbound", "person_id": 4}), "v1", "POST", "/leads", 201
    )
    check(api.get(f"/api/v1/leads/{lead['data']['id']}"), "v1", "GET", "/leads/{id}")
    check(api.get("/api/v1/leads"), "v1", "GET", "/leads")
    check(api.get("/api/v1/leads/00000000-0000-4000-8000-000000000000"), "v1", "GET", "/leads/{id}", 404)


@pytest.mark.parametrize(
    "path",
    [
        "/users/me",
        "/users",
        "/activityTypes",
        "/leadLabels",
        "/leadSources",
        "/leadFields",
        "/noteFields",
        "/currencies",
    ],
)
def test_v1_lookups(api: httpx.Client, path: str) -> None:
    check(api.get(f"/api/v1{path}"), "v1", "GET", path)


def test_v1_unauthorised_shape(sandbox: Any) -> None:
    check(httpx.get(f"{sandbox.base_url}/api/v1/users/me"), "v1", "GET", "/users/me", 401)
