"""Pipedrive's token-cost budget, when asked for: each operation costs its documented x-token-cost and a
window of `seconds` allows `budget` tokens; answers carry x-ratelimit-* headers, a spent budget is 429."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class RateLimit:
    budget: int
    seconds: float = 2.0

    @classmethod
    def parse(cls, text: str) -> RateLimit:
        """'BUDGET' or 'BUDGET/SECONDS' (the --rate-limit flag)."""
        budget, _, seconds = text.partition("/")
        try:
            parsed = cls(int(budget), float(seconds) if seconds else 2.0)
        except ValueError:
            raise ValueError(f"rate limit must be BUDGET or BUDGET/SECONDS, got {text!r}") from None
        if parsed.budget < 1 or parsed.seconds <= 0:
            raise ValueError("rate limit budget and window must be positive")
        return parsed


@dataclass
class Verdict:
    allowed: bool
    headers: dict[str, str]
    retry_after: int


@dataclass
class Budget:
    """One shared budget (the sandbox has one company); windows start at the first spend."""

    limit: RateLimit
    clock: Callable[[], float] = time.monotonic
    _window_start: float = field(default=-math.inf, repr=False)
    _spent: int = field(default=0, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def spend(self, cost: int) -> Verdict:
        with self._lock:
            now = self.clock()
            if now - self._window_start >= self.limit.seconds:
                self._window_start, self._spent = now, 0
            reset = max(1, math.ceil(self._window_start + self.limit.seconds - now))
            allowed = self._spent + cost <= self.limit.budget
            if allowed:
                self._spent += cost
            remaining = max(self.limit.budget - self._spent, 0)
        headers = {
            "x-ratelimit-limit": str(self.limit.budget),
            "x-ratelimit-remaining": str(remaining),
            "x-ratelimit-reset": str(reset),
        }
        if not allowed:
            headers["retry-after"] = str(reset)
        return Verdict(allowed, headers, reset)
