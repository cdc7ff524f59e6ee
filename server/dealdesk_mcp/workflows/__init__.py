"""Workflows: what an agent would do in many tool calls, done by the server in one.

`batch` runs several tool calls at once; the upserts find a record by an exact key or create it;
the reports read whole lists through the engine and answer small tables. Each tool family is a
module; TOOLS is what server_tools.registered() lists.
"""

from __future__ import annotations

from dealdesk_mcp.workflows import batch, reports_activity, reports_deals, reports_leads, upserts

TOOLS = (*batch.TOOLS, *upserts.TOOLS, *reports_deals.TOOLS, *reports_activity.TOOLS, *reports_leads.TOOLS)
