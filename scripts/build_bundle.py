"""Build the Claude Desktop bundle (MCPB) with the ecosystem's own CLI: dist/dealdesk-mcp-<version>.mcpb.

    python scripts/build_bundle.py [--wheel dist/dealdesk_mcp-X-py3-none-any.whl] [--out dist]

The bundle is of server type "uv" (manifest 0.4): it carries our package (unpacked from the wheel, so
it holds exactly what the wheel holds) and a pyproject.toml naming the dependencies, which the host
installs with uv for the user's own platform. A "python" bundle would have to carry pydantic-core and
the other compiled dependencies for one platform only. Sources are in scripts/bundle/ (manifest.json,
the entry point main.py, icon.py that draws the icon); the MCPB CLI comes from
scripts/install_mcpb.sh (.tools/mcpb). Needs Node.js and npm; writes only under --out.
"""

from __future__ import annotations

import argparse
import ast
import json
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "scripts" / "bundle"
MCPB = ROOT / ".tools" / "mcpb" / "node_modules" / ".bin" / "mcpb"
sys.path.insert(0, str(SOURCES))

import icon  # noqa: E402  (scripts/bundle/icon.py)


class BundleError(RuntimeError):
    pass


def project_version() -> str:
    tree = ast.parse((ROOT / "server" / "dealdesk_mcp" / "__init__.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            getattr(t, "id", None) == "__version__" for t in node.targets
        ):
            return ast.literal_eval(node.value)
    raise BundleError("no __version__ in server/dealdesk_mcp/__init__.py")


def bundle_pyproject(version: str) -> str:
    """The bundle's pyproject.toml: the project's runtime dependencies and nothing to build."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    deps = "".join(f"    {json.dumps(d)},\n" for d in project["dependencies"])
    return (
        "# Written by scripts/build_bundle.py from the project's pyproject.toml. The host installs these\n"
        "# dependencies with uv; the server's own package is in server/dealdesk_mcp.\n"
        "[project]\n"
        f'name = "dealdesk-mcp-bundle"\nversion = "{version}"\n'
        f"requires-python = {json.dumps(project['requires-python'])}\n"
        f"dependencies = [\n{deps}]\n\n"
        "[tool.uv]\npackage = false\n"
    )


def default_tools() -> list[dict[str, str]]:
    """The tools a new user gets (the default selection at the default write level), for the host's UI."""
    sys.path.insert(0, str(ROOT / "server"))
    from dealdesk_mcp.catalog import Selection, load_catalog

    chosen = load_catalog().select(Selection(writes="safe"), apis=["pipedrive"])
    return [{"name": t.name, "description": t.description} for t in chosen.values()]


def build_wheel(out: Path) -> Path:
    result = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(ROOT)],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise BundleError(f"python -m build failed:\n{result.stdout[-3000:]}{result.stderr[-3000:]}")
    return max(out.glob("dealdesk_mcp-*.whl"), key=lambda p: p.stat().st_mtime)


def stage(wheel: Path, target: Path, version: str) -> Path:
    manifest = json.loads((SOURCES / "manifest.json").read_text())
    if manifest["version"] != version:
        raise BundleError(
            f"scripts/bundle/manifest.json says version {manifest['version']}, the package {version}"
        )
    if f"-{version}-" not in wheel.name:
        raise BundleError(f"{wheel.name} is not version {version}")
    if target.exists():
        shutil.rmtree(target)
    server = target / "server"
    server.mkdir(parents=True)
    with zipfile.ZipFile(wheel) as archive:
        for name in archive.namelist():
            if name.startswith("dealdesk_mcp/"):
                archive.extract(name, server)
    shutil.copy(SOURCES / "main.py", server / "main.py")
    (target / "pyproject.toml").write_text(bundle_pyproject(version))
    icon.write(target / manifest["icon"])
    manifest["tools"] = default_tools()
    (target / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    return target


def mcpb(*args: str) -> None:
    if not MCPB.exists():
        raise BundleError(f"{MCPB} is missing: run bash scripts/install_mcpb.sh (needs npm)")
    result = subprocess.run([str(MCPB), *args], capture_output=True, text=True)
    if result.returncode != 0:
        raise BundleError(f"mcpb {args[0]} failed:\n{result.stdout}{result.stderr}")


def build(out: Path, wheel: Path | None = None) -> Path:
    version = project_version()
    out.mkdir(parents=True, exist_ok=True)
    staged = stage(wheel or build_wheel(out), out / "bundle", version)
    mcpb("validate", str(staged / "manifest.json"))
    bundle = out / f"dealdesk-mcp-{version}.mcpb"
    bundle.unlink(missing_ok=True)
    mcpb("pack", str(staged), str(bundle))
    return bundle


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", type=Path, help="use this wheel instead of building one")
    parser.add_argument("--out", type=Path, default=ROOT / "dist", help="output folder (default dist/)")
    args = parser.parse_args()
    try:
        bundle = build(args.out.resolve(), args.wheel.resolve() if args.wheel else None)
    except BundleError as exc:
        print(f"build_bundle.py: {exc}", file=sys.stderr)
        return 1
    print(f"{bundle} ({bundle.stat().st_size / 1024:.0f} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
