"""The hand-written code type-checks under pyright's strict mode: every path pyproject.toml marks strict
is checked, and any error fails the test with its file, line and message.

pyright's PyPI package carries pyright itself and runs it with Node.js: the machine's `node` on PATH
(the same one Prism and the Inspector use), so nothing is downloaded. Without `node` the test skips,
saying so, except under CI=true, where it fails: a CI run never passes unchecked.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT


def strict_paths() -> list[Path]:
    """pyproject.toml's [tool.pyright] strict entries (globs and folders) as existing paths."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pyright"]
    paths = [Path(p) for entry in config["strict"] for p in sorted(glob.glob(str(ROOT / entry)))]
    assert paths, "pyproject.toml names no strict paths that exist"
    return paths


def python_files(paths: list[Path]) -> set[Path]:
    return {f for p in paths for f in ([p] if p.is_file() else p.rglob("*.py"))}


def run_pyright(paths: list[Path]) -> dict[str, Any]:
    if shutil.which("node") is None:
        message = "pyright not run: Node.js (node) is not on PATH"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " (CI=true requires it)", pytrace=False)
        pytest.skip(message)
    # No version check against PyPI, and the machine's node rather than a downloaded one.
    env = {**os.environ, "PYRIGHT_PYTHON_IGNORE_WARNINGS": "1", "PYRIGHT_PYTHON_GLOBAL_NODE": "1"}
    done = subprocess.run(
        # The project's own configuration, named: pyright would otherwise take the first pyrightconfig.json
        # it meets above the clone.
        [
            sys.executable, "-m", "pyright", "--outputjson", "--project", str(ROOT / "pyproject.toml"),
            "--pythonpath", sys.executable, *map(str, paths),
        ],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    try:
        report: dict[str, Any] = json.loads(done.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"pyright gave no report (exit {done.returncode}): {done.stderr[-2000:]}")
    return report


def test_strict_paths_have_no_type_errors() -> None:
    paths = strict_paths()
    report = run_pyright(paths)
    errors = [
        f"{Path(d['file']).relative_to(ROOT)}:{d['range']['start']['line'] + 1}: {d['message']}"
        for d in report["generalDiagnostics"]
        if d["severity"] == "error"
    ]
    assert not errors, f"{len(errors)} pyright errors:\n" + "\n".join(errors[:50])
    # Every strict file was looked at (a run that found no files would report no errors too).
    assert report["summary"]["filesAnalyzed"] >= len(python_files(paths))
