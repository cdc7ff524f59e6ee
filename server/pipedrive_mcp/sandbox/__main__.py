"""`python -m pipedrive_mcp.sandbox`: the same command as `python -m dealdesk_mcp.sandbox`."""

import sys

from dealdesk_mcp.sandbox.__main__ import main

if __name__ == "__main__":
    sys.exit(main())
