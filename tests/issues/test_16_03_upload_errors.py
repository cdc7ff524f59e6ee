"""Issue 16, item 3: every failed upload answered "add_file failed inside the server (ExceptionGroup)".
The API's status and message reach the agent as for every other call, for every upload tool."""

from __future__ import annotations

import pytest

from tests.conftest import connect, make_settings, text_of
from tests.standin import Reply

UPLOADS = [
    ("add_file", {"deal_id": 1}),
    ("add_person_picture", {"id": 1}),
    ("upload_product_image", {"id": 1}),
    ("update_product_image", {"id": 1}),
    ("add_call_log_audio_file", {"id": "7c5f2b1a"}),
    ("attio_upload_file", {"object": "people", "record_id": "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b"}),
]


@pytest.mark.parametrize(("status", "words"), [(404, "Deal not found"), (413, "too large"), (500, "broke")])
@pytest.mark.parametrize(("tool", "arguments"), UPLOADS)
async def test_an_upload_the_api_refuses_says_its_status_and_words(
    standin, tmp_path, tool, arguments, status, words
):
    (tmp_path / "picture.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 64)
    standin.reply_with(lambda r: Reply(status, {"success": False, "error": words}))
    async with connect(make_settings(standin, tmp_path)) as client:
        result = await client.call_tool(tool, {"path": "picture.png", **arguments})
    text = text_of(result)
    assert result.is_error
    assert f"HTTP {status}" in text and words in text, text
    assert "inside the server" not in text


async def test_an_unreachable_api_during_an_upload_is_a_clear_error(standin, tmp_path):
    (tmp_path / "a.txt").write_text("hello")
    settings = make_settings(
        standin, tmp_path, PIPEDRIVE_BASE_URL="http://127.0.0.1:9", PIPEDRIVE_MAX_RETRIES="1"
    )
    async with connect(settings) as client:
        result = await client.call_tool("add_file", {"path": "a.txt", "deal_id": 1})
    assert result.is_error and "could not reach pipedrive" in text_of(result)
