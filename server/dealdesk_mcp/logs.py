"""Logging on stderr that a flood of requests cannot flood.

Every bad request can make a library log a line (a wrong Host header, a malformed request, a client
that went away). Repeats of one message are held back after a few, and so is everything past an
overall budget; the next line that passes says how many were held back, so nothing is silently lost.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Per message: this many in a window, then the rest of the window is held back.
REPEATS = 5
# All messages together: this many per window.
BUDGET = 60
WINDOW_SECONDS = 60.0
# Distinct messages remembered per window.
TRACKED = 1000


@dataclass
class _Count:
    started: float
    passed: int = 0
    held: int = 0


@dataclass
class FloodFilter(logging.Filter):
    """Passes the first REPEATS of each message (by logger, level and text template) and BUDGET lines
    overall per window; counts the rest and reports the count on the next line that passes."""

    repeats: int = REPEATS
    budget: int = BUDGET
    window: float = WINDOW_SECONDS
    clock: Callable[[], float] = time.monotonic
    _messages: dict[tuple[str, int, str], _Count] = field(default_factory=dict[tuple[str, int, str], _Count])
    _overall: _Count | None = None

    def __post_init__(self) -> None:
        super().__init__()

    def filter(self, record: logging.LogRecord) -> bool:
        now = self.clock()
        overall = self._overall
        if overall is None or now - overall.started >= self.window:
            held_before = overall.held if overall else 0
            overall = self._overall = _Count(now)
            overall.held = held_before  # still to be reported
            self._messages = {k: c for k, c in self._messages.items() if now - c.started < self.window}
        # The template, not the formatted text: "%s sent a bad header" repeats whatever the client.
        key = (record.name, record.levelno, str(record.msg)[:200])
        count = self._messages.get(key)
        if count is None or now - count.started >= self.window:
            count = _Count(now, held=count.held if count else 0)
            if len(self._messages) < TRACKED:  # past that, new messages count against the budget only
                self._messages[key] = count
        if count.passed >= self.repeats or overall.passed >= self.budget:
            count.held += 1
            overall.held += 1
            return False
        count.passed += 1
        overall.passed += 1
        notes: list[str] = []
        if count.passed == self.repeats:
            notes.append(f"further repeats held back for {self.window:.0f} s")
        if overall.held:
            notes.append(f"{overall.held} log lines were held back before this one")
            overall.held = 0
            count.held = 0
        if notes:
            record.msg = f"{record.msg} [{'; '.join(notes)}]"
        return True


def configure(level: str) -> None:
    """Log at `level` to stderr (stdout belongs to the protocol in stdio mode), through the flood filter."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(FloodFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
