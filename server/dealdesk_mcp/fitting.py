"""The fit stage: lists of records become tables, and no answer passes the size cap without saying
what was cut and how to get it. Nothing is lost: a cut list's `page.next` resumes at the first item
not shown, and what a walk gathered (or a single answer held) beyond the cap is kept in a file."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from itertools import repeat
from pathlib import Path
from typing import Any, cast

from dealdesk_mcp import files, pagination
from dealdesk_mcp.answers import Fitted, dump_bytes, dump_chunks, dumps
from dealdesk_mcp.call import Call
from dealdesk_mcp.decode import collector_paused
from dealdesk_mcp.jsonvalues import is_array, is_object
from dealdesk_mcp.route import ListInput

# Lists of at least this many records go out as a table: each key once, not once per record.
TABLE_MIN_ROWS = 3
# Nested objects whose keys become columns of their own (custom fields, Attio attribute values).
FLATTENED = ("custom_fields", "values")
# Room kept for the page summary and the note about what was cut.
SUMMARY_ROOM = 800
# Lists longer than this (a walk's) are measured row by row before being written out whole.
PROBE_ROWS = 500


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
    own, nested = _keys(records)
    shared: dict[str, int] = {}
    for _, name in nested:
        shared[name] = shared.get(name, 0) + 1
    # Column work is done once per column over all rows, in C where it can be (map over dict.get),
    # not once per cell.
    headers: list[str] = list(own)
    columns: list[list[Any]] = [list(map(_get, records, repeat(key))) for key in own]
    boxes: dict[str, list[dict[str, Any]]] = {}
    for container, name in nested:
        header = f"{container}.{name}" if name in own or shared[name] > 1 else name
        inside = boxes.get(container)
        if inside is None:
            inside = boxes[container] = [_box(record.get(container)) for record in records]
        values: list[Any] = list(map(_get, inside, repeat(name)))
        parts = _parts(values)
        if parts:
            headers.append(header)
            columns.append(_part(values, "value"))
            for part in parts:
                if part != "value":
                    headers.append(f"{header} {part}")
                    columns.append(_part(values, part))
        else:
            headers.append(header)
            columns.append(values)
    same: dict[str, Any] = {}
    shown: list[int] = []
    count = len(records)
    for index, values in enumerate(columns):
        first = values[0]
        header = headers[index]
        # `count` compares like `==` (after an identity check, which only NaN tells apart: excluded).
        if header != "id" and first is not None and first == first and values.count(first) == count:
            same[header] = first
        else:
            shown.append(index)
    rows: list[list[Any]] = (
        list(map(list, zip(*(columns[i] for i in shown), strict=True))) if shown else [[] for _ in records]
    )
    table: dict[str, Any] = {"columns": [headers[i] for i in shown], "rows": rows}
    if same:
        table["same"] = same
    return table


_NO_BOX: dict[str, Any] = {}
# `record.get(key)` as a function of both, for map() (a C loop, no bytecode per row).
_get: Callable[[dict[str, Any], str], Any] = dict[str, Any].get


def _keys(records: list[dict[str, Any]]) -> tuple[dict[str, None], dict[tuple[str, str], None]]:
    """The table's own keys and its nested (container, key) pairs, each in first-seen order."""
    own: dict[str, None] = {}
    names: dict[str, None] = {}
    container: str | None = None
    for record in records:
        # Records mostly repeat keys already seen: a subset test (no new dict) spares adding them.
        if not record.keys() <= own.keys():
            own.update(dict.fromkeys(record))
        for key in FLATTENED:
            box: Any = record.get(key, _NO_BOX)
            if box is _NO_BOX:
                continue
            if type(box) is not dict or (container is not None and key != container):
                # Rare: a container holding a plain value, or both kinds of container in one table.
                return _keys_one_by_one(records)
            container = key
            inner = cast(dict[str, Any], box)
            if not inner.keys() <= names.keys():
                names.update(dict.fromkeys(inner))
    if container is None:
        return own, {}
    own.pop(container, None)
    return own, {(container, name): None for name in names}


def _keys_one_by_one(records: list[dict[str, Any]]) -> tuple[dict[str, None], dict[tuple[str, str], None]]:
    """`_keys` key by key: a container's key holding a plain value is a column of its own where it is
    first seen, and the pairs of two kinds of container interleave as the records have them."""
    own: dict[str, None] = {}
    nested: dict[tuple[str, str], None] = {}
    for record in records:
        for key, value in record.items():
            if key in FLATTENED and type(value) is dict:
                for name in cast(dict[str, Any], value):
                    nested[(key, name)] = None
            else:
                own[key] = None
    return own, nested


def _parts(values: list[Any]) -> dict[str, None]:
    """The parts of the monetary and range values ({"value", ...} objects) in a nested column, in
    first-seen order; none for a column of plain values."""
    parts: dict[str, None] = {}
    if dict not in map(type, values):
        return parts
    for value in values:
        if type(value) is dict and "value" in value and not value.keys() <= parts.keys():
            parts.update(dict.fromkeys(cast(dict[str, Any], value)))
    return parts


def _box(value: Any) -> dict[str, Any]:
    return cast(dict[str, Any], value) if type(value) is dict else _NO_BOX


def _part(values: list[Any], part: str) -> list[Any]:
    """One part of monetary and range values (a plain value counts as the "value" part)."""
    if part == "value":
        return [cast(dict[str, Any], v).get(part) if type(v) is dict else v for v in values]
    return [cast(dict[str, Any], v).get(part) if type(v) is dict else None for v in values]


def _save(folder: Path, tool: str, text: str | Iterable[bytes]) -> str:
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
    secrets: Sequence[str],
    resume: Callable[[int], dict[str, Any] | None],
    walked: bool,
    table: bool = True,
) -> Fitted:
    """A list answer within `limit`: as a table, cut at item boundaries when it must be. `resume(i)`
    gives the arguments that continue the list at item i; a walk that gathered more than fits also
    keeps everything it gathered in a file (the items cost calls, and the agent asked for them), with
    `secrets` the API echoed redacted (longest first, as the account scrubs them)."""
    data = as_table(items) if table else items
    rows: list[Any] = data["rows"] if is_object(data) else data
    sizes: list[int] = []
    # A long list whose rows alone are over the cap (each measured as its JSON and a comma, as
    # `_fitting` does) is not written out whole to learn that it is over (a walk's table is megabytes).
    if len(rows) <= PROBE_ROWS or _fitting(rows, limit + 1, sizes) == len(rows):
        shown = {**answer, "data": data}
        text = dumps(shown)
        if len(text) <= limit:
            return Fitted(shown, text)
        del text, shown
    rest = {k: v for k, v in answer.items() if k != "data"}
    frame = len(dumps({**data, "rows": []})) if is_object(data) else 2
    budget = limit - len(dumps(rest)) - frame - SUMMARY_ROOM
    ids = [item.get("id") if is_object(item) else None for item in items]
    keep = _fitting(rows, budget, sizes)
    # Every id stays in the answer: those of the items cut are listed too, while they fit in a
    # quarter of the room (a walk of thousands keeps them in the file only).
    ids_text = len(dumps(ids[keep:]))
    listed_ids = any(i is not None for i in ids[keep:]) and ids_text <= budget // 4
    if listed_ids:
        keep = _fitting(rows, budget - ids_text, sizes)
    cut: dict[str, Any] = {
        "note": f"showing {keep} of {len(items)} items (answer cap {limit} characters); "
        "page.next continues at the first item not shown",
        "items_shown": keep,
        "items_cut": len(items) - keep,
    }
    if listed_ids:
        cut["ids_cut"] = ids[keep:]
    kept = {**data, "rows": rows[:keep]} if is_object(data) else rows[:keep]
    del data, rows  # the rows not shown go before the file is written (a walk's peak of memory)
    oversized = keep == 0
    if oversized:
        # Even the first item is over the cap: it is kept in the file, and next goes past it.
        cut["note"] = f"the first item alone is over the answer cap ({limit} characters); it is in the file"
    if walked or oversized:
        whole = {**answer, "data": items}
        # Written a few hundred items at a time (cut apart at the commas between items), each piece
        # redacted on its own: a secret holding a comma could span two pieces, so then it is one piece.
        pieces = dump_chunks(whole, "data")
        if any("," in secret for secret in secrets):
            pieces = iter([dump_bytes(whole)])
        cut["full_answer_file"] = _save(folder, tool, (files.redacted(piece, secrets) for piece in pieces))
    page = dict(rest.get("page") or {})
    following = resume(max(keep, 1))
    page["count"] = keep
    page["more"] = True
    if following is not None:
        page["next"] = following
    value = {**rest, "data": kept, "page": page, "cut": cut}
    return Fitted(value, dumps(value))


def _fitting(rows: list[Any], budget: int, sizes: list[int]) -> int:
    """How many leading rows fit in `budget` characters, each measured as its JSON and a comma. Rows
    are measured only until the budget is spent; `sizes` keeps the measures for the next question."""
    used = 0
    for count, row in enumerate(rows):
        if count == len(sizes):
            sizes.append(len(dumps(row)) + 1)
        used += sizes[count]
        if used > budget:
            return count
    return len(rows)


async def fit(call: Call) -> None:
    with collector_paused():
        _fit(call)


def _fit(call: Call) -> None:
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
            secrets=call.account.secrets(),
            resume=resume,
            walked=isinstance(model, ListInput) and bool(model.max_items),
        )
    else:
        call.result = fit_object(
            shaped, limit=limit, tool=call.entry.name, folder=folder, scrub=call.account.scrub
        )
