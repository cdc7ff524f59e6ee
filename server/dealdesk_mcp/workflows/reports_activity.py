"""Reports over activities: `stale_deals` (open deals nobody has touched lately and nothing is planned
for) and `activity_summary` (activities per owner and type, done and not)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import Field

from dealdesk_mcp.account import Account
from dealdesk_mcp.call import Peer, Progress
from dealdesk_mcp.jsonvalues import as_object
from dealdesk_mcp.server_tools import ServerTool, ServerToolInput
from dealdesk_mcp.workflows import report_table as rt
from dealdesk_mcp.workflows.reading import Reader
from dealdesk_mcp.workflows.reports_deals import deals_of

if TYPE_CHECKING:
    from datetime import date

    from dealdesk_mcp.app import Runtime


async def activities(reader: Reader, owner_id: int | None = None) -> list[dict[str, Any]]:
    query = {"owner_id": owner_id} if owner_id is not None else {}
    return [a for a in await reader.walk("get_activities", query) if as_object(a) is not None]


# -- stale_deals ----------------------------------------------------------------------------------
class StaleDealsInput(rt.DealFilter):
    days: int = Field(default=30, ge=1, le=3650, description="Idle for at least this many days.")


@dataclass
class Touch:
    last_done: date | None = None
    planned: bool = False


async def stale_deals(
    runtime: Runtime, account: Account, args: StaleDealsInput, progress: Progress | None, peer: Peer | None
) -> dict[str, Any]:
    reader = Reader(runtime, account, progress)
    deals = await deals_of(reader, args, ["open"])
    by_stage = rt.by_id(await reader.walk("get_stages"))
    touches: dict[Any, Touch] = {}
    for activity in await activities(reader):
        deal_id = activity.get("deal_id")
        if deal_id is None:
            continue
        touch = touches.setdefault(deal_id, Touch())
        if activity.get("done"):
            day = rt.day_of(activity.get("due_date"))
            if day is not None and (touch.last_done is None or day > touch.last_done):
                touch.last_done = day
        else:
            touch.planned = True
    today = reader.as_of.date()
    stale: list[tuple[int, dict[str, Any], date | None]] = []
    for deal in deals:
        touch = touches.get(deal.get("id"), Touch())
        if touch.planned:
            continue
        since = touch.last_done or rt.day_of(deal.get("add_time"))
        if since is None:
            continue
        idle = (today - since).days
        if idle >= args.days:
            stale.append((idle, deal, touch.last_done))
    stale.sort(key=lambda s: (-s[0], s[1].get("id") or 0))
    table = rt.Table(
        ["deal_id", "title", "owner_id", "stage", "value", "currency", "last_activity", "idle_days"]
    )
    value = rt.Money()
    for idle, deal, last in stale:
        stage = by_stage.get(deal.get("stage_id")) or {}
        rt.add(value, deal.get("currency"), deal.get("value"))
        table.rows.append(
            [
                deal.get("id"),
                deal.get("title"),
                deal.get("owner_id"),
                stage.get("name"),
                deal.get("value"),
                deal.get("currency"),
                last.isoformat() if last else None,
                idle,
            ]
        )
    table.totals = {
        "count": len(stale),
        "value": rt.shown(value),
        "deals_of": len(deals),
        "days": args.days,
    }
    table.notes.append(
        "Open deals with no undone activity whose last done activity (else the deal's creation) is at "
        f"least {args.days} days old; last_activity null: none ever done."
    )
    return rt.answer(
        table, reader, tool="stale_deals", account=account, limit=runtime.settings.max_answer_chars
    )


# -- activity_summary -----------------------------------------------------------------------------
class ActivitySummaryInput(rt.Span, ServerToolInput):
    owner_id: int | None = Field(default=None, description="User id.")
    by: rt.Period = "all"


@dataclass
class Tally:
    done: int = 0
    undone: int = 0
    overdue: int = 0


async def activity_summary(
    runtime: Runtime,
    account: Account,
    args: ActivitySummaryInput,
    progress: Progress | None,
    peer: Peer | None,
) -> dict[str, Any]:
    reader = Reader(runtime, account, progress)
    listed = await activities(reader, args.owner_id)
    names = await rt.user_names(reader)
    today = reader.as_of.date()
    groups: dict[tuple[Any, str, str | None], Tally] = {}
    total = Tally()
    by_type: dict[str, int] = {}
    for activity in listed:
        day = rt.day_of(activity.get("due_date"))
        if not args.holds(day):
            continue
        kind = str(activity.get("type") or "")
        key = (activity.get("owner_id"), kind, rt.period_of(day, args.by) if args.by != "all" else None)
        for tally in (groups.setdefault(key, Tally()), total):
            if activity.get("done"):
                tally.done += 1
            else:
                tally.undone += 1
                if day is not None and day < today:
                    tally.overdue += 1
        by_type[kind] = by_type.get(kind, 0) + 1
    split = ["period"] if args.by != "all" else []
    table = rt.Table(["owner_id", "owner", "type", *split, "done", "undone", "overdue", "total"])
    for (owner, kind, period), t in sorted(
        groups.items(), key=lambda kv: (str(kv[0][0]), kv[0][1], kv[0][2] or "")
    ):
        shown_period = [period] if split else []
        table.rows.append(
            [owner, names.get(owner), kind, *shown_period, t.done, t.undone, t.overdue, t.done + t.undone]
        )
    table.totals = {
        "done": total.done,
        "undone": total.undone,
        "overdue": total.overdue,
        "total": total.done + total.undone,
        "by_type": dict(sorted(by_type.items())),
    }
    table.notes.append(
        "Activities by owner and type within the period of their due date; overdue: undone and due before today."
    )
    return rt.answer(
        table, reader, tool="activity_summary", account=account, limit=runtime.settings.max_answer_chars
    )


TOOLS = (
    ServerTool(
        "stale_deals",
        "List deals gone quiet",
        "Open deals with nothing planned and no activity done for `days` days, most idle first.",
        StaleDealsInput,
        stale_deals,
        offered=rt.selected,
        output_schema=rt.OUTPUT_SCHEMA,
    ),
    ServerTool(
        "activity_summary",
        "Summarize activities per user",
        "Activities per owner and type in a period: done, undone, overdue.",
        ActivitySummaryInput,
        activity_summary,
        offered=rt.selected,
        output_schema=rt.OUTPUT_SCHEMA,
    ),
)
