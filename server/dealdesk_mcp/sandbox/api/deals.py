"""Deal operations beyond plain CRUD: archived lists, summaries and timelines computed from the deals,
changelogs and flows, duplicates and merges, participants, products across deals, conversions."""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from typing import Any

from ..call import Answer, Call
from ..db import Record
from ..handlers import make
from ..jsontypes import as_array, as_object
from ..registry import special
from ..store_ops import fetch, listing, log_changes, page, require, save
from ..views import live, view
from ..wire import BadRequest, NotFound, v2_time
from .money import convert, formatted

DEFAULT_CURRENCY = "USD"


def _deals(call: Call, *, archived: bool | None = None) -> list[Record]:
    q = call.query
    rows = live(call.store, "deal")
    if archived is not None:
        rows = [d for d in rows if bool(d.get("is_archived")) == archived]
    status = q.get("status")
    if status and status not in ("all_not_deleted",):
        rows = [d for d in rows if d["status"] == status]
    for key, field in (
        ("user_id", "owner_id"),
        ("owner_id", "owner_id"),
        ("pipeline_id", "pipeline_id"),
        ("stage_id", "stage_id"),
        ("person_id", "person_id"),
        ("org_id", "org_id"),
    ):
        if q.get(key) is not None:
            rows = [d for d in rows if d.get(field) == q[key]]
    if q.get("product_id") is not None:
        with_product = {
            p["deal_id"] for p in call.store.all("deal_product") if p["product_id"] == q["product_id"]
        }
        rows = [d for d in rows if d["id"] in with_product]
    if q.get("filter_id") is not None:
        from .misc import apply_filter

        rows = apply_filter(call, q["filter_id"], rows)
    if q.get("owned_by_you"):
        rows = [d for d in rows if d["owner_id"] == call.user_id]
    return rows


PLAIN = (
    "user_id",
    "owner_id",
    "pipeline_id",
    "stage_id",
    "person_id",
    "org_id",
    "status",
    "filter_id",
    "product_id",
    "owned_by_you",
)


@special("v2", "getArchivedDeals")
@special("v1", "getArchivedDeals")
def archived_deals(call: Call) -> Answer:
    return listing(call, "deal", _deals(call, archived=True), skip=PLAIN)


@special("v1", "getPipelineDeals")
def pipeline_deals(call: Call) -> Answer:
    pipeline = fetch(call.store, "pipeline", call.id)
    rows = [d for d in _deals(call) if d["pipeline_id"] == pipeline["id"] and not d.get("is_archived")]
    return listing(call, "deal", rows, skip=PLAIN)


@special("v1", "getStageDeals")
def stage_deals(call: Call) -> Answer:
    stage = fetch(call.store, "stage", call.id)
    rows = [d for d in _deals(call) if d["stage_id"] == stage["id"] and not d.get("is_archived")]
    return listing(call, "deal", rows, skip=PLAIN)


@special("v1", "getProductDeals")
def product_deals(call: Call) -> Answer:
    product = fetch(call.store, "product", call.id)
    with_product = {p["deal_id"] for p in call.store.all("deal_product") if p["product_id"] == product["id"]}
    rows = [d for d in live(call.store, "deal") if d["id"] in with_product]
    status = call.query.get("status")
    if status and status != "all_not_deleted":
        rows = [d for d in rows if d["status"] == status]
    return listing(call, "deal", rows, skip=("status",))


# -- summaries --------------------------------------------------------------------------------------


def summary(call: Call, rows: list[Record]) -> Record:
    total = sum(convert(d["value"], d["currency"], DEFAULT_CURRENCY) for d in rows)
    weighted = sum(
        convert(d["value"], d["currency"], DEFAULT_CURRENCY) * _probability(call, d) / 100 for d in rows
    )
    return {
        "values_total": {
            "value": round(total, 2),
            "count": len(rows),
            "value_converted": round(total, 2),
            "value_formatted": formatted(total, DEFAULT_CURRENCY),
            "value_converted_formatted": formatted(total, DEFAULT_CURRENCY),
        },
        "weighted_values_total": {
            "value": round(weighted, 2),
            "count": len(rows),
            "value_formatted": formatted(weighted, DEFAULT_CURRENCY),
        },
        "total_count": len(rows),
        "total_currency_converted_value": round(total, 2),
        "total_weighted_currency_converted_value": round(weighted, 2),
        "total_currency_converted_value_formatted": formatted(total, DEFAULT_CURRENCY),
        "total_weighted_currency_converted_value_formatted": formatted(weighted, DEFAULT_CURRENCY),
    }


def _probability(call: Call, deal: Record) -> float:
    if deal.get("probability") is not None:
        return float(deal["probability"])
    if deal["status"] == "won":
        return 100.0
    if deal["status"] == "lost":
        return 0.0
    stage = as_object(call.store.get("stage", deal["stage_id"]))
    return float(stage.get("deal_probability", 100))


@special("v1", "getDealsSummary")
def deals_summary(call: Call) -> Answer:
    return Answer(summary(call, [d for d in _deals(call) if not d.get("is_archived")]))


@special("v1", "getArchivedDealsSummary")
def archived_summary(call: Call) -> Answer:
    return Answer(summary(call, _deals(call, archived=True)))


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _periods(start: date, interval: str, amount: int) -> list[tuple[date, date]]:
    step = {"day": (1, 0), "week": (7, 0), "month": (0, 1), "quarter": (0, 3)}.get(interval)
    if step is None:
        raise BadRequest("interval must be day, week, month or quarter")
    if not 1 <= amount <= 500:
        raise BadRequest("amount must be between 1 and 500")
    periods: list[tuple[date, date]] = []
    begin = start
    for _ in range(amount):
        end = begin + timedelta(days=step[0]) if step[0] else _add_months(begin, step[1])
        periods.append((begin, end))
        begin = end
    return periods


def timeline(call: Call, rows: list[Record]) -> list[Record]:
    q = call.query
    try:
        start = date.fromisoformat(str(q["start_date"]))
    except ValueError:
        raise BadRequest("start_date must be a date as YYYY-MM-DD") from None
    key = q["field_key"]
    if rows and key not in rows[0] and key not in as_object(rows[0].get("custom_fields")):
        raise BadRequest(f"field_key {key} is not a date field of deals")
    target = q.get("totals_convert_currency") or DEFAULT_CURRENCY
    if target == "default_currency":
        target = DEFAULT_CURRENCY
    out: list[Any] = []
    for begin, end in _periods(start, q["interval"], int(q["amount"])):
        inside = [
            d
            for d in rows
            if (v := d.get(key, as_object(d.get("custom_fields")).get(key)))
            and begin.isoformat() <= str(v)[:10] < end.isoformat()
        ]
        total = sum(convert(d["value"], d["currency"], target) for d in inside)
        weighted = sum(
            convert(d["value"], d["currency"], target) * _probability(call, d) / 100 for d in inside
        )
        by_currency: dict[str, float] = {}
        for d in inside:
            by_currency[d["currency"]] = by_currency.get(d["currency"], 0) + d["value"]
        out.append(
            {
                "period_start": f"{begin.isoformat()} 00:00:00",
                "period_end": f"{(end - timedelta(days=1)).isoformat()} 23:59:59",
                "deals": []
                if q.get("exclude_deals")
                else [view(call.store, "deal", d, "v1") for d in inside],
                "totals": {
                    "count": len(inside),
                    "values": by_currency,
                    "weighted_values": {c: round(v * 1.0, 2) for c, v in by_currency.items()},
                    "open_count": sum(1 for d in inside if d["status"] == "open"),
                    "open_values": {},
                    "weighted_open_values": {},
                    "won_count": sum(1 for d in inside if d["status"] == "won"),
                    "won_values": {},
                    "value_converted": round(total, 2),
                    "weighted_value_converted": round(weighted, 2),
                },
            }
        )
    return out


@special("v1", "getDealsTimeline")
def deals_timeline(call: Call) -> Answer:
    return Answer(timeline(call, [d for d in _deals(call) if not d.get("is_archived")]))


@special("v1", "getArchivedDealsTimeline")
def archived_timeline(call: Call) -> Answer:
    return Answer(timeline(call, _deals(call, archived=True)))


# -- history ----------------------------------------------------------------------------------------


def _changelog(kind: str) -> Any:
    def handle(call: Call) -> Answer:
        rec = fetch(call.store, kind, call.id)
        rows = [c for c in call.store.all("change") if c["item_kind"] == kind and c["item_id"] == rec["id"]]
        rows.reverse()
        return listing(call, "change", rows, related=False, shape=dict)

    return handle


special("v1", "getDealChangelog")(_changelog("deal"))
special("v1", "getPersonChangelog")(_changelog("person"))
special("v1", "getOrganizationChangelog")(_changelog("organization"))


@special("v2", "getProjectChangelog")
def project_changelog(call: Call) -> Answer:
    rec = fetch(call.store, "project", call.id)
    rows = [c for c in call.store.all("change") if c["item_kind"] == "project" and c["item_id"] == rec["id"]]
    shaped = [
        {
            "change_source": c["change_source"],
            "change_source_user_agent": c["change_source_user_agent"],
            "time": c["time"],
            "actor_user_id": c["actor_user_id"],
            "new_values": {c["field_key"]: c["new_value"]},
            "old_values": {c["field_key"]: c["old_value"]},
        }
        for c in reversed(rows)
    ]
    chunk, extra = page(call, shaped)
    return Answer(chunk, extra)


def _flow(kind: str, key: str) -> Any:
    def handle(call: Call) -> Answer:
        rec = fetch(call.store, kind, call.id)
        events: list[Record] = []
        for child, name, stamp in (
            ("activity", "activity", "add_time"),
            ("note", "note", "add_time"),
            ("file", "file", "add_time"),
            ("mail_message", "mailMessage", "message_time"),
        ):
            for item in live(call.store, child):
                if item.get(key) == rec["id"]:
                    events.append(
                        {
                            "object": name,
                            "timestamp": item.get(stamp) or item.get("add_time"),
                            "data": view(call.store, child, item, "v1"),
                        }
                    )
        for change in call.store.all("change"):
            if change["item_kind"] == kind and change["item_id"] == rec["id"]:
                events.append({"object": f"{kind}Change", "timestamp": change["time"], "data": change})
        wanted = {p.strip() for p in str(call.query.get("items") or "").split(",") if p.strip()}
        if wanted:
            events = [e for e in events if e["object"] in wanted]
        events.sort(key=lambda e: e["timestamp"] or "", reverse=True)
        chunk, extra = page(call, events)
        from ..views import related_objects

        return Answer(chunk, extra, related_objects(call.store, [rec]))

    return handle


special("v1", "getDealUpdates")(_flow("deal", "deal_id"))
special("v1", "getPersonUpdates")(_flow("person", "person_id"))
special("v1", "getOrganizationUpdates")(_flow("organization", "org_id"))


@special("v1", "getDealParticipantsChangelog")
def participants_changelog(call: Call) -> Answer:
    deal = fetch(call.store, "deal", call.id)
    rows = [e for e in call.store.all("participant_log") if e["deal_id"] == deal["id"]]
    return listing(call, "participant_log", rows, related=False, shape=dict)


# -- duplicates, merges, permitted users ------------------------------------------------------------


@special("v1", "duplicateDeal")
def duplicate_deal(call: Call) -> Answer:
    with call.store.transaction() as store:
        deal = fetch(store, "deal", call.id)
        copy = {**deal, "id": store.next_id("deal"), "title": f"{deal['title']} (copy)"}
        copy.update(
            add_time=v2_time(call.moment), update_time=v2_time(call.moment), creator_user_id=call.user_id
        )
        save(store, "deal", copy)
        for product in [p for p in store.all("deal_product") if p["deal_id"] == deal["id"]]:
            save(
                store, "deal_product", {**product, "id": store.next_id("deal_product"), "deal_id": copy["id"]}
            )
    return Answer(view(call.store, "deal", copy, "v1"))


MOVES = {
    "deal": [
        ("activity", "deal_id"),
        ("note", "deal_id"),
        ("file", "deal_id"),
        ("deal_product", "deal_id"),
        ("participant", "deal_id"),
        ("mail_message", "deal_id"),
    ],
    "person": [
        ("activity", "person_id"),
        ("note", "person_id"),
        ("file", "person_id"),
        ("deal", "person_id"),
        ("participant", "person_id"),
        ("mail_message", "person_id"),
        ("lead", "person_id"),
    ],
    "organization": [
        ("activity", "org_id"),
        ("note", "org_id"),
        ("file", "org_id"),
        ("deal", "org_id"),
        ("person", "org_id"),
        ("mail_message", "org_id"),
        ("lead", "organization_id"),
    ],
}


def _merge(kind: str) -> Any:
    def handle(call: Call) -> Answer:
        target_id = call.data()["merge_with_id"]
        with call.store.transaction() as store:
            source = fetch(store, kind, call.id)
            if target_id == source["id"]:
                raise BadRequest("An item cannot be merged with itself")
            target = require(store, kind, target_id, kind.capitalize())
            for child, key in MOVES[kind]:
                for item in store.all(child):
                    if item.get(key) == source["id"]:
                        item[key] = target["id"]
                        save(store, child, item)
            for follower in store.all("follower"):
                if follower["parent_kind"] == kind and follower["parent_id"] == source["id"]:
                    taken = {
                        f["user_id"]
                        for f in store.all("follower")
                        if f["parent_kind"] == kind and f["parent_id"] == target["id"]
                    }
                    if follower["user_id"] in taken:
                        store.delete("follower", follower["id"])
                    else:
                        follower["parent_id"] = target["id"]
                        save(store, "follower", follower)
            if kind == "person":
                target["emails"] = _union(target.get("emails"), source.get("emails"))
                target["phones"] = _union(target.get("phones"), source.get("phones"))
            source["is_deleted"] = True
            source["merge_what_id"] = source["id"]
            save(store, kind, source)
            before = dict(target)
            target["update_time"] = v2_time(call.moment)
            log_changes(call, kind, before, target)
            save(store, kind, target)
        out = view(call.store, kind, target, "v1")
        out["merge_what_id"] = source["id"]
        return Answer(out)

    return handle


def _union(first: Any, second: Any) -> list[Record]:
    out: list[Record] = list(as_array(first))
    seen = {item["value"] for item in out}
    out += [{**item, "primary": False} for item in as_array(second) if item["value"] not in seen]
    return out


special("v1", "mergeDeals")(_merge("deal"))
special("v1", "mergePersons")(_merge("person"))
special("v1", "mergeOrganizations")(_merge("organization"))


def _permitted(kind: str) -> Any:
    def handle(call: Call) -> Answer:
        fetch(call.store, kind, call.id)
        # Visibility is company-wide in the sandbox: every active user may see every item.
        return Answer([u["id"] for u in live(call.store, "user")])

    return handle


for _op, _kind in (
    ("getDealUsers", "deal"),
    ("getPersonUsers", "person"),
    ("getOrganizationUsers", "organization"),
    ("getProductUsers", "product"),
    ("getLeadUsers", "lead"),
):
    special("v1", _op)(_permitted(_kind))
special("v2", "getProjectUsers")(_permitted("project"))


# -- participants -----------------------------------------------------------------------------------


@special("v1", "addDealParticipant")
def add_participant(call: Call) -> Answer:
    with call.store.transaction() as store:
        deal = fetch(store, "deal", call.id)
        person_id = call.data()["person_id"]
        require(store, "person", person_id, "Person")
        if any(p["deal_id"] == deal["id"] and p["person_id"] == person_id for p in store.all("participant")):
            raise BadRequest(f"Person {person_id} already takes part in this deal")
        rec = make(call, "participant", {"person_id": person_id}, {"deal_id": deal["id"]})
        rec["active_flag"] = True
        save(store, "participant", rec)
        _participant_log(call, deal["id"], person_id, "added")
    out = view(call.store, "participant", rec, "v1")
    from ..views import related_objects

    return Answer(out, related_objects=related_objects(call.store, [rec]))


@special("v1", "deleteDealParticipant")
def delete_participant(call: Call) -> Answer:
    with call.store.transaction() as store:
        deal = fetch(store, "deal", call.id)
        rec = store.get("participant", call.path["deal_participant_id"])
        if rec is None or rec["deal_id"] != deal["id"]:
            raise NotFound("Participant not found")
        store.delete("participant", rec["id"])
        _participant_log(call, deal["id"], rec["person_id"], "removed")
    return Answer({"id": rec["id"]})


def _participant_log(call: Call, deal_id: int, person_id: int, action: str) -> None:
    entry_id = call.store.next_id("participant_log")
    call.store.put(
        "participant_log",
        entry_id,
        {
            "id": entry_id,
            "deal_id": deal_id,
            "person_id": person_id,
            "action": action,
            "actor_user_id": call.user_id,
            "time": v2_time(call.moment),
        },
    )


# -- products across deals, installments ------------------------------------------------------------


@special("v2", "getDealsProducts")
def deals_products(call: Call) -> Answer:
    ids = as_array(call.query.get("deal_ids"))
    rows = [p for p in call.store.all("deal_product") if p["deal_id"] in ids]
    return listing(call, "deal_product", rows, skip=("deal_ids",))


@special("v2", "addManyDealProducts")
def add_many_products(call: Call) -> Answer:
    items = as_array(call.data().get("data"))
    if not items:
        raise BadRequest("data must list at least one product")
    made: list[Any] = []
    with call.store.transaction() as store:
        deal = fetch(store, "deal", call.id)
        for entry in items:
            rec = make(call, "deal_product", {}, {**entry, "deal_id": deal["id"]})
            save(store, "deal_product", rec)
            made.append(rec)
    return Answer([view(call.store, "deal_product", r, "v2") for r in made])


@special("v2", "getInstallments")
def installments(call: Call) -> Answer:
    ids = as_array(call.query.get("deal_ids"))
    rows = [r for r in call.store.all("installment") if r["deal_id"] in ids]
    return listing(call, "installment", rows, skip=("deal_ids",))


@special("v1", "getPersonProducts")
def person_products(call: Call) -> Answer:
    person = fetch(call.store, "person", call.id)
    deals = {d["id"]: d for d in live(call.store, "deal") if d.get("person_id") == person["id"]}
    rows: list[Any] = []
    for attachment in call.store.all("deal_product"):
        deal = deals.get(attachment["deal_id"])
        if deal is None:
            continue
        product = as_object(call.store.get("product", attachment["product_id"]))
        rows.append(
            {
                f"DEAL_ID_{deal['id']}": {
                    "deal": view(call.store, "deal", deal, "v1"),
                    "product": {
                        **product,
                        "active_flag": not product.get("is_deleted"),
                        "selectable": True,
                        "first_char": (product.get("name") or "?")[:1].lower(),
                        "prices": product.get("prices"),
                    },
                }
            }
        )
    chunk, extra = page(call, rows)
    return Answer(chunk, extra)


# -- conversions between leads and deals ------------------------------------------------------------


@special("v2", "convertDealToLead")
def deal_to_lead(call: Call) -> Answer:
    from .leads import lead_from_deal

    with call.store.transaction() as store:
        deal = fetch(store, "deal", call.id)
        lead = lead_from_deal(call, deal)
        deal["is_deleted"] = True
        save(store, "deal", deal)
        conversion = _conversion(call, lead["id"], deal["id"])
    return Answer({"conversion_id": conversion["id"]}, {})


@special("v2", "convertLeadToDeal")
def lead_to_deal(call: Call) -> Answer:
    from .leads import deal_from_lead

    with call.store.transaction() as store:
        lead = store.get("lead", call.id)
        if lead is None:
            raise NotFound("Lead not found")
        deal = deal_from_lead(call, lead, call.data())
        conversion = _conversion(call, lead["id"], deal["id"])
    return Answer({"conversion_id": conversion["id"]}, {})


def _conversion(call: Call, lead_id: str, deal_id: int) -> Record:
    from ..resources import RESOURCES
    from ..store_ops import new_id

    rec = {
        "id": new_id(call.store, RESOURCES["conversion"]),
        "lead_id": lead_id,
        "deal_id": deal_id,
        "status": "completed",
        "add_time": v2_time(call.moment),
    }
    save(call.store, "conversion", rec)
    return rec


def _status(kind: str) -> Any:
    def handle(call: Call) -> Answer:
        rec = call.store.get("conversion", call.path["conversion_id"])
        key = "deal_id" if kind == "deal" else "lead_id"
        if rec is None or str(rec[key]) != str(call.id):
            raise NotFound("Conversion not found")
        return Answer(
            {
                "lead_id": rec["lead_id"],
                "deal_id": rec["deal_id"],
                "conversion_id": rec["id"],
                "status": rec["status"],
            },
            {},
        )

    return handle


special("v2", "getDealConversionStatus")(_status("deal"))
special("v2", "getLeadConversionStatus")(_status("lead"))
