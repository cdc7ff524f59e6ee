"""Issue 16, item 5: the Google Drive hint was appended to every error of the remote-file tools (its
pattern matched "pipedrive"). Hints are specific to the API's actual error."""

from __future__ import annotations

from tests.conftest import connect, make_settings, text_of
from tests.standin import Reply

ARGS = {
    "file_type": "gdoc",
    "title": "Plan",
    "item_type": "deal",
    "item_id": 1,
    "remote_location": "googledrive",
}


async def call(standin, tmp_path, error: str):
    standin.reply_with(lambda r: Reply(403, {"success": False, "error": error}))
    async with connect(make_settings(standin, tmp_path)) as client:
        return text_of(await client.call_tool("add_file_and_link_it", ARGS))


async def test_a_plain_forbidden_from_pipedrive_gets_no_drive_hint(standin, tmp_path):
    text = await call(standin, tmp_path, "You do not have permission for this Pipedrive item")
    assert "HTTP 403" in text and "Google Drive" not in text


async def test_an_error_about_google_drive_gets_the_hint(standin, tmp_path):
    text = await call(standin, tmp_path, "Google Drive is not connected for this user")
    assert "connect Google Drive" in text
