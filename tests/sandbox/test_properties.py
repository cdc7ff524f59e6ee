"""Property-based checks driven by Pipedrive's documents: schemathesis generates requests for every
operation of specs/pipedrive-v1.json and specs/pipedrive-v2.json and sends them to the sandbox on
loopback; no answer may be a server error, and every answer with a documented status must match that
status's response schema, where only the properties in known_nulls.py may be null beyond the document.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance

from dealdesk_mcp import specs
from dealdesk_mcp.sandbox import SANDBOX_TOKEN, start_sandbox
from dealdesk_mcp.sandbox.known_nulls import nullable_known

v1 = schemathesis.openapi.from_dict(nullable_known(specs.load("pipedrive-v1")))
v2 = schemathesis.openapi.from_dict(nullable_known(specs.load("pipedrive-v2")))
SETTINGS = settings(
    max_examples=3,
    phases=[Phase.generate],
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture(scope="module")
def origin() -> Iterator[str]:
    with start_sandbox(":memory:") as handle:
        yield handle.base_url


def _check(case: schemathesis.Case, base_url: str) -> None:
    case.call_and_validate(
        base_url=base_url,
        headers={"x-api-token": SANDBOX_TOKEN},
        checks=[not_a_server_error, response_schema_conformance],
        timeout=10,
    )


@v1.parametrize()
@SETTINGS
def test_generated_v1_requests(case: schemathesis.Case, origin: str) -> None:
    _check(case, f"{origin}/api/v1")


@v2.parametrize()
@SETTINGS
def test_generated_v2_requests(case: schemathesis.Case, origin: str) -> None:
    _check(case, f"{origin}/api/v2")
