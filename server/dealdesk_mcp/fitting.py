"""The fit stage: lists of records become tables, and no answer passes the size cap without saying
what was cut and how to get it. Nothing is lost: a cut list's `page.next` resumes at the first item
not shown, and what a walk gathered (or a single answer held) beyond the cap is kept in a file."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

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


def as_table(items: list[Any]) -> Any:
    """A list of records as {"columns", "rows", "same"}: each key written once, and columns holding
    one value in every row given once in `same`. Other lists are returned unchanged.

    Custom fields and Attio values become columns of their own. A nested key that any record also has
    as a key of its own, or that two containers share, keeps its container's name in front
    ("custom_fields.id"), decided for the whole table, so no column hides another. Monetary and range
    values ({"value", "currency"} ...) get a column per part, as Pipedrive v1 does with <key>_currency."""
    if len(items) < TABLE_MIN_ROWS or not all(type(i) is dict for i in items):
        return items
    records: list[dict[str, Any]] = items
    own: dict[str, None] = {}
    nested: dict[tuple[str, str], dict[str, None]] = {}  # (container, key) -> the parts seen
    for record in records:
        for key, value in record.items():
            if key in FLATTENED and type(value) is dict:
                for name, part in cast(dict[str, Any], value).items():
                    parts = nested.setdefault((key, name), {})
                    if type(part) is dict and "value" in part:
                        parts.update(dict.fromkeys(cast(dict[str, Any], part)))
            else:
                own[key] = None
    shared: dict[str, int] = {}
    for _, name in nested:
        shared[name] = shared.get(name, 0) + 1
    # Each column: (header, container or None, key, part or None).
    reads: list[tuple[str, str | None, str, str | None]] = [(key, None, key, None) for key in own]
    for (container, name), parts in nested.items():
        header = f"{container}.{name}" if name in own or shared[name] > 1 else name
        if parts:
            reads.append((header, container, name, "value"))
            reads += [(f"{header} {part}", container, name, part) for part in parts if part != "value"]
        else:
            reads.append((header, container, name, None))
    columns = [_column(records, container, key, part) for _, container, key, part in reads]
    same: dict[str, Any] = {}
    shown: list[int] = []
    for index, values in enumerate(columns):
        first = values[0]
        header = reads[index][0]
        if header != "id" and first is not None and all(v == first for v in values):
            same[header] = first
        else:
            shown.append(index)
    rows: list[list[Any]] = (
        [list[Any](row) for row in zip(*(columns[i] for i in shown), strict=True)]
        if shown
        else [[] for _ in records]
    )
    table: dict[str, Any] = {"columns": [reads[i][0] for i in shown], "rows": rows}
    if same:
        table["same"] = same
    return table


def _column(records: list[dict[str, Any]], container: str | None, key: str, part: str | None) -> list[Any]:
    """One column's values, row by row (None where a record has none)."""
    if container is None:
        return [record.get(key) for record in records]
    values: list[Any] = []
    for record in records:
        box: Any = record.get(container)
        value: Any = cast(dict[str, Any], box).get(key) if type(box) is dict else None
        if part is not None:
            value = (
                cast(dict[str, Any], value).get(part)
                if type(value) is dict
                else (value if part == "value" else None)
            )
        values.append(value)
    return values


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
