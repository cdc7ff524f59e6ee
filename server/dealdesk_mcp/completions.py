"""Suggested values for prompt arguments and resource-template variables (completion/complete):
pipeline, stage, user, field and toolset names, people and leads by name, and item ids by name
where one search finds them.

Each `Source` is data: the read tool that lists the candidates (or searches them by the typed value),
its arguments, and which key of each record is offered. Reads run through the executor as the asking
account; lists are kept for CACHE_SECONDS per account, so typing letter by letter costs one read.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import mcp_types as types

from dealdesk_mcp import executor, shelf
from dealdesk_mcp import toolsets as toolset_table
from dealdesk_mcp.account import Account
from dealdesk_mcp.errors import ToolError
from dealdesk_mcp.jsonvalues import as_object, is_array, is_object
from dealdesk_mcp.notes import note

if TYPE_CHECKING:
    from dealdesk_mcp.app import Runtime

MAX_VALUES = 100  # the protocol's cap per answer
CACHE_SECONDS = 60.0
CACHE_ENTRIES = 256
# Searches need this many typed characters (the APIs' own minimum).
SEARCH_MIN = 2
LABEL_KEYS = ("name", "title", "field_name", "api_slug")


@dataclass(frozen=True)
class Source:
    """Where one argument's candidates come from: a read tool, or a fixed list."""

    tool: str | None = None
    arguments: Mapping[str, Any] = field(default_factory=dict[str, Any])
    # Pass the typed value as this argument (a search), instead of listing everything once.
    search: str | None = None
    # Offer this key of each record (None: its name, title or slug).
    value_key: str | None = None
    fixed: tuple[str, ...] = ()


PIPELINES = Source("get_pipelines", {"max_items": 500})
STAGES = Source("get_stages", {"max_items": 500})
USERS = Source("get_users")
FIELD_TOOLS = {
    "deals": "get_deal_fields",
    "persons": "get_person_fields",
    "organizations": "get_organization_fields",
    "products": "get_product_fields",
    "activities": "get_activity_fields",
    "leads": "get_lead_fields",
}
SOURCES: dict[str, Source] = {
    "pipeline": PIPELINES,
    "stage": STAGES,
    "user": USERS,
    "person": Source("search_persons", search="term"),
    "contact": Source("search_item", {"item_types": ["person", "organization"]}, search="term"),
    "lead": Source("search_leads", search="term"),
    "duplicate_kind": Source(fixed=("persons", "organizations")),
    "toolset": Source(fixed=tuple(t.name for t in toolset_table.TOOLSETS)),
    # Ids by name, for templates of one item.
    "deal_id": Source("search_deals", search="term", value_key="id"),
    "person_id": Source("search_persons", search="term", value_key="id"),
    "organization_id": Source("search_organization", search="term", value_key="id"),
    "lead_id": Source("search_leads", search="term", value_key="id"),
    "product_id": Source("search_products", search="term", value_key="id"),
    "pipeline_id": Source("get_pipelines", {"max_items": 500}, value_key="id"),
    "user_id": Source("get_users", value_key="id"),
    "attio_object": Source("attio_list_objects", value_key="api_slug"),
    "attio_list": Source("attio_list_all_lists", value_key="api_slug"),
}
# Resource-template variables and the source of each.
TEMPLATE_SOURCES: dict[tuple[str, str], str] = {
    ("pipedrive://deals/{id}", "id"): "deal_id",
    ("pipedrive://persons/{id}", "id"): "person_id",
    ("pipedrive://organizations/{id}", "id"): "organization_id",
    ("pipedrive://leads/{id}", "id"): "lead_id",
    ("pipedrive://products/{id}", "id"): "product_id",
    ("pipedrive://pipelines/{id}", "id"): "pipeline_id",
    ("pipedrive://users/{id}", "id"): "user_id",
    ("attio://objects/{object}/attributes", "object"): "attio_object",
    ("attio://records/{object}/{record_id}", "object"): "attio_object",
    ("attio://lists/{list}/attributes", "list"): "attio_list",
    ("dealdesk://toolsets/{toolset}", "toolset"): "toolset",
}


class UnknownReference(Exception):
    """A completion asked about a prompt or template this server does not have."""


def records_of(value: Any) -> list[dict[str, Any]]:
    """The records of a shaped answer: a table's rows as objects, a list, or the items of a search."""
    data = value.get("data") if is_object(value) else None
    rows: list[dict[str, Any]] = []
    if is_object(data) and is_array(data.get("columns")) and is_array(data.get("rows")):
        same = as_object(data.get("same")) or {}
        columns: list[Any] = data["columns"]
        rows = [{**same, **dict(zip(columns, row, strict=False))} for row in data["rows"] if is_array(row)]
    elif is_array(data):
        rows = [r for r in data if is_object(r)]
    elif is_object(data) and is_array(data.get("items")):
        rows = [r for r in data["items"] if is_object(r)]
    # Search answers wrap each record in "item".
    return [inner if (inner := as_object(r.get("item"))) is not None else r for r in rows]


def _label(record: Mapping[str, Any], key: str | None) -> str | None:
    keys = (key,) if key else LABEL_KEYS
    for k in keys:
        value = record.get(k)
        if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value):
            return str(value)
    return None


def ranked(candidates: list[str], typed: str) -> list[str]:
    """Candidates containing `typed` (any case): those starting with it first, each once."""
    low = typed.lower()
    unique = list(dict.fromkeys(candidates))
    starts = [c for c in unique if c.lower().startswith(low)]
    inside = [c for c in unique if low in c.lower() and not c.lower().startswith(low)]
    return starts + inside


@dataclass
class Completer:
    runtime: Runtime
    clock: Callable[[], float] = time.monotonic
    _cache: dict[tuple[str, str, str], tuple[float, list[dict[str, Any]]]] = field(
        default_factory=dict[tuple[str, str, str], tuple[float, list[dict[str, Any]]]]
    )

    async def _records(
        self, account: Account, tool: str, arguments: Mapping[str, Any]
    ) -> list[dict[str, Any]]:
        key = (account.key, tool, repr(sorted(arguments.items())))
        now = self.clock()
        hit = self._cache.get(key)
        if hit is not None and now - hit[0] < CACHE_SECONDS:
            return hit[1]
        entry = self.runtime.catalog.tools[tool]
        if not account.has(entry.api):
            return []
        try:
            answer = await executor.run(self.runtime.new_call(entry, dict(arguments), account))
        except ToolError as exc:
            await note("warning", f"completion: {tool} failed: {exc.message}")
            return []
        found = records_of(answer.value)
        if len(self._cache) >= CACHE_ENTRIES:
            self._cache.pop(next(iter(self._cache)))
        self._cache[key] = (now, found)
        return found

    async def values(
        self, account: Account, source_name: str, typed: str, context: Mapping[str, str]
    ) -> list[str]:
        source = SOURCES[source_name]
        if source.fixed:
            return ranked(list(source.fixed), typed)
        assert source.tool is not None
        arguments = dict(source.arguments)
        if source.search is not None:
            if len(typed.strip()) < SEARCH_MIN:
                return []
            arguments[source.search] = typed.strip()
        records = await self._records(account, source.tool, arguments)
        if source is STAGES and context.get("pipeline"):
            records = await self._stages_of(account, records, context["pipeline"])
        labels = [v for r in records if (v := _label(r, source.value_key)) is not None]
        # A search already matched the typed value (by name); its ids are the answer as they come.
        return labels if source.search is not None else ranked(labels, typed)

    async def _stages_of(
        self, account: Account, stages: list[dict[str, Any]], pipeline: str
    ) -> list[dict[str, Any]]:
        pipelines = await self._records(account, PIPELINES.tool or "", PIPELINES.arguments)
        ids = {p.get("id") for p in pipelines if str(p.get("name", "")).lower() == pipeline.lower()}
        return [s for s in stages if s.get("pipeline_id") in ids] if ids else stages

    async def field_names(self, account: Account, kind: str, typed: str) -> list[str]:
        tool = FIELD_TOOLS.get(kind.strip().lower(), FIELD_TOOLS["deals"])
        records = await self._records(account, tool, {"max_items": 500})
        return ranked([v for r in records if (v := _label(r, None)) is not None], typed)

    async def complete(
        self,
        account: Account,
        ref: types.PromptReference | types.ResourceTemplateReference,
        argument: str,
        typed: str,
        context: Mapping[str, str],
    ) -> types.Completion:
        found = await self._found(account, ref, argument, typed, context)
        shown = found[:MAX_VALUES]
        return types.Completion(values=shown, total=len(found), has_more=len(found) > len(shown))

    async def _found(
        self,
        account: Account,
        ref: types.PromptReference | types.ResourceTemplateReference,
        argument: str,
        typed: str,
        context: Mapping[str, str],
    ) -> list[str]:
        from dealdesk_mcp import prompts, resources
        from dealdesk_mcp.toolswitch import TOOLSET_TEMPLATE

        if isinstance(ref, types.PromptReference):
            spec = prompts.BY_NAME.get(ref.name)
            if spec is None or not account.has(spec.api):
                raise UnknownReference(f"unknown prompt {ref.name!r}")
            arg = next((a for a in spec.arguments if a.name == argument), None)
            if arg is None:
                raise UnknownReference(f"prompt {ref.name} has no argument {argument!r}")
            if arg.completes == "field":
                return await self.field_names(account, context.get("kind", "persons"), typed)
            return await self.values(account, arg.completes, typed, context) if arg.completes else []
        if ref.uri == shelf.TEMPLATE:
            return ranked([f.name for f in self.runtime.shelf.listed(account)], typed)
        known = {s.uri for s in resources.offered(self.runtime, account)} | {TOOLSET_TEMPLATE}
        if ref.uri not in known:
            raise UnknownReference(f"unknown resource template {ref.uri!r}")
        source = TEMPLATE_SOURCES.get((ref.uri, argument))
        return await self.values(account, source, typed, context) if source else []
