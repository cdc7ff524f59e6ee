"""Files and folders on records: upload (bytes kept as they came), folders, connected files from
storage providers, listing, download through a signed sandbox URL, and deletion."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any
from urllib.parse import quote

from . import structure
from .errors import BadRequest, NotFound
from .http import Ctx, Reply, route
from .inputs import MISSING, choice, text
from .notes import parent_record
from .repo import Doc, Repo
from .wire import WORKSPACE_ID, api_actor, cursor_page, is_uuid, new_id, stamp

PROVIDERS = ("dropbox", "box", "google-drive", "microsoft-onedrive")
MAX_UPLOAD = 50 * 1024 * 1024


def new_entry(
    file_id: str,
    obj: Doc,
    record: Doc,
    file_type: str,
    actor: Any,
    created: str,
    *,
    name: str | None = None,
    parent_folder_id: str | None = None,
    provider: str = "attio",
) -> Doc:
    doc: Doc = {
        "id": {"workspace_id": WORKSPACE_ID, "file_id": file_id},
        "object_id": structure.object_id(obj),
        "object_slug": obj["api_slug"],
        "record_id": record["record_id"],
        "storage_provider": provider,
        "created_by_actor": actor,
        "created_at": created,
        "file_type": file_type,
    }
    if file_type in ("file", "folder"):
        doc["name"] = name
        doc["parent_folder_id"] = parent_folder_id
    return doc


def store_upload(repo: Repo, doc: Doc, content: bytes, content_type: str | None) -> Doc:
    doc["content_type"] = content_type
    doc["content_size"] = len(content)
    doc["_blob"] = repo.put_blob(content)
    doc["_sha256"] = hashlib.sha256(content).hexdigest()
    return doc


def secret(repo: Repo) -> str:
    value = repo.meta("file_url_secret")
    if value is None:
        value = secrets.token_hex(16)
        repo.set_meta("file_url_secret", value)
    return value


def signature(repo: Repo, file_id: str) -> str:
    return hmac.new(secret(repo).encode(), file_id.encode(), hashlib.sha256).hexdigest()[:32]


def render(repo: Repo, doc: Doc) -> Doc:
    out = structure.public(doc)
    out["object_slug"] = structure.object_slug(repo, doc["object_id"])
    if doc["file_type"] == "folder":
        fid = doc["id"]["file_id"]
        out["has_children"] = bool(repo.all("file", lambda f: f.get("parent_folder_id") == fid))
    return out


def _folder(repo: Repo, folder_id: Any, record: Doc) -> str | None:
    if folder_id in (None, MISSING, ""):
        return None
    folder = repo.get("file", folder_id) if is_uuid(folder_id) else None
    if folder is None or folder["file_type"] != "folder" or folder["record_id"] != record["record_id"]:
        raise NotFound(f"Folder {folder_id!r} was not found on this record")
    return folder_id


@route("GET", "/v2/files")
def list_files(ctx: Ctx) -> Any:
    _, record = parent_record(ctx.repo, ctx.query.get("object"), ctx.query.get("record_id"))
    found = ctx.repo.all("file", lambda f: f["record_id"] == record["record_id"])
    provider = ctx.query.get("storage_provider")
    if provider:
        if provider not in ("attio", *PROVIDERS):
            raise BadRequest(f"storage_provider must be attio or one of {', '.join(PROVIDERS)}")
        found = [f for f in found if f["storage_provider"] == provider]
    folder = _folder(ctx.repo, ctx.query.get("parent_folder_id"), record)
    if folder is not None:
        found = [f for f in found if f.get("parent_folder_id") == folder]
    page = cursor_page(found, ctx.query, default=50, high=200)
    page["data"] = [render(ctx.repo, f) for f in page["data"]]
    return page


@route("POST", "/v2/files")
def create_folder(ctx: Ctx) -> Any:
    body = ctx.body()
    obj, record = parent_record(ctx.repo, body.get("object"), body.get("record_id"))
    kind = choice(body, "file_type", ("folder", "connected-folder", "connected-file"))
    if kind == "folder":
        doc = new_entry(
            new_id(), obj, record, "folder", api_actor(), stamp(ctx.moment), name=text(body, "name"),
            parent_folder_id=_folder(ctx.repo, body.get("parent_folder_id"), record),
        )  # fmt: skip
    else:
        provider = choice(body, "storage_provider", PROVIDERS)
        doc = new_entry(new_id(), obj, record, kind, api_actor(), stamp(ctx.moment), provider=provider)
        doc["external_provider_file_id"] = text(body, "external_provider_file_id")
        drive = body.get("microsoft_drive_id")
        if drive is not None and not isinstance(drive, str):
            raise BadRequest("microsoft_drive_id must be text or null")
        doc["microsoft_drive_id"] = drive
    ctx.repo.put("file", doc["id"]["file_id"], doc)
    return {"data": render(ctx.repo, doc)}


@route("POST", "/v2/files/upload")
def upload_file(ctx: Ctx) -> Any:
    upload = ctx.upload("file")
    if upload is None:
        raise BadRequest("Send the file as multipart/form-data with a part named file")
    obj, record = parent_record(ctx.repo, ctx.form_text("object"), ctx.form_text("record_id"))
    if len(upload.content) > MAX_UPLOAD:
        raise BadRequest(f"The sandbox keeps files up to {MAX_UPLOAD // (1024 * 1024)} MB")
    doc = new_entry(
        new_id(), obj, record, "file", api_actor(), stamp(ctx.moment), name=upload.filename,
        parent_folder_id=_folder(ctx.repo, ctx.form_text("parent_folder_id"), record),
    )  # fmt: skip
    store_upload(ctx.repo, doc, upload.content, upload.content_type or "application/octet-stream")
    ctx.repo.put("file", doc["id"]["file_id"], doc)
    return Reply({"data": render(ctx.repo, doc)}, status=201)


def _file(ctx: Ctx) -> Doc:
    return ctx.repo.need("file", ctx.params["file_id"], "File")


@route("GET", "/v2/files/{file_id}")
def get_file(ctx: Ctx) -> Any:
    return {"data": render(ctx.repo, _file(ctx))}


@route("DELETE", "/v2/files/{file_id}")
def delete_file(ctx: Ctx) -> Any:
    """A folder goes with everything inside it."""
    doomed = [_file(ctx)]
    index = 0
    while index < len(doomed):
        current = doomed[index]
        if current["file_type"] == "folder":
            fid = current["id"]["file_id"]
            doomed.extend(ctx.repo.all("file", lambda f, fid=fid: f.get("parent_folder_id") == fid))
        index += 1
    for doc in doomed:
        if "_blob" in doc:
            ctx.repo.delete_blob(doc["_blob"])
        ctx.repo.delete("file", doc["id"]["file_id"])
    return {}


@route("GET", "/v2/files/{file_id}/download")
def download_file(ctx: Ctx) -> Any:
    doc = _file(ctx)
    if doc["file_type"] != "file":
        where = (
            "a folder"
            if doc["file_type"] == "folder"
            else f"kept by {doc['storage_provider']}, out of the sandbox's reach"
        )
        raise BadRequest(f"File {doc['id']['file_id']} is {where}; only uploaded files can be downloaded")
    fid = doc["id"]["file_id"]
    location = f"{ctx.origin}/v2/files/{fid}/content?signature={signature(ctx.repo, fid)}"
    return Reply({}, status=302, headers={"Location": location})


@route("GET", "/v2/files/{file_id}/content", public=True)
def file_content(ctx: Ctx) -> Any:
    """The signed URL a download redirects to; like a storage host it needs no API token."""
    fid = ctx.params["file_id"]
    given = ctx.query.get("signature", "")
    if not is_uuid(fid) or not hmac.compare_digest(given, signature(ctx.repo, fid)):
        raise NotFound("This download link is not valid")
    doc = ctx.repo.need("file", fid, "File")
    content = ctx.repo.get_blob(doc["_blob"]) or b""
    disposition = f"attachment; filename*=UTF-8''{quote(doc['name'] or 'download')}"
    return Reply(
        content=content, media_type=doc["content_type"], headers={"Content-Disposition": disposition}
    )
