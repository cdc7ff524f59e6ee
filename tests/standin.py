"""A real HTTP server on 127.0.0.1 standing in for Pipedrive or Attio in tests.

It records every request (method, path, query, headers, body) and answers through a
handler the test sets, so tests assert exactly what went over the wire.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Recorded:
    method: str
    path: str
    query: list[tuple[str, str]]
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def args(self) -> dict[str, str]:
        return dict(self.query)


@dataclass
class Reply:
    status: int = 200
    body: Any = field(default_factory=lambda: {"success": True, "data": None})
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    # Close the connection after sending only part of the body (a reset mid-answer).
    truncate: bool = False


Handler = Callable[[Recorded], Reply]


def default_handler(request: Recorded) -> Reply:
    return Reply(body={"success": True, "data": {"id": 1}})


class StandIn:
    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.handler: Handler = default_handler
        standin = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # One write per answer, sent at once: no delayed-ACK stalls on keep-alive connections.
            wbufsize = 1 << 16
            disable_nagle_algorithm = True

            def _serve(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                recorded = Recorded(
                    method=self.command,
                    path=parts.path,
                    query=parse_qsl(parts.query, keep_blank_values=True),
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=body,
                )
                standin.requests.append(recorded)
                reply = standin.handler(recorded)
                if reply.delay:
                    threading.Event().wait(reply.delay)
                if isinstance(reply.body, bytes):
                    payload = reply.body
                    content_type = reply.headers.get("content-type", "application/octet-stream")
                elif isinstance(reply.body, str):
                    payload = reply.body.encode()
                    content_type = reply.headers.get("content-type", "text/html")
                else:
                    payload = json.dumps(reply.body).encode()
                    content_type = "application/json"
                try:
                    self.send_response(reply.status)
                    self.send_header("content-type", content_type)
                    for key, value in reply.headers.items():
                        if key.lower() != "content-type":
                            self.send_header(key, value)
                    self.send_header("content-length", str(len(payload)))
                    self.end_headers()
                    if reply.truncate:
                        self.wfile.write(payload[: len(payload) // 2])
                        self.wfile.flush()
                        self.close_connection = True
                        return
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

            def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
                pass

        # A deep accept queue: many calls may connect at once. Short polling: quick teardown.
        server_class = type(
            "Server", (ThreadingHTTPServer,), {"request_queue_size": 128, "daemon_threads": True}
        )
        self._server = server_class(("127.0.0.1", 0), _Handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def origin(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> StandIn:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def reply_with(self, handler: Handler) -> None:
        self.handler = handler
