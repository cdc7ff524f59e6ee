"""What a write will touch, in words its user can check: the items its path names (and the other item of
a merge), each with the name the item's own GET tool answers, and the request it will send.

The items come from the route alone: in `/api/v2/deals/{id}/followers/{follower_id}` the follower is
the item and the deal holds it; each is read with the GET tool at the path that ends with it
(`/api/v2/deals/{id}` is get_deal), in either Pipedrive version. What no tool reads is said so.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from pydantic import ValidationError

from dealdesk_mcp import decode
from dealdesk_mcp.call import Call
from dealdesk_mcp.catalog import ToolEntry, load_catalog
from dealdesk_mcp.errors import ToolError
from dealdesk_mcp.jsonvalues import is_array, is_object
from dealdesk_mcp.request import build_request

# Arguments naming a second item of the path's kind (the other side of a merge).
OTHER_ITEM = ("merge_with_id",)
# Arguments listing several items of the kind the path ends with (bulk deletes).
MANY_ITEMS = ("ids",)
# Where an item keeps the words a person knows it by, most telling first.
NAME_KEYS = (
    "name",
    "title",
    "subject",
    "label",
    "full_name",
    "email",
    "content_plaintext",
    "content",
    "plural_noun",
)
# Attio keeps them among its attribute values (lists of versions), under these attributes and keys.
VALUE_NAMES = ("name", "title", "domains", "email_addresses")
VALUE_KEYS = ("full_name", "value", "domain", "email_address")
# How the message introduces the items where the path ends past them.
PART_WORDS = {"merge": "It merges these two into one:"}
NAME_CHARS = 80
BODY_CHARS = 300
# Reads one preview may make: the item, a merge's other item, the items holding them.
MAX_READS = 4

_PARAM = re.compile(r"^\{([^}]+)\}$")
_ANY_PARAM = re.compile(r"\{[^}]+\}")
_VERSION = re.compile(r"^/api/v\d+/")
_TAG = re.compile(r"<[^>]+>")


@dataclass
class Item:
    """One item a write touches, as far as the API names it."""

    kind: str
    id: Any
    argument: str
    name: str | None = None
    # Why there is no name (no tool reads such an item, or the read failed).
    unnamed: str | None = None
    # Holds the item before it (a deal holding a follower), rather than being touched itself.
    holder: bool = False
    # The item as read (the conditional update compares its update_time).
    data: dict[str, Any] = field(default_factory=dict[str, Any])

    def shown(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "id": self.id}
        if self.holder:
            out["holds_the_above"] = True
        if self.name is not None:
            out["name"] = self.name
        else:
            out["no_name"] = self.unnamed
        return out

    def line(self) -> str:
        ident = ", ".join(str(i) for i in self.id) if is_array(self.id) else self.id
        head = f"{'in ' if self.holder else ''}{self.kind} {ident}"
        if self.name is not None:
            return f"{head}: {decode.quoted(self.name, NAME_CHARS)}"
        return f"{head} ({self.unnamed})"


@dataclass
class Preview:
    tool: ToolEntry
    items: list[Item]
    # What of the first item the call acts on, where the path ends past it ("picture", "merge").
    part: str | None
    request: dict[str, Any]

    def shown(self) -> dict[str, Any]:
        out: dict[str, Any] = {"tool": self.tool.name, "items": [i.shown() for i in self.items]}
        if self.part:
            out["acts_on"] = self.part
        out["request"] = self.request
        return out

    def message(self) -> str:
        """The question put to the user: what is touched, by name, and what is sent."""
        what = "cannot be undone" if self.tool.destructive else "changes data"
        lines = [f"{self.tool.name} ({self.tool.title}) {what}."]
        if self.items:
            intro = (
                PART_WORDS.get(self.part, f"It acts on the {self.part} of:") if self.part else "It acts on:"
            )
            lines.append(intro)
            lines += [f"- {item.line()}" for item in self.items]
        lines.append(f"It sends: {_request_line(self.request)}")
        lines.append("Allow it?")
        return "\n".join(lines)


async def build(call: Call) -> Preview:
    """The preview of the validated call `call`, its items read from the API."""
    assert call.model is not None
    values: dict[str, Any] = call.model.model_dump(mode="json", by_alias=True, exclude_unset=True)
    items, part = _items(call.entry, values)
    reads = 0
    for item, reader in items:
        if item.unnamed is not None:
            continue
        if reader is None:
            item.unnamed = f"no tool reads one {item.kind}"
        elif reads >= MAX_READS:
            item.unnamed = "not read (enough items were read)"
        else:
            reads += 1
            await _read_into(call, item, *reader)
    request = build_request(call.model, overrides=call.overrides).shown()
    return Preview(call.entry, [item for item, _ in items], part, request)


Reader = tuple[ToolEntry, dict[str, Any]]


def _items(entry: ToolEntry, values: dict[str, Any]) -> tuple[list[tuple[Item, Reader | None]], str | None]:
    """The items `entry`'s path names, touched item first, then the items holding it, each with the
    GET tool and arguments that read it; and the part of the first one acted on, if any."""
    segments = entry.path.split("/")
    found: list[tuple[Item, Reader | None]] = []
    for index in range(len(segments) - 1, 0, -1):
        param = _PARAM.match(segments[index])
        if param is None or _PARAM.match(segments[index - 1]):
            continue
        name = param.group(1)
        prefix = "/".join(segments[: index + 1])
        kind = _singular(_words(segments[index - 1]))
        reader = _reader(entry.api, prefix)
        touched = not found
        found.append((Item(kind, values.get(name), name, holder=not touched), _args(reader, prefix, values)))
        for other in OTHER_ITEM if touched else ():
            if other in values:  # the other side of a merge: an item of the same kind
                twin = {**values, name: values[other]}
                found.append((Item(kind, values[other], other), _args(reader, prefix, twin)))
    last = segments[-1]
    part = None if _PARAM.match(last) or not found else _words(last)
    for many in MANY_ITEMS:
        if many in values:
            for item, _ in found:
                item.holder = True
            unnamed = "names are not read for a list of ids"
            found.insert(0, (Item(_words(last), values[many], many, unnamed=unnamed), None))
            part = None
    return found, part


def _args(reader: ToolEntry | None, prefix: str, values: dict[str, Any]) -> Reader | None:
    """`reader` with the arguments that read the item `prefix` ends with, taken from `values`."""
    if reader is None:
        return None
    ours = _ANY_PARAM.findall(prefix)
    theirs = _ANY_PARAM.findall(reader.path)
    return reader, {t[1:-1]: values.get(o[1:-1]) for o, t in zip(ours, theirs, strict=True)}


@cache
def _readers() -> dict[tuple[str, str], ToolEntry]:
    """Item GET tools by (api, path with parameters blanked); Pipedrive's also without their version,
    the v2 tool winning (where a v1 path's item is read in v2)."""
    index: dict[tuple[str, str], ToolEntry] = {}
    unversioned: dict[tuple[str, str], ToolEntry] = {}
    for tool in load_catalog().tools.values():
        if tool.method != "GET" or not _PARAM.match(tool.path.rsplit("/", 1)[-1]):
            continue
        blank = _ANY_PARAM.sub("{}", tool.path)
        index[(tool.api, blank)] = tool
        key = (tool.api, "~" + _VERSION.sub("/", blank))
        if key not in unversioned or tool.path.startswith("/api/v2/"):
            unversioned[key] = tool
    return {**unversioned, **index}


def _reader(api: str, path: str) -> ToolEntry | None:
    blank = _ANY_PARAM.sub("{}", path)
    readers = _readers()
    return readers.get((api, blank)) or readers.get((api, "~" + _VERSION.sub("/", blank)))


async def _read_into(call: Call, item: Item, tool: ToolEntry, arguments: dict[str, Any]) -> None:
    try:
        model = tool.model().model_validate(arguments)
        request = build_request(model)
        received = await call.session.send(
            call.account, call.profile, request, token_cost=model.route.token_cost
        )
        answer = decode.parse_json(received.body or b"", received.response.headers, model.route)
    except ValidationError:
        item.unnamed = f"{tool.name} does not take this id"
        return
    except ToolError as exc:
        item.unnamed = f"{tool.name} could not read it: {exc.message[:200]}"
        return
    data = answer.get("data") if is_object(answer) else None
    item.data = data if is_object(data) else {}
    item.name = name_of(item.data)
    if item.name is None:
        item.unnamed = f"{tool.name} gives it no name"


def name_of(data: dict[str, Any]) -> str | None:
    """The words a person knows an item by, from its own answer."""
    for key in NAME_KEYS:
        text = _text(data.get(key))
        if text:
            return text
    values = data.get("values")
    if is_object(values):
        for attribute in VALUE_NAMES:
            versions = values.get(attribute)
            if is_array(versions) and versions and is_object(versions[0]):
                for key in VALUE_KEYS:
                    text = _text(versions[0].get(key))
                    if text:
                        return text
    return None


def _text(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    return " ".join(_TAG.sub(" ", value).split()) or None


def _words(segment: str) -> str:
    return re.sub(r"(?<=[a-z])([A-Z])", r" \1", segment).replace("_", " ").replace("-", " ").lower()


def _singular(noun: str) -> str:
    for plural, single in (("ies", "y"), ("sses", "ss"), ("ches", "ch"), ("s", "")):
        if noun.endswith(plural):
            return noun[: -len(plural)] + single
    return noun


def _request_line(request: dict[str, Any]) -> str:
    query = "&".join(f"{k}={v}" for k, v in request["query"])
    line = f"{request['method']} {request['path']}{'?' + query if query else ''}"
    if request["body"] is not None:
        body = json.dumps(request["body"], ensure_ascii=False, separators=(",", ":"), default=str)
        line += " " + (body if len(body) <= BODY_CHARS else body[: BODY_CHARS - 1] + "…")
    return line
