"""The transport tests' fixtures (the console script on a loopback port), for regression tests here."""

from tests.transports.conftest import crm, start_server

__all__ = ["crm", "start_server"]
