"""Which tools exist, which toolsets a user picked, and each tool's model on demand.

Tool listings come from the precomputed JSON in tool_schemas/ (milliseconds to load); a
tool's pydantic model is imported only when the tool is first called.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from dealdesk_mcp.errors import ConfigError
from dealdesk_mcp.route import ToolInput

# Everyday CRM work; the rest is one --toolsets away (or reachable through --discovery).
DEFAULT_TOOLSETS = ("deals", "persons", "organizations", "activities", "notes", "files", "leads", "search")
ATTIO_ALL = "attio"


@dataclass(frozen=True, slots=True)
class ToolEntry:
    name: str
    description: str
    input_schema: dict[str, Any]
    annotations: dict[str, bool]
    toolset: str
    api: str
    method: str
    path: str
    model_ref: str
    deprecated: bool = False

    @property
    def writes(self) -> bool:
        return self.method != "GET"

    @property
    def summary(self) -> str:
        """The description's first sentence."""
        head, dot, _ = self.description.partition(". ")
        return head + ("." if dot else "")

    def model(self) -> type[ToolInput]:
        return _load_model(self.model_ref)


@cache
def _load_model(ref: str) -> type[ToolInput]:
    module, _, name = ref.partition(":")
    return getattr(importlib.import_module(module), name)


class Catalog:
    """All tools of every API, grouped by toolset."""

    def __init__(self, tools: Iterable[ToolEntry]) -> None:
        self.tools: dict[str, ToolEntry] = {t.name: t for t in tools}
        self.toolsets: dict[str, list[ToolEntry]] = {}
        for tool in self.tools.values():
            self.toolsets.setdefault(tool.toolset, []).append(tool)

    def toolset_names(self) -> list[str]:
        return sorted(self.toolsets)

    def resolve_toolsets(self, requested: Iterable[str] | None, *, attio_enabled: bool) -> list[str]:
        """Expand a user's toolset choice ('all', 'attio', names) into toolset names, or fail clearly."""
        if requested is None:
            chosen = list(DEFAULT_TOOLSETS)
            if attio_enabled:
                chosen += [t for t in self.toolset_names() if t.startswith("attio_")]
            return chosen
        chosen: list[str] = []
        unknown: list[str] = []
        for name in requested:
            name = name.strip().lower()
            if name == "all":
                return self.toolset_names()
            if name == "default":
                chosen += self.resolve_toolsets(None, attio_enabled=attio_enabled)
            elif name == ATTIO_ALL:
                chosen += [t for t in self.toolset_names() if t.startswith("attio_")]
            elif name in self.toolsets:
                chosen.append(name)
            else:
                unknown.append(name)
        if unknown:
            valid = ", ".join(["all", "default", ATTIO_ALL, *self.toolset_names()])
            raise ConfigError(f"unknown toolset(s): {', '.join(unknown)}. Valid names: {valid}")
        return list(dict.fromkeys(chosen))

    def select(self, toolsets: Iterable[str], *, read_only: bool, deprecated: bool = True) -> list[ToolEntry]:
        picked = set(toolsets)
        return [
            tool
            for tool in self.tools.values()
            if tool.toolset in picked
            and not (read_only and tool.writes)
            and (deprecated or not tool.deprecated)
        ]


def _entries(document: dict[str, Any]) -> Iterable[ToolEntry]:
    for tool in document["tools"]:
        yield ToolEntry(
            name=tool["name"],
            description=tool["description"],
            input_schema=tool["input_schema"],
            annotations=tool["annotations"],
            toolset=document["toolset"],
            api=document["api"],
            method=tool["method"],
            path=tool["path"],
            model_ref=tool["model"],
            deprecated=tool.get("deprecated", False),
        )


@cache
def load_catalog() -> Catalog:
    root = resources.files("dealdesk_mcp.tool_schemas")
    tools: list[ToolEntry] = []
    for item in sorted(root.iterdir(), key=lambda p: p.name):
        if item.name.endswith(".json"):
            tools.extend(_entries(json.loads(item.read_text(encoding="utf-8"))))
    return Catalog(tools)
