"""SCIM 2.0 provisioning: users are the workspace's members, groups are its teams."""

from __future__ import annotations

import re
from typing import Any

from ..jsontypes import is_array, is_object
from .errors import BadRequest, Conflict, NotFound
from .http import Ctx, Reply, route
from .members import new_member
from .repo import Doc, Repo
from .wire import is_uuid, new_id, number, stamp

LIST = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
EQ_FILTER = re.compile(r'^\s*(\w+)\s+eq\s+"([^"]*)"\s*$', re.IGNORECASE)


def _listing(ctx: Ctx, resources: list[Doc]) -> Doc:
    start = number(ctx.query.get("startIndex"), "startIndex", default=1, low=1)
    count = number(ctx.query.get("count"), "count", default=100, low=0, high=1000)
    page = resources[start - 1 : start - 1 + count]
    return {
        "schemas": [LIST],
        "totalResults": len(resources),
        "startIndex": start,
        "itemsPerPage": len(page),
        "Resources": page,
    }


def _filtered(ctx: Ctx, docs: list[Doc], fields: dict[str, str]) -> list[Doc]:
    raw = ctx.query.get("filter")
    if not raw:
        return docs
    found = EQ_FILTER.match(raw)
    if not found or found.group(1) not in fields:
        forms = " or ".join(f'{key} eq "..."' for key in fields)
        raise BadRequest(f"filter must read {forms}")
    key, value = fields[found.group(1)], found.group(2).casefold()
    return [d for d in docs if str(d.get(key, "")).casefold() == value]


# -- users ----------------------------------------------------------------------------------------


def render_user(member: Doc, *, profile: bool = True) -> Doc:
    out: Doc = {
        "schemas": [USER],
        "id": member["id"]["workspace_member_id"],
        "userName": member["email_address"],
        "name": {"givenName": member["first_name"], "familyName": member["last_name"]},
        "emails": [{"value": member["email_address"], "primary": True, "type": "work"}],
        "roles": [{"value": "admin" if member["access_level"] == "admin" else "member", "primary": True}],
        "active": member["access_level"] != "suspended",
        "meta": {
            "resourceType": "User",
            "created": member["created_at"],
            "lastModified": member.get("_modified", member["created_at"]),
        },
    }
    if profile:
        out["profileUrl"] = member["avatar_url"]
    return out


def _member(ctx: Ctx) -> Doc:
    uid = ctx.params["user_id"]
    member = ctx.repo.get("member", uid) if is_uuid(uid) else None
    if member is None:
        raise NotFound(f"SCIM user {uid!r} was not found")
    return member


def _email_free(repo: Repo, email: str, other_than: str | None = None) -> None:
    for member in repo.all("member"):
        if (
            member["email_address"].casefold() == email.casefold()
            and member["id"]["workspace_member_id"] != other_than
        ):
            raise Conflict(f"A user with userName {email!r} already exists", code="uniqueness_conflict")


def _user_fields(member: Doc, body: Doc, *, replace: bool) -> None:
    """userName, name, active and roles of a SCIM user body, onto a member."""
    if replace or "userName" in body:
        name = body.get("userName")
        if not isinstance(name, str) or "@" not in name:
            raise BadRequest("userName must be the user's email address")
        member["email_address"] = name
    if replace or "name" in body:
        given = body.get("name")
        if not is_object(given) or not all(
            isinstance(given.get(k), str) for k in ("givenName", "familyName")
        ):
            raise BadRequest("name needs givenName and familyName")
        member["first_name"], member["last_name"] = given["givenName"], given["familyName"]
    roles = body.get("roles")
    if roles is not None:
        values = [r.get("value") for r in roles if is_object(r)] if is_array(roles) else None
        if values is None or not set(values) <= {"admin", "member"}:
            raise BadRequest('roles is a list of {"value": "admin" | "member"}')
        member["access_level"] = "admin" if "admin" in values else "member"
    active = body.get("active")
    if active is not None:
        if not isinstance(active, bool):
            raise BadRequest("active must be true or false")
        if not active:
            member["access_level"] = "suspended"
        elif member["access_level"] == "suspended":
            member["access_level"] = "member"


@route("GET", "/scim/v2/Users")
def list_users(ctx: Ctx) -> Any:
    users = [render_user(m) for m in ctx.repo.all("member")]
    return _listing(ctx, _filtered(ctx, users, {"userName": "userName"}))


@route("POST", "/scim/v2/Users")
def create_user(ctx: Ctx) -> Any:
    body = ctx.body()
    member = new_member(new_id(), "", "", "", "member", ctx.moment)
    _user_fields(member, body, replace=True)
    _email_free(ctx.repo, member["email_address"])
    ctx.repo.put("member", member["id"]["workspace_member_id"], member)
    return Reply(render_user(member, profile=member["avatar_url"] is not None), status=201)


@route("PUT", "/scim/v2/Users/{user_id}")
def replace_user(ctx: Ctx) -> Any:
    member = _member(ctx)
    _user_fields(member, ctx.body(), replace=True)
    _email_free(ctx.repo, member["email_address"], member["id"]["workspace_member_id"])
    member["_modified"] = stamp(ctx.moment)
    return render_user(ctx.repo.put("member", member["id"]["workspace_member_id"], member))


def _operations(body: Doc) -> list[Doc]:
    ops = body.get("Operations")
    if not is_array(ops) or not all(
        is_object(o) and str(o.get("op", "")).lower() in ("add", "replace", "remove") for o in ops
    ):
        raise BadRequest(
            'A SCIM PATCH body holds "Operations": [{"op": "add"|"replace"|"remove", "path"?, "value"?}]'
        )
    return ops


def _nest(path: str, value: Any) -> Doc:
    """A dotted SCIM path as a body fragment: name.givenName -> {"name": {"givenName": ...}}."""
    head, _, rest = path.partition(".")
    return {head: _nest(rest, value) if rest else value}


@route("PATCH", "/scim/v2/Users/{user_id}")
def patch_user(ctx: Ctx) -> Any:
    member = _member(ctx)
    for op in _operations(ctx.body()):
        if op["op"].lower() == "remove":
            raise BadRequest("A user's attributes can be replaced, not removed")
        path, value = op.get("path"), op.get("value")
        fragment = _nest(path, value) if isinstance(path, str) and path else value
        if not is_object(fragment):
            raise BadRequest("An operation without a path takes an object value")
        if "name" in fragment and is_object(fragment["name"]):
            fragment["name"] = {
                "givenName": member["first_name"],
                "familyName": member["last_name"],
                **fragment["name"],
            }
        _user_fields(member, fragment, replace=False)
    _email_free(ctx.repo, member["email_address"], member["id"]["workspace_member_id"])
    member["_modified"] = stamp(ctx.moment)
    return render_user(ctx.repo.put("member", member["id"]["workspace_member_id"], member))


# -- groups ---------------------------------------------------------------------------------------


def new_group(group_id: str, name: str, members: list[str], moment: Any) -> Doc:
    return {
        "id": group_id,
        "displayName": name,
        "members": members,
        "created": stamp(moment),
        "lastModified": stamp(moment),
    }


def render_group(ctx: Ctx, group: Doc) -> Doc:
    members: list[Any] = []
    for mid in group["members"]:
        member = ctx.repo.get("member", mid)
        if member is not None:
            members.append(
                {
                    "value": mid,
                    "$ref": f"{ctx.origin}/scim/v2/Users/{mid}",
                    "display": f"{member['first_name']} {member['last_name']}".strip(),
                }
            )
    return {
        "schemas": [GROUP],
        "id": group["id"],
        "displayName": group["displayName"],
        "members": members,
        "meta": {"resourceType": "Group", "created": group["created"], "lastModified": group["lastModified"]},
    }


def _member_ids(ctx: Ctx, value: Any) -> list[str]:
    if not is_array(value) or not all(is_object(v) and isinstance(v.get("value"), str) for v in value):
        raise BadRequest('members is a list of {"value": <user id>}')
    ids: list[Any] = []
    for item in value:
        if not is_uuid(item["value"]) or ctx.repo.get("member", item["value"]) is None:
            raise BadRequest(f"No SCIM user {item['value']!r}", code="value_not_found")
        if item["value"] not in ids:
            ids.append(item["value"])
    return ids


def _group(ctx: Ctx) -> Doc:
    return ctx.repo.need("scim_group", ctx.params["workspace_team_id"], "SCIM group")


def _display_name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise BadRequest("displayName must be a non-empty string")
    return value


@route("GET", "/scim/v2/Groups")
def list_groups(ctx: Ctx) -> Any:
    groups = [render_group(ctx, g) for g in ctx.repo.all("scim_group")]
    return _listing(ctx, _filtered(ctx, groups, {"displayName": "displayName"}))


@route("POST", "/scim/v2/Groups")
def create_group(ctx: Ctx) -> Any:
    body = ctx.body()
    group = new_group(
        new_id(),
        _display_name(body.get("displayName")),
        _member_ids(ctx, body.get("members", [])),
        ctx.moment,
    )
    ctx.repo.put("scim_group", group["id"], group)
    return Reply(render_group(ctx, group), status=201)


@route("PUT", "/scim/v2/Groups/{workspace_team_id}")
def replace_group(ctx: Ctx) -> Any:
    group = _group(ctx)
    body = ctx.body()
    group["displayName"] = _display_name(body.get("displayName"))
    group["members"] = _member_ids(ctx, body.get("members", []))
    group["lastModified"] = stamp(ctx.moment)
    return render_group(ctx, ctx.repo.put("scim_group", group["id"], group))


MEMBER_PATH = re.compile(r'^members\[value eq "([^"]+)"\]$')


@route("PATCH", "/scim/v2/Groups/{workspace_team_id}")
def patch_group(ctx: Ctx) -> Any:
    group = _group(ctx)
    for op in _operations(ctx.body()):
        kind, path, value = op["op"].lower(), op.get("path") or "", op.get("value")
        one = MEMBER_PATH.match(path)
        if kind == "remove" and one:
            group["members"] = [m for m in group["members"] if m != one.group(1)]
        elif path == "members" and kind == "remove":
            gone = set(_member_ids(ctx, value)) if value is not None else set(group["members"])
            group["members"] = [m for m in group["members"] if m not in gone]
        elif path == "members":
            added = _member_ids(ctx, value)
            group["members"] = (
                added
                if kind == "replace"
                else group["members"] + [m for m in added if m not in group["members"]]
            )
        elif path == "displayName" and kind != "remove":
            group["displayName"] = _display_name(value)
        elif not path and is_object(value) and kind != "remove":
            if "displayName" in value:
                group["displayName"] = _display_name(value["displayName"])
            if "members" in value:
                group["members"] = _member_ids(ctx, value["members"])
        else:
            raise BadRequest(f"Unsupported SCIM group operation {kind} {path!r}")
    group["lastModified"] = stamp(ctx.moment)
    return render_group(ctx, ctx.repo.put("scim_group", group["id"], group))


@route("GET", "/scim/v2/Schemas")
def list_schemas(ctx: Ctx) -> Any:
    def attribute(name: str, kind: str = "string", required: bool = False) -> Doc:
        return {
            "name": name,
            "type": kind,
            "multiValued": False,
            "required": required,
            "mutability": "readWrite",
        }

    resources = [
        {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
            "id": USER,
            "name": "User",
            "attributes": [
                attribute("userName", required=True),
                attribute("name", "complex"),
                attribute("active", "boolean"),
                attribute("emails", "complex"),
                attribute("roles", "complex"),
            ],
        },
        {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
            "id": GROUP,
            "name": "Group",
            "attributes": [attribute("displayName", required=True), attribute("members", "complex")],
        },
    ]
    return _listing(ctx, resources)
