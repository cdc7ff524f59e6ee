"""Issue 16, item 1: a custom field whose name equals a standard key (id, title, owner_id) replaced it —
`get_lead` on lead A showed lead B's id. Named custom fields never shadow a standard key: they live under
`custom_fields` in objects, and a table gives a clashing one its container's name."""

from __future__ import annotations

import hashlib
import json

from tests.conftest import connect, make_settings, records, text_of
from tests.standin import Recorded, Reply


def key(name: str) -> str:
    return hashlib.sha1(name.encode()).hexdigest()


FIELDS = [
    {"key": "id", "name": "ID", "field_type": "int"},
    {"key": "title", "name": "Title", "field_type": "varchar"},
    {"key": key("id"), "name": "id", "field_type": "int"},
    {"key": key("title"), "name": "title", "field_type": "varchar"},
    {"key": key("owner_id"), "name": "owner_id", "field_type": "varchar"},
    {"key": key("Region"), "name": "Region", "field_type": "varchar"},
]
A = "adf21080-0e10-11eb-879b-05d71fb426ec"
B = "bdf21080-0e10-11eb-879b-05d71fb426ec"


def lead(ident: str, with_custom: bool) -> dict:
    body = {"id": ident, "title": f"Lead {ident[:2]}", "owner_id": 7}
    if with_custom:
        body |= {key("id"): 99, key("title"): "Imposter", key("owner_id"): "someone", key("Region"): "EMEA"}
    return body


def crm(request: Recorded) -> Reply:
    if request.path == "/api/v2/dealFields":  # leads carry the deal fields, read through v2
        data = [
            {"field_code": f["key"], "field_name": f["name"], "field_type": f["field_type"]} for f in FIELDS
        ]
        return Reply(body={"success": True, "data": data, "additional_data": {"next_cursor": None}})
    if request.path == f"/api/v1/leads/{A}":
        return Reply(body={"success": True, "data": lead(A, True)})
    if request.path == "/api/v1/leads":
        items = [lead(A, True), lead(B, False), lead(A[:-1] + "f", True)]
        return Reply(
            body={"success": True, "data": items, "additional_data": {"more_items_in_collection": False}}
        )
    return Reply(404, {"success": False, "error": "no"})


async def test_a_lead_keeps_its_own_id_title_and_owner_beside_same_named_custom_fields(standin, tmp_path):
    standin.reply_with(crm)
    async with connect(make_settings(standin, tmp_path)) as client:
        one = json.loads(text_of(await client.call_tool("get_lead", {"id": A})))["data"]
    assert (one["id"], one["title"], one["owner_id"]) == (A, "Lead ad", 7)
    assert one["custom_fields"] == {"id": 99, "title": "Imposter", "owner_id": "someone", "Region": "EMEA"}


async def test_in_a_table_every_lead_keeps_its_id_even_without_the_custom_value(standin, tmp_path):
    standin.reply_with(crm)
    async with connect(make_settings(standin, tmp_path)) as client:
        answer = json.loads(text_of(await client.call_tool("get_leads", {})))
    table = answer["data"]
    assert "id" in table["columns"] and "custom_fields.id" in table["columns"]
    rows = records(answer)
    assert [r["id"] for r in rows] == [A, B, A[:-1] + "f"]  # B has no custom value and still has its id
    assert rows[0]["custom_fields.id"] == 99 and rows[0]["title"] == "Lead ad"
    assert rows[0]["Region"] == "EMEA"  # a name that clashes with nothing stays plain
