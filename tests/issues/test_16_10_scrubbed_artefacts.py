"""Issue 16, item 10: the full-answer file of a capped answer kept secrets the API echoed, and a cut
preview showed the first half of a token. Every artefact the server writes or shows is scrubbed first."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import TOKEN, connect, make_settings, text_of
from tests.standin import Reply


async def test_a_preview_cut_through_a_token_shows_no_part_of_it(standin, tmp_path):
    limit = 4000
    # Place the token so the preview's cut (limit - 800 characters into the answer) falls inside it.
    padding = "x" * (limit - 800 - len('{"data":{"id":1,"content":"') - len(TOKEN) // 2)
    standin.reply_with(
        lambda r: Reply(body={"success": True, "data": {"id": 1, "content": padding + TOKEN + "y" * 9000}})
    )
    async with connect(make_settings(standin, tmp_path, PIPEDRIVE_MAX_ANSWER_CHARS=str(limit))) as client:
        result = await client.call_tool("get_note", {"id": 1})
    cut = json.loads(text_of(result))["cut"]
    half = TOKEN[: len(TOKEN) // 2]
    assert half not in cut["preview"] and half not in json.dumps(result.structured_content)
    saved = Path(cut["full_answer_file"]).read_text()
    assert TOKEN not in saved and "[redacted]" in saved


async def test_a_walks_file_kept_in_pieces_holds_no_token_the_api_echoed(standin, tmp_path):
    deals = [{"id": n, "title": f"Deal {n}", "note": f"sent with {TOKEN}"} for n in range(1, 1201)]

    def pages(request):
        start = int(request.args.get("cursor") or 0)
        limit = int(request.args.get("limit") or 100)
        more = start + limit < len(deals)
        return Reply(
            body={
                "success": True,
                "data": deals[start : start + limit],
                "additional_data": {"next_cursor": str(start + limit) if more else None},
            }
        )

    standin.reply_with(pages)
    async with connect(make_settings(standin, tmp_path)) as client:
        result = await client.call_tool("get_deals", {"max_items": 1200})
    saved = Path(json.loads(text_of(result))["cut"]["full_answer_file"]).read_text()
    assert saved.count("[redacted]") == 1200 and TOKEN not in saved
