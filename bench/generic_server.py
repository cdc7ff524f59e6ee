"""The generic baseline: fastmcp's OpenAPI conversion of both Pipedrive documents.

Runs inside the fastmcp virtualenv (bench/.work/fastmcp-venv), never the project's.
Two FastMCP.from_openapi sub-servers (v1 and v2) are mounted on one parent under the
namespaces "v1" and "v2", because 53 operationIds exist in both documents. The documents
are read as JSON converted once from the YAML (bench/.work/specs/), which is the
generic side's best case: it pays no YAML parsing at start-up.

Output validation is off by default here: the documents mark many fields as plain strings
that real answers fill with null (won_time, lost_reason, ...), so fastmcp's default strict
output schemas make the MCP client reject a realistic deals page. --validate-output
restores fastmcp's default (used only to report its tools/list size).

Run: python generic_server.py --origin http://127.0.0.1:PORT --specs DIR [--transport stdio|http --port N]
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import httpx2
from fastmcp import FastMCP


def build(origin: str, specs: Path, token: str, validate_output: bool = False) -> FastMCP:
    parent = FastMCP("generic-openapi")
    for version in ("v1", "v2"):
        spec = json.loads((specs / f"pipedrive-{version}.json").read_text())
        # Same origin layout as ours: ORIGIN/api/v1/... and ORIGIN/api/v2/...
        client = httpx2.AsyncClient(
            base_url=f"{origin}/api/{version}", headers={"x-api-token": token}, timeout=30
        )
        sub = FastMCP.from_openapi(
            spec, client=client, name=f"pipedrive-{version}", validate_output=validate_output
        )
        parent.mount(sub, namespace=version)
    return parent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--origin", required=True)
    parser.add_argument("--specs", type=Path, required=True)
    parser.add_argument("--transport", choices=["stdio", "http"], default="stdio")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument(
        "--validate-output",
        action="store_true",
        help="fastmcp's default: strict output schemas (real answers with nulls then fail validation)",
    )
    args = parser.parse_args()
    token = os.environ.get("PIPEDRIVE_API_TOKEN", "bench-token")
    server = build(args.origin, args.specs, token, validate_output=args.validate_output)
    if args.transport == "stdio":
        server.run("stdio", show_banner=False)
    else:
        server.run("http", show_banner=False, host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
