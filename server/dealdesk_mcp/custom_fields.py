"""Custom fields by name: Pipedrive keys them by 40-character hashes, agents think in field names.

The directory reads an entity's *Fields list once per account (with a short expiry) and maps hash
keys to names and option ids to labels in answers, and back again in writes and in the read-side
`custom_fields` selection. Named fields never replace a standard key: answers keep them under
`custom_fields`, whatever the API version put them.
"""

from __future__ import annotations

import difflib
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from dealdesk_mcp.errors import InvalidArguments
from dealdesk_mcp.jsonvalues import is_array, is_object

HASH_KEY = re.compile(r"^[0-9a-f]{40}$")


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
        # Answer key -> shown name, built once: the field's own key, and v1's `<key>_<part>` siblings
        # of monetary and range fields ("Contract value (currency)"). A name two fields share keeps
        # a short key beside it, so neither hides the other.
        counts: dict[str, int] = {}
        for info in self.by_key.values():
            counts[info.name] = counts.get(info.name, 0) + 1
        self.shown: dict[str, tuple[str, FieldInfo | None]] = {}
        for info in self.by_key.values():
            if not HASH_KEY.match(info.key):
                continue  # a standard field: its key is its name already
            name = info.name if counts[info.name] == 1 else f"{info.name} [{info.key[:8]}]"
            self.shown[info.key] = (name, info)
            for part in ("currency", "until", "timezone_id", "formatted_address", "lat", "long"):
                self.shown[f"{info.key}_{part}"] = (f"{name} ({part})", None)

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


def labelled(info: FieldInfo, value: Any) -> Any:
    """An answer's value with option ids turned into their labels."""
    if not info.options:
        return value
    if is_object(value) and "value" in value:
        return {**value, "value": labelled(info, value["value"])}  # v2 monetary and ranges
    if is_array(value):
        return [info.options.get(str(v), v) for v in value]
    if isinstance(value, int | str):
        text = str(value)
        if "," in text and info.field_type == "set":
            return [info.options.get(part.strip(), part.strip()) for part in text.split(",")]
        return info.options.get(text, value)
    return value


def parse_fields(items: list[Any]) -> EntityFields:
    """Both answer styles: v2 (field_code, field_name, field_type) and v1 (key, name, field_type)."""
    by_key: dict[str, FieldInfo] = {}
    for item in items:
        if not is_object(item):
            continue
        key = item.get("field_code") or item.get("key")
        name = item.get("field_name") or item.get("name")
        if not key or not name:
            continue
        options = {
            str(o["id"]): str(o.get("label")) for o in item.get("options") or () if is_object(o) and "id" in o
        }
        by_key[str(key)] = FieldInfo(str(key), str(name), item.get("field_type"), options)
    return EntityFields(by_key)


Loader = Callable[[str], Awaitable[list[Any]]]


class FieldDirectory:
    """Per-account cache of each entity's custom fields; `tools` names the *Fields tool per entity."""

    def __init__(self, load: Loader, tools: Mapping[str, str], *, ttl: float) -> None:
        self._load = load
        self._tools = tools
        self._ttl = ttl
        self._cache: dict[str, EntityFields] = {}

    def knows(self, entity: str | None) -> bool:
        return entity in self._tools

    async def fields(self, entity: str) -> EntityFields | None:
        tool = self._tools.get(entity)
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


def keys_for_write(custom: dict[str, Any], fields: EntityFields) -> dict[str, Any]:
    """Field names (and option labels) from the agent -> hash keys (and option ids) for the API."""
    out: dict[str, Any] = {}
    for name, value in custom.items():
        info = fields.resolve(name)
        if is_array(value):
            value = [fields.option_id(info, v) for v in value]
        else:
            value = fields.option_id(info, value)
        out[info.key] = value
    return out


def keys_for_read(selection: str, fields: EntityFields) -> str:
    """A read's `custom_fields` selection ("Region, Lead source") as the comma-joined keys it means."""
    names = [part.strip() for part in selection.split(",") if part.strip()]
    return ",".join(fields.resolve(name).key for name in names)
