"""Where an upload's bytes come from (route.UploadInput): a local path inside the account's folders,
base64 content sent with the call, or a URL on an origin the operator allows.

A hosted server shares no disk with the hosts its users run, so there the last two are how files
arrive. Their bytes go to a private temporary file first and are checked there like a local file
(size, the server's own secrets) before anything is sent.
"""

from __future__ import annotations

import base64
import binascii
import tempfile
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from typing import IO, TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from dealdesk_mcp import files
from dealdesk_mcp.config import Settings
from dealdesk_mcp.errors import FileAccessError
from dealdesk_mcp.route import UploadInput

if TYPE_CHECKING:
    import httpx

MAX_REDIRECTS = 3
CHUNK = 64 * 1024


def _origin(url: str) -> str | None:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    default = {"http": 80, "https": 443}[parts.scheme]
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    return f"{parts.scheme}://{host}" + (f":{port}" if port not in (None, default) else "")


def _allowed(settings: Settings) -> str:
    if not settings.upload_origins:
        return "this server fetches uploads from no address (PIPEDRIVE_MCP_UPLOAD_ORIGINS is empty)"
    return "it fetches uploads from " + ", ".join(settings.upload_origins) + " only"


def check_origin(url: str, settings: Settings) -> None:
    origin = _origin(url)
    if origin is None:
        raise FileAccessError("file_url: give an http(s) address of the file.")
    if origin not in settings.upload_origins:
        raise FileAccessError(
            f"file_url: {origin} is not allowed; {_allowed(settings)}. Nothing was uploaded."
        )


def _decode_into(spool: IO[bytes], text: str, limit: int) -> int:
    cleaned = "".join(text.split())
    if len(cleaned) * 3 // 4 > limit:
        raise FileAccessError(
            f"content_base64: the file is over the {limit / 2**20:.3g} MB limit for content sent with a call "
            "(PIPEDRIVE_MCP_MAX_CONTENT_MB); give it as file_url instead."
        )
    urlsafe = "-" in cleaned or "_" in cleaned
    try:
        data = base64.b64decode(cleaned, altchars=b"-_" if urlsafe else None, validate=True)
    except (binascii.Error, ValueError):
        raise FileAccessError("content_base64: not valid base64 (standard or URL-safe alphabet).") from None
    spool.write(data)
    spool.flush()
    return len(data)


def _name_from_url(url: str) -> str | None:
    last = unquote(urlsplit(url).path.rsplit("/", 1)[-1])
    return last or None


async def _fetch_into(
    spool: IO[bytes], url: str, settings: Settings, client: httpx.AsyncClient, limit: int
) -> tuple[str | None, str | None, int]:
    """Fetch `url` (following redirects within the allowed origins); its name, type and size."""
    import httpx  # with the first request, not at start (see static_auth)

    check_origin(url, settings)
    for _ in range(MAX_REDIRECTS + 1):
        try:
            response = await client.send(
                client.build_request("GET", url, headers={"accept": "*/*"}), stream=True
            )
        except httpx.HTTPError as exc:
            raise FileAccessError(
                f"file_url: {_origin(url)} could not be reached ({type(exc).__name__}); nothing was uploaded."
            ) from None
        try:
            if response.status_code in (301, 302, 303, 307, 308) and response.headers.get("location"):
                url = str(response.url.join(response.headers["location"]))
                check_origin(url, settings)
                continue
            if response.status_code != 200:
                raise FileAccessError(
                    f"file_url: {_origin(url)} answered HTTP {response.status_code}; nothing was uploaded."
                )
            size = 0
            async for chunk in response.aiter_bytes(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise FileAccessError(
                        f"file_url: the file is over the {limit / 2**20:.0f} MB upload limit; nothing was uploaded."
                    )
                spool.write(chunk)
            spool.flush()
            kind = response.headers.get("content-type", "").split(";")[0].strip() or None
            return files.file_name_from(response) or _name_from_url(url), kind, size
        except httpx.HTTPError as exc:
            raise FileAccessError(
                f"file_url: the download from {_origin(url)} broke off ({type(exc).__name__}); nothing was uploaded."
            ) from None
        finally:
            await response.aclose()
    raise FileAccessError(f"file_url: more than {MAX_REDIRECTS} redirects; nothing was uploaded.")


def no_paths_message(settings: Settings) -> str:
    return (
        "path: this server takes no local paths (its users' files are not on its disk); send the file as "
        f"content_base64 (up to {settings.max_content_bytes / 2**20:.3g} MB) or as file_url ({_allowed(settings)})."
    )


def source_of(model: UploadInput) -> dict[str, str]:
    """Where an upload's bytes came from, as answers and the audit log name it: the path, or the address
    without its query (a presigned link carries its signature there), or that they came inline."""
    if model.path is not None:
        return {"path": model.path}
    if model.file_url is not None:
        parts = urlsplit(model.file_url)
        return {"file_url": (_origin(model.file_url) or "") + parts.path}
    return {"content_base64": "given with the call"}


@asynccontextmanager
async def open_upload(
    model: UploadInput, rules: files.UploadRules, settings: Settings, client: httpx.AsyncClient
) -> AsyncGenerator[files.Upload, None]:
    """The checked upload `model` names, open for streaming inside the block."""
    if model.path is not None:
        if not rules.roots:
            raise FileAccessError(no_paths_message(settings))
        async with files.open_upload(
            model.path, rules, file_name=model.file_name, content_type=model.content_type
        ) as upload:
            yield upload
        return
    with tempfile.TemporaryFile() as spool:
        if model.content_base64 is not None:
            if not model.file_name:
                raise FileAccessError("file_name: required with content_base64 (the name the file gets).")
            size = _decode_into(spool, model.content_base64, min(settings.max_content_bytes, rules.max_bytes))
            argument, name, kind = "content_base64", model.file_name, model.content_type
        else:
            assert model.file_url is not None
            found, served, size = await _fetch_into(spool, model.file_url, settings, client, rules.max_bytes)
            name = model.file_name or found
            if not name:
                raise FileAccessError("file_name: the address names no file; give file_name.")
            argument, kind = "file_url", model.content_type or served
        yield files.checked_upload(
            spool.fileno(), size, rules, argument=argument, file_name=name, content_type=kind
        )
