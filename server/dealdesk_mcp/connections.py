"""What belongs to one client connection rather than to the server: the toolsets it switched on or
off, the log level it asked for, the resources it subscribed to; and the live connections of each
account, for the notifications the server sends unasked (a resource it changed, a new saved file).

A connection of the handshake protocol (stdio, SSE, streamable HTTP with a session) keeps its state
across requests. A 2026-07-28 request brings a connection of its own that ends with the request, so
nothing set during it outlives it (`ConnectionState.lasting` says which kind this is); clients of that
protocol hear of changes on a subscriptions/listen stream instead, one event bus per account.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mcp.server.connection import Connection
from mcp.server.subscriptions import (
    InMemorySubscriptionBus,
    ListenHandler,
    ResourcesListChanged,
    ResourceUpdated,
)
from mcp_types import LoggingLevel
from mcp_types.version import MODERN_PROTOCOL_VERSIONS

from dealdesk_mcp.catalog import ToolEntry
from dealdesk_mcp.notes import DEFAULT_LEVEL, NoteWindow

STATE_KEY = "dealdesk"
# The most resources one connection may watch (each is a string kept while it lasts).
MAX_SUBSCRIPTIONS = 500


@dataclass(frozen=True)
class Offer:
    """The toolsets and tools a connection is offered."""

    toolsets: tuple[str, ...]
    enabled: Mapping[str, ToolEntry]
    # The server groups on (toolsets.SERVER_GROUPS: the reports).
    groups: frozenset[str] = frozenset()


@dataclass
class ConnectionState:
    lasting: bool
    log_level: LoggingLevel = DEFAULT_LEVEL
    # Toolsets switched on and off during the session, and the offer they make (None: the server's own).
    switched_on: frozenset[str] = frozenset()
    switched_off: frozenset[str] = frozenset()
    offer: Offer | None = None
    # Set by a call that changed the listed tools; the request handler sends list_changed and clears it.
    tools_changed: bool = False
    subscriptions: set[str] = field(default_factory=set[str])
    notes: NoteWindow = field(default_factory=NoteWindow)


def connection_of(ctx: Any) -> Connection:
    """The connection a request came on. Low-level handlers get the per-request session proxy only;
    the connection behind it is where the SDK keeps per-connection state (`Connection.state`)."""
    return ctx.session._connection  # pyright: ignore[reportPrivateUsage]


def state_of(ctx: Any) -> ConnectionState:
    connection = connection_of(ctx)
    state = connection.state.get(STATE_KEY)
    if not isinstance(state, ConnectionState):
        state = ConnectionState(lasting=ctx.protocol_version not in MODERN_PROTOCOL_VERSIONS)
        connection.state[STATE_KEY] = state
    return state


@dataclass
class _Member:
    account_key: str
    connection: Connection
    state: ConnectionState


class Audience:
    """The lasting connections of each account, for notifications about that account's data."""

    def __init__(self) -> None:
        self._members: dict[int, _Member] = {}
        self._buses: dict[str, tuple[InMemorySubscriptionBus, ListenHandler]] = {}

    def listener(self, account_key: str) -> ListenHandler:
        """The subscriptions/listen handler of one account's event bus (2026-07-28 clients)."""
        if account_key not in self._buses:
            bus = InMemorySubscriptionBus()
            self._buses[account_key] = (bus, ListenHandler(bus))
        return self._buses[account_key][1]

    def join(self, account_key: str, ctx: Any) -> ConnectionState:
        """The state of the request's connection, which from now on hears about `account_key`'s changes."""
        state = state_of(ctx)
        if state.lasting:
            connection = connection_of(ctx)
            key = id(connection)
            if key not in self._members:
                self._members[key] = _Member(account_key, connection, state)
                connection.exit_stack.callback(self._members.pop, key, None)
        return state

    def watched(self, account_key: str) -> bool:
        """Whether anyone hears of changes to `account_key`'s resources: a connection subscribed to
        one, or an event bus (a 2026-07-28 client listening). Nobody: a write need not work out what
        it touched."""
        return account_key in self._buses or any(
            m.account_key == account_key and m.state.subscriptions for m in self._members.values()
        )

    def members(self, account_key: str) -> list[_Member]:
        return [m for m in self._members.values() if m.account_key == account_key]

    async def resources_updated(self, account_key: str, uris: set[str]) -> None:
        """Tell each connection of the account that watches one of `uris` that it changed."""
        for member in self.members(account_key):
            for uri in sorted(uris & member.state.subscriptions):
                await member.connection.send_resource_updated(uri)
        if account_key in self._buses:
            for uri in sorted(uris):
                await self._buses[account_key][0].publish(ResourceUpdated(uri))

    async def resource_list_changed(self, account_key: str) -> None:
        for member in self.members(account_key):
            await member.connection.send_resource_list_changed()
        if account_key in self._buses:
            await self._buses[account_key][0].publish(ResourcesListChanged())
