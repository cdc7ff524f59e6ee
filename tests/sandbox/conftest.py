"""Fixtures for the sandbox tests: one in-memory sandbox per module and an httpx client with a token."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from dealdesk_mcp.sandbox import SANDBOX_TOKEN, SandboxHandle, start_sandbox

TOKEN = SANDBOX_TOKEN


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxHandle]:
    with start_sandbox(":memory:") as handle:
        yield handle


@pytest.fixture
def api(sandbox: SandboxHandle) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sandbox.base_url, headers={"x-api-token": TOKEN}, timeout=10) as client:
        yield client
