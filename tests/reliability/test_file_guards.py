"""Local files: every way out of the allowed folders, and every kind of path that is not one readable
file, is refused with its own message before anything is sent."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import anyio
import pytest

from tests.conftest import connect, make_settings, text_of
from tests.standin import Reply, StandIn

# (case, how to make the path given the allowed root and a folder outside it, words the refusal must hold)
Setup = Callable[[Path, Path], str]


def traversal(root: Path, outside: Path) -> str:
    (outside / "secret.txt").write_text("outside")
    return f"../{outside.name}/secret.txt"


def traversal_inside(root: Path, outside: Path) -> str:
    (root / "a").mkdir()
    (root / "ok.txt").write_text("inside")
    return "a/../ok.txt"  # stays inside, but '..' is refused outright


def absolute_outside(root: Path, outside: Path) -> str:
    (outside / "secret.txt").write_text("outside")
    return str(outside / "secret.txt")


def symlink_out(root: Path, outside: Path) -> str:
    (outside / "secret.txt").write_text("outside")
    (root / "innocent.txt").symlink_to(outside / "secret.txt")
    return "innocent.txt"


def symlinked_folder_out(root: Path, outside: Path) -> str:
    (outside / "secret.txt").write_text("outside")
    (root / "docs").symlink_to(outside, target_is_directory=True)
    return "docs/secret.txt"


def home_outside(root: Path, outside: Path) -> str:
    return "~/.bashrc"


def dev_zero(root: Path, outside: Path) -> str:
    return "/dev/zero"


def directory(root: Path, outside: Path) -> str:
    (root / "folder").mkdir()
    return "folder"


def missing(root: Path, outside: Path) -> str:
    return "no-such-file.pdf"


def fifo(root: Path, outside: Path) -> str:
    os.mkfifo(root / "pipe")
    return "pipe"


def too_large(root: Path, outside: Path) -> str:
    (root / "big.bin").write_bytes(b"\0" * (2 * 2**20))
    return "big.bin"


def empty(root: Path, outside: Path) -> str:
    return "  "


CASES: list[tuple[str, Setup, tuple[str, ...]]] = [
    ("'..' out of the root", traversal, ("uses '..'",)),
    ("'..' that stays inside", traversal_inside, ("uses '..'",)),
    ("absolute path outside the roots", absolute_outside, ("is outside the allowed folders",)),
    ("~ (home) outside the roots", home_outside, ("is outside the allowed folders",)),
    ("symlink to a file outside", symlink_out, ("link to a place outside",)),
    ("symlinked folder leading outside", symlinked_folder_out, ("link to a place outside",)),
    ("/dev/zero", dev_zero, ("is outside the allowed folders",)),
    ("a directory", directory, ("is a folder",)),
    ("a missing file", missing, ("no file at",)),
    ("a named pipe (would block a reader)", fifo, ("not a regular file",)),
    ("2 MB file over a 1 MB limit", too_large, ("2.0 MB", "1 MB upload limit", "PIPEDRIVE_MAX_UPLOAD_MB")),
    ("blank path", empty, ("give the local path",)),
]
MESSAGES: dict[str, str] = {}
# Each refusal names one reason: the first phrase of each case, and no other case's phrase.
REASONS = sorted({words[0] for _, _, words in CASES} | {"not a regular file"})


@pytest.mark.parametrize(("case", "setup", "words"), CASES, ids=[c[0] for c in CASES])
async def test_upload_path_is_refused(
    case: str, setup: Setup, words: tuple[str, ...], standin: StandIn, tmp_path: Path
) -> None:
    root = tmp_path / "root"
    outside = tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    given = setup(root, outside)
    settings = make_settings(standin, root, PIPEDRIVE_MAX_UPLOAD_MB="1")
    async with connect(settings) as client:
        with anyio.fail_after(5):
            result = await client.call_tool("add_file", {"path": given, "deal_id": 1})
            # The same connection serves a good upload right after.
            (root / "fine.txt").write_text("fine")
            good = await client.call_tool("add_file", {"path": "fine.txt", "deal_id": 1})
    text = text_of(result)
    assert result.is_error, text
    for word in words:
        assert word in text, (word, text)
    assert text.startswith("path: ")
    assert [r for r in REASONS if r in text] == [words[0]], text
    assert not good.is_error, text_of(good)
    assert [(r.method, r.path) for r in standin.requests] == [("POST", "/api/v1/files")]  # the good one only
    MESSAGES[case] = text


async def test_a_real_device_inside_the_roots_is_refused(standin: StandIn, tmp_path: Path) -> None:
    # With /dev itself allowed, the device check (not the folder check) must catch /dev/zero.
    settings = make_settings(standin, tmp_path, PIPEDRIVE_FILE_ROOTS=f"{tmp_path}{os.pathsep}/dev")
    async with connect(settings) as client:
        with anyio.fail_after(5):
            result = await client.call_tool("add_file", {"path": "/dev/zero", "deal_id": 1})
    assert result.is_error and "not a regular file" in text_of(result), text_of(result)
    assert standin.requests == []
    MESSAGES["/dev/zero with /dev allowed"] = text_of(result)


async def test_download_names_cannot_leave_the_downloads_folder(standin: StandIn, tmp_path: Path) -> None:
    standin.reply_with(
        lambda r: Reply(
            200,
            b"file bytes",
            {"content-type": "text/plain", "content-disposition": 'attachment; filename="../../evil.sh"'},
        )
    )
    settings = make_settings(standin, tmp_path)
    downloads = tmp_path / "downloads"
    async with connect(settings) as client:
        with anyio.fail_after(5):
            named = await client.call_tool("download_file", {"id": 1})
            chosen = await client.call_tool("download_file", {"id": 1, "save_as": "../../../tmp/evil2.sh"})
            hidden = await client.call_tool("download_file", {"id": 1, "save_as": ".bashrc"})
    saved = [Path(r.structured_content["saved"]["path"]) for r in (named, chosen, hidden)]
    assert all(p.parent == downloads.resolve() for p in saved), saved
    assert not any(p.name.startswith(".") for p in saved), saved
    assert not (tmp_path.parent / "evil.sh").exists()


def test_zz_print_file_refusals() -> None:
    print("\nfile guards: case -> message")
    for case, message in MESSAGES.items():
        print(f"  {case:<40} {message[:120]}")
