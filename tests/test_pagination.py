"""Pagination summaries and capped walks over a stand-in list of 1,234 items, in every paging style."""

from __future__ import annotations

import json

import pytest

from tests.conftest import connect, make_settings, records, text_of
from tests.standin import Recorded, Reply

TOTAL = 1234


def cursor_pages(request: Recorded) -> Reply:
    """Pipedrive v2 (and v1 cursor lists): cursor is the next offset, opaque to the client."""
    start = int(request.args.get("cursor") or 0)
    limit = int(request.args.get("limit") or 100)
    ids = list(range(start + 1, min(TOTAL, start + limit) + 1))
    more = start + limit < TOTAL
    return Reply(
        body={
            "success": True,
            "data": [{"id": i, "title": f"Deal {i}"} for i in ids],
            "additional_data": {"next_cursor": str(start + limit) if more else None},
        }
    )


def offset_pages(request: Recorded) -> Reply:
    """Pipedrive v1 offset lists with the additional_data.pagination block."""
    start = int(request.args.get("start") or 0)
    limit = int(request.args.get("limit") or 100)
    ids = list(range(start + 1, min(TOTAL, start + limit) + 1))
    more = start + limit < TOTAL
    pagination = {"start": start, "limit": limit, "more_items_in_collection": more}
    if more:
        pagination["next_start"] = start + limit
    return Reply(
        body={
            "success": True,
            "data": [{"id": i, "content": f"Note {i}"} for i in ids],
            "additional_data": {"pagination": pagination},
        }
    )


def attio_offset_pages(request: Recorded) -> Reply:
    start = int(request.args.get("offset") or 0)
    limit = int(request.args.get("limit") or 10)
    ids = list(range(start + 1, min(TOTAL, start + limit) + 1))
    return Reply(body={"data": [{"id": {"note_id": f"n{i}"}, "title": f"N{i}"} for i in ids]})


def ids_of(result) -> list:
    return [item["id"] for item in records(json.loads(text_of(result)))]


async def test_cursor_page_summary_gives_the_next_argument(standin, tmp_path):
    standin.reply_with(cursor_pages)
    async with connect(make_settings(standin, tmp_path)) as client:
        first = await client.call_tool("get_deals", {"limit": 100})
        answer = json.loads(text_of(first))
        assert answer["page"] == {"count": 100, "more": True, "next": {"cursor": "100"}}
        second = await client.call_tool("get_deals", {"limit": 100, **answer["page"]["next"]})
    assert ids_of(second)[0] == 101
    assert standin.requests[1].args == {"limit": "100", "cursor": "100"}


async def test_offset_page_summary_gives_the_next_start(standin, tmp_path):
    standin.reply_with(offset_pages)
    async with connect(make_settings(standin, tmp_path)) as client:
        result = await client.call_tool("get_notes", {"start": 1200, "limit": 100})
    answer = json.loads(text_of(result))
    assert answer["page"] == {"count": 34, "more": False}
    assert ids_of(result) == list(range(1201, TOTAL + 1))


async def test_walk_to_the_end_returns_every_item_once_with_progress(standin, tmp_path):
    standin.reply_with(cursor_pages)
    progress: list[tuple[float, float | None]] = []

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        progress.append((done, total))

    async with connect(make_settings(standin, tmp_path, PIPEDRIVE_MAX_ANSWER_CHARS="200000")) as client:
        result = await client.call_tool("get_deals", {"max_items": 5000}, progress_callback=on_progress)
    answer = json.loads(text_of(result))
    assert ids_of(result) == list(range(1, TOTAL + 1))
    assert answer["page"] == {"count": TOTAL, "more": False, "pages": 3}
    # Largest page the API allows (500), three pages, one progress report per page.
    assert [r.args.get("limit") for r in standin.requests] == ["500", "500", "500"]
    assert progress == [(500, 5000), (1000, 5000), (TOTAL, 5000)]


async def test_walk_stops_at_the_cap_and_says_how_to_continue(standin, tmp_path):
    standin.reply_with(offset_pages)
    async with connect(make_settings(standin, tmp_path, PIPEDRIVE_MAX_ANSWER_CHARS="200000")) as client:
        result = await client.call_tool("get_notes", {"max_items": 700})
        answer = json.loads(text_of(result))
        assert ids_of(result) == list(range(1, 701))
        assert answer["page"] == {"count": 700, "more": True, "next": {"start": 700}, "pages": 2}
        rest = await client.call_tool("get_notes", {"max_items": 5000, **answer["page"]["next"]})
    assert ids_of(rest) == list(range(701, TOTAL + 1))


async def test_walk_bigger_than_the_answer_cap_keeps_everything_in_a_file(standin, tmp_path):
    standin.reply_with(cursor_pages)
    async with connect(make_settings(standin, tmp_path, PIPEDRIVE_MAX_ANSWER_CHARS="5000")) as client:
        result = await client.call_tool("get_deals", {"max_items": 1000})
    answer = json.loads(text_of(result))
    assert len(text_of(result)) <= 5000
    cut = answer["cut"]
    shown = ids_of(result)
    assert shown == list(range(1, len(shown) + 1))
    assert cut["items_shown"] == len(shown) and cut["items_cut"] == 1000 - len(shown)
    with open(cut["full_answer_file"], encoding="utf-8") as handle:
        saved = json.load(handle)
    assert [d["id"] for d in saved["data"]] == list(range(1, 1001))
    # page.next resumes at the first item not shown: inside the first page, by skipping what was seen.
    assert answer["page"]["next"] == {"limit": 500, "skip": len(shown)}


async def follow(client, tool: str, arguments: dict) -> list:
    """Every item an agent sees by following page.next from `arguments` until the list ends."""
    seen: list = []
    for _ in range(500):
        result = await client.call_tool(tool, arguments)
        assert not result.is_error, text_of(result)
        answer = json.loads(text_of(result))
        seen += [item["id"] for item in records(answer)]
        following = answer["page"].get("next")
        if not following:
            return seen
        arguments = {**{k: v for k, v in arguments.items() if k not in ("skip",)}, **following}
    raise AssertionError("page.next never ended")


@pytest.mark.parametrize(
    ("tool", "pages", "arguments"),
    [
        ("get_deals", cursor_pages, {"limit": 300}),
        ("get_deals", cursor_pages, {"max_items": 700}),
        ("get_notes", offset_pages, {"limit": 300}),
        ("get_notes", offset_pages, {"max_items": 700}),
        ("attio_list_notes", attio_offset_pages, {"limit": 300}),
    ],
)
async def test_following_next_after_cuts_reaches_every_item_exactly_once(
    standin, tmp_path, tool, pages, arguments
):
    """Issue 16, item 2: a cut answer's page.next must not skip the items the cut left out."""
    standin.reply_with(pages)
    async with connect(make_settings(standin, tmp_path, PIPEDRIVE_MAX_ANSWER_CHARS="3000")) as client:
        seen = await follow(client, tool, arguments)
    expected = (
        list(range(1, TOTAL + 1))
        if tool != "attio_list_notes"
        else [{"note_id": f"n{i}"} for i in range(1, TOTAL + 1)]
    )
    assert seen == expected


async def test_attio_offset_lists_page_by_offset(standin, tmp_path):
    standin.reply_with(attio_offset_pages)
    async with connect(make_settings(standin, tmp_path)) as client:
        first = await client.call_tool("attio_list_notes", {"limit": 50})
        answer = json.loads(text_of(first))
        assert answer["page"] == {"count": 50, "more": True, "next": {"offset": 50}}
        walked = await client.call_tool("attio_list_notes", {"max_items": 120})
    assert len(records(json.loads(text_of(walked)))) == 120
    assert json.loads(text_of(walked))["page"]["next"] == {"offset": 120}


async def test_attio_cursor_lists_read_pagination_next_cursor(standin, tmp_path):
    def files(request: Recorded) -> Reply:
        cursor = request.args.get("cursor")
        data = [{"id": {"file_id": "f2"}}] if cursor else [{"id": {"file_id": "f1"}}]
        return Reply(body={"data": data, "pagination": {"next_cursor": None if cursor else "c2"}})

    standin.reply_with(files)
    args = {"object": "companies", "record_id": "6f7c1c9e-0000-4000-8000-000000000001"}
    async with connect(make_settings(standin, tmp_path)) as client:
        first = json.loads(text_of(await client.call_tool("attio_list_files", args)))
        walked = json.loads(text_of(await client.call_tool("attio_list_files", {**args, "max_items": 10})))
    assert first["page"] == {"count": 1, "more": True, "next": {"cursor": "c2"}}
    assert [d["id"]["file_id"] for d in records(walked)] == ["f1", "f2"]


async def test_attio_body_offset_lists_page_inside_the_body(standin, tmp_path):
    def record_pages(request: Recorded) -> Reply:
        body = request.json
        start, limit = body.get("offset", 0), body.get("limit", 500)
        ids = range(start, min(30, start + limit))
        return Reply(body={"data": [{"id": {"record_id": f"r{i}"}, "values": {}} for i in ids]})

    standin.reply_with(record_pages)
    async with connect(make_settings(standin, tmp_path)) as client:
        result = await client.call_tool("attio_list_records", {"object": "people", "max_items": 25})
    answer = json.loads(text_of(result))
    assert len(records(answer)) == 25
    assert standin.requests[0].json == {"limit": 25}
    assert answer["page"]["next"] == {"offset": 25}
