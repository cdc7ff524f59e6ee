"""The resolve stage: names an agent gave where the API wants keys. Custom fields by field name (and
option label) in write bodies, and by name in a read's `custom_fields` selection."""

from __future__ import annotations

from typing import Any

from dealdesk_mcp import custom_fields
from dealdesk_mcp.apis import entity_of
from dealdesk_mcp.call import Call
from dealdesk_mcp.jsonvalues import is_object


async def resolve(call: Call) -> None:
    route = call.route
    directory = call.account.fields
    entity = entity_of(call.profile, route.path)
    if directory is None or not directory.knows(entity):
        return
    assert entity is not None and call.model is not None
    given: dict[str, Any] = call.model.model_dump(by_alias=True, exclude_unset=True, mode="json")
    custom = given.get("custom_fields")
    if "custom_fields" in route.body_params and is_object(custom) and custom:
        if all(custom_fields.HASH_KEY.match(str(k)) for k in custom):
            return  # already keys
        fields = await directory.fields(entity)
        if fields is not None:
            call.overrides["custom_fields"] = custom_fields.keys_for_write(custom, fields)
    elif "custom_fields" in route.query_params and isinstance(custom, str) and custom.strip():
        names = [part.strip() for part in custom.split(",")]
        if all(custom_fields.HASH_KEY.match(name) for name in names if name):
            return
        fields = await directory.fields(entity)
        if fields is not None:
            call.overrides["custom_fields"] = custom_fields.keys_for_read(custom, fields)
