"""What a handler is given (Call) and what it gives back (Answer)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from starlette.requests import Request

from .db import Store
from .inputs import Upload
from .jsontypes import is_object
from .spec import Operation


@dataclass
class Call:
    request: Request
    store: Store
    op: Operation
    path: dict[str, Any]
    query: dict[str, Any]
    body: Any
    uploads: dict[str, Upload]
    user_id: int
    moment: datetime
    origin: str

    @property
    def version(self) -> str:
        return self.op.version

    @property
    def id(self) -> Any:
        return self.path.get("id")

    def data(self) -> dict[str, Any]:
        """The body as an object (a documented array body is refused by the schema check first)."""
        return self.body if is_object(self.body) else {}


@dataclass
class Answer:
    """A handler's result: `data` is projected through the documented schema by the wire layer."""

    data: Any = None
    additional_data: Any = None
    related_objects: Any = None
    status: int | None = None
    top: dict[str, Any] = field(
        default_factory=dict[str, Any]
    )  # other top-level members (v1 webhooks' status)
    bare: bool = False  # the schema documents `data` itself as the whole body (no envelope)
