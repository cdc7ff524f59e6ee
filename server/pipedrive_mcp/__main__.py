"""`python -m pipedrive_mcp` runs the server, like the `pipedrive-mcp` command."""

from pipedrive_mcp.cli import main

raise SystemExit(main())
