"""Where `dealdesk-mcp init` keeps the Pipedrive credential, and how the server finds it at start.

Secrets go to the OS keyring (service "dealdesk-mcp", one entry per variable name) when a real one is
there, else into credentials.json, mode 0600, in the user's config folder. That file (always 0600) also
records which backend holds the secrets and the non-secret settings that belong with them (company
domain, base URL, OAuth client id): `status` can say where things are without reading a secret, and the
server imports keyring only when it has something to fetch.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from dealdesk_mcp.install.paths import config_dir
from dealdesk_mcp.jsonvalues import is_object

log = logging.getLogger(__name__)

SERVICE = "dealdesk-mcp"
INDEX_FILE = "credentials.json"
FORMAT = 1
# The variables that hold secrets; each is one keyring entry (or one key in the file).
SECRET_VARIABLES = (
    "PIPEDRIVE_API_TOKEN",
    "PIPEDRIVE_ACCESS_TOKEN",
    "PIPEDRIVE_REFRESH_TOKEN",
    "PIPEDRIVE_CLIENT_SECRET",
)
# Not secret, but part of the same credential: where it works and which OAuth client it belongs to.
SETTING_VARIABLES = (
    "PIPEDRIVE_COMPANY_DOMAIN",
    "PIPEDRIVE_BASE_URL",
    "PIPEDRIVE_CLIENT_ID",
    "PIPEDRIVE_OAUTH_TOKEN_URL",
)
# Any of these in the environment means the environment already names the credential to use.
ENVIRONMENT_CREDENTIALS = ("PIPEDRIVE_API_TOKEN", "PIPEDRIVE_ACCESS_TOKEN", "PIPEDRIVE_REFRESH_TOKEN")

Kind = Literal["token", "oauth"]
Backend = Literal["keyring", "file"]


class KeystoreError(Exception):
    """The stored credential cannot be saved or read; the message says what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class StoredCredential:
    """What credentials.json says: never the secrets themselves, unless the backend is the file."""

    kind: Kind
    backend: Backend
    backend_name: str  # the keyring backend's name, or the file's path
    secret_names: tuple[str, ...]
    settings: dict[str, str] = field(default_factory=dict[str, str])
    path: Path = field(default_factory=lambda: index_path())

    def where(self) -> str:
        if self.backend == "keyring":
            return f"the OS keyring ({self.backend_name}, service {SERVICE!r})"
        return f"{self.path} (mode 0600; no OS keyring was available)"


def index_path(env: Mapping[str, str] | None = None) -> Path:
    return config_dir(env) / INDEX_FILE


def os_keyring() -> Any | None:
    """The keyring backend to use, or None when there is no real one (no keyring package, no Secret
    Service, or only a plaintext fallback that the user did not choose)."""
    try:
        import keyring
        from keyring.backends import fail
        from keyring.core import load_config, load_env
    except ImportError:
        return None
    chosen = load_env() or load_config()  # PYTHON_KEYRING_BACKEND or keyringrc.cfg: the user's choice
    backend = chosen or keyring.get_keyring()
    if isinstance(backend, fail.Keyring) or type(backend).__module__ == "keyring.backends.null":
        return None
    try:
        priority = float(backend.priority)
    except Exception:  # a backend whose viability check itself fails is not usable
        return None
    # Below 1 are the fallbacks keyring ships for want of anything better (plaintext files and such):
    # our own 0600 file is no worse, and says plainly where the secret is.
    if chosen is None and priority < 1:
        return None
    return backend


def _backend_name(backend: object) -> str:
    cls = type(backend)
    return f"{cls.__module__}.{cls.__name__}"


def _write_private(path: Path, data: dict[str, Any]) -> None:
    """Write JSON readable by the owner only, atomically (a crash leaves the old file or the new one)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(prefix=".credentials-", dir=path.parent)  # mkstemp makes it 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=2)
            handle.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    os.chmod(path, 0o600)


def _forget_keyring_entries(backend: Any, names: tuple[str, ...]) -> None:
    from keyring.errors import PasswordDeleteError

    for name in names:
        with contextlib.suppress(PasswordDeleteError):
            backend.delete_password(SERVICE, name)


def save(
    secrets: Mapping[str, str],
    settings: Mapping[str, str],
    *,
    kind: Kind,
    backend: Literal["auto", "keyring", "file"] = "auto",
) -> StoredCredential:
    """Store the secrets (keyring, else the 0600 file) and write the index; replaces what was stored."""
    unknown = (set(secrets) - set(SECRET_VARIABLES)) | (set(settings) - set(SETTING_VARIABLES))
    if unknown:
        raise KeystoreError(f"not a credential variable: {', '.join(sorted(unknown))}")
    path = index_path()
    previous = load()
    keyring_backend = os_keyring() if backend in ("auto", "keyring") else None
    if backend == "keyring" and keyring_backend is None:
        raise KeystoreError("no OS keyring is available here; use --store file (a 0600 file) instead")
    names = tuple(name for name in SECRET_VARIABLES if secrets.get(name))
    record: dict[str, Any] = {
        "format": FORMAT,
        "kind": kind,
        "secret_names": list(names),
        "settings": {k: v for k, v in settings.items() if v},
    }
    if keyring_backend is not None:
        from keyring.errors import KeyringError

        try:
            for name in names:
                keyring_backend.set_password(SERVICE, name, secrets[name])
            _forget_keyring_entries(keyring_backend, tuple(n for n in SECRET_VARIABLES if n not in names))
        except KeyringError as exc:
            if backend == "keyring":
                raise KeystoreError(f"the OS keyring refused the secret ({type(exc).__name__})") from None
            log.warning("the OS keyring refused the secret (%s); using a 0600 file", type(exc).__name__)
            keyring_backend = None
    if keyring_backend is not None:
        record.update(backend="keyring", keyring=_backend_name(keyring_backend))
    else:
        record.update(backend="file", secrets={name: secrets[name] for name in names})
        if previous is not None and previous.backend == "keyring":
            stale = os_keyring()
            if stale is not None:
                _forget_keyring_entries(stale, previous.secret_names)
    _write_private(path, record)
    stored = load()
    assert stored is not None
    return stored


def _read_index(path: Path) -> dict[str, Any] | None:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise KeystoreError(f"cannot read {path}: {exc.strerror}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        raise KeystoreError(f"{path} is not valid JSON; run `dealdesk-mcp init` again") from None
    if not is_object(data) or data.get("format") != FORMAT:
        raise KeystoreError(f"{path} is not a credentials file this version knows; run `dealdesk-mcp init`")
    return data


def load() -> StoredCredential | None:
    """The stored credential's description, or None when `init` never stored one."""
    path = index_path()
    data = _read_index(path)
    if data is None:
        return None
    backend = data.get("backend")
    kind = data.get("kind")
    if backend not in ("keyring", "file") or kind not in ("token", "oauth"):
        raise KeystoreError(f"{path} names no known backend or kind; run `dealdesk-mcp init` again")
    return StoredCredential(
        kind=kind,
        backend=backend,
        backend_name=str(data.get("keyring") or path),
        secret_names=tuple(n for n in data.get("secret_names", []) if n in SECRET_VARIABLES),
        settings={k: str(v) for k, v in dict(data.get("settings") or {}).items() if k in SETTING_VARIABLES},
        path=path,
    )


def read_secrets(stored: StoredCredential) -> dict[str, str]:
    """The secret values, from the keyring or the file."""
    if stored.backend == "file":
        data = _read_index(stored.path) or {}
        values = {n: v for n, v in dict(data.get("secrets") or {}).items() if n in stored.secret_names}
    else:
        backend = os_keyring()
        if backend is None:
            raise KeystoreError(
                "the credential was stored in an OS keyring that is not reachable now; "
                "unlock it, or run `dealdesk-mcp init` again"
            )
        values = {}
        for name in stored.secret_names:
            value = backend.get_password(SERVICE, name)
            if value:
                values[name] = value
    missing = [n for n in stored.secret_names if not values.get(n)]
    if missing:
        raise KeystoreError(
            f"the stored credential lacks {', '.join(missing)}; run `dealdesk-mcp init` again"
        )
    return values


def environment_has_credential(env: Mapping[str, str]) -> bool:
    return any((env.get(name) or "").strip() for name in ENVIRONMENT_CREDENTIALS)


def fill_environment(env: dict[str, str]) -> dict[str, str]:
    """The server's hook: when the environment names no Pipedrive credential, add the stored one (its
    secrets, and its settings where the environment has none). Problems are warnings, never fatal: the
    server then starts as it would have without a store."""
    if environment_has_credential(env):
        return env
    try:
        stored = load()
        if stored is None:
            return env
        secrets = read_secrets(stored)
    except KeystoreError as exc:
        log.warning("stored credential not used: %s", exc.message)
        return env
    filled = dict(env)
    for name, value in stored.settings.items():
        if not (filled.get(name) or "").strip():
            filled[name] = value
    filled.update(secrets)
    return filled
