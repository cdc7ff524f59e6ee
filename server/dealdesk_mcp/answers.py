"""The shape of every tool answer (its structured content), and the output schema each tool declares.
Each part an answer may hold is a pydantic model in answer_parts.py.

An answer is an object whose top-level keys are all the server's own: what came from the CRM sits
under `data` (and `extra` for other parts of the API's answer), so nothing the CRM says can pose as a
page summary, a cut note or any other note of ours.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal, cast

import orjson
import pydantic_core

AnswerKind = Literal["list", "object", "download"]


def dumps(value: Any) -> str:
    """The compact JSON text of an answer, serialised once per answer. NaN and infinities become null:
    JSON has no such numbers. The SDK serialises structured content with pydantic's serialiser; orjson
    writes only what that writes too, and pydantic serialises the rest here, so an answer the SDK could
    not send fails here, as a clear error, rather than in the transport."""
    return dump_bytes(value).decode()


# Anything but plain JSON values is left to pydantic: orjson writes datetimes, dataclasses and subclasses
# of str, int, dict and list its own way, and pydantic's fallback=str is not orjson's default=str (it
# knows sets, bytes, models, ...). orjson still writes tuples, enums and UUIDs, as pydantic does.
_PLAIN_ONLY = (
    orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_SUBCLASS
)


def dump_bytes(value: Any) -> bytes:
    """`dumps` as UTF-8 bytes: what a file is written from (a walk's is megabytes; no str copy).

    orjson writes plain JSON values (str keys, 64-bit ints, floats, NaN as null, at most 254 containers
    deep) byte for byte as pydantic's serialiser does, several times as fast, and accepts nothing
    pydantic refuses. Whatever orjson refuses (other keys or types, bigger ints, lone surrogates, deeper
    nesting) is serialised by pydantic as before, so answers and their errors stay the same."""
    try:
        return orjson.dumps(value, option=_PLAIN_ONLY)
    except orjson.JSONEncodeError:
        pass
    try:
        return pydantic_core.to_json(value, fallback=str, inf_nan_mode="null")
    except pydantic_core.PydanticSerializationError as exc:
        raise AnswerTooDeep(str(exc)) from None


def dump_chunks(value: dict[str, Any], key: str, size: int = 500) -> Iterator[bytes]:
    """`dump_bytes(value)` in pieces, the list under `key` `size` items at a time: a walk's whole answer
    is written to its file without ever being one string. Joined, the pieces are the same bytes. Each
    piece after the list's first starts with the comma before its first item."""
    yield b"{"
    for index, (name, part) in enumerate(value.items()):
        yield (b"," if index else b"") + dump_bytes(name) + b":"
        items = cast(list[Any], part) if name == key and type(part) is list else None
        if items is None:
            yield dump_bytes(part)
            continue
        yield b"["
        for start in range(0, len(items), size):
            # The list's own brackets cut off: the items as they stand inside the whole list.
            yield (b"," if start else b"") + dump_bytes(items[start : start + size])[1:-1]
        yield b"]"
    yield b"}"


class AnswerTooDeep(ValueError):
    """An answer nested deeper than JSON serialisers allow."""


@dataclass
class Fitted:
    """The answer as shown: its structured value and its text."""

    value: dict[str, Any]
    text: str


# The parts each kind of answer may hold. The schema is listed with every tool, so it names the parts
# and their types; what each holds is explained once, in the server's instructions.
_PARTS: dict[AnswerKind, dict[str, Any]] = {
    "list": {
        "data": {"type": ["object", "array"]},  # a table of records, a plain list, or a raw answer
        "page": {"type": "object"},  # count, next: the instructions explain them once
        "cut": {"type": "object"},
    },
    "object": {"data": {}, "cut": {"type": "object"}},
    "download": {"saved": {"type": "object", "required": ["path", "size", "content_type", "sha256"]}},
}


def output_schema(kind: AnswerKind, *, writes: bool, confirms: bool = False) -> dict[str, Any]:
    """The JSON Schema of the structured content a tool of this kind answers with. Writes may answer
    with a dry run instead, and calls that need confirmation with a preview and the value to confirm."""
    # `extra` and `notes` may appear in any answer; unlisted keys are allowed, and the instructions say so.
    properties = dict(_PARTS[kind])
    if writes:
        properties["dry_run"] = {"type": "object"}
    if confirms:
        properties["confirm"] = {"type": "string"}
        properties["preview"] = {"type": "object"}
    return {"type": "object", "properties": properties}
