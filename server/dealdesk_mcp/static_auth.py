"""A credential that never changes, sent in one header: the auth of every API token and API key.

httpx takes it as a function auth (a request in, the same request with the header out), so this module
needs no httpx: a server answers its first tools/list before httpx is imported (with the first request).
OAuth, whose tokens are refreshed, is an httpx auth flow in auth.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import httpx


class StaticAuth:
    """A credential in one header (`x-api-token: T` or `Authorization: Bearer T`)."""

    # Where the API is: always the profile's origin (an OAuth token answer may name another).
    origin: str | None = None

    def __init__(self, header: str, value: str) -> None:
        self._header = header
        self._value = value

    def __call__(self, request: httpx.Request) -> httpx.Request:
        request.headers[self._header] = self._value
        return request

    def secrets(self) -> list[str]:
        return [self._value.removeprefix("Bearer ")]
