"""Threads and comments: a comment starts a thread on a record or list entry, or joins one."""

from __future__ import annotations

from typing import Any

from . import structure
from .errors import BadRequest, NotFound
from .http import Ctx, route
from .inputs import MISSING, choice, obj, q_uuid, text
from .links import member_ref
from .notes import parent_record
from .repo import Doc, Repo
from .wire import WORKSPACE_ID, is_uuid, member_actor, new_id, number, offset_page, parse_moment, stamp


def new_thread(thread_id: str, record: Doc, entry: Doc | None, created: str) -> Doc:
    return {
        "id": {"workspace_id": WORKSPACE_ID, "thread_id": thread_id},
        "created_at": created,
        "_record": {"record_id": record["record_id"], "object_id": record["object_id"]},
        "_entry": {"entry_id": entry["entry_id"], "list_id": entry["list_id"]} if entry else None,
    }


def new_comment(comment_id: str, thread: Doc, content: str, author_id: str, created: str) -> Doc:
    return {
        "id": {"workspace_id": WORKSPACE_ID, "comment_id": comment_id},
        "thread_id": thread["id"]["thread_id"],
        "content_plaintext": content,
        "entry": thread["_entry"],
        "record": thread["_record"],
        "resolved_at": None,
        "resolved_by": {"id": None, "type": None},
        "created_at": created,
        "author": member_actor(author_id),
    }


def render_thread(repo: Repo, thread: Doc) -> Doc:
    tid = thread["id"]["thread_id"]
    comments = sorted(repo.all("comment", lambda c: c["thread_id"] == tid), key=lambda c: c["created_at"])
    return {"id": thread["id"], "comments": comments, "created_at": thread["created_at"]}


@route("GET", "/v2/threads")
def list_threads(ctx: Ctx) -> Any:
    limit = number(ctx.query.get("limit"), "limit", default=10, low=1, high=50)
    offset = number(ctx.query.get("offset"), "offset", default=0)
    record_id, entry_id = q_uuid(ctx.query, "record_id"), q_uuid(ctx.query, "entry_id")
    threads = ctx.repo.all("thread")
    if record_id or ctx.query.get("object"):
        if not (record_id and ctx.query.get("object")):
            raise BadRequest("record_id and object go together")
        _, record = parent_record(ctx.repo, ctx.query["object"], record_id)
        threads = [
            t for t in threads if t["_record"]["record_id"] == record["record_id"] and t["_entry"] is None
        ]
    if entry_id or ctx.query.get("list"):
        if not (entry_id and ctx.query.get("list")):
            raise BadRequest("entry_id and list go together")
        entry = _entry(ctx.repo, ctx.query["list"], entry_id)
        threads = [t for t in threads if t["_entry"] and t["_entry"]["entry_id"] == entry["entry_id"]]
    return {"data": [render_thread(ctx.repo, t) for t in offset_page(threads, limit, offset)]}


def _entry(repo: Repo, list_ident: Any, entry_id: Any) -> Doc:
    doc = structure.need_list(repo, list_ident if isinstance(list_ident, str) else "")
    entry = repo.get("entry", entry_id) if is_uuid(entry_id) else None
    if entry is None or entry["list_id"] != structure.list_id(doc):
        raise NotFound(f"Entry {entry_id!r} was not found")
    return entry


@route("GET", "/v2/threads/{thread_id}")
def get_thread(ctx: Ctx) -> Any:
    return {"data": render_thread(ctx.repo, ctx.repo.need("thread", ctx.params["thread_id"], "Thread"))}


@route("POST", "/v2/comments")
def create_comment(ctx: Ctx) -> Any:
    data = ctx.data()
    choice(data, "format", ("plaintext",))
    content = text(data, "content")
    author = obj(data, "author")
    if author.get("type") != "workspace-member":
        raise BadRequest('author must be {"type": "workspace-member", "id": ...}')
    author_id = member_ref(
        ctx.repo,
        {"referenced_actor_type": "workspace-member", "referenced_actor_id": author.get("id")},
        "author",
    )
    created = data.get("created_at", MISSING)
    created_at = stamp(ctx.moment) if created is MISSING else stamp(parse_moment(created, "created_at"))
    places = [k for k in ("thread_id", "record", "entry") if k in data]
    if len(places) != 1:
        raise BadRequest("Give exactly one of thread_id, record or entry")
    if places == ["thread_id"]:
        if not is_uuid(data["thread_id"]) or ctx.repo.get("thread", data["thread_id"]) is None:
            raise BadRequest(f"Thread {data['thread_id']!r} was not found", code="value_not_found")
        thread = ctx.repo.get("thread", data["thread_id"])
    elif places == ["record"]:
        target = obj(data, "record")
        _, record = parent_record(ctx.repo, target.get("object"), target.get("record_id"))
        thread = new_thread(new_id(), record, None, created_at)
    else:
        target = obj(data, "entry")
        entry = _entry(ctx.repo, target.get("list"), target.get("entry_id"))
        record = ctx.repo.need("record", entry["parent_record_id"], "Record")
        thread = new_thread(new_id(), record, entry, created_at)
    assert thread is not None
    ctx.repo.put("thread", thread["id"]["thread_id"], thread)
    comment = new_comment(new_id(), thread, content, author_id, created_at)
    return {"data": ctx.repo.put("comment", comment["id"]["comment_id"], comment)}


@route("GET", "/v2/comments/{comment_id}")
def get_comment(ctx: Ctx) -> Any:
    return {"data": ctx.repo.need("comment", ctx.params["comment_id"], "Comment")}


@route("DELETE", "/v2/comments/{comment_id}")
def delete_comment(ctx: Ctx) -> Any:
    """Deleting the first comment of a thread deletes the thread, as in Attio's app."""
    comment = ctx.repo.need("comment", ctx.params["comment_id"], "Comment")
    tid = comment["thread_id"]
    siblings = sorted(ctx.repo.all("comment", lambda c: c["thread_id"] == tid), key=lambda c: c["created_at"])
    doomed = siblings if siblings and siblings[0]["id"] == comment["id"] else [comment]
    for item in doomed:
        ctx.repo.delete("comment", item["id"]["comment_id"])
    if len(doomed) == len(siblings):
        ctx.repo.delete("thread", tid)
    return {}
