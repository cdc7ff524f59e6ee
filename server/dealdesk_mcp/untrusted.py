"""Free text from the CRM, flagged for hosts.

Anyone who can write a note, an email or a description into the CRM writes into the agent's context.
Answers keep such text under `data` (and `extra`, and a cut answer's `cut.preview`), where the
server's own parts cannot be imitated; and the text block of an answer that carries free text says so
in its `_meta` (`dealdesk-mcp/untrusted`: where, and which fields), so a host can fence or mark it for
the model.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import chain
from typing import Any, cast

from dealdesk_mcp.jsonvalues import is_array, is_object

META_KEY = "dealdesk-mcp/untrusted"
# The parts of an answer that hold what the CRM says.
CRM_PARTS = ("data", "extra", "cut")
# Fields of CRM records that hold free text people write (not names, ids, codes or dates).
FREE_TEXT = frozenset(
    {
        "content",
        "content_plaintext",
        "content_markdown",
        "note",
        "notes",
        "description",
        "public_description",
        "body",
        "snippet",
        "comment",
        "comments",
        "text",
        "message",
        "subject",
        "summary",
        "speech",
        "transcript",
    }
)


def marker(answer: dict[str, Any]) -> dict[str, Any] | None:
    """The `_meta` of the text block of `answer`, where it carries free text from the CRM."""
    found: set[str] = set()
    parts = [part for part in CRM_PARTS if part in answer]
    for part in parts:
        value = answer[part]
        if part == "cut" and is_object(value):
            # The rest of a cut note is the server's own (its note, counts, ids, file); its preview is
            # the beginning of the CRM's answer, as text.
            if _text(value.get("preview")):
                found.add("preview")
            continue
        _collect(value, found)
    if not found:
        return None
    return {META_KEY: {"parts": parts, "fields": sorted(found)}}


def _collect(value: Any, found: set[str]) -> None:
    # Iterative: an answer is capped in size, not in depth. Only containers are queued: a table's
    # cells are mostly plain values, which hold no field name (told apart by exact type first).
    pending: list[Any] = [value]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            record = cast(dict[Any, Any], node)
            columns = record.get("columns")
            rows = record.get("rows")
            read = is_array(columns) and is_array(rows) and _table(columns, rows, found, pending)
            for key, item in record.items():
                if _free(str(key)) and _text(item):
                    found.add(str(key))
                if read and item is rows:
                    continue  # its cells are read already, a column at a time
                if type(item) not in _PLAIN and isinstance(item, _CONTAINERS):
                    pending.append(item)
        elif isinstance(node, list):
            pending.extend(_containers(cast(list[Any], node)))


def _table(columns: list[Any], rows: list[Any], found: set[str], pending: list[Any]) -> bool:
    """A table's free-text columns holding text (its text sits in rows, under columns). A table of
    ours (every row a list as long as the columns) is read a column at a time, its cells' types
    gathered in C, and its cells that are containers queued: answers whether its rows are read so."""
    if rows and (set(map(type, rows)) != _LIST or set(map(len, rows)) != {len(columns)}):
        for index, column in enumerate(columns):
            if _free(str(column)) and any(is_array(r) and index < len(r) and _text(r[index]) for r in rows):
                found.add(str(column))
        return False
    for column, cells in zip(columns, zip(*rows, strict=True), strict=False):  # no rows: no cells
        if _free(str(column)) and any(_text(cell) for cell in cells):
            found.add(str(column))
        if not set(map(type, cells)) <= _PLAIN:
            _queue(cells, pending)
    return True


def _queue(cells: Iterable[Any], pending: list[Any]) -> None:
    """The containers among `cells` queued, lists of plain values read at once (a column of labels)."""
    containers = _containers(cells)
    lists: list[list[Any]] = [c for c in containers if type(c) is list]
    if len(lists) < len(containers):
        pending.extend([c for c in containers if type(c) is not list])
    inside: list[Any] = list(chain.from_iterable(lists))
    if not set(map(type, inside)) <= _PLAIN:
        pending.extend(_containers(inside))


def _containers(values: Iterable[Any]) -> list[Any]:
    """The objects and lists among `values` (told apart from plain values by exact type first)."""
    return [v for v in values if type(v) not in _PLAIN and isinstance(v, _CONTAINERS)]


_PLAIN = frozenset({str, int, float, bool, type(None)})
_LIST = {list}
_CONTAINERS = (dict, list)


def _free(name: str) -> bool:
    # A dotted name ("custom_fields.note") is free text when its last part is.
    return name in FREE_TEXT or ("." in name and name.rsplit(".", 1)[-1] in FREE_TEXT)


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())
