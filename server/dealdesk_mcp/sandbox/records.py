"""The v2 entities' rules: what a create or update may say, the fields it derives, and how records render.

Records are stored in their served v2 shape; only `custom_fields` is completed at render time so a
field added later shows up (as null) on older records too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from . import body as b
from .db import Record, Store
from .fields import clean_custom_values, render_custom
from .jsontypes import as_object, is_array, is_object
from .wire import BadRequest, v2_time

VISIBILITY = (1, 3, 5, 7)
BILLING = ("one-time", "annually", "semi-annually", "quarterly", "monthly", "weekly")
ME_ID = 1


def require(store: Store, kind: str, record_id: Any, label: str) -> Record:
    """A linked record must exist and not be deleted (400: the body, not the URL, is wrong)."""
    record = store.get(kind, record_id)
    if record is None or record.get("is_deleted") or record.get("active_flag") is False:
        raise BadRequest(f"{label} with id {record_id} does not exist")
    return record


def _link(store: Store, rec: Record, data: Mapping[str, Any], key: str, kind: str, label: str) -> None:
    value = b.integer(data, key)
    if value not in (b.MISSING, None):
        require(store, kind, value, label)
    b.assign(rec, key, value)


def _owner(store: Store, rec: Record, data: Mapping[str, Any], key: str = "owner_id") -> None:
    value = b.integer(data, key, nullable=False)
    if value is not b.MISSING:
        require(store, "user", value, "User")
        rec[key] = value


def _contacts(data: Mapping[str, Any], key: str) -> Any:
    value = data.get(key, b.MISSING)
    if value is b.MISSING:
        return value
    if value is None:
        return []
    if not is_array(value):
        raise BadRequest(f"{key} must be an array of objects with value, primary and label")
    out: list[Record] = []
    for index, item in enumerate(value):
        if isinstance(item, str):
            item = {"value": item}
        if not is_object(item) or not isinstance(item.get("value"), str):
            raise BadRequest(f"{key}[{index}].value must be a string")
        out.append(
            {
                "value": item["value"],
                "primary": bool(item.get("primary", index == 0)),
                "label": item.get("label") or "work",
            }
        )
    return out


def _custom(store: Store, rec: Record, data: Mapping[str, Any], entity: str) -> None:
    if "custom_fields" in data:
        rec["custom_fields"] = {
            **rec.get("custom_fields", {}),
            **clean_custom_values(store, entity, data["custom_fields"]),
        }


def _stamp(rec: Record, moment: datetime, creating: bool, data: Mapping[str, Any]) -> None:
    if creating:
        add = b.text(data, "add_time")
        rec["add_time"] = add if isinstance(add, str) else v2_time(moment)
    rec["update_time"] = v2_time(moment)


# -- deals ------------------------------------------------------------------------------------------


def first_stage(store: Store, pipeline_id: int) -> Record:
    stages = [s for s in store.all("stage") if s["pipeline_id"] == pipeline_id and not s["is_deleted"]]
    if not stages:
        raise BadRequest(f"Pipeline {pipeline_id} has no stages")
    return min(stages, key=lambda s: s["order_nr"])


def default_pipeline(store: Store) -> Record:
    pipelines = [p for p in store.all("pipeline") if not p["is_deleted"]]
    if not pipelines:
        raise BadRequest("There is no pipeline to put the deal in")
    return min(pipelines, key=lambda p: p["order_nr"])


def apply_deal(
    store: Store, rec: Record, data: Mapping[str, Any], moment: datetime, creating: bool
) -> Record:
    stamp = v2_time(moment)
    b.assign(rec, "title", b.text(data, "title", required=creating or "title" in data))
    _owner(store, rec, data)
    _link(store, rec, data, "person_id", "person", "Person")
    _link(store, rec, data, "org_id", "organization", "Organization")
    stage_id = b.integer(data, "stage_id", nullable=False)
    pipeline_id = b.integer(data, "pipeline_id", nullable=False)
    if stage_id is not b.MISSING:
        stage = require(store, "stage", stage_id, "Stage")
        if pipeline_id is not b.MISSING and pipeline_id != stage["pipeline_id"]:
            raise BadRequest(f"Stage {stage_id} does not belong to pipeline {pipeline_id}")
    elif pipeline_id is not b.MISSING:
        require(store, "pipeline", pipeline_id, "Pipeline")
        stage = first_stage(store, pipeline_id) if pipeline_id != rec.get("pipeline_id") else None
    elif creating:
        stage = first_stage(store, default_pipeline(store)["id"])
    else:
        stage = None
    if stage is not None and stage["id"] != rec.get("stage_id"):
        rec["stage_id"], rec["pipeline_id"] = stage["id"], stage["pipeline_id"]
        rec["stage_change_time"] = stamp
    b.assign(rec, "value", b.number(data, "value", nullable=False))
    b.assign(rec, "currency", b.text(data, "currency", nullable=False))
    b.assign(rec, "probability", b.number(data, "probability"))
    b.assign(rec, "lost_reason", b.text(data, "lost_reason"))
    b.assign(rec, "visible_to", b.choice(data, "visible_to", VISIBILITY))
    b.assign(rec, "expected_close_date", b.date(data, "expected_close_date"))
    b.assign(rec, "label_ids", b.int_list(data, "label_ids"))
    archived = b.boolean(data, "is_archived")
    if archived is not b.MISSING and archived != rec.get("is_archived"):
        rec["is_archived"] = archived
        rec["archive_time"] = stamp if archived else None
    b.assign(rec, "archive_time", b.text(data, "archive_time"))
    status = b.choice(data, "status", ("open", "won", "lost"))
    if status is not b.MISSING and status != rec.get("status"):
        rec["status"] = status
        rec["won_time"] = stamp if status == "won" else None
        rec["lost_time"] = stamp if status == "lost" else None
        rec["close_time"] = None if status == "open" else stamp
        if status != "lost":
            rec["lost_reason"] = None if "lost_reason" not in data else rec["lost_reason"]
    for key in ("won_time", "lost_time", "close_time"):
        b.assign(rec, key, b.text(data, key))
    _custom(store, rec, data, "deal")
    _stamp(rec, moment, creating, data)
    return rec


def new_deal(store: Store, data: Mapping[str, Any], moment: datetime) -> Record:
    rec: Record = {
        "id": 0,
        "title": "",
        "owner_id": ME_ID,
        "person_id": None,
        "org_id": None,
        "pipeline_id": None,
        "stage_id": None,
        "value": 0,
        "currency": "USD",
        "add_time": None,
        "update_time": None,
        "stage_change_time": None,
        "is_deleted": False,
        "is_archived": False,
        "archive_time": None,
        "status": "open",
        "probability": None,
        "lost_reason": None,
        "visible_to": 3,
        "close_time": None,
        "won_time": None,
        "lost_time": None,
        "expected_close_date": None,
        "label_ids": [],
        "origin": "API",
        "origin_id": None,
        "channel": None,
        "channel_id": None,
        "source_lead_id": None,
        "arr": None,
        "mrr": None,
        "acv": None,
        "custom_fields": {},
    }
    apply_deal(store, rec, data, moment, creating=True)
    rec["id"] = store.next_id("deal")
    return rec


# -- persons and organizations ------------------------------------------------------------------------


def apply_person(
    store: Store, rec: Record, data: Mapping[str, Any], moment: datetime, creating: bool
) -> Record:
    name = b.text(data, "name", required=creating or "name" in data)
    if name is not b.MISSING:
        first, _, last = name.strip().partition(" ")
        rec.update(name=name.strip(), first_name=first, last_name=last or None)
    _owner(store, rec, data)
    _link(store, rec, data, "org_id", "organization", "Organization")
    b.assign(rec, "emails", _contacts(data, "emails"))
    b.assign(rec, "phones", _contacts(data, "phones"))
    b.assign(rec, "im", _contacts(data, "im"))
    b.assign(rec, "visible_to", b.choice(data, "visible_to", VISIBILITY))
    b.assign(rec, "label_ids", b.int_list(data, "label_ids"))
    b.assign(rec, "postal_address", b.obj(data, "postal_address"))
    b.assign(rec, "notes", b.text(data, "notes"))
    b.assign(rec, "birthday", b.date(data, "birthday"))
    b.assign(rec, "job_title", b.text(data, "job_title"))
    b.assign(rec, "marketing_status", b.text(data, "marketing_status"))
    _custom(store, rec, data, "person")
    _stamp(rec, moment, creating, data)
    return rec


def new_person(store: Store, data: Mapping[str, Any], moment: datetime) -> Record:
    rec: Record = {
        "id": 0,
        "name": "",
        "first_name": None,
        "last_name": None,
        "owner_id": ME_ID,
        "org_id": None,
        "add_time": None,
        "update_time": None,
        "emails": [],
        "phones": [],
        "is_deleted": False,
        "visible_to": 3,
        "label_ids": [],
        "picture_id": None,
        "postal_address": None,
        "notes": None,
        "im": [],
        "birthday": None,
        "job_title": None,
        "custom_fields": {},
    }
    apply_person(store, rec, data, moment, creating=True)
    rec["id"] = store.next_id("person")
    return rec


def apply_organization(
    store: Store, rec: Record, data: Mapping[str, Any], moment: datetime, creating: bool
) -> Record:
    b.assign(rec, "name", b.text(data, "name", required=creating or "name" in data))
    _owner(store, rec, data)
    b.assign(rec, "visible_to", b.choice(data, "visible_to", VISIBILITY))
    b.assign(rec, "label_ids", b.int_list(data, "label_ids"))
    b.assign(rec, "address", b.obj(data, "address"))
    b.assign(rec, "website", b.text(data, "website"))
    b.assign(rec, "linkedin", b.text(data, "linkedin"))
    for key in ("industry", "annual_revenue", "employee_count"):
        b.assign(rec, key, b.integer(data, key))
    _custom(store, rec, data, "organization")
    _stamp(rec, moment, creating, data)
    return rec


def new_organization(store: Store, data: Mapping[str, Any], moment: datetime) -> Record:
    rec: Record = {
        "id": 0,
        "name": "",
        "owner_id": ME_ID,
        "add_time": None,
        "update_time": None,
        "is_deleted": False,
        "visible_to": 3,
        "address": None,
        "label_ids": [],
        "website": None,
        "linkedin": None,
        "industry": None,
        "annual_revenue": None,
        "employee_count": None,
        "custom_fields": {},
    }
    apply_organization(store, rec, data, moment, creating=True)
    rec["id"] = store.next_id("organization")
    return rec


# -- activities -------------------------------------------------------------------------------------


def apply_activity(
    store: Store, rec: Record, data: Mapping[str, Any], moment: datetime, creating: bool
) -> Record:
    kind = b.text(data, "type", nullable=False)
    if kind is not b.MISSING:
        known = {t["key_string"] for t in store.all("activity_type") if t["active_flag"]}
        if kind not in known:
            raise BadRequest(f"type must be one of the activity types: {', '.join(sorted(known))}")
        rec["type"] = kind
    b.assign(rec, "subject", b.text(data, "subject"))
    _owner(store, rec, data)
    _link(store, rec, data, "deal_id", "deal", "Deal")
    _link(store, rec, data, "person_id", "person", "Person")
    _link(store, rec, data, "org_id", "organization", "Organization")
    lead_id = b.text(data, "lead_id")
    if isinstance(lead_id, str):
        require(store, "lead", lead_id, "Lead")
    b.assign(rec, "lead_id", lead_id)
    b.assign(rec, "project_id", b.integer(data, "project_id"))
    if "deal_id" in data and rec.get("deal_id") and "person_id" not in data and "org_id" not in data:
        deal = as_object(store.get("deal", rec["deal_id"]))
        rec["person_id"] = rec["person_id"] or deal.get("person_id")
        rec["org_id"] = rec["org_id"] or deal.get("org_id")
    b.assign(rec, "due_date", b.date(data, "due_date"))
    b.assign(rec, "due_time", b.clock(data, "due_time"))
    b.assign(rec, "duration", b.clock(data, "duration"))
    b.assign(rec, "busy", b.boolean(data, "busy"))
    done = b.boolean(data, "done")
    if done is not b.MISSING and done != rec.get("done"):
        rec["done"] = done
        rec["marked_as_done_time"] = v2_time(moment) if done else None
    b.assign(rec, "location", b.obj(data, "location"))
    for key in ("participants", "attendees"):
        value = data.get(key, b.MISSING)
        if value is not b.MISSING and value is not None and not is_array(value):
            raise BadRequest(f"{key} must be an array")
        if value is not b.MISSING:
            rec[key] = value or []
    b.assign(rec, "public_description", b.text(data, "public_description"))
    b.assign(rec, "priority", b.integer(data, "priority"))
    b.assign(rec, "note", b.text(data, "note"))
    if not rec.get("subject"):
        types = {t["key_string"]: t["name"] for t in store.all("activity_type")}
        rec["subject"] = types.get(rec["type"], "Task")
    _stamp(rec, moment, creating, data)
    return rec


def new_activity(store: Store, data: Mapping[str, Any], moment: datetime) -> Record:
    rec: Record = {
        "id": 0,
        "subject": None,
        "type": "task",
        "owner_id": ME_ID,
        "creator_user_id": ME_ID,
        "is_deleted": False,
        "add_time": None,
        "update_time": None,
        "deal_id": None,
        "lead_id": None,
        "person_id": None,
        "org_id": None,
        "project_id": None,
        "due_date": None,
        "due_time": None,
        "duration": None,
        "busy": False,
        "done": False,
        "marked_as_done_time": None,
        "location": None,
        "participants": [],
        "attendees": [],
        "conference_meeting_client": None,
        "conference_meeting_url": None,
        "conference_meeting_id": None,
        "public_description": None,
        "priority": None,
        "note": None,
    }
    apply_activity(store, rec, data, moment, creating=True)
    rec["id"] = store.next_id("activity")
    return rec


# -- products ---------------------------------------------------------------------------------------


def _amount(item: Mapping[str, Any], key: str) -> Any:
    value = b.number(item, key)
    return 0 if value in (b.MISSING, None) else value


def _prices(data: Mapping[str, Any], product_id: int) -> Any:
    value = data.get("prices", b.MISSING)
    if value is b.MISSING:
        return value
    if not is_array(value):
        raise BadRequest("prices must be an array of objects with price and currency")
    out: list[Record] = []
    for index, item in enumerate(value):
        if not is_object(item) or not isinstance(item.get("currency"), str):
            raise BadRequest(f"prices[{index}] needs a currency")
        out.append(
            {
                "product_id": product_id,
                "price": _amount(item, "price"),
                "currency": item["currency"],
                "cost": _amount(item, "cost"),
                "direct_cost": item.get("direct_cost"),
                "notes": item.get("notes") or "",
            }
        )
    return out


def apply_product(
    store: Store, rec: Record, data: Mapping[str, Any], moment: datetime, creating: bool
) -> Record:
    b.assign(rec, "name", b.text(data, "name", required=creating or "name" in data))
    for key in ("code", "description", "unit", "category"):
        b.assign(rec, key, b.text(data, key))
    b.assign(rec, "tax", b.number(data, "tax", nullable=False))
    _owner(store, rec, data)
    b.assign(rec, "is_linkable", b.boolean(data, "is_linkable"))
    b.assign(rec, "visible_to", b.choice(data, "visible_to", VISIBILITY))
    b.assign(rec, "prices", _prices(data, rec["id"]))
    b.assign(rec, "billing_frequency", b.choice(data, "billing_frequency", BILLING))
    b.assign(rec, "billing_frequency_cycles", b.integer(data, "billing_frequency_cycles"))
    _custom(store, rec, data, "product")
    _stamp(rec, moment, creating, data)
    return rec


def new_product(store: Store, data: Mapping[str, Any], moment: datetime) -> Record:
    rec: Record = {
        "id": store.next_id("product"),
        "name": "",
        "code": None,
        "unit": None,
        "tax": 0,
        "is_deleted": False,
        "is_linkable": True,
        "visible_to": 3,
        "owner_id": ME_ID,
        "add_time": None,
        "update_time": None,
        "description": None,
        "category": None,
        "custom_fields": {},
        "billing_frequency": "one-time",
        "billing_frequency_cycles": None,
        "prices": [],
    }
    return apply_product(store, rec, data, moment, creating=True)


# -- pipelines and stages ---------------------------------------------------------------------------


def apply_pipeline(
    store: Store, rec: Record, data: Mapping[str, Any], moment: datetime, creating: bool
) -> Record:
    b.assign(rec, "name", b.text(data, "name", required=creating or "name" in data))
    b.assign(rec, "is_deal_probability_enabled", b.boolean(data, "is_deal_probability_enabled"))
    _stamp(rec, moment, creating, {})
    return rec


def new_pipeline(store: Store, data: Mapping[str, Any], moment: datetime) -> Record:
    order = max((p["order_nr"] for p in store.all("pipeline")), default=0) + 1
    rec: Record = {
        "id": 0,
        "name": "",
        "order_nr": order,
        "is_deleted": False,
        "is_deal_probability_enabled": False,
        "add_time": None,
        "update_time": None,
    }
    apply_pipeline(store, rec, data, moment, creating=True)
    rec["id"] = store.next_id("pipeline")
    return rec


def apply_stage(
    store: Store, rec: Record, data: Mapping[str, Any], moment: datetime, creating: bool
) -> Record:
    b.assign(rec, "name", b.text(data, "name", required=creating or "name" in data))
    pipeline_id = b.integer(data, "pipeline_id", nullable=False)
    if creating and pipeline_id is b.MISSING:
        raise BadRequest("pipeline_id is required")
    if pipeline_id is not b.MISSING and pipeline_id != rec.get("pipeline_id"):
        require(store, "pipeline", pipeline_id, "Pipeline")
        rec["pipeline_id"] = pipeline_id
        siblings = [s["order_nr"] for s in store.all("stage") if s["pipeline_id"] == pipeline_id]
        rec["order_nr"] = max(siblings, default=0) + 1
    probability = b.integer(data, "deal_probability", nullable=False)
    if probability is not b.MISSING and not 0 <= probability <= 100:
        raise BadRequest("deal_probability must be between 0 and 100")
    b.assign(rec, "deal_probability", probability)
    b.assign(rec, "is_deal_rot_enabled", b.boolean(data, "is_deal_rot_enabled"))
    b.assign(rec, "days_to_rotten", b.integer(data, "days_to_rotten"))
    _stamp(rec, moment, creating, {})
    return rec


def new_stage(store: Store, data: Mapping[str, Any], moment: datetime) -> Record:
    rec: Record = {
        "id": 0,
        "order_nr": 0,
        "name": "",
        "is_deleted": False,
        "deal_probability": 100,
        "pipeline_id": None,
        "is_deal_rot_enabled": False,
        "days_to_rotten": None,
        "add_time": None,
        "update_time": None,
    }
    apply_stage(store, rec, data, moment, creating=True)
    rec["id"] = store.next_id("stage")
    return rec


# -- rendering --------------------------------------------------------------------------------------

_PERSON_OPTIONAL = ("marketing_status",)


def _activity_counts(store: Store, key: str, record_id: int) -> dict[str, Any]:
    acts = [a for a in store.index("activity", key).get(record_id, ()) if not a["is_deleted"]]
    undone = sorted((a for a in acts if not a["done"]), key=lambda a: (a["due_date"] or "", a["id"]))
    done = sorted((a for a in acts if a["done"]), key=lambda a: (a["due_date"] or "", a["id"]))
    return {
        "activities_count": len(acts),
        "done_activities_count": len(done),
        "undone_activities_count": len(undone),
        "next_activity_id": undone[0]["id"] if undone else None,
        "last_activity_id": done[-1]["id"] if done else None,
    }


def _extra_fields(store: Store, entity: str, rec: Record, wanted: set[str]) -> dict[str, Any]:
    key = {"deal": "deal_id", "person": "person_id", "organization": "org_id"}.get(entity)
    extra: dict[str, Any] = {}
    if key is None:
        return extra
    computed: dict[str, Callable[[], dict[str, Any]]] = {
        "activities": lambda: _activity_counts(store, key, rec["id"]),
        "notes_count": lambda: {
            "notes_count": sum(1 for n in store.index("note", key).get(rec["id"], ()) if n["active_flag"])
        },
        "files_count": lambda: {
            "files_count": sum(1 for f in store.index("file", key).get(rec["id"], ()) if f["active_flag"])
        },
    }
    if entity in ("person", "organization"):
        computed["deals"] = lambda: _deal_counts(store, key, rec["id"])
    if entity == "organization":
        computed["people_count"] = lambda: {
            "people_count": sum(
                1 for p in store.index("person", "org_id").get(rec["id"], ()) if not p["is_deleted"]
            )
        }
    groups = {
        "activities": (
            "activities_count",
            "done_activities_count",
            "undone_activities_count",
            "next_activity_id",
            "last_activity_id",
        ),
        "deals": ("open_deals_count", "closed_deals_count", "won_deals_count", "lost_deals_count"),
    }
    for name in sorted(wanted):
        group = next((g for g, members in groups.items() if name in members), name)
        if group not in computed:
            continue  # counted elsewhere (views.py) or not kept by the sandbox
        extra.update({k: v for k, v in computed[group]().items() if k in wanted})
    return extra


def _deal_counts(store: Store, key: str, record_id: int) -> dict[str, Any]:
    deals = [d for d in store.index("deal", key).get(record_id, ()) if not d["is_deleted"]]
    by_status = {s: sum(1 for d in deals if d["status"] == s) for s in ("open", "won", "lost")}
    return {
        "open_deals_count": by_status["open"],
        "won_deals_count": by_status["won"],
        "lost_deals_count": by_status["lost"],
        "closed_deals_count": by_status["won"] + by_status["lost"],
    }


def render(store: Store, entity: str, rec: Record, query: Mapping[str, str]) -> Record:
    """The served shape of a v2 record, honouring `custom_fields` and `include_fields`."""
    out = dict(rec)
    wanted = {part.strip() for part in (query.get("include_fields") or "").split(",") if part.strip()}
    if entity == "activity":
        if "attendees" not in wanted:
            out.pop("attendees", None)
        wanted.discard("attendees")
    if entity == "deal":
        out.pop("archive_time", None)
        wanted.discard("source_lead_id")
    if entity == "person":
        for key in _PERSON_OPTIONAL:
            if key not in wanted:
                out.pop(key, None)
        wanted.difference_update(_PERSON_OPTIONAL)
    if "custom_fields" in rec:
        out["custom_fields"] = render_custom(store, entity, rec["custom_fields"], query.get("custom_fields"))
    if wanted:
        out.update(_extra_fields(store, entity, rec, wanted))
    return out


@dataclass(frozen=True)
class Entity:
    """How the generic v2 handlers treat one resource."""

    kind: str
    label: str
    create: Callable[[Store, Mapping[str, Any], datetime], Record]
    update: Callable[[Store, Record, Mapping[str, Any], datetime, bool], Record]
    sort_keys: tuple[str, ...] = ("id", "update_time", "add_time")


ENTITIES: dict[str, Entity] = {
    "deals": Entity("deal", "Deal", new_deal, apply_deal),
    "persons": Entity("person", "Person", new_person, apply_person),
    "organizations": Entity("organization", "Organization", new_organization, apply_organization),
    "activities": Entity(
        "activity", "Activity", new_activity, apply_activity, ("id", "update_time", "add_time", "due_date")
    ),
    "products": Entity(
        "product", "Product", new_product, apply_product, ("id", "name", "add_time", "update_time")
    ),
    "pipelines": Entity("pipeline", "Pipeline", new_pipeline, apply_pipeline),
    "stages": Entity("stage", "Stage", new_stage, apply_stage, ("id", "update_time", "add_time", "order_nr")),
}
