"""Uploads from a host that shares no disk with the server: base64 content within a cap, or a URL the
server fetches only from allowed origins; both checked like local files before a byte is sent."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import pytest

from dealdesk_mcp.config import Settings
from dealdesk_mcp.hosted.listing import upload_schema
from tests.conftest import TOKEN, connect, make_settings, text_of
from tests.standin import Recorded, Reply, StandIn
from tests.test_files import boundary_of, multipart_body

CONTRACT = b"%PDF-1.7 signed contract " * 40


@pytest.fixture
def files_host() -> Iterator[StandIn]:
    """Another origin, serving files (a storage service the operator allows, or one it does not)."""
    server = StandIn().start()

    def serve(request: Recorded) -> Reply:
        if request.path == "/contract.pdf":
            return Reply(body=CONTRACT, headers={"content-type": "application/pdf"})
        if request.path == "/moved":
            return Reply(302, body=b"", headers={"location": "http://localhost:9/elsewhere.pdf"})
        return Reply(404, {"error": "no such file"})

    server.reply_with(serve)
    yield server
    server.stop()


def uploads(api: StandIn) -> list[Recorded]:
    return [r for r in api.requests if r.path == "/api/v1/files"]


async def test_content_arrives_byte_for_byte(standin: StandIn, tmp_path: Path) -> None:
    async with connect(make_settings(standin, tmp_path)) as client:
        result = await client.call_tool(
            "add_file",
            {
                "content_base64": base64.b64encode(CONTRACT).decode(),
                "file_name": "contract.pdf",
                "deal_id": 7,
            },
        )
    assert not result.is_error, text_of(result)
    [sent] = uploads(standin)
    expected = multipart_body(
        boundary_of(sent), [("deal_id", "7")], "file", "contract.pdf", "application/pdf", CONTRACT
    )
    assert sent.body == expected


async def test_a_url_is_fetched_from_an_allowed_origin_only(
    standin: StandIn, files_host: StandIn, tmp_path: Path
) -> None:
    settings = make_settings(standin, tmp_path, PIPEDRIVE_MCP_UPLOAD_ORIGINS=files_host.origin)
    async with connect(settings) as client:
        fetched = await client.call_tool(
            "add_file", {"file_url": f"{files_host.origin}/contract.pdf", "deal_id": 7}
        )
        elsewhere = await client.call_tool(
            "add_file", {"file_url": "https://files.example.net/x.pdf", "deal_id": 7}
        )
        moved = await client.call_tool("add_file", {"file_url": f"{files_host.origin}/moved", "deal_id": 7})
    assert not fetched.is_error, text_of(fetched)
    [sent] = uploads(standin)
    assert sent.body == multipart_body(
        boundary_of(sent), [("deal_id", "7")], "file", "contract.pdf", "application/pdf", CONTRACT
    )
    assert elsewhere.is_error and "https://files.example.net is not allowed" in text_of(elsewhere)
    # A redirect to another origin is refused too, and the first origin was the only one asked.
    assert moved.is_error and "http://localhost:9 is not allowed" in text_of(moved)
    assert len(uploads(standin)) == 1
    assert [r.path for r in files_host.requests] == ["/contract.pdf", "/moved"]


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ({"content_base64": "not base64!", "file_name": "a.txt"}, "content_base64: not valid base64"),
        (
            {"content_base64": base64.b64encode(b"x" * 20_000).decode(), "file_name": "a.txt"},
            "over the 0.01 MB",
        ),
        ({"content_base64": base64.b64encode(b"hello").decode()}, "file_name: required with content_base64"),
        ({"content_base64": base64.b64encode(f"key={TOKEN}".encode()).decode(), "file_name": "a"}, "secrets"),
        ({"content_base64": "aGk=", "path": "a.txt", "file_name": "a"}, "one way only"),
        ({"file_url": "https://files.example.net/a.pdf"}, "fetches uploads from no address"),
        # No file at all: the refusal names the ways a file may come, not only the local path.
        ({}, "- path: required: the file, as path, content_base64 or file_url"),
    ],
)
async def test_bad_content_is_refused_and_nothing_is_sent(
    standin: StandIn, tmp_path: Path, arguments: dict[str, str], expected: str
) -> None:
    settings = make_settings(standin, tmp_path, PIPEDRIVE_MCP_MAX_CONTENT_MB="0.01")
    async with connect(settings) as client:
        result = await client.call_tool("add_file", {**arguments, "deal_id": 7})
    assert result.is_error and expected in text_of(result), text_of(result)
    assert uploads(standin) == []


def test_hosted_listing_offers_content_and_urls_and_paths_only_where_folders_are_given() -> None:
    local = {
        "type": "object",
        "properties": {
            "path": {"type": "string"},
            "deal_id": {"type": "integer"},
            "file_name": {"type": "string"},
        },
        "required": ["path"],
    }
    bare = upload_schema(local, Settings.from_env({}))
    assert list(bare["properties"]) == ["content_base64", "deal_id", "file_name"] and bare["required"] == []
    full = upload_schema(
        local,
        Settings.from_env(
            {
                "PIPEDRIVE_MCP_USER_FILES": "/srv/files",
                "PIPEDRIVE_MCP_UPLOAD_ORIGINS": "https://files.example.com",
            }
        ),
    )
    assert list(full["properties"])[:3] == ["path", "content_base64", "file_url"]
    assert "https://files.example.com" in full["properties"]["file_url"]["description"]


def test_a_fetched_addresss_query_never_reaches_the_log() -> None:
    """A presigned storage link carries its signature in the query: the request log line leaves it out."""
    import logging

    import httpx

    from dealdesk_mcp.logs import QueryLeftOut

    url = httpx.URL("https://files.example.com/contract.pdf?X-Amz-Signature=5e1f0c9a2b7d")
    record = logging.LogRecord(
        "httpx",
        logging.INFO,
        __file__,
        1,
        'HTTP Request: %s %s "%s %d %s"',
        ("GET", url, "HTTP/1.1", 200, "OK"),
        None,
    )
    assert QueryLeftOut().filter(record)
    line = record.getMessage()
    assert "5e1f0c9a2b7d" not in line and "https://files.example.com/contract.pdf" in line


async def test_a_dry_run_checks_content_and_the_audit_log_names_no_signature(
    standin: StandIn, files_host: StandIn, tmp_path: Path
) -> None:
    """Content and URL uploads rehearse like local files, and the audit log says where the bytes came
    from without the bytes or a URL's query (a presigned link's signature)."""
    import json

    audit = tmp_path / "audit.jsonl"
    settings = make_settings(
        standin, tmp_path, PIPEDRIVE_MCP_UPLOAD_ORIGINS=files_host.origin, PIPEDRIVE_AUDIT_LOG=str(audit)
    )
    content = {"content_base64": base64.b64encode(CONTRACT).decode(), "file_name": "contract.pdf"}
    async with connect(settings) as client:
        rehearsed = await client.call_tool("add_file", {**content, "deal_id": 7, "dry_run": True})
        sent = await client.call_tool(
            "add_file", {"file_url": f"{files_host.origin}/contract.pdf?sig=5e1f0c9a", "deal_id": 7}
        )
    assert not rehearsed.is_error and not sent.is_error, text_of(rehearsed) + text_of(sent)
    shown = rehearsed.structured_content["dry_run"]["file"]  # type: ignore[index]
    assert (
        shown["size"] == len(CONTRACT) and shown["file_name"] == "contract.pdf" and "content_base64" in shown
    )
    assert len(uploads(standin)) == 1  # only the real call sent a file
    lines = [json.loads(line) for line in audit.read_text().splitlines()]
    assert [line["file"] for line in lines][-1] == {
        "file_url": f"{files_host.origin}/contract.pdf",
        "file_name": "contract.pdf",
        "size": len(CONTRACT),
    }
    # Neither the inline bytes nor the link's signature are written down.
    assert content["content_base64"][:40] not in audit.read_text() and "5e1f0c9a" not in audit.read_text()
