"""What each resource derives when it is created or changed, beyond copying documented fields.

`DEFAULTS[kind]` gives a new record's starting values; `RULES[kind]` runs after the body's fields were
copied in (creating tells a create from an update) and may refuse the change with a 400.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .call import Call
from .db import Record
from .fields import clean_custom_values, is_hash_key
from .jsontypes import as_array, as_object
from .seed import COMPANY
from .store_ops import require
from .views import live
from .wire import BadRequest

Rule = Callable[[Call, Record, dict[str, Any], bool], None]
LEAD_COLORS = ("blue", "brown", "dark-gray", "gray", "green", "orange", "pink", "purple", "red", "yellow")


def _note(call: Call, rec: Record, data: dict[str, Any], creating: bool) -> None:
    if creating and not any(rec.get(k) for k in ("deal_id", "person_id", "org_id", "lead_id", "project_id")):
        raise BadRequest("A note needs one of deal_id, person_id, org_id, lead_id or project_id")
    if not creating:
        rec["last_update_user_id"] = call.user_id


def _lead(call: Call, rec: Record, data: dict[str, Any], creating: bool) -> None:
    labels = data.get("label_ids")
    if labels is not None:
        known = {label["id"] for label in call.store.all("lead_label")}
        if any(label not in known for label in labels):
            raise BadRequest("label_ids must list existing lead label ids")
    custom = {k: v for k, v in data.items() if is_hash_key(k)}
    if custom:
        rec["custom_fields"] = {
            **rec.get("custom_fields", {}),
            **clean_custom_values(call.store, "deal", custom),
        }
    if not rec.get("person_id") and not rec.get("organization_id"):
        raise BadRequest("A lead needs a person_id or an organization_id")
    if creating:
        rec.setdefault("creator_id", call.user_id)
        rec["cc_email"] = f"{COMPANY['domain']}+{str(rec['id'])[:8]}@pipedrivemail.com"


def _lead_label(call: Call, rec: Record, data: dict[str, Any], creating: bool) -> None:
    if rec.get("color") not in LEAD_COLORS:
        raise BadRequest(f"color must be one of {', '.join(LEAD_COLORS)}")


def _activity_type(call: Call, rec: Record, data: dict[str, Any], creating: bool) -> None:
    if creating:
        slug = "".join(ch for ch in rec["name"].lower() if ch.isalnum() or ch == "_") or "custom"
        taken = {t["key_string"] for t in call.store.all("activity_type")}
        key, n = slug, 1
        while key in taken:
            n += 1
            key = f"{slug}{n}"
        rec.update(key_string=key, is_custom_flag=True)
        rec["order_nr"] = len(taken) + 1


def _deal_product(call: Call, rec: Record, data: dict[str, Any], creating: bool) -> None:
    product = require(call.store, "product", rec["product_id"], "Product")
    rec.setdefault("name", product["name"])
    price, quantity = float(rec.get("item_price") or 0), float(rec.get("quantity") or 0)
    discount = float(rec.get("discount") or 0)
    gross = price * quantity
    net = gross - (
        gross * discount / 100 if rec.get("discount_type", "percentage") == "percentage" else discount
    )
    tax = float(rec.get("tax") or 0)
    rec["sum"] = round(net * (1 + tax / 100) if rec.get("tax_method") == "exclusive" else net, 2)
    rec.setdefault("currency", as_object(call.store.get("deal", rec["deal_id"])).get("currency", "USD"))


def _project(call: Call, rec: Record, data: dict[str, Any], creating: bool) -> None:
    # v1 names one organization and person, v2 lists them: keep both spellings in step.
    if "org_id" in data:
        rec["org_ids"] = [data["org_id"]] if data["org_id"] else []
    if "org_ids" in data:
        rec["org_id"] = (data["org_ids"] or [None])[0]
    if "person_id" in data:
        rec["person_ids"] = [data["person_id"]] if data["person_id"] else []
    if "person_ids" in data:
        rec["person_id"] = (data["person_ids"] or [None])[0]
    if "labels" in data:
        rec["label_ids"] = data["labels"]
    if "label_ids" in data:
        rec["labels"] = data["label_ids"]
    for key in ("board_id", "phase_id"):
        if rec.get(key):
            require(call.store, key[:-3], rec[key], key[:-3].capitalize())
    if "status" in data and not creating:
        rec["status_change_time"] = rec["update_time"]


def _task(call: Call, rec: Record, data: dict[str, Any], creating: bool) -> None:
    require(call.store, "project", rec["project_id"], "Project")
    if "done" in data:
        done = bool(data["done"])
        rec["done"] = 1 if done else 0
        rec["is_done"] = done
        rec["marked_as_done_time"] = rec["update_time"] if done else None
    if "assignee_ids" in data:
        rec["assignee_id"] = (data["assignee_ids"] or [None])[0]
    elif "assignee_id" in data:
        rec["assignee_ids"] = [data["assignee_id"]] if data["assignee_id"] else []


def _order(kind: str, scope: str | None = None) -> Rule:
    def rule(call: Call, rec: Record, data: dict[str, Any], creating: bool) -> None:
        if creating and "order_nr" not in data:
            siblings = [r for r in call.store.all(kind) if scope is None or r.get(scope) == rec.get(scope)]
            rec["order_nr"] = len(siblings) + 1

    return rule


def _phase(call: Call, rec: Record, data: dict[str, Any], creating: bool) -> None:
    require(call.store, "board", rec["board_id"], "Board")
    _order("phase", "board_id")(call, rec, data, creating)


def _team(call: Call, rec: Record, data: dict[str, Any], creating: bool) -> None:
    users: list[Any] = as_array(rec.get("users"))
    for user_id in users:
        require(call.store, "user", user_id, "User")
    if creating:
        rec.setdefault("users", [])
        rec["deleted_flag"] = False


def _relationship(call: Call, rec: Record, data: dict[str, Any], creating: bool) -> None:
    if rec.get("type") not in ("parent", "related"):
        raise BadRequest("type must be parent or related")
    if rec["rel_owner_org_id"] == rec["rel_linked_org_id"]:
        raise BadRequest("An organization cannot be related to itself")
    base = data.get("org_id") or rec["rel_owner_org_id"]
    other = rec["rel_linked_org_id"] if base == rec["rel_owner_org_id"] else rec["rel_owner_org_id"]
    rec["calculated_related_org_id"] = other
    rec["calculated_type"] = rec["type"] if base == rec["rel_owner_org_id"] else "child"
    rec["active_flag"] = "true"


def _webhook(call: Call, rec: Record, data: dict[str, Any], creating: bool) -> None:
    if creating:
        rec.update(
            company_id=COMPANY["id"],
            owner_id=call.user_id,
            admin_id=call.user_id,
            is_active=1,
            type="general",
            version=rec.get("version") or "1.0",
            last_delivery_time=None,
            last_http_status=None,
        )
        rec.setdefault("user_id", call.user_id)


def _user(call: Call, rec: Record, data: dict[str, Any], creating: bool) -> None:
    if creating:
        if any(u["email"] == rec["email"] for u in call.store.all("user") if u["id"] != rec["id"]):
            raise BadRequest(f"A user with the email {rec['email']} already exists")
        local = rec["email"].split("@")[0].replace(".", " ").title()
        rec.update(
            name=local,
            default_currency="USD",
            locale="en_US",
            lang=1,
            phone=None,
            activated=False,
            last_login=None,
            created=rec["add_time"],
            modified=rec["add_time"],
            has_created_company=False,
            timezone_name="America/New_York",
            timezone_offset="-04:00",
            role_id=1,
            icon_url=None,
            is_admin=0,
            is_deleted=False,
            is_you=False,
        )
        rec.setdefault(
            "access", [{"app": "sales", "admin": False, "permission_set_id": _default_permission_set(call)}]
        )
    rec["modified"] = rec["update_time"]


def _default_permission_set(call: Call) -> Any:
    sets = [p for p in call.store.all("permission_set") if p["app"] == "sales"]
    return sets[-1]["id"] if sets else None


def _goal(call: Call, rec: Record, data: dict[str, Any], creating: bool) -> None:
    if creating:
        rec["is_active"] = True
        rec.setdefault("report_ids", [])
        rec.setdefault("title", f"{rec['type'].get('name', 'goal')} goal")


def _filter(call: Call, rec: Record, data: dict[str, Any], creating: bool) -> None:
    if creating:
        rec.update(is_editable=True, temporary_flag=False, visible_to=1, custom_view_id=None)
        rec["filter_code"] = f"filter_{rec['id']}"
    rec["last_used_time"] = rec["update_time"]


def _call_log(call: Call, rec: Record, data: dict[str, Any], creating: bool) -> None:
    rec.setdefault("has_recording", False)
    rec["company_id"] = COMPANY["id"]
    if rec["end_time"] < rec["start_time"]:
        raise BadRequest("end_time must not be before start_time")


def _channel(call: Call, rec: Record, data: dict[str, Any], creating: bool) -> None:
    rec.update(pd_company_id=COMPANY["id"], marketplace_client_id="sandbox-client", is_active=True)
    rec.setdefault("template_support", False)
    rec.setdefault("provider_type", "other")
    rec.setdefault("avatar_url", None)
    rec["created_at"] = rec["add_time"]


def _role(call: Call, rec: Record, data: dict[str, Any], creating: bool) -> None:
    parent = rec.get("parent_role_id")
    if parent is not None and parent == rec["id"]:
        raise BadRequest("A role cannot be its own parent")
    rec["level"] = 1 if not parent else as_object(call.store.get("role", parent)).get("level", 1) + 1


def _variation(call: Call, rec: Record, data: dict[str, Any], creating: bool) -> None:
    prices: list[Record] = as_array(rec.get("prices"))
    for price in prices:
        price["product_variation_id"] = rec["id"]


def _mail_thread(call: Call, rec: Record, data: dict[str, Any], creating: bool) -> None:
    for key in ("shared_flag", "read_flag", "archived_flag"):
        if key in data:
            rec[key] = 1 if data[key] in (1, "1", True, "true") else 0
    if data.get("deal_id"):
        rec["deal_status"] = as_object(call.store.get("deal", data["deal_id"])).get("status")


def _discount(call: Call, rec: Record, data: dict[str, Any], creating: bool) -> None:
    if rec.get("type") not in ("percentage", "amount"):
        raise BadRequest("type must be percentage or amount")
    if creating:
        rec["created_at"] = rec["add_time"]
    rec["updated_at"] = rec["update_time"]
    rec["updated_by"] = call.user_id


def _installment(call: Call, rec: Record, data: dict[str, Any], creating: bool) -> None:
    deal = require(call.store, "deal", rec["deal_id"], "Deal")
    if not any(p["deal_id"] == deal["id"] for p in call.store.all("deal_product")):
        raise BadRequest("Installments need a deal with at least one product")


RULES: dict[str, Rule] = {
    "note": _note,
    "lead": _lead,
    "lead_label": _lead_label,
    "activity_type": _activity_type,
    "deal_product": _deal_product,
    "project": _project,
    "task": _task,
    "board": _order("board"),
    "phase": _phase,
    "team": _team,
    "org_relationship": _relationship,
    "webhook": _webhook,
    "user": _user,
    "goal": _goal,
    "filter": _filter,
    "call_log": _call_log,
    "channel": _channel,
    "role": _role,
    "variation": _variation,
    "mail_thread": _mail_thread,
    "discount": _discount,
    "installment": _installment,
}

DEFAULTS: dict[str, dict[str, Any]] = {
    "note": {
        "content": "",
        "deal_id": None,
        "person_id": None,
        "org_id": None,
        "lead_id": None,
        "project_id": None,
        "task_id": None,
        "last_update_user_id": None,
        "pinned_to_lead_flag": False,
        "pinned_to_deal_flag": False,
        "pinned_to_organization_flag": False,
        "pinned_to_person_flag": False,
        "pinned_to_project_flag": False,
        "pinned_to_task_flag": False,
        "active_flag": True,
    },
    "lead": {
        "label_ids": [],
        "person_id": None,
        "organization_id": None,
        "source_name": "API",
        "origin": "API",
        "origin_id": None,
        "channel": None,
        "channel_id": None,
        "source_deal_id": None,
        "is_archived": False,
        "was_seen": False,
        "value": None,
        "expected_close_date": None,
        "next_activity_id": None,
        "visible_to": "3",
        "custom_fields": {},
    },
    "activity_type": {"color": None, "is_custom_flag": True},
    "project": {"status": "open", "deal_ids": [], "labels": [], "label_ids": [], "health_status": None},
    "task": {
        "done": 0,
        "is_done": False,
        "parent_task_id": None,
        "assignee_id": None,
        "marked_as_done_time": None,
    },
    "deal_product": {
        "quantity": 1,
        "discount": 0,
        "discount_type": "percentage",
        "tax": 0,
        "tax_method": "inclusive",
    },
    "deal_product_flags": {},
    "comment": {"active_flag": True, "object_type": "note", "updater_id": None},
    "team": {"description": None, "users": []},
    "role": {"parent_role_id": None, "active_flag": True},
    "mail_thread": {},
    "goal": {},
    "variation": {"prices": []},
}


def defaults(kind: str) -> dict[str, Any]:
    import copy

    return copy.deepcopy(DEFAULTS.get(kind, {}))


def apply(call: Call, kind: str, rec: Record, data: dict[str, Any], creating: bool) -> None:
    rule = RULES.get(kind)
    if rule is not None:
        rule(call, rec, data, creating)


def counts(call: Call, kind: str, key: str, value: Any) -> int:
    return sum(1 for r in live(call.store, kind) if r.get(key) == value)
