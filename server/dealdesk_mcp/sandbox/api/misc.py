"""The account around the CRM data: users and their settings, currencies, billing, recents, saved
filters, goals, legacy teams, roles and permission sets, mail, messaging channels and meeting links."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..call import Answer, Call
from ..db import Record
from ..handlers import make
from ..jsontypes import as_array, as_object, is_array, is_object
from ..registry import special
from ..seed import COMPANY
from ..store_ops import fetch, listing, page, require, save
from ..views import live, view
from ..wire import BadRequest, NotFound, v2_time
from .money import CURRENCIES, convert

# -- users ------------------------------------------------------------------------------------------


def user_view(call: Call, rec: Record, *, me: bool = False) -> Record:
    out = view(call.store, "user", rec, "v1")
    out["is_you"] = rec["id"] == call.user_id
    if me:
        out.update(
            company_id=COMPANY["id"],
            company_name=COMPANY["name"],
            company_domain=COMPANY["domain"],
            company_country=COMPANY["country"],
            company_industry="Software",
            language={"language_code": "en", "country_code": "US"},
        )
    return out


@special("v1", "getCurrentUser")
def current_user(call: Call) -> Answer:
    return Answer(user_view(call, fetch(call.store, "user", call.user_id), me=True))


@special("v1", "getUsers")
def users(call: Call) -> Answer:
    return Answer([user_view(call, u) for u in call.store.all("user")])


@special("v1", "getUser")
def user(call: Call) -> Answer:
    rec = call.store.get("user", call.id)
    if rec is None:
        raise NotFound("User not found")
    return Answer(user_view(call, rec))


@special("v1", "findUsersByName")
def find_users(call: Call) -> Answer:
    term = str(call.query.get("term") or "").strip().lower()
    if not term:
        raise BadRequest("term is required")
    key = "email" if call.query.get("search_by_email") else "name"
    return Answer([user_view(call, u) for u in call.store.all("user") if term in u[key].lower()])


def _admin(call: Call) -> None:
    me = as_object(call.store.get("user", call.user_id))
    if not me.get("is_admin"):
        from ..wire import ApiError

        raise ApiError(403, "Only admins may manage users")


@special("v1", "addUser")
def add_user(call: Call) -> Answer:
    _admin(call)
    with call.store.transaction() as store:
        rec = make(call, "user", call.data())
        save(store, "user", rec)
    return Answer(user_view(call, rec))


@special("v1", "updateUser")
def update_user(call: Call) -> Answer:
    _admin(call)
    with call.store.transaction() as store:
        rec = call.store.get("user", call.id)
        if rec is None:
            raise NotFound("User not found")
        rec["active_flag"] = call.data()["active_flag"]
        rec["modified"] = v2_time(call.moment)
        save(store, "user", rec)
    return Answer(user_view(call, rec))


PERMISSIONS = [
    "can_add_custom_fields",
    "can_add_products",
    "can_add_prospects_as_leads",
    "can_bulk_edit_items",
    "can_change_visibility_of_items",
    "can_convert_deals_to_leads",
    "can_create_own_workflow",
    "can_delete_activities",
    "can_delete_custom_fields",
    "can_delete_deals",
    "can_edit_custom_fields",
    "can_edit_deals_closed_date",
    "can_edit_products",
    "can_edit_shared_filters",
    "can_export_data_from_lists",
    "can_follow_other_users",
    "can_merge_deals",
    "can_merge_organizations",
    "can_merge_people",
    "can_modify_labels",
    "can_see_company_wide_statistics",
    "can_see_deals_list_summary",
    "can_see_hidden_items_names",
    "can_see_other_users",
    "can_see_other_users_statistics",
    "can_see_security_dashboard",
    "can_share_filters",
    "can_share_insights",
    "can_use_api",
    "can_use_email_tracking",
    "can_use_import",
]


@special("v1", "getUserPermissions")
def user_permissions(call: Call) -> Answer:
    rec = fetch(call.store, "user", call.id)
    admin = bool(rec.get("is_admin"))
    regular = {
        "can_add_products",
        "can_follow_other_users",
        "can_see_other_users",
        "can_use_api",
        "can_use_email_tracking",
        "can_see_deals_list_summary",
        "can_merge_deals",
        "can_merge_people",
    }
    return Answer({name: admin or name in regular for name in PERMISSIONS})


def _role_settings(call: Call, role_id: int | None) -> Record:
    stored = as_object(call.store.get("role_settings", role_id or 0))
    base = {
        "deal_default_visibility": 3,
        "lead_default_visibility": 3,
        "org_default_visibility": 3,
        "person_default_visibility": 3,
        "product_default_visibility": 3,
        "deal_access_level": 7,
        "org_access_level": 7,
        "person_access_level": 7,
        "product_access_level": 7,
    }
    return {**base, **{k: v for k, v in stored.items() if k in base}}


@special("v1", "getUserRoleSettings")
def user_role_settings(call: Call) -> Answer:
    rec = fetch(call.store, "user", call.id)
    assignment = next((a for a in call.store.all("role_assignment") if a["user_id"] == rec["id"]), None)
    return Answer(_role_settings(call, assignment["role_id"] if assignment else None))


@special("v1", "getUserSettings")
def user_settings(call: Call) -> Answer:
    return Answer(
        {
            "marketplace_team": False,
            "list_limit": 100,
            "beta_app": False,
            "prevent_salesphone_callto_override": False,
            "file_upload_destination": "s3",
            "callto_link_syntax": "callto:[number]",
            "autofill_deal_expected_close_date": False,
            "person_duplicate_condition": "name_and_email",
        }
    )


@special("v1", "getUserConnections")
def user_connections(call: Call) -> Answer:
    # No Google account can be connected to the sandbox: the connection id says it is simulated.
    return Answer({"google": f"sandbox-simulated-google-connection-{call.user_id}"})


@special("v1", "getCompanyAddons")
def company_addons(call: Call) -> Answer:
    return Answer([{"code": "sandbox_simulated_subscription", "name": "Sandbox (simulated billing)"}])


@special("v1", "getCurrencies")
def currencies(call: Call) -> Answer:
    term = str(call.query.get("term") or "").lower()
    return Answer(
        [
            {
                "id": i,
                "code": code,
                "name": name,
                "decimal_points": 2,
                "symbol": symbol,
                "active_flag": True,
                "is_custom_flag": False,
            }
            for i, code, name, symbol, _ in CURRENCIES
            if term in code.lower() or term in name.lower()
        ]
    )


# -- recents ----------------------------------------------------------------------------------------

RECENT_KINDS = {
    "activity": "activity",
    "activityType": "activity_type",
    "deal": "deal",
    "file": "file",
    "filter": "filter",
    "note": "note",
    "person": "person",
    "organization": "organization",
    "pipeline": "pipeline",
    "product": "product",
    "stage": "stage",
    "user": "user",
}


@special("v1", "getRecents")
def recents(call: Call) -> Answer:
    since = str(call.query["since_timestamp"]).replace(" ", "T")
    wanted = {p.strip() for p in str(call.query.get("items") or "").split(",") if p.strip()}
    unknown = wanted - set(RECENT_KINDS)
    if unknown:
        raise BadRequest(f"items may name: {', '.join(RECENT_KINDS)}")
    rows: list[Any] = []
    for name, kind in RECENT_KINDS.items():
        if wanted and name not in wanted:
            continue
        for rec in call.store.all(kind):
            stamp = str(rec.get("update_time") or rec.get("modified") or rec.get("add_time") or "")
            if stamp.replace(" ", "T") >= since:
                rows.append(
                    {"item": name, "id": rec["id"], "data": view(call.store, kind, rec, "v1"), "_t": stamp}
                )
    rows.sort(key=lambda r: r["_t"])
    chunk, extra = page(call, rows)
    extra = extra or {}
    extra["since_timestamp"] = call.query["since_timestamp"]
    extra["last_timestamp_on_page"] = chunk[-1]["_t"] if chunk else call.query["since_timestamp"]
    return Answer(chunk, extra)


# -- saved filters ----------------------------------------------------------------------------------

FILTER_TYPES = {
    "deals": "deal",
    "leads": "lead",
    "org": "organization",
    "people": "person",
    "products": "product",
    "activity": "activity",
    "projects": "project",
}
OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "=": lambda a, b: str(a) == str(b),
    "!=": lambda a, b: str(a) != str(b),
    "<": lambda a, b: _num(a) < _num(b),
    ">": lambda a, b: _num(a) > _num(b),
    "<=": lambda a, b: _num(a) <= _num(b),
    ">=": lambda a, b: _num(a) >= _num(b),
    "IS NULL": lambda a, b: a in (None, ""),
    "IS NOT NULL": lambda a, b: a not in (None, ""),
    "LIKE '%$%'": lambda a, b: str(b).lower() in str(a or "").lower(),
}


def _num(value: Any) -> Any:
    try:
        return float(value)
    except (TypeError, ValueError):
        return str(value)


def _conditions(filter_rec: Record) -> list[Record]:
    """The leaf conditions of a saved filter ({glue, conditions: [{glue, conditions: [...]}]})."""
    out: list[Any] = []
    for group in as_array(as_object(filter_rec.get("conditions")).get("conditions")):
        for cond in as_array(group.get("conditions")) if is_object(group) else []:
            if is_object(cond):
                out.append(cond)
    return out


def apply_filter(call: Call, filter_id: int, rows: list[Record]) -> list[Record]:
    """Saved-filter conditions on a field of the records, all of which must hold (AND)."""
    filter_rec = call.store.get("filter", filter_id)
    if filter_rec is None:
        raise NotFound(f"Filter {filter_id} not found")
    kept = rows
    for cond in _conditions(filter_rec):
        field = _field_code(call, filter_rec, cond.get("field_id"))
        test = OPERATORS.get(str(cond.get("operator")))
        if field is None or test is None:
            continue
        kept = [
            r
            for r in kept
            if test(r.get(field, as_object(r.get("custom_fields")).get(field)), cond.get("value"))
        ]
    return kept


def _field_code(call: Call, filter_rec: Record, field_id: Any) -> str | None:
    entity = {
        "deals": "deal",
        "org": "organization",
        "people": "person",
        "products": "product",
        "activity": "activity",
        "projects": "project",
        "leads": "deal",
    }.get(filter_rec.get("type", ""))
    if entity is None:
        return None
    for field in call.store.all(f"field:{entity}"):
        if str(field["v1_id"]) == str(field_id) or field["field_code"] == field_id:
            return field["field_code"]
    return None


@special("v1", "getFilterHelpers")
def filter_helpers(call: Call) -> Answer:
    return Answer(
        {
            "operators": {"varchar": list(OPERATORS), "double": ["=", "!=", "<", ">", "<=", ">="]},
            "deprecated_operators": {},
            "relative_dates": {"today": "today", "yesterday": "yesterday", "this_week": "this week"},
            "address_field_components": {"locality": "City", "country": "Country"},
        }
    )


# -- goals ------------------------------------------------------------------------------------------


@special("v1", "getGoals")
def goals(call: Call) -> Answer:
    q = call.query
    # A deleted goal is gone from every listing; an inactive one shows when is_active=false is asked.
    rows = [g for g in live(call.store, "goal") if g.get("is_active", True) or q.get("is_active") is False]
    checks: dict[str, Callable[[Record], Any]] = {
        "type.name": lambda g: g["type"].get("name"),
        "title": lambda g: g.get("title"),
        "is_active": lambda g: g.get("is_active"),
        "assignee.id": lambda g: g["assignee"].get("id"),
        "assignee.type": lambda g: g["assignee"].get("type"),
        "expected_outcome.target": lambda g: g["expected_outcome"].get("target"),
        "expected_outcome.tracking_metric": lambda g: g["expected_outcome"].get("tracking_metric"),
        "expected_outcome.currency_id": lambda g: g["expected_outcome"].get("currency_id"),
        "type.params.stage_id": lambda g: as_object(g["type"].get("params")).get("stage_id"),
    }
    for name, read in checks.items():
        if q.get(name) is not None:
            rows = [g for g in rows if read(g) == q[name]]
    if q.get("period.start") and q.get("period.end"):
        rows = [
            g
            for g in rows
            if g["duration"].get("start", "") <= q["period.end"]
            and (g["duration"].get("end") or "9999") >= q["period.start"]
        ]
    return Answer({"goals": rows})


@special("v1", "addGoal")
def add_goal(call: Call) -> Answer:
    with call.store.transaction() as store:
        rec = make(call, "goal", call.data())
        save(store, "goal", rec)
    return Answer({"goal": rec})


@special("v1", "updateGoal")
def update_goal(call: Call) -> Answer:
    from ..handlers import change

    with call.store.transaction() as store:
        rec = fetch(store, "goal", call.id)
        change(call, "goal", rec, call.data())
        save(store, "goal", rec)
    return Answer({"goal": rec})


def goal_progress(call: Call, goal: Record, start: str, end: str) -> float:
    """How far a goal got in a period, measured on the CRM data like Pipedrive's goal types."""
    kind = goal["type"].get("name")
    params = as_object(goal["type"].get("params"))
    assignee = goal["assignee"]
    metric = goal["expected_outcome"].get("tracking_metric", "quantity")

    def mine(rec: Record, key: str = "owner_id") -> bool:
        return assignee.get("type") != "person" or rec.get(key) == assignee.get("id")

    deals = [d for d in live(call.store, "deal") if mine(d)]
    if params.get("pipeline_id"):
        deals = [d for d in deals if d["pipeline_id"] in params["pipeline_id"]]
    stamp = {
        "deals_won": "won_time",
        "deals_started": "add_time",
        "revenue_forecast": "expected_close_date",
        "deals_progressed": "stage_change_time",
    }.get(kind)
    if stamp:
        chosen = [d for d in deals if d.get(stamp) and start <= str(d[stamp])[:10] <= end]
        if kind == "deals_won":
            chosen = [d for d in chosen if d["status"] == "won"]
        if kind == "deals_progressed" and params.get("stage_id"):
            chosen = [d for d in chosen if d["stage_id"] == params["stage_id"]]
        if metric == "sum":
            return sum(convert(d["value"], d["currency"], "USD") for d in chosen)
        return float(len(chosen))
    if kind == "activities_completed":
        acts = [
            a
            for a in live(call.store, "activity")
            if a["done"] and mine(a) and start <= str(a.get("marked_as_done_time") or "")[:10] <= end
        ]
        if params.get("activity_type_id"):
            types = {t["id"]: t["key_string"] for t in call.store.all("activity_type")}
            wanted = {types.get(i) for i in params["activity_type_id"]}
            acts = [a for a in acts if a["type"] in wanted]
        return float(len(acts))
    if kind == "activities_added":
        return float(
            sum(1 for a in live(call.store, "activity") if mine(a) and start <= a["add_time"][:10] <= end)
        )
    return 0.0


@special("v1", "getGoalResult")
def goal_result(call: Call) -> Answer:
    goal = fetch(call.store, "goal", call.id)
    start, end = str(call.query["period.start"]), str(call.query["period.end"])
    if end < start:
        raise BadRequest("period.end must not be before period.start")
    return Answer({"progress": round(goal_progress(call, goal, start, end)), "goal": goal})


# -- legacy teams -----------------------------------------------------------------------------------


@special("v1", "getTeams")
def teams(call: Call) -> Answer:
    rows = live(call.store, "team")
    order = call.query.get("order_by")
    if order:
        rows = sorted(rows, key=lambda t: (t.get(order) is None, t.get(order)))
    if call.query.get("skip_users"):
        rows = [{k: v for k, v in t.items() if k != "users"} for t in rows]
    return Answer([view(call.store, "team", t, "v1") for t in rows])


@special("v1", "getUserTeams")
def user_teams(call: Call) -> Answer:
    user_rec = fetch(call.store, "user", call.id)
    return Answer([t for t in live(call.store, "team") if user_rec["id"] in as_array(t.get("users"))])


@special("v1", "getTeamUsers")
def team_users(call: Call) -> Answer:
    return Answer(fetch(call.store, "team", call.id).get("users") or [])


def _team_users(add: bool) -> Any:
    def handle(call: Call) -> Answer:
        ids = call.data()["users"]
        with call.store.transaction() as store:
            team = fetch(store, "team", call.id)
            for user_id in ids:
                require(store, "user", user_id, "User")
            current = list(as_array(team.get("users")))
            if add:
                current += [i for i in ids if i not in current]
            else:
                current = [i for i in current if i not in ids]
            team["users"] = current
            team["update_time"] = v2_time(call.moment)
            save(store, "team", team)
        return Answer(current)

    return handle


special("v1", "addTeamUser")(_team_users(True))
special("v1", "deleteTeamUser")(_team_users(False))


# -- roles and permission sets ----------------------------------------------------------------------


def _role_view(call: Call, role: Record) -> Record:
    out = dict(role)
    out["assignment_count"] = str(
        sum(1 for a in call.store.all("role_assignment") if a["role_id"] == role["id"])
    )
    out["sub_role_count"] = str(
        sum(1 for r in live(call.store, "role") if r.get("parent_role_id") == role["id"])
    )
    return out


@special("v1", "getRoles")
def roles(call: Call) -> Answer:
    return listing(call, "role", shape=lambda r: _role_view(call, r), related=False)


@special("v1", "getRole")
def role(call: Call) -> Answer:
    rec = fetch(call.store, "role", call.id)
    return Answer(_role_view(call, rec), {"settings": _role_settings(call, rec["id"])})


@special("v1", "getRoleAssignments")
def role_assignments(call: Call) -> Answer:
    rec = fetch(call.store, "role", call.id)
    rows = [a for a in call.store.all("role_assignment") if a["role_id"] == rec["id"]]
    return listing(call, "role_assignment", rows, related=False, shape=lambda a: _assignment(call, a))


@special("v1", "getUserRoleAssignments")
def user_role_assignments(call: Call) -> Answer:
    rec = fetch(call.store, "user", call.id)
    rows = [a for a in call.store.all("role_assignment") if a["user_id"] == rec["id"]]
    return listing(call, "role_assignment", rows, related=False, shape=lambda a: _assignment(call, a))


def _assignment(call: Call, rec: Record) -> Record:
    role_rec = as_object(call.store.get("role", rec["role_id"]))
    return {
        **rec,
        "name": role_rec.get("name"),
        "parent_role_id": role_rec.get("parent_role_id"),
        "active_flag": True,
        "type": "1",
    }


@special("v1", "addRoleAssignment")
def add_role_assignment(call: Call) -> Answer:
    user_id = call.data()["user_id"]
    with call.store.transaction() as store:
        rec = fetch(store, "role", call.id)
        require(store, "user", user_id, "User")
        for old in [a for a in store.all("role_assignment") if a["user_id"] == user_id]:
            store.delete("role_assignment", old["id"])  # a user holds one role at a time
        assignment = {"id": store.next_id("role_assignment"), "user_id": user_id, "role_id": rec["id"]}
        save(store, "role_assignment", assignment)
    return Answer(assignment)


@special("v1", "deleteRoleAssignment")
def delete_role_assignment(call: Call) -> Answer:
    user_id = call.data()["user_id"]
    with call.store.transaction() as store:
        rec = fetch(store, "role", call.id)
        found = [
            a for a in store.all("role_assignment") if a["user_id"] == user_id and a["role_id"] == rec["id"]
        ]
        if not found:
            raise NotFound(f"User {user_id} does not hold role {rec['id']}")
        store.delete("role_assignment", found[0]["id"])
    return Answer({"id": found[0]["id"]})


@special("v1", "getRoleSettings")
def role_settings(call: Call) -> Answer:
    rec = fetch(call.store, "role", call.id)
    return Answer(_role_settings(call, rec["id"]))


@special("v1", "addOrUpdateRoleSetting")
def set_role_setting(call: Call) -> Answer:
    data = call.data()
    key, value = data["setting_key"], data["value"]
    if key.endswith("_default_visibility") and value not in (1, 3, 5, 7):
        raise BadRequest("A default visibility is 1, 3, 5 or 7")
    with call.store.transaction() as store:
        rec = fetch(store, "role", call.id)
        stored = store.get("role_settings", rec["id"]) or {"id": rec["id"]}
        stored[key] = value
        store.put("role_settings", rec["id"], stored)
    return Answer({"id": rec["id"], key: value})


@special("v1", "getRolePipelines")
def role_pipelines(call: Call) -> Answer:
    rec = fetch(call.store, "role", call.id)
    visible_ids = rec.get("visible_pipeline_ids")
    every = [p["id"] for p in live(call.store, "pipeline")]
    visible = every if visible_ids is None else visible_ids
    wanted = call.query.get("visible", True)
    return Answer(
        {"pipeline_ids": visible if wanted else [p for p in every if p not in visible], "visible": wanted}
    )


@special("v1", "updateRolePipelines")
def update_role_pipelines(call: Call) -> Answer:
    raw = call.data()["visible_pipeline_ids"]
    ids = raw if is_array(raw) else list(raw.values()) if is_object(raw) else []
    with call.store.transaction() as store:
        rec = fetch(store, "role", call.id)
        for pipeline_id in ids:
            require(store, "pipeline", pipeline_id, "Pipeline")
        rec["visible_pipeline_ids"] = ids
        save(store, "role", rec)
    return Answer({"pipeline_ids": ids, "visible": True})


@special("v1", "getPermissionSet")
def permission_set(call: Call) -> Answer:
    rec = fetch(call.store, "permission_set", call.id)
    return Answer(_permission_set(call, rec), bare=True)


def _permission_set(call: Call, rec: Record) -> Record:
    count = sum(
        1
        for u in call.store.all("user")
        for a in as_array(u.get("access"))
        if a.get("permission_set_id") == rec["id"]
    )
    return {**rec, "assignment_count": count}


@special("v1", "getPermissionSets")
def permission_sets(call: Call) -> Answer:
    rows = call.store.all("permission_set")
    if call.query.get("app"):
        rows = [r for r in rows if r["app"] == call.query["app"]]
    return Answer([_permission_set(call, r) for r in rows])


@special("v1", "getPermissionSetAssignments")
def permission_set_assignments(call: Call) -> Answer:
    rec = fetch(call.store, "permission_set", call.id)
    rows = [
        {"user_id": u["id"], "permission_set_id": rec["id"], "name": rec["name"]}
        for u in call.store.all("user")
        for a in as_array(u.get("access"))
        if a.get("permission_set_id") == rec["id"]
    ]
    chunk, extra = page(call, rows)
    return Answer(chunk, extra)


# -- organization relationships -----------------------------------------------------------------------


@special("v1", "getOrganizationRelationships")
def org_relationships(call: Call) -> Answer:
    org_id = call.query["org_id"]
    require(call.store, "organization", org_id, "Organization")
    rows = [
        r
        for r in call.store.all("org_relationship")
        if org_id in (r["rel_owner_org_id"], r["rel_linked_org_id"])
    ]
    from ..views import related_objects

    shaped = [view(call.store, "org_relationship", r, "v1") for r in rows]
    orgs = related_objects(
        call.store,
        [{"org_id": r["rel_owner_org_id"]} for r in rows]
        + [{"org_id": r["rel_linked_org_id"]} for r in rows],
    )
    chunk, extra = page(call, shaped)
    return Answer(chunk, extra, orgs)


# -- mail -------------------------------------------------------------------------------------------


@special("v1", "getMailThreads")
def mail_threads(call: Call) -> Answer:
    folder = call.query["folder"]
    rows = [t for t in live(call.store, "mail_thread") if folder in as_array(t.get("folders"))]
    return listing(call, "mail_thread", rows, skip=("folder",), related=False)


@special("v1", "getMailThreadMessages")
def mail_thread_messages(call: Call) -> Answer:
    thread = fetch(call.store, "mail_thread", call.id)
    return Answer([m for m in live(call.store, "mail_message") if m["thread_id"] == thread["id"]])


@special("v1", "getMailMessage")
def mail_message(call: Call) -> Answer:
    rec = fetch(call.store, "mail_message", call.id)
    out = dict(rec)
    if call.query.get("include_body"):
        out["body"] = rec.get("body_text")
    return Answer(out, top={"statusCode": 200, "statusText": "OK", "service": "sandbox-mailbox (simulated)"})


def _mail_of(key: str, kind: str) -> Any:
    def handle(call: Call) -> Answer:
        item = fetch(call.store, kind, call.id)
        rows = [
            {"object": "mailMessage", "timestamp": m["message_time"], "data": m}
            for m in live(call.store, "mail_message")
            if m.get(key) == item["id"]
        ]
        chunk, extra = page(call, rows)
        return Answer(chunk, extra)

    return handle


special("v1", "getDealMailMessages")(_mail_of("deal_id", "deal"))
special("v1", "getPersonMailMessages")(_mail_of("person_id", "person"))
special("v1", "getOrganizationMailMessages")(_mail_of("org_id", "organization"))


@special("v1", "deleteMailThread")
def delete_mail_thread(call: Call) -> Answer:
    with call.store.transaction() as store:
        thread = fetch(store, "mail_thread", call.id)
        thread["deleted_flag"] = 1
        thread["is_deleted"] = True
        save(store, "mail_thread", thread)
        for message in store.all("mail_message"):
            if message["thread_id"] == thread["id"]:
                message["is_deleted"] = True
                save(store, "mail_message", message)
    return Answer({"id": thread["id"]})


# -- messaging channels and meeting providers ---------------------------------------------------------


@special("v1", "receiveMessage")
def receive_message(call: Call) -> Answer:
    data = call.data()
    channel = next(
        (
            c
            for c in call.store.all("channel")
            if str(c["id"]) == str(data["channel_id"]) or c.get("provider_channel_id") == data["channel_id"]
        ),
        None,
    )
    if channel is None:
        raise BadRequest(f"Channel {data['channel_id']} is not registered in the sandbox")
    with call.store.transaction() as store:
        rec = {**data, "id": data["id"], "conversation_id": data["conversation_id"], "channel": channel["id"]}
        store.put("message", f"{channel['id']}:{data['id']}", rec)
    return Answer(rec)


@special("v1", "deleteConversation")
def delete_conversation(call: Call) -> Answer:
    channel_id, conversation = call.path["channel-id"], call.path["conversation-id"]
    with call.store.transaction() as store:
        messages = [
            m
            for m in store.all("message")
            if str(m["channel"]) == str(channel_id) and str(m["conversation_id"]) == str(conversation)
        ]
        if not messages:
            raise NotFound("Conversation not found")
        for message in messages:
            store.delete("message", f"{message['channel']}:{message['id']}")
    return Answer(None)


@special("v1", "saveUserProviderLink")
def save_provider_link(call: Call) -> Answer:
    data = call.data()
    with call.store.transaction() as store:
        store.put("provider_link", data["user_provider_id"], {**data, "id": data["user_provider_id"]})
    return Answer({"message": "The user was linked to the video call provider (simulated by the sandbox)"})


@special("v1", "deleteUserProviderLink")
def delete_provider_link(call: Call) -> Answer:
    if not call.store.delete("provider_link", call.id):
        raise NotFound("Provider link not found")
    return Answer({"message": "The link was removed (simulated by the sandbox)"})
