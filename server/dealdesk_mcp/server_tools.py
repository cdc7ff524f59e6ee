"""Tools of the server itself, as records: what they are called, what they take, when they are offered
and what runs them. The app lists and calls them the same way whatever module defines them; a new one
is a ServerTool in its own module, named in `registered()`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import mcp_types as types
from pydantic import BaseModel, ConfigDict, ValidationError

from dealdesk_mcp.account import Account
from dealdesk_mcp.call import Peer, Progress
from dealdesk_mcp.config import Settings
from dealdesk_mcp.errors import InvalidArguments
from dealdesk_mcp.validation import describe

if TYPE_CHECKING:
    from dealdesk_mcp.app import Runtime


class ServerToolInput(BaseModel):
    """Base of a server tool's arguments: unknown ones are errors."""

    model_config = ConfigDict(extra="forbid")


# (runtime, account, validated arguments, progress, the client where the call came from one)
Run = Callable[["Runtime", Account, Any, Progress | None, Peer | None], Awaitable[dict[str, Any]]]


def _always(settings: Settings) -> bool:
    return True


@dataclass(frozen=True)
class ServerTool:
    name: str
    title: str
    description: str
    model: type[ServerToolInput]
    run: Run
    # Reads only (a batch of writes is not, nor is a tool that calls any operation).
    read_only: bool = True
    # Whether a server with these settings offers it.
    offered: Callable[[Settings], bool] = _always
    # The schema of its structured answer; None: a plain object.
    output_schema: dict[str, Any] | None = None
    # Catalog tools it calls on the agent's behalf: offered only where the selection enables them all.
    needs: tuple[str, ...] = ()
    # It may do what cannot be undone (a batch where destructive tools are offered).
    destructive: bool = False

    def listed(self) -> types.Tool:
        return types.Tool(
            name=self.name,
            title=self.title,
            description=self.description,
            input_schema=input_schema(self.model),
            output_schema=self.output_schema or {"type": "object"},
            annotations=types.ToolAnnotations(
                read_only_hint=self.read_only or None,
                destructive_hint=None if self.read_only else self.destructive,
            ),
        )

    async def call(
        self,
        runtime: Runtime,
        account: Account,
        arguments: dict[str, Any],
        progress: Progress | None,
        peer: Peer | None = None,
    ) -> dict[str, Any]:
        try:
            args = self.model.model_validate(arguments)
        except ValidationError as exc:
            raise InvalidArguments(describe(self.name, exc, self.model)) from None
        return await self.run(runtime, account, args, progress, peer)


def input_schema(model: type[BaseModel]) -> dict[str, Any]:
    """A server tool's argument schema, plain for hosts: $defs inlined, no titles, no null branch of
    an optional field (None is how "not given" looks in Python, not a value to send)."""
    schema = model.model_json_schema()
    defs: dict[str, Any] = schema.pop("$defs", {})

    def plain(node: Any) -> Any:
        if isinstance(node, list):
            return [plain(item) for item in node]  # pyright: ignore[reportUnknownVariableType]
        if not isinstance(node, dict):
            return node
        node = cast(dict[str, Any], dict(node))  # pyright: ignore[reportUnknownArgumentType]
        ref = node.pop("$ref", None)
        if isinstance(ref, str):
            node = {**defs[ref.rsplit("/", 1)[1]], **node}
        options = node.get("anyOf")
        if isinstance(options, list) and {"type": "null"} in options and len(options) == 2:  # pyright: ignore[reportUnknownArgumentType]
            node.pop("anyOf")
            node.update(next(o for o in options if o != {"type": "null"}))  # pyright: ignore[reportUnknownVariableType, reportUnknownArgumentType]
            if isinstance(node.get("$ref"), str):
                return plain(node)
        out: dict[str, Any] = {}
        for key, value in node.items():  # pyright: ignore[reportUnknownVariableType]
            if (
                key == "title"
                or (key == "default" and value is None)
                or (key == "additionalProperties" and isinstance(value, bool))
            ):
                continue
            if key == "properties":
                out[key] = {name: plain(sub) for name, sub in value.items()}  # pyright: ignore[reportUnknownVariableType]
            else:
                out[key] = plain(value)
        return out

    return plain(schema)


def registered() -> list[ServerTool]:
    """Every server tool, in listing order."""
    from dealdesk_mcp import builtin, toolswitch, workflows

    return [*builtin.TOOLS, toolswitch.TOOL, *workflows.TOOLS]
