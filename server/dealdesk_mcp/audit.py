"""The audit log (PIPEDRIVE_AUDIT_LOG): one JSON line per write attempt, whatever became of it.

Each line says when, whose, which tool, the arguments (secrets replaced; an upload's file shown by
path and size, never its bytes), the outcome (ok, a dry run, a confirmation asked for, declined,
refused, or the error with its HTTP status), whether a request reached the API, how the call was
confirmed, and the ids it created, changed or deleted. Reads leave no line. The file is only ever
appended to, one write per line, and is created private (0600).
"""

from __future__ import annotations

import json
import logging
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dealdesk_mcp.account import MIN_SECRET_LENGTH, Account
from dealdesk_mcp.call import Call, InputRequired
from dealdesk_mcp.catalog import ToolEntry
from dealdesk_mcp.config import Settings
from dealdesk_mcp.errors import ApiError, ConfigError, InvalidArguments, NotAllowed, ToolError
from dealdesk_mcp.jsonvalues import is_array, is_object

log = logging.getLogger(__name__)

# Arguments that name items a write changes besides those in its path (a merge's other side, bulk ids).
ID_ARGUMENTS = ("merge_with_id", "ids")
REDACTED = "[redacted]"
# Not logged: a confirm value is a short-lived capability; `confirmed` says how the call was confirmed.
LEFT_OUT = ("confirm",)


def check(settings: Settings) -> None:
    """At start: the audit log can be opened for appending (created private if missing)."""
    if settings.audit_log is None:
        return
    try:
        os.close(_open(settings.audit_log))
    except OSError as exc:
        raise ConfigError(
            f"PIPEDRIVE_AUDIT_LOG: cannot append to {settings.audit_log} ({exc.strerror})"
        ) from None


def record(call: Call, failure: BaseException | None) -> None:
    """The line of a call that has ended, with `failure` if it ended in one (nothing for reads)."""
    path = call.settings.audit_log
    if path is None or not call.entry.writes or isinstance(failure, InputRequired):
        return  # the client asks its user and calls again: that call is the attempt
    line: dict[str, Any] = {
        **_head(call.entry, call.account, call.arguments),
        **_outcome(call.outcome, failure),
        "sent": bool(call.requests),
    }
    if call.confirmed:
        line["confirmed"] = call.confirmed
    if call.upload:
        line["file"] = call.upload
    ids = _ids(call)
    if ids:
        line["ids"] = ids
    created = _created(call) if failure is None and call.requests else None
    if created is not None:
        line["created"] = created
    _write(path, line, _secrets(call.settings, call.account))


def refused(
    settings: Settings, account: Account, entry: ToolEntry, arguments: dict[str, Any], error: ToolError
) -> None:
    """The line of a write refused before it started (a tool the write level does not offer)."""
    if settings.audit_log is None or not entry.writes:
        return
    line = {**_head(entry, account, arguments), **_outcome(None, error), "sent": False}
    _write(settings.audit_log, line, _secrets(settings, account))


def _head(entry: ToolEntry, account: Account, arguments: dict[str, Any]) -> dict[str, Any]:
    return {
        "time": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "account": account.key,
        "tool": entry.name,
        "arguments": {k: v for k, v in arguments.items() if k not in LEFT_OUT},
    }


def _outcome(answered: str | None, failure: BaseException | None) -> dict[str, Any]:
    if failure is None:
        return {"outcome": answered or "ok"}
    if isinstance(failure, ApiError):
        return {"outcome": "error", "error": failure.message, "status": failure.status}
    if isinstance(failure, NotAllowed):
        return {"outcome": "refused", "error": failure.message}
    if isinstance(failure, InvalidArguments):
        return {"outcome": "invalid", "error": failure.message}
    if isinstance(failure, ToolError):
        return {"outcome": "error", "error": failure.message}
    if isinstance(failure, Exception):
        return {"outcome": "error", "error": f"failed inside the server ({type(failure).__name__})"}
    return {"outcome": "cancelled"}  # the request may or may not have reached the API: see `sent`


def _ids(call: Call) -> dict[str, Any]:
    if call.model is None:
        return {}
    values = call.model.model_dump(mode="json", by_alias=True, exclude_unset=True)
    names = (*call.model.route.path_params, *ID_ARGUMENTS)
    return {name: values[name] for name in names if name in values}


def _created(call: Call) -> Any:
    """The id of what a POST made, as the API answered it."""
    if call.entry.method != "POST" or not is_object(call.answer):
        return None
    data = call.answer.get("data")
    return data.get("id") if is_object(data) else None


def _secrets(settings: Settings, account: Account) -> list[str]:
    values = {s for s in (*settings.secrets(), *account.secrets()) if len(s) >= MIN_SECRET_LENGTH}
    return sorted(values, key=len, reverse=True)  # a secret holding another is replaced whole


def _redact(value: Any, secrets: list[str]) -> Any:
    if isinstance(value, str):
        for secret in secrets:
            value = value.replace(secret, REDACTED)
        return value
    if is_object(value):
        return {_redact(str(k), secrets): _redact(v, secrets) for k, v in value.items()}
    if is_array(value):
        return [_redact(v, secrets) for v in value]
    return value


def _open(path: Path) -> int:
    return os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o600)


def _write(path: Path, line: dict[str, Any], secrets: list[str]) -> None:
    text = json.dumps(_redact(line, secrets), ensure_ascii=False, separators=(",", ":"), default=str)
    data = (text + "\n").encode()
    try:
        fd = _open(path)
        try:
            written = os.write(fd, data)  # one write: lines of concurrent calls never interleave
            while written < len(data):
                written += os.write(fd, data[written:])
        finally:
            os.close(fd)
    except OSError as exc:
        # The call has already happened; failing it now would invite a repeat. The log says so loudly.
        log.error("the audit log %s could not be written (%s); a line was lost", path, exc.strerror)
