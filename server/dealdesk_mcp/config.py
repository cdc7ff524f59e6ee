"""Settings from the environment (and a .env file, loaded by the CLI)."""

from __future__ import annotations

import os
import re
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, cast

from dealdesk_mcp.errors import ConfigError

WriteLevel = Literal["none", "safe", "all"]
ConfirmLevel = Literal["destructive", "writes", "never"]
WRITE_LEVELS: tuple[str, ...] = ("none", "safe", "all")
CONFIRM_LEVELS: tuple[str, ...] = ("destructive", "writes", "never")

PIPEDRIVE_API_ORIGIN = "https://api.pipedrive.com"
PIPEDRIVE_OAUTH_TOKEN_URL = "https://oauth.pipedrive.com/oauth/token"
ATTIO_API_ORIGIN = "https://api.attio.com"
DEFAULT_MAX_ANSWER_CHARS = 20_000
DEFAULT_MAX_UPLOAD_BYTES = 50 * 1024 * 1024
# The most an API answer may grow to once decoded (a small gzip body can expand a thousandfold).
DEFAULT_MAX_ANSWER_BYTES = 64 * 1024 * 1024
TRANSPORTS = ("stdio", "sse", "http")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
APP_FOLDER = "dealdesk-mcp"
# A host name as clients send it in Host (optionally with a port): no scheme, no path.
_HOST_NAME = re.compile(r"(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)(:\d{1,5})?")


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def _number(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None
    if value <= 0:
        raise ConfigError(f"{name} must be positive, got {raw!r}")
    return value


def _choice(env: Mapping[str, str], name: str, choices: tuple[str, ...], default: str) -> str:
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    value = raw.upper() if choices == LOG_LEVELS else raw.lower()
    if value not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)}; got {raw!r}")
    return value


def _port(raw: str | None) -> int:
    if raw is None:
        return 8000
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise ConfigError(f"PIPEDRIVE_MCP_PORT must be an integer port number (1-65535), got {raw!r}")
    return int(raw)


def _hosts(raw: str | None) -> tuple[str, ...]:
    if raw is None:
        return ()
    hosts = tuple(h.strip().lower() for h in raw.split(",") if h.strip())
    for host in hosts:
        if not _HOST_NAME.fullmatch(host):
            raise ConfigError(
                f"PIPEDRIVE_MCP_ALLOWED_HOSTS: {host!r} is not a host name (give names like crm.example.com or "
                "10.0.0.5, comma-separated, without http:// or a path)"
            )
    return hosts


# A shorter key could be guessed from the confirm values it signs.
MIN_CONFIRM_KEY_LENGTH = 32


def _confirm_key(raw: str | None) -> str | None:
    if raw is not None and len(raw) < MIN_CONFIRM_KEY_LENGTH:
        raise ConfigError(
            f"PIPEDRIVE_CONFIRM_KEY must be at least {MIN_CONFIRM_KEY_LENGTH} characters of random text "
            f"(got {len(raw)}); leave it unset for a random key per process"
        )
    return raw


def _names(raw: str | None) -> tuple[str, ...]:
    return tuple(n.strip() for n in (raw or "").split(",") if n.strip())


def _paths(raw: str) -> tuple[Path, ...]:
    return tuple(Path(p).expanduser().resolve() for p in raw.split(os.pathsep) if p.strip())


def app_data_dir(env: Mapping[str, str] | None = None) -> Path:
    """This application's own folder in the platform's per-user data place."""
    env = os.environ if env is None else env
    if sys.platform == "win32":
        base = Path(env.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(env.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base.expanduser().resolve() / APP_FOLDER


# Folders nobody's project lives in: starting there (or below) would share far more than meant.
SYSTEM_FOLDERS = ("/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/proc", "/run", "/sbin", "/sys",
                  "/usr", "/System", "/Library", "/Applications", "/private/etc")  # fmt: skip
# Folders shared by many (or by everything of one user): unsafe themselves, fine below.
SHARED_FOLDERS = ("/home", "/Users", "/tmp", "/var", "/var/tmp", "/private", "/private/tmp", "/private/var",
                  "/opt", "/srv", "/mnt", "/media", "/Volumes")  # fmt: skip
PERSONAL_FOLDERS = ("Desktop", "Documents", "Downloads")


def unsafe_working_folder(folder: Path, home: Path) -> bool:
    """Whether `folder` is too wide to be the default place files are read from: a drive's root, the home
    folder or its parent, a personal folder like Documents, a shared or system folder."""
    if folder == Path(folder.anchor) or folder in (home, home.parent):
        return True
    if folder in {home / name for name in PERSONAL_FOLDERS}:
        return True
    shared = {Path(p) for p in SHARED_FOLDERS} | {Path(tempfile.gettempdir()).resolve()}
    windows = os.environ.get("SYSTEMROOT") if sys.platform == "win32" else None
    system = [Path(p) for p in SYSTEM_FOLDERS] + ([Path(windows)] if windows else [])
    return folder in shared or any(folder == s or folder.is_relative_to(s) for s in system)


@dataclass(frozen=True)
class FileFolders:
    """The default folders for files, and the unsafe working folder that made them differ from it."""

    roots: tuple[Path, ...]
    downloads: Path
    unsafe_start: Path | None = None


def default_file_folders(env: Mapping[str, str] | None = None) -> FileFolders:
    """The working folder and its downloads/, unless the working folder is unsafe (started in /, the home
    folder, ...): then a dedicated folder of this application's own."""
    try:
        cwd = Path.cwd().resolve()
    except OSError:  # the working folder was removed
        cwd = Path("/")
    if not unsafe_working_folder(cwd, Path.home().resolve()):
        return FileFolders((cwd,), cwd / "downloads")
    own = app_data_dir(env)
    return FileFolders((own / "files",), own / "downloads", unsafe_start=cwd)


def default_download_dir() -> Path:
    return default_file_folders().downloads


def default_state_dir() -> Path:
    """Where the server keeps what must outlive it (a rotated OAuth refresh token): private to the user."""
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "dealdesk-mcp"


@dataclass(frozen=True)
class Settings:
    pipedrive_api_token: str | None = None
    pipedrive_access_token: str | None = None
    pipedrive_refresh_token: str | None = None
    pipedrive_client_id: str | None = None
    pipedrive_client_secret: str | None = None
    pipedrive_company_domain: str | None = None
    pipedrive_base_url: str | None = None
    pipedrive_oauth_token_url: str = PIPEDRIVE_OAUTH_TOKEN_URL
    attio_api_key: str | None = None
    attio_base_url: str = ATTIO_API_ORIGIN
    toolsets: tuple[str, ...] | None = None  # None: the default set
    # What may be written: nothing, everything but what cannot be undone (the default), or all.
    writes: WriteLevel = "safe"
    # Which calls the user confirms first: destructive ones (the default), every write, or none.
    confirm: ConfirmLevel = "destructive"
    # Signs the values of the two-step confirm; set the same key on every replica (default: a random
    # key per process, so a restart makes pending values invalid).
    confirm_key: str | None = None
    audit_log: Path | None = None
    tools: tuple[str, ...] = ()
    exclude_tools: tuple[str, ...] = ()
    discovery: bool = False
    upload_roots: tuple[Path, ...] = field(default_factory=lambda: default_file_folders().roots)
    download_dir: Path = field(default_factory=default_download_dir)
    # Set when the working folder was unsafe and the default folders moved to the application's own.
    unsafe_start: Path | None = None
    # The .env file the CLI read (its real path): never uploaded.
    env_file: Path | None = None
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES
    max_answer_chars: int = DEFAULT_MAX_ANSWER_CHARS
    timeout: float = 30.0
    max_retries: int = 3
    max_retry_wait: float = 60.0
    fields_cache_seconds: float = 300.0
    max_answer_bytes: int = DEFAULT_MAX_ANSWER_BYTES
    state_dir: Path = field(default_factory=default_state_dir)
    # Serving.
    transport: str = "stdio"
    host: str = "127.0.0.1"
    port: int = 8000
    mcp_auth_token: str | None = None
    no_auth: bool = False  # only --no-auth sets it: serve HTTP without a bearer token
    allowed_hosts: tuple[str, ...] = ()
    log_level: str = "WARNING"

    def secrets(self) -> tuple[str, ...]:
        """Every secret value in these settings: none may leave the server, in an answer or an upload."""
        values = (
            self.pipedrive_api_token,
            self.pipedrive_access_token,
            self.pipedrive_refresh_token,
            self.pipedrive_client_secret,
            self.attio_api_key,
            self.mcp_auth_token,
            self.confirm_key,
        )
        return tuple(v for v in values if v)

    @property
    def read_only(self) -> bool:
        return self.writes == "none"

    @property
    def pipedrive_origin(self) -> str:
        if self.pipedrive_base_url:
            return self.pipedrive_base_url.rstrip("/")
        if self.pipedrive_company_domain:
            domain = self.pipedrive_company_domain.strip().removesuffix(".pipedrive.com")
            return f"https://{domain}.pipedrive.com"
        return PIPEDRIVE_API_ORIGIN

    @property
    def file_roots(self) -> tuple[Path, ...]:
        """Every folder a tool may read from or write to."""
        return (*self.upload_roots, self.download_dir.resolve())

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, *, env_file: Path | None = None) -> Settings:
        env = os.environ if env is None else env

        def get(name: str) -> str | None:
            return (env.get(name) or "").strip() or None

        toolsets_raw = get("PIPEDRIVE_TOOLSETS")
        toolsets = tuple(t.strip() for t in toolsets_raw.split(",") if t.strip()) if toolsets_raw else None
        defaults = default_file_folders(env)
        downloads_raw = get("PIPEDRIVE_DOWNLOAD_DIR")
        download_dir = Path(downloads_raw).expanduser().resolve() if downloads_raw else defaults.downloads
        roots_raw = get("PIPEDRIVE_FILE_ROOTS")
        upload_roots = _paths(roots_raw) if roots_raw else defaults.roots
        return cls(
            pipedrive_api_token=get("PIPEDRIVE_API_TOKEN"),
            pipedrive_access_token=get("PIPEDRIVE_ACCESS_TOKEN"),
            pipedrive_refresh_token=get("PIPEDRIVE_REFRESH_TOKEN"),
            pipedrive_client_id=get("PIPEDRIVE_CLIENT_ID"),
            pipedrive_client_secret=get("PIPEDRIVE_CLIENT_SECRET"),
            pipedrive_company_domain=get("PIPEDRIVE_COMPANY_DOMAIN"),
            pipedrive_base_url=get("PIPEDRIVE_BASE_URL"),
            pipedrive_oauth_token_url=get("PIPEDRIVE_OAUTH_TOKEN_URL") or PIPEDRIVE_OAUTH_TOKEN_URL,
            attio_api_key=get("ATTIO_API_KEY"),
            attio_base_url=(get("ATTIO_BASE_URL") or ATTIO_API_ORIGIN).rstrip("/"),
            toolsets=toolsets,
            # --read-only (PIPEDRIVE_READ_ONLY) is the alias of writes=none, and the stricter choice wins.
            writes="none"
            if _flag(get("PIPEDRIVE_READ_ONLY"))
            else cast(WriteLevel, _choice(env, "PIPEDRIVE_WRITES", WRITE_LEVELS, "safe")),
            confirm=cast(ConfirmLevel, _choice(env, "PIPEDRIVE_CONFIRM", CONFIRM_LEVELS, "destructive")),
            confirm_key=_confirm_key(get("PIPEDRIVE_CONFIRM_KEY")),
            audit_log=Path(audit).expanduser() if (audit := get("PIPEDRIVE_AUDIT_LOG")) else None,
            tools=_names(get("PIPEDRIVE_TOOLS")),
            exclude_tools=_names(get("PIPEDRIVE_EXCLUDE_TOOLS")),
            discovery=_flag(get("PIPEDRIVE_DISCOVERY")),
            upload_roots=upload_roots,
            download_dir=download_dir,
            max_upload_bytes=int(
                _number(env, "PIPEDRIVE_MAX_UPLOAD_MB", DEFAULT_MAX_UPLOAD_BYTES / 2**20) * 2**20
            ),
            max_answer_chars=int(_number(env, "PIPEDRIVE_MAX_ANSWER_CHARS", DEFAULT_MAX_ANSWER_CHARS)),
            timeout=_number(env, "PIPEDRIVE_TIMEOUT", 30.0),
            max_retries=int(_number(env, "PIPEDRIVE_MAX_RETRIES", 3)),
            max_retry_wait=_number(env, "PIPEDRIVE_MAX_RETRY_WAIT", 60.0),
            state_dir=Path(get("PIPEDRIVE_MCP_STATE_DIR") or default_state_dir()).expanduser(),
            unsafe_start=defaults.unsafe_start if not (roots_raw and downloads_raw) else None,
            env_file=env_file,
            transport=_choice(env, "PIPEDRIVE_MCP_TRANSPORT", TRANSPORTS, "stdio"),
            host=get("PIPEDRIVE_MCP_HOST") or "127.0.0.1",
            port=_port(get("PIPEDRIVE_MCP_PORT")),
            mcp_auth_token=get("PIPEDRIVE_MCP_AUTH_TOKEN"),
            allowed_hosts=_hosts(get("PIPEDRIVE_MCP_ALLOWED_HOSTS")),
            log_level=_choice(env, "PIPEDRIVE_LOG_LEVEL", LOG_LEVELS, "WARNING"),
        )
