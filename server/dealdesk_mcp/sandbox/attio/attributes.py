"""Attribute operations on objects and lists, with their select options and statuses."""

from __future__ import annotations

from typing import Any

from ..jsontypes import is_array, is_object
from . import structure
from .errors import BadRequest, Conflict, NotFound
from .http import Ctx, route
from .inputs import MISSING, choice, flag, nullable_text, obj, q_bool, slug, text
from .repo import Doc
from .values import Writer, currency_codes
from .wire import api_actor, new_id, number, offset_page

WRITABLE_TYPES = tuple(t for t in structure.TYPES if t not in ("interaction", "personal-name"))


def _parent(ctx: Ctx) -> str:
    return structure.need_parent(ctx.repo, ctx.params["target"], ctx.params["identifier"])


def _attribute(ctx: Ctx) -> Doc:
    return structure.need_attribute(ctx.repo, _parent(ctx), ctx.params["attribute"])


def _slug_free(ctx: Ctx, parent_id: str, api_slug: str, other_than: str | None = None) -> None:
    taken = structure.find_attribute(ctx.repo, parent_id, api_slug)
    if taken is not None and structure.attribute_id(taken) != other_than:
        raise Conflict(f"An attribute with slug {api_slug!r} already exists here")


def _config(ctx: Ctx, attr: Doc, config: Any) -> None:
    if config is MISSING or config is None:
        return
    if not is_object(config):
        raise BadRequest("config must be an object")
    currency = config.get("currency")
    if currency is not None:
        if not is_object(currency):
            raise BadRequest("config.currency must be an object")
        code = currency.get("default_currency_code")
        if code is not None and code not in currency_codes():
            raise BadRequest(f"config.currency.default_currency_code {code!r} is not a currency code")
        display = currency.get("display_type")
        if display is not None and display not in ("code", "name", "narrowSymbol", "symbol"):
            raise BadRequest("config.currency.display_type must be code, name, narrowSymbol or symbol")
        attr["config"]["currency"] = {"default_currency_code": code, "display_type": display}
    reference = config.get("record_reference")
    if reference is not None:
        allowed = reference.get("allowed_objects") if is_object(reference) else None
        if not is_array(allowed) or not allowed or not all(isinstance(a, str) for a in allowed):
            raise BadRequest(
                "config.record_reference.allowed_objects must be a non-empty list of object slugs"
            )
        ids: list[Any] = []
        for ident in allowed:
            target = structure.find_object(ctx.repo, ident)
            if target is None:
                raise NotFound(f"Object {ident!r} was not found")
            ids.append(structure.object_id(target))
        attr["config"]["record_reference"] = {"allowed_object_ids": ids}


def _default(ctx: Ctx, attr: Doc, default: Any) -> None:
    if default is MISSING:
        return
    if default is None:
        attr["default_value"], attr["is_default_value_enabled"] = None, False
        return
    if not is_object(default) or default.get("type") not in ("dynamic", "static"):
        raise BadRequest('default_value must be null or {"type": "dynamic"|"static", "template": ...}')
    template = default.get("template")
    if default["type"] == "dynamic":
        if not isinstance(template, str) or not template:
            raise BadRequest("A dynamic default_value takes a template string such as current-user")
        attr["default_value"] = {"type": "dynamic", "template": template}
    else:
        if not is_array(template):
            raise BadRequest("A static default_value takes a list of values as its template")
        writer = Writer(ctx.repo, attr["_parent"], api_actor(), ctx.moment)
        contents = writer.items(attr, template)
        for content in contents:  # the template is served as values are: options and statuses whole
            for key in ("option", "status"):
                if key in content and attr["type"] in ("select", "status"):
                    content[key] = ctx.repo.get(key, content[key])
        attr["default_value"] = {
            "type": "static",
            "template": [{**c, "attribute_type": attr["type"]} for c in contents],
        }
    attr["is_default_value_enabled"] = True


@route("GET", "/v2/{target}/{identifier}/attributes")
def list_attributes(ctx: Ctx) -> Any:
    archived = q_bool(ctx.query, "show_archived", False)
    limit = number(ctx.query.get("limit"), "limit", default=1000, low=1)
    offset = number(ctx.query.get("offset"), "offset", default=0)
    attrs = structure.attributes_of(ctx.repo, _parent(ctx), archived=bool(archived))
    return {"data": [structure.public(a) for a in offset_page(attrs, limit, offset)]}


@route("POST", "/v2/{target}/{identifier}/attributes")
def create_attribute(ctx: Ctx) -> Any:
    target = ctx.params["target"]
    parent_id = _parent(ctx)
    data = ctx.data()
    api_slug = slug(text(data, "api_slug"), "api_slug")
    kind = choice(data, "type", WRITABLE_TYPES)
    _slug_free(ctx, parent_id, api_slug)
    attr = structure.new_attribute(
        parent_id, target, new_id(), title=text(data, "title"), api_slug=api_slug, type=kind,
        moment=ctx.moment, description=nullable_text(data, "description"),
        is_required=flag(data, "is_required"), is_unique=flag(data, "is_unique"),
        is_multiselect=flag(data, "is_multiselect"),
    )  # fmt: skip
    config = obj(data, "config")
    if kind == "record-reference" and not is_object(config.get("record_reference")):
        raise BadRequest("A record-reference attribute needs config.record_reference.allowed_objects")
    _config(ctx, attr, config)
    _default(ctx, attr, data.get("default_value", MISSING))
    relationship = data.get("relationship")
    inverse = None
    if relationship is not None:
        inverse = _inverse(ctx, attr, relationship)
    ctx.repo.put("attribute", structure.attribute_id(attr), attr)
    if inverse is not None:
        ctx.repo.put("attribute", structure.attribute_id(inverse), inverse)
    return {"data": structure.public(attr)}


def _inverse(ctx: Ctx, attr: Doc, relationship: Any) -> Doc:
    """The other side of a relationship attribute, created on the object it points to."""
    if attr["type"] != "record-reference" or attr["_target"] != "objects":
        raise BadRequest("relationship applies to record-reference attributes of objects")
    if not is_object(relationship):
        raise BadRequest("relationship must be an object")
    other = structure.need_object(ctx.repo, text(relationship, "object"))
    other_id = structure.object_id(other)
    other_slug = slug(text(relationship, "api_slug"), "relationship.api_slug")
    _slug_free(ctx, other_id, other_slug)
    inverse = structure.new_attribute(
        other_id, "objects", new_id(), title=text(relationship, "title"), api_slug=other_slug,
        type="record-reference", moment=ctx.moment, is_multiselect=flag(relationship, "is_multiselect"),
        allowed_object_ids=[attr["_parent"]],
    )  # fmt: skip
    attr["config"]["record_reference"] = {"allowed_object_ids": [other_id]}
    structure.relate(attr, structure.object_slug(ctx.repo, attr["_parent"]), inverse, other["api_slug"])
    return inverse


@route("GET", "/v2/{target}/{identifier}/attributes/{attribute}")
def get_attribute(ctx: Ctx) -> Any:
    return {"data": structure.public(_attribute(ctx))}


@route("PATCH", "/v2/{target}/{identifier}/attributes/{attribute}")
def update_attribute(ctx: Ctx) -> Any:
    attr = _attribute(ctx)
    data = ctx.data()
    if attr["is_system_attribute"] and data:
        raise BadRequest(
            f"{attr['api_slug']!r} is a system attribute and cannot be changed",
            code="system_edit_unauthorized",
        )
    api_slug = text(data, "api_slug", required=False)
    if api_slug is not MISSING:
        _slug_free(ctx, attr["_parent"], slug(api_slug, "api_slug"), structure.attribute_id(attr))
        attr["api_slug"] = api_slug
    title = text(data, "title", required=False)
    if title is not MISSING:
        attr["title"] = title
    description = nullable_text(data, "description", required=False)
    if description is not MISSING:
        attr["description"] = description
    for key in ("is_required", "is_unique", "is_archived"):
        value = flag(data, key, required=False)
        if value is not MISSING:
            attr[key] = value
    _config(ctx, attr, data.get("config", MISSING))
    _default(ctx, attr, data.get("default_value", MISSING))
    return {"data": structure.public(ctx.repo.put("attribute", structure.attribute_id(attr), attr))}


# -- select options and statuses ------------------------------------------------------------------


def _of_type(attr: Doc, kind: str) -> None:
    if attr["type"] != kind:
        raise BadRequest(f"{attr['api_slug']!r} is a {attr['type']} attribute, not {kind}")


def _title_free(docs: list[Doc], title: str, key: str, other_than: str | None = None) -> None:
    clash = structure.find_choice(docs, key, title)
    if clash is not None and clash["id"][key] != other_than:
        raise Conflict(f"{title!r} already exists on this attribute")


@route("GET", "/v2/{target}/{identifier}/attributes/{attribute}/options")
def list_options(ctx: Ctx) -> Any:
    attr = _attribute(ctx)
    _of_type(attr, "select")
    archived = bool(q_bool(ctx.query, "show_archived", False))
    return {"data": structure.options_of(ctx.repo, structure.attribute_id(attr), archived=archived)}


@route("POST", "/v2/{target}/{identifier}/attributes/{attribute}/options")
def create_option(ctx: Ctx) -> Any:
    attr = _attribute(ctx)
    _of_type(attr, "select")
    title = text(ctx.data(), "title")
    _title_free(structure.options_of(ctx.repo, structure.attribute_id(attr)), title, "option_id")
    option = structure.new_option(attr, new_id(), title)
    return {"data": ctx.repo.put("option", option["id"]["option_id"], option)}


def _choice_doc(ctx: Ctx, attr: Doc, kind: str, key: str, param: str) -> Doc:
    docs = (structure.options_of if kind == "option" else structure.statuses_of)(
        ctx.repo, structure.attribute_id(attr)
    )
    found = structure.find_choice(docs, key, ctx.params[param])
    if found is None:
        raise NotFound(f"{kind.capitalize()} {ctx.params[param]!r} was not found")
    return found


@route("PATCH", "/v2/{target}/{identifier}/attributes/{attribute}/options/{option}")
def update_option(ctx: Ctx) -> Any:
    attr = _attribute(ctx)
    _of_type(attr, "select")
    option = _choice_doc(ctx, attr, "option", "option_id", "option")
    data = ctx.data()
    title = text(data, "title", required=False)
    if title is not MISSING:
        _title_free(
            structure.options_of(ctx.repo, structure.attribute_id(attr)),
            title,
            "option_id",
            option["id"]["option_id"],
        )
        option["title"] = title
    archived = flag(data, "is_archived", required=False)
    if archived is not MISSING:
        option["is_archived"] = archived
    return {"data": ctx.repo.put("option", option["id"]["option_id"], option)}


@route("GET", "/v2/{target}/{identifier}/attributes/{attribute}/statuses")
def list_statuses(ctx: Ctx) -> Any:
    attr = _attribute(ctx)
    _of_type(attr, "status")
    archived = bool(q_bool(ctx.query, "show_archived", False))
    return {"data": structure.statuses_of(ctx.repo, structure.attribute_id(attr), archived=archived)}


def _target_time(value: Any) -> Any:
    if value is None or value is MISSING:
        return value
    if not isinstance(value, str) or not value.startswith("P"):
        raise BadRequest("target_time_in_status must be an ISO 8601 duration such as P14D, or null")
    return value


@route("POST", "/v2/{target}/{identifier}/attributes/{attribute}/statuses")
def create_status(ctx: Ctx) -> Any:
    attr = _attribute(ctx)
    _of_type(attr, "status")
    data = ctx.data()
    title = text(data, "title")
    _title_free(structure.statuses_of(ctx.repo, structure.attribute_id(attr)), title, "status_id")
    celebration = flag(data, "celebration_enabled", required=False)
    status = structure.new_status(
        attr, new_id(), title, celebration=celebration is True,
        target_time=_target_time(data.get("target_time_in_status")),
    )  # fmt: skip
    return {"data": ctx.repo.put("status", status["id"]["status_id"], status)}


@route("PATCH", "/v2/{target}/{identifier}/attributes/{attribute}/statuses/{status}")
def update_status(ctx: Ctx) -> Any:
    attr = _attribute(ctx)
    _of_type(attr, "status")
    status = _choice_doc(ctx, attr, "status", "status_id", "status")
    data = ctx.data()
    title = text(data, "title", required=False)
    if title is not MISSING:
        _title_free(
            structure.statuses_of(ctx.repo, structure.attribute_id(attr)),
            title,
            "status_id",
            status["id"]["status_id"],
        )
        status["title"] = title
    for key in ("celebration_enabled", "is_archived"):
        value = flag(data, key, required=False)
        if value is not MISSING:
            status[key] = value
    if "target_time_in_status" in data:
        status["target_time_in_status"] = _target_time(data["target_time_in_status"])
    return {"data": ctx.repo.put("status", status["id"]["status_id"], status)}
