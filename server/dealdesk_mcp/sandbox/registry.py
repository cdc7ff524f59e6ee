"""Handlers for operations the generic classification does not cover, keyed by (version, operationId)."""

from __future__ import annotations

from collections.abc import Callable

from starlette.responses import Response

from .call import Answer, Call

Handler = Callable[[Call], Answer | Response]
SPECIAL: dict[tuple[str, str], Handler] = {}


def special(version: str, *operation_ids: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        for operation_id in operation_ids:
            key = (version, operation_id)
            if key in SPECIAL:
                raise ValueError(f"two handlers for {key}")
            SPECIAL[key] = handler
        return handler

    return register
