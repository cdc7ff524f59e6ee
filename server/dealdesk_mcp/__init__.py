"""dealdesk-mcp: every Pipedrive (and Attio) API operation as an MCP tool."""

__version__ = "0.2.0"
