"""The /api/v1 operations the sandbox serves: notes, files, leads and their labels, users and lookups."""

from __future__ import annotations

import mimetypes
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from starlette.responses import Response

from . import body as b
from .db import Record, Store
from .fields import clean_custom_values, custom_fields, render_lead_fields, render_note_fields
from .records import ME_ID, require
from .routing import Call, RouteTable, fetch
from .seed import COMPANY, new_lead_record
from .wire import (
    BadRequest,
    NotAvailable,
    NotFound,
    lead_time,
    now,
    offset_page,
    ok,
    parse_limit,
    parse_start,
    parse_time,
    v1_time,
)

routes = RouteTable()

CURRENCIES = [
    (1, "USD", "US Dollar", "$"),
    (2, "EUR", "Euro", "€"),
    (3, "GBP", "British Pound", "£"),
    (4, "CAD", "Canadian Dollar", "CA$"),
    (5, "CHF", "Swiss Franc", "CHF"),
    (6, "NOK", "Norwegian Krone", "kr"),
]
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
LEAD_COLORS = ("blue", "brown", "dark-gray", "gray", "green", "orange", "pink", "purple", "red", "yellow")


def _sorted(rows: list[Record], sort: str | None, allowed: tuple[str, ...]) -> list[Record]:
    """v1 `sort` is 'field [ASC|DESC], field2 ...'; apply the keys right to left (stable sorts)."""
    if not sort:
        return rows
    for part in reversed([p.strip() for p in sort.split(",") if p.strip()]):
        name, _, direction = part.partition(" ")
        if name not in allowed:
            raise BadRequest(f"sort may use: {', '.join(allowed)}")
        rows = sorted(
            rows,
            key=lambda r, n=name: (r.get(n) is None, r.get(n) or 0),
            reverse=direction.strip().upper() == "DESC",
        )
    return rows


# -- users and lookups ----------------------------------------------------------------------------


def _user(rec: Record, *, me: bool = False) -> Record:
    out = {k: v for k, v in rec.items() if k != "is_admin"}
    out["is_you"] = rec["id"] == ME_ID
    if me:
        out.update(
            company_id=COMPANY["id"],
            company_name=COMPANY["name"],
            company_domain=COMPANY["domain"],
            company_country=COMPANY["country"],
            company_industry="Software",
            language={"language_code": "en", "country_code": "US"},
        )
    return out


@routes.add("v1", "GET", "/users/me")
async def get_me(call: Call) -> Response:
    return ok(_user(fetch(call.store, "user", ME_ID, "User"), me=True))


@routes.add("v1", "GET", "/users")
async def get_users(call: Call) -> Response:
    return ok([_user(u) for u in call.store.all("user")])


@routes.add("v1", "GET", "/users/find")
async def find_users(call: Call) -> Response:
    term = (call.query.get("term") or "").strip().lower()
    if not term:
        raise BadRequest("term is required")
    by_email = b.q_bool(call.query, "search_by_email")
    users = [u for u in call.store.all("user") if term in (u["email"] if by_email else u["name"]).lower()]
    return ok([_user(u) for u in users])


@routes.add("v1", "GET", "/users/{id}")
async def get_user(call: Call) -> Response:
    return ok(_user(fetch(call.store, "user", call.int_param(), "User")))


@routes.add("v1", "GET", "/activityTypes")
async def get_activity_types(call: Call) -> Response:
    return ok(call.store.all("activity_type"))


@routes.add("v1", "GET", "/currencies")
async def get_currencies(call: Call) -> Response:
    term = (call.query.get("term") or "").lower()
    rows = [
        {
            "id": i,
            "code": code,
            "name": name,
            "decimal_points": 2,
            "symbol": symbol,
            "active_flag": True,
            "is_custom_flag": False,
        }
        for i, code, name, symbol in CURRENCIES
        if term in code.lower() or term in name.lower()
    ]
    return ok(rows)


@routes.add("v1", "GET", "/noteFields")
async def get_note_fields(call: Call) -> Response:
    rows = render_note_fields()
    page, extra = offset_page(
        rows, parse_start(call.query.get("start")), parse_limit(call.query.get("limit")), flat=True
    )
    return ok(page, extra)


@routes.add("v1", "GET", "/leadFields")
async def get_lead_fields(call: Call) -> Response:
    rows = render_lead_fields(call.store, now())
    page, extra = offset_page(
        rows, parse_start(call.query.get("start")), parse_limit(call.query.get("limit")), flat=True
    )
    return ok(page, extra)


@routes.add("v1", "GET", "/leadSources")
async def get_lead_sources(call: Call) -> Response:
    return ok([{"name": name} for name in LEAD_SOURCES])


# -- notes ------------------------------------------------------------------------------------------

NOTE_LINKS = (
    ("deal_id", "deal", "Deal"),
    ("person_id", "person", "Person"),
    ("org_id", "organization", "Organization"),
)
PIN_FLAGS = (
    "pinned_to_lead_flag",
    "pinned_to_deal_flag",
    "pinned_to_organization_flag",
    "pinned_to_person_flag",
    "pinned_to_project_flag",
    "pinned_to_task_flag",
)


def render_note(store: Store, rec: Record) -> Record:
    out = dict(rec)
    deal = store.get("deal", rec["deal_id"]) if rec["deal_id"] else None
    org = store.get("organization", rec["org_id"]) if rec["org_id"] else None
    person = store.get("person", rec["person_id"]) if rec["person_id"] else None
    user = store.get("user", rec["user_id"])
    out["deal"] = {"title": deal["title"]} if deal else None
    out["organization"] = {"name": org["name"]} if org else None
    out["person"] = {"name": person["name"]} if person else None
    out["project"] = None
    out["task"] = None
    out["user"] = (
        {
            "email": user["email"],
            "icon_url": user["icon_url"],
            "is_you": user["id"] == ME_ID,
            "name": user["name"],
        }
        if user
        else None
    )
    return out


def _apply_note(store: Store, rec: Record, data: Mapping[str, Any], creating: bool) -> None:
    b.assign(rec, "content", b.text(data, "content", required=creating or "content" in data))
    for key, kind, label in NOTE_LINKS:
        value = b.integer(data, key)
        if value not in (b.MISSING, None):
            require(store, kind, value, label)
        b.assign(rec, key, value)
    lead_id = b.text(data, "lead_id")
    if isinstance(lead_id, str):
        require(store, "lead", lead_id, "Lead")
    b.assign(rec, "lead_id", lead_id)
    user_id = b.integer(data, "user_id", nullable=False)
    if user_id is not b.MISSING:
        require(store, "user", user_id, "User")
        rec["user_id"] = user_id
    for flag in PIN_FLAGS:
        b.assign(rec, flag, b.boolean(data, flag))
    add_time = b.text(data, "add_time")
    if isinstance(add_time, str):
        rec["add_time"] = v1_time(parse_time(add_time, name="add_time"))
    if creating and not any(rec.get(key) for key in ("deal_id", "person_id", "org_id", "lead_id")):
        raise BadRequest("A note needs one of deal_id, person_id, org_id or lead_id")


@routes.add("v1", "GET", "/notes")
async def get_notes(call: Call) -> Response:
    query = call.query
    links = {
        key: b.q_int(query, key)
        for key in ("user_id", "deal_id", "person_id", "org_id", "project_id", "task_id")
    }
    flags = {flag: b.q_bool(query, flag) for flag in PIN_FLAGS}
    start_date, end_date = query.get("start_date"), query.get("end_date")
    since = parse_time(query["updated_since"], name="updated_since") if query.get("updated_since") else None

    def keep(rec: Record) -> bool:
        return (
            rec["active_flag"]
            and all(v is None or rec.get(k) == v for k, v in links.items())
            and all(v is None or bool(rec.get(k)) == v for k, v in flags.items())
            and (not query.get("lead_id") or rec.get("lead_id") == query["lead_id"])
            and (not start_date or rec["add_time"][:10] >= start_date)
            and (not end_date or rec["add_time"][:10] <= end_date)
            and (since is None or parse_time(rec["update_time"]) >= since)
        )

    rows = _sorted(
        [r for r in call.store.all("note") if keep(r)],
        query.get("sort"),
        ("id", "user_id", "deal_id", "person_id", "org_id", "content", "add_time", "update_time"),
    )
    page, extra = offset_page(
        rows, parse_start(query.get("start")), parse_limit(query.get("limit")), flat=False
    )
    return ok([render_note(call.store, r) for r in page], extra)


@routes.add("v1", "GET", "/notes/{id}")
async def get_note(call: Call) -> Response:
    return ok(render_note(call.store, fetch(call.store, "note", call.int_param(), "Note")))


@routes.add("v1", "POST", "/notes")
async def add_note(call: Call) -> Response:
    data = await call.json_object()
    stamp = v1_time(now())
    with call.store.transaction() as store:
        rec: Record = {
            "id": 0,
            "active_flag": True,
            "add_time": stamp,
            "content": "",
            "lead_id": None,
            "deal_id": None,
            "org_id": None,
            "person_id": None,
            "project_id": None,
            "task_id": None,
            "user_id": ME_ID,
            "last_update_user_id": None,
            **dict.fromkeys(PIN_FLAGS, False),
            "update_time": stamp,
        }
        _apply_note(store, rec, data, creating=True)
        rec["id"] = store.next_id("note")
        store.put("note", rec["id"], rec)
    return ok(render_note(call.store, rec))


@routes.add("v1", "PUT", "/notes/{id}")
async def update_note(call: Call) -> Response:
    data = await call.json_object()
    with call.store.transaction() as store:
        rec = fetch(store, "note", call.int_param(), "Note")
        _apply_note(store, rec, data, creating=False)
        rec["update_time"] = v1_time(now())
        rec["last_update_user_id"] = ME_ID
        store.put("note", rec["id"], rec)
    return ok(render_note(call.store, rec))


@routes.add("v1", "DELETE", "/notes/{id}")
async def delete_note(call: Call) -> Response:
    with call.store.transaction() as store:
        rec = fetch(store, "note", call.int_param(), "Note")
        store.delete("note", rec["id"])
    return ok(True)


# -- files ------------------------------------------------------------------------------------------

FILE_LINKS = (
    ("deal_id", "deal", "Deal", "title", "deal_name"),
    ("person_id", "person", "Person", "name", "person_name"),
    ("org_id", "organization", "Organization", "name", "org_name"),
    ("product_id", "product", "Product", "name", "product_name"),
    ("activity_id", "activity", "Activity", "subject", None),
)
ITEM_TYPES = {"deal": "deal_id", "organization": "org_id", "person": "person_id"}
REMOTE_TYPES = ("gdoc", "gslides", "gsheet", "gform", "gdraw")


def _file_record(call: Call, file_id: int, name: str, size: int, stamp: str) -> Record:
    return {
        "id": file_id,
        "user_id": ME_ID,
        "deal_id": None,
        "person_id": None,
        "org_id": None,
        "product_id": None,
        "activity_id": None,
        "lead_id": None,
        "project_id": None,
        "add_time": stamp,
        "update_time": stamp,
        "file_name": name,
        "file_size": size,
        "active_flag": True,
        "inline_flag": False,
        "remote_location": "s3",
        "remote_id": None,
        "cid": None,
        "s3_bucket": None,
        "mail_message_id": None,
        "mail_template_id": None,
        "deal_name": None,
        "person_name": None,
        "org_name": None,
        "product_name": None,
        "lead_name": None,
        "project_name": None,
        "url": f"{str(call.request.base_url).rstrip('/')}/api/v1/files/{file_id}/download",
        "name": name,
        "description": None,
        "file_type": name.rsplit(".", 1)[-1].lower() if "." in name else None,
    }


def _link_file(store: Store, rec: Record, data: Mapping[str, Any]) -> None:
    for key, kind, label, title_key, name_key in FILE_LINKS:
        value = b.integer(data, key)
        if value in (b.MISSING, None):
            continue
        target = require(store, kind, value, label)
        rec[key] = value
        if name_key:
            rec[name_key] = target[title_key]
    lead_id = b.text(data, "lead_id")
    if isinstance(lead_id, str):
        rec["lead_id"] = lead_id
        rec["lead_name"] = require(store, "lead", lead_id, "Lead")["title"]


@routes.add("v1", "POST", "/files")
async def add_file(call: Call) -> Response:
    upload = await call.upload("file")
    if upload is None:
        raise BadRequest("Send the file as multipart/form-data in the field 'file'")
    name, content, _ = upload
    data = await call.form_or_json()
    stamp = v1_time(now())
    with call.store.transaction() as store:
        file_id = store.next_id("file")
        rec = _file_record(call, file_id, name, len(content), stamp)
        _link_file(store, rec, data)
        store.put("file", file_id, rec)
        store.put_blob(file_id, content)
    return ok(rec)


def _item(store: Store, data: Mapping[str, Any]) -> tuple[str, int]:
    item_type = b.choice(data, "item_type", tuple(ITEM_TYPES))
    item_id = b.integer(data, "item_id", nullable=False)
    if item_type is b.MISSING or item_id is b.MISSING:
        raise BadRequest("item_type and item_id are required")
    return ITEM_TYPES[item_type], item_id


@routes.add("v1", "POST", "/files/remote")
async def add_remote_file(call: Call) -> Response:
    data = await call.form_or_json()
    file_type = b.choice(data, "file_type", REMOTE_TYPES)
    title = b.text(data, "title", required=True)
    if file_type is b.MISSING or data.get("remote_location") != "googledrive":
        raise BadRequest(
            f"file_type ({', '.join(REMOTE_TYPES)}) and remote_location=googledrive are required"
        )
    key, item_id = _item(call.store, data)
    with call.store.transaction() as store:
        file_id = store.next_id("file")
        # No Google Drive here: the record is real, the remote id says it was made by the sandbox.
        rec = _file_record(call, file_id, title, 0, v1_time(now()))
        rec.update(
            remote_location="googledrive", remote_id=f"sandbox-{uuid.uuid4().hex[:16]}", file_type=file_type
        )
        _link_file(store, rec, {key: item_id})
        store.put("file", file_id, rec)
    return ok(rec)


@routes.add("v1", "POST", "/files/remoteLink")
async def link_remote_file(call: Call) -> Response:
    data = await call.form_or_json()
    remote_id = b.text(data, "remote_id", required=True)
    if data.get("remote_location") != "googledrive":
        raise BadRequest("remote_location must be googledrive")
    key, item_id = _item(call.store, data)
    with call.store.transaction() as store:
        file_id = store.next_id("file")
        rec = _file_record(call, file_id, remote_id, 0, v1_time(now()))
        rec.update(remote_location="googledrive", remote_id=remote_id, file_type=None)
        _link_file(store, rec, {key: item_id})
        store.put("file", file_id, rec)
    return ok(rec)


def _files_of(store: Store, key: str | None, value: int | None) -> list[Record]:
    return [f for f in store.all("file") if f["active_flag"] and (key is None or f.get(key) == value)]


FILE_SORT = (
    "id",
    "user_id",
    "deal_id",
    "person_id",
    "org_id",
    "product_id",
    "add_time",
    "update_time",
    "file_name",
    "file_size",
)


@routes.add("v1", "GET", "/files")
async def get_files(call: Call) -> Response:
    rows = _sorted(_files_of(call.store, None, None), call.query.get("sort"), FILE_SORT)
    limit = parse_limit(call.query.get("limit"))
    if limit > 100:
        raise BadRequest("limit must be at most 100")
    page, extra = offset_page(rows, parse_start(call.query.get("start")), limit, flat=False)
    return ok(page, extra)


def _entity_files(kind: str, key: str, label: str) -> Callable[[Call], Any]:
    async def handler(call: Call) -> Response:
        owner = fetch(call.store, kind, call.int_param(), label)
        rows = _sorted(_files_of(call.store, key, owner["id"]), call.query.get("sort"), FILE_SORT)
        page, extra = offset_page(
            rows, parse_start(call.query.get("start")), parse_limit(call.query.get("limit")), flat=True
        )
        return ok(
            [{k: v for k, v in f.items() if k not in ("project_id", "project_name")} for f in page], extra
        )

    return handler


for _path, _kind, _key, _label in (
    ("deals", "deal", "deal_id", "Deal"),
    ("persons", "person", "person_id", "Person"),
    ("organizations", "organization", "org_id", "Organization"),
    ("products", "product", "product_id", "Product"),
):
    routes.add("v1", "GET", f"/{_path}/{{id}}/files")(_entity_files(_kind, _key, _label))


@routes.add("v1", "GET", "/files/{id}")
async def get_file(call: Call) -> Response:
    return ok(fetch(call.store, "file", call.int_param(), "File"))


@routes.add("v1", "PUT", "/files/{id}")
async def update_file(call: Call) -> Response:
    data = await call.form_or_json()
    with call.store.transaction() as store:
        rec = fetch(store, "file", call.int_param(), "File")
        b.assign(rec, "name", b.text(data, "name"))
        b.assign(rec, "description", b.text(data, "description"))
        rec["update_time"] = v1_time(now())
        store.put("file", rec["id"], rec)
    return ok(rec)


@routes.add("v1", "DELETE", "/files/{id}")
async def delete_file(call: Call) -> Response:
    with call.store.transaction() as store:
        rec = fetch(store, "file", call.int_param(), "File")
        rec["active_flag"] = False
        store.put("file", rec["id"], rec)
        store.delete_blob(rec["id"])
    return ok({"id": rec["id"]})


@routes.add("v1", "GET", "/files/{id}/download")
async def download_file(call: Call) -> Response:
    rec = fetch(call.store, "file", call.int_param(), "File")
    content = call.store.get_blob(rec["id"])
    if content is None:
        raise NotFound("This file is a remote link; its content lives outside the sandbox")
    media = mimetypes.guess_type(rec["file_name"])[0] or "application/octet-stream"
    disposition = f'attachment; filename="{rec["file_name"].replace(chr(34), "")}"'
    return Response(content, media_type=media, headers={"content-disposition": disposition})


# -- leads ------------------------------------------------------------------------------------------


def render_lead(store: Store, rec: Record) -> Record:
    """v1 keeps custom fields at the top level; leads share the deal catalogue."""
    out = {k: v for k, v in rec.items() if k != "custom_fields"}
    stored = rec.get("custom_fields", {})
    for field in custom_fields(store, "deal"):
        out[field["field_code"]] = stored.get(field["field_code"])
    return out


def _apply_lead(store: Store, rec: Record, data: Mapping[str, Any], creating: bool) -> None:
    b.assign(rec, "title", b.text(data, "title", required=creating or "title" in data))
    owner = b.integer(data, "owner_id", nullable=False)
    if owner is not b.MISSING:
        require(store, "user", owner, "User")
        rec["owner_id"] = owner
    for key, kind, label in (
        ("person_id", "person", "Person"),
        ("organization_id", "organization", "Organization"),
    ):
        value = b.integer(data, key)
        if value not in (b.MISSING, None):
            require(store, kind, value, label)
        b.assign(rec, key, value)
    labels = data.get("label_ids", b.MISSING)
    if labels is not b.MISSING:
        known = {label["id"] for label in store.all("lead_label")}
        if not isinstance(labels, list) or any(label not in known for label in labels):
            raise BadRequest("label_ids must list existing lead label ids")
        rec["label_ids"] = labels
    value = b.obj(data, "value")
    if isinstance(value, dict) and (
        not isinstance(value.get("amount"), int | float) or not isinstance(value.get("currency"), str)
    ):
        raise BadRequest("value must be an object with amount and currency")
    b.assign(rec, "value", value)
    b.assign(rec, "expected_close_date", b.date(data, "expected_close_date"))
    visible = b.choice(data, "visible_to", ("1", "3", "5", "7"))
    b.assign(rec, "visible_to", visible)
    b.assign(rec, "was_seen", b.boolean(data, "was_seen"))
    b.assign(rec, "is_archived", b.boolean(data, "is_archived"))
    for key in ("origin_id", "channel_id"):
        b.assign(rec, key, b.text(data, key))
    b.assign(rec, "channel", b.integer(data, "channel"))
    custom = {k: v for k, v in data.items() if len(k) == 40 and k not in rec}
    if custom:
        rec["custom_fields"] = {**rec.get("custom_fields", {}), **clean_custom_values(store, "deal", custom)}
    if not rec.get("person_id") and not rec.get("organization_id"):
        raise BadRequest("A lead needs a person_id or an organization_id")


def _leads(call: Call, archived: bool) -> Response:
    query = call.query
    links = {key: b.q_int(query, key) for key in ("owner_id", "person_id", "organization_id")}
    if query.get("filter_id"):
        raise NotAvailable("filter_id is not available in the sandbox (saved filters are not modelled)")
    since = parse_time(query["updated_since"], name="updated_since") if query.get("updated_since") else None
    rows = [
        r
        for r in call.store.all("lead")
        if r["is_archived"] == archived
        and all(v is None or r.get(k) == v for k, v in links.items())
        and (since is None or parse_time(r["update_time"]) >= since)
    ]
    rows = _sorted(
        rows,
        query.get("sort"),
        (
            "id",
            "title",
            "owner_id",
            "creator_id",
            "was_seen",
            "expected_close_date",
            "next_activity_id",
            "add_time",
            "update_time",
        ),
    )
    page, extra = offset_page(
        rows, parse_start(query.get("start")), parse_limit(query.get("limit")), flat=True
    )
    return ok([render_lead(call.store, r) for r in page], extra)


@routes.add("v1", "GET", "/leads")
async def get_leads(call: Call) -> Response:
    return _leads(call, archived=False)


@routes.add("v1", "GET", "/leads/archived")
async def get_archived_leads(call: Call) -> Response:
    return _leads(call, archived=True)


def _lead(store: Store, lead_id: str) -> Record:
    rec = store.get("lead", lead_id)
    if rec is None:
        raise NotFound("Lead not found")
    return rec


@routes.add("v1", "GET", "/leads/{id}")
async def get_lead(call: Call) -> Response:
    return ok(render_lead(call.store, _lead(call.store, call.params["id"])))


@routes.add("v1", "POST", "/leads")
async def add_lead(call: Call) -> Response:
    data = await call.json_object()
    with call.store.transaction() as store:
        rec = new_lead_record(
            lead_id=str(uuid.uuid4()), title="", person_id=None, organization_id=None, stamp=lead_time(now())
        )
        rec.update(source_name="API", origin="API")
        _apply_lead(store, rec, data, creating=True)
        store.put("lead", rec["id"], rec)
    return ok(render_lead(call.store, rec), status=201)


@routes.add("v1", "PATCH", "/leads/{id}")
async def update_lead(call: Call) -> Response:
    data = await call.json_object()
    with call.store.transaction() as store:
        rec = _lead(store, call.params["id"])
        _apply_lead(store, rec, data, creating=False)
        rec["update_time"] = lead_time(now())
        store.put("lead", rec["id"], rec)
    return ok(render_lead(call.store, rec))


@routes.add("v1", "DELETE", "/leads/{id}")
async def delete_lead(call: Call) -> Response:
    with call.store.transaction() as store:
        rec = _lead(store, call.params["id"])
        store.delete("lead", rec["id"])
    return ok({"id": rec["id"]})


@routes.add("v1", "GET", "/leadLabels")
async def get_lead_labels(call: Call) -> Response:
    return ok(call.store.all("lead_label"))


def _apply_label(rec: Record, data: Mapping[str, Any], creating: bool) -> None:
    b.assign(rec, "name", b.text(data, "name", required=creating or "name" in data))
    color = b.choice(data, "color", LEAD_COLORS)
    if creating and color is b.MISSING:
        raise BadRequest(f"color is required ({', '.join(LEAD_COLORS)})")
    b.assign(rec, "color", color)


@routes.add("v1", "POST", "/leadLabels")
async def add_lead_label(call: Call) -> Response:
    data = await call.json_object()
    stamp = lead_time(now())
    rec: Record = {
        "id": str(uuid.uuid4()),
        "name": "",
        "color": "gray",
        "add_time": stamp,
        "update_time": stamp,
    }
    _apply_label(rec, data, creating=True)
    call.store.put("lead_label", rec["id"], rec)
    return ok(rec)


@routes.add("v1", "PATCH", "/leadLabels/{id}")
async def update_lead_label(call: Call) -> Response:
    data = await call.json_object()
    with call.store.transaction() as store:
        rec = store.get("lead_label", call.params["id"])
        if rec is None:
            raise NotFound("Lead label not found")
        _apply_label(rec, data, creating=False)
        rec["update_time"] = lead_time(now())
        store.put("lead_label", rec["id"], rec)
    return ok(rec)


@routes.add("v1", "DELETE", "/leadLabels/{id}")
async def delete_lead_label(call: Call) -> Response:
    if not call.store.delete("lead_label", call.params["id"]):
        raise NotFound("Lead label not found")
    return ok({"id": call.params["id"]})
