"""server.json, the MCP registry's description of the package: in step with the version, the
distribution name and the settings the server really reads; secrets marked as secrets."""

from __future__ import annotations

import json
import re

from tests.conftest import ROOT
from tests.packaging.conftest import project_version, pyproject
from tests.transports.test_desktop_config import documented_variables

SERVER_JSON = ROOT / "server.json"
# The registry schema's fields (2025-12-11), to catch a misspelt key that the registry would drop.
SERVER_FIELDS = {"$schema", "name", "title", "description", "version", "packages", "repository",
                 "websiteUrl", "icons", "remotes", "_meta"}  # fmt: skip
PACKAGE_FIELDS = {"registryType", "registryBaseUrl", "identifier", "version", "fileSha256", "runtimeHint",
                  "transport", "runtimeArguments", "packageArguments", "environmentVariables"}  # fmt: skip
INPUT_FIELDS = {"name", "description", "isRequired", "format", "value", "isSecret", "default", "placeholder",
                "choices", "variables"}  # fmt: skip
SECRETS = {"PIPEDRIVE_API_TOKEN", "PIPEDRIVE_ACCESS_TOKEN", "PIPEDRIVE_REFRESH_TOKEN",
           "PIPEDRIVE_CLIENT_SECRET", "ATTIO_API_KEY", "PIPEDRIVE_CONFIRM_KEY"}  # fmt: skip
# Settings of the HTTP and SSE transports: a registry package runs over stdio and never needs them.
HTTP_ONLY = {"PIPEDRIVE_MCP_TRANSPORT", "PIPEDRIVE_MCP_HOST", "PIPEDRIVE_MCP_PORT", "PIPEDRIVE_MCP_AUTH_TOKEN",
             "PIPEDRIVE_MCP_ALLOWED_HOSTS"}  # fmt: skip


def server() -> dict:
    return json.loads(SERVER_JSON.read_text())


def test_versions_and_names_match_the_package() -> None:
    doc = server()
    [package] = doc["packages"]
    assert doc["version"] == package["version"] == project_version()
    assert package["registryType"] == "pypi" and package["identifier"] == pyproject()["project"]["name"]
    assert package["transport"] == {"type": "stdio"}
    assert doc["$schema"].startswith("https://static.modelcontextprotocol.io/schemas/")
    assert set(doc) <= SERVER_FIELDS and set(package) <= PACKAGE_FIELDS
    assert 0 < len(doc["description"]) <= 100  # the registry's limit


def test_the_name_is_reverse_dns_and_the_readme_claims_it() -> None:
    name = server()["name"]
    assert re.fullmatch(r"[a-zA-Z0-9.-]+/[a-zA-Z0-9._-]+", name)
    namespace = name.split("/")[0].split(".")
    assert len(namespace) >= 2 and namespace[0] in ("io", "com", "org", "net", "dev")
    # PyPI ownership: the registry looks for this line in the package's README (its long description).
    assert f"mcp-name: {name}" in (ROOT / "README.md").read_text()


def test_environment_variables_are_the_ones_the_server_reads() -> None:
    [package] = server()["packages"]
    variables = package["environmentVariables"]
    names = [v["name"] for v in variables]
    assert len(names) == len(set(names))
    documented = documented_variables()
    assert set(names) <= documented
    missing = documented - HTTP_ONLY - set(names)
    assert not missing, f"documented in .env.example but not in server.json: {sorted(missing)}"
    code = "".join((ROOT / "server" / "dealdesk_mcp" / f).read_text() for f in ("config.py", "cli.py"))
    assert all(f'"{name}"' in code for name in names)
    for variable in variables:
        assert set(variable) <= INPUT_FIELDS
        assert variable["description"]
        assert variable.get("isSecret", False) == (variable["name"] in SECRETS), variable["name"]
        assert variable.get("format", "string") in ("string", "number", "boolean", "filepath")
        if "choices" in variable:
            assert variable["default"] in variable["choices"]
        assert all(isinstance(variable[k], str) for k in ("default", "value") if k in variable)
