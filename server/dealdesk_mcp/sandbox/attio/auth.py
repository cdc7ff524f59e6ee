"""Which bearer tokens the Attio half of the sandbox accepts: the sandbox's one fixed token, and the
access tokens its OAuth emulation issued (Attio's hosted sign-in runs against the same emulation)."""

from __future__ import annotations

import hmac

from dealdesk_mcp.sandbox.db import Store
from dealdesk_mcp.sandbox.oauth import user_for_token
from dealdesk_mcp.sandbox.token import SANDBOX_TOKEN


def sandbox_token() -> str:
    return SANDBOX_TOKEN


def issued_by_oauth(store: Store, token: str) -> bool:
    """True for a live access token the sandbox's OAuth emulation handed out."""
    return user_for_token(store, token) is not None


def accepted(token: str, store: Store | None = None) -> bool:
    """True when `token` (the part after "Bearer ") may use the Attio API of this sandbox."""
    if not token:
        return False
    if hmac.compare_digest(token.encode(), SANDBOX_TOKEN.encode()):
        return True
    return store is not None and issued_by_oauth(store, token)


def bearer(header: str) -> str:
    """The credentials of an `Authorization: Bearer ...` header, or "" for anything else."""
    scheme, _, credentials = header.partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" else ""
