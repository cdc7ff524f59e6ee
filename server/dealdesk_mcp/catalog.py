"""Which tools exist, which of them a server offers, and each tool's model on demand.

Tool listings come from the precomputed JSON in tool_schemas/ (milliseconds to load); a tool's
pydantic model is imported only when the tool is first called. `Selection` is the one place that
applies the whole selection policy: toolsets, write level, named tools, exclusions, deprecation.
"""

from __future__ import annotations

import difflib
import importlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from dealdesk_mcp import toolsets as toolset_table
from dealdesk_mcp.answers import AnswerKind
from dealdesk_mcp.config import WriteLevel
from dealdesk_mcp.errors import ConfigError
from dealdesk_mcp.route import ToolInput


@dataclass(frozen=True, slots=True)
class ToolEntry:
    name: str
    title: str
    description: str
    input_schema: dict[str, Any]
    annotations: dict[str, bool]
    toolset: str
    api: str
    method: str
    path: str
    model_ref: str
    answer: AnswerKind = "object"
    destructive: bool = False
    deprecated: bool = False

    @property
    def writes(self) -> bool:
        # GETs read, and so do the POSTs the generator marks read-only (queries with a body filter).
        return not self.annotations.get("readOnlyHint", False)

    @property
    def summary(self) -> str:
        """The description's first sentence."""
        head, dot, _ = self.description.partition(". ")
        return head + ("." if dot else "")

    def model(self) -> type[ToolInput]:
        return _load_model(self.model_ref)

    def allowed_at(self, level: WriteLevel) -> bool:
        return not self.writes or level == "all" or (level == "safe" and not self.destructive)


@cache
def _load_model(ref: str) -> type[ToolInput]:
    module, _, name = ref.partition(":")
    return getattr(importlib.import_module(module), name)


@dataclass(frozen=True)
class Selection:
    """What a user asked for: toolsets (None: the default), a write level, tools by name."""

    toolsets: tuple[str, ...] | None = None
    writes: WriteLevel = "all"
    tools: tuple[str, ...] = ()
    exclude_tools: tuple[str, ...] = ()


@dataclass
class Catalog:
    """All tools of every API, grouped by toolset."""

    tools: dict[str, ToolEntry]
    toolsets: dict[str, list[ToolEntry]] = field(default_factory=dict[str, list[ToolEntry]])

    def __post_init__(self) -> None:
        for tool in self.tools.values():
            self.toolsets.setdefault(tool.toolset, []).append(tool)

    def toolset_names(self) -> list[str]:
        return sorted(self.toolsets)

    def apis(self) -> list[str]:
        return sorted({tool.api for tool in self.tools.values()})

    def api_of(self, toolset: str) -> str:
        return self.toolsets[toolset][0].api

    def resolve_toolsets(self, requested: Iterable[str] | None, *, apis: Iterable[str]) -> list[str]:
        """A user's toolset choice ('all', 'default', an API's name, toolset names) as toolset names, or a clear
        error.
        The default and 'all' take the toolsets of the APIs that have credentials (`apis`)."""
        with_credentials = set(apis)
        defaults = [
            t.name
            for t in toolset_table.TOOLSETS
            if t.default != "none" and t.name in self.toolsets and self.api_of(t.name) in with_credentials
        ]
        if requested is None:
            return defaults
        chosen: list[str] = []
        unknown: list[str] = []
        for raw in requested:
            name = raw.strip().lower()
            if name == toolset_table.ALL:
                # Every toolset of the APIs it can call: another API's tools could only fail for want of a
                # credential and would fill the agent's context (their API's name still lists them).
                reachable = [t for t in self.toolset_names() if self.api_of(t) in with_credentials]
                chosen += reachable or self.toolset_names()
            elif name == toolset_table.DEFAULT:
                chosen += defaults
            elif name in self.apis():
                chosen += [
                    t for t in self.toolset_names() if self.api_of(t) == name
                ]  # an API's name: all of it
            elif name in self.toolsets:
                chosen.append(name)
            elif name in toolset_table.SERVER_GROUPS:
                continue  # the server's own tools: they say themselves whether they are offered
            elif name:
                unknown.append(name)
        if unknown:
            valid = ", ".join(
                [
                    toolset_table.ALL,
                    toolset_table.DEFAULT,
                    *self.apis(),
                    *toolset_table.SERVER_GROUPS,
                    *self.toolset_names(),
                ]
            )
            raise ConfigError(f"unknown toolset(s): {', '.join(unknown)}. Valid names: {valid}")
        return list(dict.fromkeys(chosen))

    def select(self, selection: Selection, *, apis: Iterable[str]) -> dict[str, ToolEntry]:
        """The tools a server with this selection offers, by name, in catalog order."""
        apis = tuple(apis)
        names = self.resolve_toolsets(selection.toolsets, apis=apis)
        asked = {t.strip().lower() for t in selection.toolsets or ()}
        from_default = selection.toolsets is None or toolset_table.DEFAULT in asked
        explicit = {n for n in names if n in asked or toolset_table.ALL in asked}
        self._check_names(selection.tools + selection.exclude_tools)
        picked: dict[str, ToolEntry] = {}
        for name in names:
            facts = toolset_table.BY_NAME.get(name)
            part = facts.default if facts else "all"
            occasional = facts.occasional if facts else ()
            for tool in self.toolsets[name]:
                # The default is everyday work: no deprecated or occasional tools, reads only where marked so.
                everyday = name not in explicit and from_default
                if everyday and (
                    tool.deprecated or tool.name in occasional or (part == "reads" and tool.writes)
                ):
                    continue
                if tool.allowed_at(selection.writes):
                    picked[tool.name] = tool
        for name in selection.tools:
            tool = self.tools[name]
            if not tool.allowed_at(selection.writes):
                raise ConfigError(
                    f"{name} is {'destructive' if tool.destructive else 'a write'}, which write level "
                    f"{selection.writes!r} does not allow; start with --writes all to offer it."
                )
            picked[name] = tool
        for name in selection.exclude_tools:
            picked.pop(name, None)
        return {name: picked[name] for name in self.tools if name in picked}

    def _check_names(self, names: Iterable[str]) -> None:
        unknown = [n for n in names if n not in self.tools]
        if unknown:
            hints: list[str] = []
            for name in unknown:
                close = difflib.get_close_matches(name, list(self.tools), n=3, cutoff=0.6)
                hints.append(f"{name} (did you mean {', '.join(close)}?)" if close else name)
            raise ConfigError(f"unknown tool(s): {'; '.join(hints)}")


def _entries(document: dict[str, Any]) -> Iterable[ToolEntry]:
    for tool in document["tools"]:
        yield ToolEntry(
            name=tool["name"],
            title=tool["title"],
            description=tool["description"],
            input_schema=tool["input_schema"],
            annotations=tool["annotations"],
            toolset=document["toolset"],
            api=document["api"],
            method=tool["method"],
            path=tool["path"],
            model_ref=tool["model"],
            answer=tool["answer"],
            destructive=tool["destructive"],
            deprecated=tool["deprecated"],
        )


def catalog_from(documents: Iterable[dict[str, Any]]) -> Catalog:
    """A catalog of the tools in these toolset documents (the JSON the generator writes)."""
    tools = [entry for document in documents for entry in _entries(document)]
    return Catalog({t.name: t for t in tools})


@cache
def load_catalog() -> Catalog:
    root = resources.files("dealdesk_mcp.tool_schemas")
    names = sorted(item.name for item in root.iterdir() if item.name.endswith(".json"))
    return catalog_from(json.loads((root / name).read_text(encoding="utf-8")) for name in names)
