"""Leads: open and archived lists, sources, and conversion to and from deals."""

from __future__ import annotations

from typing import Any

from ..call import Answer, Call
from ..db import Record
from ..handlers import make
from ..jsontypes import as_object
from ..records import default_pipeline, first_stage
from ..registry import special
from ..store_ops import listing, require, save
from ..wire import BadRequest, v2_time

LEAD_SOURCES = [
    "Manually created",
    "Deal",
    "Web forms",
    "Prospector",
    "Leadbooster",
    "Live chat",
    "Import",
    "Website visitors",
    "Workflow automation",
    "API",
]
PLAIN = ("filter_id",)


def _leads(call: Call, archived: bool) -> list[Record]:
    rows = [r for r in call.store.all("lead") if bool(r.get("is_archived")) == archived]
    if call.query.get("filter_id") is not None:
        from .misc import apply_filter

        rows = apply_filter(call, call.query["filter_id"], rows)
    return rows


@special("v1", "getLeads")
def get_leads(call: Call) -> Answer:
    return listing(call, "lead", _leads(call, False), skip=PLAIN, related=False)


@special("v1", "getArchivedLeads")
def get_archived_leads(call: Call) -> Answer:
    return listing(call, "lead", _leads(call, True), skip=PLAIN, related=False)


@special("v1", "getLeadSources")
def get_lead_sources(call: Call) -> Answer:
    return Answer([{"name": name} for name in LEAD_SOURCES])


def lead_from_deal(call: Call, deal: Record) -> Record:
    lead = make(
        call,
        "lead",
        {},
        {
            "title": deal["title"],
            "person_id": deal.get("person_id"),
            "organization_id": deal.get("org_id"),
            "owner_id": deal["owner_id"],
            "value": {"amount": deal["value"], "currency": deal["currency"]} if deal.get("value") else None,
            "source_name": "Deal",
            "origin": "Deal",
            "source_deal_id": deal["id"],
            "expected_close_date": deal.get("expected_close_date"),
        },
    )
    if not lead.get("person_id") and not lead.get("organization_id"):
        raise BadRequest("A deal without a person or organization cannot become a lead")
    save(call.store, "lead", lead)
    _move_children(call, "deal_id", deal["id"], "lead_id", lead["id"])
    return lead


def deal_from_lead(call: Call, lead: Record, data: dict[str, Any]) -> Record:
    stage_id, pipeline_id = data.get("stage_id"), data.get("pipeline_id")
    if stage_id is not None:
        stage = require(call.store, "stage", stage_id, "Stage")
        if pipeline_id is not None and stage["pipeline_id"] != pipeline_id:
            raise BadRequest(f"Stage {stage_id} is not in pipeline {pipeline_id}")
    elif pipeline_id is not None:
        require(call.store, "pipeline", pipeline_id, "Pipeline")
        stage = first_stage(call.store, pipeline_id)
    else:
        stage = first_stage(call.store, default_pipeline(call.store)["id"])
    value = as_object(lead.get("value"))
    body = {
        "title": lead["title"],
        "owner_id": lead["owner_id"],
        "person_id": lead.get("person_id"),
        "org_id": lead.get("organization_id"),
        "stage_id": stage["id"],
        "value": value.get("amount", 0),
        "currency": value.get("currency", "USD"),
    }
    if lead.get("expected_close_date"):
        body["expected_close_date"] = lead["expected_close_date"]
    deal = make(call, "deal", {k: v for k, v in body.items() if v is not None})
    deal.update(source_lead_id=lead["id"], origin="Lead", label_ids=[])
    save(call.store, "deal", deal)
    _move_children(call, "lead_id", lead["id"], "deal_id", deal["id"])
    lead.update(is_archived=True, source_deal_id=deal["id"], update_time=v2_time(call.moment))
    # A converted lead leaves the lead lists, as in Pipedrive; it is kept to answer the status call.
    lead["converted_to_deal_id"] = deal["id"]
    save(call.store, "lead", lead)
    return deal


def _move_children(call: Call, old_key: str, old_id: Any, new_key: str, new_id: Any) -> None:
    for kind in ("activity", "note", "file"):
        for item in call.store.all(kind):
            if item.get(old_key) == old_id:
                item[old_key] = None
                item[new_key] = new_id
                save(call.store, kind, item)
