"""Tasks: list (by linked record, assignee, completion), create, read, update, delete."""

from __future__ import annotations

from typing import Any

from . import structure
from .errors import BadRequest
from .http import Ctx, route
from .inputs import MISSING, choice, flag, items, q_bool, q_choice, q_uuid, text
from .links import linked_record, member_ref
from .repo import Doc
from .wire import WORKSPACE_ID, api_actor, is_uuid, new_id, number, offset_page, parse_moment, stamp


def new_task(task_id: str, content: str, deadline: str | None, done: bool, actor: Any, created: str) -> Doc:
    return {
        "id": {"workspace_id": WORKSPACE_ID, "task_id": task_id},
        "content_plaintext": content,
        "deadline_at": deadline,
        "is_completed": done,
        "linked_records": [],
        "assignees": [],
        "created_by_actor": actor,
        "created_at": created,
    }


def _deadline(value: Any) -> str | None:
    return None if value is None else stamp(parse_moment(value, "deadline_at"))


def _links(ctx: Ctx, written: list[Any]) -> list[Doc]:
    out: list[Doc] = []
    for item in written:
        record = linked_record(ctx.repo, item, ctx.moment, "linked_records")
        link = {"target_object_id": record["object_id"], "target_record_id": record["record_id"]}
        if link not in out:
            out.append(link)
    return out


def _assignees(ctx: Ctx, written: list[Any]) -> list[Doc]:
    out: list[Doc] = []
    for item in written:
        ref = {
            "referenced_actor_type": "workspace-member",
            "referenced_actor_id": member_ref(ctx.repo, item, "assignees"),
        }
        if ref not in out:
            out.append(ref)
    return out


@route("GET", "/v2/tasks")
def list_tasks(ctx: Ctx) -> Any:
    limit = number(ctx.query.get("limit"), "limit", default=500, low=1)
    offset = number(ctx.query.get("offset"), "offset", default=0)
    order = q_choice(ctx.query, "sort", ("created_at:asc", "created_at:desc"), "created_at:asc")
    tasks = sorted(ctx.repo.all("task"), key=lambda t: t["created_at"], reverse=order == "created_at:desc")
    linked_object, linked_record_id = ctx.query.get("linked_object"), q_uuid(ctx.query, "linked_record_id")
    if linked_object:
        oid = structure.object_id(structure.need_object(ctx.repo, linked_object))
        tasks = [t for t in tasks if any(link["target_object_id"] == oid for link in t["linked_records"])]
    if linked_record_id:
        tasks = [
            t
            for t in tasks
            if any(link["target_record_id"] == linked_record_id for link in t["linked_records"])
        ]
    assignee = ctx.query.get("assignee")
    if assignee not in (None, ""):
        if assignee == "null":
            tasks = [t for t in tasks if not t["assignees"]]
        else:
            key = (
                {"referenced_actor_type": "workspace-member", "referenced_actor_id": assignee}
                if is_uuid(assignee)
                else {"workspace_member_email_address": assignee}
            )
            mid = member_ref(ctx.repo, key, "assignee")
            tasks = [t for t in tasks if any(a["referenced_actor_id"] == mid for a in t["assignees"])]
    done = q_bool(ctx.query, "is_completed")
    if done is not None:
        tasks = [t for t in tasks if t["is_completed"] == done]
    return {"data": offset_page(tasks, limit, offset)}


@route("POST", "/v2/tasks")
def create_task(ctx: Ctx) -> Any:
    data = ctx.data()
    content = text(data, "content")
    if len(content) > 2000:
        raise BadRequest("content may be at most 2000 characters")
    choice(data, "format", ("plaintext",))
    if "deadline_at" not in data:
        raise BadRequest("deadline_at is required (null for none)")
    task = new_task(
        new_id(),
        content,
        _deadline(data["deadline_at"]),
        flag(data, "is_completed"),
        api_actor(),
        stamp(ctx.moment),
    )
    task["linked_records"] = _links(ctx, items(data, "linked_records"))
    task["assignees"] = _assignees(ctx, items(data, "assignees"))
    return {"data": ctx.repo.put("task", task["id"]["task_id"], task)}


def _task(ctx: Ctx) -> Doc:
    return ctx.repo.need("task", ctx.params["task_id"], "Task")


@route("GET", "/v2/tasks/{task_id}")
def get_task(ctx: Ctx) -> Any:
    return {"data": _task(ctx)}


@route("PATCH", "/v2/tasks/{task_id}")
def update_task(ctx: Ctx) -> Any:
    task = _task(ctx)
    data = ctx.data()
    if "deadline_at" in data:
        task["deadline_at"] = _deadline(data["deadline_at"])
    done = flag(data, "is_completed", required=False)
    if done is not MISSING:
        task["is_completed"] = done
    links = items(data, "linked_records", required=False)
    if links is not MISSING:
        task["linked_records"] = _links(ctx, links)
    people = items(data, "assignees", required=False)
    if people is not MISSING:
        task["assignees"] = _assignees(ctx, people)
    return {"data": ctx.repo.put("task", task["id"]["task_id"], task)}


@route("DELETE", "/v2/tasks/{task_id}")
def delete_task(ctx: Ctx) -> Any:
    ctx.repo.delete("task", _task(ctx)["id"]["task_id"])
    return {}
