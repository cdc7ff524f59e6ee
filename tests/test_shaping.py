"""Small answers: named custom fields, tables, caps, raw mode, and rate limits (issue 4's checks)."""

from __future__ import annotations

import json

from tests.conftest import connect, make_settings, records, text_of
from tests.crm_data import CUSTOM_FIELDS, deal_fields_answer, deals_page, field_key
from tests.standin import Recorded, Reply

TOTAL = 1000


def crm(request: Recorded) -> Reply:
    if request.path == "/api/v2/dealFields":
        return Reply(body=deal_fields_answer())
    if request.path == "/api/v2/deals":
        start = int(request.args.get("cursor") or 0)
        return Reply(body=deals_page(start, int(request.args.get("limit") or 100), TOTAL))
    return Reply(404, {"success": False, "error": "not here"})


async def test_a_page_of_100_deals_is_small_named_and_keeps_every_id(standin, tmp_path):
    standin.reply_with(crm)
    async with connect(make_settings(standin, tmp_path)) as client:
        result = await client.call_tool("get_deals", {"limit": 100})
    raw = json.dumps(deals_page(0, 100, TOTAL), separators=(",", ":"))
    text = text_of(result)
    assert len(text) <= 0.35 * len(raw), (len(text), len(raw))
    deals = records(json.loads(text))
    assert [d["id"] for d in deals] == list(range(1, 101))
    # In a table, custom fields become named columns (monetary values: amount and currency columns).
    fourth = deals[3]
    assert {k: fourth[k] for k in fourth if k[0].isupper()} == {
        "Region": "EMEA",
        "Lead source": "Web form",
        "Contract value": 5004,
        "Contract value currency": "EUR",
        "Products of interest": ["CRM", "Phone"],
        "Health score": 0.7,
    }
    assert field_key("Region") not in text
    # The field list is read once and cached for the session.
    assert [r.path for r in standin.requests] == ["/api/v2/deals", "/api/v2/dealFields"]


async def test_walking_1000_deals_returns_each_id_once(standin, tmp_path):
    standin.reply_with(crm)
    async with connect(make_settings(standin, tmp_path)) as client:
        result = await client.call_tool("get_deals", {"max_items": 1000})
    answer = json.loads(text_of(result))
    assert len(text_of(result)) <= 20_000
    shown = [d["id"] for d in records(answer)]
    assert shown == list(range(1, len(shown) + 1))
    with open(answer["cut"]["full_answer_file"], encoding="utf-8") as handle:
        everything = json.load(handle)["data"]
    assert sorted(d["id"] for d in everything) == list(range(1, TOTAL + 1))
    assert answer["cut"]["items_cut"] == TOTAL - len(shown)
    # The page summary is about what this answer shows: its next continues at the first item cut.
    assert answer["page"] == {
        "count": len(shown),
        "more": True,
        "pages": 2,
        "next": {"limit": 500, "skip": len(shown)},
    }


async def test_a_429_storm_then_success_yields_the_data(standin, tmp_path):
    replies = [Reply(429, {"success": False, "error": "Too many requests"}, {"retry-after": "0"})] * 3
    standin.reply_with(
        lambda r: replies.pop() if replies else Reply(body={"success": True, "data": {"id": 5}})
    )
    async with connect(make_settings(standin, tmp_path)) as client:
        result = await client.call_tool("get_deal", {"id": 5})
        info = json.loads(text_of(await client.call_tool("get_session_info", {})))
    assert not result.is_error, text_of(result)
    assert json.loads(text_of(result)) == {"data": {"id": 5}}
    assert len([r for r in standin.requests if r.path == "/api/v2/deals/5"]) == 4
    assert info["retries"] == 3


async def test_raw_returns_the_answer_untouched(standin, tmp_path):
    standin.reply_with(crm)
    async with connect(make_settings(standin, tmp_path)) as client:
        result = await client.call_tool("get_deals", {"limit": 3, "raw": True})
    answer = json.loads(text_of(result))
    # The API's whole answer sits under data (it is CRM content); the page summary is the server's.
    assert answer["data"] == deals_page(0, 3, TOTAL)
    assert answer["page"]["next"] == {"cursor": "3"}


async def test_custom_fields_are_written_by_name_and_option_label(standin, tmp_path):
    standin.reply_with(
        lambda r: crm(r) if r.method == "GET" else Reply(body={"success": True, "data": {"id": 9}})
    )
    args = {
        "title": "Big one",
        "custom_fields": {"region": "EMEA", "Lead source": "Fair", "Products of interest": ["Phone"]},
    }
    async with connect(make_settings(standin, tmp_path)) as client:
        result = await client.call_tool("add_deal", args)
    assert not result.is_error, text_of(result)
    sent = standin.requests[-1]
    assert sent.json == {
        "title": "Big one",
        "custom_fields": {
            field_key("Region"): 11,
            field_key("Lead source"): "Fair",
            field_key("Products of interest"): [22],
        },
    }


async def test_an_unknown_custom_field_name_lists_close_matches_and_sends_nothing(standin, tmp_path):
    standin.reply_with(crm)
    async with connect(make_settings(standin, tmp_path)) as client:
        result = await client.call_tool("add_deal", {"title": "x", "custom_fields": {"Regoin": "EMEA"}})
    assert result.is_error
    assert "no custom field named 'Regoin'" in text_of(result)
    assert "Close matches: Region" in text_of(result)
    assert [r.method for r in standin.requests] == ["GET"]  # only the field list was read


async def test_embedded_related_objects_shrink_to_id_and_name(standin, tmp_path):
    person = {
        "id": 3,
        "name": "Ada",
        "owner_id": {
            "id": 9,
            "name": "Sam",
            "email": "sam@example.com",
            "has_pic": 0,
            "active_flag": True,
            "value": 9,
        },
        "org_id": {"name": "Acme", "people_count": 4, "owner_id": 9, "address": None, "value": 12},
        "email": [{"label": "work", "value": "ada@example.com", "primary": True}],
        "notes": "",
        "phone": [],
    }
    standin.reply_with(lambda r: Reply(body={"success": True, "data": person}))
    async with connect(make_settings(standin, tmp_path)) as client:
        result = await client.call_tool("get_note", {"id": 3})
    assert json.loads(text_of(result))["data"] == {
        "id": 3,
        "name": "Ada",
        "owner_id": {"id": 9, "name": "Sam"},
        "org_id": {"id": 12, "name": "Acme"},
        "email": [{"label": "work", "value": "ada@example.com", "primary": True}],
    }


async def test_single_answers_over_the_cap_are_cut_with_a_file(standin, tmp_path):
    big = {"id": 1, "content": "x" * 50_000}
    standin.reply_with(lambda r: Reply(body={"success": True, "data": big}))
    async with connect(make_settings(standin, tmp_path, PIPEDRIVE_MAX_ANSWER_CHARS="4000")) as client:
        result = await client.call_tool("get_note", {"id": 1})
    answer = json.loads(text_of(result))
    assert len(text_of(result)) <= 4000
    assert "over the 4000 limit" in answer["cut"]["note"]
    with open(answer["cut"]["full_answer_file"], encoding="utf-8") as handle:
        assert json.load(handle)["data"] == big


async def test_session_info_counts_calls_and_api_token_cost(standin, tmp_path):
    standin.reply_with(
        lambda r: Reply(
            body={"success": True, "data": {"id": 1, "name": "Me", "email": "me@example.com"}},
            headers={"x-ratelimit-remaining": "79", "x-ratelimit-limit": "80"},
        )
    )
    async with connect(make_settings(standin, tmp_path, PIPEDRIVE_TOOLSETS="deals")) as client:
        await client.call_tool("get_deal", {"id": 1})  # x-token-cost 1
        await client.call_tool("get_deals", {})  # x-token-cost 10
        info = json.loads(text_of(await client.call_tool("get_session_info", {})))
    assert info["api_token_cost"] >= 11
    assert info["calls"] >= 2
    assert info["rate_limit_last_seen"]["remaining"] == "79"
    assert info["toolsets"] == ["deals"]
    assert info["user"]["name"] == "Me"
    assert len(CUSTOM_FIELDS) == 8


async def test_a_cut_page_still_names_every_id(standin, tmp_path):
    standin.reply_with(crm)
    async with connect(make_settings(standin, tmp_path, PIPEDRIVE_MAX_ANSWER_CHARS="8000")) as client:
        result = await client.call_tool("get_deals", {"limit": 100})
    answer = json.loads(text_of(result))
    assert len(text_of(result)) <= 8000
    shown = [d["id"] for d in records(answer)]
    assert 0 < len(shown) < 100
    assert shown + answer["cut"]["ids_cut"] == list(range(1, 101))
    assert answer["cut"]["items_cut"] == 100 - len(shown)


async def test_a_page_whose_first_record_alone_is_over_the_cap_keeps_the_page_in_a_file(standin, tmp_path):
    def long_notes(request: Recorded) -> Reply:
        if request.path == "/api/v2/dealFields":
            return Reply(body=deal_fields_answer())
        page = deals_page(0, 5, 5)
        for deal in page["data"]:
            deal["custom_fields"][field_key("Account manager notes")] = f"note {deal['id']} " + "x" * 6000
        return Reply(body=page)

    standin.reply_with(long_notes)
    async with connect(make_settings(standin, tmp_path, PIPEDRIVE_MAX_ANSWER_CHARS="4000")) as client:
        result = await client.call_tool("get_deals", {"limit": 5})
    answer = json.loads(text_of(result))
    assert "first item alone is over the answer cap" in answer["cut"]["note"]
    assert answer["cut"]["items_shown"] == 0 and answer["page"]["next"]["skip"] == 1
    with open(answer["cut"]["full_answer_file"], encoding="utf-8") as handle:
        saved = json.load(handle)["data"]
    # The records as shaped (named custom fields, labels), not the API's raw ones.
    assert [d["id"] for d in saved] == [1, 2, 3, 4, 5]
    assert saved[0]["custom_fields"]["Account manager notes"].startswith("note 1 ")
    assert saved[1]["custom_fields"]["Region"] == "EMEA"
