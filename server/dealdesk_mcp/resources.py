"""Reference data an agent or host reads without a tool call, as MCP resources: the signed-in user,
pipelines and stages, each entity's fields, users, currencies, activity types, lead labels; one item
by id through resource templates; Attio's objects, attributes and records; and the server's own list
of toolsets.

Each resource is a row of `RESOURCES`: its URI (or URI template), the API it needs, and the read
tools that fill it. A read runs those tools through the executor as the requesting account, so auth,
shaping, the answer cap and scrubbing are the same as for a tool call; the content is that answer's
JSON (several readings side by side under their part names).

A write the server carries out touches resources: one whose read tool is of the write's toolset and
shares its path (the collection, or the same item) is announced as updated to the connections that
subscribed to it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from mcp.shared.uri_template import UriTemplate

from dealdesk_mcp import executor
from dealdesk_mcp.account import Account
from dealdesk_mcp.answers import dumps
from dealdesk_mcp.catalog import ToolEntry

if TYPE_CHECKING:
    from dealdesk_mcp.app import Runtime

JSON = "application/json"
# A list read gathers this many items (every pipeline, user, field an account has, in practice).
ALL_ITEMS = 500


@dataclass(frozen=True)
class Reading:
    """One read tool that fills (part of) a resource: its fixed arguments, and which template
    variables give which of its arguments."""

    part: str
    tool: str
    arguments: Mapping[str, Any] = field(default_factory=dict[str, Any])
    fill: Mapping[str, str] = field(default_factory=dict[str, str])


@dataclass(frozen=True)
class ResourceSpec:
    uri: str
    name: str
    title: str
    description: str
    readings: tuple[Reading, ...]
    # The API whose credentials it needs (None: the server's own, always offered).
    api: str | None = "pipedrive"

    @property
    def is_template(self) -> bool:
        return UriTemplate.is_template(self.uri)

    @property
    def tools(self) -> tuple[str, ...]:
        return tuple(r.tool for r in self.readings)


def _one(tool: str, **arguments: Any) -> tuple[Reading, ...]:
    return (Reading("data", tool, arguments),)


def _item(tool: str, **fill: str) -> tuple[Reading, ...]:
    return (Reading("data", tool, fill=fill or {"id": "id"}),)


_FIELDS = (
    ("deals", "get_deal_fields"),
    ("persons", "get_person_fields"),
    ("organizations", "get_organization_fields"),
    ("products", "get_product_fields"),
    ("activities", "get_activity_fields"),
    ("leads", "get_lead_fields"),
    ("notes", "get_note_fields"),
    ("projects", "get_project_fields"),
)
_ITEMS = (
    ("deals", "get_deal", "A deal"),
    ("persons", "get_person", "A person"),
    ("organizations", "get_organization", "An organization"),
    ("leads", "get_lead", "A lead (its id is a UUID)"),
    ("activities", "get_activity", "An activity"),
    ("products", "get_product", "A product"),
    ("notes", "get_note", "A note"),
    ("users", "get_user", "A user"),
)

RESOURCES: tuple[ResourceSpec, ...] = (
    ResourceSpec(
        "pipedrive://me",
        "me",
        "Signed-in user and company",
        "The Pipedrive user this server acts as, with the company (name, domain, id).",
        _one("get_current_user"),
    ),
    ResourceSpec(
        "pipedrive://pipelines",
        "pipelines",
        "Pipelines and stages",
        "Every pipeline and every stage (stages name their pipeline_id), for stage moves and reviews.",
        (
            Reading("pipelines", "get_pipelines", {"max_items": ALL_ITEMS}),
            Reading("stages", "get_stages", {"max_items": ALL_ITEMS}),
        ),
    ),
    ResourceSpec(
        "pipedrive://users",
        "users",
        "Users",
        "The company's users: ids, names, emails, whether active; for owners and assignees.",
        _one("get_users"),
    ),
    ResourceSpec(
        "pipedrive://currencies",
        "currencies",
        "Currencies",
        "Currency codes the company can use for deal and product values.",
        _one("get_currencies"),
    ),
    ResourceSpec(
        "pipedrive://activity-types",
        "activity-types",
        "Activity types",
        "The kinds of activity (call, meeting, task, ...) and the key to pass as an activity's type.",
        _one("get_activity_types"),
    ),
    ResourceSpec(
        "pipedrive://lead-labels",
        "lead-labels",
        "Lead labels and sources",
        "Labels a lead can carry (ids for label_ids) and where leads come from.",
        (Reading("labels", "get_lead_labels"), Reading("sources", "get_lead_sources")),
    ),
    *(
        ResourceSpec(
            f"pipedrive://fields/{entity}",
            f"fields-{entity}",
            f"Fields of {entity}",
            f"Every field of {entity}, custom ones by name, with the options of choice fields.",
            _one(tool, max_items=ALL_ITEMS) if tool != "get_note_fields" else _one(tool),
        )
        for entity, tool in _FIELDS
    ),
    ResourceSpec(
        "pipedrive://pipelines/{id}",
        "pipeline",
        "One pipeline and its stages",
        "A pipeline by id, with its stages in order.",
        (
            Reading("pipeline", "get_pipeline", fill={"id": "id"}),
            Reading("stages", "get_stages", {"max_items": ALL_ITEMS}, fill={"id": "pipeline_id"}),
        ),
    ),
    *(
        ResourceSpec(
            f"pipedrive://{collection}/{{id}}",
            collection.removesuffix("s"),
            f"One of {collection} by id",
            f"{what}, by id, as {tool} answers (custom fields by name).",
            _item(tool),
        )
        for collection, tool, what in _ITEMS
    ),
    ResourceSpec(
        "attio://self",
        "attio-self",
        "Attio workspace and key",
        "The Attio workspace this server reaches and who authorised its key.",
        _one("attio_identify"),
        api="attio",
    ),
    ResourceSpec(
        "attio://objects",
        "attio-objects",
        "Attio objects",
        "Every Attio object (people, companies, deals, custom ones) with its api_slug.",
        _one("attio_list_objects"),
        api="attio",
    ),
    ResourceSpec(
        "attio://lists",
        "attio-lists",
        "Attio lists",
        "Every Attio list with its api_slug and parent object.",
        _one("attio_list_all_lists"),
        api="attio",
    ),
    ResourceSpec(
        "attio://workspace-members",
        "attio-members",
        "Attio workspace members",
        "The members of the workspace: ids for owners and assignees.",
        _one("attio_list_workspace_members"),
        api="attio",
    ),
    ResourceSpec(
        "attio://objects/{object}/attributes",
        "attio-object-attributes",
        "Attributes of an Attio object",
        "Every attribute of one object (by api_slug), with types and whether each is required.",
        (
            Reading(
                "data",
                "attio_list_attributes",
                {"target": "objects", "max_items": ALL_ITEMS},
                fill={"object": "identifier"},
            ),
        ),
        api="attio",
    ),
    ResourceSpec(
        "attio://lists/{list}/attributes",
        "attio-list-attributes",
        "Attributes of an Attio list",
        "Every attribute of one list's entries (by api_slug).",
        (
            Reading(
                "data",
                "attio_list_attributes",
                {"target": "lists", "max_items": ALL_ITEMS},
                fill={"list": "identifier"},
            ),
        ),
        api="attio",
    ),
    ResourceSpec(
        "attio://records/{object}/{record_id}",
        "attio-record",
        "One Attio record",
        "A record of an object by its record_id (a UUID), values shown as their current ones.",
        _item("attio_get_record", object="object", record_id="record_id"),
        api="attio",
    ),
)
BY_URI = {spec.uri: spec for spec in RESOURCES}


@cache
def template_of(uri: str) -> UriTemplate:
    return UriTemplate.parse(uri)


def offered(runtime: Runtime, account: Account) -> list[ResourceSpec]:
    """The resources this account can read here: its APIs with credentials, no excluded read tool."""
    excluded = set(runtime.settings.exclude_tools)
    return [
        spec
        for spec in RESOURCES
        if (spec.api is None or account.has(spec.api))
        and all(tool in runtime.catalog.tools and tool not in excluded for tool in spec.tools)
    ]


def match(specs: list[ResourceSpec], uri: str) -> tuple[ResourceSpec, dict[str, str]] | None:
    """The resource `uri` names and its template's values, or None."""
    for spec in specs:
        if not spec.is_template:
            if spec.uri == uri:
                return spec, {}
            continue
        values = template_of(spec.uri).match(uri)
        if values and all(isinstance(v, str) and v for v in values.values()):
            return spec, {k: str(v) for k, v in values.items()}
    return None


def _typed(entry: ToolEntry, argument: str, value: str) -> Any:
    """A template value as the tool's argument type (ids are integers in most tools)."""
    kind = entry.input_schema.get("properties", {}).get(argument, {}).get("type")
    if kind == "integer" and value.isdigit():
        return int(value)
    return value


def arguments_of(entry: ToolEntry, reading: Reading, values: Mapping[str, str]) -> dict[str, Any]:
    filled = {arg: _typed(entry, arg, values[var]) for var, arg in reading.fill.items()}
    return {**reading.arguments, **filled}


async def read(runtime: Runtime, account: Account, spec: ResourceSpec, values: Mapping[str, str]) -> Any:
    """The resource's content: the read tool's answer, or several side by side by part name."""
    parts: dict[str, Any] = {}
    for reading in spec.readings:
        entry = runtime.catalog.tools[reading.tool]
        answer = await executor.run(runtime.new_call(entry, arguments_of(entry, reading, values), account))
        runtime.shelve(account, answer.value)
        parts[reading.part] = answer.value
    return parts["data"] if list(parts) == ["data"] else parts


def text_of(account: Account, value: Any) -> str:
    return account.scrub(dumps(value))


# -- what a write touches -----------------------------------------------------------------------
def _unversioned(path: str) -> str:
    """A path without the API version segment, so a v1 write and a v2 read of one collection meet."""
    parts = path.split("/")
    if len(parts) > 2 and parts[1] == "api" and parts[2].startswith("v"):
        parts = parts[3:]
    elif len(parts) > 1 and parts[1].startswith("v") and parts[1][1:].isdigit():
        parts = parts[2:]
    return "/" + "/".join(p for p in parts if p)


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + "/")


def touched(
    runtime: Runtime, specs: list[ResourceSpec], entry: ToolEntry, arguments: Mapping[str, Any]
) -> set[str]:
    """The URIs of resources a write by `entry` with `arguments` changed."""
    written = _unversioned(entry.path)
    uris: set[str] = set()
    for spec in specs:
        for reading in spec.readings:
            read_entry = runtime.catalog.tools[reading.tool]
            # The same toolset too: creating a record under /objects/{object} changes no object.
            same = read_entry.api == entry.api and read_entry.toolset == entry.toolset
            if not same or not _under(written, _unversioned(read_entry.path)):
                continue
            if not spec.is_template:
                uris.add(spec.uri)
                continue
            values: dict[str, str] = {}
            for var, arg in reading.fill.items():
                if arguments.get(arg) is None or f"{{{arg}}}" not in read_entry.path:
                    break
                values[var] = str(arguments[arg])
            else:
                fixed = all(
                    arguments.get(k) == v for k, v in reading.arguments.items() if f"{{{k}}}" in entry.path
                )
                if values and fixed:
                    uris.add(template_of(spec.uri).expand(values))
    return uris
