"""What a tool's model carries besides its fields: where and how its request goes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictInt, model_validator

BodyEncoding = Literal["none", "json", "form", "multipart"]
# The argument that moves a list to its next page: Pipedrive v1 `start`, Attio `offset` (in the query,
# or in the JSON body of its query operations), or an opaque `cursor`.
Pagination = Literal["none", "start", "offset", "body_offset", "cursor"]
# (required fields, allowed fields, fields with a fixed value) of one accepted body shape.
BodyVariant = tuple[tuple[str, ...], tuple[str, ...], tuple[tuple[str, Any], ...]]


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
    # A body that is one of several shapes.
    body_variants: tuple[BodyVariant, ...] = ()
    # Multipart upload: the wire name of the file part; the model carries a local `path` instead.
    file_part: str | None = None


def _refuse_bool(value: Any) -> Any:
    # Python's True == 1 would let a boolean pass as a numeric enum value such as 0/1 flags.
    if isinstance(value, bool):
        raise ValueError("expected a number, not true or false")
    return value


# For numeric enums (Literal[0, 1] and the like), which strict mode cannot cover.
NotBool = BeforeValidator(_refuse_bool)


def _refuse_null(value: Any) -> Any:
    # Optional fields are None when not given; only where the document allows it may null be sent.
    if value is None:
        raise ValueError("null is not accepted here; leave the argument out instead")
    return value


# On optional fields the document does not mark nullable (explicit nulls only: defaults are not validated).
NotNull = BeforeValidator(_refuse_null)


class NestedInput(BaseModel):
    """Base of the generated models of nested objects."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, protected_namespaces=())


class ToolInput(NestedInput):
    """Base of every generated input model: unknown arguments are errors, not silently dropped."""

    route: ClassVar[Route]

    raw: Annotated[bool | None, NotNull] = Field(
        default=None, exclude=True, description="true: the API's own answer, unshaped."
    )

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
            raise ValueError(
                f"these arguments fit none of the accepted shapes: {_shapes(route.body_variants)}"
            )
        return self


def _shapes(variants: tuple[BodyVariant, ...]) -> str:
    described: list[str] = []
    for required, allowed, fixed in variants:
        text = " ".join(f"{k}={v}" for k, v in fixed) + f" needs {', '.join(required)}"
        optional = sorted(set(allowed) - set(required))
        if optional:
            text += f" (may add {', '.join(optional)})"
        described.append(text)
    return "; ".join(described)


class WriteInput(ToolInput):
    """An operation that changes data: it can be rehearsed (`dry_run`), and where the confirm level asks
    for it (policy.py), it runs once confirmed: by the user, or with the `confirm` value a first call gave."""

    dry_run: Annotated[bool | None, NotNull] = Field(
        default=None, exclude=True, description="true: answer the request it would send; send nothing."
    )
    confirm: Annotated[str | None, NotNull] = Field(
        default=None, exclude=True, description="The value an earlier answer gave to carry this call out."
    )


class DestructiveInput(WriteInput):
    """An operation that cannot be undone (a delete, a merge): confirmed unless PIPEDRIVE_CONFIRM=never.
    The catalog's `destructive` flag says the same; tests hold the two together."""


class UpdateInput(WriteInput):
    """An update of an item that has an update_time: it can be made conditional on that time."""

    expect_update_time: Annotated[str | None, NotNull] = Field(
        default=None,
        exclude=True,
        min_length=1,
        description="Change only if the item's update_time is still this; otherwise nothing is sent.",
    )


class ListInput(ToolInput):
    """A list operation: the session can walk its pages itself up to `max_items`."""

    max_items: Annotated[StrictInt | None, NotNull] = Field(
        default=None, ge=1, le=10_000, exclude=True, description="Walk pages until this many items."
    )
    skip: Annotated[StrictInt | None, NotNull] = Field(
        default=None, ge=1, exclude=True, description="Leave out this many leading items (from page.next)."
    )


class UploadInput(WriteInput):
    """A multipart upload: the file comes from a local path, streamed from disk."""

    path: str = Field(description="Local file to upload, inside the allowed folders.")
    file_name: Annotated[str | None, NotNull] = Field(
        default=None, exclude=True, description="Name to give it; default: from path."
    )
    content_type: Annotated[str | None, NotNull] = Field(
        default=None, exclude=True, description="MIME type; default: from the name."
    )


class DownloadInput(ToolInput):
    """A download: the bytes go to a file in the downloads folder, never into the answer."""

    save_as: Annotated[str | None, NotNull] = Field(
        default=None, exclude=True, description="File name in the downloads folder."
    )


# Arguments of the session itself, never sent to the API.
CONTROL_FIELDS = frozenset(
    {
        "raw",
        "max_items",
        "skip",
        "path",
        "file_name",
        "content_type",
        "save_as",
        "dry_run",
        "confirm",
        "expect_update_time",
    }
)
