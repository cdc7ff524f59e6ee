"""Files and other uploads: stored byte for byte (blobs), downloaded the same; Google Drive files are
simulated (the record says so: its remote id starts with "sandbox-simulated-")."""

from __future__ import annotations

import mimetypes
import uuid
from typing import Any

from starlette.responses import Response

from ..call import Answer, Call
from ..db import Record
from ..handlers import make
from ..inputs import Upload
from ..registry import special
from ..seed import COMPANY
from ..store_ops import fetch, require, save
from ..views import view
from ..wire import ApiError, BadRequest, NotFound, v2_time

ITEM_KEYS = {"deal": "deal_id", "organization": "org_id", "person": "person_id"}
FILE_LINKS = {
    "deal_id": "deal",
    "person_id": "person",
    "org_id": "organization",
    "product_id": "product",
    "activity_id": "activity",
    "lead_id": "lead",
    "project_id": "project",
}


def _upload(call: Call, name: str) -> Upload:
    upload = call.uploads.get(name)
    if upload is None:
        raise BadRequest(f"{name} is required: send the file as multipart/form-data")
    return upload


BLOB_BASE = {"file": 0, "picture": -(10**9), "product_image": -2 * 10**9}


def blob_key(kind: str, record_id: Any) -> int:
    """Blobs are keyed by integer: files by their id, other uploads in ranges of their own below zero."""
    return BLOB_BASE[kind] + (int(record_id) if kind == "file" else -int(record_id))


def _file_record(call: Call, name: str, size: int, data: dict[str, Any]) -> Record:
    rec = make(call, "file", {}, {k: v for k, v in data.items() if k in FILE_LINKS and v is not None})
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else None
    rec.update(
        file_name=name,
        name=name,
        file_size=size,
        file_type=ext,
        inline_flag=False,
        remote_location="s3",
        remote_id=None,
        cid=None,
        s3_bucket=None,
        mail_message_id=None,
        mail_template_id=None,
        description=None,
        url=f"{call.origin}/api/v1/files/{rec['id']}/download",
    )
    for key in FILE_LINKS:
        rec.setdefault(key, None)
    return rec


@special("v1", "addFile")
def add_file(call: Call) -> Answer:
    upload = _upload(call, "file")
    data = call.data()
    with call.store.transaction() as store:
        rec = _file_record(call, upload.filename, len(upload.content), data)
        save(store, "file", rec)
        store.put_blob(rec["id"], upload.content)
    return Answer(view(call.store, "file", rec, "v1"))


def _item(call: Call, data: dict[str, Any]) -> dict[str, Any]:
    key = ITEM_KEYS[data["item_type"]]
    require(call.store, data["item_type"], data["item_id"], data["item_type"].capitalize())
    return {key: data["item_id"]}


@special("v1", "addFileAndLinkIt")
def add_remote_file(call: Call) -> Answer:
    data = call.data()
    with call.store.transaction() as store:
        rec = _file_record(call, data["title"], 0, _item(call, data))
        # No Google Drive here: the record is real, its remote id says the sandbox made it up.
        rec.update(
            remote_location="googledrive",
            remote_id=f"sandbox-simulated-{uuid.uuid4().hex[:16]}",
            file_type=data["file_type"],
            url=f"{call.origin}/api/v1/files/{rec['id']}/download",
            description="Simulated Google Drive file: the sandbox keeps no remote copy",
        )
        save(store, "file", rec)
    return Answer(view(call.store, "file", rec, "v1"))


@special("v1", "linkFileToItem")
def link_remote_file(call: Call) -> Answer:
    data = call.data()
    with call.store.transaction() as store:
        rec = _file_record(call, data["remote_id"], 0, _item(call, data))
        rec.update(
            remote_location="googledrive",
            remote_id=data["remote_id"],
            file_type=None,
            description="Simulated link to a Google Drive file: the sandbox cannot reach Drive",
        )
        save(store, "file", rec)
    return Answer(view(call.store, "file", rec, "v1"))


@special("v1", "downloadFile")
def download_file(call: Call) -> Response:
    rec = fetch(call.store, "file", call.id)
    content = call.store.get_blob(rec["id"])
    if content is None:
        raise NotFound("This file is a simulated remote link; its content lives outside the sandbox")
    media = mimetypes.guess_type(rec["file_name"])[0] or "application/octet-stream"
    disposition = f'attachment; filename="{rec["file_name"].replace(chr(34), "")}"'
    return Response(content, media_type=media, headers={"content-disposition": disposition})


# -- person pictures --------------------------------------------------------------------------------


def _picture(call: Call, person: Record) -> Record | None:
    return next((p for p in call.store.all("picture") if p["item_id"] == person["id"]), None)


@special("v1", "addPersonPicture")
def add_picture(call: Call) -> Answer:
    upload = _upload(call, "file")
    if not (upload.content_type or "").startswith("image/") and not upload.filename.lower().endswith(
        (".png", ".jpg", ".jpeg", ".gif")
    ):
        raise BadRequest("file must be an image (png, jpg or gif)")
    with call.store.transaction() as store:
        person = fetch(store, "person", call.id)
        old = _picture(call, person)
        if old is not None:
            store.delete("picture", old["id"])
            store.delete_blob(blob_key("picture", old["id"]))
        rec = make(call, "picture", {})
        rec.update(
            item_type="person",
            item_id=person["id"],
            active_flag=True,
            file_size=len(upload.content),
            pictures={
                "128": f"{call.origin}/sandbox/pictures/{person['id']}/128",
                "512": f"{call.origin}/sandbox/pictures/{person['id']}/512",
            },
        )
        save(store, "picture", rec)
        store.put_blob(blob_key("picture", rec["id"]), upload.content)
        person["picture_id"] = rec["id"]
        save(store, "person", person)
    return Answer({"PICTURE_ID": rec["id"], **rec})


@special("v1", "deletePersonPicture")
def delete_picture(call: Call) -> Answer:
    with call.store.transaction() as store:
        person = fetch(store, "person", call.id)
        rec = _picture(call, person)
        if rec is None:
            raise NotFound("This person has no picture")
        store.delete("picture", rec["id"])
        store.delete_blob(blob_key("picture", rec["id"]))
        person["picture_id"] = None
        save(store, "person", person)
    return Answer({"id": rec["id"]})


@special("v2", "getPersonPicture")
def get_picture(call: Call) -> Answer:
    person = fetch(call.store, "person", call.id)
    rec = _picture(call, person)
    if rec is None:
        raise NotFound("This person has no picture")
    return Answer(rec)


# -- product images ---------------------------------------------------------------------------------


def _image(call: Call, product: Record) -> Record | None:
    return next((i for i in call.store.all("product_image") if i["product_id"] == product["id"]), None)


def _store_image(call: Call, product: Record, upload: Upload) -> Record:
    rec = make(call, "product_image", {})
    rec.update(
        product_id=product["id"],
        company_id=COMPANY["id"],
        mime_type=upload.content_type
        or mimetypes.guess_type(upload.filename)[0]
        or "application/octet-stream",
        name=upload.filename,
        public_url=f"{call.origin}/sandbox/product-images/{product['id']}",
    )
    save(call.store, "product_image", rec)
    call.store.put_blob(blob_key("product_image", rec["id"]), upload.content)
    return rec


@special("v2", "uploadProductImage")
def upload_image(call: Call) -> Answer:
    upload = _upload(call, "data")
    with call.store.transaction():
        product = fetch(call.store, "product", call.id)
        if _image(call, product) is not None:
            raise ApiError(409, "This product has an image already; update or delete it")
        rec = _store_image(call, product, upload)
    return Answer(rec)


@special("v2", "updateProductImage")
def update_image(call: Call) -> Answer:
    upload = _upload(call, "data")
    with call.store.transaction():
        product = fetch(call.store, "product", call.id)
        old = _image(call, product)
        if old is not None:
            call.store.delete("product_image", old["id"])
            call.store.delete_blob(blob_key("product_image", old["id"]))
        rec = _store_image(call, product, upload)
    return Answer(rec)


@special("v2", "getProductImage")
def get_image(call: Call) -> Answer:
    product = fetch(call.store, "product", call.id)
    rec = _image(call, product)
    if rec is None:
        raise NotFound("This product has no image")
    return Answer(rec)


@special("v2", "deleteProductImage")
def delete_image(call: Call) -> Answer:
    with call.store.transaction():
        product = fetch(call.store, "product", call.id)
        rec = _image(call, product)
        if rec is None:
            raise NotFound("This product has no image")
        call.store.delete("product_image", rec["id"])
        call.store.delete_blob(blob_key("product_image", rec["id"]))
    return Answer({"id": rec["id"]})


# -- call recordings --------------------------------------------------------------------------------


@special("v1", "addCallLogAudioFile")
def add_recording(call: Call) -> Answer:
    upload = _upload(call, "file")
    with call.store.transaction() as store:
        log = fetch(store, "call_log", call.id)
        if log.get("has_recording"):
            raise ApiError(409, "This call log has a recording already")
        counter = store.next_id("recording")
        store.put_blob(-3 * 10**9 - counter, upload.content)
        log.update(has_recording=True, recording_blob=counter, update_time=v2_time(call.moment))
        save(store, "call_log", log)
    return Answer(None)
