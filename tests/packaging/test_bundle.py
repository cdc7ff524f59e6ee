"""The Claude Desktop bundle: built by scripts/build_bundle.py with the MCPB CLI (validate and pack),
its manifest in step with the package, and the packed bundle started the way its mcp_config says
(`uv run` installing the bundle's dependencies) serving tools with the user's settings applied."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import struct
import sys
import zipfile
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client

from dealdesk_mcp.catalog import load_catalog
from tests.conftest import ROOT, text_of
from tests.packaging.conftest import Artefacts, project_version, pyproject
from tests.standin import Reply, StandIn
from tests.transports.test_desktop_config import documented_variables

SCRIPT = ROOT / "scripts" / "build_bundle.py"
USER_CONFIG = re.compile(r"\$\{user_config\.(\w+)\}")


def build_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_bundle", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def bundle(artefacts: Artefacts, tmp_path_factory: pytest.TempPathFactory) -> Path:
    script = build_script()
    if not script.MCPB.exists():
        if os.environ.get("CI") == "true":
            pytest.fail("the MCPB CLI is missing under CI=true: scripts/install_mcpb.sh did not run")
        pytest.skip("the MCPB CLI is not installed (bash scripts/install_mcpb.sh; needs npm)")
    return script.build(tmp_path_factory.mktemp("bundle"), artefacts.wheel)  # validates, then packs


@pytest.fixture(scope="module")
def unpacked(bundle: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("unpacked")
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(target)
    return target


def manifest_of(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "manifest.json").read_text())


def test_the_source_manifest_carries_the_package_version() -> None:
    assert (
        json.loads((ROOT / "scripts" / "bundle" / "manifest.json").read_text())["version"]
        == project_version()
    )


def test_the_bundle_is_named_and_versioned_like_the_package(bundle: Path, unpacked: Path) -> None:
    manifest = manifest_of(unpacked)
    assert bundle.name == f"dealdesk-mcp-{project_version()}.mcpb"
    assert manifest["version"] == project_version()
    assert manifest["server"]["type"] == "uv"
    assert (unpacked / manifest["server"]["entry_point"]).is_file()
    # uv bundles carry no dependencies of their own; the host installs them from pyproject.toml.
    assert not (unpacked / "server" / "lib").exists() and not (unpacked / "server" / "venv").exists()
    bundled = (unpacked / "pyproject.toml").read_text()
    for requirement in pyproject()["project"]["dependencies"]:
        assert json.dumps(requirement) in bundled
    for data in ("tool_schemas/deals.json", "specs/pipedrive-v2.json"):
        assert (unpacked / "server" / "dealdesk_mcp" / data).is_file()


def test_the_icon_is_a_png_of_a_useful_size(unpacked: Path) -> None:
    data = (unpacked / manifest_of(unpacked)["icon"]).read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", data[16:24])
    assert width == height >= 128


def test_user_config_is_wired_to_settings_the_server_reads(unpacked: Path) -> None:
    manifest = manifest_of(unpacked)
    options = manifest["user_config"]
    config = manifest["server"]["mcp_config"]
    used = {m for value in [*config["args"], *config["env"].values()] for m in USER_CONFIG.findall(value)}
    assert used == set(options)  # every option reaches the server, and none is undefined
    assert options["api_token"]["sensitive"] is True and options["api_token"]["type"] == "string"
    assert options["attio_api_key"]["sensitive"] is True
    assert options["writes"]["type"] == "string" and options["writes"]["default"] == "safe"
    assert set(config["env"]) <= documented_variables()
    assert config["env"]["PIPEDRIVE_API_TOKEN"] == "${user_config.api_token}"
    names = set(load_catalog().tools)
    assert {t["name"] for t in manifest["tools"]} <= names


def host_launch(unpacked: Path, values: dict[str, str], extra_env: dict[str, str]) -> StdioServerParameters:
    """The command a host builds from mcp_config: ${__dirname} and ${user_config.*} filled in."""
    config = manifest_of(unpacked)["server"]["mcp_config"]

    def fill(text: str) -> str:
        text = text.replace("${__dirname}", str(unpacked))
        return USER_CONFIG.sub(lambda m: values[m.group(1)], text)

    uv = shutil.which("uv") or str(Path(sys.executable).parent / "uv")
    assert config["command"] == "uv" and Path(uv).exists(), "uv comes with the test extra"
    keep = ("PATH", "HOME", "LANG", "TMPDIR", "UV_CACHE_DIR", "XDG_CACHE_HOME", "SSL_CERT_FILE")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.update({name: fill(value) for name, value in config["env"].items()})
    env.update(extra_env)
    return StdioServerParameters(command=uv, args=[fill(a) for a in config["args"]], env=env, cwd="/")


async def test_the_bundle_serves_tools_with_the_users_settings(unpacked: Path, tmp_path: Path) -> None:
    api = StandIn().start()
    api.reply_with(lambda r: Reply(body={"success": True, "data": [{"id": 3, "title": "Kettle order"}]}))
    values = {
        "api_token": "bundle-token-52f1a8c3d9e0",
        "company_domain": "",
        "toolsets": "deals",
        "writes": "none",
        "file_root": str(tmp_path),
        "download_dir": str(tmp_path / "downloads"),
        "attio_api_key": "",
    }
    params = host_launch(unpacked, values, {"PIPEDRIVE_BASE_URL": api.origin})
    try:
        with (tmp_path / "stderr.log").open("w") as errlog:
            async with Client(stdio_client(params, errlog=errlog)) as client:
                listed = await client.list_tools()
                deals = await client.call_tool("get_deals", {})
    finally:
        api.stop()
    names = {tool.name for tool in listed.tools}
    assert "get_deals" in names
    assert "add_deal" not in names  # read only
    assert "get_persons" not in names  # only the deals toolset
    assert not deals.is_error, text_of(deals)
    assert "Kettle order" in text_of(deals)
    [request] = [r for r in api.requests if r.path == "/api/v2/deals"]
    assert request.headers["x-api-token"] == values["api_token"]
