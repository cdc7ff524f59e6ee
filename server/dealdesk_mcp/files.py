"""Local files in and out: uploads stream from allowed folders, downloads land in the downloads folder."""

from __future__ import annotations

import hashlib
import mimetypes
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import httpx

from dealdesk_mcp.errors import FileAccessError

CHUNK = 64 * 1024


def _roots_text(roots: tuple[Path, ...]) -> str:
    return ", ".join(str(r) for r in roots)


def _inside(path: Path, roots: tuple[Path, ...]) -> bool:
    return any(path == root or path.is_relative_to(root) for root in roots)


def resolve_upload(raw: str, roots: tuple[Path, ...], max_bytes: int) -> Path:
    """The real file `raw` names, if it is a regular file under one of `roots` and small enough."""
    if not raw or not raw.strip():
        raise FileAccessError("path: give the local path of the file to upload.")
    given = Path(raw).expanduser()
    if ".." in given.parts:
        raise FileAccessError(
            f"path: {raw!r} uses '..'; give a path inside the allowed folders: {_roots_text(roots)}"
        )
    candidate = given if given.is_absolute() else roots[0] / given
    if not _inside(Path(os.path.abspath(candidate)), roots):
        raise FileAccessError(
            f"path: {raw!r} is outside the allowed folders: {_roots_text(roots)} (PIPEDRIVE_FILE_ROOTS)"
        )
    try:
        real = candidate.resolve(strict=True)
    except FileNotFoundError:
        raise FileAccessError(f"path: no file at {raw!r}.") from None
    except OSError as exc:
        raise FileAccessError(f"path: cannot read {raw!r} ({exc.strerror or type(exc).__name__}).") from None
    if not _inside(real, roots):
        raise FileAccessError(
            f"path: {raw!r} is a link to a place outside the allowed folders: {_roots_text(roots)}"
        )
    info = real.stat()
    if stat.S_ISDIR(info.st_mode):
        raise FileAccessError(f"path: {raw!r} is a folder; give one file.")
    if not stat.S_ISREG(info.st_mode):
        raise FileAccessError(f"path: {raw!r} is not a regular file (device, pipe or socket).")
    if info.st_size > max_bytes:
        raise FileAccessError(
            f"path: {raw!r} is {info.st_size / 2**20:.1f} MB, over the {max_bytes / 2**20:.0f} MB upload limit "
            "(PIPEDRIVE_MAX_UPLOAD_MB)."
        )
    return real


class ProgressReader:
    """A file wrapper that counts what has been read, so progress can be reported while httpx streams it."""

    def __init__(self, handle: BinaryIO, total: int) -> None:
        self._handle = handle
        self.total = total
        self.sent = 0

    def read(self, size: int = -1) -> bytes:
        chunk = self._handle.read(CHUNK if size is None or size < 0 else size)
        self.sent += len(chunk)
        return chunk

    def seek(self, offset: int, whence: int = 0) -> int:
        position = self._handle.seek(offset, whence)
        if whence == 0 and offset == 0:
            self.sent = 0
        return position

    def tell(self) -> int:
        return self._handle.tell()

    def close(self) -> None:
        self._handle.close()


@dataclass(frozen=True, slots=True)
class Upload:
    path: Path
    file_name: str
    content_type: str
    size: int


def describe_upload(path: Path, file_name: str | None, content_type: str | None) -> Upload:
    name = file_name or path.name
    kind = content_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
    return Upload(path, name, kind, path.stat().st_size)


@dataclass(frozen=True, slots=True)
class SavedFile:
    path: str
    size: int
    content_type: str
    sha256: str


_UNSAFE = re.compile(r"[^\w.\- ()]+", re.UNICODE)


def safe_file_name(name: str) -> str:
    base = Path(name.replace("\\", "/")).name.strip().lstrip(".")
    base = _UNSAFE.sub("_", base)[:180]
    return base or "download"


def file_name_from(response: httpx.Response) -> str | None:
    header = response.headers.get("content-disposition", "")
    match = re.search(r"filename\*=UTF-8''([^;]+)", header, re.I) or re.search(
        r'filename="?([^";]+)"?', header, re.I
    )
    if not match:
        return None
    return (
        httpx.URL("http://x/" + match.group(1)).path.rsplit("/", 1)[-1]
        if "%" in match.group(1)
        else match.group(1)
    )


def unique_path(folder: Path, name: str) -> Path:
    """A path in `folder` for `name` that does not overwrite anything: name, name (1), name (2) ..."""
    stem, suffix = os.path.splitext(name)
    candidate = folder / name
    counter = 1
    while candidate.exists() or candidate.is_symlink():
        candidate = folder / f"{stem} ({counter}){suffix}"
        counter += 1
    return candidate


async def save_download(
    response: httpx.Response, folder: Path, name: str, max_bytes: int | None = None
) -> SavedFile:
    """Stream `response` into a new file in `folder`; never overwrites, never holds the whole file."""
    folder.mkdir(parents=True, exist_ok=True)
    real_folder = folder.resolve()
    target = unique_path(real_folder, safe_file_name(name))
    partial = target.with_name(target.name + ".part")
    digest = hashlib.sha256()
    size = 0
    try:
        with open(partial, "xb") as out:
            async for chunk in response.aiter_bytes(CHUNK):
                size += len(chunk)
                if max_bytes is not None and size > max_bytes:
                    raise FileAccessError(f"download is over the {max_bytes / 2**20:.0f} MB limit; stopped.")
                digest.update(chunk)
                out.write(chunk)
        target = unique_path(real_folder, target.name)  # in case something appeared meanwhile
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
        await response.aclose()
    content_type = response.headers.get("content-type", "").split(";")[0] or (
        mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    )
    return SavedFile(str(target), size, content_type, digest.hexdigest())


def write_json_file(folder: Path, name: str, text: str) -> str:
    """Keep a whole answer that did not fit, for an agent with file access."""
    folder.mkdir(parents=True, exist_ok=True)
    target = unique_path(folder.resolve(), safe_file_name(name))
    target.write_text(text, encoding="utf-8")
    return str(target)
