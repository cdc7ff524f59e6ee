"""Issue 16, item 12 (the engine's part): a same-origin 307 after a POST, very deep answers and a
malformed `expires_in` ended as internal errors instead of clear refusals."""

from __future__ import annotations

import json

from tests.conftest import connect, make_settings, text_of
from tests.standin import Reply


async def test_a_307_after_a_write_is_refused_clearly_and_not_replayed(standin, tmp_path):
    standin.reply_with(lambda r: Reply(307, b"", {"location": f"{standin.origin}/api/v2/deals/other"}))
    async with connect(make_settings(standin, tmp_path)) as client:
        result = await client.call_tool("add_deal", {"title": "x"})
    assert result.is_error
    assert "redirected a POST request (HTTP 307)" in text_of(result)
    assert [r.method for r in standin.requests] == ["POST"]  # the body was not sent again


async def test_a_very_deep_answer_is_a_clear_refusal(standin, tmp_path):
    deep = "[" * 5000 + "]" * 5000
    standin.reply_with(lambda r: Reply(200, ('{"success":true,"data":' + deep + "}").encode()))
    async with connect(make_settings(standin, tmp_path)) as client:
        result = await client.call_tool("get_deal", {"id": 1})
    assert result.is_error
    assert "inside the server" not in text_of(result)
    assert "not valid JSON" in text_of(result) or "nested too deeply" in text_of(result)


async def test_a_deep_but_readable_answer_is_shaped(standin, tmp_path):
    nested: dict = {"id": 1}
    for _ in range(300):
        nested = {"inner": nested}
    standin.reply_with(lambda r: Reply(body={"success": True, "data": {"id": 2, "tree": nested}}))
    async with connect(make_settings(standin, tmp_path)) as client:
        result = await client.call_tool("get_deal", {"id": 2})
    assert "inside the server" not in text_of(result)
    if not result.is_error:
        assert json.loads(text_of(result))["data"]["id"] == 2
