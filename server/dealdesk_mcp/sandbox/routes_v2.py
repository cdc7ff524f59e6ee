"""The /api/v2 operations the sandbox serves: entity CRUD, searches and the *Fields catalogues."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from starlette.responses import Response

from . import body as b
from .db import Record, Store
from .fields import (
    CREATABLE_TYPES,
    OPTION_TYPES,
    create_field_code,
    field_kind,
    make_option,
    new_field,
    render_v2_deleted_field,
    render_v2_field,
)
from .records import ENTITIES, Entity, render
from .routing import Call, RouteTable, fetch
from .wire import BadRequest, NotAvailable, NotFound, cursor_page, now, ok, parse_limit, parse_time

routes = RouteTable()

# -- entity lists ---------------------------------------------------------------------------------

# query parameter -> record key, per collection (all compare integers for equality)
LINK_FILTERS: dict[str, tuple[str, ...]] = {
    "deals": ("owner_id", "person_id", "org_id", "pipeline_id", "stage_id"),
    "persons": ("owner_id", "org_id"),
    "organizations": ("owner_id",),
    "activities": ("owner_id", "deal_id", "person_id", "org_id"),
    "products": ("owner_id",),
    "stages": ("pipeline_id",),
    "pipelines": (),
}


def _select(call: Call, collection: str, entity: Entity) -> list[Record]:
    query = call.query
    if query.get("filter_id"):
        raise NotAvailable("filter_id is not available in the sandbox (saved filters are not modelled)")
    ids = b.q_ids(query)
    wanted = {key: b.q_int(query, key) for key in LINK_FILTERS[collection]}
    since = parse_time(query["updated_since"], name="updated_since") if query.get("updated_since") else None
    until = parse_time(query["updated_until"], name="updated_until") if query.get("updated_until") else None
    statuses: set[str] | None = None
    if collection == "deals" and query.get("status"):
        statuses = {part.strip() for part in query["status"].split(",")}
        if not statuses <= {"open", "won", "lost", "deleted"}:
            raise BadRequest("status must be open, won, lost or deleted")
    done = b.q_bool(query, "done") if collection == "activities" else None
    lead_id = query.get("lead_id") if collection == "activities" else None
    deal_person: int | None = None
    if collection == "persons" and query.get("deal_id"):
        deal = call.store.get("deal", b.q_int(query, "deal_id"))
        deal_person = (deal or {}).get("person_id") or -1

    def keep(rec: Record) -> bool:
        if statuses is not None:
            status = "deleted" if rec["is_deleted"] else rec["status"]
            if status not in statuses:
                return False
        elif rec.get("is_deleted"):
            return False
        if ids is not None and rec["id"] not in ids:
            return False
        if any(value is not None and rec.get(key) != value for key, value in wanted.items()):
            return False
        if done is not None and rec["done"] != done:
            return False
        if lead_id and rec.get("lead_id") != lead_id:
            return False
        if deal_person is not None and rec["id"] != deal_person:
            return False
        updated = parse_time(rec["update_time"])
        return not ((since and updated < since) or (until and updated >= until))

    rows = [rec for rec in call.store.all(entity.kind) if keep(rec)]
    sort_by = b.q_choice(query, "sort_by", entity.sort_keys, "id")
    descending = b.q_choice(query, "sort_direction", ("asc", "desc"), "asc") == "desc"
    rows.sort(key=lambda r: (r.get(sort_by) is None, r.get(sort_by) or 0, r["id"]), reverse=descending)
    return rows


def _list(collection: str) -> Callable[[Call], Any]:
    entity = ENTITIES[collection]

    async def handler(call: Call) -> Response:
        rows = _select(call, collection, entity)
        page, extra = cursor_page(rows, call.query.get("cursor"), parse_limit(call.query.get("limit")))
        return ok([render(call.store, entity.kind, rec, call.query) for rec in page], extra)

    return handler


def _get(collection: str) -> Callable[[Call], Any]:
    entity = ENTITIES[collection]

    async def handler(call: Call) -> Response:
        rec = fetch(call.store, entity.kind, call.int_param(), entity.label)
        return ok(render(call.store, entity.kind, rec, call.query))

    return handler


def _create(collection: str) -> Callable[[Call], Any]:
    entity = ENTITIES[collection]

    async def handler(call: Call) -> Response:
        data = await call.json_object()
        with call.store.transaction() as store:
            rec = entity.create(store, data, now())
            store.put(entity.kind, rec["id"], rec)
        return ok(render(call.store, entity.kind, rec, {}))

    return handler


def _update(collection: str) -> Callable[[Call], Any]:
    entity = ENTITIES[collection]

    async def handler(call: Call) -> Response:
        data = await call.json_object()
        with call.store.transaction() as store:
            rec = fetch(store, entity.kind, call.int_param(), entity.label)
            entity.update(store, rec, data, now(), False)
            store.put(entity.kind, rec["id"], rec)
        return ok(render(call.store, entity.kind, rec, {}))

    return handler


def _delete(collection: str) -> Callable[[Call], Any]:
    entity = ENTITIES[collection]

    async def handler(call: Call) -> Response:
        with call.store.transaction() as store:
            rec = fetch(store, entity.kind, call.int_param(), entity.label)
            _check_deletable(store, collection, rec)
            rec["is_deleted"] = True
            rec["update_time"] = now().strftime("%Y-%m-%dT%H:%M:%SZ")
            store.put(entity.kind, rec["id"], rec)
        return ok({"id": rec["id"]})

    return handler


def _check_deletable(store: Store, collection: str, rec: Record) -> None:
    """Pipedrive refuses to orphan deals; the sandbox asks the caller to move them first."""
    key = {"stages": "stage_id", "pipelines": "pipeline_id"}.get(collection)
    if key and any(d[key] == rec["id"] and not d["is_deleted"] for d in store.all("deal")):
        raise BadRequest(
            f"{collection[:-1].capitalize()} {rec['id']} still holds deals; move or delete them first"
        )
    if collection == "pipelines":
        for stage in store.all("stage"):
            if stage["pipeline_id"] == rec["id"]:
                stage["is_deleted"] = True
                store.put("stage", stage["id"], stage)


for _name in ENTITIES:
    routes.add("v2", "GET", f"/{_name}")(_list(_name))
    routes.add("v2", "POST", f"/{_name}")(_create(_name))
    routes.add("v2", "GET", f"/{_name}/{{id}}")(_get(_name))
    routes.add("v2", "PATCH", f"/{_name}/{{id}}")(_update(_name))
    routes.add("v2", "DELETE", f"/{_name}/{{id}}")(_delete(_name))


# -- search -----------------------------------------------------------------------------------------

SEARCH_FIELDS: dict[str, dict[str, Callable[[Record], list[str]]]] = {
    "deal": {"title": lambda r: [r["title"]]},
    "person": {
        "name": lambda r: [r["name"]],
        "email": lambda r: [e["value"] for e in r["emails"]],
        "phone": lambda r: [p["value"] for p in r["phones"]],
        "notes": lambda r: [r["notes"] or ""],
    },
    "organization": {
        "name": lambda r: [r["name"]],
        "address": lambda r: [(r["address"] or {}).get("value") or ""],
        "notes": lambda r: [],
    },
    "product": {"name": lambda r: [r["name"]], "code": lambda r: [r["code"] or ""]},
}


def _score(term: str, values: list[str], exact: bool) -> float:
    best = 0.0
    for value in values:
        low = value.lower()
        if low == term:
            best = max(best, 1.0)
        elif not exact and low.startswith(term):
            best = max(best, 0.8)
        elif not exact and term in low:
            best = max(best, 0.5)
    return best


def _named(store: Store, kind: str, record_id: Any, key: str = "name") -> dict[str, Any] | None:
    rec = store.get(kind, record_id) if record_id else None
    return {"id": rec["id"], key: rec[key]} if rec else None


def _search_item(store: Store, kind: str, rec: Record) -> Record:
    owner = {"id": rec["owner_id"]}
    if kind == "deal":
        return {
            "id": rec["id"],
            "type": "deal",
            "title": rec["title"],
            "value": rec["value"],
            "currency": rec["currency"],
            "status": rec["status"],
            "visible_to": rec["visible_to"],
            "owner": owner,
            "stage": _named(store, "stage", rec["stage_id"]),
            "person": _named(store, "person", rec["person_id"]),
            "organization": _named(store, "organization", rec["org_id"]),
            "custom_fields": [],
            "notes": [],
            "is_archived": rec["is_archived"],
        }
    if kind == "person":
        return {
            "id": rec["id"],
            "type": "person",
            "name": rec["name"],
            "phones": [p["value"] for p in rec["phones"]],
            "emails": [e["value"] for e in rec["emails"]],
            "visible_to": rec["visible_to"],
            "owner": owner,
            "organization": _named(store, "organization", rec["org_id"]),
            "custom_fields": [],
            "notes": [],
        }
    if kind == "organization":
        return {
            "id": rec["id"],
            "type": "organization",
            "name": rec["name"],
            "address": (rec["address"] or {}).get("value"),
            "visible_to": rec["visible_to"],
            "owner": owner,
            "custom_fields": [],
            "notes": [],
        }
    return {
        "id": rec["id"],
        "type": "product",
        "name": rec["name"],
        "code": rec["code"],
        "visible_to": rec["visible_to"],
        "owner": owner,
        "custom_fields": [],
    }


def _search_filter(kind: str, query: Mapping[str, str]) -> Callable[[Record], bool]:
    person_id = b.q_int(query, "person_id") if kind == "deal" else None
    org_id = b.q_int(query, "organization_id") if kind in ("deal", "person") else None
    status = query.get("status") if kind == "deal" else None

    def keep(rec: Record) -> bool:
        return not (
            rec.get("is_deleted")
            or (person_id is not None and rec.get("person_id") != person_id)
            or (org_id is not None and rec.get("org_id") != org_id)
            or (status and rec.get("status") != status)
        )

    return keep


def _search_hits(call: Call, kinds: list[str]) -> list[Record]:
    query = call.query
    term = (query.get("term") or "").strip().lower()
    exact = b.q_bool(query, "exact_match") or False
    if len(term) < (1 if exact else 2):
        raise BadRequest("term must be at least 2 characters long (1 with exact_match)")
    wanted = {part.strip() for part in (query.get("fields") or "").split(",") if part.strip()}
    hits: list[tuple[float, str, int, Record]] = []
    for kind in kinds:
        readers = SEARCH_FIELDS[kind]
        if wanted - {*readers, "custom_fields"} and len(kinds) == 1:
            raise BadRequest(f"fields may name: {', '.join(readers)}")
        keep = _search_filter(kind, query)
        for rec in call.store.all(kind):
            if not keep(rec):
                continue
            values = [v for name, read in readers.items() if not wanted or name in wanted for v in read(rec)]
            score = _score(term, values, exact)
            if score:
                hits.append((score, kind, rec["id"], rec))
    hits.sort(key=lambda h: (-h[0], h[1], h[2]))
    return [
        {"result_score": score, "item": _search_item(call.store, kind, rec)} for score, kind, _, rec in hits
    ]


def _search(kind: str) -> Callable[[Call], Any]:
    async def handler(call: Call) -> Response:
        hits = _search_hits(call, [kind])
        page, extra = cursor_page(hits, call.query.get("cursor"), parse_limit(call.query.get("limit")))
        return ok({"items": page}, extra)

    return handler


for _collection, _kind in (
    ("deals", "deal"),
    ("persons", "person"),
    ("organizations", "organization"),
    ("products", "product"),
):
    routes.add("v2", "GET", f"/{_collection}/search")(_search(_kind))


@routes.add("v2", "GET", "/itemSearch")
async def item_search(call: Call) -> Response:
    types = [
        t.strip() for t in (call.query.get("item_types") or "deal,person,organization,product").split(",")
    ]
    unsupported = [t for t in types if t not in SEARCH_FIELDS]
    if unsupported:
        raise NotAvailable(f"Searching {', '.join(unsupported)} is not available in the sandbox")
    hits = _search_hits(call, types)
    page, extra = cursor_page(hits, call.query.get("cursor"), parse_limit(call.query.get("limit")))
    return ok({"items": page, "related_items": []}, extra)


# -- *Fields ----------------------------------------------------------------------------------------

FIELD_PATHS = {
    "dealFields": "deal",
    "personFields": "person",
    "organizationFields": "organization",
    "productFields": "product",
    "activityFields": "activity",
}
WRITABLE = ("dealFields", "personFields", "organizationFields", "productFields")


def _field(store: Store, entity: str, code: str) -> Record:
    field = store.get(field_kind(entity), code)
    if field is None:
        raise NotFound(f"Field {code} not found")
    return field


def _custom_field(store: Store, entity: str, code: str) -> Record:
    field = _field(store, entity, code)
    if not field["is_custom_field"]:
        raise BadRequest(f"Field {code} is a system field and cannot be changed")
    return field


def _fields_list(entity: str) -> Callable[[Call], Any]:
    async def handler(call: Call) -> Response:
        rows = call.store.all(field_kind(entity))
        page, extra = cursor_page(rows, call.query.get("cursor"), parse_limit(call.query.get("limit")))
        return ok([render_v2_field(f, call.query.get("include_fields"), entity) for f in page], extra)

    return handler


def _fields_get(entity: str) -> Callable[[Call], Any]:
    async def handler(call: Call) -> Response:
        field = _field(call.store, entity, call.params["field_code"])
        return ok(render_v2_field(field, call.query.get("include_fields"), entity))

    return handler


_NAMESPACES = ("ui_visibility", "important_fields", "required_fields")


def _apply_field_body(field: Record, data: Mapping[str, Any]) -> None:
    b.assign(field, "field_name", b.text(data, "field_name", required="field_name" in data))
    b.assign(field, "description", b.text(data, "description"))
    for namespace in _NAMESPACES:
        value = b.obj(data, namespace)
        if isinstance(value, dict):
            field[namespace] = {**field[namespace], **value}


def _fields_create(entity: str) -> Callable[[Call], Any]:
    async def handler(call: Call) -> Response:
        data = await call.json_object()
        name = b.text(data, "field_name", required=True)
        ftype = b.text(data, "field_type", required=True)
        if ftype not in CREATABLE_TYPES:
            raise BadRequest(f"field_type must be one of {', '.join(CREATABLE_TYPES)}")
        labels = _labels(data.get("options"), required=ftype in OPTION_TYPES)
        moment = now()
        with call.store.transaction() as store:
            field = new_field(
                store,
                entity,
                code=create_field_code(),
                name=name,
                field_type=ftype,
                custom=True,
                labels=labels,
                moment=moment,
                description=data.get("description") if isinstance(data.get("description"), str) else None,
            )
            _apply_field_body(field, {k: v for k, v in data.items() if k in _NAMESPACES})
            store.put(field_kind(entity), field["field_code"], field)
        return ok(render_v2_field(field, ",".join(_NAMESPACES), entity))

    return handler


def _labels(options: Any, *, required: bool) -> list[str]:
    if options is None:
        if required:
            raise BadRequest("options are required for enum and set fields")
        return []
    if not isinstance(options, list) or not all(
        isinstance(o, dict) and isinstance(o.get("label"), str) for o in options
    ):
        raise BadRequest("options must be an array of objects with a label")
    return [o["label"] for o in options]


def _fields_update(entity: str) -> Callable[[Call], Any]:
    async def handler(call: Call) -> Response:
        data = await call.json_object()
        with call.store.transaction() as store:
            field = _custom_field(store, entity, call.params["field_code"])
            _apply_field_body(field, data)
            field["update_time"] = now().strftime("%Y-%m-%dT%H:%M:%SZ")
            store.put(field_kind(entity), field["field_code"], field)
        return ok(render_v2_field(field, ",".join(_NAMESPACES), entity))

    return handler


def _fields_delete(entity: str) -> Callable[[Call], Any]:
    async def handler(call: Call) -> Response:
        with call.store.transaction() as store:
            field = _custom_field(store, entity, call.params["field_code"])
            store.delete(field_kind(entity), field["field_code"])
        return ok(render_v2_deleted_field(field))

    return handler


def _option_items(data: Any, keys: tuple[str, ...]) -> list[dict[str, Any]]:
    if not isinstance(data, list) or not data:
        raise BadRequest("The body must be a non-empty array of options")
    for item in data:
        if not isinstance(item, dict) or any(k not in item for k in keys):
            raise BadRequest(f"Every option needs {' and '.join(keys)}")
    return data


def _options(entity: str, action: str) -> Callable[[Call], Any]:
    async def handler(call: Call) -> Response:
        data = await call.json()
        with call.store.transaction() as store:
            field = _custom_field(store, entity, call.params["field_code"])
            if field["field_type"] not in OPTION_TYPES:
                raise BadRequest("Only enum and set fields have options")
            current = {o["id"]: o for o in field["options"] or []}
            moment = now()
            if action == "add":
                labels = _labels(_option_items(data, ("label",)), required=True)
                touched = [make_option(store, label, moment) for label in labels]
                field["options"] = [*current.values(), *touched]
            else:
                items = _option_items(data, ("id", "label") if action == "update" else ("id",))
                missing = [item["id"] for item in items if item["id"] not in current]
                if missing:
                    raise BadRequest(f"Option id(s) {missing} do not exist on this field")
                touched = [current[item["id"]] for item in items]
                if action == "update":
                    for item, option in zip(items, touched, strict=True):
                        option["label"] = item["label"]
                        option["update_time"] = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
                    field["options"] = list(current.values())
                else:
                    gone = {item["id"] for item in items}
                    field["options"] = [o for o in current.values() if o["id"] not in gone]
            store.put(field_kind(entity), field["field_code"], field)
        return ok([{"id": o["id"], "label": o["label"]} for o in touched])

    return handler


for _path, _entity in FIELD_PATHS.items():
    routes.add("v2", "GET", f"/{_path}")(_fields_list(_entity))
    routes.add("v2", "GET", f"/{_path}/{{field_code}}")(_fields_get(_entity))
    if _path in WRITABLE:
        routes.add("v2", "POST", f"/{_path}")(_fields_create(_entity))
        routes.add("v2", "PATCH", f"/{_path}/{{field_code}}")(_fields_update(_entity))
        routes.add("v2", "DELETE", f"/{_path}/{{field_code}}")(_fields_delete(_entity))
        for _method, _action in (("POST", "add"), ("PATCH", "update"), ("DELETE", "delete")):
            routes.add("v2", _method, f"/{_path}/{{field_code}}/options")(_options(_entity, _action))
