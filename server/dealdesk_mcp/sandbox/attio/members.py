"""Workspace members, and /v2/self: who the token belongs to."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .errors import NotFound
from .http import Ctx, route
from .repo import Doc, Repo
from .wire import (
    API_TOKEN_ACTOR_ID,
    APP_CLIENT_ID,
    WORKSPACE_ID,
    WORKSPACE_NAME,
    WORKSPACE_SLUG,
    is_uuid,
    stamp,
)

SCOPES = (
    "user_management:read-write record_permission:read-write object_configuration:read-write "
    "list_entry:read-write list_configuration:read-write public_collection:read-write "
    "private_collection:read-write comment:read-write task:read-write note:read-write "
    "meeting:read-write call_recording:read-write webhook:read-write file:read-write "
    "scim_management:read-write"
)


def new_member(member_id: str, first: str, last: str, email: str, access: str, moment: datetime) -> Doc:
    return {
        "id": {"workspace_id": WORKSPACE_ID, "workspace_member_id": member_id},
        "first_name": first,
        "last_name": last,
        "avatar_url": None,
        "email_address": email,
        "created_at": stamp(moment),
        "access_level": access,
    }


def admin(repo: Repo) -> Doc | None:
    return next((m for m in repo.all("member") if m["access_level"] == "admin"), None)


@route("GET", "/v2/workspace_members")
def list_members(ctx: Ctx) -> Any:
    return {"data": ctx.repo.all("member")}


@route("GET", "/v2/workspace_members/{workspace_member_id}")
def get_member(ctx: Ctx) -> Any:
    mid = ctx.params["workspace_member_id"]
    member = ctx.repo.get("member", mid) if is_uuid(mid) else None
    if member is None:
        raise NotFound(f"Workspace member {mid!r} was not found")
    return {"data": member}


@route("GET", "/v2/self")
def identify(ctx: Ctx) -> Any:
    owner = admin(ctx.repo)
    seeded = ctx.repo.meta("seeded_at") or stamp(ctx.moment)
    return {
        "active": True,
        "scope": SCOPES,
        "client_id": APP_CLIENT_ID,
        "token_type": "Bearer",
        "exp": None,
        "iat": int(datetime.fromisoformat(seeded.replace("Z", "+00:00")[:19] + "+00:00").timestamp()),
        "sub": API_TOKEN_ACTOR_ID,
        "aud": APP_CLIENT_ID,
        "iss": "attio.com",
        "authorized_by_workspace_member_id": owner["id"]["workspace_member_id"]
        if owner
        else API_TOKEN_ACTOR_ID,
        "workspace_id": WORKSPACE_ID,
        "workspace_name": WORKSPACE_NAME,
        "workspace_slug": WORKSPACE_SLUG,
        "workspace_logo_url": None,
    }
