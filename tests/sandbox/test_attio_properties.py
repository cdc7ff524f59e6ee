"""Property-based checks driven by Attio's document: schemathesis generates requests for every
operation of specs/attio.json and sends them to the sandbox on loopback; no answer may be a server
error, and every answer with a documented status must match that status's response schema."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance

from dealdesk_mcp.sandbox import start_sandbox
from dealdesk_mcp.sandbox.attio import auth
from tests.sandbox.attio_document import document

schema = schemathesis.openapi.from_dict(document())


@pytest.fixture(scope="module")
def attio_origin() -> Iterator[str]:
    with start_sandbox(":memory:") as handle:
        yield handle.base_url


@schema.parametrize()
@settings(
    max_examples=3,
    phases=[Phase.generate],
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_generated_requests(case: schemathesis.Case, attio_origin: str) -> None:
    case.call_and_validate(
        base_url=attio_origin,
        headers={"authorization": f"Bearer {auth.sandbox_token()}"},
        checks=[not_a_server_error, response_schema_conformance],
        timeout=10,
    )
