"""List operations and list entries: query, add a record, assert by parent, read, update, delete."""

from __future__ import annotations

from typing import Any

from ..jsontypes import is_object
from . import structure
from .errors import BadRequest, Conflict, NotFound
from .http import Ctx, route
from .inputs import MISSING, items, slug, text, uuid_field
from .objects import new_view, system_attributes
from .query import Subjects, compile_filter, sort
from .records import history_page, view_filter
from .recordset import Values, check_unique, render_entry
from .repo import Doc
from .wire import WORKSPACE_ID, api_actor, is_uuid, new_id, number, offset_page, stamp

ACCESS = ("full-access", "read-and-write", "read-only")


def _access(ctx: Ctx, data: dict[str, Any], required: bool) -> tuple[Any, Any]:
    workspace = data.get("workspace_access", MISSING)
    if workspace is MISSING and required:
        raise BadRequest("workspace_access is required")
    if workspace is not MISSING and workspace is not None and workspace not in ACCESS:
        raise BadRequest(f"workspace_access must be null or one of {', '.join(ACCESS)}")
    members = items(data, "workspace_member_access", required=required)
    if members is not MISSING:
        known = {m["id"]["workspace_member_id"] for m in ctx.repo.all("member")}
        for grant in members:
            if not is_object(grant) or grant.get("level") not in ACCESS:
                raise BadRequest("Each workspace_member_access item needs workspace_member_id and level")
            if grant.get("workspace_member_id") not in known:
                raise BadRequest(
                    f"No workspace member {grant.get('workspace_member_id')!r}", code="value_not_found"
                )
        members = [{"workspace_member_id": g["workspace_member_id"], "level": g["level"]} for g in members]
    return workspace, members


def new_list(list_id: str, name: str, api_slug: str, parent_object_id: str, actor: Any, moment: Any) -> Doc:
    return {
        "id": {"workspace_id": WORKSPACE_ID, "list_id": list_id},
        "api_slug": api_slug,
        "name": name,
        "parent_object": [],
        "workspace_access": "full-access",
        "workspace_member_access": [],
        "created_by_actor": actor,
        "created_at": stamp(moment),
        "_parent_object_id": parent_object_id,
    }


def _slug_free(ctx: Ctx, api_slug: str, other_than: str | None = None) -> None:
    taken = structure.find_list(ctx.repo, api_slug)
    if taken is not None and structure.list_id(taken) != other_than:
        raise Conflict(f"A list with slug {api_slug!r} already exists")


@route("GET", "/v2/lists")
def list_lists(ctx: Ctx) -> Any:
    return {"data": [structure.render_list(ctx.repo, x) for x in ctx.repo.all("list")]}


@route("POST", "/v2/lists")
def create_list(ctx: Ctx) -> Any:
    data = ctx.data()
    name, api_slug = text(data, "name"), slug(text(data, "api_slug"), "api_slug")
    parent = structure.need_object(ctx.repo, text(data, "parent_object"))
    workspace, members = _access(ctx, data, required=True)
    _slug_free(ctx, api_slug)
    doc = new_list(new_id(), name, api_slug, structure.object_id(parent), api_actor(), ctx.moment)
    doc["workspace_access"], doc["workspace_member_access"] = workspace, members
    lid = structure.list_id(doc)
    ctx.repo.put("list", lid, doc)
    system_attributes(ctx.repo, lid, "lists", ctx.moment)
    ctx.repo.put("view", new_id(), new_view(lid, "lists", new_id(), f"All {name}", ctx.moment))
    return {"data": structure.render_list(ctx.repo, doc)}


@route("GET", "/v2/lists/{list}")
def get_list(ctx: Ctx) -> Any:
    return {"data": structure.render_list(ctx.repo, structure.need_list(ctx.repo, ctx.params["list"]))}


@route("PATCH", "/v2/lists/{list}")
def update_list(ctx: Ctx) -> Any:
    doc = structure.need_list(ctx.repo, ctx.params["list"])
    data = ctx.data()
    name = text(data, "name", required=False)
    if name is not MISSING:
        doc["name"] = name
    api_slug = text(data, "api_slug", required=False)
    if api_slug is not MISSING:
        _slug_free(ctx, slug(api_slug, "api_slug"), structure.list_id(doc))
        doc["api_slug"] = api_slug
    workspace, members = _access(ctx, data, required=False)
    if workspace is not MISSING:
        doc["workspace_access"] = workspace
    if members is not MISSING:
        doc["workspace_member_access"] = members
    ctx.repo.put("list", structure.list_id(doc), doc)
    return {"data": structure.render_list(ctx.repo, doc)}


# -- entries --------------------------------------------------------------------------------------


def _entry(ctx: Ctx, doc: Doc) -> Doc:
    eid = ctx.params["entry_id"]
    entry = ctx.repo.get("entry", eid) if is_uuid(eid) else None
    if entry is None or entry["list_id"] != structure.list_id(doc):
        raise NotFound(f"Entry {eid!r} was not found in list {doc['api_slug']}")
    return entry


@route("POST", "/v2/lists/{list}/entries/query")
def query_entries(ctx: Ctx) -> Any:
    doc = structure.need_list(ctx.repo, ctx.params["list"])
    lid = structure.list_id(doc)
    body: Any = ctx.json() or {}
    if not is_object(body):
        raise BadRequest("The request body must be a JSON object")
    limit = number(body.get("limit"), "limit", default=500, low=1, high=500)
    offset = number(body.get("offset"), "offset", default=0)
    own = {"entry_id": "entry_id", "parent_record_id": "parent_record_id", "record_id": "parent_record_id"}
    subjects = Subjects(ctx.repo, structure.attributes_of(ctx.repo, lid), "entry_values", own)
    keep = compile_filter(subjects, view_filter(ctx, lid, body))
    found = sort(
        subjects,
        [e for e in ctx.repo.all("entry", lambda e: e["list_id"] == lid) if keep(e)],
        body.get("sorts"),
    )
    return {"data": [render_entry(ctx.repo, e, subjects.renderer) for e in offset_page(found, limit, offset)]}


def _parent_record(ctx: Ctx, doc: Doc, data: dict[str, Any]) -> Doc:
    rid = uuid_field(data, "parent_record_id")
    obj = structure.find_object(ctx.repo, text(data, "parent_object"))
    if obj is None or structure.object_id(obj) != doc["_parent_object_id"]:
        raise BadRequest(
            f"List {doc['api_slug']} holds {structure.object_slug(ctx.repo, doc['_parent_object_id'])} records",
            code="value_not_found",
        )
    record = ctx.repo.get("record", rid)
    if record is None or record["object_id"] != structure.object_id(obj):
        raise NotFound(f"Record {rid!r} was not found")
    return record


def _entry_values(data: dict[str, Any]) -> Any:
    written = data.get("entry_values", {})
    if not is_object(written):
        raise BadRequest("entry_values must be an object keyed by attribute slug or id")
    return written


def add_entry(ctx: Ctx, doc: Doc, record: Doc, written: Any) -> Doc:
    lid = structure.list_id(doc)
    values = Values(ctx.repo, lid, api_actor(), ctx.moment)
    entry: Doc = {
        "entry_id": new_id(),
        "list_id": lid,
        "parent_record_id": record["record_id"],
        "parent_object_id": record["object_id"],
        "created_at": stamp(ctx.moment),
        "entry_values": {},
    }
    values.system(entry["entry_values"], entry["entry_id"])
    values.write(entry["entry_values"], written, append=False, creating=True)
    check_unique(ctx.repo, entry, values.attributes, kind="entry")
    return ctx.repo.put("entry", entry["entry_id"], entry)


def write_entry(ctx: Ctx, entry: Doc, written: Any, *, append: bool) -> Doc:
    values = Values(ctx.repo, entry["list_id"], api_actor(), ctx.moment)
    values.write(entry["entry_values"], written, append=append, creating=False)
    check_unique(ctx.repo, entry, values.attributes, kind="entry")
    return ctx.repo.put("entry", entry["entry_id"], entry)


@route("POST", "/v2/lists/{list}/entries")
def create_entry(ctx: Ctx) -> Any:
    doc = structure.need_list(ctx.repo, ctx.params["list"])
    data = ctx.data()
    record = _parent_record(ctx, doc, data)
    return {"data": render_entry(ctx.repo, add_entry(ctx, doc, record, _entry_values(data)))}


@route("PUT", "/v2/lists/{list}/entries")
def assert_entry(ctx: Ctx) -> Any:
    doc = structure.need_list(ctx.repo, ctx.params["list"])
    data = ctx.data()
    record = _parent_record(ctx, doc, data)
    lid = structure.list_id(doc)
    found = ctx.repo.all(
        "entry", lambda e: e["list_id"] == lid and e["parent_record_id"] == record["record_id"]
    )
    if len(found) > 1:
        raise BadRequest(
            f"{len(found)} entries of this list have that parent record", code="multiple_match_results"
        )
    if found:
        entry = write_entry(ctx, found[0], _entry_values(data), append=False)
    else:
        entry = add_entry(ctx, doc, record, _entry_values(data))
    return {"data": render_entry(ctx.repo, entry)}


@route("GET", "/v2/lists/{list}/entries/{entry_id}")
def get_entry(ctx: Ctx) -> Any:
    doc = structure.need_list(ctx.repo, ctx.params["list"])
    return {"data": render_entry(ctx.repo, _entry(ctx, doc))}


def _update(ctx: Ctx, append: bool) -> Any:
    doc = structure.need_list(ctx.repo, ctx.params["list"])
    entry = _entry(ctx, doc)
    data = ctx.data()
    if "entry_values" not in data:
        raise BadRequest("data.entry_values is required")
    return {"data": render_entry(ctx.repo, write_entry(ctx, entry, _entry_values(data), append=append))}


@route("PATCH", "/v2/lists/{list}/entries/{entry_id}")
def append_entry(ctx: Ctx) -> Any:
    return _update(ctx, append=True)


@route("PUT", "/v2/lists/{list}/entries/{entry_id}")
def overwrite_entry(ctx: Ctx) -> Any:
    return _update(ctx, append=False)


@route("DELETE", "/v2/lists/{list}/entries/{entry_id}")
def delete_entry(ctx: Ctx) -> Any:
    doc = structure.need_list(ctx.repo, ctx.params["list"])
    ctx.repo.delete("entry", _entry(ctx, doc)["entry_id"])
    return {}


@route("GET", "/v2/lists/{list}/entries/{entry_id}/attributes/{attribute}/values")
def entry_values(ctx: Ctx) -> Any:
    doc = structure.need_list(ctx.repo, ctx.params["list"])
    entry = _entry(ctx, doc)
    attr = structure.need_attribute(ctx.repo, entry["list_id"], ctx.params["attribute"])
    return {"data": history_page(ctx, attr, entry["entry_values"])}
