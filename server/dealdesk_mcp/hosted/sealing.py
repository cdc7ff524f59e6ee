"""Values at rest are sealed: JSON encrypted and authenticated with the operator's Fernet key
(PIPEDRIVE_MCP_SECRET_KEY), so a copy of the store (a backup, a Redis dump) holds no usable token."""

from __future__ import annotations

import json
import logging
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

log = logging.getLogger(__name__)


class Sealer:
    def __init__(self, key: str | bytes) -> None:
        self._fernet = Fernet(key)

    @classmethod
    def ephemeral(cls) -> Sealer:
        """A key for this run only (the sandbox demo): what it sealed cannot be opened after a restart."""
        return cls(Fernet.generate_key())

    def seal(self, value: Any) -> bytes:
        return self._fernet.encrypt(json.dumps(value, separators=(",", ":")).encode())

    def open(self, sealed: bytes | None) -> Any:
        """The value, or None when there is none or it was sealed with another key (or altered)."""
        if sealed is None:
            return None
        try:
            return json.loads(self._fernet.decrypt(sealed))
        except (InvalidToken, ValueError):
            log.warning("a stored value could not be opened with PIPEDRIVE_MCP_SECRET_KEY; treated as absent")
            return None
