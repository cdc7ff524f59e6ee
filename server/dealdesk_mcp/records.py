"""Records made small, one at a time, without losing what matters. Every id stays; nulls and empties
go; embedded related objects shrink to id and name; custom fields appear by name under
`custom_fields`; versioned values (Attio) shrink to the current value. One pass per item."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from dealdesk_mcp.custom_fields import EntityFields, FieldInfo, labelled
from dealdesk_mcp.jsonvalues import is_array, is_object

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
    if ident is None or type(ident) in CONTAINERS:
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
CONTAINERS = (dict, list)


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
            if type(v) in CONTAINERS:
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
            if type(v) in CONTAINERS:
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
    shown = fields.shown if fields is not None else NO_FIELDS
    # Scalars are kept or dropped in one comprehension; only containers and custom-field keys (a few
    # per record) take the slower way below, in the record's order.
    out: dict[str, Any] = {k: v for k, v in cast(dict[str, Any], item).items() if v is not None and v != ""}
    work = [k for k, v in out.items() if type(v) in CONTAINERS or k in shown]
    if not work:
        return out
    custom: dict[str, Any] = {}
    for key in work:
        value = out[key]
        kind = type(value)  # pyright: ignore[reportUnknownVariableType]
        if key in shown or (fields is not None and key == "custom_fields" and kind is dict):
            del out[key]
            if kind in CONTAINERS and not value:
                continue
            if key in shown:
                _add_custom(custom, shown[key], value)
            else:
                _add_customs(custom, shown, value)
            continue
        if plan.versioned and kind is dict and key in VERSIONED:
            value = current_values(value)
        value = compact(value, key, 2) if value else None
        if value:
            out[key] = value  # in place: the record's order stays
        else:
            del out[key]
    if custom:
        out["custom_fields"] = custom
    return out


NO_FIELDS: dict[str, tuple[str, FieldInfo | None]] = {}
VERSIONED = frozenset({"values", "entry_values"})


def _add_custom(custom: dict[str, Any], shown: tuple[str, FieldInfo | None], value: Any) -> None:
    name, info = shown
    if info is not None and info.options:
        value = labelled(info, value)
    custom[name] = compact(value, depth=2) if type(value) in CONTAINERS else value


def _add_customs(
    custom: dict[str, Any], shown: dict[str, tuple[str, FieldInfo | None]], box: dict[str, Any]
) -> None:
    """The values of a `custom_fields` object by name (`_add_custom` inlined: ten or so per record)."""
    for key, value in box.items():
        if value is None or value == "":
            continue
        kind = type(value)  # pyright: ignore[reportUnknownVariableType]
        if kind in CONTAINERS and not value:
            continue
        name, info = shown.get(key) or (key, None)
        if info is not None and info.options:
            value = labelled(info, value)
            kind = type(value)  # pyright: ignore[reportUnknownVariableType]
        custom[name] = compact(value, depth=2) if kind in CONTAINERS else value


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
