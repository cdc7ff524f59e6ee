"""Every Attio operation the sandbox serves, called once or more over HTTP, its answers checked
against the operation's documented response schema (tests/sandbox/attio_document.py).

The calls run in order in one sandbox, each using ids from the seeds or from earlier answers; the
table is keyed by (method, path template), and a test proves it covers every served operation and
that the served operations are exactly the document's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from dealdesk_mcp.sandbox import SandboxHandle, start_sandbox
from dealdesk_mcp.sandbox.attio import auth, served_operations
from dealdesk_mcp.sandbox.attio.wire import seeded_id
from tests.sandbox.attio_document import documented_statuses, operations, validate

ACME = seeded_id("record", "companies", "Acme Logistics")
OLIVIA = seeded_id("record", "people", "Olivia Bennett")
MEETING = seeded_id("meeting", "acme-review")
RECORDING = seeded_id("recording", "acme-review")
PIPELINE_ENTRY = seeded_id("entry", "sales_pipeline", ACME)
ALEX = seeded_id("member", "alex")

Call = Callable[[httpx.Client, dict[str, Any]], httpx.Response]


def _a(path: str) -> str:
    return path


STEPS: list[tuple[str, str, Call]] = [
    ("GET", "/v2/self", lambda c, s: c.get("/v2/self")),
    ("GET", "/v2/objects", lambda c, s: c.get("/v2/objects")),
    (
        "POST",
        "/v2/objects",
        lambda c, s: c.post(
            "/v2/objects",
            json={"data": {"api_slug": "vendors", "singular_noun": "Vendor", "plural_noun": "Vendors"}},
        ),
    ),
    ("GET", "/v2/objects/{object}", lambda c, s: c.get("/v2/objects/people")),
    (
        "PATCH",
        "/v2/objects/{object}",
        lambda c, s: c.patch("/v2/objects/vendors", json={"data": {"plural_noun": "Suppliers"}}),
    ),
    ("GET", "/v2/objects/{object}/views", lambda c, s: c.get("/v2/objects/deals/views", params={"limit": 1})),
    (
        "GET",
        "/v2/{target}/{identifier}/attributes",
        lambda c, s: c.get("/v2/objects/people/attributes", params={"limit": 50}),
    ),
    (
        "POST",
        "/v2/{target}/{identifier}/attributes",
        lambda c, s: c.post(
            "/v2/objects/vendors/attributes",
            json={
                "data": {
                    "title": "Tier",
                    "description": None,
                    "api_slug": "tier",
                    "type": "select",
                    "is_required": False,
                    "is_unique": False,
                    "is_multiselect": False,
                    "config": {},
                }
            },
        ),
    ),
    (
        "GET",
        "/v2/{target}/{identifier}/attributes/{attribute}",
        lambda c, s: c.get("/v2/objects/deals/attributes/stage"),
    ),
    (
        "PATCH",
        "/v2/{target}/{identifier}/attributes/{attribute}",
        lambda c, s: c.patch("/v2/objects/vendors/attributes/tier", json={"data": {"title": "Vendor tier"}}),
    ),
    (
        "POST",
        "/v2/{target}/{identifier}/attributes/{attribute}/options",
        lambda c, s: c.post("/v2/objects/vendors/attributes/tier/options", json={"data": {"title": "Gold"}}),
    ),
    (
        "GET",
        "/v2/{target}/{identifier}/attributes/{attribute}/options",
        lambda c, s: c.get("/v2/objects/companies/attributes/categories/options"),
    ),
    (
        "PATCH",
        "/v2/{target}/{identifier}/attributes/{attribute}/options/{option}",
        lambda c, s: c.patch(
            "/v2/objects/vendors/attributes/tier/options/Gold", json={"data": {"title": "Platinum"}}
        ),
    ),
    (
        "GET",
        "/v2/{target}/{identifier}/attributes/{attribute}/statuses",
        lambda c, s: c.get("/v2/lists/sales_pipeline/attributes/stage/statuses"),
    ),
    (
        "POST",
        "/v2/{target}/{identifier}/attributes/{attribute}/statuses",
        lambda c, s: c.post(
            "/v2/objects/deals/attributes/stage/statuses",
            json={"data": {"title": "On hold", "target_time_in_status": "P14D"}},
        ),
    ),
    (
        "PATCH",
        "/v2/{target}/{identifier}/attributes/{attribute}/statuses/{status}",
        lambda c, s: c.patch(
            "/v2/objects/deals/attributes/stage/statuses/On hold",
            json={"data": {"celebration_enabled": True}},
        ),
    ),
    (
        "POST",
        "/v2/objects/{object}/records/query",
        lambda c, s: c.post(
            "/v2/objects/people/records/query",
            json={
                "filter": {"job_title": {"$contains": "head"}},
                "sorts": [{"attribute": "name", "field": "last_name", "direction": "asc"}],
                "limit": 5,
            },
        ),
    ),
    (
        "POST",
        "/v2/objects/{object}/records",
        lambda c, s: c.post(
            "/v2/objects/people/records",
            json={
                "data": {
                    "values": {
                        "name": "Grace Hopper",
                        "email_addresses": ["grace@navy.example"],
                        "phone_numbers": ["+1 202 555 0199"],
                        "company": [ACME],
                        "lead_source": "Event",
                        "primary_location": {"locality": "Arlington", "country_code": "US"},
                    }
                }
            },
        ),
    ),
    (
        "PUT",
        "/v2/objects/{object}/records",
        lambda c, s: c.put(
            "/v2/objects/companies/records",
            params={"matching_attribute": "domains"},
            json={"data": {"values": {"domains": ["acme-logistics.example"], "description": "Asserted"}}},
        ),
    ),
    (
        "GET",
        "/v2/objects/{object}/records/{record_id}",
        lambda c, s: c.get(f"/v2/objects/people/records/{s['person']}"),
    ),
    (
        "PATCH",
        "/v2/objects/{object}/records/{record_id}",
        lambda c, s: c.patch(
            f"/v2/objects/people/records/{s['person']}",
            json={"data": {"values": {"email_addresses": ["amazing.grace@navy.example"]}}},
        ),
    ),
    (
        "PUT",
        "/v2/objects/{object}/records/{record_id}",
        lambda c, s: c.put(
            f"/v2/objects/people/records/{s['person']}",
            json={"data": {"values": {"job_title": "Rear admiral"}}},
        ),
    ),
    (
        "GET",
        "/v2/objects/{object}/records/{record_id}/attributes/{attribute}/values",
        lambda c, s: c.get(
            f"/v2/objects/deals/records/{seeded_id('record', 'deals', 'Bluefin Retail - store dashboards')}/attributes/stage/values",
            params={"show_historic": "true"},
        ),
    ),
    (
        "GET",
        "/v2/objects/{object}/records/{record_id}/entries",
        lambda c, s: c.get(f"/v2/objects/companies/records/{ACME}/entries"),
    ),
    (
        "POST",
        "/v2/objects/records/search",
        lambda c, s: c.post(
            "/v2/objects/records/search",
            json={
                "query": "acme",
                "objects": ["people", "companies", "deals"],
                "request_as": {"type": "workspace"},
            },
        ),
    ),
    ("GET", "/v2/lists", lambda c, s: c.get("/v2/lists")),
    (
        "POST",
        "/v2/lists",
        lambda c, s: c.post(
            "/v2/lists",
            json={
                "data": {
                    "name": "Partners",
                    "api_slug": "partners",
                    "parent_object": "companies",
                    "workspace_access": "read-and-write",
                    "workspace_member_access": [{"workspace_member_id": ALEX, "level": "full-access"}],
                }
            },
        ),
    ),
    ("GET", "/v2/lists/{list}", lambda c, s: c.get("/v2/lists/sales_pipeline")),
    (
        "PATCH",
        "/v2/lists/{list}",
        lambda c, s: c.patch("/v2/lists/partners", json={"data": {"name": "Channel partners"}}),
    ),
    ("GET", "/v2/lists/{list}/views", lambda c, s: c.get("/v2/lists/sales_pipeline/views")),
    (
        "POST",
        "/v2/lists/{list}/entries/query",
        lambda c, s: c.post(
            "/v2/lists/sales_pipeline/entries/query",
            json={
                "filter": {"priority": "High"},
                "sorts": [{"attribute": "expected_close", "direction": "desc"}],
            },
        ),
    ),
    (
        "POST",
        "/v2/lists/{list}/entries",
        lambda c, s: c.post(
            "/v2/lists/partners/entries",
            json={"data": {"parent_record_id": ACME, "parent_object": "companies", "entry_values": {}}},
        ),
    ),
    (
        "PUT",
        "/v2/lists/{list}/entries",
        lambda c, s: c.put(
            "/v2/lists/sales_pipeline/entries",
            json={
                "data": {
                    "parent_record_id": ACME,
                    "parent_object": "companies",
                    "entry_values": {"priority": "Low"},
                }
            },
        ),
    ),
    (
        "GET",
        "/v2/lists/{list}/entries/{entry_id}",
        lambda c, s: c.get(f"/v2/lists/sales_pipeline/entries/{PIPELINE_ENTRY}"),
    ),
    (
        "PATCH",
        "/v2/lists/{list}/entries/{entry_id}",
        lambda c, s: c.patch(
            f"/v2/lists/sales_pipeline/entries/{PIPELINE_ENTRY}",
            json={"data": {"entry_values": {"stage": "Proposal sent"}}},
        ),
    ),
    (
        "PUT",
        "/v2/lists/{list}/entries/{entry_id}",
        lambda c, s: c.put(
            f"/v2/lists/sales_pipeline/entries/{PIPELINE_ENTRY}",
            json={"data": {"entry_values": {"owner": ALEX}}},
        ),
    ),
    (
        "GET",
        "/v2/lists/{list}/entries/{entry_id}/attributes/{attribute}/values",
        lambda c, s: c.get(
            f"/v2/lists/sales_pipeline/entries/{PIPELINE_ENTRY}/attributes/stage/values",
            params={"show_historic": "true"},
        ),
    ),
    (
        "DELETE",
        "/v2/lists/{list}/entries/{entry_id}",
        lambda c, s: c.delete(f"/v2/lists/partners/entries/{s['entry']}"),
    ),
    ("GET", "/v2/workspace_members", lambda c, s: c.get("/v2/workspace_members")),
    (
        "GET",
        "/v2/workspace_members/{workspace_member_id}",
        lambda c, s: c.get(f"/v2/workspace_members/{ALEX}"),
    ),
    (
        "GET",
        "/v2/notes",
        lambda c, s: c.get("/v2/notes", params={"parent_object": "companies", "parent_record_id": ACME}),
    ),
    (
        "POST",
        "/v2/notes",
        lambda c, s: c.post(
            "/v2/notes",
            json={
                "data": {
                    "parent_object": "people",
                    "parent_record_id": OLIVIA,
                    "title": "Call",
                    "format": "markdown",
                    "content": "**Keen** on a pilot",
                    "meeting_id": MEETING,
                }
            },
        ),
    ),
    ("GET", "/v2/notes/{note_id}", lambda c, s: c.get(f"/v2/notes/{s['note']}")),
    ("DELETE", "/v2/notes/{note_id}", lambda c, s: c.delete(f"/v2/notes/{s['note']}")),
    (
        "GET",
        "/v2/tasks",
        lambda c, s: c.get(
            "/v2/tasks", params={"linked_object": "deals", "is_completed": "false", "sort": "created_at:desc"}
        ),
    ),
    (
        "POST",
        "/v2/tasks",
        lambda c, s: c.post(
            "/v2/tasks",
            json={
                "data": {
                    "content": "Send the proposal",
                    "format": "plaintext",
                    "deadline_at": "2030-01-31T17:00:00Z",
                    "is_completed": False,
                    "linked_records": [
                        {"target_object": "companies", "domains": [{"domain": "acme-logistics.example"}]}
                    ],
                    "assignees": [
                        {"workspace_member_email_address": "priya.natarajan@northwind-analytics.example"}
                    ],
                }
            },
        ),
    ),
    ("GET", "/v2/tasks/{task_id}", lambda c, s: c.get(f"/v2/tasks/{s['task']}")),
    (
        "PATCH",
        "/v2/tasks/{task_id}",
        lambda c, s: c.patch(
            f"/v2/tasks/{s['task']}", json={"data": {"is_completed": True, "deadline_at": None}}
        ),
    ),
    ("DELETE", "/v2/tasks/{task_id}", lambda c, s: c.delete(f"/v2/tasks/{s['task']}")),
    (
        "GET",
        "/v2/threads",
        lambda c, s: c.get("/v2/threads", params={"object": "companies", "record_id": ACME}),
    ),
    (
        "GET",
        "/v2/threads/{thread_id}",
        lambda c, s: c.get(f"/v2/threads/{seeded_id('thread', 'fjord-entry')}"),
    ),
    (
        "POST",
        "/v2/comments",
        lambda c, s: c.post(
            "/v2/comments",
            json={
                "data": {
                    "format": "plaintext",
                    "content": "Following up",
                    "author": {"type": "workspace-member", "id": ALEX},
                    "entry": {"list": "sales_pipeline", "entry_id": PIPELINE_ENTRY},
                }
            },
        ),
    ),
    ("GET", "/v2/comments/{comment_id}", lambda c, s: c.get(f"/v2/comments/{s['comment']}")),
    ("DELETE", "/v2/comments/{comment_id}", lambda c, s: c.delete(f"/v2/comments/{s['comment']}")),
    ("GET", "/v2/meetings", lambda c, s: c.get("/v2/meetings", params={"limit": 2, "sort": "start_desc"})),
    (
        "POST",
        "/v2/meetings",
        lambda c, s: c.post(
            "/v2/meetings",
            json={
                "data": {
                    "title": "Intro",
                    "description": "",
                    "start": {"datetime": "2030-02-01T10:00:00Z", "timezone": "Europe/Berlin"},
                    "end": {"datetime": "2030-02-01T10:30:00Z", "timezone": "Europe/Berlin"},
                    "is_all_day": False,
                    "participants": [
                        {
                            "email_address": "olivia.bennett@acme-logistics.example",
                            "is_organizer": "true",
                            "status": "accepted",
                        }
                    ],
                    "linked_records": [{"object": "people", "record_id": OLIVIA}],
                    "external_ref": "intro-2030",
                }
            },
        ),
    ),
    ("GET", "/v2/meetings/{meeting_id}", lambda c, s: c.get(f"/v2/meetings/{s['meeting']}")),
    (
        "GET",
        "/v2/meetings/{meeting_id}/call_recordings",
        lambda c, s: c.get(f"/v2/meetings/{MEETING}/call_recordings"),
    ),
    (
        "POST",
        "/v2/meetings/{meeting_id}/call_recordings",
        lambda c, s: c.post(
            f"/v2/meetings/{s['meeting']}/call_recordings",
            json={"data": {"video_url": "https://videos.example/intro.mp4"}},
        ),
    ),
    (
        "GET",
        "/v2/meetings/{meeting_id}/call_recordings/{call_recording_id}",
        lambda c, s: c.get(f"/v2/meetings/{s['meeting']}/call_recordings/{s['recording']}"),
    ),
    (
        "GET",
        "/v2/meetings/{meeting_id}/call_recordings/{call_recording_id}/transcript",
        lambda c, s: c.get(f"/v2/meetings/{MEETING}/call_recordings/{RECORDING}/transcript"),
    ),
    (
        "DELETE",
        "/v2/meetings/{meeting_id}/call_recordings/{call_recording_id}",
        lambda c, s: c.delete(f"/v2/meetings/{s['meeting']}/call_recordings/{s['recording']}"),
    ),
    (
        "GET",
        "/v2/files",
        lambda c, s: c.get("/v2/files", params={"object": "companies", "record_id": ACME, "limit": 2}),
    ),
    (
        "POST",
        "/v2/files",
        lambda c, s: c.post(
            "/v2/files",
            json={
                "object": "companies",
                "record_id": ACME,
                "file_type": "connected-file",
                "storage_provider": "google-drive",
                "external_provider_file_id": "1AbC",
            },
        ),
    ),
    (
        "POST",
        "/v2/files/upload",
        lambda c, s: c.post(
            "/v2/files/upload",
            data={"object": "companies", "record_id": ACME},
            files={"file": ("a.bin", bytes(range(256)), "application/octet-stream")},
        ),
    ),
    ("GET", "/v2/files/{file_id}", lambda c, s: c.get(f"/v2/files/{seeded_id('file', 'acme-contracts')}")),
    ("GET", "/v2/files/{file_id}/download", lambda c, s: c.get(f"/v2/files/{s['file']}/download")),
    ("DELETE", "/v2/files/{file_id}", lambda c, s: c.delete(f"/v2/files/{s['file']}")),
    ("GET", "/scim/v2/Schemas", lambda c, s: c.get("/scim/v2/Schemas")),
    (
        "GET",
        "/scim/v2/Users",
        lambda c, s: c.get(
            "/scim/v2/Users", params={"filter": 'userName eq "alex.morgan@northwind-analytics.example"'}
        ),
    ),
    (
        "POST",
        "/scim/v2/Users",
        lambda c, s: c.post(
            "/scim/v2/Users",
            json={
                "userName": "new.hire@northwind-analytics.example",
                "name": {"givenName": "New", "familyName": "Hire"},
                "active": True,
            },
        ),
    ),
    (
        "PATCH",
        "/scim/v2/Users/{user_id}",
        lambda c, s: c.patch(
            f"/scim/v2/Users/{s['user']}",
            json={"Operations": [{"op": "replace", "path": "name.givenName", "value": "Newer"}]},
        ),
    ),
    (
        "PUT",
        "/scim/v2/Users/{user_id}",
        lambda c, s: c.put(
            f"/scim/v2/Users/{s['user']}",
            json={
                "userName": "new.hire@northwind-analytics.example",
                "name": {"givenName": "N", "familyName": "Hire"},
                "active": False,
            },
        ),
    ),
    ("GET", "/scim/v2/Groups", lambda c, s: c.get("/scim/v2/Groups")),
    (
        "POST",
        "/scim/v2/Groups",
        lambda c, s: c.post(
            "/scim/v2/Groups", json={"displayName": "Partners team", "members": [{"value": ALEX}]}
        ),
    ),
    (
        "PATCH",
        "/scim/v2/Groups/{workspace_team_id}",
        lambda c, s: c.patch(
            f"/scim/v2/Groups/{s['group']}",
            json={"Operations": [{"op": "add", "path": "members", "value": [{"value": s["user"]}]}]},
        ),
    ),
    (
        "PUT",
        "/scim/v2/Groups/{workspace_team_id}",
        lambda c, s: c.put(
            f"/scim/v2/Groups/{s['group']}",
            json={"displayName": "Partner team", "members": [{"value": s["user"]}]},
        ),
    ),
    ("GET", "/v2/webhooks", lambda c, s: c.get("/v2/webhooks", params={"limit": 5})),
    (
        "POST",
        "/v2/webhooks",
        lambda c, s: c.post(
            "/v2/webhooks",
            json={
                "data": {
                    "target_url": "https://example.com/hook",
                    "subscriptions": [{"event_type": "task.created", "filter": None}],
                }
            },
        ),
    ),
    ("GET", "/v2/webhooks/{webhook_id}", lambda c, s: c.get(f"/v2/webhooks/{s['webhook']}")),
    (
        "PATCH",
        "/v2/webhooks/{webhook_id}",
        lambda c, s: c.patch(
            f"/v2/webhooks/{s['webhook']}",
            json={
                "data": {
                    "subscriptions": [
                        {
                            "event_type": "note.created",
                            "filter": {
                                "$or": [{"field": "parent_object_id", "operator": "equals", "value": "x"}]
                            },
                        }
                    ]
                }
            },
        ),
    ),
    ("DELETE", "/v2/webhooks/{webhook_id}", lambda c, s: c.delete(f"/v2/webhooks/{s['webhook']}")),
    (
        "DELETE",
        "/v2/objects/{object}/records/{record_id}",
        lambda c, s: c.delete(f"/v2/objects/people/records/{s['person']}"),
    ),
]

# Ids kept from answers for later steps: state key <- (step, how to read the id from the body).
KEEP: dict[tuple[str, str], tuple[str, Callable[[Any], str]]] = {
    ("POST", "/v2/objects/{object}/records"): ("person", lambda b: b["data"]["id"]["record_id"]),
    ("POST", "/v2/lists/{list}/entries"): ("entry", lambda b: b["data"]["id"]["entry_id"]),
    ("POST", "/v2/notes"): ("note", lambda b: b["data"]["id"]["note_id"]),
    ("POST", "/v2/tasks"): ("task", lambda b: b["data"]["id"]["task_id"]),
    ("POST", "/v2/comments"): ("comment", lambda b: b["data"]["id"]["comment_id"]),
    ("POST", "/v2/meetings"): ("meeting", lambda b: b["data"]["id"]["meeting_id"]),
    ("POST", "/v2/meetings/{meeting_id}/call_recordings"): (
        "recording",
        lambda b: b["data"]["id"]["call_recording_id"],
    ),
    ("POST", "/v2/files/upload"): ("file", lambda b: b["data"]["id"]["file_id"]),
    ("POST", "/scim/v2/Users"): ("user", lambda b: b["id"]),
    ("POST", "/scim/v2/Groups"): ("group", lambda b: b["id"]),
    ("POST", "/v2/webhooks"): ("webhook", lambda b: b["data"]["id"]["webhook_id"]),
}


@pytest.fixture(scope="module")
def attio_sandbox() -> Iterator[SandboxHandle]:
    with start_sandbox(":memory:") as handle:
        yield handle


@pytest.fixture(scope="module")
def attio(attio_sandbox: SandboxHandle) -> Iterator[httpx.Client]:
    headers = {"authorization": f"Bearer {auth.sandbox_token()}"}
    with httpx.Client(base_url=attio_sandbox.base_url, headers=headers, timeout=10) as client:
        yield client


def test_the_sandbox_serves_exactly_the_documented_operations() -> None:
    assert sorted(served_operations()) == sorted(operations())
    assert len(served_operations()) == 83


def test_the_check_table_covers_every_served_operation() -> None:
    assert {(m, p) for m, p, _ in STEPS} == set(served_operations())


def test_every_operation_answers_as_documented(attio: httpx.Client) -> None:
    state: dict[str, Any] = {}
    failures = []
    for method, path, call in STEPS:
        response = call(attio, state)
        documented = documented_statuses(method, path)
        success = next(s for s in sorted(documented) if s < 400)
        if response.status_code != success:
            failures.append(f"{method} {path}: HTTP {response.status_code} {response.text[:300]}")
            continue
        body = response.json() if response.content else {}
        try:
            validate(body, method, path, response.status_code)
        except Exception as exc:  # jsonschema.ValidationError, reported with its path
            failures.append(
                f"{method} {path}: {getattr(exc, 'message', exc)} at {list(getattr(exc, 'absolute_path', []))}"
            )
        if (method, path) in KEEP:
            key, read = KEEP[(method, path)]
            state[key] = read(body)
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(
    ("headers", "why"),
    [
        ({}, "no token"),
        ({"authorization": "Bearer not-the-sandbox-token"}, "wrong token"),
        ({"authorization": "Basic abc"}, "not bearer"),
    ],
)
def test_a_request_without_the_sandbox_token_is_refused_in_attios_shape(
    attio_sandbox: SandboxHandle, headers: dict[str, str], why: str
) -> None:
    answer = httpx.get(f"{attio_sandbox.base_url}/v2/objects", headers=headers)
    assert answer.status_code == 401, why
    assert answer.json() == {**answer.json(), "status_code": 401, "type": "auth_error"}
    assert set(answer.json()) == {"status_code", "type", "code", "message"}


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status", "code"),
    [
        (
            "GET",
            f"/v2/objects/people/records/{seeded_id('record', 'companies', 'Acme Logistics')}",
            {},
            404,
            "not_found",
        ),
        ("GET", "/v2/objects/people/records/not-a-uuid", {}, 404, "not_found"),
        ("GET", "/v2/objects/planets", {}, 404, "not_found"),
        ("POST", "/v2/objects/people/records", {"content": b"{not json"}, 400, "value_not_found"),
        (
            "POST",
            "/v2/objects/people/records",
            {"json": {"data": {"values": {"job_title": 42}}}},
            400,
            "value_not_found",
        ),
        (
            "POST",
            "/v2/objects/people/records/query",
            {"json": {"filter": {"no_such": 1}}},
            400,
            "filter_error",
        ),
        ("POST", "/v2/objects/people/records/query", {"json": {"limit": "many"}}, 400, "filter_error"),
        (
            "POST",
            "/v2/objects",
            {"json": {"data": {"api_slug": "people", "singular_noun": "P", "plural_noun": "Ps"}}},
            409,
            "slug_conflict",
        ),
        ("GET", "/v2/tasks", {"params": {"is_completed": "perhaps"}}, 400, "validation_type"),
        ("DELETE", "/v2/webhooks/00000000-0000-4000-8000-000000000000", {}, 404, "not_found"),
        ("PATCH", "/v2/self", {}, 405, "method_not_allowed"),
        ("GET", "/v2/nowhere", {}, 404, "not_found"),
    ],
)
def test_bad_requests_are_4xx_in_attios_shape(
    attio: httpx.Client, method: str, path: str, kwargs: dict[str, Any], status: int, code: str
) -> None:
    answer = attio.request(method, path, **kwargs)
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert set(body) == {"status_code", "type", "code", "message"} and body["code"] == code
    assert body["status_code"] == status and body["message"]


def test_a_new_call_recording_is_processing_and_then_completed(attio: httpx.Client) -> None:
    import time

    meeting = seeded_id("meeting", "fjord-proposal")
    time.sleep(1.1)  # an earlier test's recording may still hold the one-per-second budget
    made = attio.post(
        f"/v2/meetings/{meeting}/call_recordings", json={"data": {"video_url": "https://v.example/a.mp4"}}
    )
    assert made.status_code == 200, made.text
    recording = made.json()["data"]
    assert recording["status"] == "processing"
    path = f"/v2/meetings/{meeting}/call_recordings/{recording['id']['call_recording_id']}"
    assert attio.get(f"{path}/transcript").status_code == 400  # not ready yet
    again = attio.post(
        f"/v2/meetings/{meeting}/call_recordings", json={"data": {"video_url": "https://v.example/b.mp4"}}
    )
    assert again.status_code == 429 and again.headers["retry-after"] == "1"
    time.sleep(1.1)
    assert attio.get(path).json()["data"]["status"] == "completed"
    transcript = attio.get(f"{path}/transcript").json()["data"]
    assert transcript["transcript"] and transcript["raw_transcript"].startswith(
        "[sandbox: simulated transcript]"
    )


def test_a_default_value_fills_new_records_that_leave_it_out(attio: httpx.Client) -> None:
    made = attio.post("/v2/objects/contracts/attributes", json={"data": {
        "title": "Region", "description": None, "api_slug": "region", "type": "select", "is_required": False,
        "is_unique": False, "is_multiselect": False, "config": {}}})  # fmt: skip
    assert made.status_code == 200, made.text
    assert (
        attio.post(
            "/v2/objects/contracts/attributes/region/options", json={"data": {"title": "EMEA"}}
        ).status_code
        == 200
    )
    patched = attio.patch(
        "/v2/objects/contracts/attributes/region",
        json={"data": {"default_value": {"type": "static", "template": ["EMEA"]}}},
    )
    assert patched.status_code == 200, patched.text
    validate(patched.json(), "PATCH", "/v2/{target}/{identifier}/attributes/{attribute}", 200)
    record = attio.post(
        "/v2/objects/contracts/records", json={"data": {"values": {"name": "Default check"}}}
    ).json()["data"]
    assert [v["option"]["title"] for v in record["values"]["region"]] == ["EMEA"]
    chosen = attio.post(
        "/v2/objects/contracts/records", json={"data": {"values": {"name": "No default", "region": []}}}
    ).json()["data"]
    assert chosen["values"]["region"] == []
