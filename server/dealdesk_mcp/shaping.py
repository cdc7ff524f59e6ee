"""The shape stage: the API's answer made small (records.py one record at a time, columns.py a page
straight into its table), with the page summary of a list."""

from __future__ import annotations

from typing import Any

from dealdesk_mcp import collector
from dealdesk_mcp.apis import entity_of
from dealdesk_mcp.call import Call
from dealdesk_mcp.columns import shape_table
from dealdesk_mcp.custom_fields import HASH_KEY
from dealdesk_mcp.errors import ToolError
from dealdesk_mcp.jsonvalues import is_array, is_object
from dealdesk_mcp.pagination import Walk
from dealdesk_mcp.records import ShapePlan, compact, shape_envelope, shape_item

_PLAN_ITEMS = 5  # the items `_has_custom_fields` looks at


def _has_custom_fields(items: list[Any]) -> bool:
    for item in items[:_PLAN_ITEMS]:
        if is_object(item) and (is_object(item.get("custom_fields")) or any(HASH_KEY.match(k) for k in item)):
            return True
    return False


async def plan_for(call: Call, items: list[Any]) -> ShapePlan:
    fields = None
    directory = call.account.fields
    entity = entity_of(call.profile, call.route.path)
    if directory is not None and directory.knows(entity) and _has_custom_fields(items):
        assert entity is not None
        try:
            fields = await directory.fields(entity)
        except ToolError:
            fields = None  # names are a nicety; the answer itself still stands
    return ShapePlan(fields=fields, versioned=call.profile.value_style == "versioned")


def page_summary(call: Call, walk: Walk) -> dict[str, Any]:
    last = walk.last
    summary: dict[str, Any] = {"count": len(walk.items)}
    if last is not None and last.more is not None:  # absent: the API does not say
        summary["more"] = last.more
    if last is not None and last.next_args:
        summary["next"] = last.next_args
    if len(walk.pages) > 1:
        summary["pages"] = len(walk.pages)
    return summary


async def shape_page(call: Call, items: list[Any]) -> list[Any]:
    """One page of a walk, shaped as it arrives: its raw records are freed before the next page comes.
    The plan is made from the walk's first items, as the shape stage would; a first page too short
    to decide it (under 5 items) leaves the whole walk to the shape stage."""
    if call.raw or call.page_plan is False:
        return items
    plan = call.page_plan
    if plan is None:
        if len(items) < _PLAN_ITEMS:
            call.page_plan = False
            return items
        plan = call.page_plan = await plan_for(call, items)
    with collector.paused():
        return [shape_item(item, plan) for item in items]


async def shape(call: Call) -> None:
    """The answer's parts: `data` (the CRM's content), `extra` (the rest of the API's answer), `page`."""
    answer, walk = call.answer, call.walk
    if call.saved is not None:
        call.shaped = {"saved": call.saved}
        return
    if not is_object(answer):
        call.shaped = {"data": answer}
        return
    if call.raw:
        # The API's whole answer, untouched (a walk's pages' items joined under its own `data`).
        whole = {**answer, "data": walk.items} if walk is not None and len(walk.pages) > 1 else answer
        parts: dict[str, Any] = {"data": whole}
    else:
        data: Any = answer.get("data")
        done = call.page_plan
        # (No name here keeps a walk's raw items alive: map_items frees them page by page.)
        plan = (
            done
            if done
            else await plan_for(call, walk.items if walk is not None else data if is_array(data) else [data])
        )
        with collector.paused():
            if walk is not None and done:
                shaped: Any = walk.items  # a walk's pages, shaped as they came
            elif walk is not None:
                # A single page goes to its table column by column (walks too short to plan by, and
                # pages it does not take, are shaped here one by one).
                table = shape_table(walk.items, plan) if len(walk.pages) == 1 else None
                shaped = table if table is not None else walk.map_items(lambda item: shape_item(item, plan))
            elif is_array(data):
                shaped = [shape_item(item, plan) for item in data]
            elif is_object(data):
                shaped = shape_item(data, plan)
            elif "data" in answer:
                shaped = data
            else:
                shaped = compact(answer)
            parts = {"data": shaped}
            if "data" in answer:
                extra = shape_envelope(answer)
                if extra:
                    parts["extra"] = extra
    if walk is not None:
        parts["page"] = page_summary(call, walk)
    call.shaped = parts
