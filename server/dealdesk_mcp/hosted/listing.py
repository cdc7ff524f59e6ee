"""How a hosted server lists upload tools: the file arrives as content or from a URL (the host shares no
disk with the server); a local path only where the operator gave each user a folder on the server."""

from __future__ import annotations

from typing import Any

from dealdesk_mcp.config import Settings


def is_upload(schema: dict[str, Any]) -> bool:
    properties = schema.get("properties", {})
    return "path" in properties and "file_name" in properties


def upload_schema(schema: dict[str, Any], settings: Settings) -> dict[str, Any]:
    properties: dict[str, Any] = schema.get("properties", {})
    sources: dict[str, Any] = {}
    if settings.user_files_dir is not None:
        sources["path"] = {
            "type": "string",
            "description": "A file in your own folder on the server, by its name there.",
        }
    sources["content_base64"] = {
        "type": "string",
        "description": f"The file's bytes in base64 (up to {settings.max_content_bytes / 2**20:.3g} MB); "
        "give file_name with it.",
    }
    if settings.upload_origins:
        sources["file_url"] = {
            "type": "string",
            "description": "An address the server fetches the file from; allowed origins: "
            + ", ".join(settings.upload_origins)
            + ".",
        }
    rest = {name: value for name, value in properties.items() if name != "path"}
    required = [name for name in schema.get("required", []) if name != "path"]
    return {**schema, "properties": {**sources, **rest}, "required": required}
