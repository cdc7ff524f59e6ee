"""The answer rules the faster engine must keep, one function at a time: tables (column order, names
that would collide, parts of monetary values, a container holding a plain value), free-text flags
inside table cells, a walk's items replaced page by page, and the cycle collector always back on."""

from __future__ import annotations

import gc

import pytest

from dealdesk_mcp import untrusted
from dealdesk_mcp.decode import collector_paused
from dealdesk_mcp.fitting import as_table
from dealdesk_mcp.pagination import Page, Walk


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
    with pytest.raises(ValueError), collector_paused():
        assert not gc.isenabled()
        raise ValueError("inside")
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
