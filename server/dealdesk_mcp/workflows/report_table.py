"""What every report shares: its arguments, money by currency, periods, and its answer: a small table
(`data.columns`, `data.rows`, `data.totals`) with `walk` saying where the rows came from and whether
every list was read to its end, cut to the answer cap with the whole table kept in a file."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from pydantic import Field

from dealdesk_mcp import files
from dealdesk_mcp.account import Account
from dealdesk_mcp.answers import dumps
from dealdesk_mcp.config import Settings
from dealdesk_mcp.jsonvalues import as_object, is_array
from dealdesk_mcp.server_tools import ServerToolInput
from dealdesk_mcp.toolsets import ALL
from dealdesk_mcp.workflows.reading import Reader

GROUP = "reports"
Period = Literal["month", "quarter", "all"]
# Room kept for the cut note when rows must go.
NOTE_ROOM = 600


class DealFilter(ServerToolInput):
    pipeline_id: int | None = None
    owner_id: int | None = Field(default=None, description="User id.")
    currency: str | None = Field(default=None, description="Only deals in it, e.g. EUR.")


class Span(ServerToolInput):
    since: date | None = None
    until: date | None = Field(default=None, description="Inclusive.")

    def holds(self, day: date | None) -> bool:
        if day is None:
            return self.since is None and self.until is None
        return (self.since is None or day >= self.since) and (self.until is None or day <= self.until)


def selected(settings: Settings) -> bool:
    """Reports are offered where --toolsets names them (or all)."""
    chosen = {t.strip().lower() for t in settings.toolsets or ()}
    return GROUP in chosen or ALL in chosen


# -- values ---------------------------------------------------------------------------------------
Money = dict[str, float]


def add(money: Money, currency: Any, amount: Any) -> None:
    if isinstance(amount, bool) or not isinstance(amount, int | float):
        return
    code = currency if isinstance(currency, str) and currency else "?"
    money[code] = money.get(code, 0.0) + float(amount)


def shown(money: Money) -> dict[str, float]:
    """Amounts by currency code, rounded to cents, codes in order."""
    return {code: round(money[code], 2) for code in sorted(money)}


def day_of(value: Any) -> date | None:
    """The day of a date or timestamp as the APIs write them (2026-05-01, 2026-05-01T10:00:00Z,
    2026-05-01 10:00:00)."""
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def period_of(day: date | None, by: Period) -> str | None:
    if day is None:
        return None
    if by == "month":
        return f"{day.year:04d}-{day.month:02d}"
    if by == "quarter":
        return f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}"
    return "all"


def rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def by_id(items: Iterable[Any]) -> dict[Any, dict[str, Any]]:
    out: dict[Any, dict[str, Any]] = {}
    for item in items:
        record = as_object(item)
        if record is not None and "id" in record:
            out[record["id"]] = record
    return out


async def user_names(reader: Reader) -> dict[Any, str]:
    """User id -> name, for owner columns."""
    users = await reader.one("get_users")
    return {
        u["id"]: str(u.get("name") or "")
        for u in (users if is_array(users) else [])
        if as_object(u) is not None and "id" in u
    }


# -- the answer -----------------------------------------------------------------------------------
@dataclass
class Table:
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list[list[Any]])
    totals: dict[str, Any] = field(default_factory=dict[str, Any])
    notes: list[str] = field(default_factory=list[str])


def answer(table: Table, reader: Reader, *, tool: str, account: Account, limit: int) -> dict[str, Any]:
    """The report's structured answer within `limit` characters."""
    walk = reader.described()
    notes = list(table.notes)
    if not reader.complete:
        notes.append(
            "Not every list was read to its end (the report's time or API-token budget ran out): "
            "the figures cover what walk.read shows. Narrow the report (pipeline_id, owner_id, since) "
            "for complete figures."
        )
    data = {"columns": table.columns, "rows": table.rows, "totals": table.totals}
    value: dict[str, Any] = {"data": data, "walk": walk}
    if notes:
        value["notes"] = notes
    text = dumps(value)
    if len(text) <= limit:
        return value
    saved = files.write_json_file(
        account.download_dir, f"{tool}-{int(time.time())}.json", account.scrub(text), account.secrets()
    )
    frame = len(dumps({**value, "data": {**data, "rows": []}}))
    budget = limit - frame - NOTE_ROOM
    keep = 0
    for row in table.rows:
        budget -= len(dumps(row)) + 1
        if budget < 0:
            break
        keep += 1
    value["data"] = {**data, "rows": table.rows[:keep]}
    value["cut"] = {
        "note": f"showing {keep} of {len(table.rows)} rows (answer cap {limit} characters); totals cover "
        "all rows, and the whole report is in the file",
        "items_shown": keep,
        "items_cut": len(table.rows) - keep,
        "full_answer_file": saved,
    }
    return value


OUTPUT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"data": {"type": "object", "required": ["columns", "rows", "totals"]}},
    "required": ["data", "walk"],
}
