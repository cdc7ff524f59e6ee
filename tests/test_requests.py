"""What goes over the wire: one call per request shape against a real loopback server, asserted exactly."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

import pytest
from mcp.shared.exceptions import MCPError
from mcp_types.jsonrpc import INVALID_PARAMS

from dealdesk_mcp.catalog import load_catalog
from tests.conftest import ATTIO_KEY, TOKEN, connect, list_all_tools, make_settings, text_of
from tests.standin import Reply


async def call(standin, tmp_path, tool, args, **env):
    async with connect(make_settings(standin, tmp_path, **env)) as client:
        return await client.call_tool(tool, args)


async def test_get_with_path_and_query(standin, tmp_path):
    arguments = {"id": 42, "include_fields": ["notes_count", "files_count"]}
    result = await call(standin, tmp_path, "get_deal", arguments)
    assert not result.is_error, text_of(result)
    (sent,) = standin.requests
    # A list of values goes out comma-joined, as the API reads it.
    assert (sent.method, sent.path, sent.query) == (
        "GET",
        "/api/v2/deals/42",
        [("include_fields", "notes_count,files_count")],
    )
    assert sent.headers["x-api-token"] == TOKEN
    assert "authorization" not in sent.headers
    assert TOKEN not in sent.path + json.dumps(sent.query)


async def test_post_json_body(standin, tmp_path):
    args = {"title": "Roof repair", "value": 1200.5, "currency": "EUR", "label_ids": [3, 4]}
    result = await call(standin, tmp_path, "add_deal", args)
    assert not result.is_error, text_of(result)
    (sent,) = standin.requests
    assert (sent.method, sent.path, sent.query) == ("POST", "/api/v2/deals", [])
    assert sent.headers["content-type"] == "application/json"
    assert sent.json == args


async def test_patch_v2_sends_only_given_fields_and_explicit_nulls(standin, tmp_path):
    result = await call(standin, tmp_path, "update_deal", {"id": 7, "stage_id": 3, "probability": None})
    assert not result.is_error, text_of(result)
    (sent,) = standin.requests
    assert (sent.method, sent.path) == ("PATCH", "/api/v2/deals/7")
    assert sent.json == {"stage_id": 3, "probability": None}


async def test_delete(standin, tmp_path):
    result = await call(standin, tmp_path, "delete_deal", {"id": 9})
    assert not result.is_error, text_of(result)
    (sent,) = standin.requests
    assert (sent.method, sent.path, sent.body) == ("DELETE", "/api/v2/deals/9", b"")


async def test_form_urlencoded_body(standin, tmp_path):
    args = {"item_type": "deal", "item_id": 5, "remote_id": "abc", "remote_location": "googledrive"}
    result = await call(standin, tmp_path, "link_file_to_item", args)
    assert not result.is_error, text_of(result)
    (sent,) = standin.requests
    assert (sent.method, sent.path) == ("POST", "/api/v1/files/remoteLink")
    assert sent.headers["content-type"] == "application/x-www-form-urlencoded"
    assert parse_qsl(sent.body.decode()) == [
        ("item_type", "deal"),
        ("item_id", "5"),
        ("remote_id", "abc"),
        ("remote_location", "googledrive"),
    ]


async def test_multipart_upload(standin, tmp_path):
    (tmp_path / "notes.txt").write_bytes(b"hello\n")
    result = await call(standin, tmp_path, "add_file", {"path": "notes.txt", "deal_id": 3})
    assert not result.is_error, text_of(result)
    (sent,) = standin.requests
    assert (sent.method, sent.path) == ("POST", "/api/v1/files")
    content_type = sent.headers["content-type"]
    assert content_type.startswith("multipart/form-data; boundary=")
    boundary = content_type.split("boundary=")[1].encode()
    assert sent.body == (
        b"--" + boundary + b'\r\nContent-Disposition: form-data; name="deal_id"\r\n\r\n3\r\n'
        b"--" + boundary + b'\r\nContent-Disposition: form-data; name="file"; filename="notes.txt"\r\n'
        b"Content-Type: text/plain\r\n\r\nhello\n\r\n--" + boundary + b"--\r\n"
    )


async def test_query_arrays_follow_each_parameters_style(standin, tmp_path):
    async with connect(make_settings(standin, tmp_path)) as client:
        await client.call_tool("get_deals_products", {"deal_ids": [1, 2, 3]})  # style form, explode false
        await client.call_tool("get_installments", {"deal_ids": [1, 2]})  # default: repeated keys
    comma, repeated = standin.requests
    assert comma.query == [("deal_ids", "1,2,3")]
    assert repeated.query == [("deal_ids", "1"), ("deal_ids", "2")]


async def test_dotted_parameter_names_go_out_as_documented(standin, tmp_path):
    result = await call(standin, tmp_path, "get_goals", {"type.name": "deals_won", "is_active": True})
    assert not result.is_error, text_of(result)
    (sent,) = standin.requests
    assert sent.path == "/api/v1/goals/find"
    assert sent.args == {"type.name": "deals_won", "is_active": "true"}


async def test_attio_sends_bearer_and_unwrapped_fields_go_inside_data(standin, tmp_path):
    args = {"object": "people", "values": {"name": ["Ada"]}}
    result = await call(standin, tmp_path, "attio_create_record", args)
    assert not result.is_error, text_of(result)
    (sent,) = standin.requests
    assert (sent.method, sent.path) == ("POST", "/v2/objects/people/records")
    assert sent.headers["authorization"] == f"Bearer {ATTIO_KEY}"
    assert "x-api-token" not in sent.headers
    assert sent.json == {"data": {"values": {"name": ["Ada"]}}}


async def test_success_answer_is_text_and_structured(standin, tmp_path):
    standin.reply_with(
        lambda r: Reply(body={"success": True, "data": {"id": 42, "title": "A", "org_id": None}})
    )
    result = await call(standin, tmp_path, "get_deal", {"id": 42})
    assert json.loads(text_of(result)) == {"data": {"id": 42, "title": "A"}}
    assert result.structured_content == {"data": {"id": 42, "title": "A"}}


@pytest.mark.parametrize(
    ("tool", "args", "expected"),
    [
        ("get_deal", {"id": "seven"}, ["id:", "valid integer", '"seven"']),
        ("get_deal", {}, ["id: required"]),
        ("add_deal", {"value": 3}, ["title: required"]),
        ("get_deals", {"status": ["pending"]}, ["status.0:", "'open'", "'won'"]),
        ("get_deals", {"colour": "red"}, ["colour: not an argument of get_deals", "Valid arguments:"]),
        ("update_deal", {"id": 1, "stage_id": None}, ["stage_id:", "null is not accepted"]),
        ("add_deal", {"title": "x", "label_ids": ["a"]}, ["label_ids.0:"]),
    ],
)
async def test_bad_arguments_name_the_field_and_send_nothing(standin, tmp_path, tool, args, expected):
    result = await call(standin, tmp_path, tool, args)
    assert result.is_error
    message = text_of(result)
    assert message.startswith(f"Invalid arguments for {tool}; nothing was sent")
    for part in expected:
        assert part in message
    assert standin.requests == []


async def test_unknown_tool_is_the_protocol_error_with_a_hint(standin, tmp_path):
    # The specification's answer to a tool that does not exist: JSON-RPC "invalid params", not a result.
    async with connect(make_settings(standin, tmp_path)) as client:
        with pytest.raises(MCPError) as refused:
            await client.call_tool("get_deeals", {})
    assert refused.value.code == INVALID_PARAMS
    assert "Unknown tool 'get_deeals'" in refused.value.message
    assert "get_deals" in refused.value.message
    assert standin.requests == []


async def test_missing_token_still_lists_and_says_which_variable(standin, tmp_path):
    settings = make_settings(standin, tmp_path, PIPEDRIVE_API_TOKEN="", ATTIO_API_KEY="")
    async with connect(settings) as client:
        listed = await list_all_tools(client)
        assert sum(t.name in load_catalog().tools for t in listed) == 398  # and the server's own
        result = await client.call_tool("get_deals", {})
        attio = await client.call_tool("attio_list_objects", {})
    assert result.is_error and "PIPEDRIVE_API_TOKEN" in text_of(result)
    assert attio.is_error and "ATTIO_API_KEY" in text_of(attio)
    assert standin.requests == []


async def test_http_error_carries_status_and_the_apis_message(standin, tmp_path):
    standin.reply_with(
        lambda r: Reply(404, {"success": False, "error": "Deal not found", "error_info": "Check the id"})
    )
    result = await call(standin, tmp_path, "get_deal", {"id": 5})
    assert result.is_error
    message = text_of(result)
    assert "HTTP 404" in message and "Deal not found" in message and "GET /api/v2/deals/5" in message
    assert TOKEN not in message


async def test_company_domain_sets_the_origin():
    from dealdesk_mcp.config import Settings

    settings = Settings.from_env({"PIPEDRIVE_COMPANY_DOMAIN": "acme"})
    assert settings.pipedrive_origin == "https://acme.pipedrive.com"
    assert Settings.from_env({}).pipedrive_origin == "https://api.pipedrive.com"
