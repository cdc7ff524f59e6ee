"""Attio's error answers: {"status_code", "type", "code", "message"}, raised anywhere in a handler."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse


class AttioError(Exception):
    """An error answer in Attio's own shape; the dispatcher renders it."""

    status = 400
    type = "invalid_request_error"
    code = "validation_type"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def body(self) -> dict[str, Any]:
        return {"status_code": self.status, "type": self.type, "code": self.code, "message": self.message}

    def response(self) -> JSONResponse:
        return JSONResponse(self.body(), status_code=self.status, headers=self.headers())

    def headers(self) -> dict[str, str]:
        return {}


class BadRequest(AttioError):
    """A body, query or value the operation cannot use (400)."""


class Unauthorized(AttioError):
    status = 401
    type = "auth_error"
    code = "invalid_token"


class Forbidden(AttioError):
    status = 403
    type = "auth_error"
    code = "forbidden"


class NotFound(AttioError):
    status = 404
    code = "not_found"


class Conflict(AttioError):
    status = 409
    code = "slug_conflict"


class TooLarge(AttioError):
    status = 413


class Unprocessable(AttioError):
    status = 422
    code = "unprocessable_entity"


class RateLimited(AttioError):
    status = 429
    type = "rate_limit_error"
    code = "rate_limit_exceeded"

    def headers(self) -> dict[str, str]:
        return {"Retry-After": "1"}


class MethodNotAllowed(AttioError):
    status = 405
    code = "method_not_allowed"
