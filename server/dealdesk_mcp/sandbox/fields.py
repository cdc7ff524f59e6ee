"""Field catalogues: the system and custom fields of each entity, custom value checks, and field renderings.

Field definitions live in the store (kind "field:<entity>", keyed by field_code) so the *Fields write
operations can change them. Custom fields get 40-character hex keys like Pipedrive's hash keys.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from datetime import datetime
from typing import Any

from .db import Record, Store
from .jsontypes import as_array, is_array, is_object
from .wire import BadRequest, v1_time, v2_time

# Entities whose fields the v2 *Fields endpoints serve; leads borrow the deal catalogue like Pipedrive.
FIELD_ENTITIES = ("deal", "person", "organization", "product", "activity", "project")
OPTION_TYPES = ("enum", "set")
CREATABLE_TYPES = (
    "varchar",
    "varchar_auto",
    "text",
    "double",
    "monetary",
    "date",
    "set",
    "enum",
    "user",
    "org",
    "people",
    "phone",
    "time",
    "timerange",
    "daterange",
    "address",
)

# (field_code, field_name, field_type) per entity, in the order Pipedrive lists them.
SYSTEM_FIELDS: dict[str, list[tuple[str, str, str]]] = {
    "deal": [
        ("id", "ID", "int"),
        ("title", "Title", "varchar"),
        ("owner_id", "Owner", "user"),
        ("value", "Value", "monetary"),
        ("currency", "Currency", "varchar"),
        ("org_id", "Organization", "org"),
        ("person_id", "Contact person", "people"),
        ("pipeline_id", "Pipeline", "double"),
        ("stage_id", "Stage", "stage"),
        ("status", "Status", "status"),
        ("probability", "Probability", "double"),
        ("expected_close_date", "Expected close date", "date"),
        ("add_time", "Deal created", "date"),
        ("update_time", "Update time", "date"),
        ("won_time", "Won time", "date"),
        ("lost_time", "Lost time", "date"),
        ("close_time", "Deal closed on", "date"),
        ("lost_reason", "Lost reason", "varchar"),
        ("visible_to", "Visible to", "visible_to"),
        ("label_ids", "Label", "set"),
    ],
    "person": [
        ("id", "ID", "int"),
        ("name", "Name", "varchar"),
        ("first_name", "First name", "varchar"),
        ("last_name", "Last name", "varchar"),
        ("owner_id", "Owner", "user"),
        ("org_id", "Organization", "org"),
        ("emails", "Email", "varchar"),
        ("phones", "Phone", "phone"),
        ("job_title", "Job title", "varchar"),
        ("birthday", "Birthday", "date"),
        ("notes", "Notes", "text"),
        ("postal_address", "Postal address", "address"),
        ("label_ids", "Labels", "set"),
        ("visible_to", "Visible to", "visible_to"),
        ("add_time", "Person created", "date"),
        ("update_time", "Update time", "date"),
    ],
    "organization": [
        ("id", "ID", "int"),
        ("name", "Name", "varchar"),
        ("owner_id", "Owner", "user"),
        ("address", "Address", "address"),
        ("website", "Website", "varchar"),
        ("linkedin", "LinkedIn profile", "varchar"),
        ("industry", "Industry", "enum"),
        ("annual_revenue", "Annual revenue", "monetary"),
        ("employee_count", "Number of employees", "int"),
        ("label_ids", "Labels", "set"),
        ("visible_to", "Visible to", "visible_to"),
        ("add_time", "Organization created", "date"),
        ("update_time", "Update time", "date"),
    ],
    "product": [
        ("id", "ID", "double"),  # v1 productFields documents no "int" type
        ("name", "Name", "varchar"),
        ("code", "Product code", "varchar"),
        ("description", "Description", "text"),
        ("unit", "Unit", "varchar"),
        ("tax", "Tax", "double"),
        ("category", "Category", "enum"),
        ("owner_id", "Owner", "user"),
        ("is_linkable", "Linkable", "boolean"),
        ("visible_to", "Visible to", "visible_to"),
        ("prices", "Price", "price_list"),
        ("billing_frequency", "Billing frequency", "billing_frequency"),
    ],
    "project": [
        ("id", "ID", "int"),
        ("title", "Title", "varchar"),
        ("description", "Description", "text"),
        ("status", "Status", "status"),
        ("owner_id", "Owner", "user"),
        ("board_id", "Board", "double"),
        ("phase_id", "Phase", "double"),
        ("start_date", "Start date", "date"),
        ("end_date", "End date", "date"),
        ("add_time", "Project created", "date"),
    ],
    "activity": [
        ("id", "ID", "int"),
        ("subject", "Subject", "varchar"),
        ("type", "Type", "varchar_options"),
        ("owner_id", "Assigned to user", "user"),
        ("deal_id", "Deal", "deal"),
        ("lead_id", "Lead", "lead"),
        ("person_id", "Contact person", "people"),
        ("org_id", "Organization", "org"),
        ("due_date", "Due date", "date"),
        ("due_time", "Due time", "time"),
        ("duration", "Duration", "time"),
        ("busy", "Free/busy", "enum"),
        ("done", "Done", "boolean"),
        ("location", "Location", "address"),
        ("priority", "Priority", "enum"),
        ("note", "Note", "text"),
        ("add_time", "Add time", "date"),
        ("update_time", "Update time", "date"),
    ],
}

# (slug, field_name, field_type, option labels) per entity; slugs only feed the stable hash keys.
SEED_CUSTOM_FIELDS: dict[str, list[tuple[str, str, str, list[str]]]] = {
    "deal": [
        ("source_channel", "Source channel", "enum", ["Inbound", "Outbound", "Partner referral", "Event"]),
        ("contract_months", "Contract length (months)", "double", []),
        ("renewal_date", "Renewal date", "date", []),
        ("competitor", "Main competitor", "varchar", []),
    ],
    "person": [
        ("language", "Preferred language", "enum", ["English", "German", "French", "Spanish"]),
        ("linkedin", "LinkedIn URL", "varchar", []),
        ("topics", "Interests", "set", ["Analytics", "Automation", "Integrations", "Security"]),
    ],
    "organization": [
        ("tier", "Account tier", "enum", ["Strategic", "Growth", "SMB"]),
        ("customer_since", "Customer since", "date", []),
        ("vat_number", "VAT number", "varchar", []),
    ],
    "product": [
        ("support_level", "Support level", "enum", ["Standard", "Premium", "Enterprise"]),
        ("sku_family", "SKU family", "varchar", []),
    ],
    "activity": [],
    "project": [("delivery_region", "Delivery region", "enum", ["North America", "Europe"])],
}

# Note field types stay within the set the v1 noteFields schema allows (ids as double, lead as varchar).
NOTE_FIELDS: list[tuple[int, str, str, str]] = [
    (1, "id", "ID", "double"),
    (2, "content", "Content", "text"),
    (3, "deal_id", "Deal", "double"),
    (4, "lead_id", "Lead", "varchar"),
    (5, "person_id", "Person", "people"),
    (6, "org_id", "Organization", "org"),
    (7, "user_id", "User", "user"),
    (8, "add_time", "Add time", "date"),
    (9, "update_time", "Update time", "date"),
    (10, "pinned_to_deal_flag", "Pinned to deal", "enum"),
    (11, "pinned_to_person_flag", "Pinned to person", "enum"),
    (12, "pinned_to_organization_flag", "Pinned to organization", "enum"),
]

LEAD_SYSTEM_FIELDS: list[tuple[str, str, str]] = [
    ("title", "Title", "varchar"),
    ("owner_id", "Owner", "user"),
    ("label_ids", "Labels", "set"),
    ("person_id", "Person", "people"),
    ("organization_id", "Organization", "org"),
    ("value", "Value", "monetary"),
    ("expected_close_date", "Expected close date", "date"),
    ("source_name", "Source", "varchar"),
    ("visible_to", "Visible to", "visible_to"),
    ("add_time", "Lead created", "date"),
    ("update_time", "Update time", "date"),
]

_HASH = re.compile(r"^[0-9a-f]{40}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def field_kind(entity: str) -> str:
    return f"field:{entity}"


def hash_key(seed: str) -> str:
    return hashlib.sha1(seed.encode()).hexdigest()  # a key, not security: stable 40-hex like Pipedrive's


def new_field(
    store: Store,
    entity: str,
    *,
    code: str,
    name: str,
    field_type: str,
    custom: bool,
    labels: list[str],
    moment: datetime,
    description: str | None = None,
) -> Record:
    options = [make_option(store, label, moment) for label in labels] if field_type in OPTION_TYPES else None
    return {
        "field_code": code,
        "field_name": name,
        "field_type": field_type,
        "description": description,
        "options": options,
        "subfields": None,
        "is_custom_field": custom,
        "is_optional_response_field": False,
        "ui_visibility": {
            "add_visible_flag": True,
            "details_visible_flag": True,
            **({"show_in_pipelines": {"show_in_all": True, "pipeline_ids": []}} if entity == "deal" else {}),
        },
        "important_fields": {"enabled": False, "stage_ids": []},
        "required_fields": {"enabled": code == "title", "stage_ids": [], "statuses": {}},
        "v1_id": store.next_id("field_id"),
        "add_time": v2_time(moment),
        "update_time": v2_time(moment),
    }


def make_option(store: Store, label: str, moment: datetime) -> Record:
    stamp = v2_time(moment)
    return {
        "id": store.next_id("option"),
        "label": label,
        "color": None,
        "add_time": stamp,
        "update_time": stamp,
    }


def seed_fields(store: Store, moment: datetime) -> None:
    for entity in FIELD_ENTITIES:
        rows = [
            new_field(
                store, entity, code=code, name=name, field_type=ftype, custom=False, labels=[], moment=moment
            )
            for code, name, ftype in SYSTEM_FIELDS[entity]
        ]
        for slug, name, ftype, labels in SEED_CUSTOM_FIELDS[entity]:
            code = hash_key(f"{entity}:{slug}")
            rows.append(
                new_field(
                    store,
                    entity,
                    code=code,
                    name=name,
                    field_type=ftype,
                    custom=True,
                    labels=labels,
                    moment=moment,
                )
            )
        store.put_many(field_kind(entity), rows, key="field_code")


def custom_fields(store: Store, entity: str) -> list[Record]:
    return [f for f in store.all(field_kind(entity)) if f["is_custom_field"]]


def create_field_code() -> str:
    return hash_key(uuid.uuid4().hex)


# -- values -----------------------------------------------------------------------------------------


def clean_custom_values(store: Store, entity: str, values: Any) -> dict[str, Any]:
    """Check a custom_fields object against the catalogue; unknown keys and wrong types are 400s."""
    if values is None:
        return {}
    if not is_object(values):
        raise BadRequest("custom_fields must be an object keyed by field code")
    catalogue = {f["field_code"]: f for f in custom_fields(store, entity)}
    cleaned: dict[str, Any] = {}
    for key, value in values.items():
        field = catalogue.get(key)
        if field is None:
            raise BadRequest(f"Unknown custom field '{key}' for {entity}")
        cleaned[key] = None if value is None else _check_value(field, value)
    return cleaned


def _check_value(field: Record, value: Any) -> Any:
    ftype, name = field["field_type"], field["field_name"]
    option_ids = {o["id"] for o in as_array(field.get("options"))}
    if ftype == "enum":
        if isinstance(value, bool) or not isinstance(value, int) or value not in option_ids:
            raise BadRequest(f"Field '{name}' takes one of the option ids {sorted(option_ids)}")
        return value
    if ftype == "set":
        items = value if is_array(value) else [value]
        if not all(isinstance(v, int) and not isinstance(v, bool) and v in option_ids for v in items):
            raise BadRequest(f"Field '{name}' takes a list of option ids from {sorted(option_ids)}")
        return items
    if ftype in ("double", "int"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise BadRequest(f"Field '{name}' takes a number")
        return value
    if ftype == "date":
        if not isinstance(value, str) or not _DATE.match(value):
            raise BadRequest(f"Field '{name}' takes a date as YYYY-MM-DD")
        return value
    if ftype == "monetary":
        if not is_object(value) or not isinstance(value.get("value"), int | float):
            raise BadRequest(f"Field '{name}' takes an object with value and currency")
        return {"value": value["value"], "currency": value.get("currency")}
    if ftype in ("user", "org", "people"):
        if isinstance(value, bool) or not isinstance(value, int):
            raise BadRequest(f"Field '{name}' takes an id")
        return value
    if ftype in ("varchar", "varchar_auto", "text", "phone") and not isinstance(value, str):
        raise BadRequest(f"Field '{name}' takes a string")
    return value


def render_custom(store: Store, entity: str, stored: dict[str, Any], select: str | None) -> dict[str, Any]:
    """All custom keys (null when unset), or only those named in the `custom_fields` query parameter."""
    keys = [f["field_code"] for f in custom_fields(store, entity)]
    if select:
        wanted = [k.strip() for k in select.split(",") if k.strip()]
        unknown = [k for k in wanted if k not in keys]
        if unknown:
            raise BadRequest(f"Unknown custom field key(s): {', '.join(unknown)}")
        keys = wanted
    return {key: stored.get(key) for key in keys}


def is_hash_key(key: str) -> bool:
    return bool(_HASH.match(key))


# -- renderings -----------------------------------------------------------------------------------

_V2_BASE = ("field_name", "field_code", "description", "field_type", "options", "subfields")
_V2_FLAGS = ("is_custom_field", "is_optional_response_field")
_NAMESPACES = ("ui_visibility", "important_fields", "required_fields")


def render_v2_field(field: Record, include: str | None, entity: str) -> Record:
    out = {key: field[key] for key in _V2_BASE if not (key == "description" and entity == "activity")}
    out.update({key: field[key] for key in _V2_FLAGS})
    wanted = {part.strip() for part in (include or "").split(",") if part.strip()}
    allowed = ("ui_visibility",) if entity == "activity" else _NAMESPACES
    for namespace in allowed:
        if namespace in wanted:
            out[namespace] = field[namespace]
    return out


def render_v2_deleted_field(field: Record) -> Record:
    return {key: field[key] for key in (*_V2_BASE, *_V2_FLAGS)}


def render_lead_fields(store: Store, moment: datetime) -> list[Record]:
    rows: list[Record] = []
    for order, (code, name, ftype) in enumerate(LEAD_SYSTEM_FIELDS):
        rows.append(_v1_field(None, code, name, ftype, order, None, v1_time(moment), custom=False))
    for order, field in enumerate(custom_fields(store, "deal"), start=len(rows)):
        options = (
            [{"id": o["id"], "label": o["label"]} for o in field["options"]] if field["options"] else None
        )
        added = field["add_time"].replace("T", " ").rstrip("Z")
        rows.append(
            _v1_field(
                field["v1_id"],
                field["field_code"],
                field["field_name"],
                field["field_type"],
                order,
                options,
                added,
                custom=True,
            )
        )
    return rows


def _v1_field(
    field_id: int | None,
    key: str,
    name: str,
    ftype: str,
    order: int,
    options: Any,
    added: str,
    *,
    custom: bool,
) -> Record:
    return {
        "id": field_id,
        "key": key,
        "name": name,
        "order_nr": order,
        "field_type": ftype,
        "add_time": added,
        "update_time": added,
        "last_updated_by_user_id": None,
        "created_by_user_id": None,
        "active_flag": True,
        "edit_flag": custom,
        "index_visible_flag": True,
        "details_visible_flag": True,
        "add_visible_flag": True,
        "important_flag": False,
        "bulk_edit_allowed": True,
        "searchable_flag": ftype in ("varchar", "text"),
        "filtering_allowed": True,
        "sortable_flag": True,
        "mandatory_flag": key == "title",
        "options": options,
        "options_deleted": [],
        "is_subfield": False,
        "subfields": [],
    }


def render_note_fields() -> list[Record]:
    rows: list[Record] = []
    for field_id, key, name, ftype in NOTE_FIELDS:
        row: Record = {
            "id": field_id,
            "key": key,
            "name": name,
            "field_type": ftype,
            "active_flag": True,
            "edit_flag": False,
            "bulk_edit_allowed": False,
            "mandatory_flag": key == "content",
        }
        if ftype == "enum":  # the pin flags: Pipedrive lists them as yes/no options
            row["options"] = [{"id": 0, "label": "False"}, {"id": 1, "label": "True"}]
        rows.append(row)
    return rows
