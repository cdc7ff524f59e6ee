"""Find-or-create: exact about what matched, never two records for one key, nothing made on ambiguity."""

from __future__ import annotations

from typing import Any

import anyio
import httpx
from mcp import Client

from dealdesk_mcp.app import build_server
from tests.conftest import connect, make_settings, text_of
from tests.standin import Recorded, Reply
from tests.workflows.conftest import answer, client_for, settings_for, walk_v2


class SlowNetwork(httpx.AsyncBaseTransport):
    """The real network, 50 ms slower each way: concurrent upserts' searches overlap, as they do
    against a CRM across the internet."""

    def __init__(self) -> None:
        self._inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await anyio.sleep(0.05)
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


def persons_with_email(api, email: str) -> list[dict[str, Any]]:
    found = api.get(
        "/api/v2/persons/search", params={"term": email, "fields": "email", "exact_match": "true"}
    )
    return [hit["item"] for hit in found.json()["data"]["items"]]


async def test_upsert_person_finds_by_email_and_creates_once_under_concurrency(sandbox, api, tmp_path):
    seeded = api.get("/api/v2/persons/1").json()["data"]
    email = seeded["emails"][0]["value"]
    outcomes: list[dict[str, Any]] = []
    server = build_server(settings_for(sandbox, tmp_path), transport=SlowNetwork())
    async with Client(server) as client:
        found = await answer(client, "upsert_person", {"email": email.upper(), "name": "Not Renamed"})

        async def upsert() -> None:
            arguments = {"email": "new.person@wf.example", "name": "New Person", "org_id": 3}
            outcomes.append(await answer(client, "upsert_person", arguments))

        async with anyio.create_task_group() as calls:
            for _ in range(3):
                calls.start_soon(upsert)
    assert found["outcome"] == "found" and found["data"]["id"] == 1
    assert found["data"]["name"] == seeded["name"]  # a found record is returned as it is
    assert found["match"]["on"] == {"email": email.upper()}
    assert sorted(o["outcome"] for o in outcomes) == ["created", "found", "found"]
    assert len({o["data"]["id"] for o in outcomes}) == 1
    (person,) = persons_with_email(api, "new.person@wf.example")
    stored = api.get(f"/api/v2/persons/{person['id']}").json()["data"]
    assert (stored["name"], stored["org_id"]) == ("New Person", 3)  # other arguments went to add_person


async def test_upsert_organization_matches_name_and_domain_and_refuses_ambiguity(sandbox, api, tmp_path):
    seeded = api.get("/api/v2/organizations/1").json()["data"]
    async with client_for(sandbox, tmp_path) as client:
        by_name = await answer(client, "upsert_organization", {"name": seeded["name"].lower()})
        by_domain = await answer(
            client, "upsert_organization", {"name": seeded["name"], "domain": seeded["website"] + "/about"}
        )
        elsewhere = await answer(
            client, "upsert_organization", {"name": seeded["name"], "domain": "acme-elsewhere.example"}
        )
        ambiguous = await answer(client, "upsert_organization", {"name": seeded["name"]})
    assert by_name["outcome"] == by_domain["outcome"] == "found"
    assert by_name["data"]["id"] == by_domain["data"]["id"] == 1
    assert (
        elsewhere["outcome"] == "created" and elsewhere["data"]["website"] == "https://acme-elsewhere.example"
    )
    assert ambiguous["outcome"] == "ambiguous"
    assert {c["id"] for c in ambiguous["data"]["candidates"]} == {1, elsewhere["data"]["id"]}
    same_name = [o for o in walk_v2(api, "/api/v2/organizations") if o["name"] == seeded["name"]]
    assert len(same_name) == 2  # the ambiguous call created nothing


async def test_upsert_deal_by_title_and_organization_or_by_a_custom_field(sandbox, api, tmp_path):
    deals = walk_v2(api, "/api/v2/deals")
    title, org_id = "Acme Logistics - Platform upgrade", 1
    twins = {d["id"] for d in deals if d["title"] == title and d["org_id"] == org_id}
    assert len(twins) == 2  # the seeded company has this pair
    async with client_for(sandbox, tmp_path) as client:
        ambiguous = await answer(client, "upsert_deal", {"title": title, "org_id": org_id})
        created = await answer(
            client, "upsert_deal", {"title": "Workflow pilot", "org_id": 2, "value": 1200, "currency": "EUR"}
        )
        again = await answer(client, "upsert_deal", {"title": "workflow PILOT", "org_id": 2})
        other_org = await answer(client, "upsert_deal", {"title": "Workflow pilot", "org_id": 3})
        keyed = {"key_field": "Main competitor", "custom_fields": {"Main competitor": "Zeta-4411"}}
        by_field = await answer(client, "upsert_deal", {"title": "Keyed deal", **keyed})
        by_field_again = await answer(client, "upsert_deal", {"title": "Renamed, same key", **keyed})
    assert ambiguous["outcome"] == "ambiguous"
    assert {c["id"] for c in ambiguous["data"]["candidates"]} == twins
    assert created["outcome"] == "created" and again["outcome"] == "found"
    assert again["data"]["id"] == created["data"]["id"]
    assert other_org["outcome"] == "created" and other_org["data"]["id"] != created["data"]["id"]
    stored = api.get(f"/api/v2/deals/{created['data']['id']}").json()["data"]
    assert (stored["value"], stored["currency"], stored["org_id"]) == (1200, "EUR", 2)
    assert by_field["outcome"] == "created" and by_field_again["outcome"] == "found"
    assert by_field_again["data"]["id"] == by_field["data"]["id"]
    assert by_field_again["match"]["on"] == {"Main competitor": "Zeta-4411"}
    assert len(walk_v2(api, "/api/v2/deals")) == len(deals) + 3


async def test_bad_upsert_input_is_refused_before_anything_is_sent(sandbox, api, tmp_path):
    async with client_for(sandbox, tmp_path) as client:
        bad_email = await client.call_tool("upsert_person", {"email": "not-an-email", "name": "X"})
        bad_field = await client.call_tool(
            "upsert_person", {"email": "valid@wf.example", "name": "X", "visible_to": 2}
        )
        no_key = await client.call_tool("upsert_deal", {"title": "T", "key_field": "Main competitor"})
    assert bad_email.is_error and "email: expected an email address" in text_of(bad_email)
    assert bad_field.is_error and "Invalid arguments for add_person" in text_of(bad_field)
    assert "visible_to" in text_of(bad_field)
    assert no_key.is_error and "custom_fields['Main competitor']" in text_of(no_key)
    assert persons_with_email(api, "valid@wf.example") == []


async def test_a_record_created_moments_ago_is_found_before_the_search_index_lists_it(standin, tmp_path):
    person = {"id": 77, "name": "Lag Test", "emails": [{"value": "lag@wf.example", "primary": True}]}

    def lagging_crm(request: Recorded) -> Reply:
        if request.path.endswith("/search"):  # the index has not caught up: it lists nothing yet
            return Reply(
                body={"success": True, "data": {"items": []}, "additional_data": {"next_cursor": None}}
            )
        return Reply(body={"success": True, "data": person})

    standin.reply_with(lagging_crm)
    async with connect(make_settings(standin, tmp_path)) as client:
        first = await answer(client, "upsert_person", {"email": "lag@wf.example", "name": "Lag Test"})
        second = await answer(client, "upsert_person", {"email": "LAG@wf.example", "name": "Lag Test"})
    assert (first["outcome"], second["outcome"]) == ("created", "found")
    assert second["data"]["id"] == 77 and "moments ago" in second["match"]["note"]
    assert [r.method for r in standin.requests].count("POST") == 1
