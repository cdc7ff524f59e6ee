"""dealdesk-mcp: every Pipedrive (and Attio) API operation as an MCP tool."""

__version__ = "0.1.0"
