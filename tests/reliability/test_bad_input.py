"""Property-based bad input: for every tool (all toolsets), arguments drawn from its own input schema.

Valid draws must reach the API exactly once, at the method and path the tool declares, with path
parameters substituted. Invalid draws (missing required, unknown key, wrong type, unknown enum value,
out-of-range, malformed format, wrong type inside an object) must come back as is_error naming the
offending field, with nothing sent. Through it all the one connection stays usable.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from mcp.shared.exceptions import MCPError
from mcp_types.jsonrpc import INVALID_PARAMS

from tests.conftest import ATTIO_KEY, SERVER_TOOLS, TOKEN, text_of
from tests.reliability.conftest import Live
from tests.reliability.schemas import (
    Broken,
    Tool,
    all_tools,
    invalid_arguments,
    valid_arguments,
)

# Examples per tool; each example makes one valid and one invalid call (2 x 398 x N calls).
EXAMPLES = int(os.environ.get("RELIABILITY_EXAMPLES", "3"))
INTERNAL_ERROR = "failed inside the server"
FIGURES: Counter[str] = Counter()


def known_lenience(broken: Broken) -> str | None:
    """Refusals the server does not make (date-times are passed on as text for the API to judge)."""
    if broken.kind == "out_of_range" and broken.value == "not-a-date-time":
        return "date_time_format_unchecked"
    return None


def names_field(text: str, broken: Broken) -> bool:
    """The error has a line for the offending argument, and mentions the innermost key at fault."""
    line = re.search(rf"^- {re.escape(broken.field)}(?:[.:]|$).*$", text, re.M)
    return bool(line) and broken.leaf in line.group(0)


def check_valid(live: Live, tool: Tool, arguments: dict[str, Any]) -> None:
    result, requests = live.call(tool.name, arguments)
    text = text_of(result)
    assert INTERNAL_ERROR not in text, (tool.name, arguments, text)
    assert not result.is_error, (tool.name, arguments, text)
    sent = [(r.method, r.path) for r in requests]
    assert sent == [(tool.method, tool.expected_path(arguments))], (tool.name, arguments, sent)
    if tool.api == "attio":
        assert requests[0].headers.get("authorization") == f"Bearer {ATTIO_KEY}"
    else:
        assert requests[0].headers.get("x-api-token") == TOKEN
    FIGURES["valid: sent as declared"] += 1


def check_invalid(live: Live, tool: Tool, broken: Broken) -> None:
    result, requests = live.call(tool.name, broken.arguments)
    text = text_of(result)
    assert INTERNAL_ERROR not in text, (tool.name, broken, text)
    gap = known_lenience(broken)
    if gap is not None:
        FIGURES[f"invalid {broken.kind}: known gap ({gap})"] += 1
        return
    assert result.is_error, (tool.name, broken, text, [(r.method, r.path) for r in requests])
    assert requests == [], (tool.name, broken, [(r.method, r.path) for r in requests])
    assert names_field(text, broken), (tool.name, broken, text)
    FIGURES[f"invalid {broken.kind}: refused, named, nothing sent"] += 1


def run_tool(live: Live, tool: Tool) -> None:
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        phases=(Phase.explicit, Phase.generate, Phase.shrink),
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    def example(data: st.DataObject) -> None:
        check_valid(live, tool, data.draw(valid_arguments(tool, live.upload_files), label="valid"))
        check_invalid(live, tool, data.draw(invalid_arguments(tool, live.upload_files), label="invalid"))

    example()


GROUPS: dict[str, list[Tool]] = {}
for _tool in all_tools():
    GROUPS.setdefault(_tool.group, []).append(_tool)


@pytest.mark.parametrize("group", sorted(GROUPS))
def test_every_tool_refuses_bad_input_and_sends_good_input(live: Live, group: str) -> None:
    for tool in GROUPS[group]:
        run_tool(live, tool)
        FIGURES["tools"] += 1


def test_the_connection_survived_and_figures(live: Live) -> None:
    """Runs after the property tests above: the same client still lists every tool and calls one."""
    tools = live.list_tools()
    assert len(tools) == len(all_tools()) + len(SERVER_TOOLS)
    # A tool that does not exist is the protocol error the specification names (invalid params).
    for name, words in (("no_such_tool", "Unknown tool"), ("get_deals_x", "Did you mean: get_deals")):
        with pytest.raises(MCPError) as refused:
            live.call(name, {})
        assert refused.value.code == INVALID_PARAMS and words in refused.value.message
    odd = [
        ("get_deal", {"id": "x" * 1_000_000}, "- id: "),
        ("get_deal", {"id": 7, "raw": "yes please"}, "- raw: "),
    ]
    for name, arguments, words in odd:
        result, requests = live.call(name, arguments)
        assert result.is_error and words in text_of(result) and requests == [], (name, text_of(result)[:300])
        assert len(text_of(result)) < 2_000  # the echo of a huge value is cut short
    result, requests = live.call("add_deal", {"title": "nul \u0000 and \ud7ff \U0001f600"})
    assert not result.is_error and requests[0].json["title"] == "nul \u0000 and \ud7ff \U0001f600"
    result, requests = live.call("get_deal", {"id": 7})
    assert not result.is_error and [(r.method, r.path) for r in requests] == [("GET", "/api/v2/deals/7")]
    total = sum(v for k, v in FIGURES.items() if k != "tools")
    print(f"\nbad-input property test: {FIGURES['tools']} tools, {total} calls")
    for key, value in sorted(FIGURES.items()):
        print(f"  {key:<70} {value:>6}")
    if FIGURES["tools"] == len(all_tools()):
        assert FIGURES["valid: sent as declared"] >= len(all_tools()) * EXAMPLES
