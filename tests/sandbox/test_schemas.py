"""Every documented operation is served, and every answer it gives follows the document.

The sweep (sweep.py) calls each of the documents' operations once with valid arguments; each success
answer must validate against that operation's documented response schema (JSON Schema, with formats
checked), where only the properties in known_nulls.py may be null beyond what the documents allow.
"""

from __future__ import annotations

from typing import Any

import httpx
import jsonschema
import pytest

from dealdesk_mcp import specs
from dealdesk_mcp.sandbox import start_sandbox
from dealdesk_mcp.sandbox.app import served_operations
from dealdesk_mcp.sandbox.inputs import json_schema
from dealdesk_mcp.sandbox.known_nulls import KNOWN_NULLS
from dealdesk_mcp.sandbox.spec import operations
from dealdesk_mcp.sandbox.token import SANDBOX_TOKEN
from tests.sandbox.sweep import Outcome, run, validator


@pytest.fixture(scope="module")
def outcomes() -> list[Outcome]:
    with (
        start_sandbox(":memory:") as handle,
        httpx.Client(base_url=handle.base_url, headers={"x-api-token": SANDBOX_TOKEN}, timeout=20) as client,
    ):
        return run(client)


def test_every_documented_operation_of_both_apis_is_served() -> None:
    documented = {(f"pipedrive-{op.version}", op.method, op.template) for op in operations()}
    assert len(documented) == 371  # 213 v1 (3 of them OAuth) + 158 v2
    served = served_operations()
    assert {op for op in served if op.document != "attio"} == documented
    attio_document = specs.load("attio")["paths"]
    assert {(op.method, op.path) for op in served if op.document == "attio"} == {
        (method.upper(), path)
        for path, item in attio_document.items()
        for method in item
        if method != "parameters"
    }
    assert len(served) == 371 + 83


def test_the_origin_says_what_it_serves(api: httpx.Client) -> None:
    about = api.get("/").json()
    assert about["apis"] == {"pipedrive": ["/api/v1", "/api/v2"], "attio": ["/v2", "/scim/v2"]}
    assert about["oauth"] == ["/oauth/authorize", "/oauth/token"] and about["seeded_at"]


def test_no_operation_fails_on_the_server(outcomes: list[Outcome]) -> None:
    broken = [(o.op.key, o.status) for o in outcomes if o.status >= 500]
    assert broken == []
    assert len(outcomes) == len([op for op in operations() if not op.is_oauth])


def test_success_answers_validate_against_the_documents(outcomes: list[Outcome]) -> None:
    failures: list[Any] = []
    validated = set()
    for outcome in outcomes:
        if outcome.status >= 300:
            continue
        check = validator(outcome.op, outcome.status)
        if check is None:  # a download: the document describes bytes, not JSON
            assert outcome.op.success_media != "application/json"
            validated.add(outcome.op.key)
            continue
        errors = list(check.iter_errors(outcome.body))
        if errors:
            failures.append((outcome.op.key, list(errors[0].absolute_path), errors[0].message[:200]))
        else:
            validated.add(outcome.op.key)
        assert outcome.status == outcome.op.success_status, outcome.op.key
    assert failures == []
    # The sweep's arguments reach a success for nearly every operation (the rest answer a documented 4xx).
    assert len(validated) >= 350


def _nulls(error: jsonschema.ValidationError) -> set[str]:
    """The properties whose null made `error`; of an anyOf/oneOf, only the branch that came closest
    (the fewest errors) counts: the other branches describe other kinds of item."""
    if error.context:
        branches: dict[Any, list[jsonschema.ValidationError]] = {}
        for sub in error.context:
            branches.setdefault(sub.relative_schema_path[0], []).append(sub)
        return set().union(*(_nulls(sub) for sub in min(branches.values(), key=len)))
    if error.instance is None and error.absolute_path and isinstance(error.absolute_path[-1], str):
        return {error.absolute_path[-1]}
    return set()


def test_every_known_null_is_still_seen(outcomes: list[Outcome]) -> None:
    """known_nulls.py lists only nulls the answers carry where the documents allow none."""
    seen: set[str] = set()
    for outcome in outcomes:
        schema = outcome.op.response_schema(outcome.status) if outcome.status < 300 else None
        if schema is None or not isinstance(outcome.body, dict):
            continue
        for error in jsonschema.Draft4Validator(json_schema(schema)).iter_errors(outcome.body):
            seen |= _nulls(error)
    assert seen <= set(KNOWN_NULLS)  # anything else would have failed the document check above
    assert sorted(set(KNOWN_NULLS) - seen) == []


def test_error_answers_have_pipedrives_shape(outcomes: list[Outcome]) -> None:
    errors = [o for o in outcomes if 400 <= o.status < 500]
    assert errors, "the sweep meets at least one refusal"
    for outcome in errors:
        assert outcome.body["success"] is False and isinstance(outcome.body["error"], str), outcome.op.key


def test_status_codes_follow_the_documents() -> None:
    with start_sandbox(":memory:") as handle:
        client = httpx.Client(base_url=handle.base_url, headers={"x-api-token": SANDBOX_TOKEN})
        added = client.post("/api/v2/products", json={"name": "Status check"})
        assert added.status_code == 201  # documented 201 (it answered 200 before)
        lead = client.post("/api/v1/leads", json={"title": "Status check", "person_id": 1})
        assert lead.status_code == 201


def test_v1_times_follow_the_documented_formats() -> None:
    with start_sandbox(":memory:") as handle:
        client = httpx.Client(base_url=handle.base_url, headers={"x-api-token": SANDBOX_TOKEN})
        seeded = client.get("/").json()["seeded_at"]
        for path in ("/api/v1/leadFields", "/api/v1/activityTypes"):
            rows = client.get(path).json()["data"]
            stamps = [row["add_time"] for row in rows if row.get("add_time")]
            assert stamps and all("T" in s and s.endswith("Z") for s in stamps), path
        # the lead fields' add time is when the company was seeded, not the time of the request
        assert {r["add_time"] for r in client.get("/api/v1/leadFields").json()["data"][:3]} == {seeded}


def test_ids_beyond_64_bits_and_lists_for_scalars_are_4xx() -> None:
    with start_sandbox(":memory:") as handle:
        client = httpx.Client(base_url=handle.base_url, headers={"x-api-token": SANDBOX_TOKEN})
        huge = client.get("/api/v2/deals/99999999999999999999")
        assert huge.status_code == 404 and huge.json()["success"] is False
        assert client.get("/api/v2/deals", params={"owner_id": "99999999999999999999"}).status_code == 400
        code = next(
            f["field_code"]
            for f in client.get("/api/v2/dealFields").json()["data"]
            if f["field_type"] == "enum" and f["is_custom_field"]
        )
        listed = client.request("DELETE", f"/api/v2/dealFields/{code}/options", json=[{"id": [1, 2]}])
        assert listed.status_code == 400 and "id" in listed.json()["error"]
        assert client.get("/api/v2/deals/abc").status_code == 400


# Found by the property-based runs (schemathesis over both documents): each once a 500 or an answer
# that broke its documented schema.
@pytest.mark.parametrize(
    ("method", "path", "body", "status", "named"),
    [
        ("POST", "/api/v2/stages", {"name": "Huge", "pipeline_id": 2**70}, 400, "Pipeline"),
        ("PUT", "/api/v1/roles/1/pipelines", {"visible_pipeline_ids": {"a": {"b": 1}}}, 400, "Pipeline"),
        (
            "POST",
            "/api/v2/deals/1/products/bulk",
            {"data": [{"product_id": 1, "item_price": 1e300, "quantity": 1e300}]},
            400,
            "stored",
        ),
        (
            "POST",
            "/api/v2/deals",
            {"title": "Due", "expected_close_date": "2030-02-31"},
            400,
            "expected_close_date",
        ),
    ],
)
def test_out_of_range_values_are_refused_not_server_errors(
    api: httpx.Client, method: str, path: str, body: Any, status: int, named: str
) -> None:
    answer = api.request(method, path, json=body)
    assert answer.status_code == status, answer.text
    assert named in answer.json()["error"]


def test_non_finite_numbers_in_a_body_are_refused(api: httpx.Client) -> None:
    answer = api.post(
        "/api/v2/deals",
        content=b'{"title": "Inf", "value": 1e999}',
        headers={"content-type": "application/json"},
    )
    assert answer.status_code == 400 and "finite" in answer.json()["error"]


def test_a_received_channel_message_echoes_its_times_and_errors_keep_the_documented_shape(
    api: httpx.Client,
) -> None:
    channel = api.post("/api/v1/channels", json={"name": "Chat", "provider_channel_id": "chat-1"}).json()[
        "data"
    ]
    message = {
        "id": "m1",
        "channel_id": channel["id"],
        "sender_id": "s1",
        "conversation_id": "c1",
        "message": "Hello",
        "status": "sent",
        "created_at": "2030-02-06T14:18:18.22-05:30",
    }
    received = api.post("/api/v1/channels/messages/receive", json=message)
    assert received.status_code == 200, received.text
    assert received.json()["data"]["created_at"] == message["created_at"]
    blank = api.post("/api/v1/channels/messages/receive", json={**message, "created_at": ""})
    assert blank.status_code == 400 and "created_at" in blank.json()["error"]
    unknown = api.post("/api/v1/channels/messages/receive", json={**message, "channel_id": "nowhere"})
    # The document gives this error's additional_data as an object: it is left out rather than null.
    assert unknown.status_code == 400 and "additional_data" not in unknown.json()
