"""The shape stage: answers made small without losing what matters. Every id stays; nulls and empties
go; embedded related objects shrink to id and name; custom fields appear by name under
`custom_fields`; versioned values (Attio) shrink to the current value. One pass per item."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import chain, repeat
from typing import Any, cast

from dealdesk_mcp import collector
from dealdesk_mcp.apis import entity_of
from dealdesk_mcp.call import Call
from dealdesk_mcp.custom_fields import HASH_KEY, EntityFields, FieldInfo, labelled
from dealdesk_mcp.errors import ToolError
from dealdesk_mcp.jsonvalues import is_array, is_object
from dealdesk_mcp.pagination import Walk
from dealdesk_mcp.tables import FLATTENED, Table, assemble, columns_of, get, tableable

# Embedded related objects (v1 style: {"value": 7, "name": "Acme", "email": [...], ...}) shrink to id and name.
RELATED_KEYS = frozenset(
    {
        "owner",
        "creator",
        "user",
        "person",
        "organization",
        "org",
        "deal",
        "lead",
        "product",
        "project",
        "assignee",
        "created_by",
        "updated_by",
    }
)
NAME_KEYS = ("name", "title", "label", "email")
# Keys of an answer's envelope that the page summary or the items already say.
ENVELOPE = frozenset({"data", "success", "additional_data", "related_objects", "pagination"})


@dataclass(frozen=True, slots=True)
class ShapePlan:
    """How to shape one answer's items: custom field names (if the entity has them) and whether
    attribute values come as version lists."""

    fields: EntityFields | None = None
    versioned: bool = False


def is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _related(key: str) -> bool:
    return key in RELATED_KEYS or key.endswith("_id") or key.endswith("_user")


def _shrink_related(value: dict[str, Any]) -> dict[str, Any] | None:
    ident = value.get("id", value.get("value"))
    if ident is None or type(ident) in _CONTAINERS:
        return None
    small: dict[str, Any] = {"id": ident}
    for name_key in NAME_KEYS:
        name = value.get(name_key)
        if type(name) is str and name:
            small["name"] = name
            break
    return small if len(small) < len(value) else None


# The hot paths test exact types (decoded JSON has no subclasses) and bind what they read: shaping a
# 100-deal page is ~5,000 keys.
_CONTAINERS = (dict, list)


def compact(value: Any, key: str = "", depth: int = 0) -> Any:
    """Drop null/empty values recursively and shrink embedded related objects (below the top level)."""
    kind = type(value)  # pyright: ignore[reportUnknownVariableType]  (exact-type tests: the hot path)
    if kind is dict:
        source = cast(dict[str, Any], value)
        if depth >= 2 and _related(key):
            small = _shrink_related(source)
            if small is not None:
                return small
        out: dict[str, Any] = {}
        for k, v in source.items():
            if v is None or v == "":
                continue
            if type(v) in _CONTAINERS:
                if not v:
                    continue
                v = compact(v, k, depth + 1)
                if not v:
                    continue
            out[k] = v
        return out
    if kind is list:
        items: list[Any] = value
        out_list: list[Any] = []
        for v in items:
            if v is None or v == "":
                continue
            if type(v) in _CONTAINERS:
                if not v:
                    continue
                v = compact(v, key, depth + 1)
                if not v:
                    continue
            out_list.append(v)
        return out_list
    return value


def shape_item(item: Any, plan: ShapePlan) -> Any:
    """One record, small, in one pass: its own keys first, custom fields by name under `custom_fields`."""
    if type(item) is not dict:
        return compact(item, depth=1)
    fields = plan.fields
    shown = fields.shown if fields is not None else _NO_FIELDS
    # Scalars are kept or dropped in one comprehension; only containers and custom-field keys (a few
    # per record) take the slower way below, in the record's order.
    out: dict[str, Any] = {k: v for k, v in cast(dict[str, Any], item).items() if v is not None and v != ""}
    work = [k for k, v in out.items() if type(v) in _CONTAINERS or k in shown]
    if not work:
        return out
    custom: dict[str, Any] = {}
    for key in work:
        value = out[key]
        kind = type(value)  # pyright: ignore[reportUnknownVariableType]
        if key in shown or (fields is not None and key == "custom_fields" and kind is dict):
            del out[key]
            if kind in _CONTAINERS and not value:
                continue
            if key in shown:
                _add_custom(custom, shown[key], value)
            else:
                _add_customs(custom, shown, value)
            continue
        if plan.versioned and kind is dict and key in _VERSIONED:
            value = current_values(value)
        value = compact(value, key, 2) if value else None
        if value:
            out[key] = value  # in place: the record's order stays
        else:
            del out[key]
    if custom:
        out["custom_fields"] = custom
    return out


_NO_FIELDS: dict[str, tuple[str, FieldInfo | None]] = {}
_VERSIONED = frozenset({"values", "entry_values"})


def _add_custom(custom: dict[str, Any], shown: tuple[str, FieldInfo | None], value: Any) -> None:
    name, info = shown
    if info is not None and info.options:
        value = labelled(info, value)
    custom[name] = compact(value, depth=2) if type(value) in _CONTAINERS else value


def _add_customs(
    custom: dict[str, Any], shown: dict[str, tuple[str, FieldInfo | None]], box: dict[str, Any]
) -> None:
    """The values of a `custom_fields` object by name (`_add_custom` inlined: ten or so per record)."""
    for key, value in box.items():
        if value is None or value == "":
            continue
        kind = type(value)  # pyright: ignore[reportUnknownVariableType]
        if kind in _CONTAINERS and not value:
            continue
        name, info = shown.get(key) or (key, None)
        if info is not None and info.options:
            value = labelled(info, value)
            kind = type(value)  # pyright: ignore[reportUnknownVariableType]
        custom[name] = compact(value, depth=2) if kind in _CONTAINERS else value


def shape_table(items: list[Any], plan: ShapePlan) -> Table | None:
    """A page of API records straight to the table that `as_table` makes of them shaped one by one
    (`shape_item`), cell for cell, but column by column: each key's values are gathered and shaped
    once per column, mostly in C. None where the records are not plain ones (fewer than a table's
    rows, not all objects, both kinds of custom field, a container holding a plain value, two fields
    of one name): the caller then shapes them one by one.

    The columns come in the order `as_table` finds them: by the first record holding a value for
    them, then by their place in that record."""
    if not tableable(items):
        return None
    records: list[dict[str, Any]] = items
    count = len(records)
    fields = plan.fields
    shown = fields.shown if fields is not None else _NO_FIELDS
    places = _Places(records)
    own: list[tuple[tuple[int, int], str, list[Any]]] = []
    custom: list[tuple[tuple[int, int], str, list[Any]]] = []
    box: list[Any] | None = None  # v2's custom_fields objects, where the fields' names are known
    container: tuple[str, list[Any]] | None = None  # a nested object flattened as it is (Attio values)
    for key, column in columns_of(records).items():
        if column.count(None) == count:
            continue  # nothing to show (about half an API's fields, on most records)
        if key in shown:
            name, info = shown[key]
            cells = _custom_cells(column, info)
            first = _first(cells)
            if first is not None:
                custom.append(((first, places.of(first, key)), name, cells))
            continue
        if fields is not None and key == "custom_fields" and dict in map(type, column):
            if not _boxes_only(column):
                return None  # some hold a plain value: as_table keeps those as a column of their own
            box = column
            continue
        cells = _own_cells(column, key, plan.versioned)
        if cells is None:
            return None
        first = _first(cells)
        if first is None:
            continue
        if key in FLATTENED:
            if container is not None or not set(map(type, cells)) <= _BOX_OR_NONE:
                return None
            container = (key, cells)
            continue
        own.append(((first, places.of(first, key)), key, cells))
    if box is not None:
        if custom:
            return None  # both kinds of custom field in one table
        custom = _box_columns(box, shown)
    if custom and container is not None:
        return None  # custom fields and a second kind of container
    own.sort(key=_order)
    headers = [key for _, key, _ in own]
    nested: list[tuple[str, list[Any]]] = []
    if custom:
        custom.sort(key=_order)
        names = [name for _, name, _ in custom]
        if len(set(names)) < len(names):
            return None  # two fields of one name: the record keeps the last one, in the first's place
        named = set(headers)
        nested = [(f"custom_fields.{name}" if name in named else name, cells) for _, name, cells in custom]
    elif container is not None:
        nested = _container_columns(container, set(headers))
    ids = next((cells for _, key, cells in own if key == "id"), None) or [None] * count
    value = assemble(headers, [cells for _, _, cells in own], nested, count)
    return Table(value, ids, lambda: [shape_item(item, plan) for item in records])


_BOX_OR_NONE = frozenset({dict, type(None)})


def _boxes_only(column: list[Any]) -> bool:
    """Whether a custom_fields column holds objects only, where it holds anything (None or "")."""
    kinds = set(map(type, column))
    if kinds <= _BOX_OR_NONE:
        return True
    return kinds - {str} <= _BOX_OR_NONE and all(v == "" for v in column if type(v) is str)


def _order(column: tuple[tuple[int, int], str, list[Any]]) -> tuple[int, int]:
    return column[0]


class _Places:
    """Where each key sits in a record, looked up once per record asked about (most columns are
    first held by the first record)."""

    def __init__(self, records: list[dict[str, Any]]) -> None:
        self._records = records
        self._known: dict[int, dict[str, int]] = {}

    def of(self, index: int, key: str) -> int:
        place = self._known.get(index)
        if place is None:
            place = self._known[index] = {k: n for n, k in enumerate(self._records[index])}
        return place[key]


def _first(cells: list[Any]) -> int | None:
    """The first row holding a value, or None for a column with none."""
    if cells[0] is not None:
        return 0
    if cells.count(None) == len(cells):
        return None
    return next(n for n, v in enumerate(cells) if v is not None)


_SCALARS = frozenset({str, int, float, bool, type(None)})
_OPTION_IDS = frozenset({str, int, bool, type(None)})  # what `labelled` looks up as an option id
_JSON = _SCALARS | {dict, list}
_EMPTY_KINDS = frozenset({dict, list, type(None)})  # what empties can be, `any` telling them apart


def _own_cells(column: list[Any], key: str, versioned: bool) -> list[Any] | None:
    """A key's values as `shape_item` leaves them (None where it drops one), or None for values that
    are not JSON."""
    kinds = set(map(type, column))
    if kinds <= _SCALARS:
        return [None if v == "" else v for v in column] if str in kinds and "" in column else column
    if not kinds <= _JSON:
        return None
    if kinds <= _EMPTY_KINDS and not any(column):
        return [None] * len(column)  # empty lists and objects only (label_ids, mostly)
    cells: list[Any] = []
    for value in column:
        if type(value) in _CONTAINERS:
            if value and versioned and type(value) is dict and key in _VERSIONED:
                value = current_values(cast(dict[str, Any], value))
            value = (compact(value, key, 2) or None) if value else None
        elif value == "":
            value = None
        cells.append(value)
    return cells


def _custom_cells(column: list[Any], info: FieldInfo | None) -> list[Any]:
    """A custom field's values as `_add_custom` leaves them: option ids as labels (None where the
    record has no value; a value that compacts to nothing stays, as it does in the record)."""
    options = info.options if info is not None else None
    kinds = set(map(type, column))
    if not options and kinds <= _SCALARS:
        return [None if v == "" else v for v in column] if str in kinds and "" in column else column
    if options and kinds <= _OPTION_IDS and (str not in kinds or info is None or info.field_type != "set"):
        # Single option ids (no comma-joined sets to split): their labels, as `labelled` gives them.
        return [None if v is None or v == "" else options.get(str(v), v) for v in column]
    if kinds <= _LISTS_OR_NONE:  # a set field's option ids, say: labelled as `labelled` does a list
        lists = [[options.get(str(x), x) for x in v] if v else None for v in column] if options else column
        return _compacted_column([v or None for v in lists], chain.from_iterable(filter(None, lists)))
    if kinds <= _DICTS_OR_NONE and not options:  # monetary and range values
        boxes = [v or None for v in column]
        return _compacted_column(boxes, chain.from_iterable(map(dict[str, Any].values, filter(None, boxes))))
    cells: list[Any] = []
    for value in column:
        if value is None or value == "" or (type(value) in _CONTAINERS and not value):
            cells.append(None)
            continue
        cell: Any = value
        if type(value) is list and options:
            cell = [options.get(str(v), v) for v in cast(list[Any], value)]  # as `labelled` gives them
        elif info is not None and options:
            cell = labelled(info, value)
        cells.append(_compacted(cell) if type(cell) in _CONTAINERS else cell)
    return cells


_LISTS_OR_NONE = frozenset({list, type(None)})
_DICTS_OR_NONE = frozenset({dict, type(None)})


def _compacted_column(cells: list[Any], inside: Iterable[Any]) -> list[Any]:
    """Cells (lists or objects, None where there is no value) as `compact(cell, depth=2)` leaves them:
    themselves where nothing `inside` them would go (plain values, none null or empty)."""
    within = list(inside)
    if None not in within and "" not in within and set(map(type, within)) <= _SCALARS:
        return cells
    return [None if cell is None else compact(cell, depth=2) for cell in cells]


def _compacted(value: dict[str, Any] | list[Any]) -> Any:
    """`compact(value, depth=2)` of a custom field's value, the value itself where nothing in it would
    go (a monetary object, a list of labels: plain values, none null or empty)."""
    inner = value.values() if isinstance(value, dict) else value
    if None not in inner and "" not in inner and set(map(type, inner)) <= _SCALARS:
        return value
    return compact(value, depth=2)


def _box_columns(
    box: list[Any], shown: dict[str, tuple[str, FieldInfo | None]]
) -> list[tuple[tuple[int, int], str, list[Any]]]:
    """The custom fields of v2's custom_fields objects, a column each: (order, name, values)."""
    boxes: list[dict[str, Any]] = [v if type(v) is dict else _NO_BOX for v in box]
    places = _Places(boxes)
    columns: list[tuple[tuple[int, int], str, list[Any]]] = []
    for key, values in columns_of(boxes).items():
        name, info = shown.get(key) or (key, None)
        cells = _custom_cells(values, info)
        first = _first(cells)
        if first is not None:
            columns.append(((first, places.of(first, key)), name, cells))
    return columns


def _container_columns(container: tuple[str, list[Any]], own: set[str]) -> list[tuple[str, list[Any]]]:
    """The keys of a nested object (Attio's values) as columns, in first-seen order."""
    key, cells = container
    boxes: list[dict[str, Any]] = [v if type(v) is dict else _NO_BOX for v in cells]
    names: dict[str, None] = {}
    for inner in boxes:
        if not inner.keys() <= names.keys():
            names.update(dict.fromkeys(inner))
    return [(f"{key}.{name}" if name in own else name, list(map(get, boxes, repeat(name)))) for name in names]


_NO_BOX: dict[str, Any] = {}


def shape_envelope(answer: dict[str, Any]) -> dict[str, Any] | None:
    """Other parts of an API answer besides its data and paging, small (kept under `extra`)."""
    extra = {k: compact(v, k, 1) for k, v in answer.items() if k not in ENVELOPE}
    extra = {k: v for k, v in extra.items() if not is_empty(v)}
    return extra or None


# Attio answers each attribute as a list of versioned values; agents want the current value.
_VERSION_META = frozenset({"active_from", "active_until", "created_by_actor", "attribute_type"})
# The one part of each Attio attribute type's value an agent needs; the rest stays in raw mode.
_MAIN_PART = {
    "personal-name": "full_name",
    "email-address": "email_address",
    "domain": "domain",
    "phone-number": "original_phone_number",
    "text": "value",
    "number": "value",
    "checkbox": "value",
    "date": "value",
    "timestamp": "value",
    "rating": "value",
}
_PARTS = {
    "record-reference": ("target_object", "target_record_id"),
    "actor-reference": ("referenced_actor_type", "referenced_actor_id"),
    "currency": ("currency_value", "currency_code"),
}


def _current_value(entry: Any) -> Any:
    if not is_object(entry):
        return entry
    kind = entry.get("attribute_type")
    rest = {k: v for k, v in entry.items() if k not in _VERSION_META}
    if kind in _MAIN_PART and _MAIN_PART[kind] in rest:
        return rest[_MAIN_PART[kind]]
    if kind in _PARTS:
        return {k: rest[k] for k in _PARTS[kind] if k in rest}
    chosen = rest.get("option") or rest.get("status")
    if kind in ("select", "status") and is_object(chosen):
        return chosen.get("title", chosen)
    return rest


def current_values(values: dict[str, Any]) -> dict[str, Any]:
    """Attio's versioned `values` as the current value per attribute slug."""
    current: dict[str, Any] = {}
    for slug, versions in values.items():
        if not is_array(versions):
            current[slug] = versions
            continue
        active = [_current_value(v) for v in versions if not (is_object(v) and v.get("active_until"))]
        if active:
            current[slug] = active[0] if len(active) == 1 else active
    return current


_PLAN_ITEMS = 5  # the items `_has_custom_fields` looks at


def _has_custom_fields(items: list[Any]) -> bool:
    for item in items[:_PLAN_ITEMS]:
        if is_object(item) and (is_object(item.get("custom_fields")) or any(HASH_KEY.match(k) for k in item)):
            return True
    return False


async def plan_for(call: Call, items: list[Any]) -> ShapePlan:
    fields = None
    directory = call.account.fields
    entity = entity_of(call.profile, call.route.path)
    if directory is not None and directory.knows(entity) and _has_custom_fields(items):
        assert entity is not None
        try:
            fields = await directory.fields(entity)
        except ToolError:
            fields = None  # names are a nicety; the answer itself still stands
    return ShapePlan(fields=fields, versioned=call.profile.value_style == "versioned")


def page_summary(call: Call, walk: Walk) -> dict[str, Any]:
    last = walk.last
    summary: dict[str, Any] = {"count": len(walk.items)}
    if last is not None and last.more is not None:  # absent: the API does not say
        summary["more"] = last.more
    if last is not None and last.next_args:
        summary["next"] = last.next_args
    if len(walk.pages) > 1:
        summary["pages"] = len(walk.pages)
    return summary


async def shape_page(call: Call, items: list[Any]) -> list[Any]:
    """One page of a walk, shaped as it arrives: its raw records are freed before the next page comes.
    The plan is made from the walk's first items, as the shape stage would; a first page too short
    to decide it (under 5 items) leaves the whole walk to the shape stage."""
    if call.raw or call.page_plan is False:
        return items
    plan = call.page_plan
    if plan is None:
        if len(items) < _PLAN_ITEMS:
            call.page_plan = False
            return items
        plan = call.page_plan = await plan_for(call, items)
    with collector.paused():
        return [shape_item(item, plan) for item in items]


async def shape(call: Call) -> None:
    """The answer's parts: `data` (the CRM's content), `extra` (the rest of the API's answer), `page`."""
    answer, walk = call.answer, call.walk
    if call.saved is not None:
        call.shaped = {"saved": call.saved}
        return
    if not is_object(answer):
        call.shaped = {"data": answer}
        return
    if call.raw:
        # The API's whole answer, untouched (a walk's pages' items joined under its own `data`).
        whole = {**answer, "data": walk.items} if walk is not None and len(walk.pages) > 1 else answer
        parts: dict[str, Any] = {"data": whole}
    else:
        data: Any = answer.get("data")
        done = call.page_plan
        # (No name here keeps a walk's raw items alive: map_items frees them page by page.)
        plan = (
            done
            if done
            else await plan_for(call, walk.items if walk is not None else data if is_array(data) else [data])
        )
        with collector.paused():
            if walk is not None:
                # A single page goes to its table column by column; a walk's pages were shaped as
                # they came (walks too short to plan by are shaped here, one by one).
                table = shape_table(walk.items, plan) if not done and len(walk.pages) == 1 else None
                shaped: Any = (
                    table
                    if table is not None
                    else walk.items
                    if done
                    else walk.map_items(lambda item: shape_item(item, plan))
                )
            elif is_array(data):
                shaped = [shape_item(item, plan) for item in data]
            elif is_object(data):
                shaped = shape_item(data, plan)
            elif "data" in answer:
                shaped = data
            else:
                shaped = compact(answer)
            parts = {"data": shaped}
            if "data" in answer:
                extra = shape_envelope(answer)
                if extra:
                    parts["extra"] = extra
    if walk is not None:
        parts["page"] = page_summary(call, walk)
    call.shaped = parts
