"""The one context a tool call carries through the stages: each stage reads what the ones before it
left here and adds its own part."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

from dealdesk_mcp.account import Account
from dealdesk_mcp.answers import Fitted
from dealdesk_mcp.apis import ApiProfile
from dealdesk_mcp.catalog import ToolEntry
from dealdesk_mcp.config import Settings
from dealdesk_mcp.pagination import Walk
from dealdesk_mcp.request import OutgoingRequest
from dealdesk_mcp.route import Route, ToolInput
from dealdesk_mcp.session import Session

if TYPE_CHECKING:
    from dealdesk_mcp.records import ShapePlan

Progress = Callable[[float, float | None, str | None], Awaitable[None]]
# What the shape stage does to a walk's pages as they arrive (given the call and a page's items).
PageShaper = Callable[["Call", list[Any]], Awaitable[list[Any]]]


class InputRequired(Exception):
    """The client takes its user's answers by retrying the call with them (MCP 2026-07-28): the call
    ends here, the client asks `requests` (an id -> elicitation request map) and calls again."""

    def __init__(self, requests: dict[str, Any]) -> None:
        super().__init__("the client is asked for input")
        self.requests = requests


class Peer(Protocol):
    """The MCP client on the other side of a call, for stages that ask its user something."""

    def can_elicit(self) -> bool:
        """Whether the client takes form elicitations (it said so when it connected)."""
        ...

    def asks_while_waiting(self) -> bool:
        """Whether a question is asked while the call waits (a back channel), rather than answered by
        the client calling again (InputRequired), which runs the whole call a second time."""
        ...

    async def elicit(self, message: str, schema: dict[str, Any]) -> tuple[str, dict[str, Any] | None]:
        """Ask the user; answers the action ("accept", "decline", "cancel") and the form's content.
        Raises InputRequired where the client answers by calling again."""
        ...


@dataclass
class Call:
    entry: ToolEntry
    arguments: dict[str, Any]
    account: Account
    profile: ApiProfile
    session: Session
    settings: Settings
    progress: Progress | None = None
    # The client, where the call came from one (None for the server's own inner calls).
    peer: Peer | None = None
    # The most pages a walk may fetch (None: as many as max_items needs).
    max_pages: int | None = None
    # validate
    model: ToolInput | None = None
    # resolve: wire values the server sets in place of the agent's (custom field keys, page sizes)
    overrides: dict[str, Any] = field(default_factory=dict[str, Any])
    # policy: how a write was confirmed ("user", "confirm value"), and what the stage answered in place
    # of the API ("dry_run", "confirmation_needed", "declined", "cancelled"); the audit log records both
    confirmed: str | None = None
    outcome: str | None = None
    # fetch: the requests sent, what came back (decoded), and the pages of a list
    requests: list[OutgoingRequest] = field(default_factory=list[OutgoingRequest])
    answer: Any = None
    walk: Walk | None = None
    saved: dict[str, Any] | None = None
    # the local file an upload sends (path, file_name, size), for the audit log
    upload: dict[str, Any] | None = None
    # shape: the parts of the answer (data, extra, page)
    shaped: dict[str, Any] | None = None
    # fit: what the agent sees; set early by a stage that answers in place of the API (a dry run)
    result: Fitted | None = None
    # Set by the executor when a shape stage follows: a walk's pages are shaped as they arrive.
    page_shaper: PageShaper | None = None
    # How `page_shaper` shaped the walk's items (None: they are not shaped yet), or False where
    # they are left to the shape stage.
    page_plan: ShapePlan | Literal[False] | None = None

    @property
    def route(self) -> Route:
        assert self.model is not None, "the call is not validated yet"
        return self.model.route

    @property
    def raw(self) -> bool:
        return bool(self.model is not None and self.model.raw)
