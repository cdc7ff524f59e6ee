"""What tools/list costs, listing by listing and toolset by toolset (issue 18's budgets).

    .venv/bin/python bench/listing.py            # report (Markdown) to stdout
    .venv/bin/python bench/listing.py --write    # and put it in bench/RESULTS.md

Sizes are the compact JSON of the listed tools, as the SDK sends them (tokens are about chars / 4),
measured in process from the server the settings build: no API is called.
"""

from __future__ import annotations

import argparse

import mcp_types as types
from common import BENCH, TOKEN, put_section

from dealdesk_mcp import toolsets as toolset_table
from dealdesk_mcp.app import build_server
from dealdesk_mcp.config import Settings

RESULTS = BENCH / "RESULTS.md"
SECTION = "## 9. tools/list size per listing and toolset (bench/listing.py, run separately)"
# Issue 18's budgets: the default listing and --toolsets all (at the default write level), for one CRM.
BUDGETS = {"default": 60_000, "all": 250_000}


def listed(attio: bool = False, pipedrive: bool = True, **settings: object) -> list[types.Tool]:
    """The listing of a server with a Pipedrive token (where `pipedrive`) and an Attio key (where `attio`)."""
    keys: dict[str, object] = {"pipedrive_api_token": TOKEN} if pipedrive else {}
    if attio:
        keys["attio_api_key"] = TOKEN
    server = build_server(Settings(**keys, **settings))  # type: ignore[arg-type]
    return server.runtime.listed_tools()


def chars(tools: list[types.Tool]) -> int:
    return len(types.ListToolsResult(tools=tools).model_dump_json(by_alias=True, exclude_none=True))


# (credentials, listing, budget key, settings); the budgets hold for one CRM's account. With both (as in
# --sandbox) the listings hold both CRMs' tools, about the two single figures added.
LISTINGS: tuple[tuple[str, str, str | None, dict[str, object]], ...] = (
    ("Pipedrive token", "default flags", "default", {}),
    ("Pipedrive token", "--toolsets all", "all", {"toolsets": ("all",)}),
    ("Pipedrive token", "--toolsets all --writes all", None, {"toolsets": ("all",), "writes": "all"}),
    ("Pipedrive token", "--discovery", None, {"discovery": True}),
    ("Attio key", "default flags", "default", {"attio": True, "pipedrive": False}),
    ("Attio key", "--toolsets all", "all", {"attio": True, "pipedrive": False, "toolsets": ("all",)}),
    ("both (as --sandbox)", "default flags", None, {"attio": True}),
    ("both (as --sandbox)", "--toolsets all", None, {"attio": True, "toolsets": ("all",)}),
)


def report() -> str:
    lines = [SECTION, ""]
    lines += [
        "| credentials | listing | tools | chars | ~tokens | budget | met |",
        "|---|---|---|---|---|---|---|",
    ]
    for credentials, label, key, settings in LISTINGS:
        tools = listed(**settings)  # type: ignore[arg-type]
        size = chars(tools)
        budget = BUDGETS.get(key or "")
        met = "" if budget is None else ("yes" if size <= budget else "no")
        shown = "" if budget is None else f"<= {budget:,}"
        lines.append(
            f"| {credentials} | {label} | {len(tools)} | {size:,} | {size // 4:,} | {shown} | {met} |"
        )
    lines += [
        "",
        "Each toolset alone (`--toolsets NAME`, with the server's own tools it brings; Attio's with a key):",
        "",
    ]
    lines += ["| toolset | tools (safe) | chars (safe) | tools (--writes all) | chars (--writes all) |"]
    lines += ["|---|---|---|---|---|"]
    for toolset in toolset_table.TOOLSETS:
        attio = toolset.name.startswith("attio_")
        safe = listed(attio, toolsets=(toolset.name,))
        every = listed(attio, toolsets=(toolset.name,), writes="all")
        lines.append(f"| {toolset.name} | {len(safe)} | {chars(safe):,} | {len(every)} | {chars(every):,} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--write", action="store_true", help="put the report in bench/RESULTS.md")
    text = report()
    print(text)
    if parser.parse_args().write:
        put_section(RESULTS, SECTION, text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
