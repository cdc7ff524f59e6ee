"""The values of the two-step confirm: what a client that cannot ask its user passes back to carry a
previewed call out.

A value is `<issued>.<mac>`: the second it was issued and an HMAC-SHA256 over (tool, account, issued,
arguments). It proves the server previewed exactly this call for this account a short while ago, and
needs no memory on the server: any process holding the same key checks it (hosted replicas share
PIPEDRIVE_CONFIRM_KEY; without one each process draws a random key, so a restart voids pending values).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from typing import Any

from dealdesk_mcp.config import Settings
from dealdesk_mcp.errors import ConfirmRefused

# How long a value stays good: enough for an agent to show the preview and hear back.
VALID_SECONDS = 300
# Clock difference between replicas that still counts as "now".
CLOCK_SKEW = 30
# The argument itself is not part of what it signs.
ARGUMENT = "confirm"

_PROCESS_KEY = secrets.token_bytes(32)


def _key(settings: Settings) -> bytes:
    return settings.confirm_key.encode() if settings.confirm_key else _PROCESS_KEY


def _mac(settings: Settings, tool: str, account: str, issued: int, arguments: dict[str, Any]) -> str:
    signed = {k: v for k, v in arguments.items() if k != ARGUMENT}
    message = json.dumps(
        [tool, account, issued, signed],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )
    digest = hmac.new(_key(settings), message.encode(), hashlib.sha256).digest()[:18]
    return base64.urlsafe_b64encode(digest).decode()


def issue(
    settings: Settings, tool: str, account: str, arguments: dict[str, Any], *, now: float | None = None
) -> str:
    issued = int(time.time() if now is None else now)
    return f"{issued}.{_mac(settings, tool, account, issued, arguments)}"


def check(
    settings: Settings,
    value: str,
    tool: str,
    account: str,
    arguments: dict[str, Any],
    *,
    now: float | None = None,
) -> None:
    """Pass when `value` was issued for this very call within VALID_SECONDS; else ConfirmRefused."""
    issued_text, dot, mac = value.strip().partition(".")
    if not (dot and issued_text.isdigit() and mac):
        raise ConfirmRefused(
            f"confirm: {value[:40]!r} is not a value this server gave; nothing was sent. Call {tool} without "
            "confirm to get a preview and the value to pass."
        )
    issued = int(issued_text)
    age = (time.time() if now is None else now) - issued
    if not -CLOCK_SKEW <= age <= VALID_SECONDS:
        raise ConfirmRefused(
            f"confirm: this value has expired (values are good for {VALID_SECONDS // 60} minutes); nothing was "
            f"sent. Call {tool} without confirm for a fresh preview and value."
        )
    if not hmac.compare_digest(mac, _mac(settings, tool, account, issued, arguments)):
        raise ConfirmRefused(
            f"confirm: this value was not given for this call (another tool, other arguments or another "
            f"account, or by a server that has restarted since); nothing was sent. Call {tool} with exactly the "
            "arguments of the preview, or without confirm for a new one."
        )
