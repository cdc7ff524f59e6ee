"""One user's tokens at one API, as the auth flow's TokenStore: kept sealed in the hosted store, and
refreshed under a lock every replica shares, so one refresh per expiry serves them all."""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from dealdesk_mcp.auth import OAuthTokens
from dealdesk_mcp.hosted import store
from dealdesk_mcp.hosted.state import State

log = logging.getLogger(__name__)

# A replica that dies mid-refresh frees the lock after this; the token endpoint's timeout is shorter.
REFRESH_HOLD_SECONDS = 45.0
REFRESH_WAIT_SECONDS = 60.0


class UserTokens:
    def __init__(self, state: State, user: str, api: str) -> None:
        self._state = state
        self.user = user
        self.api = api

    async def load(self) -> OAuthTokens | None:
        return await self._state.upstream(self.user, self.api)

    async def save(self, tokens: OAuthTokens) -> None:
        await self._state.put_upstream(self.user, self.api, tokens)

    def refreshing(self) -> AbstractAsyncContextManager[None]:
        return self._locked()

    @asynccontextmanager
    async def _locked(self) -> AsyncGenerator[None, None]:
        name = f"refresh:{self.user}:{self.api}"
        async with store.lock(self._state.store, name, hold=REFRESH_HOLD_SECONDS, wait=REFRESH_WAIT_SECONDS):
            yield

    async def forget(self) -> None:
        """The API refused the refresh token: the user is signed out, and their MCP client, getting a 401
        on its next request, signs them in again."""
        log.warning("the %s grant of user %s was refused; signed out", self.api, self.user)
        await self._state.drop_upstream(self.user, self.api)
        await self._state.drop_user(self.user)
