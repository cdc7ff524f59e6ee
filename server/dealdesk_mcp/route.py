"""What a tool's model carries besides its fields: where and how its request goes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictInt, model_validator

BodyEncoding = Literal["none", "json", "form", "multipart"]
Pagination = Literal["none", "offset", "cursor", "body_offset"]


@dataclass(frozen=True, slots=True)
class Route:
    """The HTTP side of one API operation, as the vendor's document declares it."""

    api: str
    method: str
    path: str
    version: str
    body: BodyEncoding = "none"
    pagination: Pagination = "none"
    page_size_max: int | None = None
    token_cost: int | None = None
    path_params: tuple[str, ...] = ()
    query_params: tuple[str, ...] = ()
    body_params: tuple[str, ...] = ()
    # Query arrays sent comma-joined rather than as repeated keys (style: form, explode: false).
    comma_params: tuple[str, ...] = ()
    # The JSON body is a bare array held in this field, or an object wrapped as {"data": {...}}.
    body_root: str | None = None
    body_wrapper: str | None = None
    # The API refuses a body with fewer fields (an update that changes nothing).
    body_min_fields: int = 0
    # A body that is one of several shapes: (required, allowed, fixed values) per shape.
    body_variants: tuple[tuple[tuple[str, ...], tuple[str, ...], tuple[tuple[str, Any], ...]], ...] = ()
    # Multipart upload: the wire name of the file part; the model carries a local `path` instead.
    file_part: str | None = None
    downloads: bool = False
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def writes(self) -> bool:
        return self.method != "GET"


def _refuse_bool(value: Any) -> Any:
    # Python's True == 1 would let a boolean pass as a numeric enum value such as 0/1 flags.
    if isinstance(value, bool):
        raise ValueError("expected a number, not true or false")
    return value


# For numeric enums (Literal[0, 1] and the like), which strict mode cannot cover.
NotBool = BeforeValidator(_refuse_bool)


class ToolInput(BaseModel):
    """Base of every generated input model: unknown arguments are errors, not silently dropped."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, protected_namespaces=())

    route: ClassVar[Route]

    # Optional fields default to None without admitting null: an explicit null is
    # accepted only where the API documents the field as nullable.
    raw: bool = Field(default=None, exclude=True)

    @model_validator(mode="after")
    def _body_fits_the_api(self) -> ToolInput:
        route = self.route
        if not (route.body_min_fields or route.body_variants):
            return self
        values = self.model_dump(mode="json", by_alias=True, exclude_unset=True)
        given = {name for name in route.body_params if name in values}
        if len(given) < route.body_min_fields:
            raise ValueError(f"give at least {route.body_min_fields} of: {', '.join(route.body_params)}")
        if route.body_variants and not any(
            set(required) <= given <= set(allowed) and all(values.get(k) == v for k, v in fixed)
            for required, allowed, fixed in route.body_variants
        ):
            shapes = "; ".join(
                " ".join(f"{k}={v}" for k, v in fixed)
                + f" needs {', '.join(required)}"
                + (
                    f" (may add {', '.join(sorted(set(allowed) - set(required)))})"
                    if set(allowed) - set(required)
                    else ""
                )
                for required, allowed, fixed in route.body_variants
            )
            raise ValueError(f"these arguments fit none of the accepted shapes: {shapes}")
        return self


class ListInput(ToolInput):
    """A list operation: the session can walk its pages itself up to `max_items`."""

    max_items: StrictInt = Field(default=None, ge=1, le=10_000, exclude=True)


class UploadInput(ToolInput):
    """A multipart upload: the file comes from a local path, streamed from disk."""

    path: str = Field(description="Local file to upload, inside the allowed folders.")
    file_name: str = Field(default=None, exclude=True)
    content_type: str = Field(default=None, exclude=True)


class DownloadInput(ToolInput):
    """A download: the bytes go to a file in the downloads folder, never into the answer."""

    save_as: str = Field(default=None, exclude=True)


CONTROL_FIELDS = frozenset({"raw", "max_items", "path", "file_name", "content_type", "save_as"})
