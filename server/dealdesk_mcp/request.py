"""Build the HTTP request of a validated tool input: path, query and body as its route declares."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from dealdesk_mcp.errors import InvalidArguments
from dealdesk_mcp.jsonvalues import is_array
from dealdesk_mcp.route import Route, ToolInput


@dataclass
class OutgoingRequest:
    """One API request, before it meets a session: what a dry run shows, byte for byte what is sent."""

    method: str
    path: str
    params: list[tuple[str, str]] = field(default_factory=list[tuple[str, str]])
    json: Any = None
    form: dict[str, str] | None = None
    has_json: bool = False
    # Multipart parts (the upload's file, streamed from its open descriptor).
    files: dict[str, Any] | None = None
    accept: str = "application/json"

    @property
    def body(self) -> Any:
        return self.json if self.has_json else self.form

    def shown(self) -> dict[str, Any]:
        """The request as a dry run or a preview shows it (the file part of an upload aside)."""
        return {
            "method": self.method,
            "path": self.path,
            "query": [list(p) for p in self.params],
            "body": self.body,
        }


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _form_value(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def build_request(model: ToolInput, *, overrides: dict[str, Any] | None = None) -> OutgoingRequest:
    """The request for `model`; `overrides` replaces wire values (a page cursor, a page size)."""
    route: Route = model.route
    # Only what the caller set goes out: the API applies its own defaults.
    values = model.model_dump(mode="json", by_alias=True, exclude_unset=True)
    if overrides:
        values.update(overrides)

    path = route.path
    for name in route.path_params:
        value = str(values[name])
        if value.strip() in ("", ".", ".."):
            # Empty and dot segments would be collapsed on the way and reach another endpoint.
            raise InvalidArguments(
                f"Invalid arguments; nothing was sent:\n- {name}: {value!r} is not a usable value"
            )
        path = path.replace("{" + name + "}", quote(value, safe=""))

    request = OutgoingRequest(method=route.method, path=path)
    for name in route.query_params:
        if name not in values or values[name] is None:
            continue
        value = values[name]
        if is_array(value):
            if name in route.comma_params:
                request.params.append((name, ",".join(_query_value(v) for v in value)))
            else:
                request.params.extend((name, _query_value(v)) for v in value)
        else:
            request.params.append((name, _query_value(value)))

    body = {name: values[name] for name in route.body_params if name in values}
    if route.body == "json":
        if route.body_root:
            request.json = body.get(route.body_root, [])
        elif route.body_wrapper:
            request.json = {route.body_wrapper: body}
        else:
            request.json = body
        request.has_json = True
    elif route.body in ("form", "multipart"):
        request.form = {name: _form_value(value) for name, value in body.items() if value is not None}
    return request
