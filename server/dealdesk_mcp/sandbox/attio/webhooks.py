"""Webhooks: list, create (the answer carries the signing secret once), read, update, delete.

Delivery is out of the sandbox's reach (it sends nothing off the machine), so a webhook stays
"active" and events are never posted to its target_url.
"""

from __future__ import annotations

import secrets
from functools import cache
from typing import Any

from dealdesk_mcp.sandbox import documents as specs

from ..jsontypes import is_array, is_object
from . import structure
from .errors import BadRequest
from .http import Ctx, route
from .inputs import MISSING, items, text
from .repo import Doc
from .wire import WORKSPACE_ID, new_id, number, offset_page, stamp


@cache
def event_types() -> tuple[str, ...]:
    operation = specs.load("attio")["paths"]["/v2/webhooks"]["post"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    item = body["properties"]["data"]["properties"]["subscriptions"]["items"]
    return tuple(item["properties"]["event_type"]["enum"])


def _condition(item: Any) -> Doc:
    if not is_object(item) or item.get("operator") not in ("equals", "not_equals"):
        raise BadRequest("Each filter condition needs field, operator (equals or not_equals) and value")
    if not isinstance(item.get("field"), str) or not isinstance(item.get("value"), str):
        raise BadRequest("A filter condition's field and value are text")
    return {"field": item["field"], "operator": item["operator"], "value": item["value"]}


def subscriptions(written: list[Any]) -> list[Doc]:
    out: list[Any] = []
    for sub in written:
        if not is_object(sub) or sub.get("event_type") not in event_types():
            raise BadRequest(f"Each subscription needs an event_type, one of {', '.join(event_types())}")
        if "filter" not in sub:
            raise BadRequest("Each subscription needs a filter (null for every event)")
        flt = sub["filter"]
        if flt is not None:
            keys = list(flt) if is_object(flt) else []
            if keys not in (["$or"], ["$and"]) or not is_array(flt[keys[0]]):
                raise BadRequest('A subscription filter is null, {"$or": [...]} or {"$and": [...]}')
            flt = {keys[0]: [_condition(c) for c in flt[keys[0]]]}
        out.append({"event_type": sub["event_type"], "filter": flt})
    return out


def target_url(value: Any) -> str:
    if not isinstance(value, str) or not value.startswith("https://") or len(value) <= len("https://"):
        raise BadRequest("target_url must be an https:// URL")
    return value


def new_webhook(webhook_id: str, url: str, subs: list[Doc], created: str) -> Doc:
    return {
        "target_url": url,
        "subscriptions": subs,
        "id": {"workspace_id": WORKSPACE_ID, "webhook_id": webhook_id},
        "status": "active",
        "created_at": created,
        "_secret": secrets.token_hex(24),
    }


@route("GET", "/v2/webhooks")
def list_webhooks(ctx: Ctx) -> Any:
    limit = number(ctx.query.get("limit"), "limit", default=10, low=1, high=100)
    offset = number(ctx.query.get("offset"), "offset", default=0)
    return {"data": [structure.public(w) for w in offset_page(ctx.repo.all("webhook"), limit, offset)]}


@route("POST", "/v2/webhooks")
def create_webhook(ctx: Ctx) -> Any:
    data = ctx.data()
    hook = new_webhook(
        new_id(),
        target_url(text(data, "target_url")),
        subscriptions(items(data, "subscriptions")),
        stamp(ctx.moment),
    )
    ctx.repo.put("webhook", hook["id"]["webhook_id"], hook)
    return {"data": {**structure.public(hook), "secret": hook["_secret"]}}


def _hook(ctx: Ctx) -> Doc:
    return ctx.repo.need("webhook", ctx.params["webhook_id"], "Webhook")


@route("GET", "/v2/webhooks/{webhook_id}")
def get_webhook(ctx: Ctx) -> Any:
    return {"data": structure.public(_hook(ctx))}


@route("PATCH", "/v2/webhooks/{webhook_id}")
def update_webhook(ctx: Ctx) -> Any:
    hook = _hook(ctx)
    data = ctx.data()
    url = data.get("target_url", MISSING)
    if url is not MISSING:
        hook["target_url"] = target_url(url)
    subs = items(data, "subscriptions", required=False)
    if subs is not MISSING:
        hook["subscriptions"] = subscriptions(subs)
    return {"data": structure.public(ctx.repo.put("webhook", hook["id"]["webhook_id"], hook))}


@route("DELETE", "/v2/webhooks/{webhook_id}")
def delete_webhook(ctx: Ctx) -> Any:
    ctx.repo.delete("webhook", _hook(ctx)["id"]["webhook_id"])
    return {}
