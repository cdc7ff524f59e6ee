"""The route table: (version, method, path template) -> handler, and the per-request Call handed to it."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from .db import Store
from .wire import BadRequest, NotFound


@dataclass
class Call:
    request: Request
    store: Store
    params: dict[str, str]
    _form: Any = field(default=None, repr=False)

    @property
    def query(self) -> Any:
        return self.request.query_params

    def int_param(self, name: str = "id") -> int:
        raw = self.params[name]
        try:
            return int(raw)
        except ValueError:
            raise BadRequest(f"{name} must be an integer") from None

    async def json(self) -> Any:
        raw = await self.request.body()
        if not raw.strip():
            return {}
        try:
            return json.loads(raw)
        except ValueError:
            raise BadRequest("The request body is not valid JSON") from None

    async def json_object(self) -> dict[str, Any]:
        data = await self.json()
        if not isinstance(data, dict):
            raise BadRequest("The request body must be a JSON object")
        return data

    async def form_or_json(self) -> dict[str, Any]:
        """v1 file operations take urlencoded or multipart bodies; JSON is accepted as well."""
        ctype = self.request.headers.get("content-type", "")
        if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            if self._form is None:
                self._form = await self.request.form()
            return {k: v for k, v in self._form.multi_items() if isinstance(v, str)}
        return await self.json_object()

    async def upload(self, field_name: str) -> tuple[str, bytes, str | None] | None:
        if not self.request.headers.get("content-type", "").startswith("multipart/form-data"):
            return None
        if self._form is None:
            self._form = await self.request.form()
        item = self._form.get(field_name)
        if item is None or isinstance(item, str):
            return None
        content = await item.read()
        return item.filename or "upload.bin", content, item.content_type


Handler = Callable[[Call], Awaitable[Response]]


@dataclass(frozen=True)
class Route:
    version: str
    method: str
    template: str
    handler: Handler
    pattern: re.Pattern[str]


class RouteTable:
    def __init__(self) -> None:
        self.routes: list[Route] = []

    def add(self, version: str, method: str, template: str) -> Callable[[Handler], Handler]:
        regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template)
        pattern = re.compile(f"^{regex}/?$")

        def register(handler: Handler) -> Handler:
            self.routes.append(Route(version, method, template, handler, pattern))
            return handler

        return register

    def match(self, version: str, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        # A literal segment beats a placeholder: /deals/search is not /deals/{id}.
        best: tuple[Route, dict[str, str]] | None = None
        for route in self.routes:
            if route.version == version and route.method == method:
                found = route.pattern.match(path)
                if found and (best is None or len(found.groupdict()) < len(best[1])):
                    best = (route, found.groupdict())
        return best

    def served(self) -> list[tuple[str, str, str]]:
        return [(r.version, r.method, r.template) for r in self.routes]


def fetch(store: Store, kind: str, record_id: Any, label: str) -> dict[str, Any]:
    """A record addressed by the URL: absent or deleted is a 404."""
    record = store.get(kind, record_id)
    if record is None or record.get("is_deleted") or record.get("active_flag") is False:
        raise NotFound(f"{label} not found")
    return record
