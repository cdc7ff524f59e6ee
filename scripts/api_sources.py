"""Read the vendors' OpenAPI documents into a list of operations the generator turns into tools.

What differs between APIs is data (the `SOURCES` rows below), not code paths.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from openapi_schema import Schema, SchemaResolver, body_variants, merge_variants

METHODS = ("get", "post", "put", "patch", "delete")

# Pipedrive tag -> our resource toolset. *Fields tags all go to "fields".
PIPEDRIVE_TOOLSETS = {
    "Deals": "deals",
    "DealProducts": "deal_products",
    "DealInstallments": "deal_products",
    "Persons": "persons",
    "Organizations": "organizations",
    "OrganizationRelationships": "organization_relationships",
    "Activities": "activities",
    "ActivityTypes": "activity_types",
    "Leads": "leads",
    "LeadLabels": "lead_labels",
    "LeadSources": "lead_labels",
    "Notes": "notes",
    "Files": "files",
    "Products": "products",
    "Projects": "projects",
    "ProjectBoards": "projects",
    "ProjectPhases": "projects",
    "ProjectTemplates": "projects",
    "Tasks": "projects",
    "Pipelines": "pipelines",
    "Stages": "stages",
    "Users": "users",
    "UserConnections": "users",
    "UserSettings": "users",
    "Roles": "roles",
    "PermissionSets": "roles",
    "LegacyTeams": "teams",
    "Filters": "filters",
    "Goals": "goals",
    "Mailbox": "mail",
    "CallLogs": "call_logs",
    "Webhooks": "webhooks",
    "ItemSearch": "search",
    "Meetings": "meetings",
    "Channels": "channels",
    "Billing": "account",
    "Currencies": "account",
    "Recents": "account",
}

# Sub-resources shared by deals, persons, organizations and products get toolsets of their own,
# so the everyday toolsets stay small: (tool name pattern, toolset), first match wins.
NAME_TOOLSETS = (
    (re.compile(r"_followers?(_changelog)?$"), "followers"),
    (re.compile(r"_(changelog|updates)$"), "history"),
    (re.compile(r"^get_(deal|person|organization)_mail_messages$"), "mail"),
    (re.compile(r"^get_(deal|person|organization)_files$"), "files"),
    (re.compile(r"^get_(deal|person|organization|product|lead)_users$"), "users"),
    (re.compile(r"_additional_discounts?$"), "deal_products"),
)


@dataclass
class Param:
    name: str
    location: str  # path | query | body
    schema: Schema
    required: bool
    comma: bool = False  # query array sent comma-joined


@dataclass
class Operation:
    name: str
    api: str
    toolset: str
    method: str
    path: str
    version: str
    params: list[Param]
    body: str = "none"
    body_root: str | None = None
    body_wrapper: str | None = None
    body_min_fields: int = 0
    body_variants: list[Any] = field(default_factory=list)
    file_part: str | None = None
    downloads: bool = False
    pagination: str = "none"
    page_size_max: int | None = None
    token_cost: int | None = None
    deprecated: bool = False
    # A GET's answer: the fields of the item under `data` (how the generator knows which items carry an
    # update_time, for conditional updates).
    item_fields: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)


def snake_case(text: str) -> str:
    text = text.replace("-", "_")
    text = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", text)
    return text.lower()


def load_document(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        return json.loads(text)
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def _iter_operations(document: dict[str, Any]):
    for path, item in document["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def _body_parts(
    resolver: SchemaResolver, operation: dict[str, Any], path: str
) -> tuple[str, Schema | None, bool]:
    body = operation.get("requestBody")
    if not body:
        return "none", None, False
    content = body["content"]
    for media, encoding in (
        ("application/json", "json"),
        ("multipart/form-data", "multipart"),
        ("application/x-www-form-urlencoded", "form"),
    ):
        if media in content:
            schema = resolver.normalize(content[media].get("schema", {}))
            return encoding, schema, bool(body.get("required"))
    raise ValueError(f"{path}: unsupported request body media {list(content)}")


def _operation(
    *,
    resolver: SchemaResolver,
    name: str,
    api: str,
    toolset: str,
    method: str,
    path: str,
    version: str,
    op: dict[str, Any],
    unwrap: str | None = None,
) -> Operation:
    params: list[Param] = []
    for raw in op.get("parameters", ()):
        raw = resolver.deref(raw)
        if raw["in"] not in ("path", "query"):
            continue
        schema = resolver.normalize(raw.get("schema", {}))
        comma = raw["in"] == "query" and schema.get("type") == "array" and raw.get("explode") is False
        params.append(
            Param(raw["name"], raw["in"], schema, raw["in"] == "path" or bool(raw.get("required")), comma)
        )
    # Some documents use a path template without declaring its parameter: add it as a required string.
    declared = {p.name for p in params if p.location == "path"}
    for template in re.findall(r"{([^}]+)}", path):
        if template not in declared:
            params.append(Param(template, "path", {"type": "string"}, True))

    result = Operation(
        name=name,
        api=api,
        toolset=toolset,
        method=method.upper(),
        path=path,
        version=version,
        params=params,
        token_cost=op.get("x-token-cost"),
        deprecated=bool(op.get("deprecated")),
    )
    encoding, body, body_required = _body_parts(resolver, op, path)
    result.body = encoding
    if body is not None and body.get("anyOf"):
        # One of several shapes: the tool takes them flat; the model checks the combination.
        result.body_variants = body_variants(body)
        body = merge_variants(body)
    if body is not None:
        taken = {p.name for p in params}
        if body.get("type") == "array":
            result.body_root = "options" if path.endswith("/options") else "items"
            params.append(Param(result.body_root, "body", body, body_required))
        else:
            props = body.get("properties", {})
            required = set(body.get("required", ()))
            result.body_min_fields = int(body.get("minProperties", 0))
            inner = props.get(unwrap) if unwrap else None
            if (
                inner is not None
                and encoding == "json"
                and set(props) == {unwrap}
                and inner.get("type") == "object"
                and inner.get("properties")
                and not taken & set(inner["properties"])
            ):
                # The API wraps bodies as {"data": {...}}: the tool takes the inner fields flat.
                result.body_wrapper = unwrap
                props, required = inner["properties"], set(inner.get("required", ()))
            for prop, schema in props.items():
                if encoding == "multipart" and schema.get("format") == "binary":
                    result.file_part = prop
                    continue
                if prop in taken:
                    raise ValueError(f"{name}: body property {prop!r} collides with a parameter")
                params.append(Param(prop, "body", schema, prop in required))
    query = {p.name: p for p in params if p.location == "query"}
    body_props = {p.name for p in params if p.location == "body"}
    limit = query.get("limit")
    # The paging style is named by the parameter that moves it: Pipedrive v1 `start`, Attio `offset`
    # (in the query, or in the JSON body of its query operations), or an opaque `cursor`.
    if "cursor" in query:
        result.pagination = "cursor"
    elif "start" in query and "limit" in query:
        result.pagination = "start"
    elif "offset" in query:
        result.pagination = "offset"
    elif "offset" in body_props:
        result.pagination = "body_offset"
    if result.pagination != "none" and limit is not None:
        result.page_size_max = limit.schema.get("maximum")
    if result.pagination == "body_offset":
        limit_body = next(p for p in params if p.name == "limit")
        result.page_size_max = limit_body.schema.get("maximum")
    if method == "get":
        result.item_fields = _item_fields(resolver, op)
    # A GET whose success answer is not JSON is a download: the bytes go to a file.
    if method == "get":
        success = next((r for code, r in op.get("responses", {}).items() if str(code).startswith("2")), {})
        media = set((success.get("content") or {}).keys()) if isinstance(success, dict) else set()
        if (
            op.get("x-binary-response")
            or "application/octet-stream" in media
            or ("302" in map(str, op.get("responses", {})) and path.endswith("/download"))
        ):
            result.downloads = True
    return result


def _item_fields(resolver: SchemaResolver, op: dict[str, Any]) -> tuple[str, ...]:
    """The properties of the object a success answer holds under `data` (none for lists and files)."""
    success = next((r for code, r in op.get("responses", {}).items() if str(code).startswith("2")), {})
    success = resolver.deref(success) if isinstance(success, dict) else {}
    schema = ((success.get("content") or {}).get("application/json") or {}).get("schema")
    if not schema:
        return ()
    data = resolver.normalize(schema).get("properties", {}).get("data", {})
    return tuple(data.get("properties") or ())


@dataclass(frozen=True)
class Document:
    file: str  # in specs/
    version: str
    path_prefix: str = ""


@dataclass(frozen=True)
class ApiSource:
    """One API's documents and the rules that make its operations tools: everything the generator knows
    about an API is a row of this kind (adding an API is a row, a document and a runtime profile)."""

    api: str
    documents: tuple[Document, ...]
    tool_prefix: str = ""
    # Toolset by tag; by tag pattern; by tool-name pattern (first match wins); else prefix + the tag.
    tag_toolsets: Mapping[str, str] = field(default_factory=dict[str, str])
    tag_patterns: tuple[tuple[re.Pattern[str], str], ...] = ()
    name_toolsets: tuple[tuple[re.Pattern[str], str], ...] = ()
    # Operations under these tags are not tools (OAuth token exchange belongs to the session).
    skip_tags: frozenset[str] = frozenset()
    # The body member an API wraps its request bodies in ({"data": {...}}), taken flat by the tools.
    unwrap_body: str | None = None

    def toolset(self, name: str, tags: list[str]) -> str:
        for pattern, toolset in self.name_toolsets:
            if pattern.search(name):
                return toolset
        tag = tags[0]
        for pattern, toolset in self.tag_patterns:
            if pattern.search(tag):
                return toolset
        if tag in self.tag_toolsets:
            return self.tag_toolsets[tag]
        return self.tool_prefix + re.sub(r"[^a-z0-9]+", "_", tag.lower()).strip("_")


SOURCES = (
    ApiSource(
        "pipedrive",
        (Document("pipedrive-v1.json", "v1", "/api/v1"), Document("pipedrive-v2.json", "v2", "/api/v2")),
        tag_toolsets=PIPEDRIVE_TOOLSETS,
        tag_patterns=((re.compile(r"Fields$"), "fields"),),
        name_toolsets=NAME_TOOLSETS,
        skip_tags=frozenset({"Oauth"}),
    ),
    ApiSource(
        "attio",
        (Document("attio.json", "v2"),),
        tool_prefix="attio_",
        tag_patterns=((re.compile(r"^SCIM"), "attio_scim"),),
        unwrap_body="data",
    ),
)


def source_operations(specs: Path, source: ApiSource) -> list[Operation]:
    """The tools of one API. Where an operationId is in several of its documents, the last one's
    operation is the tool (Pipedrive's v2 over v1)."""
    documents = [(d, load_document(specs / d.file)) for d in source.documents]
    latest: dict[str, int] = {}
    for index, (_, document) in enumerate(documents):
        for _, _, op in _iter_operations(document):
            latest[op["operationId"]] = index
    out: list[Operation] = []
    for index, (doc, document) in enumerate(documents):
        resolver = SchemaResolver(document)
        for path, method, op in _iter_operations(document):
            if source.skip_tags & set(op.get("tags", ())) or latest[op["operationId"]] != index:
                continue
            name = source.tool_prefix + snake_case(op["operationId"])
            out.append(
                _operation(
                    resolver=resolver,
                    name=name,
                    api=source.api,
                    toolset=source.toolset(name, op["tags"]),
                    method=method,
                    path=doc.path_prefix + path,
                    version=doc.version,
                    op=op,
                    unwrap=source.unwrap_body,
                )
            )
    return out


def operations(specs: Path, sources: tuple[ApiSource, ...] = SOURCES) -> list[Operation]:
    return [op for source in sources for op in source_operations(specs, source)]
