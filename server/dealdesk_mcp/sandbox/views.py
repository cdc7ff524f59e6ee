"""How a stored record is served: the canonical record plus the names and derived values each API
version shows. The projection (project.py) then keeps exactly what the operation documents, so a view
may offer more than one answer needs (v1's person_name beside v2's person_id).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .db import Record, Store
from .fields import custom_fields
from .jsontypes import as_array, as_object, is_array, is_object
from .records import render as render_v2
from .resources import LINKS, RESOURCES
from .seed import COMPANY

V2_RENDERED = ("deal", "person", "organization", "activity", "product", "pipeline", "stage")


def alive(kind: str, rec: Record | None) -> bool:
    if rec is None:
        return False
    res = RESOURCES.get(kind)
    if res is not None and res.delete == "soft":
        return not rec.get("is_deleted")
    if res is not None and res.delete == "flag":
        return rec.get("active_flag", True) is not False
    return True


def live(store: Store, kind: str) -> list[Record]:
    return [r for r in store.all(kind) if alive(kind, r)]


def linked(store: Store, kind: str, key: str, value: Any) -> list[Record]:
    """The live records of `kind` whose `key` is `value`, from the unit's grouping (db.Store.index)."""
    return [r for r in store.index(kind, key).get(value, ()) if alive(kind, r)]


def _name(store: Store, kind: str, record_id: Any, key: str = "name") -> Any:
    rec = store.get(kind, record_id) if record_id not in (None, "") else None
    return rec.get(key) if rec else None


def _user(store: Store, rec: Record) -> Record:
    out = {k: v for k, v in rec.items() if k != "is_admin"}
    out["is_admin"] = rec.get("is_admin", 0)
    out["has_pic"] = 0
    out["pic_hash"] = None
    return out


def _money(value: Any, currency: str | None) -> str:
    amount = float(value or 0)
    return f"{amount:,.0f} {currency or ''}".strip()


def _next_activity(store: Store, key: str, record_id: Any) -> dict[str, Any]:
    acts = linked(store, "activity", key, record_id)
    undone = sorted((a for a in acts if not a["done"]), key=lambda a: (a.get("due_date") or "", a["id"]))
    done = sorted((a for a in acts if a["done"]), key=lambda a: (a.get("due_date") or "", a["id"]))
    out: dict[str, Any] = {
        "activities_count": len(acts),
        "done_activities_count": len(done),
        "undone_activities_count": len(undone),
        "next_activity_id": undone[0]["id"] if undone else None,
        "last_activity_id": done[-1]["id"] if done else None,
        "last_activity_date": done[-1].get("due_date") if done else None,
        "next_activity_date": undone[0].get("due_date") if undone else None,
        "next_activity_time": undone[0].get("due_time") if undone else None,
        "next_activity_subject": undone[0].get("subject") if undone else None,
        "next_activity_type": undone[0].get("type") if undone else None,
        "next_activity_duration": undone[0].get("duration") if undone else None,
    }
    return out


def _counts(store: Store, key: str, record_id: Any) -> dict[str, Any]:
    return {
        "notes_count": len(store.index("note", key).get(record_id, ())),
        "files_count": len(linked(store, "file", key, record_id)),
        "followers_count": sum(
            1 for f in store.index("follower", "parent_id").get(record_id, ()) if f.get("parent_key") == key
        ),
        "email_messages_count": len(linked(store, "mail_message", key, record_id)),
    }


def _deal_v1(store: Store, rec: Record) -> Record:
    stage = store.get("stage", rec.get("stage_id")) or {}
    owner = store.get("user", rec.get("owner_id")) or {}
    probability = rec.get("probability")
    if probability is None:
        probability = stage.get("deal_probability", 100)
    weighted = round(float(rec.get("value") or 0) * float(probability) / 100, 2)
    out = dict(rec)
    out.update(
        user_id=rec.get("owner_id"),
        creator_user_id=rec.get("creator_user_id", rec.get("owner_id")),
        active=rec.get("status") == "open" and not rec.get("is_deleted"),
        deleted=bool(rec.get("is_deleted")),
        visible_to=str(rec.get("visible_to", 3)),
        stage_order_nr=stage.get("order_nr"),
        person_name=_name(store, "person", rec.get("person_id")),
        org_name=_name(store, "organization", rec.get("org_id")),
        owner_name=owner.get("name"),
        formatted_value=_money(rec.get("value"), rec.get("currency")),
        weighted_value=weighted,
        formatted_weighted_value=_money(weighted, rec.get("currency")),
        weighted_value_currency=rec.get("currency"),
        cc_email=f"{COMPANY['domain']}+deal{rec['id']}@pipedrivemail.com",
        org_hidden=False,
        person_hidden=False,
        products_count=len(store.index("deal_product", "deal_id").get(rec["id"], ())),
        participants_count=len(store.index("participant", "deal_id").get(rec["id"], ())),
        label=",".join(str(i) for i in as_array(rec.get("label_ids"))) or None,
        rotten_time=None,
    )
    out.update(_next_activity(store, "deal_id", rec["id"]))
    out.update(_counts(store, "deal_id", rec["id"]))
    out.update(as_object(rec.get("custom_fields")))
    return out


def _person_v1(store: Store, rec: Record) -> Record:
    out = dict(rec)
    out.update(
        active_flag=not rec.get("is_deleted"),
        company_id=COMPANY["id"],
        email=as_array(rec.get("emails")),
        phone=as_array(rec.get("phones")),
        first_char=(rec.get("name") or "?")[:1].lower(),
        org_name=_name(store, "organization", rec.get("org_id")),
        owner_name=_name(store, "user", rec.get("owner_id")),
        cc_email=f"{COMPANY['domain']}+person{rec['id']}@pipedrivemail.com",
        visible_to=str(rec.get("visible_to", 3)),
    )
    out.update(_deal_counts(store, "person_id", rec["id"]))
    out.update(_next_activity(store, "person_id", rec["id"]))
    out.update(_counts(store, "person_id", rec["id"]))
    out.update(as_object(rec.get("custom_fields")))
    return out


def _org_v1(store: Store, rec: Record) -> Record:
    out = dict(rec)
    address: Any = rec.get("address") or {}
    out.update(
        active_flag=not rec.get("is_deleted"),
        company_id=COMPANY["id"],
        address=address.get("value") if is_object(address) else address,
        owner_name=_name(store, "user", rec.get("owner_id")),
        people_count=len(linked(store, "person", "org_id", rec["id"])),
        cc_email=f"{COMPANY['domain']}+org{rec['id']}@pipedrivemail.com",
        visible_to=str(rec.get("visible_to", 3)),
    )
    out.update(_deal_counts(store, "org_id", rec["id"]))
    out.update(_counts(store, "org_id", rec["id"]))
    out.update(as_object(rec.get("custom_fields")))
    return out


def _deal_counts(store: Store, key: str, record_id: Any) -> dict[str, int]:
    deals = linked(store, "deal", key, record_id)
    won = sum(1 for d in deals if d["status"] == "won")
    lost = sum(1 for d in deals if d["status"] == "lost")
    return {
        "open_deals_count": sum(1 for d in deals if d["status"] == "open"),
        "won_deals_count": won,
        "lost_deals_count": lost,
        "closed_deals_count": won + lost,
        "related_open_deals_count": 0,
        "related_closed_deals_count": 0,
        "related_won_deals_count": 0,
        "related_lost_deals_count": 0,
    }


def _note(store: Store, rec: Record) -> Record:
    out = dict(rec)
    deal = store.get("deal", rec.get("deal_id")) if rec.get("deal_id") else None
    org = store.get("organization", rec.get("org_id")) if rec.get("org_id") else None
    person = store.get("person", rec.get("person_id")) if rec.get("person_id") else None
    user = store.get("user", rec.get("user_id"))
    out["deal"] = {"title": deal["title"]} if deal else None
    out["organization"] = {"name": org["name"]} if org else None
    out["person"] = {"name": person["name"]} if person else None
    out["user"] = (
        {"email": user["email"], "icon_url": user.get("icon_url"), "is_you": False, "name": user["name"]}
        if user
        else None
    )
    return out


def _lead(store: Store, rec: Record) -> Record:
    out = {k: v for k, v in rec.items() if k != "custom_fields"}
    stored = rec.get("custom_fields", {})
    for field in custom_fields(store, "deal"):
        out[field["field_code"]] = stored.get(field["field_code"])
    return out


def _file(store: Store, rec: Record) -> Record:
    out = dict(rec)
    out["deal_name"] = _name(store, "deal", rec.get("deal_id"), "title")
    out["person_name"] = _name(store, "person", rec.get("person_id"))
    out["org_name"] = _name(store, "organization", rec.get("org_id"))
    out["product_name"] = _name(store, "product", rec.get("product_id"))
    out["lead_name"] = _name(store, "lead", rec.get("lead_id"), "title")
    out["project_name"] = _name(store, "project", rec.get("project_id"), "title")
    return out


def _follower(store: Store, rec: Record) -> Record:
    out = dict(rec)
    out[rec["parent_key"]] = rec["parent_id"]
    user = as_object(store.get("user", rec["user_id"]))
    out.update(name=user.get("name"), email=user.get("email"), active_flag=True, has_pic=0, pic_hash=None)
    return out


def _participant(store: Store, rec: Record) -> Record:
    out = dict(rec)
    person = as_object(store.get("person", rec["person_id"]))
    out["person"] = _person_v1(store, person) if person else None
    out["related_item_data"] = {"deal_id": rec["deal_id"]}
    out["related_item_type"] = "deal"
    out["related_item_id"] = rec["deal_id"]
    return out


def _deal_product(store: Store, rec: Record) -> Record:
    out = dict(rec)
    product = as_object(store.get("product", rec["product_id"]))
    out.setdefault("name", product.get("name"))
    out["product"] = product or None
    return out


def _task(store: Store, rec: Record) -> Record:
    out = dict(rec)
    out.setdefault("assignee_ids", [rec["assignee_id"]] if rec.get("assignee_id") else [])
    return out


def _team(store: Store, rec: Record) -> Record:
    return dict(rec)


def _relationship(store: Store, rec: Record) -> Record:
    out = dict(rec)
    out["rel_owner_org_id"] = _org_brief(store, rec.get("rel_owner_org_id"))
    out["rel_linked_org_id"] = _org_brief(store, rec.get("rel_linked_org_id"))
    out["related_organization_name"] = _name(store, "organization", rec.get("calculated_related_org_id"))
    return out


def _org_brief(store: Store, org_id: Any) -> Any:
    org = store.get("organization", org_id) if org_id else None
    if not org:
        return None
    return {"name": org["name"], "people_count": 0, "owner_id": org["owner_id"], "value": org["id"]}


def _comment(store: Store, rec: Record) -> Record:
    return {**rec, "uuid": rec["id"]}


V1_VIEWS: dict[str, Callable[[Store, Record], Record]] = {
    "comment": _comment,
    "deal": _deal_v1,
    "person": _person_v1,
    "organization": _org_v1,
    "note": _note,
    "lead": _lead,
    "file": _file,
    "follower": _follower,
    "participant": _participant,
    "deal_product": _deal_product,
    "task": _task,
    "team": _team,
    "org_relationship": _relationship,
    "user": _user,
}
V2_VIEWS: dict[str, Callable[[Store, Record], Record]] = {
    "deal_product": _deal_product,
    "follower": _follower,
    "task": _task,
    "user": _user,
}


def view(
    store: Store, kind: str, rec: Record, version: str, query: Mapping[str, Any] | None = None
) -> Record:
    """The record as this API version serves it (before projection)."""
    query = query or {}
    if version == "v2" and kind in V2_RENDERED:
        return render_v2(store, kind, rec, {k: _text(v) for k, v in query.items()})
    table = V1_VIEWS if version == "v1" else V2_VIEWS
    make = table.get(kind)
    return make(store, rec) if make else dict(rec)


def _text(value: Any) -> str:
    if is_array(value):
        return ",".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def expander(store: Store, version: str) -> Callable[[str, Any], dict[str, Any] | None]:
    """For the projection: an id where the document shows an object becomes that object."""

    def expand(name: str, value: Any) -> dict[str, Any] | None:
        kind = LINKS.get(name)
        if kind is None or isinstance(value, bool):
            return None
        rec = store.get(kind, value)
        if rec is None:
            return None
        out = view(store, kind, rec, "v1")
        out["value"] = value
        if kind == "user":
            out.update(has_pic=0, pic_hash=None, active_flag=True)
        return out

    return expand


def related_objects(store: Store, items: list[Record]) -> dict[str, Any]:
    """v1's related_objects block: the users, persons, organizations, ... the items mention."""
    groups: dict[str, dict[str, Any]] = {}
    by_key = {
        "user_id": "user",
        "owner_id": "user",
        "creator_user_id": "user",
        "person_id": "person",
        "org_id": "organization",
        "deal_id": "deal",
        "stage_id": "stage",
        "pipeline_id": "pipeline",
    }
    for item in items:
        if not is_object(item):
            continue
        for key, kind in by_key.items():
            ref = item.get(key)
            if is_object(ref):
                ref = ref.get("value", ref.get("id"))
            if ref in (None, "") or isinstance(ref, bool):
                continue
            rec = store.get(kind, ref)
            if rec is None:
                continue
            group = {"organization": "organization"}.get(kind, kind)
            groups.setdefault(group, {})[str(ref)] = view(store, kind, rec, "v1")
    return groups
