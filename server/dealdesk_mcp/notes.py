"""The server's own notes to the client as MCP log messages (notifications/message): retries,
rate-limit waits, token refreshes, answers cut at the cap, files saved, failures inside the server.

A request handler attaches a `NoteSink` for the request it serves; code anywhere below it (the session,
an auth flow) calls `await note(level, text)`, which reaches that request's client, or nobody when no
request is being served. What a sink sends is scrubbed of the account's secrets, filtered by the level
the client chose, and bounded: a request sends at most PER_REQUEST notes, a connection at most
PER_WINDOW in WINDOW_SECONDS; the first note held back says so.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Generator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Final, get_args

from mcp_types import LoggingLevel

log = logging.getLogger(__name__)

# Least to most severe (RFC 5424, as the protocol orders them).
LEVELS: Final[tuple[LoggingLevel, ...]] = get_args(LoggingLevel)
# What a client that never set a level receives: retries and waits, not routine reports.
DEFAULT_LEVEL: LoggingLevel = "notice"
PER_REQUEST = 20
PER_WINDOW = 120
WINDOW_SECONDS = 60.0
LOGGER_NAME = "dealdesk-mcp"
_PYTHON_LEVEL: Final[dict[LoggingLevel, int]] = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "notice": logging.INFO,
    "warning": logging.WARNING,
    "error": logging.ERROR,
    "critical": logging.CRITICAL,
    "alert": logging.CRITICAL,
    "emergency": logging.CRITICAL,
}


def at_least(level: LoggingLevel, threshold: LoggingLevel) -> bool:
    return LEVELS.index(level) >= LEVELS.index(threshold)


@dataclass
class NoteWindow:
    """One connection's note count in the current window (shared by its requests)."""

    started: float = field(default_factory=time.monotonic)
    sent: int = 0

    def take(self, now: float) -> bool:
        if now - self.started >= WINDOW_SECONDS:
            self.started, self.sent = now, 0
        if self.sent >= PER_WINDOW:
            return False
        self.sent += 1
        return True


Send = Callable[[LoggingLevel, str], Awaitable[None]]


@dataclass
class NoteSink:
    """Where one request's notes go: `send` delivers one, `allowed` says which levels the client takes."""

    send: Send
    allowed: Callable[[LoggingLevel], bool]
    scrub: Callable[[str], str]
    window: NoteWindow = field(default_factory=NoteWindow)
    sent: int = 0
    held: int = 0

    async def note(self, level: LoggingLevel, text: str) -> None:
        if not self.allowed(level):
            return
        if self.sent >= PER_REQUEST or not self.window.take(time.monotonic()):
            self.held += 1
            if self.held == 1 and self.allowed("warning"):
                await self._deliver("warning", "further notes of this request are held back (too many)")
            return
        self.sent += 1
        await self._deliver(level, self.scrub(text))

    async def _deliver(self, level: LoggingLevel, text: str) -> None:
        try:
            await self.send(level, text)
        except Exception:  # a note is advisory: a client gone away must not fail the request
            log.debug("a note could not be delivered", exc_info=True)


_current: ContextVar[NoteSink | None] = ContextVar("dealdesk_notes", default=None)


@contextmanager
def attached(sink: NoteSink | None) -> Generator[None]:
    """Send the notes of the code run inside to `sink` (None: to nobody)."""
    token = _current.set(sink)
    try:
        yield
    finally:
        _current.reset(token)


async def note(level: LoggingLevel, text: str) -> None:
    """A note for the client of the request being served (and the server log at the matching level).
    Text is the server's own words; no secret may be put in it, and the sink scrubs it besides."""
    log.log(_PYTHON_LEVEL[level], "%s", text)
    sink = _current.get()
    if sink is not None:
        await sink.note(level, text)
