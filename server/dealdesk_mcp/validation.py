"""The validate stage: arguments checked by the tool's own model; a bad call never reaches the network."""

from __future__ import annotations

import json

from pydantic import BaseModel, ValidationError

from dealdesk_mcp.call import Call
from dealdesk_mcp.errors import InvalidArguments


def describe(tool: str, error: ValidationError, model: type[BaseModel]) -> str:
    """Every problem with the arguments, one line each, naming the field and what it expects."""
    lines: list[str] = []
    for item in error.errors(include_url=False):
        where = ".".join(str(p) for p in item["loc"]) or "(arguments)"
        kind = item["type"]
        if kind == "extra_forbidden":
            valid = ", ".join(sorted(f.alias or n for n, f in model.model_fields.items()))
            lines.append(f"- {where}: not an argument of {tool}. Valid arguments: {valid}")
        elif kind == "missing":
            # A model's own word on what is missing, where it says more than pydantic's default.
            said = item["msg"] if item["msg"].startswith("required:") else "required"
            lines.append(f"- {where}: {said}")
        else:
            shown = json.dumps(item.get("input"), default=str)
            shown = shown if len(shown) <= 80 else shown[:77] + "..."
            message = item["msg"].removeprefix("Value error, ")
            lines.append(f"- {where}: {message} (got {shown})")
    return f"Invalid arguments for {tool}; nothing was sent:\n" + "\n".join(lines)


async def validate(call: Call) -> None:
    model = call.entry.model()
    try:
        call.model = model.model_validate(call.arguments)
    except ValidationError as exc:
        raise InvalidArguments(describe(call.entry.name, exc, model)) from None
