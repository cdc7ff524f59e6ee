"""The policy stage: what a write may do before anything is sent.

In order: the write level (a tool the level does not offer is refused, should a call ever reach
here); a dry run answers the request it would send and sends nothing; a conditional update
(`expect_update_time`) is refused when its item changed since; a call the confirm level names runs
only once confirmed: by the user, asked through the client (elicitation), or, where the client
cannot ask, with the `confirm` value a first call answered with its preview.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from dealdesk_mcp import confirm_values, fetching, files, preview
from dealdesk_mcp.answers import Fitted, dumps
from dealdesk_mcp.call import Call, InputRequired
from dealdesk_mcp.catalog import ToolEntry
from dealdesk_mcp.config import ConfirmLevel, WriteLevel
from dealdesk_mcp.errors import ItemChanged, NotAllowed
from dealdesk_mcp.preview import Preview
from dealdesk_mcp.request import build_request
from dealdesk_mcp.route import UpdateInput, UploadInput, WriteInput

log = logging.getLogger(__name__)

# The form the user answers: nothing to fill in, accept or decline.
CONFIRM_FORM: dict[str, Any] = {"type": "object", "properties": {}}


def write_refusal(entry: ToolEntry, level: WriteLevel) -> NotAllowed | None:
    """Why write level `level` does not allow `entry`, or None where it does."""
    if entry.allowed_at(level):
        return None
    if level == "none":
        return NotAllowed(
            f"{entry.name} changes data, and this server runs read-only (PIPEDRIVE_WRITES=none)."
        )
    return NotAllowed(
        f"{entry.name} is destructive (it cannot be undone), and this server's write level is 'safe' "
        "(PIPEDRIVE_WRITES); start it with --writes all to allow it."
    )


def needs_confirmation(entry: ToolEntry, level: ConfirmLevel) -> bool:
    return entry.writes and (level == "writes" or (level == "destructive" and entry.destructive))


async def apply(call: Call) -> None:
    refusal = write_refusal(call.entry, call.settings.writes)
    if refusal is not None:
        raise refusal
    model = call.model
    if not isinstance(model, WriteInput):
        return  # a read
    if model.dry_run:
        await _dry_run(call, model)
        return
    touched: Preview | None = None
    if isinstance(model, UpdateInput) and model.expect_update_time is not None:
        touched = await preview.build(call)
        _check_unchanged(call, touched, model.expect_update_time)
    if needs_confirmation(call.entry, call.settings.confirm):
        await _confirm(call, model, touched)


async def _dry_run(call: Call, model: WriteInput) -> None:
    shown = build_request(model, overrides=call.overrides).shown()
    if isinstance(model, UploadInput):
        # The file is opened and checked as the real call would (nothing is read into the answer).
        rules = fetching.upload_rules(call)
        async with files.open_upload(
            model.path, rules, file_name=model.file_name, content_type=model.content_type
        ) as upload:
            shown["file"] = {
                "part": model.route.file_part,
                "path": model.path,
                "file_name": upload.file_name,
                "content_type": upload.content_type,
                "size": upload.size,
            }
        call.upload = {"path": model.path, "file_name": upload.file_name, "size": upload.size}
    call.outcome = "dry_run"
    _answer(
        call,
        {
            "dry_run": shown,
            "notes": ["Dry run: nothing was sent. Without dry_run the call sends exactly this."],
        },
    )


def _check_unchanged(call: Call, touched: Preview, expected: str) -> None:
    item = touched.items[0]
    if item.name is None and not item.data:
        raise ItemChanged(
            f"expect_update_time: {item.kind} {item.id} could not be read to check it ({item.unnamed}); nothing "
            "was sent."
        )
    now = item.data.get("update_time")
    if not _same_time(now, expected):
        raise ItemChanged(
            f"{call.entry.name} refused: {item.kind} {item.id} has changed since (its update_time is now "
            f"{now!r}, not {expected!r}); nothing was sent. Read it again, then retry with "
            f"expect_update_time={now!r} if the change still applies."
        )


def _same_time(now: Any, expected: str) -> bool:
    """The same instant, whichever way each side writes it ("2024-05-01 10:00:00" or "...T10:00:00Z")."""
    if not isinstance(now, str):
        return False
    try:
        return _instant(now) == _instant(expected)
    except ValueError:
        return now.strip() == expected.strip()


def _instant(text: str) -> datetime:
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # Pipedrive writes UTC without a zone


async def _confirm(call: Call, model: WriteInput, touched: Preview | None) -> None:
    peer = call.peer
    if peer is not None and peer.can_elicit():
        touched = touched or await preview.build(call)
        try:
            action, _content = await peer.elicit(touched.message(), CONFIRM_FORM)
        except InputRequired:
            raise
        except Exception as exc:  # the client said it could ask, then could not: fall back to the value
            log.warning(
                "%s: asking the user failed (%s); answering with a confirm value", call.entry.name, exc
            )
        else:
            if action == "accept":
                call.confirmed = "user"
                return
            call.outcome = "declined" if action == "decline" else "cancelled"
            _answer(
                call,
                {
                    "preview": touched.shown(),
                    "notes": [
                        f"The user {call.outcome} {call.entry.name}: nothing was sent, nothing changed."
                    ],
                },
            )
            return
    account = call.account.key
    if model.confirm is not None:
        confirm_values.check(call.settings, model.confirm, call.entry.name, account, call.arguments)
        call.confirmed = "confirm value"
        return
    touched = touched or await preview.build(call)
    value = confirm_values.issue(call.settings, call.entry.name, account, call.arguments)
    minutes = confirm_values.VALID_SECONDS // 60
    call.outcome = "confirmation_needed"
    _answer(
        call,
        {
            "confirm": value,
            "preview": touched.shown(),
            "notes": [
                f"Nothing was sent yet: {call.entry.name} needs confirmation. Show the user the preview; if they "
                f"agree, call {call.entry.name} again with the same arguments and confirm={value} (good for "
                f"{minutes} minutes)."
            ],
        },
    )


def _answer(call: Call, value: dict[str, Any]) -> None:
    call.result = Fitted(value, dumps(value))
