"""`python -m dealdesk_mcp.sandbox` (also `pipedrive-mcp-sandbox`): serve the sandbox in the foreground.

It prints its origin and the token it accepts to stderr; logs go to stderr too.
"""

from __future__ import annotations

import argparse
import copy
import logging
import sys
from typing import Any

from .server import STOP_SECONDS, default_db_path
from .token import SANDBOX_TOKEN


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="pipedrive-mcp-sandbox",
        description="A local twin of Pipedrive's API (v1, v2) and Attio's (v2, SCIM), with OAuth, on one origin",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--db", default=default_db_path(), help='SQLite file, or ":memory:"')
    parser.add_argument("--reset", action="store_true", help="wipe the database and seed it again")
    parser.add_argument(
        "--rate-limit",
        metavar="BUDGET[/SECONDS]",
        help="spend each operation's token cost from BUDGET per window (default 2 s); off when not given",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    from .ratelimit import RateLimit

    try:
        limit = RateLimit.parse(args.rate_limit) if args.rate_limit else None
    except ValueError as exc:
        parser.error(str(exc))

    import uvicorn
    from uvicorn.config import LOGGING_CONFIG

    from .app import create_app

    app = create_app(args.db, reset=args.reset, rate_limit=limit)
    shown = f"[{args.host}]" if ":" in args.host else args.host
    print(f"Pipedrive and Attio sandbox on http://{shown}:{args.port} (db: {args.db})", file=sys.stderr)
    print(f"token: {SANDBOX_TOKEN}", file=sys.stderr, flush=True)
    # uvicorn's default config writes access lines to stdout; keep stdout clean (stdio users share it).
    log_config: dict[str, Any] = copy.deepcopy(LOGGING_CONFIG)
    handlers: dict[str, dict[str, Any]] = log_config["handlers"]
    for handler in handlers.values():
        handler["stream"] = "ext://sys.stderr"
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level="info",
        lifespan="off",
        log_config=log_config,
        timeout_graceful_shutdown=STOP_SECONDS,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
