"""The wheel and sdist stand on their own: every package and data file is in them, and the installed
wheel serves tools from a folder with no source tree (both command names, the sandbox, init/status)."""

from __future__ import annotations

import subprocess
import tarfile
import zipfile
from pathlib import Path

from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client

from tests.conftest import ROOT, list_all_tools, text_of
from tests.packaging.conftest import Artefacts, Installed, project_version, pyproject

# Folders that become packages of the distribution, and the names they get there.
SOURCES = {
    ROOT / "server" / "dealdesk_mcp": "dealdesk_mcp",
    ROOT / "tool_schemas": "dealdesk_mcp/tool_schemas",
    ROOT / "specs": "dealdesk_mcp/specs",
}


def source_files() -> dict[str, Path]:
    """Installed path (in the wheel) -> source file, for every file the package ships."""
    files = {}
    for folder, target in SOURCES.items():
        for path in folder.rglob("*"):
            rel = path.relative_to(folder)
            if path.is_dir() or "__pycache__" in rel.parts or path.suffix == ".pyc":
                continue
            if any(part.startswith(".") for part in rel.parts):
                continue
            if target == "dealdesk_mcp" and rel.parts[0] in ("tool_schemas", "specs"):
                continue
            files[f"{target}/{rel.as_posix()}"] = path
    return files


def test_every_package_under_server_is_listed_in_pyproject() -> None:
    listed = set(pyproject()["tool"]["setuptools"]["packages"])
    found = {
        ".".join(init.parent.relative_to(ROOT / "server").parts)
        for init in (ROOT / "server" / "dealdesk_mcp").rglob("__init__.py")
        if "__pycache__" not in init.parts
    }
    missing = found - listed
    assert not missing, f"add to [tool.setuptools] packages in pyproject.toml: {sorted(missing)}"
    assert {"dealdesk_mcp.tool_schemas", "dealdesk_mcp.specs"} <= listed


def test_the_wheel_holds_every_source_and_data_file(artefacts: Artefacts) -> None:
    with zipfile.ZipFile(artefacts.wheel) as wheel:
        names = set(wheel.namelist())
        info = next(n for n in names if n.endswith(".dist-info/METADATA"))
        metadata = wheel.read(info).decode()
        entry_points = wheel.read(info.replace("METADATA", "entry_points.txt")).decode()
    missing = sorted(set(source_files()) - names)
    assert not missing, f"not in the wheel (add a package or a package-data pattern): {missing[:20]}"
    assert f"\nVersion: {project_version()}\n" in metadata
    assert artefacts.wheel.name.startswith(f"dealdesk_mcp-{project_version()}-py3-none-any")
    for script in ("dealdesk-mcp = dealdesk_mcp.cli:main", "pipedrive-mcp = dealdesk_mcp.cli:main"):
        assert script in entry_points
    assert "pipedrive-mcp-sandbox = " in entry_points


def test_the_sdist_holds_the_sources_and_the_documents(artefacts: Artefacts) -> None:
    with tarfile.open(artefacts.sdist) as sdist:
        names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    expected = {path.relative_to(ROOT).as_posix() for path in source_files().values()}
    missing = sorted(expected - names)
    assert not missing, f"not in the sdist: {missing[:20]}"
    assert {"pyproject.toml", "README.md"} <= names


def test_version_and_alias_from_an_empty_folder(installed: Installed) -> None:
    for command in ("dealdesk-mcp", "pipedrive-mcp"):
        result = subprocess.run(
            [str(installed.bin(command)), "--version"],
            capture_output=True, text=True, cwd=installed.home, env=installed.env(), timeout=60,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == f"dealdesk-mcp {project_version()}"
    where = subprocess.run(
        [str(installed.bin("python")), "-c", "import dealdesk_mcp.specs as s; print(s.__file__)"],
        capture_output=True, text=True, cwd=installed.home, env=installed.env(), timeout=60, check=True,
    )  # fmt: skip
    assert Path(where.stdout.strip()).is_relative_to(installed.venv)  # the wheel's copy, not the tree's


async def test_the_installed_server_lists_and_calls_tools_over_stdio(installed: Installed) -> None:
    answers = {}
    for command in ("dealdesk-mcp", "pipedrive-mcp"):
        params = StdioServerParameters(
            command=str(installed.bin(command)),
            args=["--sandbox", "memory"],
            env=installed.env(),
            cwd=installed.home,
        )
        with (installed.home / f"{command}.stderr.log").open("w") as errlog:
            async with Client(stdio_client(params, errlog=errlog)) as client:
                listed = await list_all_tools(client)
                deals = await client.call_tool("get_deals", {})
        answers[command] = ({tool.name for tool in listed}, deals)
    names, deals = answers["dealdesk-mcp"]
    assert {"get_deals", "add_person", "get_session_info"} <= names
    assert answers["pipedrive-mcp"][0] == names  # the alias is the same server
    assert not deals.is_error, text_of(deals)
    assert '"title"' in text_of(deals)  # the sandbox's seeded deals


def test_setup_commands_and_the_sandbox_command_run_from_the_wheel(installed: Installed) -> None:
    status = subprocess.run(
        [str(installed.bin("dealdesk-mcp")), "status", "--no-check"],
        capture_output=True, text=True, cwd=installed.home, env=installed.env(), timeout=60,
    )  # fmt: skip
    assert status.returncode == 1, status.stderr  # nothing stored yet, and it says so
    assert "Stored credential: none" in status.stdout
    sandbox = subprocess.run(
        [str(installed.bin("pipedrive-mcp-sandbox")), "--help"],
        capture_output=True, text=True, cwd=installed.home, env=installed.env(), timeout=60,
    )  # fmt: skip
    assert sandbox.returncode == 0, sandbox.stderr
    # The former import name still starts it: `python -m pipedrive_mcp.sandbox`.
    module = subprocess.run(
        [str(installed.bin("python")), "-m", "pipedrive_mcp.sandbox", "--help"],
        capture_output=True, text=True, cwd=installed.home, env=installed.env(), timeout=60,
    )  # fmt: skip
    assert module.returncode == 0 and "--rate-limit" in module.stdout, module.stderr
