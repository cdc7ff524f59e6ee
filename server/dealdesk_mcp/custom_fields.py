"""Custom fields by name: Pipedrive keys them by 40-character hashes, agents think in field names.

The directory reads an entity's *Fields list once per session (with a short expiry) and maps
hash keys to names and option ids to labels in answers, and back again in writes.
"""

from __future__ import annotations

import difflib
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from dealdesk_mcp.errors import InvalidArguments

HASH_KEY = re.compile(r"^[0-9a-f]{40}$")
# Sibling keys Pipedrive v1 adds next to a monetary or range field: <hash>_currency, <hash>_until ...
HASH_SUFFIXED = re.compile(r"^([0-9a-f]{40})_(\w+)$")
ENTITY_PATH = re.compile(
    r"^/api/v[12]/(deals|persons|organizations|products|activities|projects|leads)(?:/|$)"
)
# Leads carry the deal fields.
FIELDS_TOOL = {
    "deals": "get_deal_fields",
    "leads": "get_deal_fields",
    "persons": "get_person_fields",
    "organizations": "get_organization_fields",
    "products": "get_product_fields",
    "activities": "get_activity_fields",
    "projects": "get_project_fields",
}


@dataclass(frozen=True, slots=True)
class FieldInfo:
    key: str
    name: str
    field_type: str | None
    options: dict[str, str]  # option id (as text) -> label


@dataclass
class EntityFields:
    by_key: dict[str, FieldInfo]
    loaded_at: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        self.by_name = {f.name.casefold(): f for f in self.by_key.values()}

    def name_of(self, key: str) -> FieldInfo | None:
        return self.by_key.get(key)

    def resolve(self, name: str) -> FieldInfo:
        """The field an agent means by `name` (a field name, any case, or the hash key itself)."""
        if name in self.by_key:
            return self.by_key[name]
        found = self.by_name.get(name.casefold())
        if found:
            return found
        close = difflib.get_close_matches(name, [f.name for f in self.by_key.values()], n=3, cutoff=0.5)
        hint = f" Close matches: {', '.join(close)}." if close else ""
        known = ", ".join(sorted(f.name for f in self.by_key.values() if HASH_KEY.match(f.key)))[:600]
        raise InvalidArguments(f"custom_fields: no custom field named {name!r}.{hint} Custom fields: {known}")

    def option_id(self, info: FieldInfo, label: Any) -> Any:
        if not info.options or not isinstance(label, str) or label in info.options:
            return label
        for option_id, option_label in info.options.items():
            if option_label.casefold() == label.casefold():
                return int(option_id) if option_id.isdigit() else option_id
        raise InvalidArguments(
            f"custom_fields.{info.name}: {label!r} is not an option; options: {', '.join(info.options.values())}"
        )


def parse_fields(items: list[Any]) -> EntityFields:
    """Both answer styles: v2 (field_code, field_name, field_type) and v1 (key, name, field_type)."""
    by_key: dict[str, FieldInfo] = {}
    for item in items:
        if not isinstance(item, dict):
            continue
        key = item.get("field_code") or item.get("key")
        name = item.get("field_name") or item.get("name")
        if not key or not name:
            continue
        options = {
            str(o["id"]): str(o.get("label"))
            for o in item.get("options") or ()
            if isinstance(o, dict) and "id" in o
        }
        by_key[str(key)] = FieldInfo(str(key), str(name), item.get("field_type"), options)
    return EntityFields(by_key)


def entity_of(path: str) -> str | None:
    match = ENTITY_PATH.match(path)
    return match.group(1) if match else None


def has_hash_keys(value: Any) -> bool:
    if isinstance(value, dict):
        return any(HASH_KEY.match(k) or HASH_SUFFIXED.match(k) for k in value) or any(
            has_hash_keys(v) for v in value.values() if isinstance(v, (dict, list))
        )
    if isinstance(value, list):
        return any(has_hash_keys(v) for v in value[:5])
    return False


Loader = Callable[[str], Awaitable[list[Any]]]


class FieldDirectory:
    """Per-session cache of each entity's custom fields."""

    def __init__(self, load: Loader, *, ttl: float) -> None:
        self._load = load
        self._ttl = ttl
        self._cache: dict[str, EntityFields] = {}

    async def fields(self, entity: str) -> EntityFields | None:
        tool = FIELDS_TOOL.get(entity)
        if tool is None:
            return None
        cached = self._cache.get(tool)
        if cached and time.monotonic() - cached.loaded_at < self._ttl:
            return cached
        fields = parse_fields(await self._load(tool))
        self._cache[tool] = fields
        return fields

    def forget(self) -> None:
        self._cache.clear()


def _label(info: FieldInfo, value: Any) -> Any:
    if not info.options:
        return value
    if isinstance(value, list):
        return [info.options.get(str(v), v) for v in value]
    if isinstance(value, (int, str)):
        text = str(value)
        if "," in text and info.field_type == "set":
            return [info.options.get(part.strip(), part.strip()) for part in text.split(",")]
        return info.options.get(text, value)
    return value


def name_fields(item: Any, fields: EntityFields) -> Any:
    """Rename hash keys (top level, and inside a v2 `custom_fields` object) to field names."""
    if not isinstance(item, dict):
        return item
    out: dict[str, Any] = {}
    for key, value in item.items():
        if key == "custom_fields" and isinstance(value, dict):
            out[key] = {
                _display(k, fields): _field_value(k, v, fields) for k, v in value.items() if v is not None
            }
        elif len(key) >= 40 and (HASH_KEY.match(key) or HASH_SUFFIXED.match(key)):
            out[_display(key, fields)] = _field_value(key, value, fields)
        else:
            out[key] = value
    return out


def _display(key: str, fields: EntityFields) -> str:
    info = fields.name_of(key)
    if info:
        return info.name
    suffixed = HASH_SUFFIXED.match(key)
    if suffixed and (base := fields.name_of(suffixed.group(1))):
        return f"{base.name} ({suffixed.group(2)})"
    return key


def _field_value(key: str, value: Any, fields: EntityFields) -> Any:
    info = fields.name_of(key)
    if info is None:
        return value
    if isinstance(value, dict) and "value" in value:
        # v2 monetary and range values come as objects; keep them but label the value.
        return {**value, "value": _label(info, value["value"])}
    return _label(info, value)


def keys_for_write(custom: dict[str, Any], fields: EntityFields) -> dict[str, Any]:
    """Field names (and option labels) from the agent -> hash keys (and option ids) for the API."""
    out: dict[str, Any] = {}
    for name, value in custom.items():
        info = fields.resolve(name)
        if isinstance(value, list):
            value = [fields.option_id(info, v) for v in value]
        else:
            value = fields.option_id(info, value)
        out[info.key] = value
    return out
