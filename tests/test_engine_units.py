"""The answer rules the faster engine must keep, one function at a time: tables (column order, names
that would collide, parts of monetary values, a container holding a plain value), free-text flags
inside table cells, a walk's items replaced page by page, and the cycle collector always back on."""

from __future__ import annotations

import gc
import subprocess
import sys
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dealdesk_mcp import collector, untrusted
from dealdesk_mcp.pagination import Page, Walk
from dealdesk_mcp.tables import as_table
from tests.conftest import ROOT


def test_a_table_keeps_first_seen_column_order_and_gives_shared_values_once():
    rows = [{"id": 1, "title": "a", "status": "open"}, {"id": 2, "status": "open", "owner_id": 7}]
    rows.append({"id": 3, "title": "c", "status": "open"})
    table = as_table(rows)
    assert table == {
        "columns": ["id", "title", "owner_id"],
        "rows": [[1, "a", None], [2, None, 7], [3, "c", None]],
        "same": {"status": "open"},
    }


def test_custom_fields_become_columns_named_apart_where_they_would_collide():
    rows = [
        {
            "id": n,
            "custom_fields": {"Region": f"r{n}", "id": n * 10, "Value": {"value": n, "currency": "EUR"}},
        }
        for n in (1, 2, 3)
    ]
    rows[1]["custom_fields"]["Value"] = 5  # a plain value counts as the value part
    table = as_table(rows)
    assert table["columns"] == ["id", "Region", "custom_fields.id", "Value", "Value currency"]
    assert table["rows"][1] == [2, "r2", 20, 5, None]
    # The currency part is missing in row 2 (a plain value): not the same in every row.
    assert "Value currency" in table["columns"]
    assert [row[table["columns"].index("Value currency")] for row in table["rows"]] == ["EUR", None, "EUR"]


def test_objects_in_a_nested_column_are_split_into_parts_only_where_they_hold_a_value():
    def table(*values: Any) -> dict[str, Any]:
        return as_table([{"id": n, "custom_fields": {"Price": value}} for n, value in enumerate(values)])

    parts = table({"value": 1, "currency": "EUR"}, None, {"currency": "USD", "value": 2})
    assert parts["columns"] == ["id", "Price", "Price currency"]
    assert parts["rows"] == [[0, 1, "EUR"], [1, None, None], [2, 2, "USD"]]
    assert table({}, {}, {"a": 1})["rows"] == [[0, {}], [1, {}], [2, {"a": 1}]]  # no value part: as they are
    assert table({}, None, {})["rows"] == [[0, {}], [1, None], [2, {}]]
    mixed = table({"value": 1}, {"a": 1}, 3)  # an object without a value, a plain value
    assert mixed["rows"] == [[0, 1], [1, None], [2, 3]]


def test_a_container_key_holding_a_plain_value_is_a_column_where_first_seen_as_one():
    rows = [
        {"id": 1, "custom_fields": {"Region": "North"}, "title": "a"},
        {"id": 2, "title": "b", "custom_fields": "unexpected"},
        {"id": 3, "title": "c", "custom_fields": {"Region": "South"}},
    ]
    table = as_table(rows)
    assert table["columns"] == ["id", "title", "custom_fields", "Region"]
    assert [row[2:] for row in table["rows"]] == [
        [{"Region": "North"}, "North"],
        ["unexpected", None],
        [{"Region": "South"}, "South"],
    ]


def test_two_kinds_of_container_keep_the_records_order_of_their_keys():
    rows = [{"id": n, "values": {"b": n}, "custom_fields": {"a": -n}} for n in (1, 2, 3)]
    assert as_table(rows)["columns"] == ["id", "b", "a"]


def test_nan_is_never_taken_for_a_value_every_row_shares():
    nan = float("nan")
    table = as_table([{"id": n, "score": nan} for n in (1, 2, 3)])
    assert "same" not in table and table["columns"] == ["id", "score"]


def test_free_text_is_flagged_in_table_columns_and_inside_objects_in_cells():
    table = as_table([{"id": n, "person": {"id": n, "note": f"call back {n}"}} for n in (1, 2, 3)])
    assert untrusted.marker({"data": table}) == {untrusted.META_KEY: {"parts": ["data"], "fields": ["note"]}}
    notes = as_table([{"id": n, "custom_fields.notes": "ring"} for n in (1, 2, 3)])
    assert untrusted.marker({"data": notes})[untrusted.META_KEY]["fields"] == ["custom_fields.notes"]
    inside_lists = as_table(
        [{"id": n, "calls": [{"id": n, "note": "ring back"}, "later"]} for n in (1, 2, 3)]
    )
    assert untrusted.marker({"data": inside_lists})[untrusted.META_KEY]["fields"] == ["note"]
    plain = as_table([{"id": n, "title": "x", "tags": ["a", "b"]} for n in (1, 2, 3)])
    assert untrusted.marker({"data": plain, "page": {"count": 3}}) is None


def test_a_walks_items_are_replaced_page_by_page_and_still_resume_inside_their_page():
    first, second = [{"id": 1}, {"id": 2}], [{"id": 3}]
    walk = Walk(
        first={"data": first},
        pages=[Page(list(first), True, {"cursor": "b"}), Page(list(second), False, None, {"cursor": "b"})],
        items=first + second,
    )
    assert walk.map_items(lambda item: item["id"] * 10) == [10, 20, 30]
    assert [page.items for page in walk.pages] == [[10, 20], [30]]
    page, inside = walk.page_of(2)
    assert page.sent == {"cursor": "b"} and inside == 0


def test_the_cycle_collector_is_back_on_after_a_failure_and_stays_off_where_it_was_off():
    assert gc.isenabled()
    with pytest.raises(ValueError), collector.paused():
        assert not gc.isenabled()
        raise ValueError("inside")
    assert gc.isenabled()
    gc.disable()
    try:
        with collector.paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def _flagged_plainly(answer: dict[str, Any]) -> dict[str, Any] | None:
    """The free-text rule written plainly: every object's keys, and a table's columns over its rows."""
    found: set[str] = set()

    def free(name: str) -> bool:
        return name in untrusted.FREE_TEXT or name.rsplit(".", 1)[-1] in untrusted.FREE_TEXT

    def text(value: Any) -> bool:
        return isinstance(value, str) and bool(value.strip())

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            columns, rows = node.get("columns"), node.get("rows")
            if isinstance(columns, list) and isinstance(rows, list):
                for index, column in enumerate(columns):
                    if free(str(column)) and any(
                        isinstance(r, list) and index < len(r) and text(r[index]) for r in rows
                    ):
                        found.add(str(column))
            for key, value in node.items():
                if free(str(key)) and text(value):
                    found.add(str(key))
                visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    parts = [part for part in untrusted.CRM_PARTS if part in answer]
    for part in parts:
        if part == "cut" and isinstance(answer[part], dict):  # the server's own, but for its preview
            if text(answer[part].get("preview")):
                found.add("preview")
            continue
        visit(answer[part])
    return {untrusted.META_KEY: {"parts": parts, "fields": sorted(found)}} if found else None


_names = st.sampled_from(["id", "note", "title", "custom_fields.notes", "body", "x", "columns", "rows"])
_cells = st.recursive(
    st.one_of(st.none(), st.integers(0, 3), st.sampled_from(["", " ", "call back", "x"])),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(_names, inner, max_size=3)),
    max_leaves=5,
)


@st.composite
def _tables(draw: st.DrawFn) -> dict[str, Any]:
    columns = draw(st.lists(_names, max_size=4))
    regular = st.lists(_cells, min_size=len(columns), max_size=len(columns))
    # Mostly regular tables of ours; sometimes a row that is not (another length, a plain value).
    row = regular if draw(st.booleans()) else st.one_of(regular, _cells)
    rows = draw(st.lists(row, max_size=4))
    table: dict[str, Any] = {"columns": columns, "rows": rows}
    table.update(draw(st.dictionaries(_names, _cells, max_size=2)))
    return table


_cut_notes = st.fixed_dictionaries(
    {"note": st.sampled_from(["showing 3 of 9 items", ""])},
    optional={"preview": st.sampled_from(['{"data": {"content": "call back', " ", ""]), "ids_cut": _cells},
)


@settings(max_examples=400, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["data", "extra", "cut", "page"]),
        st.one_of(_tables(), _cells, _cut_notes),
        max_size=3,
    )
)
def test_free_text_flags_of_tables_read_column_by_column_match_the_plain_rule(answer: dict[str, Any]) -> None:
    assert untrusted.marker(answer) == _flagged_plainly(answer)


# A process as the CLI leaves it once the server is built (collector.settle), then one call's work:
# a 500-deal page decoded and made into its table. Prints the collections that work set off.
_ONE_CALL = """
import gc, json, sys
from dealdesk_mcp import collector
from dealdesk_mcp.custom_fields import parse_fields
from dealdesk_mcp.columns import shape_table
from dealdesk_mcp.records import ShapePlan
from tests.crm_data import CUSTOM_FIELDS, deals_page

body = json.dumps(deals_page(0, 500, 500)).encode()
plan = ShapePlan(fields=parse_fields(CUSTOM_FIELDS))
if sys.argv[1] == "settled":
    collector.settle()
gc.collect()
runs = []
gc.callbacks.append(lambda phase, info: runs.append(info["generation"]) if phase == "start" else None)
for _ in range(3):
    table = shape_table(json.loads(body)["data"], plan)
    del table
print(len(runs))
"""


@pytest.mark.parametrize("process", ["as started", "settled"])
def test_a_settled_server_process_shapes_a_page_without_the_collector_scanning_it(process: str):
    done = subprocess.run(
        [sys.executable, "-c", _ONE_CALL, process],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=True,
    )
    runs = int(done.stdout)
    # Python's default young generation (700) is passed several times by one page's objects.
    assert runs == 0 if process == "settled" else runs >= 3
