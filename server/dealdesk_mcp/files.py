"""Local files in and out.

Uploads: the path is opened once, walking from a descriptor of an allowed folder without following a
link at any step; what was opened is then checked (a regular file, still inside the folders, one name
only, not the server's own settings, small enough, free of the server's secrets) and streamed from that
same descriptor. Nothing is decided on a name and then done to whatever the name points at later.

Downloads and saved answers: bytes go to a fresh private file (created exclusively), which is then
linked into place under a name nothing else holds. A call never overwrites, deletes or truncates a file
it did not create.
"""

from __future__ import annotations

import errno
import hashlib
import mimetypes
import os
import re
import secrets as random_names
import stat
import sys
from collections.abc import AsyncGenerator, Iterable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import TYPE_CHECKING

import anyio

from dealdesk_mcp.errors import FileAccessError

if TYPE_CHECKING:
    import httpx

    from dealdesk_mcp.config import Settings

CHUNK = 64 * 1024
SCAN_CHUNK = 256 * 1024
NAME_MAX_BYTES = 255
PATH_MAX_BYTES = 4096
# Room left in a saved name for " (12)" and the like.
SAVED_NAME_BYTES = 200
# Shorter values are not real credentials, and searching for them would refuse ordinary files.
MIN_SECRET_LENGTH = 8
PART_PREFIX = ".dealdesk-"
FOLDER_MODE = 0o700
FILE_MODE = 0o600

_O = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0)
_DIR_FLAGS = _O | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0)
# O_NONBLOCK: opening a pipe or a device never waits; O_NOCTTY: a terminal never becomes ours.
_FILE_FLAGS = _O | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
_NEW_FILE_FLAGS = (
    os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
)
# Walking by directory descriptors needs openat(); where it is missing a resolve-then-compare fallback runs.
WALKS_BY_DESCRIPTOR = (
    os.open in os.supports_dir_fd and hasattr(os, "O_NOFOLLOW") and hasattr(os, "O_DIRECTORY")
)

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _roots_text(roots: tuple[Path, ...]) -> str:
    return ", ".join(str(r) for r in roots)


def _inside(path: Path, roots: Iterable[Path]) -> bool:
    return any(path == root or path.is_relative_to(root) for root in roots)


def _byte_length(text: str) -> int:
    return len(os.fsencode(text))


# -- what an upload may not be ------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class UploadRules:
    """Where uploads may come from and what they may not carry."""

    roots: tuple[Path, ...]
    max_bytes: int
    secrets: tuple[bytes, ...] = ()  # no upload may contain any of these
    private_files: tuple[Path, ...] = ()  # never uploaded, whatever the roots (the server's .env)

    @classmethod
    def from_settings(cls, settings: Settings, extra_secrets: Iterable[str] = ()) -> UploadRules:
        """The rules for `settings`; `extra_secrets` adds values learnt since start (refreshed tokens)."""
        values = {s.encode() for s in (*settings.secrets(), *extra_secrets) if len(s) >= MIN_SECRET_LENGTH}
        private = (settings.env_file,) if settings.env_file else ()
        return cls(settings.upload_roots, settings.max_upload_bytes, tuple(sorted(values)), private)


def check_file_name(value: str | None, argument: str = "file_name") -> None:
    if not value:
        return
    if _CONTROL.search(value):
        raise FileAccessError(
            f"{argument}: {value!r} holds a control character (a line break or similar); give a plain file name."
        )
    if _byte_length(value) > NAME_MAX_BYTES:
        raise FileAccessError(
            f"{argument}: the name is {_byte_length(value)} bytes long, over the {NAME_MAX_BYTES}-byte limit "
            "for file names; give a shorter one."
        )


def check_content_type(value: str | None) -> None:
    """Refuse what would break out of the part's Content-Type line; any other text is the caller's word."""
    if not value:
        return
    if _CONTROL.search(value) or _byte_length(value) > NAME_MAX_BYTES:
        shown = value if len(value) <= 80 else value[:77] + "..."
        raise FileAccessError(
            f"content_type: {shown!r} holds a control character (a line break or similar) or is over "
            f"{NAME_MAX_BYTES} bytes; give a media type such as application/pdf or image/png."
        )


def check_save_as(value: str | None) -> None:
    """Refuse a download name no file system would take (before the download is asked for)."""
    if value is not None and _byte_length(value) > NAME_MAX_BYTES:
        raise FileAccessError(
            f"save_as: the name is {_byte_length(value)} bytes long, over the {NAME_MAX_BYTES}-byte limit "
            "for file names; give a shorter one. Nothing was downloaded."
        )


# -- where an upload path leads ------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _Located:
    raw: str
    root: Path
    parts: tuple[str, ...]  # below the root, at least one


def _locate(raw: str, roots: tuple[Path, ...]) -> _Located:
    """The allowed folder `raw` lies in and the names below it; refuses before touching the disk."""
    if not raw or not raw.strip():
        raise FileAccessError("path: give the local path of the file to upload.")
    if "\0" in raw:
        raise FileAccessError(
            f"path: {raw!r} holds a NUL character, which no file name can; give the real path."
        )
    text = raw
    if text.startswith("~"):
        head = text.replace("\\", "/").split("/", 1)[0]
        if head != "~":
            raise FileAccessError(
                f"path: {raw!r} starts with {head!r}, a home folder by user name, which is not looked up; give "
                f"a path inside the allowed folders: {_roots_text(roots)}"
            )
        text = os.path.expanduser(text)
        if text.startswith("~"):
            raise FileAccessError(
                f"path: {raw!r} starts with '~', but this server has no home folder to read it as."
            )
    given = PurePath(text)
    if ".." in given.parts:
        raise FileAccessError(
            f"path: {raw!r} uses '..'; give a path inside the allowed folders: {_roots_text(roots)}"
        )
    for part in given.parts:
        if _byte_length(part) > NAME_MAX_BYTES:
            raise FileAccessError(
                f"path: a name in {raw!r} is {_byte_length(part)} bytes long, over the {NAME_MAX_BYTES}-byte "
                "limit for file names; no such file can exist."
            )
    if _byte_length(text) > PATH_MAX_BYTES:
        raise FileAccessError(f"path: {raw!r} is over {PATH_MAX_BYTES} bytes long; give a shorter path.")
    absolute = Path(os.path.normpath(given if given.is_absolute() else roots[0] / given))
    containing = [r for r in roots if absolute == r or absolute.is_relative_to(r)]
    if not containing:
        raise FileAccessError(
            f"path: {raw!r} is outside the allowed folders: {_roots_text(roots)} (PIPEDRIVE_FILE_ROOTS)"
        )
    root = max(containing, key=lambda r: len(r.parts))
    parts = absolute.relative_to(root).parts
    if not parts:
        raise FileAccessError(f"path: {raw!r} is a folder; give one file.")
    return _Located(raw, root, parts)


def _link_refusal(where: _Located, upto: int, roots: tuple[Path, ...]) -> FileAccessError:
    """Why a link on the way was not followed, and where it leads when that is inside the folders."""
    link = where.root.joinpath(*where.parts[: upto + 1])
    try:
        os.stat(link)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return FileAccessError(
                f"path: {where.raw!r} goes through a link that leads back to itself (a loop)."
            )
    try:
        target = Path(os.path.realpath(link)).joinpath(*where.parts[upto + 1 :])
    except OSError:  # it changed again meanwhile
        return FileAccessError(f"path: {where.raw!r} goes through a link; links are not followed.")
    if not _inside(target, roots):
        return FileAccessError(
            f"path: {where.raw!r} is a link to a place outside the allowed folders: {_roots_text(roots)}"
        )
    return FileAccessError(
        f"path: {where.raw!r} goes through a link ({link.name}); links are not followed. Give the file's own "
        f"path: {target}"
    )


def _os_refusal(where: _Located, exc: OSError) -> FileAccessError:
    if exc.errno in (errno.EACCES, errno.EPERM):
        return FileAccessError(f"path: cannot read {where.raw!r} (permission denied).")
    if exc.errno == errno.ENAMETOOLONG:
        return FileAccessError(f"path: {where.raw!r} is too long for this file system.")
    return FileAccessError(f"path: cannot read {where.raw!r} ({exc.strerror or type(exc).__name__}).")


def open_folder(path: Path, *, create: bool = False) -> int:
    """A descriptor of the folder `path` (absolute), reached from / without following any link.

    Raises FileNotFoundError (missing and not created) or NotADirectoryError naming the step that is a
    link or a file, so callers can say which setting to fix.
    """
    fd = os.open("/", _DIR_FLAGS)
    try:
        for name in path.parts[1:]:
            try:
                step = os.open(name, _DIR_FLAGS, dir_fd=fd)
            except FileNotFoundError:
                if not create:
                    raise
                with suppress(FileExistsError):
                    os.mkdir(name, FOLDER_MODE, dir_fd=fd)
                step = os.open(name, _DIR_FLAGS, dir_fd=fd)
            except OSError as exc:
                if exc.errno in (errno.ENOTDIR, errno.ELOOP):
                    raise NotADirectoryError(errno.ENOTDIR, "a link or a file, not a folder", name) from None
                raise
            os.close(fd)
            fd = step
    except BaseException:
        os.close(fd)
        raise
    return fd


def path_of_descriptor(fd: int) -> Path | None:
    """Where the open file `fd` is now, if the platform can tell."""
    if sys.platform.startswith("linux"):
        with suppress(OSError):
            return Path(os.readlink(f"/proc/self/fd/{fd}"))
    elif sys.platform == "darwin":
        import fcntl

        with suppress(OSError):
            raw = fcntl.fcntl(fd, fcntl.F_GETPATH, bytes(1024))
            return Path(os.fsdecode(raw.split(b"\0", 1)[0]))
    return None


def _open_walking(where: _Located, roots: tuple[Path, ...]) -> int:
    """Open the file step by step from the root's descriptor; no step follows a link."""
    try:
        current = open_folder(where.root)
    except FileNotFoundError:
        raise FileAccessError(f"path: the allowed folder {where.root} does not exist.") from None
    except NotADirectoryError:
        raise FileAccessError(
            f"path: the allowed folder {where.root} cannot be reached without following a link."
        ) from None
    except OSError as exc:
        raise _os_refusal(where, exc) from None
    try:
        for index, name in enumerate(where.parts[:-1]):
            try:
                step = os.open(name, _DIR_FLAGS, dir_fd=current)
            except FileNotFoundError:
                raise FileAccessError(f"path: no file at {where.raw!r}.") from None
            except OSError as exc:
                if exc.errno not in (errno.ENOTDIR, errno.ELOOP):
                    raise _os_refusal(where, exc) from None
                try:
                    looked = os.lstat(name, dir_fd=current).st_mode
                except FileNotFoundError:  # swapped out again while we looked
                    raise FileAccessError(f"path: no file at {where.raw!r}.") from None
                if stat.S_ISLNK(looked):
                    raise _link_refusal(where, index, roots) from None
                raise FileAccessError(
                    f"path: no file at {where.raw!r} ({name!r} is a file, not a folder)."
                ) from None
            os.close(current)
            current = step
        last = where.parts[-1]
        try:
            # A look before opening, so a device or a pipe is not even opened; fstat below decides.
            mode = os.lstat(last, dir_fd=current).st_mode
        except FileNotFoundError:
            raise FileAccessError(f"path: no file at {where.raw!r}.") from None
        except OSError as exc:
            raise _os_refusal(where, exc) from None
        if stat.S_ISLNK(mode):
            raise _link_refusal(where, len(where.parts) - 1, roots)
        _refuse_kind(where.raw, mode)
        try:
            return os.open(last, _FILE_FLAGS, dir_fd=current)
        except FileNotFoundError:
            raise FileAccessError(f"path: no file at {where.raw!r}.") from None
        except OSError as exc:
            if exc.errno == errno.ELOOP:  # swapped for a link after the look
                raise _link_refusal(where, len(where.parts) - 1, roots) from None
            raise _os_refusal(where, exc) from None
    finally:
        os.close(current)


def _open_resolving(where: _Located, roots: tuple[Path, ...]) -> int:
    """Platforms without openat(): resolve, open, then make sure the name still means what was opened."""
    candidate = where.root.joinpath(*where.parts)
    try:
        real = candidate.resolve(strict=True)
    except FileNotFoundError:
        raise FileAccessError(f"path: no file at {where.raw!r}.") from None
    except OSError as exc:
        raise _os_refusal(where, exc) from None
    if real != candidate:
        raise _link_refusal(where, len(where.parts) - 1, roots)
    _refuse_kind(where.raw, os.stat(real).st_mode)
    fd = os.open(real, _FILE_FLAGS | getattr(os, "O_BINARY", 0))
    opened, named = os.fstat(fd), os.stat(real)
    if (opened.st_dev, opened.st_ino) != (named.st_dev, named.st_ino):
        os.close(fd)
        raise FileAccessError(f"path: {where.raw!r} changed while it was being opened; try again.")
    return fd


def _refuse_kind(raw: str, mode: int) -> None:
    if stat.S_ISDIR(mode):
        raise FileAccessError(f"path: {raw!r} is a folder; give one file.")
    if not stat.S_ISREG(mode):
        raise FileAccessError(f"path: {raw!r} is not a regular file (device, pipe or socket).")


def _pread(fd: int, length: int, offset: int) -> bytes:
    """os.pread, or seek-and-read where the platform lacks it (each descriptor has one reader)."""
    if hasattr(os, "pread"):
        return os.pread(fd, length, offset)
    os.lseek(fd, offset, os.SEEK_SET)
    return os.read(fd, length)


def _contains_secret(fd: int, size: int, secrets: tuple[bytes, ...]) -> bool:
    """Whether the first `size` bytes hold a secret; reads by chunks, overlapping by a secret's length."""
    if not secrets:
        return False
    keep = max(len(s) for s in secrets) - 1
    tail = b""
    offset = 0
    while offset < size:
        chunk = _pread(fd, min(SCAN_CHUNK, size - offset), offset)
        if not chunk:
            break
        window = tail + chunk
        if any(s in window for s in secrets):
            return True
        tail = window[-keep:] if keep else b""
        offset += len(chunk)
    return False


def _secret_refusal(raw: str) -> FileAccessError:
    return FileAccessError(
        f"path: {raw!r} holds one of this server's own secrets (an API token, key or client secret from its "
        "settings); such a file is never uploaded."
    )


def _check_opened(fd: int, where: _Located, rules: UploadRules) -> os.stat_result:
    """Decide on what was opened, not on the name."""
    info = os.fstat(fd)
    _refuse_kind(where.raw, info.st_mode)
    for private in rules.private_files:
        with suppress(OSError):
            known = os.stat(private)
            if (known.st_dev, known.st_ino) == (info.st_dev, info.st_ino):
                raise FileAccessError(
                    f"path: {where.raw!r} is this server's own settings file ({private.name}), which holds its "
                    "credentials; it is never uploaded."
                )
    if info.st_nlink > 1:
        raise FileAccessError(
            f"path: {where.raw!r} has {info.st_nlink} names (hard links), and the others may lie outside the "
            "allowed folders; upload a copy of it instead."
        )
    now = path_of_descriptor(fd)
    if now is not None and not _inside(now, rules.roots):
        raise FileAccessError(
            f"path: {where.raw!r} was moved outside the allowed folders while it was being opened."
        )
    if info.st_size > rules.max_bytes:
        raise FileAccessError(
            f"path: {where.raw!r} is {info.st_size / 2**20:.1f} MB, over the {rules.max_bytes / 2**20:.0f} MB "
            "upload limit (PIPEDRIVE_MAX_UPLOAD_MB)."
        )
    if _contains_secret(fd, info.st_size, rules.secrets):
        raise _secret_refusal(where.raw)
    return info


def _open_and_check(where: _Located, rules: UploadRules) -> tuple[int, os.stat_result]:
    opener = _open_walking if WALKS_BY_DESCRIPTOR else _open_resolving
    fd = opener(where, rules.roots)
    try:
        return fd, _check_opened(fd, where, rules)
    except BaseException:
        os.close(fd)
        raise


class UploadReader:
    """The opened file as httpx reads it: by position from the descriptor, never past the size checked
    at open, and never handing out a secret even if the file was changed after the check (the last
    few bytes of each chunk wait until the next chunk has been checked with them)."""

    def __init__(self, fd: int, total: int, secrets: tuple[bytes, ...], raw: str) -> None:
        self._fd = fd
        self.total = total
        self._secrets = secrets
        self._keep = max((len(s) for s in secrets), default=1) - 1
        self._raw = raw
        self._position = 0  # where the next pread starts
        self._held = b""  # read and checked, not yet handed out
        self.sent = 0

    def read(self, size: int = -1) -> bytes:
        wanted = CHUNK if size < 0 else max(size, 1)
        while True:
            left = self.total - self._position
            if left <= 0:
                out, self._held = self._held, b""
                self.sent += len(out)
                return out
            chunk = _pread(self._fd, min(wanted, left), self._position)
            if not chunk:
                raise FileAccessError(
                    f"path: {self._raw!r} got shorter while it was being sent; the upload was stopped."
                )
            self._position += len(chunk)
            window = self._held + chunk
            if any(s in window for s in self._secrets):
                raise _secret_refusal(self._raw)
            hold = self._keep if self._position < self.total else 0
            cut = max(0, len(window) - hold)
            out, self._held = window[:cut], window[cut:]
            if out:
                self.sent += len(out)
                return out

    def seek(self, offset: int, whence: int = 0) -> int:
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self.tell(), os.SEEK_END: self.total}[whence]
        self._position = max(0, base + offset)
        self._held = b""
        self.sent = min(self._position, self.total)
        return self._position

    def tell(self) -> int:
        return self._position - len(self._held)


@dataclass(frozen=True, slots=True)
class Upload:
    """An opened, checked file ready to stream."""

    file_name: str
    content_type: str
    size: int
    reader: UploadReader


@asynccontextmanager
async def open_upload(
    raw: str, rules: UploadRules, *, file_name: str | None = None, content_type: str | None = None
) -> AsyncGenerator[Upload, None]:
    """Open and check the file `raw` names; the descriptor stays open (and is streamed from) inside the
    block and is closed after it. Every refusal is a FileAccessError naming the argument."""
    check_file_name(file_name)
    check_content_type(content_type)
    where = _locate(raw, rules.roots)
    name = file_name or where.parts[-1]
    check_file_name(name, "path" if file_name is None else "file_name")
    # The opening and the scan run in a worker thread: a slow disk never stalls other calls.
    fd, info = await anyio.to_thread.run_sync(_open_and_check, where, rules)
    try:
        kind = content_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
        yield Upload(name, kind, info.st_size, UploadReader(fd, info.st_size, rules.secrets, raw))
    finally:
        os.close(fd)


def checked_upload(
    fd: int, size: int, rules: UploadRules, *, argument: str, file_name: str, content_type: str | None
) -> Upload:
    """An upload of bytes the server holds itself (sent as content, or fetched from a URL, into a file of
    its own at `fd`): checked like a local file for size and for the server's secrets."""
    check_file_name(file_name)
    check_content_type(content_type)
    if size > rules.max_bytes:
        raise FileAccessError(
            f"{argument}: the file is {size / 2**20:.1f} MB, over the {rules.max_bytes / 2**20:.0f} MB upload limit."
        )
    if _contains_secret(fd, size, rules.secrets):
        raise FileAccessError(
            f"{argument}: the file holds one of this server's own secrets (a token, key or client secret); "
            "such a file is never uploaded."
        )
    kind = content_type or mimetypes.guess_type(file_name)[0] or "application/octet-stream"
    return Upload(file_name, kind, size, UploadReader(fd, size, rules.secrets, argument))


# -- downloads and saved answers ------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class SavedFile:
    path: str
    size: int
    content_type: str
    sha256: str


_UNSAFE = re.compile(r"[^\w.\- ()]+", re.UNICODE)


def _fit_bytes(name: str, limit: int) -> str:
    """`name` cut to `limit` UTF-8 bytes, keeping a short extension."""
    if _byte_length(name) <= limit:
        return name
    stem, suffix = os.path.splitext(name)
    if _byte_length(suffix) > 16:
        stem, suffix = name, ""
    room = limit - _byte_length(suffix)
    return os.fsencode(stem)[:room].decode("utf-8", "ignore") + suffix


def safe_file_name(name: str) -> str:
    base = Path(name.replace("\\", "/")).name.strip().lstrip(".")
    base = _UNSAFE.sub("_", base)
    return _fit_bytes(base, SAVED_NAME_BYTES).strip() or "download"


def file_name_from(response: httpx.Response) -> str | None:
    header = response.headers.get("content-disposition", "")
    match = re.search(r"filename\*=UTF-8''([^;]+)", header, re.I) or re.search(
        r'filename="?([^";]+)"?', header, re.I
    )
    if not match:
        return None
    import httpx  # with the first request, not at start (see static_auth)

    return (
        httpx.URL("http://x/" + match.group(1)).path.rsplit("/", 1)[-1]
        if "%" in match.group(1)
        else match.group(1)
    )


def _candidates(name: str) -> Iterable[str]:
    stem, suffix = os.path.splitext(name)
    yield name
    for counter in range(1, 100_000):
        yield f"{stem} ({counter}){suffix}"


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


class _Folder:
    """A folder to make files in: by a descriptor reached without following links where the platform
    has openat(), else by path (after checking the folder is not a link)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd: int | None = None
        if WALKS_BY_DESCRIPTOR:
            self.fd = open_folder(path, create=True)
            return
        path.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
        if path.is_symlink() or not path.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, "a link or a file, not a folder", path.name)

    def _name(self, name: str) -> str:
        return name if self.fd is not None else str(self.path / name)

    def _at(self) -> dict[str, int]:
        return {} if self.fd is None else {"dir_fd": self.fd}

    def create(self, name: str) -> int:
        """A new, empty file only we hold (O_EXCL: an existing name or link is never opened)."""
        return os.open(
            self._name(name), _NEW_FILE_FLAGS | getattr(os, "O_BINARY", 0), FILE_MODE, **self._at()
        )

    def link(self, source: str, target: str) -> None:
        if self.fd is None:
            os.link(self._name(source), self._name(target))
        else:
            os.link(source, target, src_dir_fd=self.fd, dst_dir_fd=self.fd, follow_symlinks=False)

    def replace(self, source: str, target: str) -> None:
        at = {} if self.fd is None else {"src_dir_fd": self.fd, "dst_dir_fd": self.fd}
        os.replace(self._name(source), self._name(target), **at)

    def unlink(self, name: str) -> None:
        os.unlink(self._name(name), **self._at())

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


class _PrivateFile:
    """A new file under a random name in the folder, made with O_EXCL: ours alone."""

    def __init__(self, folder: _Folder) -> None:
        self.folder = folder
        while True:
            self.name = f"{PART_PREFIX}{random_names.token_hex(8)}.part"
            try:
                self.fd: int | None = folder.create(self.name)
                return
            except FileExistsError:
                continue

    def write(self, data: bytes) -> None:
        assert self.fd is not None
        _write_all(self.fd, data)

    def publish(self, name: str) -> str:
        """Give the file its final name: the first of name, name (1), ... that nothing holds."""
        assert self.fd is not None
        os.close(self.fd)
        self.fd = None
        for candidate in _candidates(name):
            try:
                self.folder.link(self.name, candidate)
            except FileExistsError:
                continue
            except OSError as exc:
                if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK, errno.EXDEV):
                    raise
                # No hard links here: hold the name with an empty file of our own, then move onto it.
                try:
                    os.close(self.folder.create(candidate))
                except FileExistsError:
                    continue
                self.folder.replace(self.name, candidate)
                return candidate
            self.folder.unlink(self.name)
            return candidate
        raise FileExistsError(errno.EEXIST, "every name is taken", name)

    def discard(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
        with suppress(FileNotFoundError):
            self.folder.unlink(self.name)


def _folder_refusal(what: str, folder: Path, exc: OSError) -> FileAccessError:
    if isinstance(exc, NotADirectoryError):
        return FileAccessError(
            f"{what}: the downloads folder {folder} is reached through a link or is not a folder "
            f"({exc.filename}); links are not followed. Set PIPEDRIVE_DOWNLOAD_DIR to a real folder."
        )
    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        reason = "the disk holding it is full"
    elif exc.errno == errno.EROFS:
        reason = "it is on a read-only file system"
    elif exc.errno in (errno.EACCES, errno.EPERM):
        reason = "permission denied"
    else:
        reason = exc.strerror or type(exc).__name__
    return FileAccessError(
        f"{what}: cannot write to the downloads folder {folder} ({reason}; PIPEDRIVE_DOWNLOAD_DIR). "
        "Nothing was saved."
    )


async def save_download(
    response: httpx.Response, folder: Path, name: str, max_bytes: int | None = None
) -> SavedFile:
    """Stream `response` into a new file in `folder`; never overwrites, never holds the whole file."""
    digest = hashlib.sha256()
    size = 0
    place: _Folder | None = None
    part: _PrivateFile | None = None
    try:
        try:
            place = _Folder(folder)
            part = _PrivateFile(place)
            async for chunk in response.aiter_bytes(CHUNK):
                size += len(chunk)
                if max_bytes is not None and size > max_bytes:
                    raise FileAccessError(f"download is over the {max_bytes / 2**20:.0f} MB limit; stopped.")
                digest.update(chunk)
                part.write(chunk)
            final = part.publish(safe_file_name(name))
        except OSError as exc:
            raise _folder_refusal("download", folder, exc) from None
    finally:
        if part is not None:
            part.discard()
        if place is not None:
            place.close()
        await response.aclose()
    content_type = response.headers.get("content-type", "").split(";")[0] or (
        mimetypes.guess_type(final)[0] or "application/octet-stream"
    )
    return SavedFile(str(folder / final), size, content_type, digest.hexdigest())


def write_json_file(
    folder: Path, name: str, text: str | bytes | Iterable[bytes], secrets: Iterable[str] = ()
) -> str:
    """Keep a whole answer that did not fit, for an agent with file access; any of `secrets` the API
    echoed is redacted, as in the answer itself. `text` may be its UTF-8 bytes already, or pieces of
    them (a walk's answer is megabytes: it is written as it is serialised), cut where no secret can
    span two pieces: each piece is redacted on its own."""
    pieces = [text.encode("utf-8")] if isinstance(text, str) else [text] if isinstance(text, bytes) else text
    hidden = sorted({s for s in secrets if len(s) >= MIN_SECRET_LENGTH}, key=len, reverse=True)
    place: _Folder | None = None
    part: _PrivateFile | None = None
    try:
        place = _Folder(folder)
        part = _PrivateFile(place)
        for piece in pieces:
            part.write(redacted(piece, hidden))
        final = part.publish(safe_file_name(name))
    except OSError as exc:
        raise _folder_refusal(
            "the answer was too long to show, and saving it whole failed", folder, exc
        ) from None
    finally:
        if part is not None:
            part.discard()
        if place is not None:
            place.close()
    return str(folder / final)


def redacted(data: bytes, secrets: Iterable[str]) -> bytes:
    """UTF-8 text with each of `secrets` (in the order given) replaced, as `str.replace` would do it on
    the decoded text: a UTF-8 match always starts and ends on a character boundary."""
    for secret in secrets:
        data = data.replace(secret.encode("utf-8"), b"[redacted]")
    return data
