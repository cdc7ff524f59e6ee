"""The vendors' documents (specs/), typed for the sandbox.

`dealdesk_mcp.specs` is the repository's top-level specs/ folder, mapped into the package when it is
installed; the type checker cannot follow that mapping, so the module is imported by name here and its
one function given its type.
"""

from __future__ import annotations

import importlib
from typing import Any


def load(name: str) -> dict[str, Any]:
    """Document `name` ("pipedrive-v1", "pipedrive-v2" or "attio"), parsed and cached: read-only."""
    specs = importlib.import_module("dealdesk_mcp.specs")
    document: dict[str, Any] = specs.load(name)
    return document
