"""Issue 16, item 12 (files): odd arguments end in a clear refusal naming the argument, with nothing sent.

CR/LF in content_type or file_name used to inject headers into the multipart part; NUL bytes in a path,
~user paths, symlink loops, names over 255 bytes and a full disk ended as internal errors.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from dealdesk_mcp import files
from tests.conftest import connect, make_settings, text_of
from tests.standin import Reply, StandIn

LONG = "n" * 256


def setup_files(root: Path) -> None:
    (root / "offer.pdf").write_bytes(b"%PDF-1.7 offer")
    (root / "loop-a").symlink_to(root / "loop-b")
    (root / "loop-b").symlink_to(root / "loop-a")
    (root / "two\r\nlines.txt").write_bytes(b"named with a line break")


@pytest.mark.parametrize(
    ("arguments", "argument", "words"),
    [
        (
            {"path": "offer.pdf", "content_type": "application/pdf\r\nX-Injected: 1"},
            "content_type",
            "media type",
        ),
        ({"path": "offer.pdf", "content_type": "text/plain\n"}, "content_type", "media type"),
        ({"path": "offer.pdf", "content_type": "text/plain\0"}, "content_type", "media type"),
        (
            {"path": "offer.pdf", "file_name": 'a.pdf"\r\nContent-Type: text/html'},
            "file_name",
            "control character",
        ),
        ({"path": "offer.pdf", "file_name": LONG + ".pdf"}, "file_name", "over the 255-byte limit"),
        ({"path": "two\r\nlines.txt"}, "path", "control character"),
        ({"path": "offer.pdf\0.txt"}, "path", "NUL character"),
        ({"path": "~root/.bashrc"}, "path", "a home folder by user name"),
        ({"path": "~no-such-user-here/offer.pdf"}, "path", "a home folder by user name"),
        ({"path": "loop-a"}, "path", "loop"),
        ({"path": LONG}, "path", "over the 255-byte limit"),
        (
            {"path": "sub/" + "ü" * 130 + ".pdf"},
            "path",
            "over the 255-byte limit",
        ),  # 260 bytes, 134 characters
    ],
)
async def test_odd_upload_arguments_are_refused_by_name(
    standin: StandIn, tmp_path: Path, arguments: dict, argument: str, words: str
) -> None:
    setup_files(tmp_path)
    async with connect(make_settings(standin, tmp_path)) as client:
        result = await client.call_tool("add_file", {**arguments, "deal_id": 1})
    text = text_of(result)
    assert result.is_error, text
    assert text.startswith(f"{argument}: "), text
    assert words in text, text
    assert "inside the server" not in text
    assert standin.requests == []


async def test_a_plain_content_type_with_parameters_still_works(standin: StandIn, tmp_path: Path) -> None:
    setup_files(tmp_path)
    args = {"path": "offer.pdf", "content_type": 'text/plain; charset="utf-8"', "file_name": "Angebot.pdf"}
    async with connect(make_settings(standin, tmp_path)) as client:
        result = await client.call_tool("add_file", {**args, "deal_id": 1})
    assert not result.is_error, text_of(result)
    [sent] = standin.requests
    assert b'Content-Type: text/plain; charset="utf-8"\r\n\r\n%PDF-1.7 offer' in sent.body


async def test_a_save_as_name_over_255_bytes_is_refused_before_downloading(
    standin: StandIn, tmp_path: Path
) -> None:
    async with connect(make_settings(standin, tmp_path)) as client:
        result = await client.call_tool("download_file", {"id": 1, "save_as": LONG})
    assert result.is_error
    assert text_of(result).startswith("save_as: ") and "255-byte" in text_of(result)
    assert standin.requests == []


async def test_a_long_name_from_the_api_is_shortened_not_fatal(standin: StandIn, tmp_path: Path) -> None:
    name = "Präsentation " * 30 + ".pptx"  # 421 bytes in UTF-8
    standin.reply_with(
        lambda r: Reply(
            body=b"slides",
            headers={
                "content-type": "application/octet-stream",
                "content-disposition": f'attachment; filename="{name}"',
            },
        )
    )
    async with connect(make_settings(standin, tmp_path)) as client:
        result = await client.call_tool("download_file", {"id": 1})
    assert not result.is_error, text_of(result)
    saved = Path(result.structured_content["saved"]["path"])
    assert saved.read_bytes() == b"slides"
    assert saved.suffix == ".pptx" and len(os.fsencode(saved.name)) <= files.SAVED_NAME_BYTES


@pytest.fixture
def full_disk(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Writes to files in the downloads folder fail as on a full disk (ENOSPC); other writes go on."""
    downloads = tmp_path / "downloads"
    real_write = os.write

    def write(fd: int, data: bytes) -> int:
        where = files.path_of_descriptor(fd)
        if where is not None and where.parent == downloads:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", write)
    return downloads


async def test_a_full_disk_is_a_clear_refusal_and_leaves_nothing(
    standin: StandIn, tmp_path: Path, full_disk: Path
) -> None:
    standin.reply_with(lambda r: Reply(body=os.urandom(200_000), headers={"content-type": "application/pdf"}))
    settings = make_settings(standin, tmp_path, PIPEDRIVE_MAX_ANSWER_CHARS="300")
    async with connect(settings) as client:
        download = await client.call_tool("download_file", {"id": 1})
        standin.reply_with(lambda r: Reply(body={"success": True, "data": [{"id": i} for i in range(200)]}))
        big_answer = await client.call_tool("get_deals", {})
    for result in (download, big_answer):
        text = text_of(result)
        assert result.is_error, text
        assert "the disk holding it is full" in text and "PIPEDRIVE_DOWNLOAD_DIR" in text, text
        assert "inside the server" not in text
    assert list(full_disk.iterdir()) == []  # the partial files were removed
