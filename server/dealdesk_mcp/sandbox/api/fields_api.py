"""The *Fields catalogues in both versions: v2 addresses a field by its code, v1 by its numeric id.

Field definitions are stored once per entity (kind "field:<entity>"); the v1 and v2 answers are two
views of the same definition, so a field made through v1 shows in v2 and the other way round.
"""

from __future__ import annotations

from typing import Any

from ..call import Answer, Call
from ..db import Record
from ..fields import (
    CREATABLE_TYPES,
    NOTE_FIELDS,
    OPTION_TYPES,
    create_field_code,
    custom_fields,
    field_kind,
    make_option,
    new_field,
)
from ..inputs import id_list
from ..jsontypes import as_array, is_array, is_object
from ..registry import special
from ..store_ops import page
from ..wire import BadRequest, NotFound, v2_time

ENTITIES = {
    "Deal": "deal",
    "Person": "person",
    "Organization": "organization",
    "Product": "product",
    "Project": "project",
    "Activity": "activity",
}
NAMESPACES = ("ui_visibility", "important_fields", "required_fields")


# -- views ------------------------------------------------------------------------------------------


def v2_field(field: Record, include: Any) -> Record:
    wanted = {p.strip() for p in str(include or "").split(",") if p.strip()}
    out = {k: v for k, v in field.items() if k not in NAMESPACES}
    out["options"] = (
        [{"id": o["id"], "label": o["label"]} for o in field["options"]] if field["options"] else None
    )
    for namespace in NAMESPACES:
        if namespace in wanted:
            out[namespace] = field[namespace]
    return out


def v1_field(field: Record, order: int) -> Record:
    options = [{"id": o["id"], "label": o["label"]} for o in as_array(field["options"])] or None
    custom = field["is_custom_field"]
    return {
        "id": field["v1_id"],
        "key": field["field_code"],
        "name": field["field_name"],
        "order_nr": order,
        "field_type": field["field_type"],
        "json_column_flag": False,
        "add_time": field["add_time"],
        "update_time": field["update_time"],
        "last_updated_by_user_id": None,
        "created_by_user_id": None,
        "active_flag": True,
        "edit_flag": custom,
        "details_visible_flag": True,
        "add_visible_flag": field["ui_visibility"].get("add_visible_flag", True),
        "important_flag": field["important_fields"].get("enabled", False),
        "bulk_edit_allowed": True,
        "filtering_allowed": True,
        "sortable_flag": True,
        "searchable_flag": field["field_type"] in ("varchar", "text"),
        "index_visible_flag": True,
        "mandatory_flag": field["required_fields"].get("enabled", False),
        "options": options,
        "options_deleted": [],
        "is_subfield": False,
        "subfields": None,
        "description": field.get("description"),
    }


def _all(call: Call, entity: str) -> list[Record]:
    return call.store.all(field_kind(entity))


def _by_code(call: Call, entity: str, code: str) -> Record:
    field = call.store.get(field_kind(entity), code)
    if field is None:
        raise NotFound(f"Field {code} not found")
    return field


def _by_v1_id(call: Call, entity: str, field_id: Any) -> Record:
    for field in _all(call, entity):
        if field["v1_id"] == field_id:
            return field
    raise NotFound(f"Field with id {field_id} not found")


def _custom(field: Record) -> Record:
    if not field["is_custom_field"]:
        raise BadRequest(f"Field {field['field_code']} is a system field and cannot be changed")
    return field


def _labels(options: Any, *, required: bool) -> list[str]:
    if options in (None, ""):
        if required:
            raise BadRequest("options are required for enum and set fields")
        return []
    if isinstance(options, str):
        return [part.strip() for part in options.split(",") if part.strip()]
    labels: list[Any] = []
    for option in options:
        label = option.get("label") if is_object(option) else option
        if not isinstance(label, str) or not label.strip():
            raise BadRequest("options must be labels (strings or objects with a label)")
        labels.append(label)
    return labels


def _new(call: Call, entity: str, name: str, ftype: str, options: Any, description: Any = None) -> Record:
    if ftype not in CREATABLE_TYPES:
        raise BadRequest(f"field_type must be one of {', '.join(CREATABLE_TYPES)}")
    if not name.strip():
        raise BadRequest("The field needs a name")
    labels = _labels(options, required=ftype in OPTION_TYPES)
    return new_field(
        call.store,
        entity,
        code=create_field_code(),
        name=name,
        field_type=ftype,
        custom=True,
        labels=labels,
        moment=call.moment,
        description=description if isinstance(description, str) else None,
    )


def _save(call: Call, entity: str, field: Record) -> None:
    field["update_time"] = v2_time(call.moment)
    call.store.put(field_kind(entity), field["field_code"], field)


def _order(call: Call, entity: str, field: Record) -> int:
    return next(i for i, f in enumerate(_all(call, entity)) if f["field_code"] == field["field_code"])


# -- v2 ---------------------------------------------------------------------------------------------


def _v2(name: str, entity: str, writable: bool) -> None:
    @special("v2", f"get{name}Fields")
    def list_fields(call: Call) -> Answer:
        chunk, extra = page(call, _all(call, entity))
        return Answer([v2_field(f, call.query.get("include_fields")) for f in chunk], extra)

    @special("v2", f"get{name}Field")
    def get_field(call: Call) -> Answer:
        field = _by_code(call, entity, call.path["field_code"])
        return Answer(v2_field(field, call.query.get("include_fields")))

    if not writable:
        return

    @special("v2", f"add{name}Field")
    def add_field(call: Call) -> Answer:
        data = call.data()
        with call.store.transaction():
            field = _new(
                call,
                entity,
                data["field_name"],
                data["field_type"],
                data.get("options"),
                data.get("description"),
            )
            for namespace in NAMESPACES:
                if is_object(data.get(namespace)):
                    field[namespace] = {**field[namespace], **data[namespace]}
            _save(call, entity, field)
        return Answer(v2_field(field, ",".join(NAMESPACES)))

    @special("v2", f"update{name}Field")
    def update_field(call: Call) -> Answer:
        data = call.data()
        with call.store.transaction():
            field = _custom(_by_code(call, entity, call.path["field_code"]))
            if "field_name" in data:
                field["field_name"] = data["field_name"]
            if "description" in data:
                field["description"] = data["description"]
            for namespace in NAMESPACES:
                if is_object(data.get(namespace)):
                    field[namespace] = {**field[namespace], **data[namespace]}
            _save(call, entity, field)
        return Answer(v2_field(field, ",".join(NAMESPACES)))

    @special("v2", f"delete{name}Field")
    def delete_field(call: Call) -> Answer:
        with call.store.transaction():
            field = _custom(_by_code(call, entity, call.path["field_code"]))
            call.store.delete(field_kind(entity), field["field_code"])
        return Answer(v2_field(field, None))

    @special("v2", f"add{name}FieldOptions")
    def add_options(call: Call) -> Answer:
        with call.store.transaction():
            field = _option_field(call, entity)
            added = [
                make_option(call.store, label, call.moment) for label in _labels(call.body, required=True)
            ]
            field["options"] = [*as_array(field["options"]), *added]
            _save(call, entity, field)
        return Answer([{"id": o["id"], "label": o["label"]} for o in added])

    @special("v2", f"update{name}FieldOptions")
    def update_options(call: Call) -> Answer:
        with call.store.transaction():
            field = _option_field(call, entity)
            current = {o["id"]: o for o in as_array(field["options"])}
            touched: list[Any] = []
            for item in call.body:
                option = current.get(_option_id(item))
                if option is None:
                    raise BadRequest(f"Option {item.get('id')} does not exist on this field")
                option["label"] = item["label"]
                option["update_time"] = v2_time(call.moment)
                touched.append(option)
            _save(call, entity, field)
        return Answer([{"id": o["id"], "label": o["label"]} for o in touched])

    @special("v2", f"delete{name}FieldOptions")
    def delete_options(call: Call) -> Answer:
        with call.store.transaction():
            field = _option_field(call, entity)
            current = {o["id"]: o for o in as_array(field["options"])}
            gone: list[Any] = []
            for item in call.body:
                option = current.pop(_option_id(item), None)
                if option is None:
                    raise BadRequest(f"Option {item.get('id')} does not exist on this field")
                gone.append(option)
            field["options"] = list(current.values())
            _save(call, entity, field)
        return Answer([{"id": o["id"], "label": o["label"]} for o in gone])


def _option_id(item: Any) -> int:
    value = item.get("id") if is_object(item) else None
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadRequest("Every option needs an integer id")
    return value


def _option_field(call: Call, entity: str) -> Record:
    field = _custom(_by_code(call, entity, call.path["field_code"]))
    if field["field_type"] not in OPTION_TYPES:
        raise BadRequest("Only enum and set fields have options")
    if not is_array(call.body) or not call.body:
        raise BadRequest("The body must be a non-empty array of options")
    return field


# -- v1 ---------------------------------------------------------------------------------------------


# v1 productFields documents fewer field types than the others; fields of other types are not listed there.
V1_PRODUCT_TYPES = {
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
}


def _v1(name: str, entity: str) -> None:
    @special("v1", f"get{name}Fields")
    def list_fields(call: Call) -> Answer:
        fields = _all(call, entity)
        if entity == "product":
            fields = [f for f in fields if f["field_type"] in V1_PRODUCT_TYPES]
        rows = [v1_field(f, i) for i, f in enumerate(fields)]
        chunk, extra = page(call, rows)
        return Answer(chunk, extra if extra is not None else {})

    @special("v1", f"get{name}Field")
    def get_field(call: Call) -> Answer:
        field = _by_v1_id(call, entity, call.id)
        return Answer(v1_field(field, _order(call, entity, field)))

    @special("v1", f"add{name}Field")
    def add_field(call: Call) -> Answer:
        data = call.data()
        with call.store.transaction():
            field = _new(call, entity, data["name"], data["field_type"], data.get("options"))
            if "add_visible_flag" in data:
                field["ui_visibility"]["add_visible_flag"] = bool(data["add_visible_flag"])
            _save(call, entity, field)
        return Answer(v1_field(field, _order(call, entity, field)))

    @special("v1", f"update{name}Field")
    def update_field(call: Call) -> Answer:
        data = call.data()
        with call.store.transaction():
            field = _custom(_by_v1_id(call, entity, call.id))
            if "name" in data:
                field["field_name"] = data["name"]
            if "add_visible_flag" in data:
                field["ui_visibility"]["add_visible_flag"] = bool(data["add_visible_flag"])
            if data.get("options") is not None and field["field_type"] in OPTION_TYPES:
                # v1 replaces the whole option list; kept labels keep their ids.
                by_label = {o["label"]: o for o in as_array(field["options"])}
                labels = _labels(data["options"], required=True)
                field["options"] = [
                    by_label.get(lb) or make_option(call.store, lb, call.moment) for lb in labels
                ]
            _save(call, entity, field)
        return Answer(v1_field(field, _order(call, entity, field)))

    @special("v1", f"delete{name}Field")
    def delete_field(call: Call) -> Answer:
        with call.store.transaction():
            field = _custom(_by_v1_id(call, entity, call.id))
            call.store.delete(field_kind(entity), field["field_code"])
        return Answer({"id": field["v1_id"]})

    @special("v1", f"delete{name}Fields")
    def delete_fields(call: Call) -> Answer:
        ids = id_list(str(call.query.get("ids", "")).split(",") if call.query.get("ids") else [])
        if not ids:
            raise BadRequest("ids is required")
        with call.store.transaction():
            fields = [_custom(_by_v1_id(call, entity, i)) for i in ids]
            for field in fields:
                call.store.delete(field_kind(entity), field["field_code"])
        return Answer({"id": ids})


for _name, _entity in ENTITIES.items():
    _v2(_name, _entity, writable=_entity != "activity")
    if _entity not in ("project", "activity"):
        _v1(_name, _entity)


@special("v1", "getActivityFields")
def v1_activity_fields(call: Call) -> Answer:
    rows = [v1_field(f, i) for i, f in enumerate(_all(call, "activity"))]
    chunk, extra = page(call, rows)
    return Answer(chunk, extra)


@special("v1", "getLeadFields")
def lead_fields(call: Call) -> Answer:
    """Leads have a few fields of their own and share the deals' custom fields, as in Pipedrive."""
    seeded = call.store.get_meta("seeded_at") or v2_time(call.moment)
    rows: list[Record] = []
    for order, (code, name, ftype) in enumerate(LEAD_SYSTEM):
        rows.append(
            {
                "id": None,
                "key": code,
                "name": name,
                "order_nr": order,
                "field_type": ftype,
                "add_time": seeded,
                "update_time": seeded,
                "active_flag": True,
                "edit_flag": False,
                "mandatory_flag": code == "title",
                "options": None,
            }
        )
    for order, field in enumerate(custom_fields(call.store, "deal"), start=len(rows)):
        rows.append(v1_field(field, order))
    chunk, extra = page(call, rows)
    return Answer(chunk, extra)


LEAD_SYSTEM = [
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


@special("v1", "getNoteFields")
def note_fields(call: Call) -> Answer:
    rows: list[Any] = []
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
        if ftype == "enum":
            row["options"] = [{"id": 0, "label": "False"}, {"id": 1, "label": "True"}]
        rows.append(row)
    chunk, extra = page(call, rows)
    return Answer(chunk, extra)
