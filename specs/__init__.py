"""The vendors' OpenAPI documents in facts-only form (see README.md here), shipped with the package."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

# Name -> file: the two current Pipedrive documents and Attio's.
DOCUMENTS = {
    "pipedrive-v1": "pipedrive-v1.json",
    "pipedrive-v2": "pipedrive-v2.json",
    "attio": "attio.json",
}


def path(name: str) -> Path:
    """The file of document `name` (a key of DOCUMENTS)."""
    return Path(str(resources.files(__name__) / DOCUMENTS[name]))


@cache
def load(name: str) -> dict[str, Any]:
    """Document `name`, parsed (cached: treat it as read-only)."""
    return json.loads(path(name).read_text(encoding="utf-8"))
