"""Fixtures for the contract suite: Prism mocks of the vendors' documents behind a routing proxy.

The suite skips, with the reason, when Node.js, Prism or the documents are missing; under CI=true it
fails instead, so a CI run can never pass without having checked the contract.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.contract.declared import Declared, load_document
from tests.contract.prism import PrismServer, missing_requirements, start_all
from tests.contract.proxy import Exchange, RoutingProxy, Upstream


def _unavailable(reason: str) -> None:
    message = f"contract suite not run: {reason}"
    if os.environ.get("CI") == "true":
        pytest.fail(message + " (CI=true requires it)", pytrace=False)
    print(message, file=sys.stderr)
    pytest.skip(message)


@dataclass
class Mocks:
    """The running Prism servers and the proxies the server under test talks to."""

    prisms: dict[str, PrismServer]
    pipedrive: RoutingProxy  # ORIGIN/api/v1/... and ORIGIN/api/v2/...
    attio: RoutingProxy  # ORIGIN/v2/... and ORIGIN/scim/v2/...

    def rejected(self) -> list[Exchange]:
        return self.pipedrive.rejected() + self.attio.rejected()

    def start_seconds(self) -> float:
        """How long the slowest Prism took to answer (they start together)."""
        return max(p.start_seconds or 0.0 for p in self.prisms.values())


@pytest.fixture(scope="session")
def prism_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, PrismServer]]:
    reason = missing_requirements()
    if reason:
        _unavailable(reason)
    servers = start_all(tmp_path_factory.mktemp("prism"))
    times = ", ".join(f"{s.name} {s.start_seconds:.1f} s" for s in servers.values())
    print(f"\nPrism ready (started together): {times}", file=sys.stderr)
    yield servers
    for server in servers.values():
        server.stop()


@pytest.fixture(scope="session")
def mocks(prism_servers: dict[str, PrismServer]) -> Iterator[Mocks]:
    def declared(name: str) -> Declared:
        return Declared(load_document(prism_servers[name].document))

    pipedrive = RoutingProxy(
        [
            Upstream("/api/v1", prism_servers["pipedrive-v1"].origin, True, declared("pipedrive-v1")),
            Upstream("/api/v2", prism_servers["pipedrive-v2"].origin, True, declared("pipedrive-v2")),
        ]
    ).start()
    attio = RoutingProxy([Upstream("/", prism_servers["attio"].origin, False, declared("attio"))]).start()
    yield Mocks(prism_servers, pipedrive, attio)
    pipedrive.stop()
    attio.stop()


@pytest.fixture
def upload_file(tmp_path: Path) -> Path:
    """A small real file for the upload tools (a PNG header, so image endpoints see an image)."""
    target = tmp_path / "contract-upload.png"
    target.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    return target
