"""Issue 16, item 8: no upload carries the server's own secrets, whatever the allowed folders are.

With default settings the allowed folder is the working folder, where the server's .env lives;
`add_file {"path": ".env"}` used to send the API token and the OAuth client secret to a CRM record.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client

from dealdesk_mcp import files
from dealdesk_mcp.errors import FileAccessError
from tests.conftest import TOKEN, connect, make_settings, text_of
from tests.standin import Reply, StandIn
from tests.transports.conftest import AUTH_TOKEN, SCRIPT, server_env

CLIENT_SECRET = "client-secret-0d9c8b7a6f5e4d3c2b1a09f8"
SECRETS = (TOKEN, CLIENT_SECRET, AUTH_TOKEN)


def uploads(standin: StandIn) -> list[bytes]:
    return [r.body for r in standin.requests if r.path == "/api/v1/files"]


async def test_the_env_file_the_cli_read_is_refused_with_default_folders(
    standin: StandIn, tmp_path: Path
) -> None:
    # The reported setup: no PIPEDRIVE_FILE_ROOTS, started in the folder that holds the .env.
    (tmp_path / ".env").write_text(
        f"PIPEDRIVE_API_TOKEN={TOKEN}\nPIPEDRIVE_CLIENT_ID=client-1\nPIPEDRIVE_CLIENT_SECRET={CLIENT_SECRET}\n"
    )
    os.link(tmp_path / ".env", tmp_path / "settings-backup.txt")  # the same file under a second name
    (tmp_path / "offer.txt").write_text("a normal file")
    env = {k: v for k, v in server_env(standin).items() if k != "PIPEDRIVE_API_TOKEN"}  # the .env gives it
    params = StdioServerParameters(command=str(SCRIPT), args=["--toolsets", "files"], env=env, cwd=tmp_path)
    with (tmp_path / "stderr.log").open("w") as errlog:
        async with Client(stdio_client(params, errlog=errlog)) as client:
            relative = await client.call_tool("add_file", {"path": ".env", "deal_id": 1})
            absolute = await client.call_tool("add_file", {"path": str(tmp_path / ".env"), "deal_id": 1})
            linked = await client.call_tool("add_file", {"path": "settings-backup.txt", "deal_id": 1})
            normal = await client.call_tool("add_file", {"path": "offer.txt", "deal_id": 1})
    for result in (relative, absolute, linked):
        assert result.is_error, text_of(result)
        assert text_of(result).startswith("path: ")
        assert "this server's own settings file (.env)" in text_of(result)
        assert not any(secret in text_of(result) for secret in SECRETS)
    assert not normal.is_error, text_of(normal)
    [sent] = uploads(standin)  # only the normal file went out
    assert b"a normal file" in sent
    assert not any(secret.encode() in sent for secret in SECRETS)


@pytest.mark.parametrize(
    ("case", "content"),
    [
        ("a copy of the .env", f"# old settings\nPIPEDRIVE_API_TOKEN={TOKEN}\n".encode()),
        ("the OAuth client secret", b"notes " + CLIENT_SECRET.encode() + b" more notes"),
        ("the MCP bearer token", b"x" * 5000 + AUTH_TOKEN.encode()),
        # A secret across the seam between two of them.
        ("a secret across a chunk seam", b"\0" * (files.SCAN_CHUNK - 7) + TOKEN.encode() + b"\0" * 100),
    ],
)
async def test_a_file_holding_a_secret_is_refused_before_a_byte_is_sent(
    standin: StandIn, tmp_path: Path, case: str, content: bytes
) -> None:
    (tmp_path / "report.bin").write_bytes(content)
    settings = make_settings(
        standin,
        tmp_path,
        PIPEDRIVE_ACCESS_TOKEN="access-token-5e4d3c2b1a0f9e8d",
        PIPEDRIVE_CLIENT_ID="client-1",
        PIPEDRIVE_CLIENT_SECRET=CLIENT_SECRET,
        PIPEDRIVE_MCP_AUTH_TOKEN=AUTH_TOKEN,
    )
    async with connect(settings) as client:
        result = await client.call_tool("add_file", {"path": "report.bin", "deal_id": 1})
    assert result.is_error, text_of(result)
    assert "holds one of this server's own secrets" in text_of(result)
    assert standin.requests == []


def test_a_secret_written_after_the_check_is_never_handed_out(tmp_path: Path) -> None:
    """The file is checked when opened; if it changes afterwards, the stream stops before any part of
    a secret leaves (each chunk's tail waits until the next chunk has been checked with it)."""
    secret = TOKEN.encode()
    path = tmp_path / "changing.bin"
    path.write_bytes(b"a" * (3 * files.CHUNK))
    fd = os.open(path, os.O_RDONLY)
    try:
        reader = files.UploadReader(fd, 3 * files.CHUNK, (secret,), "changing.bin")
        handed_out = reader.read()
        where = 2 * files.CHUNK - 10  # ten bytes of the secret in the second chunk, the rest in the third
        with path.open("r+b") as out:
            out.seek(where)
            out.write(secret)
        with pytest.raises(FileAccessError, match="own secrets"):
            while chunk := reader.read():
                handed_out += chunk
    finally:
        os.close(fd)
    assert len(handed_out) <= where
    assert secret[:10] not in handed_out


def test_the_scan_reads_in_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A file bigger than one scan chunk is read piece by piece, never whole.
    size = 3 * files.SCAN_CHUNK + 5
    path = tmp_path / "big.bin"
    path.write_bytes(os.urandom(size))
    reads: list[int] = []
    real_pread = os.pread

    def counting_pread(descriptor: int, length: int, offset: int) -> bytes:
        reads.append(length)
        return real_pread(descriptor, length, offset)

    monkeypatch.setattr(os, "pread", counting_pread)
    fd = os.open(path, os.O_RDONLY)
    try:
        assert not files._contains_secret(fd, size, (TOKEN.encode(),))
    finally:
        os.close(fd)
    assert max(reads) == files.SCAN_CHUNK and len(reads) == 4


async def test_a_saved_full_answer_never_holds_a_secret_the_api_echoed(
    standin: StandIn, tmp_path: Path
) -> None:
    """The sibling on the way out: an answer too long to show is kept whole in a file, redacted like the
    answer itself (it used to keep an echoed token verbatim, ready to be read or uploaded)."""
    items = [{"id": i, "title": f"Deal {i}", "note": f"echo {TOKEN}" if i == 3 else "-"} for i in range(300)]
    standin.reply_with(
        lambda r: Reply(body={"success": True, "data": items, "additional_data": {"next_cursor": None}})
    )
    async with connect(make_settings(standin, tmp_path, PIPEDRIVE_MAX_ANSWER_CHARS="2000")) as client:
        # A walk keeps what it gathered beyond the cap in a file (a single page resumes by page.next).
        result = await client.call_tool("get_deals", {"max_items": 300})
    assert not result.is_error, text_of(result)
    [saved] = (tmp_path / "downloads").iterdir()
    text = saved.read_text()
    assert TOKEN not in text and "echo [redacted]" in text
    assert '"Deal 299"' in text  # still the whole answer
