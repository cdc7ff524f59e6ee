"""JSON in and out: orjson reads API bodies and writes answers where it gives exactly pydantic's
bytes and values; pydantic reads and writes the rest (deep values, big integers, non-JSON types)."""

from __future__ import annotations

import collections
import dataclasses
import datetime
import decimal
import enum
import json
import uuid
from typing import Any

import httpx
import pydantic_core
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dealdesk_mcp import decode
from dealdesk_mcp.answers import AnswerTooDeep, dump_bytes, dump_chunks, dumps
from dealdesk_mcp.decode import parse_json
from dealdesk_mcp.errors import ApiError
from dealdesk_mcp.route import Route

ROUTE = Route(api="Pipedrive", method="GET", path="/v1/deals", version="v1")
HEADERS = httpx.Headers({"content-type": "application/json"})
EXAMPLES = settings(max_examples=400, deadline=None, derandomize=True, database=None)


def _pydantic_bytes(value: Any) -> bytes | type[Exception]:
    """What the server wrote before orjson (or that it failed)."""
    try:
        return pydantic_core.to_json(value, fallback=str, inf_nan_mode="null")
    except pydantic_core.PydanticSerializationError:
        return AnswerTooDeep


def _assert_dumped_as_pydantic(value: Any) -> None:
    expected = _pydantic_bytes(value)
    if expected is AnswerTooDeep:
        with pytest.raises(AnswerTooDeep):
            dump_bytes(value)
        with pytest.raises(AnswerTooDeep):
            dumps(value)
    else:
        assert dump_bytes(value) == expected
        assert dumps(value) == expected.decode()  # type: ignore[union-attr]


def _nested(depth: int, leaf: Any, kinds: str) -> Any:
    value = leaf
    for level in range(depth):
        value = [value] if kinds[level % len(kinds)] == "l" else {"k": value}
    return value


_KEYS = st.one_of(st.text(), st.integers(), st.floats(), st.booleans(), st.none())
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**63), 2**64 - 1),
    st.integers(),  # beyond 64 bits too
    st.floats(),  # NaN, infinities, -0.0, subnormals
    st.text(),
    st.sampled_from(["\ud800", "a\udfffb", "\x00\x1f\x7f\u2028", "</script>", "😀", '"\\/']),
)
_JSON_LIKE = st.recursive(
    _SCALARS, lambda inner: st.lists(inner) | st.dictionaries(_KEYS, inner), max_leaves=40
)
_PLAIN = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1) | st.floats() | st.text(),
    lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
    max_leaves=40,
)


@EXAMPLES
@given(_JSON_LIKE)
def test_answers_are_written_byte_for_byte_as_pydantic_wrote_them(value: Any) -> None:
    _assert_dumped_as_pydantic(value)
    _assert_dumped_as_pydantic({"data": [value, {"inner": value}]})


@EXAMPLES
@given(_PLAIN)
def test_plain_answers_are_written_without_pydantic(value: Any) -> None:
    # The fast path is taken for what the server answers most (str keys, 64-bit ints), not fallen back from.
    expected = _pydantic_bytes(value)
    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(pydantic_core, "to_json", None)
        assert dump_bytes(value) == expected


class _Colour(enum.Enum):
    RED = "red"
    PAIR = (1, 2.5)


class _Label(str):
    pass


@dataclasses.dataclass
class _Point:
    x: int
    when: datetime.date


@pytest.mark.parametrize(
    "value",
    [
        [0.1, 1e16, 1e-7, 1.0, -0.0, 5e-324, 1.7976931348623157e308, 1e15, 2.0**63, 0.00001],
        [float("nan"), float("inf"), -float("inf")],
        {1: "a", -2: "b", 1.5: "c", None: "f", float("nan"): "g", float("inf"): "h"},
        {True: "d", False: "e", 2.0: "float key"},
        {1: "int key", "1": "str key"},
        [2**64 - 1, 2**64, -(2**63), -(2**63) - 1, 10**40],
        ["\x00\x08\t\n\x0c\r\x1b\x7f", "\u2028\u2029", "😀 ü €", "</script><!--", '"quote" \\ /'],
        ["\ud800"],
        {"a\udfff": 1},
        {"when": datetime.datetime(2024, 1, 2, 3, 4, tzinfo=datetime.UTC), "day": datetime.date(2024, 1, 2)},
        [{1, 2}, frozenset(), b"bytes", bytearray(b"x"), decimal.Decimal("1.50"), 1 + 2j, object],
        [(1, (2, 3)), _Colour.RED, _Colour.PAIR, uuid.UUID(int=7), _Label("sub"), {_Label("k"): 1}],
        [_Point(1, datetime.date(2024, 1, 2)), collections.OrderedDict(a=1), collections.defaultdict(int)],
    ],
)
def test_edge_values_are_written_as_pydantic_wrote_them(value: Any) -> None:
    _assert_dumped_as_pydantic(value)
    _assert_dumped_as_pydantic({"data": [value]})


@pytest.mark.parametrize("depth", [252, 253, 254, 255, 256, 400])
@pytest.mark.parametrize("leaf", [1, [], {}, [1], "s"])
@pytest.mark.parametrize("kinds", ["l", "d", "ld"])
def test_deep_answers_are_written_or_refused_as_before(depth: int, leaf: Any, kinds: str) -> None:
    # orjson stops at 254 containers, empty ones counted; pydantic goes one further with an empty leaf.
    _assert_dumped_as_pydantic(_nested(depth, leaf, kinds))


def test_an_answer_too_deep_in_pieces_is_refused_as_too_deep() -> None:
    value = {"page": {"count": 1}, "data": [_nested(300, 1, "ld")]}
    with pytest.raises(AnswerTooDeep):
        b"".join(dump_chunks(value, "data"))


def _parsed(body: bytes) -> tuple[str, str]:
    try:
        return "value", repr(parse_json(body, HEADERS, ROUTE))
    except ApiError as exc:
        return "error", str(exc)


def _parsed_by_pydantic(body: bytes) -> tuple[str, str]:
    """What parse_json answered before orjson: pydantic's decoder and its errors."""
    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(decode, "_by_orjson", lambda body: decode._UNREAD)
        return _parsed(body)


def _assert_parsed_as_pydantic(body: bytes) -> None:
    # repr tells 1 from 1.0 and True, -0.0 from 0.0, a big int from the float near it; and key order.
    assert _parsed(body) == _parsed_by_pydantic(body)


_NUMBER = r"-?(0|[1-9][0-9]{0,40})(\.[0-9]{1,40})?([eE][-+]?[0-9]{1,3})?"


@EXAMPLES
@given(_JSON_LIKE, st.booleans(), st.sampled_from([None, 0, 2]))
def test_bodies_are_read_as_pydantic_read_them(value: Any, ascii_only: bool, indent: int | None) -> None:
    try:
        text = json.dumps(value, ensure_ascii=ascii_only, indent=indent)
    except (TypeError, ValueError):
        return  # keys json cannot write
    _assert_parsed_as_pydantic(text.encode("utf-8", "surrogatepass"))


@EXAMPLES
@given(st.lists(st.from_regex(_NUMBER, fullmatch=True), min_size=1, max_size=8))
def test_numbers_are_read_as_pydantic_read_them(numbers: list[str]) -> None:
    _assert_parsed_as_pydantic(("[" + ",".join(numbers) + "]").encode())
    _assert_parsed_as_pydantic(('{"n":' + numbers[0] + "}").encode())


@EXAMPLES
@given(st.text(alphabet='[]{}",:0123456789.eE+-truefalsnNIiy \t\n\\/u\x00\x7f', max_size=24))
def test_broken_bodies_are_refused_as_pydantic_refused_them(text: str) -> None:
    _assert_parsed_as_pydantic(text.encode())


@pytest.mark.parametrize(
    "body",
    [
        b"NaN",
        b'{"a":[NaN,Infinity,-Infinity]}',
        b"[1e400,-1e400,1.7976931348623159e308,1e-400]",
        b"[9223372036854775807,9223372036854775808,18446744073709551615,18446744073709551616]",
        b"[-9223372036854775808,-9223372036854775809,123456789012345678901234567890]",
        b'{"id":18446744073709551616,"note":"2e+5 and 1e+16"}',
        b'{"note":"2e+5","phone":"+49 1e+7","mail":"jane+crm@example.com"}',
        b'["\\ud800"]',
        b'["\\udc00x"]',
        b'["\\ud83d\\ude00","\\u0000","\\/"]',
        b'["\xed\xa0\x80"]',
        b'{"a":1,"b":2,"a":3}',
        b"\xef\xbb\xbf{}",
        b"{} x",
        b"[1,]",
        b"  [1]\n",
    ],
)
def test_edge_bodies_are_read_as_pydantic_read_them(body: bytes) -> None:
    _assert_parsed_as_pydantic(body)


@pytest.mark.parametrize("depth", [*range(197, 206), 1023, 1024, 1025, 1026, 5000])
@pytest.mark.parametrize("leaf", ["1", "[]", "{}", "[1]"])
@pytest.mark.parametrize("kinds", ["l", "d", "ld", "dl"])
def test_deep_bodies_are_read_or_refused_as_before(depth: int, leaf: str, kinds: str) -> None:
    # pydantic refuses more than 200 deep ("nested too deeply"); orjson alone would read 1024.
    opening = "".join("[" if kinds[level % len(kinds)] == "l" else '{"k":' for level in range(depth))
    closing = "".join("]" if kinds[level % len(kinds)] == "l" else "}" for level in reversed(range(depth)))
    _assert_parsed_as_pydantic(f"{opening}{leaf}{closing}".encode())


def test_a_body_too_deep_is_refused_as_nested_too_deeply() -> None:
    kind, message = _parsed(b"[" * 250 + b"]" * 250)
    assert kind == "error" and "nested too deeply" in message
