"""The errors a tool call can end in. The app turns each into one clear is_error result."""

from __future__ import annotations


class ToolError(Exception):
    """A failure the agent should read and can act on."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConfigError(ToolError):
    """A setting is missing or malformed."""


class UnknownTool(ToolError):
    pass


class InvalidArguments(ToolError):
    """The arguments do not fit the tool's input model; nothing was sent."""


class MissingCredentials(ToolError):
    pass


class NotAllowed(ToolError):
    """Refused by the server's own policy (read-only mode, a toolset not enabled)."""


class ConfirmRefused(NotAllowed):
    """A `confirm` value that is malformed, stale, or was given for another call; nothing was sent."""


class ItemChanged(NotAllowed):
    """A conditional update whose item changed since the agent read it; nothing was sent."""


class FileAccessError(ToolError):
    """A local path is outside the allowed roots, missing, or too large; nothing was sent."""


class ApiError(ToolError):
    """The API answered with an error status."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class RateLimited(ApiError):
    def __init__(self, message: str, *, retry_after: float | None) -> None:
        super().__init__(message, status=429)
        self.retry_after = retry_after
