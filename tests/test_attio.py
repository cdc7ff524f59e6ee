"""Attio on the same engine: small record answers, its error shape, and its wire format."""

from __future__ import annotations

import json

from tests.conftest import ATTIO_KEY, connect, make_settings, records, text_of
from tests.crm_data import attio_person
from tests.standin import Reply

TASK = "5b3e9d7c-1a2b-4c3d-8e9f-0a1b2c3d4e5f"
NOTE = "7c4f0e8d-2b3c-4d5e-9f0a-1b2c3d4e5f60"


async def test_a_25_record_page_comes_back_small_with_current_values(standin, tmp_path):
    page = {"data": [attio_person(i) for i in range(25)]}
    standin.reply_with(lambda r: Reply(body=page))
    async with connect(make_settings(standin, tmp_path)) as client:
        result = await client.call_tool("attio_list_records", {"object": "people", "limit": 25})
    raw = json.dumps(page, separators=(",", ":"))
    text = text_of(result)
    assert len(text) <= 0.35 * len(raw), (len(text), len(raw))
    people = records(json.loads(text))
    assert [p["id"]["record_id"] for p in people] == [f"bf071e1f-6035-429d-b874-{i:012d}" for i in range(25)]
    assert people[3]["name"] == "Ada Lovelace 3"
    assert people[3]["email_addresses"] == "ada3@example.com"
    assert people[3]["stage"] == "Qualified"
    assert people[3]["company"] == {
        "target_object": "companies",
        "target_record_id": "a1b2c3d4-0000-4000-8000-000000000003",
    }


async def test_raw_keeps_attios_versioned_values(standin, tmp_path):
    record = attio_person(1)
    standin.reply_with(lambda r: Reply(body={"data": record}))
    async with connect(make_settings(standin, tmp_path)) as client:
        result = await client.call_tool(
            "attio_get_record",
            {"object": "people", "record_id": "bf071e1f-6035-429d-b874-000000000001", "raw": True},
        )
    assert json.loads(text_of(result))["data"] == {"data": record}  # the API's answer, untouched


async def test_attio_errors_are_clear_and_keep_their_code(standin, tmp_path):
    body = {
        "status_code": 404,
        "type": "invalid_request_error",
        "code": "not_found",
        "message": "Record not found.",
    }
    standin.reply_with(lambda r: Reply(404, body))
    async with connect(make_settings(standin, tmp_path)) as client:
        result = await client.call_tool(
            "attio_get_record", {"object": "people", "record_id": "bf071e1f-6035-429d-b874-0000000000ff"}
        )
    assert result.is_error
    message = text_of(result)
    assert "HTTP 404" in message and "[not_found]" in message and "Record not found." in message
    assert ATTIO_KEY not in message


async def test_attio_requests_by_shape(standin, tmp_path):
    async with connect(make_settings(standin, tmp_path)) as client:
        await client.call_tool("attio_list_webhooks", {"limit": 5, "offset": 10})
        await client.call_tool("attio_update_task", {"task_id": TASK, "is_completed": True})
        await client.call_tool(
            "attio_assert_record",
            {"object": "companies", "matching_attribute": "domains", "values": {"domains": ["acme.com"]}},
        )
        await client.call_tool("attio_delete_note", {"note_id": NOTE})
    listed, patched, asserted, deleted = standin.requests
    assert (listed.method, listed.path, listed.query) == (
        "GET",
        "/v2/webhooks",
        [("limit", "5"), ("offset", "10")],
    )
    assert (patched.method, patched.path, patched.json) == (
        "PATCH",
        f"/v2/tasks/{TASK}",
        {"data": {"is_completed": True}},
    )
    assert (asserted.method, asserted.path, asserted.args) == (
        "PUT",
        "/v2/objects/companies/records",
        {"matching_attribute": "domains"},
    )
    assert asserted.json == {"data": {"values": {"domains": ["acme.com"]}}}
    assert (deleted.method, deleted.path) == ("DELETE", f"/v2/notes/{NOTE}")
    assert all(r.headers["authorization"] == f"Bearer {ATTIO_KEY}" for r in standin.requests)


async def test_attio_download_saves_to_the_folder(standin, tmp_path):
    standin.reply_with(lambda r: Reply(body=b"%PDF-1.7 ...", headers={"content-type": "application/pdf"}))
    async with connect(make_settings(standin, tmp_path)) as client:
        result = await client.call_tool(
            "attio_download_file", {"file_id": "6f0e0f7e-1111-4222-8333-444455556666"}
        )
    saved = json.loads(text_of(result))["saved"]
    assert saved["size"] == 12 and saved["content_type"] == "application/pdf"
    assert saved["path"].startswith(str(tmp_path / "downloads"))
