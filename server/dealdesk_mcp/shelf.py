"""The files the server wrote for each account (downloads, whole answers that did not fit), readable
as resources `dealdesk://files/{name}`: only those, nothing else on disk.

A file is remembered by its folder, name and identity (device and inode) when the server writes it; it
is read only if the same file is still there, opened without following links, so a file put in its
place (or a link to another) is refused.
"""

from __future__ import annotations

import mimetypes
import os
import stat
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote

from dealdesk_mcp.account import Account
from dealdesk_mcp.errors import FileAccessError

SCHEME_PREFIX = "dealdesk://files/"
TEMPLATE = SCHEME_PREFIX + "{name}"
# Files remembered per account (the oldest is forgotten first) and the most one read returns.
KEPT = 200
MAX_READ_BYTES = 8 * 2**20
TEXT_TYPES = ("application/json", "application/xml", "application/csv")


@dataclass(frozen=True)
class ShelvedFile:
    name: str
    path: Path
    size: int
    content_type: str
    device: int
    inode: int
    # "answer": a whole answer kept when it did not fit; "download": a file from the CRM.
    kind: str

    @property
    def uri(self) -> str:
        return SCHEME_PREFIX + quote(self.name, safe="")

    @property
    def is_text(self) -> bool:
        return self.content_type.startswith("text/") or self.content_type in TEXT_TYPES


def name_of(uri: str) -> str | None:
    """The file name a `dealdesk://files/` URI names, or None for any other URI."""
    if not uri.startswith(SCHEME_PREFIX):
        return None
    name = unquote(uri.removeprefix(SCHEME_PREFIX))
    return name if name and "/" not in name and "\\" not in name and name not in (".", "..") else None


class Shelf:
    def __init__(self) -> None:
        self._files: dict[str, OrderedDict[str, ShelvedFile]] = {}

    def put(
        self, account: Account, path: str, kind: str, content_type: str | None = None
    ) -> ShelvedFile | None:
        """Remember a file the server just wrote in the account's download folder (None: not one)."""
        place = Path(path)
        folder = account.download_dir
        if place.parent.resolve() != folder.resolve():
            return None
        try:
            info = os.lstat(place)
        except OSError:
            return None
        if not stat.S_ISREG(info.st_mode):
            return None
        kind_of = content_type or mimetypes.guess_type(place.name)[0] or "application/octet-stream"
        kept = ShelvedFile(place.name, place, info.st_size, kind_of, info.st_dev, info.st_ino, kind)
        files = self._files.setdefault(account.key, OrderedDict())
        files.pop(kept.name, None)
        files[kept.name] = kept
        while len(files) > KEPT:
            files.popitem(last=False)
        return kept

    def listed(self, account: Account) -> list[ShelvedFile]:
        """The account's files, newest first."""
        return list(reversed(self._files.get(account.key, OrderedDict()).values()))

    def get(self, account: Account, name: str) -> ShelvedFile | None:
        return self._files.get(account.key, OrderedDict()).get(name)

    def read(self, kept: ShelvedFile) -> bytes:
        """The file's bytes, if it is still the file the server wrote."""
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
        try:
            fd = os.open(kept.path, flags)
        except OSError as exc:
            raise FileAccessError(f"{kept.name} cannot be read any more ({exc.strerror}).") from None
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode) or (info.st_dev, info.st_ino) != (kept.device, kept.inode):
                raise FileAccessError(f"{kept.name} was replaced since the server wrote it; not read.")
            if info.st_size > MAX_READ_BYTES:
                raise FileAccessError(
                    f"{kept.name} is {info.st_size} bytes, over the {MAX_READ_BYTES // 2**20} MB a resource read "
                    f"returns; it is at {kept.path}."
                )
            chunks: list[bytes] = []
            while chunk := os.read(fd, 1 << 20):
                chunks.append(chunk)
            return b"".join(chunks)
        finally:
            os.close(fd)
