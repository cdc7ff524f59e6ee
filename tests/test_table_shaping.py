"""A page of records goes to its table column by column (columns.shape_table): the table, its ids and
its records are exactly what shaping each record (shape_item) and tabling them (as_table) give."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from dealdesk_mcp.columns import shape_table
from dealdesk_mcp.custom_fields import parse_fields
from dealdesk_mcp.records import ShapePlan, shape_item
from dealdesk_mcp.tables import as_table
from tests.crm_data import CUSTOM_FIELDS, attio_person, deal, field_key

FIELDS = parse_fields(CUSTOM_FIELDS)
KEYS = [spec["field_code"] for spec in CUSTOM_FIELDS]
UNKNOWN_KEY = field_key("a field the directory does not know")


def one_by_one(items: list[Any], plan: ShapePlan) -> Any:
    return as_table([shape_item(item, plan) for item in copy.deepcopy(items)])


def check(items: list[Any], plan: ShapePlan) -> bool:
    """Both ways agree; answers whether the column-by-column way took the records."""
    table = shape_table(copy.deepcopy(items), plan)
    if table is None:
        return False
    expected = one_by_one(items, plan)
    assert table.value == expected
    # Equal, and in the same order: the answer's text is the same byte for byte.
    assert list(table.value) == list(expected) and list(table.value.get("same", {})) == list(
        expected.get("same", {})
    )
    assert table.ids == [shape_item(item, plan).get("id") for item in copy.deepcopy(items)]
    assert table.records() == [shape_item(item, plan) for item in copy.deepcopy(items)]
    return True


scalars = st.one_of(
    st.none(),
    st.just(""),
    st.booleans(),
    st.integers(-3, 30),
    st.sampled_from(["open", "won", "x", " ", "11", "21,22", "12"]),
    st.floats(allow_nan=True, allow_infinity=False, width=16),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(
            st.sampled_from(["id", "value", "name", "email", "currency", "note", "x"]), inner, max_size=3
        ),
    ),
    max_leaves=6,
)
own_keys = st.sampled_from(
    ["id", "title", "owner_id", "person", "label_ids", "note", "values", "entry_values", "value"]
)
custom_keys = st.sampled_from([*KEYS, UNKNOWN_KEY])
boxes = st.one_of(st.none(), st.just(""), st.dictionaries(custom_keys, values, max_size=5))


@st.composite
def record(draw: st.DrawFn, hash_keys: bool, box: bool) -> dict[str, Any]:
    item: dict[str, Any] = draw(st.dictionaries(own_keys, values, max_size=7))
    if hash_keys:
        item.update(draw(st.dictionaries(custom_keys, values, max_size=4)))
    if box:
        item["custom_fields"] = draw(boxes)
    return dict(draw(st.permutations(list(item.items()))))


@st.composite
def pages(draw: st.DrawFn) -> tuple[list[dict[str, Any]], ShapePlan]:
    hash_keys, box = draw(st.sampled_from([(False, False), (True, False), (False, True), (True, True)]))
    items = draw(st.lists(record(hash_keys, box), min_size=3, max_size=7))
    if draw(st.booleans()):  # as APIs answer: every record with the same keys, in the same order
        keys = list(items[0])
        items = [dict(zip(keys, (item.get(key) for key in keys), strict=True)) for item in items]
    plan = ShapePlan(fields=draw(st.sampled_from([FIELDS, None])), versioned=draw(st.booleans()))
    return items, plan


@settings(max_examples=600, deadline=None)
@given(pages())
def test_random_pages_give_the_same_table_either_way(page: tuple[list[dict[str, Any]], ShapePlan]) -> None:
    check(*page)


def test_a_v2_deals_page_with_custom_fields_and_labels_takes_the_column_way():
    items = [deal(i) for i in range(1, 101)]
    items[3]["custom_fields"][KEYS[1]] = ""  # an empty text is dropped, as shape_item drops it
    items[0]["title"] = None  # a column first held by the second record
    assert check(items, ShapePlan(fields=FIELDS))
    table = shape_table(items, ShapePlan(fields=FIELDS))
    assert table is not None
    columns = table.value["columns"]
    assert "Region" in columns and "Contract value currency" not in columns  # EUR everywhere: same
    assert table.value["same"]["Contract value currency"] == "EUR"
    assert columns.index("title") > columns.index("expected_close_date")


def test_v1_records_with_custom_fields_at_the_top_level_take_the_column_way():
    items = [
        {"id": i, "title": f"d{i}", KEYS[0]: 11 + i % 2, KEYS[4]: "21,22" if i % 2 else None}
        for i in range(5)
    ]
    assert check(items, ShapePlan(fields=FIELDS))


def test_attio_records_with_versioned_values_take_the_column_way():
    assert check([attio_person(i) for i in range(6)], ShapePlan(versioned=True))


def test_records_it_does_not_take_are_left_to_shaping_one_by_one():
    plan = ShapePlan(fields=FIELDS)
    both = [{"id": i, KEYS[0]: 11, "custom_fields": {KEYS[1]: "x"}} for i in range(3)]
    plain_box = [{"id": 1, "custom_fields": {KEYS[1]: "x"}}, {"id": 2, "custom_fields": "text"}, {"id": 3}]
    same_name = [{"id": i, "custom_fields": {KEYS[1]: "a", "Lead source": "b"}} for i in range(3)]
    for items in (both, plain_box, same_name, [{"id": 1}, {"id": 2}], [{"id": 1}, {"id": 2}, "three"]):
        assert shape_table(copy.deepcopy(items), plan) is None
