"""The generic handlers and the classification that picks one for each operation from its method and path.

`handler_for(op)` answers with the registered special handler for (version, operationId) if there is
one, else with a generic handler chosen from the path's shape:

    /{collection}                 GET list, POST create, DELETE bulk delete (ids)
    /{collection}/{id}            GET get, PUT/PATCH update, DELETE delete
    /{collection}/{id}/{child}    GET children, POST add child, DELETE remove children
    /{collection}/{id}/{child}/{child_id}   PUT/PATCH update child, DELETE remove child
"""

from __future__ import annotations

from typing import Any

from .call import Answer, Call
from .db import Record
from .records import ENTITIES
from .registry import SPECIAL, Handler
from .resources import CHILDREN, COLLECTIONS, RESOURCES
from .rules import apply, defaults
from .spec import Operation
from .store_ops import (
    create,
    fetch,
    ids_of,
    listing,
    log_changes,
    one,
    remove,
    save,
    touch,
    update,
)
from .views import live
from .wire import BadRequest, NotFound

# v2 entities whose create and update rules live in records.py (collection -> rules).
V2_RULES = {e.kind: e for e in ENTITIES.values()}
OWNER_KEYS = {"deal": "owner_id", "person": "owner_id", "organization": "owner_id", "product": "owner_id"}


class Unclassified(LookupError):
    """No special handler and no generic shape fits: a gap the served-operations test reports."""


def split(op: Operation) -> tuple[str, list[str]] | None:
    """(kind, the segments after the collection) for a path under a known collection."""
    segments = op.segments
    for width in (2, 1):
        head = "/".join(segments[:width])
        if head in COLLECTIONS and not any(s.startswith("{") for s in segments[:width]):
            return COLLECTIONS[head], segments[width:]
    return None


def is_param(segment: str) -> bool:
    return segment.startswith("{") and segment.endswith("}")


def handler_for(op: Operation) -> Handler:
    found = SPECIAL.get((op.version, op.operation_id))
    if found is not None:
        return found
    parts = split(op)
    if parts is None:
        raise Unclassified(op.key)
    kind, rest = parts
    method = op.method
    if not rest:
        table = {"GET": list_handler, "POST": create_handler, "DELETE": bulk_delete_handler}
    elif len(rest) == 1 and is_param(rest[0]):
        table = {"GET": get_handler, "PUT": update_handler, "PATCH": update_handler, "DELETE": delete_handler}
    elif len(rest) == 2 and is_param(rest[0]) and (kind, rest[1]) in CHILDREN:
        child, key = CHILDREN[(kind, rest[1])]
        return _children(kind, child, key, method)
    elif len(rest) == 3 and is_param(rest[0]) and is_param(rest[2]) and (kind, rest[1]) in CHILDREN:
        child, key = CHILDREN[(kind, rest[1])]
        return _child(kind, child, key, rest[2][1:-1], method)
    else:
        raise Unclassified(op.key)
    if method not in table:
        raise Unclassified(op.key)
    return table[method](kind)


# -- one collection ---------------------------------------------------------------------------------


def list_handler(kind: str) -> Handler:
    def handle(call: Call) -> Answer:
        return listing(call, kind)

    return handle


def get_handler(kind: str) -> Handler:
    def handle(call: Call) -> Answer:
        return one(call, kind, fetch(call.store, kind, call.id))

    return handle


def make(call: Call, kind: str, data: dict[str, Any], extra: dict[str, Any] | None = None) -> Record:
    """Create a record of any kind from a body (and fixed values such as the parent's id)."""
    data = {**data, **(extra or {})}
    if kind in V2_RULES:
        rec = V2_RULES[kind].create(call.store, data, call.moment)
        owner = OWNER_KEYS.get(kind)
        if owner and "owner_id" not in data:
            rec[owner] = call.user_id
        if kind == "activity":
            if "owner_id" not in data:
                rec["owner_id"] = call.user_id
            rec["creator_user_id"] = call.user_id
        if kind == "deal":
            rec["creator_user_id"] = call.user_id
        return rec
    rec = create(call, kind, data, defaults(kind))
    rec.update(extra or {})
    apply(call, kind, rec, data, True)
    return rec


def change(call: Call, kind: str, rec: Record, data: dict[str, Any]) -> Record:
    before = dict(rec)
    if kind in V2_RULES:
        V2_RULES[kind].update(call.store, rec, data, call.moment, False)
    else:
        update(call, kind, rec, data)
        apply(call, kind, rec, data, False)
    log_changes(call, kind, before, rec)
    return rec


def create_handler(kind: str) -> Handler:
    def handle(call: Call) -> Answer:
        with call.store.transaction() as store:
            rec = make(call, kind, call.data())
            save(store, kind, rec)
        return one(call, kind, rec)

    return handle


def update_handler(kind: str) -> Handler:
    def handle(call: Call) -> Answer:
        with call.store.transaction() as store:
            rec = fetch(store, kind, call.id)
            change(call, kind, rec, call.data())
            save(store, kind, rec)
        return one(call, kind, rec)

    return handle


def delete_handler(kind: str) -> Handler:
    def handle(call: Call) -> Answer:
        with call.store.transaction():
            rec = fetch(call.store, kind, call.id)
            guard_delete(call, kind, rec)
            remove(call, kind, rec)
        return Answer({"id": rec["id"]})

    return handle


def guard_delete(call: Call, kind: str, rec: Record) -> None:
    """Pipedrive refuses to orphan deals: a stage or pipeline that holds deals stays."""
    key = {"stage": "stage_id", "pipeline": "pipeline_id"}.get(kind)
    if key and any(d[key] == rec["id"] for d in live(call.store, "deal")):
        raise BadRequest(f"{RESOURCES[kind].label} {rec['id']} still holds deals; move or delete them first")
    if kind == "pipeline":
        for stage in call.store.all("stage"):
            if stage["pipeline_id"] == rec["id"]:
                stage["is_deleted"] = True
                save(call.store, "stage", stage)


def bulk_delete_handler(kind: str) -> Handler:
    def handle(call: Call) -> Answer:
        ids = ids_of(call.query.get("ids"))
        if not ids:
            raise BadRequest("ids is required")
        removed: list[Any] = []
        with call.store.transaction():
            for record_id in ids:
                rec = fetch(call.store, kind, record_id)
                guard_delete(call, kind, rec)
                remove(call, kind, rec)
                removed.append(rec["id"])
        return Answer({"id": removed})

    return handle


# -- children of a parent ---------------------------------------------------------------------------


def _children(parent: str, child: str, key: str, method: str) -> Handler:
    def list_children(call: Call) -> Answer:
        owner = fetch(call.store, parent, call.id)
        rows = [r for r in live(call.store, child) if r.get(key) == owner["id"]]
        return listing(call, child, rows)

    def add_child(call: Call) -> Answer:
        with call.store.transaction() as store:
            owner = fetch(store, parent, call.id)
            rec = make(call, child, call.data(), {key: owner["id"]})
            save(store, child, rec)
            touch(call, parent, owner)
            save(store, parent, owner)
        return one(call, child, rec)

    def remove_children(call: Call) -> Answer:
        owner = fetch(call.store, parent, call.id)
        ids = ids_of(call.query.get("ids"))
        rows = [r for r in live(call.store, child) if r.get(key) == owner["id"]]
        if ids:
            rows = [r for r in rows if r["id"] in ids]
        with call.store.transaction():
            for rec in rows:
                remove(call, child, rec)
        return Answer({"ids": [r["id"] for r in rows]}, {"more_items_in_collection": False})

    table = {"GET": list_children, "POST": add_child, "DELETE": remove_children}
    if method not in table:
        raise Unclassified((parent, child, method))
    return table[method]


def _child(parent: str, child: str, key: str, id_name: str, method: str) -> Handler:
    def find(call: Call) -> tuple[Record, Record]:
        owner = fetch(call.store, parent, call.id)
        rec = fetch(call.store, child, call.path[id_name])
        if rec.get(key) != owner["id"]:
            raise NotFound(f"{RESOURCES[child].label} not found on this {RESOURCES[parent].label.lower()}")
        return owner, rec

    def get_child(call: Call) -> Answer:
        return one(call, child, find(call)[1])

    def update_child(call: Call) -> Answer:
        with call.store.transaction() as store:
            _, rec = find(call)
            change(call, child, rec, call.data())
            save(store, child, rec)
        return one(call, child, rec)

    def delete_child(call: Call) -> Answer:
        with call.store.transaction():
            _, rec = find(call)
            remove(call, child, rec)
        return Answer({"id": rec["id"]})

    table = {"GET": get_child, "PUT": update_child, "PATCH": update_child, "DELETE": delete_child}
    if method not in table:
        raise Unclassified((parent, child, method))
    return table[method]
