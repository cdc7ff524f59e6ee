"""The fit stage: lists of records become tables, and no answer passes the size cap without saying
what was cut and how to get it. Nothing is lost: a cut list's `page.next` resumes at the first item
not shown, and what a walk gathered (or a single answer held) beyond the cap is kept in a file."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, cast

from dealdesk_mcp import collector, files, pagination
from dealdesk_mcp.answers import Fitted, dump_bytes, dump_chunks, dumps
from dealdesk_mcp.call import Call
from dealdesk_mcp.jsonvalues import is_array, is_object
from dealdesk_mcp.route import ListInput
from dealdesk_mcp.tables import Table, tabled

# Room kept for the page summary and the note about what was cut.
SUMMARY_ROOM = 800
# Lists longer than this (a walk's) are measured row by row before being written out whole.
PROBE_ROWS = 500


def _save(folder: Path, tool: str, text: str | Iterable[bytes], secrets: Sequence[str] = ()) -> str:
    return files.write_json_file(folder, f"{tool}-{int(time.time())}.json", text, secrets)


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
    items: list[Any] | Table,
    *,
    limit: int,
    tool: str,
    folder: Path,
    secrets: Sequence[str],
    resume: Callable[[int], dict[str, Any] | None],
    walked: bool,
    table: bool = True,
) -> Fitted:
    """A list answer within `limit`: as a table, cut at item boundaries when it must be. `items` are
    the records, or their Table already made by the shape stage. `resume(i)` gives the arguments that
    continue the list at item i; a walk that gathered more than fits also keeps everything it gathered
    in a file (the items cost calls, and the agent asked for them), with `secrets` the API echoed
    redacted (longest first, as the account scrubs them)."""
    made = items if isinstance(items, Table) else tabled(items) if table else None
    if made is not None:
        data: Any = made.value
        rows: list[Any] = made.value["rows"]
        ids = made.ids
    else:
        data = rows = cast(list[Any], items)
        ids = [item.get("id") if is_object(item) else None for item in rows]
    records = made.records if made is not None else None
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
    frame = len(dumps({**data, "rows": []})) if made is not None else 2
    budget = limit - len(dumps(rest)) - frame - SUMMARY_ROOM
    keep = _fitting(rows, budget, sizes)
    # Every id stays in the answer: those of the items cut are listed too, while they fit in a
    # quarter of the room (a walk of thousands keeps them in the file only).
    ids_text = len(dumps(ids[keep:]))
    listed_ids = any(i is not None for i in ids[keep:]) and ids_text <= budget // 4
    if listed_ids:
        keep = _fitting(rows, budget - ids_text, sizes)
    count = len(ids)
    cut: dict[str, Any] = {
        "note": f"showing {keep} of {count} items (answer cap {limit} characters); "
        "page.next continues at the first item not shown",
        "items_shown": keep,
        "items_cut": count - keep,
    }
    if listed_ids:
        cut["ids_cut"] = ids[keep:]
    kept = {**data, "rows": rows[:keep]} if made is not None else rows[:keep]
    del data, rows, made  # the rows not shown go before the file is written (a walk's peak of memory)
    oversized = keep == 0
    if oversized:
        # Even the first item is over the cap: it is kept in the file, and next goes past it.
        cut["note"] = f"the first item alone is over the answer cap ({limit} characters); it is in the file"
    if walked or oversized:
        whole = {**answer, "data": records() if records is not None else items}
        # Written a few hundred items at a time (cut apart at the commas between items), each piece
        # redacted on its own: a secret holding a comma could span two pieces, so then it is one piece.
        pieces = dump_chunks(whole, "data")
        if any("," in secret for secret in secrets):
            pieces = iter([dump_bytes(whole)])
        cut["full_answer_file"] = _save(folder, tool, pieces, secrets)
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
    with collector.paused():
        _fit(call)


def _fit(call: Call) -> None:
    shaped = call.shaped
    assert shaped is not None
    limit = call.settings.max_answer_chars
    folder = call.account.download_dir
    walk = call.walk
    data = shaped.get("data")
    if walk is not None and not call.raw and (isinstance(data, Table) or is_array(data)):

        def resume(index: int) -> dict[str, Any] | None:
            if index >= len(walk.items):
                return (walk.last.next_args if walk.last else None) or None
            page, inside = walk.page_of(index)
            return pagination.resume_at(call.route, page, inside)

        model = call.model
        call.result = fit_list(
            shaped,
            data,
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
