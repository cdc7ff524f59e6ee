"""Which bearer tokens the Attio half of the sandbox accepts.

The sandbox as a whole will carry one fixed token (`dealdesk_mcp.sandbox.SANDBOX_TOKEN`); until that
constant exists this module's own stands in. Tokens issued by the sandbox's OAuth emulation plug in
through `issued_by_oauth`, the one seam for them.
"""

from __future__ import annotations

import hmac

from dealdesk_mcp.sandbox.db import Store

# Used only while dealdesk_mcp.sandbox defines no SANDBOX_TOKEN of its own.
FALLBACK_TOKEN = "sandbox-token-dealdesk-local"


def sandbox_token() -> str:
    from dealdesk_mcp import sandbox  # the package may gain SANDBOX_TOKEN; look it up at call time

    return str(getattr(sandbox, "SANDBOX_TOKEN", FALLBACK_TOKEN))


def issued_by_oauth(store: Store, token: str) -> bool:
    """True for an access token the sandbox's OAuth emulation handed out (none yet)."""
    return False


def accepted(token: str, store: Store | None = None) -> bool:
    """True when `token` (the part after "Bearer ") may use the Attio API of this sandbox."""
    if not token:
        return False
    if hmac.compare_digest(token.encode(), sandbox_token().encode()):
        return True
    return store is not None and issued_by_oauth(store, token)


def bearer(header: str) -> str:
    """The credentials of an `Authorization: Bearer ...` header, or "" for anything else."""
    scheme, _, credentials = header.partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" else ""
