"""`python -m pipedrive_mcp.sandbox`: the sandbox under its former import name (see dealdesk_mcp.sandbox)."""
