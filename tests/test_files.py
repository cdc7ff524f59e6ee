"""Files between the local disk and the CRM: streamed uploads, safe paths, downloads to a folder."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from tests.conftest import connect, make_settings, text_of
from tests.standin import Reply


def multipart_body(
    boundary: bytes, fields: list[tuple[str, str]], file_part: str, name: str, kind: str, data: bytes
):
    out = b""
    for key, value in fields:
        out += (
            b"--" + boundary + f'\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
        )
    out += (
        b"--"
        + boundary
        + f'\r\nContent-Disposition: form-data; name="{file_part}"; filename="{name}"\r\n'.encode()
    )
    out += f"Content-Type: {kind}\r\n\r\n".encode() + data + b"\r\n--" + boundary + b"--\r\n"
    return out


def boundary_of(request) -> bytes:
    return request.headers["content-type"].split("boundary=")[1].encode()


async def test_a_5_mb_upload_with_a_non_ascii_name_arrives_byte_for_byte(standin, tmp_path):
    data = os.urandom(5 * 1024 * 1024)
    (tmp_path / "Angebot für Müller – 2025.pdf").write_bytes(data)
    progress: list[float] = []

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        progress.append(done)

    async with connect(make_settings(standin, tmp_path)) as client:
        result = await client.call_tool(
            "add_file",
            {"path": "Angebot für Müller – 2025.pdf", "deal_id": 12},
            progress_callback=on_progress,
        )
    assert not result.is_error, text_of(result)
    (sent,) = standin.requests
    assert int(sent.headers["content-length"]) == len(sent.body)
    expected = multipart_body(
        boundary_of(sent),
        [("deal_id", "12")],
        "file",
        "Angebot für Müller – 2025.pdf",
        "application/pdf",
        data,
    )
    assert sent.body == expected
    assert progress and progress[-1] == len(data)


async def test_name_and_type_can_be_given(standin, tmp_path):
    (tmp_path / "scan.bin").write_bytes(b"\x89PNG....")
    async with connect(make_settings(standin, tmp_path)) as client:
        result = await client.call_tool(
            "add_person_picture",
            {"id": 4, "path": "scan.bin", "file_name": "face.png", "content_type": "image/png"},
        )
    assert not result.is_error, text_of(result)
    (sent,) = standin.requests
    assert sent.path == "/api/v1/persons/4/picture"
    assert sent.body == multipart_body(boundary_of(sent), [], "file", "face.png", "image/png", b"\x89PNG....")


async def test_product_image_uses_its_own_part_name(standin, tmp_path):
    (tmp_path / "p.jpg").write_bytes(b"jpegdata")
    async with connect(make_settings(standin, tmp_path)) as client:
        result = await client.call_tool("upload_product_image", {"id": 8, "path": "p.jpg"})
    assert not result.is_error, text_of(result)
    (sent,) = standin.requests
    assert (sent.method, sent.path) == ("POST", "/api/v2/products/8/images")
    assert sent.body == multipart_body(boundary_of(sent), [], "data", "p.jpg", "image/jpeg", b"jpegdata")


async def test_attio_upload_sends_the_documented_multipart_fields(standin, tmp_path):
    (tmp_path / "contract.txt").write_bytes(b"terms")
    args = {
        "path": "contract.txt",
        "object": "companies",
        "record_id": "0b1f4c2e-2f44-4b7e-9d7c-111111111111",
    }
    async with connect(make_settings(standin, tmp_path)) as client:
        result = await client.call_tool("attio_upload_file", args)
    assert not result.is_error, text_of(result)
    (sent,) = standin.requests
    assert (sent.method, sent.path) == ("POST", "/v2/files/upload")
    assert sent.headers["authorization"].startswith("Bearer ")
    assert sent.body == multipart_body(
        boundary_of(sent),
        [("object", "companies"), ("record_id", args["record_id"])],
        "file",
        "contract.txt",
        "text/plain",
        b"terms",
    )


async def test_download_goes_to_the_folder_with_its_sha256_and_never_overwrites(standin, tmp_path):
    data = os.urandom(300_000)
    standin.reply_with(
        lambda r: Reply(
            body=data,
            headers={
                "content-type": "application/pdf",
                "content-disposition": 'attachment; filename="offer.pdf"',
            },
        )
    )
    async with connect(make_settings(standin, tmp_path)) as client:
        first = json.loads(text_of(await client.call_tool("download_file", {"id": 77})))["saved"]
        second = json.loads(text_of(await client.call_tool("download_file", {"id": 77})))["saved"]
    assert standin.requests[0].path == "/api/v1/files/77/download"
    assert first["path"] == str(tmp_path / "downloads" / "offer.pdf")
    assert second["path"] == str(tmp_path / "downloads" / "offer (1).pdf")
    for saved in (first, second):
        assert Path(saved["path"]).read_bytes() == data
        assert saved["sha256"] == hashlib.sha256(data).hexdigest()
        assert saved["size"] == len(data)
        assert saved["content_type"] == "application/pdf"


async def test_download_name_cannot_escape_the_folder(standin, tmp_path):
    standin.reply_with(lambda r: Reply(body=b"x", headers={"content-type": "text/plain"}))
    async with connect(make_settings(standin, tmp_path)) as client:
        result = await client.call_tool("download_file", {"id": 1, "save_as": "../../etc/passwd"})
    saved = json.loads(text_of(result))["saved"]
    assert Path(saved["path"]).parent == tmp_path / "downloads"
    assert Path(saved["path"]).name == "passwd"


@pytest.fixture
def outside(tmp_path_factory):
    folder = tmp_path_factory.mktemp("outside")
    (folder / "secret.txt").write_text("not yours")
    return folder


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("dotdot", "uses '..'"),
        ("absolute", "is outside the allowed folders"),
        ("symlink", "is a link to a place outside the allowed folders"),
        ("missing", "no file at"),
        ("directory", "is a folder"),
        ("device", "outside the allowed folders"),
        ("too_large", "over the 1 MB upload limit"),
    ],
)
async def test_refused_paths_say_why_and_send_nothing(standin, tmp_path, outside, case, expected):
    (tmp_path / "sub").mkdir()
    (tmp_path / "big.bin").write_bytes(b"\0" * (2 * 1024 * 1024))
    (tmp_path / "link.txt").symlink_to(outside / "secret.txt")
    path = {
        "dotdot": "sub/../../secret.txt",
        "absolute": str(outside / "secret.txt"),
        "symlink": "link.txt",
        "missing": "nope.pdf",
        "directory": "sub",
        "device": "/dev/zero",
        "too_large": "big.bin",
    }[case]
    async with connect(make_settings(standin, tmp_path, PIPEDRIVE_MAX_UPLOAD_MB="1")) as client:
        result = await client.call_tool("add_file", {"path": path, "deal_id": 1})
    assert result.is_error
    assert expected in text_of(result)
    if case in ("dotdot", "absolute", "symlink", "device"):
        assert str(tmp_path) in text_of(result)  # names the allowed roots
    assert standin.requests == []


async def test_a_device_inside_the_roots_is_refused(standin, tmp_path):
    async with connect(make_settings(standin, tmp_path, PIPEDRIVE_FILE_ROOTS="/dev")) as client:
        result = await client.call_tool("add_file", {"path": "/dev/zero", "deal_id": 1})
    assert result.is_error and "not a regular file" in text_of(result)
    assert standin.requests == []


async def test_google_drive_errors_explain_what_to_connect(standin, tmp_path):
    standin.reply_with(lambda r: Reply(400, {"success": False, "error": "Google Drive is not connected"}))
    args = {
        "file_type": "gdoc",
        "title": "Plan",
        "item_type": "deal",
        "item_id": 1,
        "remote_location": "googledrive",
    }
    async with connect(make_settings(standin, tmp_path)) as client:
        result = await client.call_tool("add_file_and_link_it", args)
    assert result.is_error
    message = text_of(result)
    assert "Google Drive is not connected" in message
    assert "connect Google Drive" in message
    sent = standin.requests[0]
    assert sent.headers["content-type"] == "application/x-www-form-urlencoded"
