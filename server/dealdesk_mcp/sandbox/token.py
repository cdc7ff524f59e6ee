"""The sandbox's fixed API token: every sandbox accepts it, and `--sandbox` hands it to the MCP server.

It guards nothing of value (the sandbox serves made-up data on loopback); it exists so the sandbox can
answer a missing or wrong token with 401 the way Pipedrive does.
"""

SANDBOX_TOKEN = "sandbox-5f3c9e2a7b1d4c68a0e9f1b2c3d4e5f6"
