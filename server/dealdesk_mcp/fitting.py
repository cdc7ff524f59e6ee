"""The fit stage: lists of records become tables, and no answer passes the size cap without saying
what was cut and how to get it. Nothing is lost: a cut list's `page.next` resumes at the first item
not shown, and what a walk gathered (or a single answer held) beyond the cap is kept in a file."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dealdesk_mcp import files, pagination
from dealdesk_mcp.answers import Fitted, dumps
from dealdesk_mcp.call import Call
from dealdesk_mcp.jsonvalues import is_array, is_object
from dealdesk_mcp.route import ListInput

# Lists of at least this many records go out as a table: each key once, not once per record.
TABLE_MIN_ROWS = 3
# Nested objects whose keys become columns of their own (custom fields, Attio attribute values).
FLATTENED = ("custom_fields", "values")
# Room kept for the page summary and the note about what was cut.
SUMMARY_ROOM = 800


def _columns_of(items: list[dict[str, Any]]) -> dict[str, str]:
    """Column name per nested key (`custom_fields`/`values` members), decided for the whole table:
    a nested key that any row also has as a key of its own, or that two containers share, keeps its
    container's name in front ("custom_fields.id"), so no column hides another."""
    own = {key for item in items for key in item if key not in FLATTENED}
    seen: dict[str, int] = {}
    for item in items:
        for container in FLATTENED:
            nested = item.get(container)
            if is_object(nested):
                for key in nested:
                    seen.setdefault(f"{container}\0{key}", 0)
    names: dict[str, str] = {}
    plain_count: dict[str, int] = {}
    for joined in seen:
        key = joined.split("\0", 1)[1]
        plain_count[key] = plain_count.get(key, 0) + 1
    for joined in seen:
        container, key = joined.split("\0", 1)
        clash = key in own or plain_count[key] > 1
        names[joined] = f"{container}.{key}" if clash else key
    return names


def _flatten(item: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    out = {k: v for k, v in item.items() if k not in FLATTENED or not is_object(v)}
    for container in FLATTENED:
        nested = item.get(container)
        if not is_object(nested):
            continue
        for key, value in nested.items():
            column = names[f"{container}\0{key}"]
            if is_object(value) and "value" in value:
                # Monetary and range values ({"value", "currency"} ...): one column per part,
                # as Pipedrive v1 does with its <key>_currency siblings.
                out[column] = value["value"]
                out.update({f"{column} {part}": v for part, v in value.items() if part != "value"})
            else:
                out[column] = value
    return out


def as_table(items: list[Any]) -> Any:
    """A list of records as {"columns", "rows", "same"}: each key written once, and columns holding
    one value in every row given once in `same`. Other lists are returned unchanged."""
    if len(items) < TABLE_MIN_ROWS or not all(is_object(i) for i in items):
        return items
    names = _columns_of(items)
    flat = [_flatten(item, names) for item in items]
    columns = list(dict.fromkeys(key for item in flat for key in item))
    same: dict[str, Any] = {}
    first = flat[0]
    for column in columns:
        value = first.get(column)
        if column != "id" and value is not None and all(item.get(column, None) == value for item in flat):
            same[column] = value
    shown = [c for c in columns if c not in same]
    table: dict[str, Any] = {"columns": shown, "rows": [[item.get(c) for c in shown] for item in flat]}
    if same:
        table["same"] = same
    return table


def _save(folder: Path, tool: str, text: str) -> str:
    return files.write_json_file(folder, f"{tool}-{int(time.time())}.json", text)  # scrubbed by the caller


def fit_object(
    answer: dict[str, Any], *, limit: int, tool: str, folder: Path, scrub: Callable[[str], str]
) -> Fitted:
    """A single answer within `limit`, or a cut note with its beginning and a file holding all of it."""
    text = dumps(answer)
    if len(text) <= limit:
        return Fitted(answer, text)
    clean = scrub(text)  # secrets out before a preview is cut from it or a file written
    saved = _save(folder, tool, clean)
    cut = {
        "note": f"the answer is {len(text)} characters, over the {limit} limit; the whole of it is in the file",
        "full_answer_file": saved,
        "preview": clean[: max(0, limit - SUMMARY_ROOM)],
    }
    value = {"cut": cut}
    return Fitted(value, dumps(value))


def fit_list(
    answer: dict[str, Any],
    items: list[Any],
    *,
    limit: int,
    tool: str,
    folder: Path,
    scrub: Callable[[str], str],
    resume: Callable[[int], dict[str, Any] | None],
    walked: bool,
    table: bool = True,
) -> Fitted:
    """A list answer within `limit`: as a table, cut at item boundaries when it must be. `resume(i)`
    gives the arguments that continue the list at item i; a walk that gathered more than fits also
    keeps everything it gathered in a file (the items cost calls, and the agent asked for them)."""
    data = as_table(items) if table else items
    shown = {**answer, "data": data}
    text = dumps(shown)
    if len(text) <= limit:
        return Fitted(shown, text)
    rest = {k: v for k, v in answer.items() if k != "data"}
    rows: list[Any] = data["rows"] if is_object(data) else data
    sizes = [len(dumps(row)) + 1 for row in rows]
    frame = len(dumps({**data, "rows": []})) if is_object(data) else 2
    budget = limit - len(dumps(rest)) - frame - SUMMARY_ROOM
    ids = [item.get("id") if is_object(item) else None for item in items]
    keep = _fitting(sizes, budget)
    # Every id stays in the answer: those of the items cut are listed too, while they fit in a
    # quarter of the room (a walk of thousands keeps them in the file only).
    ids_text = len(dumps(ids[keep:]))
    listed_ids = any(i is not None for i in ids[keep:]) and ids_text <= budget // 4
    if listed_ids:
        keep = _fitting(sizes, budget - ids_text)
    cut: dict[str, Any] = {
        "note": f"showing {keep} of {len(items)} items (answer cap {limit} characters); "
        "page.next continues at the first item not shown",
        "items_shown": keep,
        "items_cut": len(items) - keep,
    }
    if listed_ids:
        cut["ids_cut"] = ids[keep:]
    oversized = keep == 0
    if oversized:
        # Even the first item is over the cap: it is kept in the file, and next goes past it.
        cut["note"] = f"the first item alone is over the answer cap ({limit} characters); it is in the file"
    if walked or oversized:
        cut["full_answer_file"] = _save(folder, tool, scrub(dumps({**answer, "data": items})))
    page = dict(rest.get("page") or {})
    following = resume(max(keep, 1))
    page["count"] = keep
    page["more"] = True
    if following is not None:
        page["next"] = following
    kept = {**data, "rows": rows[:keep]} if is_object(data) else rows[:keep]
    value = {**rest, "data": kept, "page": page, "cut": cut}
    return Fitted(value, dumps(value))


def _fitting(sizes: list[int], budget: int) -> int:
    """How many leading rows, of these sizes, fit in `budget` characters."""
    used = 0
    for count, size in enumerate(sizes):
        used += size
        if used > budget:
            return count
    return len(sizes)


async def fit(call: Call) -> None:
    shaped = call.shaped
    assert shaped is not None
    limit = call.settings.max_answer_chars
    folder = call.account.download_dir
    walk = call.walk
    if walk is not None and not call.raw and is_array(shaped.get("data")):

        def resume(index: int) -> dict[str, Any] | None:
            if index >= len(walk.items):
                return (walk.last.next_args if walk.last else None) or None
            page, inside = walk.page_of(index)
            return pagination.resume_at(call.route, page, inside)

        model = call.model
        call.result = fit_list(
            shaped,
            shaped["data"],
            limit=limit,
            tool=call.entry.name,
            folder=folder,
            scrub=call.account.scrub,
            resume=resume,
            walked=isinstance(model, ListInput) and bool(model.max_items),
        )
    else:
        call.result = fit_object(
            shaped, limit=limit, tool=call.entry.name, folder=folder, scrub=call.account.scrub
        )
