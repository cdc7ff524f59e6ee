"""`python -m dealdesk_mcp.sandbox`: serve the sandbox in the foreground (logs go to stderr)."""

from __future__ import annotations

import argparse
import copy
import logging
import sys

from .server import default_db_path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m dealdesk_mcp.sandbox", description="Local Pipedrive sandbox"
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--db", default=default_db_path(), help='SQLite file, or ":memory:"')
    parser.add_argument("--reset", action="store_true", help="wipe the database and seed it again")
    args = parser.parse_args(argv)
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    import uvicorn

    from .app import create_app

    app = create_app(args.db, reset=args.reset)
    print(f"Pipedrive sandbox on http://{args.host}:{args.port} (db: {args.db})", file=sys.stderr)
    # uvicorn's default config writes access lines to stdout; keep stdout clean (stdio users share it).
    log_config = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    for handler in log_config["handlers"].values():
        handler["stream"] = "ext://sys.stderr"
    uvicorn.run(app, host=args.host, port=args.port, log_level="info", lifespan="off", log_config=log_config)
    return 0


if __name__ == "__main__":
    sys.exit(main())
