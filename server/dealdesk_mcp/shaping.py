"""Make answers small without losing what matters: every id stays, empties and noise go."""

from __future__ import annotations

import json
from typing import Any

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


def is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _shrink_related(key: str, value: dict[str, Any]) -> dict[str, Any] | None:
    if not (key in RELATED_KEYS or key.endswith("_id") or key.endswith("_user")):
        return None
    ident = value.get("id", value.get("value"))
    if ident is None or isinstance(ident, (dict, list)):
        return None
    name = next((value[k] for k in NAME_KEYS if isinstance(value.get(k), str) and value[k]), None)
    small = {"id": ident}
    if name is not None:
        small["name"] = name
    return small if len(small) < len(value) else None


def compact(value: Any, key: str = "", depth: int = 0) -> Any:
    """Drop null/empty values recursively and shrink embedded related objects (below the top level)."""
    if isinstance(value, dict):
        if depth >= 2:
            small = _shrink_related(key, value)
            if small is not None:
                return small
        out = {}
        for k, v in value.items():
            if v is None or v == "":
                continue
            if isinstance(v, (dict, list)):
                v = compact(v, k, depth + 1)
                if not v:
                    continue
            out[k] = v
        return out
    if isinstance(value, list):
        out_list = []
        for v in value:
            if isinstance(v, (dict, list)):
                v = compact(v, key, depth + 1)
                if not v:
                    continue
            elif v is None or v == "":
                continue
            out_list.append(v)
        return out_list
    return value


# Attio answers each attribute as a list of versioned values; agents want the current value.
_ATTIO_META = frozenset({"active_from", "active_until", "created_by_actor", "attribute_type"})


# The one part of each Attio attribute type's value an agent needs; the rest stays in raw mode.
_ATTIO_MAIN = {
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
_ATTIO_PARTS = {
    "record-reference": ("target_object", "target_record_id"),
    "actor-reference": ("referenced_actor_type", "referenced_actor_id"),
    "currency": ("currency_value", "currency_code"),
}


def _attio_value(entry: Any) -> Any:
    if not isinstance(entry, dict):
        return entry
    kind = entry.get("attribute_type")
    rest = {k: v for k, v in entry.items() if k not in _ATTIO_META}
    if kind in _ATTIO_MAIN and _ATTIO_MAIN[kind] in rest:
        return rest[_ATTIO_MAIN[kind]]
    if kind in _ATTIO_PARTS:
        return {k: rest[k] for k in _ATTIO_PARTS[kind] if k in rest}
    chosen = rest.get("option") or rest.get("status")
    if kind in ("select", "status") and isinstance(chosen, dict):
        return chosen.get("title", chosen)
    return rest


def attio_current_values(item: Any) -> Any:
    """Replace an Attio record's or entry's versioned `values` with the current value per slug."""
    if not isinstance(item, dict):
        return item
    values = item.get("values") or item.get("entry_values")
    if not isinstance(values, dict):
        return item
    current: dict[str, Any] = {}
    for slug, versions in values.items():
        if not isinstance(versions, list):
            current[slug] = versions
            continue
        active = [v for v in versions if not (isinstance(v, dict) and v.get("active_until"))]
        flat = [_attio_value(v) for v in active]
        if flat:
            current[slug] = flat[0] if len(flat) == 1 else flat
    key = "values" if "values" in item else "entry_values"
    return {**item, key: current}


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


# Lists of at least this many records go out as a table: each key once, not once per record.
TABLE_MIN_ROWS = 3
# Nested objects whose keys become columns of their own (custom fields, Attio attribute values).
FLATTENED = ("custom_fields", "values")


def _flatten(item: dict[str, Any]) -> dict[str, Any]:
    out = dict(item)
    for key in FLATTENED:
        nested = out.get(key)
        if not isinstance(nested, dict) or set(nested) & set(out):
            continue
        del out[key]
        for name, value in nested.items():
            if isinstance(value, dict) and "value" in value:
                # Monetary and range values ({"value", "currency"} ...): one column per part,
                # as Pipedrive v1 does with its <key>_currency siblings.
                out[name] = value["value"]
                out.update({f"{name} {part}": v for part, v in value.items() if part != "value"})
            else:
                out[name] = value
    return out


def as_table(items: list[Any]) -> Any:
    """A list of records as {"columns", "rows", "same"}: each key written once, and columns holding
    one value in every row given once in `same`. Other lists are returned unchanged."""
    if len(items) < TABLE_MIN_ROWS or not all(isinstance(i, dict) for i in items):
        return items
    flat = [_flatten(item) for item in items]
    columns = list(dict.fromkeys(key for item in flat for key in item))
    same: dict[str, Any] = {}
    for column in columns:
        first = flat[0].get(column)
        if (
            column != "id"
            and first is not None
            and all(column in item and item[column] == first for item in flat)
        ):
            same[column] = first
    columns = [c for c in columns if c not in same]
    table: dict[str, Any] = {"columns": columns, "rows": [[item.get(c) for c in columns] for item in flat]}
    if same:
        table["same"] = same
    return table


def fit_rows(table: Any, budget: int) -> int:
    """How many leading rows (or items) of `table` fit in `budget` characters of JSON."""
    rows = table["rows"] if isinstance(table, dict) else table
    used = len(dumps({**table, "rows": []})) if isinstance(table, dict) else 2
    for count, row in enumerate(rows):
        used += len(dumps(row)) + 1
        if used > budget:
            return count
    return len(rows)
