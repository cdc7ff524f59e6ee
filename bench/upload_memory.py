"""Peak memory of a large upload: the file must stream from disk, not sit in memory.

Uploads a file of --megabytes (default 200) with add_file through our server, in process, to a
loopback server in another process that reads and discards the body. Prints the server process's
peak RSS before and after, and the ratio of the growth to the file size.

Usage: .venv/bin/python bench/upload_memory.py [--megabytes 200]
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import anyio
import httpx
from mcp import Client

from dealdesk_mcp.app import build_server
from dealdesk_mcp.config import Settings

# A server that counts the bytes of each request body and answers like Pipedrive.
DISCARD_SERVER = r"""
import http.server, json, sys
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        left = int(self.headers["content-length"])
        while left:
            left -= len(self.rfile.read(min(left, 1 << 20)))
        body = json.dumps({"success": True, "data": {"id": 1}}).encode()
        self.send_response(201); self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body))); self.end_headers(); self.wfile.write(body)
    def log_message(self, *a): pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
"""


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def upload(origin: str, folder: Path, name: str) -> float:
    settings = Settings.from_env(
        {
            "PIPEDRIVE_API_TOKEN": "bench-token-0123456789",
            "PIPEDRIVE_BASE_URL": origin,
            "PIPEDRIVE_TOOLSETS": "files",
            "PIPEDRIVE_FILE_ROOTS": str(folder),
            "PIPEDRIVE_MAX_UPLOAD_MB": "1000",
            "PIPEDRIVE_TIMEOUT": "300",
        }
    )
    async with Client(build_server(settings)) as client:
        started = time.perf_counter()
        result = await client.call_tool("add_file", {"path": name, "deal_id": 1})
        assert not result.is_error, result.content
        return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=int, default=200)
    args = parser.parse_args()
    server = subprocess.Popen([sys.executable, "-c", DISCARD_SERVER], stdout=subprocess.PIPE, text=True)
    try:
        port = int(server.stdout.readline())
        origin = f"http://127.0.0.1:{port}"
        httpx.get(origin, timeout=5)  # warm: the discard server answers 501 to GET
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "big.bin"
            with open(path, "wb") as out:
                block = bytes(range(256)) * 4096  # 1 MiB of real bytes (not a sparse file)
                for _ in range(args.megabytes):
                    out.write(block)
            (Path(tmp) / "warm.bin").write_bytes(b"w")
            anyio.run(
                upload, origin, Path(tmp), "warm.bin"
            )  # a first call imports and builds what calls need
            before = peak_rss_mb()
            seconds = anyio.run(upload, origin, Path(tmp), path.name)
            after = peak_rss_mb()
    finally:
        server.terminate()
    growth = after - before
    print(f"upload of {args.megabytes} MB in {seconds:.1f} s")
    print(f"peak RSS before {before:.1f} MB, after {after:.1f} MB: growth {growth:.1f} MB")
    print(f"growth / file size: {growth / args.megabytes:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
