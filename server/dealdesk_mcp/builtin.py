"""Tools of the server itself: session info, and the discovery trio that reaches the whole catalog."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SessionInfoInput(_Input):
    pass


class SearchOperationsInput(_Input):
    query: str = Field(default="", description="Words to match in tool names and descriptions.")
    toolset: str = Field(default=None, description="Only this toolset (e.g. deals, persons, attio_records).")
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"] = None
    limit: int = Field(default=15, ge=1, le=100)


class DescribeOperationInput(_Input):
    name: str = Field(description="A tool name from search_operations.")


class CallOperationInput(_Input):
    name: str = Field(description="A tool name from search_operations.")
    arguments: dict[str, Any] = Field(default_factory=dict, description="Arguments per describe_operation.")


SESSION_INFO = "get_session_info"
SEARCH = "search_operations"
DESCRIBE = "describe_operation"
CALL = "call_operation"

DESCRIPTIONS = {
    SESSION_INFO: (
        "Show this server's mode, enabled toolsets, which APIs have credentials, the signed-in Pipedrive user, "
        "and this session's calls, API token cost and rate-limit headroom."
    ),
    SEARCH: (
        "Find API operations by words, toolset or HTTP method; answers tool names with one-line summaries. "
        "Then use describe_operation for the arguments and call_operation to run it."
    ),
    DESCRIBE: "Show one operation's full description and input JSON Schema, before calling it with call_operation.",
    CALL: (
        "Run an operation by name with its arguments, validated exactly like the direct tool. "
        "Arguments follow the schema from describe_operation."
    ),
}

MODELS: dict[str, type[_Input]] = {
    SESSION_INFO: SessionInfoInput,
    SEARCH: SearchOperationsInput,
    DESCRIBE: DescribeOperationInput,
    CALL: CallOperationInput,
}


def input_schema(model: type[_Input]) -> dict[str, Any]:
    schema = model.model_json_schema()
    schema.pop("title", None)
    schema.pop("additionalProperties", None)
    for prop in schema.get("properties", {}).values():
        prop.pop("title", None)
        if prop.get("default") is None:
            prop.pop("default", None)
    return schema
