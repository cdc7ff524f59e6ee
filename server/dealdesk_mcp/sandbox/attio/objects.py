"""Object operations (list, create, read, update) and saved views of objects and lists."""

from __future__ import annotations

from typing import Any

from . import structure
from .errors import BadRequest, Conflict
from .http import Ctx, route
from .inputs import MISSING, q_bool, slug, text
from .repo import Doc, Repo
from .wire import WORKSPACE_ID, cursor_page, new_id, stamp


def system_attributes(
    repo: Repo, parent_id: str, target: str, moment: Any, ids: list[str] | None = None
) -> None:
    """Every object and list starts with the attributes the API itself fills."""
    specs = (
        [("record_id", "Record ID", "text")] if target == "objects" else [("entry_id", "Entry ID", "text")]
    )
    specs += [("created_at", "Created at", "timestamp"), ("created_by", "Created by", "actor-reference")]
    for index, (api_slug, title, kind) in enumerate(specs):
        attr_id = ids[index] if ids else new_id()
        attr = structure.new_attribute(
            parent_id, target, attr_id, title=title, api_slug=api_slug, type=kind, moment=moment,
            is_system=True, is_writable=False, is_unique=api_slug in ("record_id", "entry_id"),
        )  # fmt: skip
        repo.put("attribute", attr_id, attr)


def new_object(object_id: str, api_slug: str, singular: str, plural: str, moment: Any) -> Doc:
    return {
        "id": {"workspace_id": WORKSPACE_ID, "object_id": object_id},
        "api_slug": api_slug,
        "singular_noun": singular,
        "plural_noun": plural,
        "created_at": stamp(moment),
    }


def _slug_free(repo: Repo, api_slug: str, other_than: str | None = None) -> None:
    taken = structure.find_object(repo, api_slug)
    if taken is not None and structure.object_id(taken) != other_than:
        raise Conflict(f"An object with slug {api_slug!r} already exists")


@route("GET", "/v2/objects")
def list_objects(ctx: Ctx) -> Any:
    return {"data": ctx.repo.all("object")}


@route("POST", "/v2/objects")
def create_object(ctx: Ctx) -> Any:
    data = ctx.data()
    api_slug = slug(text(data, "api_slug"), "api_slug")
    singular, plural = text(data, "singular_noun"), text(data, "plural_noun")
    _slug_free(ctx.repo, api_slug)
    obj = new_object(new_id(), api_slug, singular, plural, ctx.moment)
    ctx.repo.put("object", structure.object_id(obj), obj)
    system_attributes(ctx.repo, structure.object_id(obj), "objects", ctx.moment)
    ctx.repo.put(
        "view", new_id(), new_view(structure.object_id(obj), "objects", new_id(), f"All {plural}", ctx.moment)
    )
    return {"data": obj}


@route("GET", "/v2/objects/{object}")
def get_object(ctx: Ctx) -> Any:
    return {"data": structure.need_object(ctx.repo, ctx.params["object"])}


@route("PATCH", "/v2/objects/{object}")
def update_object(ctx: Ctx) -> Any:
    obj = structure.need_object(ctx.repo, ctx.params["object"])
    data = ctx.data()
    api_slug = text(data, "api_slug", required=False)
    if api_slug is not MISSING:
        _slug_free(ctx.repo, slug(api_slug, "api_slug"), structure.object_id(obj))
        obj["api_slug"] = api_slug
    for key in ("singular_noun", "plural_noun"):
        value = text(data, key, required=False)
        if value is not MISSING:
            obj[key] = value
    return {"data": ctx.repo.put("object", structure.object_id(obj), obj)}


# -- views ----------------------------------------------------------------------------------------


def new_view(parent_id: str, target: str, view_id: str, title: str, moment: Any, filter: Any = None) -> Doc:
    key = "object_id" if target == "objects" else "list_id"
    return {
        "id": {"workspace_id": WORKSPACE_ID, key: parent_id, "view_id": view_id},
        "title": title,
        "created_at": stamp(moment),
        "_parent": parent_id,
        "_filter": filter,
        "_archived": False,
    }


def _views(ctx: Ctx, parent_id: str) -> Any:
    archived = q_bool(ctx.query, "show_archived", False)
    views = ctx.repo.all("view", lambda v: v["_parent"] == parent_id and (archived or not v["_archived"]))
    return cursor_page([structure.public(v) for v in views], ctx.query, default=500, high=1000)


@route("GET", "/v2/objects/{object}/views")
def object_views(ctx: Ctx) -> Any:
    return _views(ctx, structure.object_id(structure.need_object(ctx.repo, ctx.params["object"])))


@route("GET", "/v2/lists/{list}/views")
def list_views(ctx: Ctx) -> Any:
    return _views(ctx, structure.list_id(structure.need_list(ctx.repo, ctx.params["list"])))


def check_title(value: Any, name: str = "title") -> str:
    if not isinstance(value, str) or not value.strip():
        raise BadRequest(f"{name} must be a non-empty string")
    return value
