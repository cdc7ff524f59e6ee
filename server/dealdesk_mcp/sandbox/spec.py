"""The operations the sandbox serves, read from Pipedrive's own documents (specs/pipedrive-v1/v2.json).

Every documented operation becomes one `Operation`: its method and path template, its parameters and
request body schema, and the status, media type and schema of its success answer. Handlers never build
response shapes by hand: the wire layer projects their data through `success_schema`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from . import documents
from .jsontypes import as_object

VERSIONS = ("v1", "v2")
METHODS = ("get", "post", "put", "patch", "delete")
OAUTH_TAG = "Oauth"


@dataclass(frozen=True)
class Param:
    name: str
    location: str  # "path" or "query"
    schema: dict[str, Any]
    required: bool


@dataclass(frozen=True)
class Operation:
    version: str
    method: str
    template: str  # as documented, without the /api/{version} prefix
    operation_id: str
    tags: tuple[str, ...]
    params: tuple[Param, ...]
    body_media: str | None
    body_schema: dict[str, Any] | None
    success_status: int
    success_media: str | None
    success_schema: dict[str, Any] | None
    token_cost: int
    deprecated: bool
    pattern: re.Pattern[str] = field(repr=False, compare=False)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.version, self.method, self.template)

    @property
    def is_oauth(self) -> bool:
        return OAUTH_TAG in self.tags

    @property
    def segments(self) -> list[str]:
        return [s for s in self.template.split("/") if s]

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    @property
    def query_names(self) -> set[str]:
        return {p.name for p in self.params if p.location == "query"}

    def response_schema(self, status: int) -> dict[str, Any] | None:
        """The documented JSON schema for an answer with this status (success or error)."""
        raw = as_object(_document(self.version)["paths"][self.template][self.method.lower()]["responses"])
        content = as_object(as_object(raw.get(str(status))).get("content"))
        schema = as_object(content.get("application/json")).get("schema")
        return as_object(schema) if schema is not None else None


@cache
def _document(version: str) -> dict[str, Any]:
    return documents.load(f"pipedrive-{version}")


def _pattern(template: str) -> re.Pattern[str]:
    parts: list[str] = []
    for segment in template.strip("/").split("/"):
        if segment.startswith("{") and segment.endswith("}"):
            name = re.sub(r"\W", "_", segment[1:-1])
            parts.append(f"(?P<{name}>[^/]+)")
        else:
            parts.append(re.escape(segment))
    return re.compile("^/" + "/".join(parts) + "/?$")


def _success(op: dict[str, Any]) -> tuple[int, str | None, dict[str, Any] | None]:
    for code, answer in as_object(op.get("responses")).items():
        if str(code).startswith("2"):
            content = as_object(as_object(answer).get("content"))
            if "application/json" in content:
                return (
                    int(code),
                    "application/json",
                    as_object(as_object(content["application/json"]).get("schema")),
                )
            media = next(iter(content), None)
            return int(code), media, None
    return 200, "application/json", None


def _body(op: dict[str, Any]) -> tuple[str | None, dict[str, Any] | None]:
    content = as_object(as_object(op.get("requestBody")).get("content"))
    for media in ("application/json", "multipart/form-data", "application/x-www-form-urlencoded"):
        if media in content:
            return media, as_object(as_object(content[media]).get("schema"))
    return None, None


@cache
def operations() -> tuple[Operation, ...]:
    """Every operation of both documents, OAuth's three included."""
    out: list[Operation] = []
    for version in VERSIONS:
        for template, item in _document(version)["paths"].items():
            shared = item.get("parameters", [])
            for method in METHODS:
                if method not in item:
                    continue
                raw = item[method]
                params = tuple(
                    Param(p["name"], p["in"], p.get("schema") or {}, bool(p.get("required")))
                    for p in [*shared, *raw.get("parameters", [])]
                    if p["in"] in ("path", "query")
                )
                status, media, schema = _success(raw)
                body_media, body_schema = _body(raw)
                out.append(
                    Operation(
                        version=version,
                        method=method.upper(),
                        template=template,
                        operation_id=raw["operationId"],
                        tags=tuple(raw.get("tags", ())),
                        params=params,
                        body_media=body_media,
                        body_schema=body_schema,
                        success_status=status,
                        success_media=media,
                        success_schema=schema,
                        token_cost=int(raw.get("x-token-cost") or 0),
                        deprecated=bool(raw.get("deprecated")),
                        pattern=_pattern(template),
                    )
                )
    return tuple(out)


def api_operations() -> tuple[Operation, ...]:
    """The operations served under /api/v1 and /api/v2 (OAuth has its own paths)."""
    return tuple(op for op in operations() if not op.is_oauth)


@cache
def _by_method() -> dict[tuple[str, str], list[Operation]]:
    table: dict[tuple[str, str], list[Operation]] = {}
    for op in api_operations():
        table.setdefault((op.version, op.method), []).append(op)
    return table


def match(version: str, method: str, path: str) -> tuple[Operation, dict[str, str]] | None:
    """The operation a request path names; a literal segment beats a placeholder (/deals/search)."""
    best: tuple[Operation, dict[str, str]] | None = None
    for op in _by_method().get((version, method), ()):
        found = op.pattern.match(path)
        if found and (best is None or len(found.groupdict()) < len(best[1])):
            best = (op, found.groupdict())
    if best is None:
        return None
    op, raw = best
    # Group names had non-word characters replaced; hand the handler the documented names.
    names = [s[1:-1] for s in op.segments if s.startswith("{")]
    return op, {name: raw[re.sub(r"\W", "_", name)] for name in names}


def path_exists(version: str, path: str) -> list[str]:
    """The methods documented for a path (for 405 answers)."""
    return sorted({op.method for op in api_operations() if op.version == version and op.pattern.match(path)})
