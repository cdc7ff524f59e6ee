"""The import name this project had before it became dealdesk_mcp, kept for one purpose: scripts and
checks that run `python -m pipedrive_mcp.sandbox` still start the sandbox. Everything else lives in
dealdesk_mcp."""
