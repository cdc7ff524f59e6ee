"""Lists of records as tables: each key written once, not once per record.

A table is {"columns", "rows", "same"}: columns holding one value in every row are given once in
`same`. Custom fields and Attio values become columns of their own. A nested key that any record also
has as a key of its own, or that two containers share, keeps its container's name in front
("custom_fields.id"), decided for the whole table, so no column hides another. Monetary and range
values ({"value", "currency"} ...) get a column per part, as Pipedrive v1 does with <key>_currency.

`as_table` makes one from records; the shape stage makes one straight from an API's records
(columns.shape_table) and both end in `assemble`, so the two agree cell for cell.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import chain, repeat
from operator import contains
from typing import Any, cast

# Lists of at least this many records go out as a table.
TABLE_MIN_ROWS = 3
# Nested objects whose keys become columns of their own (custom fields, Attio attribute values).
FLATTENED = ("custom_fields", "values")


@dataclass
class Table:
    """A list of records as a table, with what the fit stage needs besides: each row's id (None for
    a record without one), and the records themselves, made only when asked for (a cut list's file)."""

    value: dict[str, Any]
    ids: list[Any]
    records: Callable[[], list[Any]]


def tabled(items: list[Any]) -> Table | None:
    """`items` as a Table, or None where they are not a list of records (`as_table` leaves them)."""
    value = as_table(items)
    if value is items:
        return None
    return Table(value, [cast(dict[str, Any], item).get("id") for item in items], lambda: items)


def as_table(items: list[Any]) -> Any:
    """A list of records as a table (see the module's docstring); other lists are returned unchanged."""
    if not tableable(items):
        return items
    records: list[dict[str, Any]] = items
    own, nested = _keys(records)
    shared: dict[str, int] = {}
    for _, name in nested:
        shared[name] = shared.get(name, 0) + 1
    # Column work is done once per column over all rows, in C where it can be (map over dict.get),
    # not once per cell.
    headers: list[str] = list(own)
    columns: list[list[Any]] = [list(map(get, records, repeat(key))) for key in own]
    boxes: dict[str, list[dict[str, Any]]] = {}
    inner: list[tuple[str, list[Any]]] = []
    for container, name in nested:
        header = f"{container}.{name}" if name in own or shared[name] > 1 else name
        inside = boxes.get(container)
        if inside is None:
            inside = boxes[container] = [_box(record.get(container)) for record in records]
        inner.append((header, list(map(get, inside, repeat(name)))))
    return assemble(headers, columns, inner, len(records))


def tableable(items: list[Any]) -> bool:
    """Whether `items` make a table: enough of them, and all objects."""
    return len(items) >= TABLE_MIN_ROWS and set(map(type, items)) == _RECORD


_RECORD = {dict}


def assemble(
    headers: list[str], columns: list[list[Any]], nested: Iterable[tuple[str, list[Any]]], count: int
) -> dict[str, Any]:
    """The table of `count` rows from its own columns and its nested ones (header, values), in order.
    Nested monetary and range values are split into a column per part."""
    headers = list(headers)
    columns = list(columns)
    for header, values in nested:
        for name, column in _split(header, values):
            headers.append(name)
            columns.append(column)
    same: dict[str, Any] = {}
    shown: list[int] = []
    for index, values in enumerate(columns):
        first = values[0]
        header = headers[index]
        # `count` compares like `==` (after an identity check, which only NaN tells apart: excluded).
        if header != "id" and first is not None and first == first and values.count(first) == count:
            same[header] = first
        else:
            shown.append(index)
    rows: list[list[Any]] = (
        list(map(list, zip(*(columns[i] for i in shown), strict=True)))
        if shown
        else [[] for _ in range(count)]
    )
    table: dict[str, Any] = {"columns": [headers[i] for i in shown], "rows": rows}
    if same:
        table["same"] = same
    return table


def columns_of(records: list[dict[str, Any]]) -> dict[str, list[Any]]:
    """Each key's values over `records` (None where a record lacks it), keys in first-seen order.
    An API's records mostly share their keys in one order: then the values are just transposed."""
    keys = list(records[0]) if records else []
    if list(map(list, records)).count(keys) == len(records):
        values: map[Any] = map(dict[str, Any].values, records)
        return dict(zip(keys, map(list, zip(*values, strict=True)), strict=False))
    seen: dict[str, None] = {}
    for record in records:
        if not record.keys() <= seen.keys():
            seen.update(dict.fromkeys(record))
    return {key: list(map(get, records, repeat(key))) for key in seen}


_NO_BOX: dict[str, Any] = {}
# `record.get(key)` as a function of both, for map() (a C loop, no bytecode per row).
get: Callable[[dict[str, Any], str], Any] = dict[str, Any].get


def _keys(records: list[dict[str, Any]]) -> tuple[dict[str, None], dict[tuple[str, str], None]]:
    """The table's own keys and its nested (container, key) pairs, each in first-seen order."""
    own: dict[str, None] = {}
    names: dict[str, None] = {}
    container: str | None = None
    for record in records:
        # Records mostly repeat keys already seen: a subset test (no new dict) spares adding them.
        if not record.keys() <= own.keys():
            own.update(dict.fromkeys(record))
        for key in FLATTENED:
            box: Any = record.get(key, _NO_BOX)
            if box is _NO_BOX:
                continue
            if type(box) is not dict or (container is not None and key != container):
                # Rare: a container holding a plain value, or both kinds of container in one table.
                return _keys_one_by_one(records)
            container = key
            inner = cast(dict[str, Any], box)
            if not inner.keys() <= names.keys():
                names.update(dict.fromkeys(inner))
    if container is None:
        return own, {}
    own.pop(container, None)
    return own, {(container, name): None for name in names}


def _keys_one_by_one(records: list[dict[str, Any]]) -> tuple[dict[str, None], dict[tuple[str, str], None]]:
    """`_keys` key by key: a container's key holding a plain value is a column of its own where it is
    first seen, and the pairs of two kinds of container interleave as the records have them."""
    own: dict[str, None] = {}
    nested: dict[tuple[str, str], None] = {}
    for record in records:
        for key, value in record.items():
            if key in FLATTENED and type(value) is dict:
                for name in cast(dict[str, Any], value):
                    nested[(key, name)] = None
            else:
                own[key] = None
    return own, nested


def _split(header: str, values: list[Any]) -> list[tuple[str, list[Any]]]:
    """A nested column, its monetary and range values ({"value", ...} objects) a column per part in
    first-seen order ("Price", "Price currency"; a plain value counts as the "value" part)."""
    kinds = set(map(type, values))
    if dict not in kinds:
        return [(header, values)]
    if kinds <= _BOX_OR_NONE:  # objects only, where there is a value: parts gathered in C
        boxes = [v if v is not None else _NO_BOX for v in values]
        held = list(filter(None, boxes))
        if not held or sum(map(contains, held, repeat("value"))) < len(held):
            return _split_one_by_one(header, values)
        parts = dict.fromkeys(chain.from_iterable(held))
        return [
            (header if part == "value" else f"{header} {part}", list(map(get, boxes, repeat(part))))
            for part in _value_first(parts)
        ]
    return _split_one_by_one(header, values)


def _split_one_by_one(header: str, values: list[Any]) -> list[tuple[str, list[Any]]]:
    parts: dict[str, None] = {}
    for value in values:
        if type(value) is dict and "value" in value and not value.keys() <= parts.keys():
            parts.update(dict.fromkeys(cast(dict[str, Any], value)))
    if not parts:
        return [(header, values)]
    return [
        (header if part == "value" else f"{header} {part}", _part(values, part))
        for part in _value_first(parts)
    ]


def _value_first(parts: dict[str, None]) -> list[str]:
    return ["value", *(part for part in parts if part != "value")]


_BOX_OR_NONE = frozenset({dict, type(None)})


def _box(value: Any) -> dict[str, Any]:
    return cast(dict[str, Any], value) if type(value) is dict else _NO_BOX


def _part(values: list[Any], part: str) -> list[Any]:
    """One part of monetary and range values (a plain value counts as the "value" part)."""
    if part == "value":
        return [cast(dict[str, Any], v).get(part) if type(v) is dict else v for v in values]
    return [cast(dict[str, Any], v).get(part) if type(v) is dict else None for v in values]
