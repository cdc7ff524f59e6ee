"""Record operations: query, create, assert, read, update (append or overwrite), delete, value history,
the record's list entries, and search across objects."""

from __future__ import annotations

from typing import Any

from ..jsontypes import as_object, is_array, is_object
from . import structure
from .errors import BadRequest, NotFound
from .http import Ctx, route
from .inputs import q_bool
from .query import Subjects, compile_filter, sort
from .recordset import Values, check_unique, mirror, remove_record, render_record
from .repo import Doc
from .values import Renderer, active, identity
from .wire import WORKSPACE_ID, api_actor, is_uuid, new_id, number, offset_page, stamp


def _object(ctx: Ctx) -> Doc:
    return structure.need_object(ctx.repo, ctx.params["object"])


def _record(ctx: Ctx, obj: Doc) -> Doc:
    rid = ctx.params["record_id"]
    record = ctx.repo.get("record", rid) if is_uuid(rid) else None
    if record is None or record["object_id"] != structure.object_id(obj):
        raise NotFound(f"Record {rid!r} was not found in {obj['api_slug']}")
    return record


def subjects_for_records(ctx: Ctx, oid: str) -> Subjects:
    return Subjects(ctx.repo, structure.attributes_of(ctx.repo, oid), "values", {"record_id": "record_id"})


def view_filter(ctx: Ctx, parent_id: str, body: dict[str, Any]) -> Any:
    """A saved view's filter stands in for the body's when filter_view_id is given."""
    view_id = body.get("filter_view_id")
    if view_id is None:
        return body.get("filter")
    view = ctx.repo.get("view", view_id) if is_uuid(view_id) else None
    if view is None or view["_parent"] != parent_id:
        raise NotFound(f"View {view_id!r} was not found")
    return view["_filter"]


@route("POST", "/v2/objects/{object}/records/query")
def list_records(ctx: Ctx) -> Any:
    obj = _object(ctx)
    oid = structure.object_id(obj)
    body: Any = ctx.json() or {}
    if not is_object(body):
        raise BadRequest("The request body must be a JSON object")
    limit = number(body.get("limit"), "limit", default=500, low=1, high=500)
    offset = number(body.get("offset"), "offset", default=0)
    subjects = subjects_for_records(ctx, oid)
    keep = compile_filter(subjects, view_filter(ctx, oid, body))
    found = [r for r in ctx.repo.all("record", lambda r: r["object_id"] == oid) if keep(r)]
    found = sort(subjects, found, body.get("sorts"))
    renderer = subjects.renderer
    return {
        "data": [render_record(ctx.repo, r, ctx.origin, renderer) for r in offset_page(found, limit, offset)]
    }


def create(ctx: Ctx, obj: Doc, written: Any) -> Doc:
    oid = structure.object_id(obj)
    values = Values(ctx.repo, oid, api_actor(), ctx.moment)
    record: Doc = {"record_id": new_id(), "object_id": oid, "created_at": stamp(ctx.moment), "values": {}}
    values.system(record["values"], record["record_id"])
    changes = values.write(record["values"], written, append=False, creating=True)
    check_unique(ctx.repo, record, values.attributes)
    ctx.repo.put("record", record["record_id"], record)
    mirror(ctx.repo, values, record, changes)
    return record


def update(ctx: Ctx, record: Doc, written: Any, *, append: bool, keep: str | None = None) -> Doc:
    """Write values onto a record; `keep` names an attribute whose values are added to, not replaced."""
    values = Values(ctx.repo, record["object_id"], api_actor(), ctx.moment)
    if keep is not None and is_object(written) and keep in written:
        changes = values.write(record["values"], {keep: written[keep]}, append=True, creating=False)
        rest = {k: v for k, v in written.items() if k != keep}
        changes += values.write(record["values"], rest, append=append, creating=False)
    else:
        changes = values.write(record["values"], written, append=append, creating=False)
    check_unique(ctx.repo, record, values.attributes)
    ctx.repo.put("record", record["record_id"], record)
    mirror(ctx.repo, values, record, changes)
    return ctx.repo.need("record", record["record_id"], "Record")


def _values(ctx: Ctx) -> Any:
    data = ctx.data()
    if not is_object(data.get("values")):
        raise BadRequest("data.values must be an object keyed by attribute slug or id")
    return data["values"]


@route("POST", "/v2/objects/{object}/records")
def create_record(ctx: Ctx) -> Any:
    obj = _object(ctx)
    return {"data": render_record(ctx.repo, create(ctx, obj, _values(ctx)), ctx.origin)}


@route("PUT", "/v2/objects/{object}/records")
def assert_record(ctx: Ctx) -> Any:
    obj = _object(ctx)
    oid = structure.object_id(obj)
    key = ctx.query.get("matching_attribute")
    if not key:
        raise BadRequest("matching_attribute is required")
    written = _values(ctx)
    attr = structure.find_attribute(ctx.repo, oid, key)
    if attr is None:
        raise NotFound(f"Attribute {key!r} was not found on {obj['api_slug']}")
    if not attr["is_unique"]:
        raise BadRequest(f"{attr['api_slug']!r} is not unique, so it cannot be used to match records")
    given = written.get(attr["api_slug"], written.get(structure.attribute_id(attr)))
    if given in (None, []):
        raise BadRequest(
            f"values must include the matching attribute {attr['api_slug']!r}", code="missing_value"
        )
    values = Values(ctx.repo, oid, api_actor(), ctx.moment)
    wanted = {identity(attr["type"], c) for c in values.writer.items(attr, given)}
    aid = structure.attribute_id(attr)
    matches = [
        r
        for r in ctx.repo.all("record", lambda r: r["object_id"] == oid)
        if wanted & {identity(attr["type"], e) for e in active(r["values"].get(aid, []))}
    ]
    if len(matches) > 1:
        raise BadRequest(
            f"{len(matches)} records match on {attr['api_slug']!r}", code="multiple_match_results"
        )
    if matches:
        slug = attr["api_slug"] if attr["api_slug"] in written else aid
        record = update(ctx, matches[0], written, append=False, keep=slug if attr["is_multiselect"] else None)
    else:
        record = create(ctx, obj, written)
    return {"data": render_record(ctx.repo, record, ctx.origin)}


@route("GET", "/v2/objects/{object}/records/{record_id}")
def get_record(ctx: Ctx) -> Any:
    obj = _object(ctx)
    return {"data": render_record(ctx.repo, _record(ctx, obj), ctx.origin)}


@route("PATCH", "/v2/objects/{object}/records/{record_id}")
def append_record(ctx: Ctx) -> Any:
    obj = _object(ctx)
    record = update(ctx, _record(ctx, obj), _values(ctx), append=True)
    return {"data": render_record(ctx.repo, record, ctx.origin)}


@route("PUT", "/v2/objects/{object}/records/{record_id}")
def overwrite_record(ctx: Ctx) -> Any:
    obj = _object(ctx)
    record = update(ctx, _record(ctx, obj), _values(ctx), append=False)
    return {"data": render_record(ctx.repo, record, ctx.origin)}


@route("DELETE", "/v2/objects/{object}/records/{record_id}")
def delete_record(ctx: Ctx) -> Any:
    obj = _object(ctx)
    remove_record(ctx.repo, _record(ctx, obj), ctx.moment)
    return {}


@route("GET", "/v2/objects/{object}/records/{record_id}/attributes/{attribute}/values")
def record_values(ctx: Ctx) -> Any:
    obj = _object(ctx)
    record = _record(ctx, obj)
    attr = structure.need_attribute(ctx.repo, record["object_id"], ctx.params["attribute"])
    return {"data": history_page(ctx, attr, record["values"])}


def history_page(ctx: Ctx, attr: Doc, stored: dict[str, list[Doc]]) -> list[Doc]:
    historic = q_bool(ctx.query, "show_historic", False)
    limit = number(ctx.query.get("limit"), "limit", default=1000, low=1)
    offset = number(ctx.query.get("offset"), "offset", default=0)
    history = stored.get(structure.attribute_id(attr), [])
    shown = sorted(history, key=lambda e: e["active_from"]) if historic else active(history)
    renderer = Renderer(ctx.repo)
    return [renderer.entry(e) for e in offset_page(shown, limit, offset)]


@route("GET", "/v2/objects/{object}/records/{record_id}/entries")
def record_entries(ctx: Ctx) -> Any:
    obj = _object(ctx)
    record = _record(ctx, obj)
    limit = number(ctx.query.get("limit"), "limit", default=100, low=1, high=1000)
    offset = number(ctx.query.get("offset"), "offset", default=0)
    entries = ctx.repo.all("entry", lambda e: e["parent_record_id"] == record["record_id"])
    rows: list[Any] = []
    for entry in offset_page(entries, limit, offset):
        owner = as_object(ctx.repo.get("list", entry["list_id"]))
        rows.append(
            {
                "list_id": entry["list_id"],
                "list_api_slug": owner.get("api_slug", ""),
                "entry_id": entry["entry_id"],
                "created_at": entry["created_at"],
            }
        )
    return {"data": rows}


# -- search ---------------------------------------------------------------------------------------

TEXT_SLUGS = ("name",)
EXTRA = {"people": ("email_addresses", "phone_numbers"), "companies": ("domains",)}
EXTRA_FIELD = {"email_addresses": "email_address", "phone_numbers": "phone_number", "domains": "domain"}


@route("POST", "/v2/objects/records/search")
def search_records(ctx: Ctx) -> Any:
    body = ctx.body()
    query = body.get("query")
    if not isinstance(query, str) or len(query) > 256:
        raise BadRequest("query must be a string of at most 256 characters")
    limit = number(body.get("limit"), "limit", default=25, low=1, high=25)
    wanted = body.get("objects")
    if not is_array(wanted) or not wanted or not all(isinstance(o, str) for o in wanted):
        raise BadRequest("objects must be a non-empty list of object slugs or ids")
    objects: list[Any] = []
    for ident in wanted:
        obj = structure.find_object(ctx.repo, ident)
        if obj is None:
            raise BadRequest(f"No object {ident!r}", code="value_not_found")
        objects.append(obj)
    _check_requester(ctx, body.get("request_as"))
    folded = query.strip().casefold()
    hits: list[Doc] = []
    for obj in objects:
        oid = structure.object_id(obj)
        attrs = {a["api_slug"]: a for a in structure.attributes_of(ctx.repo, oid)}
        for record in ctx.repo.all("record", lambda r, oid=oid: r["object_id"] == oid):
            row = _search_row(record, obj, attrs)
            haystack = [
                row["record_text"],
                *[v for k in EXTRA.get(obj["api_slug"], ()) for v in row.get(k, [])],
            ]
            if not folded or any(folded in h.casefold() for h in haystack):
                hits.append(row)
    return {"data": hits[:limit]}


def _search_row(record: Doc, obj: Doc, attrs: dict[str, Doc]) -> Doc:
    def current(slug: str) -> list[Doc]:
        attr = attrs.get(slug)
        if attr is None:
            return []
        return active(record["values"].get(structure.attribute_id(attr), []))

    names = current("name")
    text = ""
    if names:
        text = names[0].get("full_name") or names[0].get("value") or ""
    row: Doc = {
        "id": {
            "workspace_id": WORKSPACE_ID,
            "object_id": record["object_id"],
            "record_id": record["record_id"],
        },
        "record_text": text,
        "record_image": None,
        "object_slug": obj["api_slug"],
    }
    for slug in EXTRA.get(obj["api_slug"], ()):
        row[slug] = [e[EXTRA_FIELD[slug]] for e in current(slug)]
    return row


def _check_requester(ctx: Ctx, request_as: Any) -> None:
    if not is_object(request_as) or request_as.get("type") not in ("workspace", "workspace-member"):
        raise BadRequest('request_as must be {"type": "workspace"} or a workspace member')
    if request_as["type"] == "workspace":
        return
    members = ctx.repo.all("member")
    if "workspace_member_id" in request_as:
        ok = any(m["id"]["workspace_member_id"] == request_as["workspace_member_id"] for m in members)
    elif isinstance(request_as.get("email_address"), str):
        ok = any(m["email_address"].casefold() == request_as["email_address"].casefold() for m in members)
    else:
        raise BadRequest("request_as for a member needs workspace_member_id or email_address")
    if not ok:
        raise BadRequest("request_as names no workspace member", code="value_not_found")
