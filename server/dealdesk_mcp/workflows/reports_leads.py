"""`lead_conversion`: leads created per period and source, and how many became deals (a deal names the
lead it came from in `source_lead_id`)."""

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

if TYPE_CHECKING:
    from dealdesk_mcp.app import Runtime


class LeadConversionInput(rt.Span, ServerToolInput):
    owner_id: int | None = Field(default=None, description="User id.")
    by: rt.Period = "month"


@dataclass
class Counts:
    created: int = 0
    converted: int = 0


def source_of(lead: dict[str, Any]) -> str:
    for key in ("source_name", "origin"):
        value = lead.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return "(unknown)"


async def lead_conversion(
    runtime: Runtime,
    account: Account,
    args: LeadConversionInput,
    progress: Progress | None,
    peer: Peer | None,
) -> dict[str, Any]:
    reader = Reader(runtime, account, progress)
    query = {"owner_id": args.owner_id} if args.owner_id is not None else {}
    # Converted leads leave the active list: the archived one holds them.
    leads = [lead for tool in ("get_leads", "get_archived_leads") for lead in await reader.walk(tool, query)]
    leads = list(rt.by_id(leads).values())
    deals = await reader.walk("get_deals", {"include_fields": ["source_lead_id"]})
    from_leads = {
        d.get("source_lead_id") for d in deals if as_object(d) is not None and d.get("source_lead_id")
    }
    groups: dict[tuple[str | None, str], Counts] = {}
    total = Counts()
    for lead in leads:
        day = rt.day_of(lead.get("add_time"))
        if not args.holds(day):
            continue
        converted = lead.get("id") in from_leads
        for counts in (groups.setdefault((rt.period_of(day, args.by), source_of(lead)), Counts()), total):
            counts.created += 1
            counts.converted += converted
    table = rt.Table(["period", "source", "created", "converted", "rate"])
    for (period, source), c in sorted(groups.items(), key=lambda kv: (kv[0][0] or "", kv[0][1])):
        table.rows.append([period, source, c.created, c.converted, rt.rate(c.converted, c.created)])
    listed = {lead.get("id") for lead in leads}
    table.totals = {
        "created": total.created,
        "converted": total.converted,
        "rate": rt.rate(total.converted, total.created),
        "deals_from_unlisted_leads": len(from_leads - listed),
    }
    table.notes.append(
        "Leads (active and archived) by the period of their creation and their source; converted: a deal "
        "names the lead as its source_lead_id."
    )
    return rt.answer(
        table, reader, tool="lead_conversion", account=account, limit=runtime.settings.max_answer_chars
    )


TOOLS = (
    ServerTool(
        "lead_conversion",
        "Report lead conversion",
        "Leads created per period and source, how many became deals, and the rate.",
        LeadConversionInput,
        lead_conversion,
        offered=rt.selected,
        output_schema=rt.OUTPUT_SCHEMA,
    ),
)
