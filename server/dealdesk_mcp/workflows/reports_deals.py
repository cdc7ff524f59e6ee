"""Reports over deals: `pipeline_summary` (open deals per stage), `deals_forecast` (open deals by
expected close period) and `win_loss_report` (closed deals by owner and period, with lost reasons)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import anyio

from dealdesk_mcp.account import Account
from dealdesk_mcp.call import Peer, Progress
from dealdesk_mcp.errors import ToolError
from dealdesk_mcp.jsonvalues import as_object
from dealdesk_mcp.server_tools import ServerTool
from dealdesk_mcp.workflows import report_table as rt
from dealdesk_mcp.workflows.reading import Reader

if TYPE_CHECKING:
    from dealdesk_mcp.app import Runtime


async def deals_of(reader: Reader, args: rt.DealFilter, status: list[str]) -> list[dict[str, Any]]:
    """Deals of these statuses that pass the filter (pipeline and owner asked of the API, currency here)."""
    query: dict[str, Any] = {"status": status}
    if args.pipeline_id is not None:
        query["pipeline_id"] = args.pipeline_id
    if args.owner_id is not None:
        query["owner_id"] = args.owner_id
    deals = [d for d in await reader.walk("get_deals", query) if as_object(d) is not None]
    if args.currency:
        wanted = args.currency.upper()
        deals = [d for d in deals if str(d.get("currency") or "").upper() == wanted]
    return deals


def probability(deal: dict[str, Any], stage: dict[str, Any] | None) -> float:
    """The deal's own probability where it has one, else its stage's (in percent)."""
    own = deal.get("probability")
    if isinstance(own, int | float) and not isinstance(own, bool):
        return float(own)
    staged = (stage or {}).get("deal_probability")
    if isinstance(staged, int | float) and not isinstance(staged, bool):
        return float(staged)
    return 100.0


def age_days(deal: dict[str, Any], now: datetime) -> float | None:
    added = deal.get("add_time")
    if not isinstance(added, str):
        return None
    try:
        when = datetime.fromisoformat(added.replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)  # v1 writes UTC without saying so
    return (now - when).total_seconds() / 86400


@dataclass
class Sums:
    count: int = 0
    value: rt.Money = field(default_factory=rt.Money)
    weighted: rt.Money = field(default_factory=rt.Money)
    ages: list[float] = field(default_factory=list[float])

    def take(self, deal: dict[str, Any], stage: dict[str, Any] | None, now: datetime | None = None) -> None:
        self.count += 1
        rt.add(self.value, deal.get("currency"), deal.get("value"))
        amount = deal.get("value")
        if isinstance(amount, int | float) and not isinstance(amount, bool):
            rt.add(self.weighted, deal.get("currency"), amount * probability(deal, stage) / 100)
        age = age_days(deal, now) if now is not None else None
        if age is not None:
            self.ages.append(age)

    @property
    def average_age(self) -> float | None:
        return round(sum(self.ages) / len(self.ages), 1) if self.ages else None


def _sorted_stages(stages: list[Any], pipelines: dict[Any, dict[str, Any]]) -> list[dict[str, Any]]:
    def order(stage: dict[str, Any]) -> tuple[Any, ...]:
        pipeline = pipelines.get(stage.get("pipeline_id")) or {}
        return (pipeline.get("order_nr") or 0, stage.get("pipeline_id") or 0, stage.get("order_nr") or 0)

    return sorted((s for s in stages if as_object(s) is not None), key=order)


# -- pipeline_summary -----------------------------------------------------------------------------
class PipelineSummaryInput(rt.DealFilter):
    pass


async def _converted(
    reader: Reader, args: rt.DealFilter, stage_id: Any, sums: Sums, default: str
) -> tuple[float | None, float | None]:
    """A stage's value and weighted value in the account's default currency: added up here when every
    deal is in that currency, else as the API's own deals summary converts them."""
    if not sums.count:
        return 0.0, 0.0
    if set(sums.value) <= {default}:
        return round(sums.value.get(default, 0.0), 2), round(sums.weighted.get(default, 0.0), 2)
    query: dict[str, Any] = {"status": "open", "stage_id": stage_id}
    if args.owner_id is not None:
        query["user_id"] = args.owner_id
    summary = as_object(await reader.one("get_deals_summary", query)) or {}
    if summary.get("total_count") != sums.count:
        return None, None  # the API counted other deals than the walk: no figure beats a wrong one
    value = summary.get("total_currency_converted_value")
    weighted = summary.get("total_weighted_currency_converted_value")
    if not isinstance(value, int | float) or not isinstance(weighted, int | float):
        return None, None
    return round(float(value), 2), round(float(weighted), 2)


def _sum(amounts: list[float | None]) -> float | None:
    known = [a for a in amounts if a is not None]
    return round(sum(known), 2) if len(known) == len(amounts) else None


async def pipeline_summary(
    runtime: Runtime,
    account: Account,
    args: PipelineSummaryInput,
    progress: Progress | None,
    peer: Peer | None,
) -> dict[str, Any]:
    reader = Reader(runtime, account, progress)
    pipelines = rt.by_id(await reader.walk("get_pipelines"))
    stage_query = {"pipeline_id": args.pipeline_id} if args.pipeline_id is not None else {}
    stages = _sorted_stages(await reader.walk("get_stages", stage_query), pipelines)
    by_stage = rt.by_id(stages)
    deals = await deals_of(reader, args, ["open"])
    now = reader.as_of
    sums: dict[Any, Sums] = {s["id"]: Sums() for s in stages}
    total = Sums()
    for deal in deals:
        stage = by_stage.get(deal.get("stage_id"))
        sums.setdefault(deal.get("stage_id"), Sums()).take(deal, stage, now)
        total.take(deal, stage, now)

    columns = [
        "pipeline",
        "stage_id",
        "stage",
        "probability",
        "count",
        "value",
        "weighted_value",
        "avg_age_days",
    ]
    convert = not args.currency
    default = ""
    if convert:
        me = as_object(await reader.one("get_current_user")) or {}
        default = str(me.get("default_currency") or "")
        convert = bool(default)
    if convert:
        columns += ["value_converted", "weighted_converted"]
    pairs: dict[Any, tuple[float | None, float | None]] = {}
    if convert:

        async def convert_one(stage_id: Any, stage_sums: Sums) -> None:
            try:
                pairs[stage_id] = await _converted(reader, args, stage_id, stage_sums, default)
            except ToolError:
                pairs[stage_id] = (None, None)  # the stage's own figures stand; the total says unknown

        async with anyio.create_task_group() as tasks:
            for stage_id, stage_sums in sums.items():
                tasks.start_soon(convert_one, stage_id, stage_sums)
    table = rt.Table(columns)
    for stage_id, stage_sums in sums.items():
        stage = by_stage.get(stage_id) or {}
        pipeline = pipelines.get(stage.get("pipeline_id")) or {}
        row: list[Any] = [
            pipeline.get("name"),
            stage_id,
            stage.get("name"),
            stage.get("deal_probability"),
            stage_sums.count,
            rt.shown(stage_sums.value),
            rt.shown(stage_sums.weighted),
            stage_sums.average_age,
        ]
        if convert:
            row += list(pairs[stage_id])
        table.rows.append(row)
    table.totals = {
        "count": total.count,
        "value": rt.shown(total.value),
        "weighted_value": rt.shown(total.weighted),
        "avg_age_days": total.average_age,
    }
    if convert:
        values = [pair[0] for pair in pairs.values()]
        weighted = [pair[1] for pair in pairs.values()]
        table.totals["converted_currency"] = default
        table.totals["value_converted"] = _sum(values)
        table.totals["weighted_converted"] = _sum(weighted)
        if None in values or None in weighted:
            table.notes.append(
                "A converted figure is null where the API's deals summary could not be read or counted "
                "other deals than the walk."
            )
    table.notes.append(
        "Open deals; value and weighted_value by currency; weighted by the deal's probability, else its stage's."
    )
    return rt.answer(
        table, reader, tool="pipeline_summary", account=account, limit=runtime.settings.max_answer_chars
    )


# -- deals_forecast -------------------------------------------------------------------------------
class DealsForecastInput(rt.DealFilter, rt.Span):
    by: rt.Period = "month"


async def deals_forecast(
    runtime: Runtime, account: Account, args: DealsForecastInput, progress: Progress | None, peer: Peer | None
) -> dict[str, Any]:
    reader = Reader(runtime, account, progress)
    by_stage = rt.by_id(await reader.walk("get_stages"))
    deals = await deals_of(reader, args, ["open"])
    periods: dict[str | None, Sums] = {}
    total = Sums()
    for deal in deals:
        day = rt.day_of(deal.get("expected_close_date"))
        if not args.holds(day):
            continue
        stage = by_stage.get(deal.get("stage_id"))
        periods.setdefault(rt.period_of(day, args.by), Sums()).take(deal, stage)
        total.take(deal, stage)
    table = rt.Table(["period", "count", "value", "weighted_value"])
    for period in sorted(periods, key=lambda p: (p is None, p or "")):
        sums = periods[period]
        table.rows.append([period, sums.count, rt.shown(sums.value), rt.shown(sums.weighted)])
    table.totals = {
        "count": total.count,
        "value": rt.shown(total.value),
        "weighted_value": rt.shown(total.weighted),
    }
    table.notes.append(
        "Open deals by expected close date (period null: none set); weighted by the deal's probability, else its stage's."
    )
    return rt.answer(
        table, reader, tool="deals_forecast", account=account, limit=runtime.settings.max_answer_chars
    )


# -- win_loss_report ------------------------------------------------------------------------------
class WinLossInput(rt.DealFilter, rt.Span):
    by: rt.Period = "month"


@dataclass
class Outcomes:
    won: int = 0
    lost: int = 0
    won_value: rt.Money = field(default_factory=rt.Money)
    lost_value: rt.Money = field(default_factory=rt.Money)
    reasons: dict[str, int] = field(default_factory=dict[str, int])

    def take(self, deal: dict[str, Any]) -> None:
        if deal.get("status") == "won":
            self.won += 1
            rt.add(self.won_value, deal.get("currency"), deal.get("value"))
        else:
            self.lost += 1
            rt.add(self.lost_value, deal.get("currency"), deal.get("value"))
            reason = deal.get("lost_reason")
            reason = reason.strip() if isinstance(reason, str) and reason.strip() else "(none given)"
            self.reasons[reason] = self.reasons.get(reason, 0) + 1

    def reasons_shown(self) -> dict[str, int]:
        return dict(sorted(self.reasons.items(), key=lambda kv: (-kv[1], kv[0])))


def closed_day(deal: dict[str, Any]) -> Any:
    key = "won_time" if deal.get("status") == "won" else "lost_time"
    return rt.day_of(deal.get(key) or deal.get("close_time"))


async def win_loss_report(
    runtime: Runtime, account: Account, args: WinLossInput, progress: Progress | None, peer: Peer | None
) -> dict[str, Any]:
    reader = Reader(runtime, account, progress)
    deals = await deals_of(reader, args, ["won", "lost"])
    names = await rt.user_names(reader)
    groups: dict[tuple[Any, str | None], Outcomes] = {}
    total = Outcomes()
    for deal in deals:
        day = closed_day(deal)
        if not args.holds(day):
            continue
        groups.setdefault((deal.get("owner_id"), rt.period_of(day, args.by)), Outcomes()).take(deal)
        total.take(deal)
    table = rt.Table(
        ["owner_id", "owner", "period", "won", "lost", "win_rate", "won_value", "lost_value", "lost_reasons"]
    )
    for (owner, period), o in sorted(groups.items(), key=lambda kv: (str(kv[0][0]), kv[0][1] or "")):
        table.rows.append(
            [
                owner,
                names.get(owner),
                period,
                o.won,
                o.lost,
                rt.rate(o.won, o.won + o.lost),
                rt.shown(o.won_value),
                rt.shown(o.lost_value),
                o.reasons_shown(),
            ]
        )
    table.totals = {
        "won": total.won,
        "lost": total.lost,
        "win_rate": rt.rate(total.won, total.won + total.lost),
        "won_value": rt.shown(total.won_value),
        "lost_value": rt.shown(total.lost_value),
        "lost_reasons": total.reasons_shown(),
    }
    table.notes.append(
        "Won and lost deals by owner and the period of their won or lost time; win_rate = won/(won+lost)."
    )
    return rt.answer(
        table, reader, tool="win_loss_report", account=account, limit=runtime.settings.max_answer_chars
    )


TOOLS = (
    ServerTool(
        "pipeline_summary",
        "Summarize open deals per stage",
        "Open deals per stage, read in full on the server: count, value and weighted value by currency, "
        "average age in days, totals converted to the account's currency.",
        PipelineSummaryInput,
        pipeline_summary,
        offered=rt.selected,
        output_schema=rt.OUTPUT_SCHEMA,
    ),
    ServerTool(
        "deals_forecast",
        "Forecast open deals by close date",
        "Open deals by expected close month or quarter: count, value and weighted value by currency.",
        DealsForecastInput,
        deals_forecast,
        offered=rt.selected,
        output_schema=rt.OUTPUT_SCHEMA,
    ),
    ServerTool(
        "win_loss_report",
        "Report won and lost deals",
        "Won and lost deals by owner and period: counts, win rate, values by currency, lost reasons.",
        WinLossInput,
        win_loss_report,
        offered=rt.selected,
        output_schema=rt.OUTPUT_SCHEMA,
    ),
)
