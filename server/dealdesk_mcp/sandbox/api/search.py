"""Searches: per entity (/deals/search, /persons/search, ... /leads/search in both versions), across
entities (/itemSearch) and by one field (/itemSearch/field). Scores: exact 1, prefix 0.8, inside 0.5."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..call import Answer, Call
from ..db import Record, Store
from ..jsontypes import as_array, as_object
from ..registry import special
from ..store_ops import page
from ..views import live
from ..wire import BadRequest

Reader = Callable[[Store, Record], list[str]]


def _notes(key: str) -> Reader:
    def read(store: Store, rec: Record) -> list[str]:
        return [n["content"] for n in store.all("note") if n.get(key) == rec["id"]]

    return read


def _custom(store: Store, rec: Record) -> list[str]:
    return [str(v) for v in as_object(rec.get("custom_fields")).values() if isinstance(v, str | int | float)]


SEARCH_FIELDS: dict[str, dict[str, Reader]] = {
    "deal": {
        "title": lambda s, r: [r["title"]],
        "notes": _notes("deal_id"),
        "custom_fields": _custom,
    },
    "person": {
        "name": lambda s, r: [r["name"]],
        "email": lambda s, r: [e["value"] for e in as_array(r.get("emails"))],
        "phone": lambda s, r: [p["value"] for p in as_array(r.get("phones"))],
        "notes": _notes("person_id"),
        "custom_fields": _custom,
    },
    "organization": {
        "name": lambda s, r: [r["name"]],
        "address": lambda s, r: [as_object(r.get("address")).get("value") or ""],
        "notes": _notes("org_id"),
        "custom_fields": _custom,
    },
    "product": {
        "name": lambda s, r: [r["name"]],
        "code": lambda s, r: [r.get("code") or ""],
        "description": lambda s, r: [r.get("description") or ""],
        "custom_fields": _custom,
    },
    "lead": {
        "title": lambda s, r: [r["title"]],
        "notes": _notes("lead_id"),
        "custom_fields": _custom,
    },
    "project": {
        "title": lambda s, r: [r["title"]],
        "description": lambda s, r: [r.get("description") or ""],
        "notes": _notes("project_id"),
        "custom_fields": _custom,
    },
    "file": {"name": lambda s, r: [r.get("name") or r.get("file_name") or ""]},
}


def score(term: str, values: list[str], match: str) -> float:
    best = 0.0
    for value in values:
        low = str(value).lower()
        if low == term:
            best = max(best, 1.0)
        elif match in ("beginning", "middle") and low.startswith(term):
            best = max(best, 0.8)
        elif match == "middle" and term in low:
            best = max(best, 0.5)
    return best


def _named(store: Store, kind: str, record_id: Any, key: str = "name") -> dict[str, Any] | None:
    rec = store.get(kind, record_id) if record_id else None
    return {"id": rec["id"], key: rec.get(key)} if rec else None


def item(store: Store, kind: str, rec: Record) -> Record:
    """A search hit in the documents' item shape."""
    owner = {"id": rec.get("owner_id") or rec.get("user_id")}
    base: dict[str, Any] = {
        "id": rec["id"],
        "type": kind,
        "owner": owner,
        "visible_to": rec.get("visible_to"),
        "custom_fields": [],
    }
    if kind == "deal":
        base.update(
            title=rec["title"],
            value=rec["value"],
            currency=rec["currency"],
            status=rec["status"],
            stage=_named(store, "stage", rec["stage_id"]),
            person=_named(store, "person", rec["person_id"]),
            organization=_named(store, "organization", rec["org_id"]),
            notes=[],
            is_archived=rec.get("is_archived", False),
        )
    elif kind == "person":
        base.update(
            name=rec["name"],
            phones=[p["value"] for p in as_array(rec.get("phones"))],
            emails=[e["value"] for e in as_array(rec.get("emails"))],
            organization=_named(store, "organization", rec.get("org_id")),
            notes=[],
        )
    elif kind == "organization":
        base.update(name=rec["name"], address=as_object(rec.get("address")).get("value"), notes=[])
    elif kind == "product":
        base.update(name=rec["name"], code=rec.get("code"))
    elif kind == "lead":
        value = as_object(rec.get("value"))
        base.update(
            title=rec["title"],
            person=_named(store, "person", rec.get("person_id")),
            organization=_named(store, "organization", rec.get("organization_id")),
            value=value.get("amount"),
            currency=value.get("currency"),
            visible_to=int(rec.get("visible_to") or 3),
            is_archived=rec.get("is_archived", False),
            notes=[],
        )
    elif kind == "project":
        base.update(
            title=rec["title"],
            status=rec.get("status"),
            board_id=rec.get("board_id"),
            phase=_named(store, "phase", rec.get("phase_id")),
            person=_named(store, "person", rec.get("person_id")),
            organization=_named(store, "organization", rec.get("org_id")),
            deal_count=len(as_array(rec.get("deal_ids"))),
            description=rec.get("description"),
            end_date=rec.get("end_date"),
            notes=[],
        )
    elif kind == "file":
        base.update(name=rec.get("name"), url=rec.get("url"))
    return base


def _term(call: Call) -> tuple[str, bool]:
    term = str(call.query.get("term") or "").strip().lower()
    exact = bool(call.query.get("exact_match"))
    if len(term) < (1 if exact else 2):
        raise BadRequest("term must be at least 2 characters long (1 with exact_match)")
    return term, exact


def _filtered(call: Call, kind: str) -> list[Record]:
    q = call.query
    rows = live(call.store, kind)
    if kind == "file":
        rows = [r for r in rows if r.get("active_flag", True)]
    org_key = "organization_id" if kind == "lead" else "org_id"
    if q.get("person_id") is not None:
        rows = [r for r in rows if r.get("person_id") == q["person_id"]]
    if q.get("organization_id") is not None:
        rows = [r for r in rows if r.get(org_key) == q["organization_id"]]
    if kind == "deal" and q.get("status"):
        rows = [r for r in rows if r["status"] == q["status"]]
    return rows


def hits(call: Call, kinds: list[str]) -> list[Record]:
    term, exact = _term(call)
    wanted = {p.strip() for p in str(call.query.get("fields") or "").split(",") if p.strip()}
    found: list[tuple[float, str, str, Record]] = []
    for kind in kinds:
        readers = SEARCH_FIELDS[kind]
        for rec in _filtered(call, kind):
            values = [
                v
                for name, read in readers.items()
                if not wanted or name in wanted
                for v in read(call.store, rec)
            ]
            best = score(term, values, "exact" if exact else "middle")
            if best:
                found.append((best, kind, str(rec["id"]), rec))
    found.sort(key=lambda h: (-h[0], h[1], h[2]))
    return [{"result_score": s, "item": item(call.store, kind, rec)} for s, kind, _, rec in found]


def _search(kind: str) -> Callable[[Call], Any]:
    def handle(call: Call) -> Answer:
        chunk, extra = page(call, hits(call, [kind]))
        return Answer({"items": chunk}, extra)

    return handle


for _op, _kind in (
    ("searchDeals", "deal"),
    ("searchPersons", "person"),
    ("searchOrganization", "organization"),
    ("searchProducts", "product"),
    ("searchLeads", "lead"),
    ("searchProjects", "project"),
):
    special("v2", _op)(_search(_kind))
special("v1", "searchLeads")(_search("lead"))


@special("v2", "searchItem")
def search_items(call: Call) -> Answer:
    raw = str(call.query.get("item_types") or "deal,person,organization,product,lead,file,project")
    types = [t.strip() for t in raw.split(",") if t.strip()]
    kinds = [t for t in types if t in SEARCH_FIELDS]  # mail attachments: the sandbox keeps no mailbox files
    found = hits(call, kinds)
    chunk, extra = page(call, found)
    related: list[Record] = []
    if call.query.get("search_for_related_items"):
        seen = {(h["item"]["type"], h["item"]["id"]) for h in chunk}
        for hit in chunk:
            for key, kind in (("organization", "organization"), ("person", "person")):
                ref = hit["item"].get(key)
                if ref and (kind, ref["id"]) not in seen:
                    rec = call.store.get(kind, ref["id"])
                    if rec:
                        seen.add((kind, ref["id"]))
                        related.append(
                            {"result_score": hit["result_score"], "item": item(call.store, kind, rec)}
                        )
    return Answer({"items": chunk, "related_items": related}, extra)


@special("v2", "searchItemByField")
def search_by_field(call: Call) -> Answer:
    kind, field, match = call.query["entity_type"], call.query["field"], call.query.get("match") or "exact"
    term = str(call.query.get("term") or "").strip().lower()
    if not term:
        raise BadRequest("term is required")
    rows = live(call.store, kind)
    if rows and field not in rows[0] and field not in as_object(rows[0].get("custom_fields")):
        raise BadRequest(f"field {field} is not a field of {kind}s")
    found: list[Any] = []
    for rec in rows:
        value = rec.get(field, as_object(rec.get("custom_fields")).get(field))
        best = score(term, [str(value)] if value is not None else [], match)
        if best:
            found.append({"result_score": best, "item": {"id": rec["id"], field: value}})
    found.sort(key=lambda h: -h["result_score"])
    chunk, extra = page(call, found)
    return Answer(chunk, extra)
