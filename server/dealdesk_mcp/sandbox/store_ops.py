"""The shared machinery every resource uses: ids, fetch, create/update/delete with stamps and change
logs, link checks, filtering, sorting and paging (both API versions' styles)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from .call import Answer, Call
from .db import Record, Store
from .jsontypes import as_object, is_array, is_object
from .project import merged
from .resources import LINKS, RESOURCES, UNCHECKED_LINKS, Resource
from .views import alive, live, related_objects, view
from .wire import BadRequest, NotFound, v2_time

DEFAULT_LIMIT = 100


def new_id(store: Store, res: Resource) -> Any:
    number = store.next_id(res.kind)
    if res.ids == "uuid":
        return str(uuid.UUID(bytes=hashlib.sha256(f"{res.kind}:{number}".encode()).digest()[:16], version=4))
    if res.ids == "hex":
        return hashlib.sha256(f"{res.kind}:{number}".encode()).hexdigest()[:24]
    return number


def fetch(store: Store, kind: str, record_id: Any) -> Record:
    """A record addressed by the URL: absent or deleted is a 404 in Pipedrive's words."""
    rec = store.get(kind, record_id) if record_id is not None else None
    if rec is None and isinstance(record_id, str) and record_id.isdigit():
        rec = store.get(kind, int(record_id))
    if not alive(kind, rec):
        raise NotFound(f"{RESOURCES[kind].label} not found")
    assert rec is not None
    return rec


def require(store: Store, kind: str, record_id: Any, label: str) -> Record:
    """A record named in a body: absent is a 400 (the body, not the URL, is wrong)."""
    rec = store.get(kind, record_id)
    if not alive(kind, rec):
        raise BadRequest(f"{label} with id {record_id} does not exist")
    assert rec is not None
    return rec


def check_links(store: Store, kind: str, data: Mapping[str, Any]) -> None:
    skip = UNCHECKED_LINKS.get(kind, frozenset())
    for key, value in data.items():
        target = LINKS.get(key)
        if target is None or key in skip or value in (None, "", 0) or isinstance(value, bool | dict):
            continue
        if is_array(value):
            continue
        require(store, target, value, RESOURCES[target].label)


def body_fields(call: Call) -> set[str]:
    schema = merged(call.op.body_schema or {})
    return set(schema.get("properties") or {})


def take(call: Call, data: Mapping[str, Any], rec: Record) -> None:
    """Copy the documented body fields into a record."""
    allowed = body_fields(call)
    for key, value in data.items():
        if key in allowed:
            rec[key] = value


def create(
    call: Call, kind: str, data: Mapping[str, Any], defaults: Mapping[str, Any] | None = None
) -> Record:
    """A new record of `kind` from the documented fields of `data`, owned by the caller."""
    res = RESOURCES[kind]
    check_links(call.store, kind, data)
    rec: Record = dict(defaults or {})
    take(call, data, rec)
    rec = {**rec, **{k: v for k, v in (defaults or {}).items() if k not in rec}}
    if res.owner_key and rec.get(res.owner_key) in (None, ""):
        rec[res.owner_key] = call.user_id
    if res.stamps:
        rec.setdefault("add_time", v2_time(call.moment))
        rec["update_time"] = v2_time(call.moment)
    if res.delete == "soft":
        rec.setdefault("is_deleted", False)
    if res.delete == "flag":
        rec.setdefault("active_flag", True)
    rec["id"] = new_id(call.store, res)
    return rec


# A parent whose field is the total of its children's (deal value = sum of its product lines, as in
# Pipedrive once a deal has products): child kind -> (parent kind, link key, parent field, child field).
ROLL_UPS = {"deal_product": ("deal", "deal_id", "value", "sum")}


def save(store: Store, kind: str, rec: Record) -> Record:
    store.put(kind, rec["id"], rec)
    _roll_up(store, kind, rec)
    return rec


def _roll_up(store: Store, kind: str, rec: Record) -> None:
    if kind not in ROLL_UPS:
        return
    parent_kind, link, total_field, part_field = ROLL_UPS[kind]
    parent = store.get(parent_kind, rec.get(link))
    parts = store.index(kind, link).get(rec.get(link), [])
    if parent is None or not parts:
        return  # with no parts left the parent keeps the value it had
    total = round(sum(float(p.get(part_field) or 0) for p in parts), 2)
    if parent.get(total_field) != total:
        parent[total_field] = total
        store.put(parent_kind, parent["id"], parent)


def update(call: Call, kind: str, rec: Record, data: Mapping[str, Any]) -> Record:
    check_links(call.store, kind, data)
    take(call, data, rec)
    touch(call, kind, rec)
    return rec


def touch(call: Call, kind: str, rec: Record) -> None:
    if RESOURCES[kind].stamps:
        rec["update_time"] = v2_time(call.moment)


def log_changes(call: Call, kind: str, before: Record, after: Record) -> None:
    """Remember what an update changed, for the changelog and flow operations."""
    for key, new in after.items():
        old = before.get(key)
        if key in ("update_time",) or old == new or isinstance(new, dict | list):
            continue
        entry_id = call.store.next_id("change")
        call.store.put(
            "change",
            entry_id,
            {
                "id": entry_id,
                "item_kind": kind,
                "item_id": after["id"],
                "field_key": key,
                "old_value": None if old is None else str(old),
                "new_value": None if new is None else str(new),
                "actor_user_id": call.user_id,
                "time": v2_time(call.moment),
                "change_source": "api",
                "change_source_user_agent": call.request.headers.get("user-agent", "sandbox"),
                "is_bulk_update_flag": False,
            },
        )


def remove(call: Call, kind: str, rec: Record) -> None:
    res = RESOURCES[kind]
    if res.delete == "hard":
        call.store.delete(kind, rec["id"])
        _roll_up(call.store, kind, rec)
        return
    if res.delete == "soft":
        rec["is_deleted"] = True
    else:
        rec["active_flag"] = False
    touch(call, kind, rec)
    save(call.store, kind, rec)


# -- lists ------------------------------------------------------------------------------------------

PAGING = {"cursor", "limit", "start", "sort", "sort_by", "sort_direction", "include_fields", "custom_fields"}


def ids_of(value: Any) -> list[Any] | None:
    """An `ids` parameter (comma-separated text or a list) as a list of ids."""
    if value is None or value == "":
        return None
    parts = value if is_array(value) else str(value).split(",")
    out: list[Any] = []
    for part in parts:
        text = str(part).strip()
        if text:
            out.append(int(text) if text.lstrip("-").isdigit() else text)
    return out


def filter_rows(call: Call, rows: list[Record], kind: str, *, skip: Iterable[str] = ()) -> list[Record]:
    """Keep the rows matching every documented filter the query names (equality on the record's own
    field, `ids` lists, update-time windows); filters that name no field of the kind are not filters."""
    q = call.query
    skipped = set(skip) | PAGING
    since, until = q.get("updated_since") or q.get("since"), q.get("updated_until") or q.get("until")
    ids = ids_of(q.get("ids"))
    out: list[Record] = []
    for rec in rows:
        if ids is not None and rec.get("id") not in ids:
            continue
        if since and (rec.get("update_time") or "") < _stamp(since):
            continue
        if until and (rec.get("update_time") or "") >= _stamp(until):
            continue
        keep = True
        for name, wanted in q.items():
            if name in skipped or name in ("ids", "updated_since", "updated_until", "since", "until"):
                continue
            field = "org_id" if name == "organization_id" and "org_id" in rec else name
            if field not in rec or is_array(wanted):
                continue
            value = rec.get(field)
            if is_object(value):
                value = value.get("id", value.get("value"))
            if isinstance(wanted, bool):
                keep = bool(value) == wanted
            elif isinstance(value, int | float) and not isinstance(value, bool) and isinstance(wanted, str):
                keep = str(value) == wanted
            else:
                keep = value == wanted or str(value) == str(wanted)
            if not keep:
                break
        if keep:
            out.append(rec)
    return out


def _stamp(text: str) -> str:
    text = str(text).strip().replace(" ", "T")
    if len(text) == 10:
        text += "T00:00:00"
    return text.replace("+00:00", "").rstrip("Z") + "Z"


def sort_rows(call: Call, rows: list[Record]) -> list[Record]:
    q = call.query
    if q.get("sort_by"):
        key = q["sort_by"]
        descending = q.get("sort_direction") == "desc"
        return sorted(rows, key=lambda r: _key(r.get(key)), reverse=descending)
    if isinstance(q.get("sort"), str) and q["sort"].strip():
        for part in reversed([p.strip() for p in q["sort"].split(",") if p.strip()]):
            name, _, direction = part.partition(" ")
            if rows and name not in rows[0] and name != "id":
                raise BadRequest(f"sort: {name} is not a field of these items")
            rows = sorted(rows, key=lambda r, n=name: _key(r.get(n)), reverse=direction.upper() == "DESC")
        return rows
    return rows


def _key(value: Any) -> tuple[int, Any]:
    if value is None:
        return (1, "")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (0, float(value))
    return (0, str(value).lower())


def limit_of(call: Call) -> int:
    limit = call.query.get("limit")
    if limit is None:
        return DEFAULT_LIMIT
    if limit < 1:
        raise BadRequest("limit must be at least 1")
    return min(int(limit), 500)


def encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode().rstrip("=")


def decode_cursor(cursor: Any) -> int:
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(str(cursor) + "=" * (-len(str(cursor)) % 4)).decode()
        prefix, _, number = text.partition(":")
        if prefix != "offset":
            raise ValueError(text)
        return max(int(number), 0)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise BadRequest("cursor is not valid") from None


def wraps_pagination(call: Call) -> bool:
    """Whether this operation's document nests v1 paging facts under additional_data.pagination."""
    schema = merged(call.op.success_schema or {})
    extra = merged(as_object(as_object(schema.get("properties")).get("additional_data")))
    return "pagination" in as_object(extra.get("properties"))


def page(call: Call, rows: list[Any]) -> tuple[list[Any], dict[str, Any] | None]:
    """One page of rows in the style this operation documents, and its additional_data."""
    names = call.op.query_names
    limit = limit_of(call)
    if "cursor" in names:
        start = decode_cursor(call.query.get("cursor"))
        chunk = rows[start : start + limit]
        more = start + limit < len(rows)
        return chunk, {"next_cursor": encode_cursor(start + limit) if more else None}
    if "start" in names:
        start = call.query.get("start") or 0
        if start < 0:
            raise BadRequest("start must not be negative")
        chunk = rows[start : start + limit]
        more = start + limit < len(rows)
        block: dict[str, Any] = {"start": start, "limit": limit, "more_items_in_collection": more}
        if wraps_pagination(call):
            if more:
                block["next_start"] = start + limit
            return chunk, {"pagination": block}
        return chunk, block
    if "limit" in names:
        return rows[:limit], None
    return rows, None


def listing(
    call: Call,
    kind: str,
    rows: list[Record] | None = None,
    *,
    skip: Iterable[str] = (),
    shape: Callable[[Record], Any] | None = None,
    related: bool = True,
) -> Answer:
    """The standard list answer: filter, sort, page, view, and v1's related objects."""
    rows = live(call.store, kind) if rows is None else rows
    rows = sort_rows(call, filter_rows(call, rows, kind, skip=skip))
    chunk, extra = page(call, rows)
    shaped = [shape(r) if shape else view(call.store, kind, r, call.version, call.query) for r in chunk]
    rel = related_objects(call.store, chunk) if related and call.version == "v1" else None
    return Answer(shaped, extra, rel)


def one(call: Call, kind: str, rec: Record, **kw: Any) -> Answer:
    data = view(call.store, kind, rec, call.version, call.query)
    rel = related_objects(call.store, [rec]) if call.version == "v1" else None
    return Answer(data, related_objects=rel, **kw)


def moment_text(moment: datetime) -> str:
    return v2_time(moment)
