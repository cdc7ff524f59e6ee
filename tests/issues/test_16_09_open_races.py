"""Issue 16, item 9: an upload is opened once, without following links, and what was opened is what is
checked and sent.

The path used to be checked first and opened afterwards: a symlink or folder swapped in between sent
files from outside the allowed folders (up to 59 of 400 calls), and a named pipe swapped in froze the
whole event loop until someone opened the pipe's other end.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import anyio
import pytest

from tests.conftest import connect, make_settings, text_of
from tests.standin import Reply, StandIn

CALLS = 400
OUTSIDE = b"outside the allowed folders: must never be sent"
INSIDE = b"inside"


@contextmanager
def flipping(swap: Callable[[int], None]) -> Iterator[list[int]]:
    """Call swap(0), swap(1), swap(0)... in a thread as fast as it goes, for the block's duration."""
    stop = threading.Event()
    flips = [0]

    def run() -> None:
        while not stop.is_set():
            swap(flips[0] % 2)
            flips[0] += 1

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield flips
    finally:
        stop.set()
        thread.join(timeout=5)


def replace_with(root: Path, name: str, make: Callable[[Path], None]) -> None:
    """Make the new entry under a scratch name, then rename it over `name` (atomic)."""
    scratch = root / f".{name}.{threading.get_ident()}"
    make(scratch)
    os.replace(scratch, root / name)
    # Renaming one hard link over another of the same file does nothing; the scratch name stays.
    with contextlib.suppress(FileNotFoundError):
        os.unlink(scratch)


async def upload_many(standin: StandIn, root: Path, path: str) -> list[str]:
    outcomes: list[str] = []
    async with connect(make_settings(standin, root)) as client:
        for _ in range(CALLS):
            result = await client.call_tool("add_file", {"path": path, "deal_id": 1})
            outcomes.append("refused" if result.is_error else "sent")
            if result.is_error:
                assert text_of(result).startswith("path: "), text_of(result)
    return outcomes


@pytest.fixture
def places(tmp_path: Path) -> tuple[Path, Path]:
    root, outside = tmp_path / "root", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (outside / "doc.txt").write_bytes(OUTSIDE)
    return root, outside


async def test_a_file_swapped_for_a_link_is_never_followed(
    standin: StandIn, places: tuple[Path, Path]
) -> None:
    root, outside = places

    def swap(state: int) -> None:
        if state:
            replace_with(root, "doc.txt", lambda p: p.symlink_to(outside / "doc.txt"))
        else:
            replace_with(root, "doc.txt", lambda p: p.write_bytes(INSIDE))

    with flipping(swap) as flips:
        outcomes = await upload_many(standin, root, "doc.txt")
    leaked = [r for r in standin.requests if OUTSIDE in r.body]
    assert leaked == [], f"{len(leaked)} of {CALLS} uploads sent a file from outside ({flips[0]} swaps)"
    assert all(INSIDE in r.body for r in standin.requests)
    assert outcomes.count("sent") == len(standin.requests)


async def test_a_folder_swapped_for_a_link_is_never_followed(
    standin: StandIn, places: tuple[Path, Path]
) -> None:
    root, outside = places

    def real_folder(path: Path) -> None:
        path.mkdir()
        (path / "doc.txt").write_bytes(INSIDE)

    def swap(state: int) -> None:
        # A folder cannot be renamed over another: move the old entry aside first.
        aside = root / f".old.{state}"
        if (root / "docs").exists() or (root / "docs").is_symlink():
            os.rename(root / "docs", aside)
        if state:
            (root / "docs").symlink_to(outside, target_is_directory=True)
        else:
            real_folder(root / "docs")
        if aside.is_symlink():
            aside.unlink()
        elif aside.exists():
            (aside / "doc.txt").unlink()
            aside.rmdir()

    with flipping(swap):
        await upload_many(standin, root, "docs/doc.txt")
    assert [r for r in standin.requests if OUTSIDE in r.body] == []


async def test_a_pipe_swapped_in_never_stalls_the_server(standin: StandIn, places: tuple[Path, Path]) -> None:
    """While uploads of a path that keeps turning into a named pipe run, other calls keep flowing."""
    root, _ = places
    os.mkfifo(root / ".pipe")
    # Whoever gets stuck opening the pipe is let go after a while, so a failing run ends.
    stop = threading.Event()

    def release_stuck_readers() -> None:
        while not stop.wait(2.0):
            with contextlib.suppress(OSError):  # nobody is reading
                os.close(os.open(root / ".pipe", os.O_WRONLY | os.O_NONBLOCK))

    def swap(state: int) -> None:
        if state:
            replace_with(root, "doc.txt", lambda p: os.link(root / ".pipe", p))
        else:
            replace_with(root, "doc.txt", lambda p: p.write_bytes(INSIDE))

    standin.reply_with(lambda r: Reply(body={"success": True, "data": {"id": 1}}))
    gaps: list[float] = []

    async def ticker() -> None:
        last = time.monotonic()
        while True:
            await anyio.sleep(0.02)
            now = time.monotonic()
            gaps.append(now - last)
            last = now

    releaser = threading.Thread(target=release_stuck_readers, daemon=True)
    releaser.start()
    try:
        with flipping(swap):
            async with connect(make_settings(standin, root)) as client, anyio.create_task_group() as tasks:
                tasks.start_soon(ticker)
                for _ in range(CALLS):
                    result = await client.call_tool("add_file", {"path": "doc.txt", "deal_id": 1})
                    if result.is_error:
                        assert "not a regular file" in text_of(result) or "no file at" in text_of(result)
                tasks.cancel_scope.cancel()
    finally:
        stop.set()
        releaser.join(timeout=5)
    print(f"max gap {max(gaps):.2f} s over {len(gaps)} ticks")
    assert max(gaps) < 1.5, f"the event loop stood still for {max(gaps):.1f} s"


async def test_a_hard_link_to_a_file_outside_is_refused(standin: StandIn, places: tuple[Path, Path]) -> None:
    root, outside = places
    os.link(outside / "doc.txt", root / "innocent.txt")
    async with connect(make_settings(standin, root)) as client:
        result = await client.call_tool("add_file", {"path": "innocent.txt", "deal_id": 1})
    assert result.is_error
    assert "has 2 names (hard links)" in text_of(result)
    assert standin.requests == []


async def test_a_link_inside_the_folders_is_not_followed_and_the_answer_says_where_to_look(
    standin: StandIn, places: tuple[Path, Path]
) -> None:
    root, _ = places
    (root / "real.txt").write_bytes(INSIDE)
    (root / "alias.txt").symlink_to(root / "real.txt")
    async with connect(make_settings(standin, root)) as client:
        result = await client.call_tool("add_file", {"path": "alias.txt", "deal_id": 1})
    assert result.is_error
    assert "links are not followed" in text_of(result)
    assert str(root / "real.txt") in text_of(result)
    assert standin.requests == []


async def test_a_downloads_folder_swapped_for_a_link_is_refused(
    standin: StandIn, places: tuple[Path, Path]
) -> None:
    root, outside = places
    standin.reply_with(lambda r: Reply(body=b"downloaded", headers={"content-type": "text/plain"}))
    settings = make_settings(standin, root)  # downloads: root/downloads, a real folder at start
    (root / "downloads").mkdir()
    async with connect(settings) as client:
        first = await client.call_tool("download_file", {"id": 1, "save_as": "a.txt"})
        (root / "downloads").rename(root / "downloads-old")
        (root / "downloads").symlink_to(outside, target_is_directory=True)
        second = await client.call_tool("download_file", {"id": 1, "save_as": "b.txt"})
    assert not first.is_error, text_of(first)
    assert second.is_error
    assert "links are not followed" in text_of(second) and "PIPEDRIVE_DOWNLOAD_DIR" in text_of(second)
    assert sorted(p.name for p in outside.iterdir()) == ["doc.txt"]  # nothing landed outside
