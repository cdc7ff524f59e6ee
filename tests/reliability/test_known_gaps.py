"""Behaviours this suite found wrong, each pinned as a strict xfail with its reproduction. When a fix lands
the test passes, strict xfail turns that into a failure, and the marker (and the matching exclusion in
test_bad_input.known_lenience, where there is one) should go.

Controls that already hold sit next to them without a marker.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import anyio
import pytest

from tests.conftest import ATTIO_KEY, TOKEN, connect, make_settings, text_of
from tests.standin import Recorded, Reply, StandIn

RECORD = "0b0f6c37-9a3f-4a43-9b46-1f2e3d4c5b6a"
INTERNAL = "failed inside the server"


async def call(standin: StandIn, tmp_path: Path, tool: str, arguments: dict[str, Any], **env: str) -> Any:
    async with connect(make_settings(standin, tmp_path, **env)) as client:
        with anyio.fail_after(10):
            return await client.call_tool(tool, arguments)


def sent(standin: StandIn) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in standin.requests]


# -- input ------------------------------------------------------------------------------------------
async def test_true_is_not_an_id(standin: StandIn, tmp_path: Path) -> None:
    result = await call(standin, tmp_path, "delete_organization_follower", {"id": True, "follower_id": 5})
    assert result.is_error and sent(standin) == [], sent(standin)  # today: DELETE /api/v2/organizations/1/...


@pytest.mark.parametrize(
    ("tool", "arguments", "wanted"),
    [
        (
            "attio_delete_record",
            {"object": "..", "record_id": RECORD},
            f"/v2/objects/%2E%2E/records/{RECORD}",
        ),
        ("get_permission_set_assignments", {"id": ".."}, "/api/v1/permissionSets/%2E%2E/assignments"),
        ("get_permission_set_assignments", {"id": "."}, "/api/v1/permissionSets/%2E/assignments"),
    ],
    ids=["attio object '..'", "pipedrive id '..'", "pipedrive id '.'"],
)
async def test_dot_path_values_stay_in_their_segment(
    standin: StandIn, tmp_path: Path, tool: str, arguments: dict[str, Any], wanted: str
) -> None:
    result = await call(standin, tmp_path, tool, arguments)
    # Either refused before sending, or sent to the declared endpoint with the dots escaped.
    paths = [p for _, p in sent(standin)]
    assert (result.is_error and paths == []) or paths == [wanted], paths


async def test_a_malformed_date_is_refused(standin: StandIn, tmp_path: Path) -> None:
    result = await call(
        standin,
        tmp_path,
        "get_pipeline_movement_statistics",
        {"id": 1, "start_date": "not-a-date", "end_date": "2025-01-31"},
    )
    assert result.is_error and "start_date" in text_of(result) and sent(standin) == []


# -- redirects --------------------------------------------------------------------------------------
async def test_a_redirect_to_another_origin_does_not_carry_the_pipedrive_token(
    standin: StandIn, tmp_path: Path
) -> None:
    elsewhere = StandIn().start()
    try:
        standin.reply_with(lambda r: Reply(302, "", {"location": elsewhere.origin + "/collect"}))
        await call(standin, tmp_path, "get_deal", {"id": 1})
        assert [r.headers.get("x-api-token") for r in elsewhere.requests] in ([], [None])
    finally:
        elsewhere.stop()


async def test_a_redirect_to_another_origin_does_not_carry_the_attio_key(
    standin: StandIn, tmp_path: Path
) -> None:
    elsewhere = StandIn().start()
    try:
        standin.reply_with(lambda r: Reply(302, "", {"location": elsewhere.origin + "/collect"}))
        await call(standin, tmp_path, "attio_list_objects", {})
        assert elsewhere.requests and all(
            f"Bearer {ATTIO_KEY}" != r.headers.get("authorization") for r in elsewhere.requests
        )
    finally:
        elsewhere.stop()


# -- answers that end in "failed inside the server" --------------------------------------------------
def redirect_loop(request: Recorded) -> Reply:
    return Reply(302, "", {"location": request.path})


GAPS = [
    (
        "Retry-After: inf",
        "get_deal",
        lambda r: Reply(429, {"error": "slow"}, {"retry-after": "inf"}),
        "rate limit",
    ),
    (
        "bad gzip body",
        "get_deal",
        lambda r: Reply(
            200, b'{"data": 1}', {"content-type": "application/json", "content-encoding": "gzip"}
        ),
        "decode",
    ),
    ("redirect loop", "get_deal", redirect_loop, "redirect"),
    (
        "JSON nested 100000 deep",
        "get_deal",
        lambda r: Reply(200, b"[" * 100_000 + b"]" * 100_000, {"content-type": "application/json"}),
        "JSON",
    ),
    (
        "download reset mid-body",
        "download_file",
        lambda r: Reply(200, b"x" * 100_000, {"content-type": "application/pdf"}, truncate=True),
        "download",
    ),
]


@pytest.mark.parametrize(("case", "tool", "handler", "word"), GAPS, ids=[g[0] for g in GAPS])
async def test_odd_answers_end_in_a_clear_error(
    standin: StandIn, tmp_path: Path, case: str, tool: str, handler: Any, word: str
) -> None:
    standin.reply_with(handler)
    result = await call(standin, tmp_path, tool, {"id": 1}, PIPEDRIVE_MAX_RETRIES="1")
    text = text_of(result)
    assert result.is_error and INTERNAL not in text and word.lower() in text.lower(), text


async def test_a_failed_download_leaves_no_partial_file(standin: StandIn, tmp_path: Path) -> None:
    standin.reply_with(
        lambda r: Reply(200, b"x" * 100_000, {"content-type": "application/pdf"}, truncate=True)
    )
    result = await call(standin, tmp_path, "download_file", {"id": 1})
    assert result.is_error
    downloads = tmp_path / "downloads"
    assert not downloads.exists() or list(downloads.iterdir()) == []


async def test_an_echoed_token_in_a_success_answer_is_scrubbed_from_both_copies(
    standin: StandIn, tmp_path: Path
) -> None:
    standin.reply_with(lambda r: Reply(body={"data": {"id": 1, "note": TOKEN}}))
    result = await call(standin, tmp_path, "get_deal", {"id": 1})
    assert "[redacted]" in text_of(result) and TOKEN not in json.dumps(result.structured_content)
    assert json.loads(text_of(result))["data"]["note"] == "[redacted]"
    assert result.structured_content["data"]["note"] == "[redacted]"
