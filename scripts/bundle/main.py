"""Entry point of the dealdesk-mcp MCP bundle (copied to server/main.py by scripts/build_bundle.py).

The package sits beside this file (server/dealdesk_mcp, unpacked from the wheel); its dependencies are
named in the bundle's pyproject.toml, which the host installs with uv.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dealdesk_mcp.cli import main

raise SystemExit(main())
