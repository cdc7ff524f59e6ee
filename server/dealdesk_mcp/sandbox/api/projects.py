"""Projects beyond CRUD (archive, plan, groups, archived list), pipeline statistics computed from the
deals, product duplicates, and the v2 lists whose filters are more than field equality."""

from __future__ import annotations

import itertools
from typing import Any

from ..call import Answer, Call
from ..db import Record
from ..jsontypes import as_array, as_object
from ..registry import special
from ..store_ops import fetch, listing, save
from ..views import live, view
from ..wire import BadRequest, NotFound, v2_time
from .money import convert, formatted

# -- lists with richer filters ----------------------------------------------------------------------


@special("v2", "getDeals")
def deals(call: Call) -> Answer:
    q = call.query
    status = q.get("status")
    statuses = {s.strip() for s in str(status).split(",")} if status else None
    rows = [d for d in call.store.all("deal") if not d.get("is_archived")]
    if statuses:
        rows = [d for d in rows if ("deleted" if d["is_deleted"] else d["status"]) in statuses]
    else:
        rows = [d for d in rows if not d["is_deleted"]]
    if q.get("filter_id") is not None:
        from .misc import apply_filter

        rows = apply_filter(call, q["filter_id"], rows)
    return listing(call, "deal", rows, skip=("status", "filter_id"))


def _filtered(kind: str) -> Any:
    def handle(call: Call) -> Answer:
        rows = live(call.store, kind)
        if call.query.get("filter_id") is not None:
            from .misc import apply_filter

            rows = apply_filter(call, call.query["filter_id"], rows)
        return listing(call, kind, rows, skip=("filter_id",))

    return handle


for _op, _kind in (
    ("getActivities", "activity"),
    ("getPersons", "person"),
    ("getOrganizations", "organization"),
    ("getProducts", "product"),
):
    special("v2", _op)(_filtered(_kind))


def _projects(call: Call, *, archived: bool | None) -> list[Record]:
    q = call.query
    rows = live(call.store, "project")
    if archived is not None and not q.get("include_archived"):
        rows = [p for p in rows if bool(p.get("archive_time")) == archived]
    if q.get("filter_id") is not None:
        from .misc import apply_filter

        rows = apply_filter(call, q["filter_id"], rows)
    for key, field in (("deal_id", "deal_ids"), ("person_id", "person_ids"), ("org_id", "org_ids")):
        if q.get(key) is not None:
            rows = [p for p in rows if q[key] in as_array(p.get(field))]
    return rows


SKIP = ("filter_id", "deal_id", "person_id", "org_id", "include_archived")


@special("v1", "getProjects")
@special("v2", "getProjects")
def projects(call: Call) -> Answer:
    return listing(call, "project", _projects(call, archived=False), skip=SKIP, related=False)


@special("v2", "getArchivedProjects")
def archived_projects(call: Call) -> Answer:
    return listing(call, "project", _projects(call, archived=True), skip=SKIP, related=False)


@special("v1", "archiveProject")
@special("v2", "archiveProject")
def archive_project(call: Call) -> Answer:
    with call.store.transaction() as store:
        rec = fetch(store, "project", call.id)
        if rec.get("archive_time"):
            raise BadRequest("The project is archived already")
        rec.update(archive_time=v2_time(call.moment), update_time=v2_time(call.moment))
        save(store, "project", rec)
    return Answer(view(call.store, "project", rec, call.version))


@special("v1", "deleteProject")
def delete_project_v1(call: Call) -> Answer:
    with call.store.transaction() as store:
        rec = fetch(store, "project", call.id)
        rec["is_deleted"] = True
        save(store, "project", rec)
    return Answer({"success": True, "data": {"id": rec["id"]}})


@special("v1", "deleteTask")
def delete_task_v1(call: Call) -> Answer:
    with call.store.transaction() as store:
        rec = fetch(store, "task", call.id)
        rec["is_deleted"] = True
        save(store, "task", rec)
    return Answer({"success": True, "data": {"id": rec["id"]}})


def _groups(project: Record) -> list[Record]:
    return project.get("groups") or [
        {"id": 1, "name": "To do", "order_nr": 1},
        {"id": 2, "name": "Done", "order_nr": 2},
    ]


@special("v1", "getProjectGroups")
def project_groups(call: Call) -> Answer:
    return Answer(_groups(fetch(call.store, "project", call.id)))


def _plan(call: Call, project: Record) -> list[Record]:
    placed = as_object(project.get("plan"))
    items = [("task", t["id"]) for t in live(call.store, "task") if t["project_id"] == project["id"]]
    items += [
        ("activity", a["id"]) for a in live(call.store, "activity") if a.get("project_id") == project["id"]
    ]
    out: list[Any] = []
    for item_type, item_id in items:
        spot = placed.get(f"{item_type}:{item_id}", {})
        out.append(
            {
                "item_id": item_id,
                "item_type": item_type,
                "phase_id": spot.get("phase_id", project.get("phase_id")),
                "group_id": spot.get("group_id", _groups(project)[0]["id"]),
            }
        )
    return out


@special("v1", "getProjectPlan")
def project_plan(call: Call) -> Answer:
    return Answer(_plan(call, fetch(call.store, "project", call.id)))


def _place(item_type: str, param: str) -> Any:
    def handle(call: Call) -> Answer:
        with call.store.transaction() as store:
            project = fetch(store, "project", call.id)
            item = fetch(store, item_type, call.path[param])
            if item.get("project_id") != project["id"]:
                raise NotFound(f"That {item_type} is not part of this project")
            data = call.data()
            if data.get("group_id") is not None and data["group_id"] not in {
                g["id"] for g in _groups(project)
            }:
                raise BadRequest(f"group_id {data['group_id']} is not a group of this project")
            if data.get("phase_id") is not None and store.get("phase", data["phase_id"]) is None:
                raise BadRequest(f"phase_id {data['phase_id']} does not exist")
            plan = project.setdefault("plan", {})
            spot = plan.setdefault(f"{item_type}:{item['id']}", {})
            spot.update({k: v for k, v in data.items() if k in ("phase_id", "group_id") and v is not None})
            save(store, "project", project)
        return Answer(
            next(
                p for p in _plan(call, project) if p["item_id"] == item["id"] and p["item_type"] == item_type
            )
        )

    return handle


special("v1", "putProjectPlanActivity")(_place("activity", "activityId"))
special("v1", "putProjectPlanTask")(_place("task", "taskId"))


@special("v1", "getProjectsPhases")
@special("v2", "getProjectsPhases")
def phases(call: Call) -> Answer:
    board = fetch(call.store, "board", call.query["board_id"])
    rows = [p for p in call.store.all("phase") if p["board_id"] == board["id"]]
    return Answer(sorted(rows, key=lambda p: p["order_nr"]), {})


# -- pipelines --------------------------------------------------------------------------------------


def _window(call: Call) -> tuple[str, str]:
    start, end = str(call.query["start_date"]), str(call.query["end_date"])
    if end < start:
        raise BadRequest("end_date must not be before start_date")
    return start, end


def _pipeline_deals(call: Call) -> tuple[Record, list[Record]]:
    pipeline = fetch(call.store, "pipeline", call.id)
    rows = [d for d in live(call.store, "deal") if d["pipeline_id"] == pipeline["id"]]
    if call.query.get("user_id") is not None:
        rows = [d for d in rows if d["owner_id"] == call.query["user_id"]]
    return pipeline, rows


@special("v1", "getPipelineConversionStatistics")
def conversion_statistics(call: Call) -> Answer:
    start, end = _window(call)
    pipeline, rows = _pipeline_deals(call)
    rows = [d for d in rows if start <= d["add_time"][:10] <= end]
    stages = sorted(
        (s for s in live(call.store, "stage") if s["pipeline_id"] == pipeline["id"]),
        key=lambda s: s["order_nr"],
    )
    order = {s["id"]: s["order_nr"] for s in stages}
    conversions: list[Any] = []
    for here, there in itertools.pairwise(stages):
        reached_here = [
            d for d in rows if order.get(d["stage_id"], 0) >= here["order_nr"] or d["status"] == "won"
        ]
        reached_next = [
            d
            for d in reached_here
            if order.get(d["stage_id"], 0) >= there["order_nr"] or d["status"] == "won"
        ]
        rate = round(100 * len(reached_next) / len(reached_here)) if reached_here else 0
        conversions.append({"from_stage_id": here["id"], "to_stage_id": there["id"], "conversion_rate": rate})
    total = len(rows) or 1
    return Answer(
        {
            "stage_conversions": conversions,
            "won_conversion": round(100 * sum(1 for d in rows if d["status"] == "won") / total),
            "lost_conversion": round(100 * sum(1 for d in rows if d["status"] == "lost") / total),
        }
    )


def _group(ids_rows: list[Record]) -> Record:
    values: dict[str, float] = {}
    for d in ids_rows:
        values[d["currency"]] = values.get(d["currency"], 0) + d["value"]
    return {
        "count": len(ids_rows),
        "deals_ids": [d["id"] for d in ids_rows],
        "values": {c: round(v) for c, v in values.items()},
        "formatted_values": {c: formatted(v, c) for c, v in values.items()},
    }


@special("v1", "getPipelineMovementStatistics")
def movement_statistics(call: Call) -> Answer:
    start, end = _window(call)
    _, rows = _pipeline_deals(call)

    def inside(stamp: Any) -> bool:
        return bool(stamp) and start <= str(stamp)[:10] <= end

    new = [d for d in rows if inside(d["add_time"])]
    won = [d for d in rows if d["status"] == "won" and inside(d.get("won_time"))]
    lost = [d for d in rows if d["status"] == "lost" and inside(d.get("lost_time"))]
    still_open = [d for d in rows if d["status"] == "open" and d["add_time"][:10] <= end]
    moves = sum(
        1
        for c in call.store.all("change")
        if c["item_kind"] == "deal"
        and c["field_key"] == "stage_id"
        and inside(c["time"])
        and any(d["id"] == c["item_id"] for d in rows)
    )
    ages = [(_days(d["add_time"], end)) for d in still_open]
    total = sum(convert(d["value"], d["currency"], "USD") for d in still_open)
    return Answer(
        {
            "movements_between_stages": {"count": moves},
            "new_deals": _group(new),
            "deals_left_open": _group(still_open),
            "won_deals": _group(won),
            "lost_deals": _group(lost),
            "average_age_in_days": {
                "across_all_stages": round(sum(ages) / len(ages)) if ages else 0,
                "by_stages": [],
            },
            "open_value_usd": round(total),
        }
    )


def _days(stamp: str, end: str) -> int:
    from datetime import date

    return max((date.fromisoformat(end) - date.fromisoformat(stamp[:10])).days, 0)


# -- products ---------------------------------------------------------------------------------------


@special("v2", "duplicateProduct")
def duplicate_product(call: Call) -> Answer:
    with call.store.transaction() as store:
        product = fetch(store, "product", call.id)
        copy = {
            **product,
            "id": store.next_id("product"),
            "name": f"{product['name']} (copy)",
            "add_time": v2_time(call.moment),
            "update_time": v2_time(call.moment),
            "owner_id": call.user_id,
        }
        copy["prices"] = [{**p, "product_id": copy["id"]} for p in as_array(product.get("prices"))]
        save(store, "product", copy)
    return Answer(view(call.store, "product", copy, "v2", call.query))
