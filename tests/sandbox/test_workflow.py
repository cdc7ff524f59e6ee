"""A sales workflow against the running sandbox, through Pipedrive's own paths and wire format."""

from __future__ import annotations

import httpx

from dealdesk_mcp.sandbox import SandboxHandle
from dealdesk_mcp.sandbox.fields import hash_key

SOURCE = hash_key("deal:source_channel")


def data(response: httpx.Response, status: int = 200) -> object:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["success"] is True
    return body["data"]


def test_seeded_company_is_there(api: httpx.Client) -> None:
    me = data(api.get("/api/v1/users/me"))
    assert me["is_you"] is True and me["company_name"]
    pipelines = data(api.get("/api/v2/pipelines"))
    assert len(pipelines) >= 2
    assert len(data(api.get("/api/v2/stages"))) >= 6
    assert len(data(api.get("/api/v2/deals", params={"limit": 500}))) >= 45
    assert len(data(api.get("/api/v2/persons", params={"limit": 500}))) >= 35
    assert len(data(api.get("/api/v2/organizations"))) >= 12
    assert len(data(api.get("/api/v2/activities"))) >= 25
    assert data(api.get("/api/v1/leads"))
    assert data(api.get("/api/v2/products"))


def test_deal_lifecycle(api: httpx.Client) -> None:
    org = data(api.post("/api/v2/organizations", json={"name": "Sandbox Test GmbH"}))
    person = data(
        api.post(
            "/api/v2/persons",
            json={
                "name": "Ada Tester",
                "org_id": org["id"],
                "emails": [{"value": "ada@test.example", "primary": True}],
            },
        )
    )
    assert person["org_id"] == org["id"] and person["first_name"] == "Ada"

    deal = data(
        api.post(
            "/api/v2/deals",
            json={"title": "Pilot", "value": 5000, "person_id": person["id"], "org_id": org["id"]},
        )
    )
    assert deal["status"] == "open" and deal["stage_id"] and deal["pipeline_id"]
    assert SOURCE in deal["custom_fields"]  # v2 nests custom fields, unset ones are null
    assert all(len(key) == 40 for key in deal["custom_fields"])

    activity = data(
        api.post(
            "/api/v2/activities",
            json={"subject": "Kick-off", "type": "call", "deal_id": deal["id"], "due_date": "2030-01-02"},
        )
    )
    assert activity["deal_id"] == deal["id"] and activity["person_id"] == person["id"]
    note = data(
        api.post("/api/v1/notes", json={"content": "<p>First call went well</p>", "deal_id": deal["id"]})
    )
    assert note["deal"] == {"title": "Pilot"}
    assert [n["id"] for n in data(api.get("/api/v1/notes", params={"deal_id": deal["id"]}))] == [note["id"]]
    assert [a["id"] for a in data(api.get("/api/v2/activities", params={"deal_id": deal["id"]}))] == [
        activity["id"]
    ]

    # move the deal through its pipeline's stages
    stages = sorted(
        data(api.get("/api/v2/stages", params={"pipeline_id": deal["pipeline_id"]})),
        key=lambda s: s["order_nr"],
    )
    for stage in stages[1:3]:
        moved = data(api.patch(f"/api/v2/deals/{deal['id']}", json={"stage_id": stage["id"]}))
        assert moved["stage_id"] == stage["id"] and moved["stage_change_time"]
    won = data(api.patch(f"/api/v2/deals/{deal['id']}", json={"status": "won"}))
    assert won["status"] == "won" and won["won_time"] and won["close_time"]

    # custom field update: enum takes an option id
    field = data(api.get(f"/api/v2/dealFields/{SOURCE}"))
    option = field["options"][1]["id"]
    updated = data(api.patch(f"/api/v2/deals/{deal['id']}", json={"custom_fields": {SOURCE: option}}))
    assert updated["custom_fields"][SOURCE] == option
    bad = api.patch(f"/api/v2/deals/{deal['id']}", json={"custom_fields": {SOURCE: 999999}})
    assert bad.status_code == 400 and bad.json()["success"] is False
    only = data(api.get(f"/api/v2/deals/{deal['id']}", params={"custom_fields": SOURCE}))
    assert only["custom_fields"] == {SOURCE: option}
    counted = data(
        api.get(f"/api/v2/deals/{deal['id']}", params={"include_fields": "notes_count,activities_count"})
    )
    assert counted["notes_count"] == 1 and counted["activities_count"] == 1

    assert data(api.delete(f"/api/v2/deals/{deal['id']}")) == {"id": deal["id"]}
    assert api.get(f"/api/v2/deals/{deal['id']}").status_code == 404
    deleted = data(api.get("/api/v2/deals", params={"status": "deleted"}))
    assert deal["id"] in [d["id"] for d in deleted]


def test_file_upload_and_download(api: httpx.Client) -> None:
    payload = bytes(range(256)) * 40
    uploaded = data(
        api.post(
            "/api/v1/files", files={"file": ("quote.pdf", payload, "application/pdf")}, data={"deal_id": "1"}
        )
    )
    assert uploaded["deal_id"] == 1 and uploaded["file_size"] == len(payload) and uploaded["deal_name"]
    download = api.get(f"/api/v1/files/{uploaded['id']}/download")
    assert download.status_code == 200 and download.content == payload
    listed = data(api.get("/api/v1/deals/1/files"))
    assert uploaded["id"] in [f["id"] for f in listed]
    renamed = data(api.put(f"/api/v1/files/{uploaded['id']}", data={"name": "Quote v2"}))
    assert renamed["name"] == "Quote v2"
    linked = data(
        api.post(
            "/api/v1/files/remoteLink",
            data={
                "item_type": "deal",
                "item_id": "1",
                "remote_id": "abc123",
                "remote_location": "googledrive",
            },
        )
    )
    assert linked["remote_location"] == "googledrive" and linked["remote_id"] == "abc123"
    assert data(api.delete(f"/api/v1/files/{uploaded['id']}")) == {"id": uploaded["id"]}
    assert api.get(f"/api/v1/files/{uploaded['id']}/download").status_code == 404


def test_v2_cursor_pagination_walks_every_deal(api: httpx.Client) -> None:
    seen: list[int] = []
    cursor = None
    while True:
        params = {"limit": 7, **({"cursor": cursor} if cursor else {})}
        body = api.get("/api/v2/deals", params=params).json()
        seen += [d["id"] for d in body["data"]]
        cursor = body["additional_data"]["next_cursor"]
        if cursor is None:
            break
    everything = [d["id"] for d in data(api.get("/api/v2/deals", params={"limit": 500}))]
    assert seen == everything and len(seen) > 7


def test_v1_offset_pagination(api: httpx.Client) -> None:
    first = api.get("/api/v1/notes", params={"start": 0, "limit": 5}).json()
    block = first["additional_data"]["pagination"]
    assert block == {"start": 0, "limit": 5, "more_items_in_collection": True, "next_start": 5}
    second = api.get("/api/v1/notes", params={"start": block["next_start"], "limit": 5}).json()
    assert not {n["id"] for n in first["data"]} & {n["id"] for n in second["data"]}
    leads = api.get("/api/v1/leads", params={"limit": 3}).json()
    assert leads["additional_data"] == {"start": 0, "limit": 3, "more_items_in_collection": True}


def test_search(api: httpx.Client) -> None:
    found = data(api.get("/api/v2/organizations/search", params={"term": "acme"}))
    assert found["items"][0]["item"]["name"] == "Acme Logistics"
    assert api.get("/api/v2/persons/search", params={"term": "a"}).status_code == 400


def test_errors(sandbox: SandboxHandle, api: httpx.Client) -> None:
    missing = api.get("/api/v2/deals/999999")
    assert missing.status_code == 404 and missing.json()["success"] is False and missing.json()["error"]
    assert api.get("/api/v1/goals/find").status_code == 200  # every documented operation is served
    assert api.put("/api/v2/deals/1", json={}).status_code == 405  # v2 updates deals with PATCH
    invalid = api.post("/api/v2/deals", json={"value": 3})
    assert invalid.status_code == 400 and "title" in invalid.json()["error"]
    anonymous = httpx.get(f"{sandbox.base_url}/api/v2/deals")
    assert anonymous.status_code == 401 and anonymous.json()["errorCode"] == 401
    wrong = httpx.get(f"{sandbox.base_url}/api/v2/deals", headers={"Authorization": "Bearer x"})
    assert wrong.status_code == 401 and wrong.json()["errorCode"] == 401


def test_field_catalogue_writes(api: httpx.Client) -> None:
    created = data(
        api.post(
            "/api/v2/personFields",
            json={"field_name": "Tier", "field_type": "enum", "options": [{"label": "A"}, {"label": "B"}]},
        )
    )
    code = created["field_code"]
    assert len(code) == 40 and [o["label"] for o in created["options"]] == ["A", "B"]
    added = data(api.post(f"/api/v2/personFields/{code}/options", json=[{"label": "C"}]))
    assert [o["label"] for o in added] == ["C"]
    person = data(api.patch("/api/v2/persons/1", json={"custom_fields": {code: added[0]["id"]}}))
    assert person["custom_fields"][code] == added[0]["id"]
    assert data(api.delete(f"/api/v2/personFields/{code}"))["field_code"] == code
    assert code not in data(api.get("/api/v2/persons/1"))["custom_fields"]
    lead_fields = data(api.get("/api/v1/leadFields"))
    assert SOURCE in [f["key"] for f in lead_fields]
