"""Notes on records: list (by parent), create, read, delete."""

from __future__ import annotations

import re
from typing import Any

from . import structure
from .errors import BadRequest, NotFound, TooLarge
from .http import Ctx, route
from .inputs import MISSING, choice, q_uuid, text, uuid_field
from .repo import Doc, Repo
from .wire import WORKSPACE_ID, api_actor, is_uuid, new_id, number, offset_page, parse_moment, stamp

MAX_CONTENT = 100_000  # characters; Attio answers 413 past its own limit
MARKDOWN = re.compile(r"(\*\*|__|`|^#+\s*|^\s*[-*+]\s+|^\s*\d+\.\s+|\[([^\]]*)\]\([^)]*\))", re.MULTILINE)


def plain(markdown: str) -> str:
    """Markdown reduced to its text, for content_plaintext."""
    return MARKDOWN.sub(lambda m: m.group(2) or "", markdown)


def parent_record(repo: Repo, object_ident: Any, record_id: Any) -> tuple[Doc, Doc]:
    """The object and record a note, task, comment or file belongs to; unknown either way is a 404."""
    if not isinstance(object_ident, str) or not object_ident:
        raise BadRequest("The parent object must be an object slug or id")
    obj = structure.need_object(repo, object_ident)
    record = repo.get("record", record_id) if is_uuid(record_id) else None
    if record is None or record["object_id"] != structure.object_id(obj):
        raise NotFound(f"Record {record_id!r} was not found in {obj['api_slug']}")
    return obj, record


def new_note(
    repo: Repo,
    note_id: str,
    obj: Doc,
    record: Doc,
    title: str,
    fmt: str,
    content: str,
    actor: Any,
    created: str,
    meeting_id: str | None = None,
) -> Doc:
    return {
        "id": {"workspace_id": WORKSPACE_ID, "note_id": note_id},
        "parent_object": obj["api_slug"],
        "parent_record_id": record["record_id"],
        "title": title,
        "meeting_id": meeting_id,
        "content_plaintext": plain(content) if fmt == "markdown" else content,
        "content_markdown": content,
        "tags": [],
        "created_by_actor": actor,
        "created_at": created,
        "_object_id": structure.object_id(obj),
    }


def render(repo: Repo, note: Doc) -> Doc:
    out = structure.public(note)
    out["parent_object"] = structure.object_slug(repo, note["_object_id"])
    return out


@route("GET", "/v2/notes")
def list_notes(ctx: Ctx) -> Any:
    limit = number(ctx.query.get("limit"), "limit", default=10, low=1, high=50)
    offset = number(ctx.query.get("offset"), "offset", default=0)
    parent_object, parent_record_id = ctx.query.get("parent_object"), q_uuid(ctx.query, "parent_record_id")
    notes = ctx.repo.all("note")
    if parent_object:
        obj = structure.need_object(ctx.repo, parent_object)
        notes = [n for n in notes if n["_object_id"] == structure.object_id(obj)]
    if parent_record_id:
        if ctx.repo.get("record", parent_record_id) is None:
            raise NotFound(f"Record {parent_record_id!r} was not found")
        notes = [n for n in notes if n["parent_record_id"] == parent_record_id]
    return {"data": [render(ctx.repo, n) for n in offset_page(notes, limit, offset)]}


@route("POST", "/v2/notes")
def create_note(ctx: Ctx) -> Any:
    data = ctx.data()
    obj, record = parent_record(ctx.repo, data.get("parent_object"), uuid_field(data, "parent_record_id"))
    title = text(data, "title", empty=True)
    fmt = choice(data, "format", ("plaintext", "markdown"))
    content = text(data, "content", empty=True)
    if len(content) > MAX_CONTENT:
        raise TooLarge(f"content is longer than the sandbox's {MAX_CONTENT} characters")
    created = data.get("created_at", MISSING)
    created_at = stamp(ctx.moment) if created is MISSING else stamp(parse_moment(created, "created_at"))
    meeting_id = data.get("meeting_id")
    if meeting_id is not None and (not is_uuid(meeting_id) or ctx.repo.get("meeting", meeting_id) is None):
        raise NotFound(f"Meeting {meeting_id!r} was not found")
    note = new_note(ctx.repo, new_id(), obj, record, title, fmt, content, api_actor(), created_at, meeting_id)
    ctx.repo.put("note", note["id"]["note_id"], note)
    return {"data": render(ctx.repo, note)}


def _note(ctx: Ctx) -> Doc:
    return ctx.repo.need("note", ctx.params["note_id"], "Note")


@route("GET", "/v2/notes/{note_id}")
def get_note(ctx: Ctx) -> Any:
    return {"data": render(ctx.repo, _note(ctx))}


@route("DELETE", "/v2/notes/{note_id}")
def delete_note(ctx: Ctx) -> Any:
    ctx.repo.delete("note", _note(ctx)["id"]["note_id"])
    return {}
