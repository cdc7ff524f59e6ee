"""A page of records made small straight into its table, a column at a time: each key's values are
gathered and shaped once per column, mostly in C, where records.shape_item and tables.as_table go
record by record. The two ways give the same table, cell for cell (tests/test_table_shaping.py)."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from itertools import chain, repeat
from typing import Any, cast

from dealdesk_mcp.custom_fields import FieldInfo, labelled
from dealdesk_mcp.records import (
    CONTAINERS,
    NO_FIELDS,
    VERSIONED,
    ShapePlan,
    compact,
    current_values,
    shape_item,
)
from dealdesk_mcp.tables import FLATTENED, Table, assemble, columns_of, get, tableable


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
    shown = fields.shown if fields is not None else NO_FIELDS
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
        return _without_empty_text(column, kinds)
    if not kinds <= _JSON:
        return None
    if kinds <= _EMPTY_KINDS and not any(column):
        return [None] * len(column)  # empty lists and objects only (label_ids, mostly)
    cells: list[Any] = []
    for value in column:
        if type(value) in CONTAINERS:
            if value and versioned and type(value) is dict and key in VERSIONED:
                value = current_values(cast(dict[str, Any], value))
            value = (compact(value, key, 2) or None) if value else None
        elif value == "":
            value = None
        cells.append(value)
    return cells


def _without_empty_text(column: list[Any], kinds: set[type]) -> list[Any]:
    """A column of plain values with its empty texts as None (dropped, as `shape_item` drops them)."""
    return [None if v == "" else v for v in column] if str in kinds and "" in column else column


def _custom_cells(column: list[Any], info: FieldInfo | None) -> list[Any]:
    """A custom field's values as `_add_custom` leaves them: option ids as labels (None where the
    record has no value; a value that compacts to nothing stays, as it does in the record)."""
    options = info.options if info is not None else None
    kinds = set(map(type, column))
    if not options and kinds <= _SCALARS:
        return _without_empty_text(column, kinds)
    if options and kinds <= _OPTION_IDS and (str not in kinds or info is None or info.field_type != "set"):
        # Single option ids (no comma-joined sets to split): their labels, as `labelled` gives them.
        return [None if v is None or v == "" else options.get(str(v), v) for v in column]
    if kinds <= _LISTS_OR_NONE:  # a set field's option ids, say: labelled as `labelled` does a list
        lists = [[options.get(str(x), x) for x in v] if v else None for v in column] if options else column
        return _compacted_column([v or None for v in lists], chain.from_iterable(filter(None, lists)))
    if kinds <= _BOX_OR_NONE and not options:  # monetary and range values
        boxes = [v or None for v in column]
        return _compacted_column(boxes, chain.from_iterable(map(dict[str, Any].values, filter(None, boxes))))
    cells: list[Any] = []
    for value in column:
        if value is None or value == "" or (type(value) in CONTAINERS and not value):
            cells.append(None)
            continue
        cell: Any = value
        if type(value) is list and options:
            cell = [options.get(str(v), v) for v in cast(list[Any], value)]  # as `labelled` gives them
        elif info is not None and options:
            cell = labelled(info, value)
        cells.append(_compacted(cell) if type(cell) in CONTAINERS else cell)
    return cells


_LISTS_OR_NONE = frozenset({list, type(None)})


def _compacted_column(cells: list[Any], inside: Iterable[Any]) -> list[Any]:
    """Cells (lists or objects, None where there is no value) as `compact(cell, depth=2)` leaves them:
    themselves where nothing `inside` them would go (plain values, none null or empty)."""
    if _all_kept(list(inside)):
        return cells
    return [None if cell is None else compact(cell, depth=2) for cell in cells]


def _compacted(value: dict[str, Any] | list[Any]) -> Any:
    """`compact(value, depth=2)` of a custom field's value, the value itself where nothing in it would
    go (a monetary object, a list of labels: plain values, none null or empty)."""
    return (
        value if _all_kept(value.values() if isinstance(value, dict) else value) else compact(value, depth=2)
    )


def _all_kept(values: Collection[Any]) -> bool:
    """Whether `compact` keeps every one of `values` as it is: plain values, none null or empty text."""
    return None not in values and "" not in values and set(map(type, values)) <= _SCALARS


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
