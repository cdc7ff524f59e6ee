"""Request bodies as JSON with finite numbers only: 1e999 and NaN have no place in a record."""

from __future__ import annotations

import json
import math
from typing import Any


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} is not a finite number")
    return value


def _constant(text: str) -> Any:
    raise ValueError(f"{text} is not JSON")


def loads(raw: str | bytes) -> Any:
    """json.loads that refuses non-finite numbers (ValueError), as strict JSON parsers do."""
    return json.loads(raw, parse_float=_finite, parse_constant=_constant)
