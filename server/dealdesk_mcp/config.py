"""Settings from the environment (and a .env file, loaded by the CLI)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

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


def _choice(env: Mapping[str, str], name: str, allowed: tuple[str, ...], default: str) -> Any:
    raw = (env.get(name) or "").strip().lower()
    if not raw:
        return default
    if raw not in allowed:
        raise ConfigError(f"{name} must be one of {', '.join(allowed)}, got {raw!r}")
    return raw


def _names(raw: str | None) -> tuple[str, ...]:
    return tuple(n.strip() for n in (raw or "").split(",") if n.strip())


def _paths(raw: str) -> tuple[Path, ...]:
    return tuple(Path(p).expanduser().resolve() for p in raw.split(os.pathsep) if p.strip())


def default_download_dir() -> Path:
    return Path.cwd() / "downloads"


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
    audit_log: Path | None = None
    tools: tuple[str, ...] = ()
    exclude_tools: tuple[str, ...] = ()
    discovery: bool = False
    upload_roots: tuple[Path, ...] = field(default_factory=lambda: (Path.cwd().resolve(),))
    download_dir: Path = field(default_factory=default_download_dir)
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES
    max_answer_chars: int = DEFAULT_MAX_ANSWER_CHARS
    timeout: float = 30.0
    max_retries: int = 3
    max_retry_wait: float = 60.0
    fields_cache_seconds: float = 300.0
    max_answer_bytes: int = DEFAULT_MAX_ANSWER_BYTES
    state_dir: Path = field(default_factory=default_state_dir)

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
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env

        def get(name: str) -> str | None:
            return (env.get(name) or "").strip() or None

        toolsets_raw = get("PIPEDRIVE_TOOLSETS")
        toolsets = tuple(t.strip() for t in toolsets_raw.split(",") if t.strip()) if toolsets_raw else None
        download_dir = Path(get("PIPEDRIVE_DOWNLOAD_DIR") or default_download_dir()).expanduser().resolve()
        roots_raw = get("PIPEDRIVE_FILE_ROOTS")
        upload_roots = _paths(roots_raw) if roots_raw else (Path.cwd().resolve(),)
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
            else _choice(env, "PIPEDRIVE_WRITES", WRITE_LEVELS, "safe"),
            confirm=_choice(env, "PIPEDRIVE_CONFIRM", CONFIRM_LEVELS, "destructive"),
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
        )
