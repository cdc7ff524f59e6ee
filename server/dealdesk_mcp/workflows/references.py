"""`"$N.path"` in a batch operation's arguments: the value at `path` of operation N's structured answer.

A reference is a whole string ("$0.data.id"), so the value keeps its type (an id stays a number);
"$$..." is a literal string starting with "$". Path parts are object keys or list indexes.
"""

from __future__ import annotations

import re
from typing import Any

from dealdesk_mcp.errors import InvalidArguments
from dealdesk_mcp.jsonvalues import is_array, is_object

REFERENCE = re.compile(r"^\$(\d+)((?:\.[^.]+)+)$")


class UnresolvedReference(InvalidArguments):
    """A reference that names no value: a missing path, or an operation that did not answer."""


def parse(text: str) -> tuple[int, list[str]] | None:
    """(operation, path parts) of a reference, or None for any other string."""
    match = REFERENCE.match(text)
    if match is None:
        return None
    return int(match.group(1)), match.group(2)[1:].split(".")


def referenced(value: Any) -> set[int]:
    """Every operation a value's references name, however deep they sit."""
    if isinstance(value, str):
        found = parse(value)
        return {found[0]} if found else set()
    if is_object(value):
        return {n for v in value.values() for n in referenced(v)}
    if is_array(value):
        return {n for v in value for n in referenced(v)}
    return set()


def lookup(answer: Any, parts: list[str], text: str) -> Any:
    """The value at `parts` of one answer; an error naming what is there where the path leads nowhere."""
    here = answer
    for depth, part in enumerate(parts):
        where = ".".join(parts[:depth]) or "the answer"
        if is_object(here):
            if part not in here:
                keys = ", ".join(sorted(here)[:12]) or "nothing"
                raise UnresolvedReference(f"{text}: {where} has no {part!r} (it has: {keys})")
            here = here[part]
        elif is_array(here):
            if not part.isdigit() or int(part) >= len(here):
                raise UnresolvedReference(
                    f"{text}: {where} is a list of {len(here)}; {part!r} is no index in it"
                )
            here = here[int(part)]
        else:
            raise UnresolvedReference(f"{text}: {where} is a single value, with no {part!r} inside")
    return here


def substitute(value: Any, answers: dict[int, Any]) -> Any:
    """`value` with every reference replaced by what it names in `answers` (operation -> answer)."""
    if isinstance(value, str):
        if value.startswith("$$"):
            return value[1:]
        found = parse(value)
        if found is None:
            return value
        index, parts = found
        return lookup(answers[index], parts, value)
    if is_object(value):
        return {k: substitute(v, answers) for k, v in value.items()}
    if is_array(value):
        return [substitute(v, answers) for v in value]
    return value
