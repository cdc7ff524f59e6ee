"""Objects, lists and their attributes, select options and statuses: finding and rendering them.

An attribute belongs to a parent, an object or a list (the `target` of the attribute paths); its id
block names the parent in `object_id` for both, as Attio's attribute schema has only that key.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .errors import BadRequest, NotFound
from .repo import Doc, Repo
from .wire import WORKSPACE_ID, is_uuid, stamp

TYPES = (
    "text",
    "number",
    "checkbox",
    "currency",
    "date",
    "timestamp",
    "rating",
    "status",
    "select",
    "record-reference",
    "actor-reference",
    "location",
    "domain",
    "email-address",
    "phone-number",
    "interaction",
    "personal-name",
)
TARGETS = ("objects", "lists")


def public(doc: Doc) -> Doc:
    """A stored document as served: keys starting with "_" are the sandbox's own bookkeeping."""
    return {k: v for k, v in doc.items() if not k.startswith("_")}


# -- objects and lists ----------------------------------------------------------------------------


def find_object(repo: Repo, ident: str) -> Doc | None:
    if is_uuid(ident):
        found = repo.get("object", ident)
        if found:
            return found
    return next((o for o in repo.all("object") if o["api_slug"] == ident), None)


def need_object(repo: Repo, ident: str) -> Doc:
    found = find_object(repo, ident)
    if found is None:
        raise NotFound(f"Object with slug or id {ident!r} was not found")
    return found


def object_id(obj: Doc) -> str:
    return obj["id"]["object_id"]


def object_slug(repo: Repo, oid: str) -> str:
    obj = repo.get("object", oid)
    return (obj or {}).get("api_slug") or oid


def find_list(repo: Repo, ident: str) -> Doc | None:
    if is_uuid(ident):
        found = repo.get("list", ident)
        if found:
            return found
    return next((x for x in repo.all("list") if x["api_slug"] == ident), None)


def need_list(repo: Repo, ident: str) -> Doc:
    found = find_list(repo, ident)
    if found is None:
        raise NotFound(f"List with slug or id {ident!r} was not found")
    return found


def list_id(doc: Doc) -> str:
    return doc["id"]["list_id"]


def render_list(repo: Repo, doc: Doc) -> Doc:
    out = public(doc)
    out["parent_object"] = [object_slug(repo, doc["_parent_object_id"])]
    return out


def need_parent(repo: Repo, target: str, identifier: str) -> str:
    """The id of the object or list an attribute path names."""
    if target == "objects":
        return object_id(need_object(repo, identifier))
    if target == "lists":
        return list_id(need_list(repo, identifier))
    raise BadRequest(f"target must be one of {', '.join(TARGETS)}, got {target!r}")


# -- attributes -----------------------------------------------------------------------------------


def attributes_of(repo: Repo, parent_id: str, *, archived: bool = False) -> list[Doc]:
    return repo.all("attribute", lambda a: a["_parent"] == parent_id and (archived or not a["is_archived"]))


def find_attribute(repo: Repo, parent_id: str, ident: str) -> Doc | None:
    if is_uuid(ident):
        found = repo.get("attribute", ident)
        if found and found["_parent"] == parent_id:
            return found
    return next((a for a in attributes_of(repo, parent_id, archived=True) if a["api_slug"] == ident), None)


def need_attribute(repo: Repo, parent_id: str, ident: str) -> Doc:
    found = find_attribute(repo, parent_id, ident)
    if found is None:
        raise NotFound(f"Attribute with slug or id {ident!r} was not found")
    return found


def attribute_id(attr: Doc) -> str:
    return attr["id"]["attribute_id"]


def new_attribute(
    parent_id: str,
    target: str,
    attr_id: str,
    *,
    title: str,
    api_slug: str,
    type: str,
    moment: datetime,
    description: str | None = None,
    is_system: bool = False,
    is_writable: bool = True,
    is_required: bool = False,
    is_unique: bool = False,
    is_multiselect: bool = False,
    default_currency: str | None = None,
    allowed_object_ids: list[str] | None = None,
    default_value: Any = None,
) -> Doc:
    return {
        "id": {"workspace_id": WORKSPACE_ID, "object_id": parent_id, "attribute_id": attr_id},
        "title": title,
        "description": description,
        "api_slug": api_slug,
        "type": type,
        "is_system_attribute": is_system,
        "is_writable": is_writable,
        "is_required": is_required,
        "is_unique": is_unique,
        "is_multiselect": is_multiselect,
        "is_default_value_enabled": default_value is not None,
        "is_archived": False,
        "default_value": default_value,
        "relationship": None,
        "created_at": stamp(moment),
        "config": {
            "currency": {
                "default_currency_code": default_currency,
                "display_type": "symbol" if type == "currency" else None,
            },
            "record_reference": {"allowed_object_ids": allowed_object_ids},
        },
        "_parent": parent_id,
        "_target": target,
    }


def relate(first: Doc, first_slug: str, second: Doc, second_slug: str) -> None:
    """Make two record-reference attributes each other's inverse (Attio's relationship attributes)."""
    for this, other, slug in ((first, second, second_slug), (second, first, first_slug)):
        this["relationship"] = {
            "id": dict(other["id"]),
            "object_slug": slug,
            "title": other["title"],
            "api_slug": other["api_slug"],
            "is_multiselect": other["is_multiselect"],
        }


# -- select options and statuses ------------------------------------------------------------------


def options_of(repo: Repo, attr_id: str, *, archived: bool = True) -> list[Doc]:
    return repo.all(
        "option", lambda o: o["id"]["attribute_id"] == attr_id and (archived or not o["is_archived"])
    )


def statuses_of(repo: Repo, attr_id: str, *, archived: bool = True) -> list[Doc]:
    return repo.all(
        "status", lambda s: s["id"]["attribute_id"] == attr_id and (archived or not s["is_archived"])
    )


def new_option(attr: Doc, option_id: str, title: str) -> Doc:
    return {"id": {**attr["id"], "option_id": option_id}, "title": title, "is_archived": False}


def new_status(
    attr: Doc, status_id: str, title: str, *, celebration: bool = False, target_time: str | None = None
) -> Doc:
    return {
        "id": {**attr["id"], "status_id": status_id},
        "title": title,
        "is_archived": False,
        "celebration_enabled": celebration,
        "target_time_in_status": target_time,
    }


def find_choice(docs: list[Doc], key: str, ident: str) -> Doc | None:
    """An option or status by id or by title (titles compare without regard to case)."""
    for doc in docs:
        if doc["id"][key] == ident:
            return doc
    folded = ident.casefold()
    return next((d for d in docs if d["title"].casefold() == folded), None)
