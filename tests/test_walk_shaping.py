"""A walk's pages are shaped as they arrive and its whole answer is written to its file in pieces:
the answer and the file are byte for byte what shaping the whole walk at the end gave."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path
from typing import Any

import pytest

from dealdesk_mcp import files, shaping
from dealdesk_mcp.answers import dump_bytes, dump_chunks
from dealdesk_mcp.call import Call
from tests.conftest import connect, make_settings, text_of
from tests.crm_data import deal_fields_answer, deals_page
from tests.standin import Recorded, Reply

TOTAL = 1234


def crm(request: Recorded) -> Reply:
    if request.path == "/api/v2/dealFields":
        return Reply(body=deal_fields_answer())
    start = int(request.args.get("cursor") or 0)
    return Reply(body=deals_page(start, int(request.args.get("limit") or 100), TOTAL))


async def _left_to_the_shape_stage(call: Call, items: list[Any]) -> list[Any]:
    call.page_plan = False  # as a walk whose first page is too short to plan from
    return items


async def _walk(standin: Any, tmp_path: Path, arguments: dict[str, Any]) -> tuple[str, bytes | None]:
    async with connect(make_settings(standin, tmp_path, PIPEDRIVE_MAX_ANSWER_CHARS="6000")) as client:
        result = await client.call_tool("get_deals", arguments)
    text = text_of(result)
    kept = json.loads(text).get("cut", {}).get("full_answer_file")
    # The file's folder differs between the runs compared; its name and content must not.
    text = re.sub(r"get_deals-\d+\.json", "get_deals-T.json", text.replace(str(tmp_path), "TMP"))
    return text, Path(kept).read_bytes() if kept else None


@pytest.mark.parametrize("arguments", [{"max_items": 1100}, {"max_items": 700, "skip": 3}, {"max_items": 4}])
async def test_shaping_page_by_page_answers_as_shaping_at_the_end(
    standin: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, arguments: dict[str, Any]
) -> None:
    standin.reply_with(crm)
    by_page = await _walk(standin, tmp_path / "by-page", arguments)
    monkeypatch.setattr(shaping, "shape_page", _left_to_the_shape_stage)
    at_end = await _walk(standin, tmp_path / "at-end", arguments)
    assert by_page == at_end
    assert "custom_fields" not in by_page[0]  # shaped: named fields became columns


def _value(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.randrange(8 if depth < 3 else 5)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice(["", "a,b", 'quote " and \\', "ü € 😀", "x" * rng.randrange(40)])
    if kind == 2:
        return rng.randrange(-(10**6), 10**6)
    if kind == 3:
        return rng.choice([0.5, 1e300, float("nan"), True, False])
    if kind == 4:
        return rng.random()
    if kind == 5:
        return [_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    return {f"k{i}": _value(rng, depth + 1) for i in range(rng.randrange(4))}


def test_an_answer_in_pieces_joins_to_the_same_bytes() -> None:
    rng = random.Random(17)
    for count in (0, 1, 2, 499, 500, 501, 1234):
        items = [_value(rng) for _ in range(count)]
        value = {"page": {"count": count}, "data": items, "cut": {"note": "n"}}
        for size in (1, 7, 500):
            pieces = list(dump_chunks(value, "data", size))
            assert b"".join(pieces) == dump_bytes(value)
            # After the first piece of the list, each starts at the comma before an item.
            assert all(p.startswith(b",") for p in pieces[6:-4])
    assert b"".join(dump_chunks({"data": {"not": "a list"}}, "data")) == dump_bytes(
        {"data": {"not": "a list"}}
    )


def test_a_file_written_in_pieces_is_redacted_like_one_written_whole(tmp_path: Path) -> None:
    secret = "s3cret-token-ü-0123456789"
    text = json.dumps({"data": [f"{i} {secret}" for i in range(50)]}, ensure_ascii=False)
    whole = files.write_json_file(tmp_path, "whole.json", text, [secret])
    raw = text.encode()
    cut = raw.index(b", ")  # between two items, as the pieces of an answer are cut
    pieces = [files.redacted(p, [secret]) for p in [raw[:cut], raw[cut:]]]
    parts = files.write_json_file(tmp_path, "parts.json", pieces)
    assert Path(whole).read_bytes() == Path(parts).read_bytes()
    assert secret.encode() not in Path(whole).read_bytes()
