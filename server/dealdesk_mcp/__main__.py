"""`python -m dealdesk_mcp` runs the server, like the `dealdesk-mcp` command."""

from dealdesk_mcp.cli import main

raise SystemExit(main())
