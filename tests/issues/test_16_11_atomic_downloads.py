"""Issue 16, item 11: downloads (and saved full answers) are atomic and unique per call.

Five simultaneous downloads of one name used to fail four times, and the one "success" named a file
holding another download's bytes; an existing NAME.part was deleted; after a kill -9 mid-download the
next download of that name failed once.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import anyio
import pytest

from dealdesk_mcp import files
from tests.conftest import connect, make_settings, text_of
from tests.standin import Reply, StandIn
from tests.transports.conftest import INITIALIZE, SCRIPT, server_env

DOWNLOADS = 5


def offer(data: bytes, delay: float = 0.0) -> Reply:
    headers = {"content-type": "application/pdf", "content-disposition": 'attachment; filename="offer.pdf"'}
    return Reply(body=data, headers=headers, delay=delay)


async def test_five_simultaneous_downloads_of_one_name_each_keep_their_own_bytes(
    standin: StandIn, tmp_path: Path
) -> None:
    bodies = {i: os.urandom(200_000 + i) for i in range(DOWNLOADS)}
    # File id i answers body i, all of them slowly enough to overlap.
    standin.reply_with(lambda r: offer(bodies[int(r.path.split("/")[-2])], delay=0.3))
    (tmp_path / "downloads").mkdir()
    foreign = tmp_path / "downloads" / "offer.pdf.part"
    foreign.write_bytes(b"someone else's partial file")
    saved: dict[int, dict] = {}
    async with connect(make_settings(standin, tmp_path)) as client:

        async def download(i: int) -> None:
            result = await client.call_tool("download_file", {"id": i})
            assert not result.is_error, text_of(result)
            saved[i] = json.loads(text_of(result))["saved"]

        async with anyio.create_task_group() as tasks:
            for i in range(DOWNLOADS):
                tasks.start_soon(download, i)
    assert len({s["path"] for s in saved.values()}) == DOWNLOADS
    for i, entry in saved.items():
        assert Path(entry["path"]).read_bytes() == bodies[i], i
        assert entry["sha256"] == hashlib.sha256(bodies[i]).hexdigest()
    names = sorted(Path(s["path"]).name for s in saved.values())
    assert names == ["offer (1).pdf", "offer (2).pdf", "offer (3).pdf", "offer (4).pdf", "offer.pdf"]
    assert foreign.read_bytes() == b"someone else's partial file"  # not ours: untouched
    leftovers = [p.name for p in (tmp_path / "downloads").iterdir() if p.name.startswith(files.PART_PREFIX)]
    assert leftovers == []


class HalfAnswer:
    """A loopback API that sends the headers and half the body of a download, then stalls."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.halfway = threading.Event()
        self.done = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def _serve(self) -> None:
        conn, _ = self.sock.accept()
        with conn:
            conn.recv(65536)
            conn.sendall(
                b"HTTP/1.1 200 OK\r\ncontent-type: application/pdf\r\n"
                b'content-disposition: attachment; filename="offer.pdf"\r\n'
                + f"content-length: {self.size}\r\n\r\n".encode()
                + b"\0" * (self.size // 2)
            )
            self.halfway.set()
            self.done.wait(30)

    def close(self) -> None:
        self.done.set()
        self.sock.close()


async def test_a_download_killed_midway_leaves_the_next_one_working(standin: StandIn, tmp_path: Path) -> None:
    """kill -9 of the server while a download streams; the next download of that name just works."""
    stalled = HalfAnswer(4 * 1024 * 1024)
    downloads = tmp_path / "downloads"
    env = server_env(
        standin,
        PIPEDRIVE_BASE_URL=stalled.origin,
        PIPEDRIVE_FILE_ROOTS=str(tmp_path),
        PIPEDRIVE_DOWNLOAD_DIR=str(downloads),
    )
    call = [
        INITIALIZE,
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {
            "jsonrpc": "2.0",
            "id": 2,
            "method": "tools/call",
            "params": {"name": "download_file", "arguments": {"id": 1}},
        },
    ]
    proc = subprocess.Popen(
        [str(SCRIPT), "--toolsets", "files"],
        env=env,
        cwd=tmp_path,
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert proc.stdin is not None
        proc.stdin.write(b"".join(json.dumps(m).encode() + b"\n" for m in call))
        proc.stdin.flush()
        assert stalled.halfway.wait(20), "the download never started"
        deadline = time.monotonic() + 10
        while not any(downloads.glob("*part")) and time.monotonic() < deadline:
            time.sleep(0.05)  # until the half that was sent is on disk
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        stalled.close()
    left_behind = sorted(p.name for p in downloads.iterdir())
    assert len(left_behind) == 1 and left_behind[0].endswith(".part"), left_behind

    data = os.urandom(300_000)
    standin.reply_with(lambda r: offer(data))
    async with connect(make_settings(standin, tmp_path)) as client:
        result = await client.call_tool("download_file", {"id": 2})
    assert not result.is_error, text_of(result)
    saved = json.loads(text_of(result))["saved"]
    assert Path(saved["path"]).name == "offer.pdf"
    assert Path(saved["path"]).read_bytes() == data
    assert (downloads / left_behind[0]).exists()  # the dead call's file is not ours to remove


def test_saved_answers_written_at_once_under_one_name_all_survive(tmp_path: Path) -> None:
    texts = [json.dumps({"writer": i, "data": "x" * (100_000 + i)}) for i in range(8)]
    paths: list[str] = []
    barrier = threading.Barrier(len(texts))

    def write(text: str) -> None:
        barrier.wait()
        paths.append(files.write_json_file(tmp_path, "get_deals-1700000000.json", text))

    threads = [threading.Thread(target=write, args=(t,)) for t in texts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(paths)) == len(texts)
    assert sorted(Path(p).read_text() for p in paths) == sorted(texts)
    assert sys.platform == "win32" or all(Path(p).stat().st_mode & 0o077 == 0 for p in paths)  # owner only


async def test_where_folders_cannot_be_walked_by_descriptor_files_still_move(
    standin: StandIn, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Platforms without openat() (Windows) take the by-path way: still exclusive, still no overwrite."""
    monkeypatch.setattr(files, "WALKS_BY_DESCRIPTOR", False)
    (tmp_path / "offer.txt").write_bytes(b"to send")
    (tmp_path / "link.txt").symlink_to(tmp_path / "offer.txt")
    standin.reply_with(lambda r: offer(b"received") if r.method == "GET" else Reply())
    async with connect(make_settings(standin, tmp_path)) as client:
        sent = await client.call_tool("add_file", {"path": "offer.txt", "deal_id": 1})
        linked = await client.call_tool("add_file", {"path": "link.txt", "deal_id": 1})
        first = await client.call_tool("download_file", {"id": 1})
        second = await client.call_tool("download_file", {"id": 1})
    assert not sent.is_error, text_of(sent)
    assert linked.is_error and "links are not followed" in text_of(linked)
    paths = [Path(json.loads(text_of(r))["saved"]["path"]) for r in (first, second)]
    assert [p.name for p in paths] == ["offer.pdf", "offer (1).pdf"]
    assert all(p.read_bytes() == b"received" for p in paths)
