"""Links from tasks, meetings and comments to records and members, read from a request body."""

from __future__ import annotations

from typing import Any

from ..jsontypes import is_object
from . import structure
from .errors import BadRequest
from .repo import Doc, Repo
from .values import Writer
from .wire import api_actor, is_uuid


def linked_record(repo: Repo, item: Any, moment: Any, where: str) -> Doc:
    """{target_object, target_record_id} or {target_object, <unique attribute>: [values]} -> record."""
    if not is_object(item) or not isinstance(item.get("target_object"), str):
        raise BadRequest(f"Each {where} item needs target_object and target_record_id")
    obj = structure.find_object(repo, item["target_object"])
    if obj is None:
        raise BadRequest(f"{where}: no object {item['target_object']!r}", code="value_not_found")
    writer = Writer(repo, structure.object_id(obj), api_actor(), moment)
    return writer.target_record(obj, item, where)


def member_ref(repo: Repo, item: Any, where: str) -> str:
    """A workspace member given by id ({referenced_actor_type, referenced_actor_id}) or email."""
    members = repo.all("member")
    if is_object(item) and "workspace_member_email_address" in item:
        email = item["workspace_member_email_address"]
        found = next(
            (
                m
                for m in members
                if isinstance(email, str) and m["email_address"].casefold() == email.casefold()
            ),
            None,
        )
    elif is_object(item) and item.get("referenced_actor_type") == "workspace-member":
        mid = item.get("referenced_actor_id")
        found = repo.get("member", mid) if isinstance(mid, str) and is_uuid(mid) else None
    else:
        raise BadRequest(f"Each {where} item is a workspace member by referenced_actor_id or email address")
    if found is None:
        raise BadRequest(f"{where}: no such workspace member", code="value_not_found")
    return found["id"]["workspace_member_id"]
