"""Benchmark pipedrive-mcp against a generic OpenAPI conversion, raw httpx and a bare floor.

Everything is measured in one run against one loopback stand-in for Pipedrive and reported
as ratios; absolute times are printed for context only. Run with the project's interpreter:

    .venv/bin/python bench/run.py            # full run, writes bench/RESULTS.md
    .venv/bin/python bench/run.py --quick    # seconds, writes bench/.work/RESULTS-quick.md
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import generic_env
import report
from common import (
    BENCH,
    MAIN_PYTHON,
    OUR_SCRIPT,
    TOKEN,
    WORK,
    BenchError,
    clean_env,
    free_port,
    standin,
    stop,
    wait_for_port,
)
from startup import Listing, floor, list_tools


@dataclass(frozen=True)
class Plan:
    """How much of everything to do."""

    startup_runs: int
    calls: int
    warmup: int
    throughput_seconds: float
    throughput_runs: int
    walk_items: int
    walk_repeats: int
    clients: int = 5

    @classmethod
    def full(cls) -> Plan:
        return cls(
            startup_runs=9,
            calls=1000,
            warmup=50,
            throughput_seconds=5.0,
            throughput_runs=3,
            walk_items=10_000,
            walk_repeats=3,
        )

    @classmethod
    def quick(cls) -> Plan:
        return cls(
            startup_runs=1,
            calls=20,
            warmup=3,
            throughput_seconds=1.0,
            throughput_runs=1,
            walk_items=1_000,
            walk_repeats=1,
        )


@dataclass
class Results:
    plan: Plan
    generic_note: str = ""
    startup: dict[str, list[float]] = field(default_factory=dict)  # side -> seconds per run
    rss_kb: dict[str, list[int]] = field(default_factory=dict)
    tools: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # configuration -> tools
    calls: dict[str, dict[str, Any]] = field(default_factory=dict)  # side -> calls.py output
    uncapped_text: str | None = None
    throughput: dict[str, dict[str, list[float]]] = field(default_factory=dict)  # side -> tool -> calls/s
    walk: dict[str, Any] = field(default_factory=dict)  # walk.py output
    load: list[tuple[float, float, float]] = field(default_factory=list)  # os.getloadavg() at start, end


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def our_env(origin: str, **extra: str) -> dict[str, str]:
    return clean_env(
        PIPEDRIVE_API_TOKEN=TOKEN,
        PIPEDRIVE_BASE_URL=origin,
        PIPEDRIVE_DOWNLOAD_DIR=str(WORK / "downloads"),
        **extra,
    )


def generic_env_vars(**extra: str) -> dict[str, str]:
    return clean_env(
        PIPEDRIVE_API_TOKEN=TOKEN,
        FASTMCP_LOG_LEVEL="WARNING",
        FASTMCP_CHECK_FOR_UPDATES="off",
        BENCH_SPECS=str(generic_env.SPEC_JSON),
        **extra,
    )


def generic_argv(python: Path, origin: str, *more: str) -> list[str]:
    return [
        str(python),
        str(BENCH / "generic_server.py"),
        "--origin",
        origin,
        "--specs",
        str(generic_env.SPEC_JSON),
        *more,
    ]


def measure_startup(res: Results, origin: str, generic: Path | None, cwd: Path) -> None:
    """Figures 1, 2 and 5: cold starts in rounds (floor, ours, generic) so drift hits all alike."""
    ours_argv = [str(OUR_SCRIPT), "--toolsets", "all"]
    for round_no in range(res.plan.startup_runs):
        seconds, exited, rss = floor(MAIN_PYTHON, clean_env(), cwd)
        res.startup.setdefault("floor", []).append(seconds)
        res.startup.setdefault("floor:exit", []).append(exited)
        res.rss_kb.setdefault("floor", []).append(rss)
        sides: list[tuple[str, list[str], dict[str, str]]] = [("ours", ours_argv, our_env(origin))]
        if generic is not None:
            sides.append(("generic", generic_argv(generic, origin), generic_env_vars()))
        for side, argv, env in sides:
            listing = list_tools(argv, env, cwd)
            res.startup.setdefault(side, []).append(listing.seconds)
            res.rss_kb.setdefault(side, []).append(listing.peak_rss_kb)
            res.tools.setdefault(f"{side}:all", listing.tools)
        log(f"start-up round {round_no + 1}/{res.plan.startup_runs} done")
    for name, argv in (
        ("ours:default", [str(OUR_SCRIPT)]),
        ("ours:discovery", [str(OUR_SCRIPT), "--discovery"]),
    ):
        listing: Listing = list_tools(argv, our_env(origin), cwd)
        res.tools[name] = listing.tools
        res.startup[name] = [listing.seconds]
    if generic is not None:
        strict = list_tools(generic_argv(generic, origin, "--validate-output"), generic_env_vars(), cwd)
        res.tools["generic:strict"] = strict.tools


def run_json(argv: list[str], env: dict[str, str], cwd: Path, timeout: float = 600) -> dict[str, Any]:
    done = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=cwd, timeout=timeout)
    if done.returncode != 0:
        raise BenchError(f"{' '.join(argv[:3])} failed: {done.stderr.strip()[-2000:]}")
    return json.loads(done.stdout)


def measure_calls(res: Results, origin: str, generic: Path | None, cwd: Path) -> None:
    """Figures 3 and 4: in-process per-call overhead over raw HTTP, and the deals page answer."""
    plan = res.plan
    calls_py = str(BENCH / "calls.py")
    common = ["--origin", origin, "--calls", str(plan.calls), "--warmup", str(plan.warmup)]
    env = our_env(origin, PIPEDRIVE_TOOLSETS="all")
    res.calls["ours"] = run_json([str(MAIN_PYTHON), calls_py, "--side", "ours", *common], env, cwd)
    log("per-call: ours done")
    # The same page with the answer cap lifted, to see the whole shaped page.
    uncapped = our_env(origin, PIPEDRIVE_TOOLSETS="all", PIPEDRIVE_MAX_ANSWER_CHARS=str(10**9))
    answer = run_json(
        [str(MAIN_PYTHON), calls_py, "--side", "ours", "--answer-only", "--origin", origin], uncapped, cwd
    )
    res.uncapped_text = answer["cases"]["get_deals"]["answer_text"]
    if generic is not None:
        res.calls["generic"] = run_json(
            [str(generic), calls_py, "--side", "generic", *common], generic_env_vars(), cwd
        )
        log("per-call: generic done")


def measure_throughput(res: Results, origin: str, generic: Path | None, cwd: Path) -> None:
    """Figure 6: calls per second over streamable HTTP from concurrent clients."""
    plan = res.plan
    servers: list[tuple[str, dict[str, str], dict[str, str]]] = [
        ("ours", our_env(origin), {"get_deals": "get_deals", "add_deal": "add_deal"})
    ]
    if generic is not None:
        servers.append(
            ("generic", generic_env_vars(), {"get_deals": "v2_getDeals", "add_deal": "v2_addDeal"})
        )
    arguments = {
        "get_deals": {"limit": 100},
        "add_deal": {"title": "Bench deal", "value": 1200, "currency": "EUR"},
    }
    for side, env, names in servers:
        port = free_port()
        if side == "ours":
            # Loopback and measured only: no bearer token (the default makes one per run).
            argv = [
                str(OUR_SCRIPT),
                "--toolsets",
                "all",
                "--transport",
                "http",
                "--port",
                str(port),
                "--no-auth",
            ]
        else:
            assert generic is not None
            argv = generic_argv(generic, origin, "--transport", "http", "--port", str(port))
        proc = subprocess.Popen(argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for_port(port, proc, timeout=60)
            for case, tool in names.items():
                for _ in range(plan.throughput_runs):
                    out = run_json(
                        [
                            str(MAIN_PYTHON),
                            str(BENCH / "throughput.py"),
                            "--url",
                            f"http://127.0.0.1:{port}/mcp",
                            "--tool",
                            tool,
                            "--args",
                            json.dumps(arguments[case]),
                            "--clients",
                            str(plan.clients),
                            "--seconds",
                            str(plan.throughput_seconds),
                        ],
                        clean_env(),
                        cwd,
                    )
                    if out["errors"]:
                        raise BenchError(f"{side} {tool}: {out['errors']} calls answered with an error")
                    res.throughput.setdefault(side, {}).setdefault(case, []).append(
                        out["calls"] / out["seconds"]
                    )
        finally:
            stop(proc)
        log(f"throughput: {side} done")


def measure_walk(res: Results, cwd: Path) -> None:
    """Figure 7: a walk with max_items against its own stand-in serving that many deals."""
    with standin("--deals", str(res.plan.walk_items)) as origin:
        argv = [
            str(MAIN_PYTHON),
            str(BENCH / "walk.py"),
            "--origin",
            origin,
            "--items",
            str(res.plan.walk_items),
            "--repeats",
            str(res.plan.walk_repeats),
        ]
        res.walk = run_json(argv, our_env(origin), cwd)
    log("walk done")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="a tiny setting (seconds), for smoke tests")
    parser.add_argument("--output", type=Path, help="where to write the results (Markdown)")
    parser.add_argument("--no-generic", action="store_true", help="skip the fastmcp baseline")
    args = parser.parse_args(argv)
    plan = Plan.quick() if args.quick else Plan.full()
    output = args.output or (WORK / "RESULTS-quick.md" if args.quick else BENCH / "RESULTS.md")

    if not OUR_SCRIPT.exists():
        print(f"bench: {OUR_SCRIPT} does not exist; install the project first", file=sys.stderr)
        return 2
    res = Results(plan=plan)
    generic: Path | None = None
    if args.no_generic:
        res.generic_note = "skipped (--no-generic)"
    else:
        try:
            generic = generic_env.ensure_venv(log)
            generic_env.ensure_spec_json()
            res.generic_note = f"fastmcp {generic_env.installed_version()}"
        except BenchError as exc:
            res.generic_note = f"unavailable: {exc}"
            print(f"bench: generic baseline unavailable: {exc}", file=sys.stderr)

    cwd = WORK / "run"  # no .env here, so the console script reads only what we pass
    cwd.mkdir(parents=True, exist_ok=True)
    (WORK / "downloads").mkdir(parents=True, exist_ok=True)
    began = time.perf_counter()
    res.load.append(os.getloadavg())
    with standin() as origin:
        log(f"stand-in at {origin}")
        measure_startup(res, origin, generic, cwd)
        measure_calls(res, origin, generic, cwd)
        measure_throughput(res, origin, generic, cwd)
    measure_walk(res, cwd)
    res.load.append(os.getloadavg())
    text = report.render(res, elapsed=time.perf_counter() - began)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text)
    print(text)
    log(f"wrote {output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
