"""How well search_operations finds the tool for a task, and what its index costs.

    .venv/bin/python bench/discovery.py              # report (Markdown) to stdout
    .venv/bin/python bench/discovery.py --misses     # also every task whose tool is not first
    .venv/bin/python bench/discovery.py --write      # and put the report in bench/RESULTS.md

Reads bench/discovery_tasks.yaml (task phrasings with the tools that do them) and ranks each over the
whole catalog, as search_operations does. A task is found in the top k when any of its right tools is
among the first k results. The first-search cost (importing bm25s and numpy, stemming and indexing
every tool) is measured in fresh processes, since a process builds the index only once.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

BENCH = Path(__file__).resolve().parent
TASKS = BENCH / "discovery_tasks.yaml"
RESULTS = BENCH / "RESULTS.md"
SECTION = "## 8. Discovery search (bench/discovery.py, run separately)"
COLD_RUNS = 5

# Run in a fresh interpreter: the import of the server's modules is timed apart from the first search.
COLD = """
import time
t0 = time.perf_counter()
from dealdesk_mcp.catalog import load_catalog
from dealdesk_mcp import discovery
catalog = load_catalog()
t1 = time.perf_counter()
discovery.index_of(catalog).rank("move a deal to the next stage")
t2 = time.perf_counter()
print(t1 - t0, t2 - t1)
"""


@dataclass(frozen=True)
class Task:
    ask: str
    right: tuple[str, ...]


@dataclass(frozen=True)
class Outcome:
    task: Task
    top: tuple[str, ...]

    def found(self, k: int) -> bool:
        return any(name in self.task.right for name in self.top[:k])


def load_tasks(path: Path = TASKS) -> list[Task]:
    from dealdesk_mcp.catalog import load_catalog

    known = load_catalog().tools
    tasks = [Task(t["ask"], tuple(t["right"])) for t in yaml.safe_load(path.read_text())["tasks"]]
    unknown = sorted({name for t in tasks for name in t.right if name not in known})
    if unknown:
        raise SystemExit(f"{path.name} names tools that do not exist: {', '.join(unknown)}")
    return tasks


def rank_all(tasks: list[Task]) -> tuple[list[Outcome], list[float]]:
    from dealdesk_mcp import discovery
    from dealdesk_mcp.catalog import load_catalog

    index = discovery.index_of(load_catalog())
    outcomes: list[Outcome] = []
    times: list[float] = []
    for task in tasks:
        start = time.perf_counter()
        hits = index.rank(task.ask)
        times.append(time.perf_counter() - start)
        outcomes.append(Outcome(task, tuple(h.entry.name for h in hits[:5])))
    return outcomes, times


def cold_costs() -> tuple[float, float]:
    """Median seconds of (importing the server's modules, the first search) over fresh processes."""
    imports: list[float] = []
    firsts: list[float] = []
    for _ in range(COLD_RUNS):
        out = subprocess.run([sys.executable, "-c", COLD], capture_output=True, text=True, check=True)
        a, b = out.stdout.split()
        imports.append(float(a))
        firsts.append(float(b))
    return statistics.median(imports), statistics.median(firsts)


def report(outcomes: list[Outcome], times: list[float], cold: tuple[float, float], misses: bool) -> str:
    n = len(outcomes)
    top1 = sum(o.found(1) for o in outcomes)
    top3 = sum(o.found(3) for o in outcomes)
    toolsets = {t for o in outcomes for t in o.task.right}
    from dealdesk_mcp.catalog import load_catalog

    catalog = load_catalog()
    covered = sorted({catalog.tools[name].toolset for name in toolsets})
    lines = [
        SECTION,
        "",
        f"{n} task phrasings (bench/discovery_tasks.yaml, {len(covered)} of {len(catalog.toolsets)} toolsets, "
        "Pipedrive and Attio), ranked over the whole catalog "
        f"({len(catalog.tools)} tools) as search_operations ranks them. Target: top 3 >= 0.90.",
        "",
        "| measure | value |",
        "|---|---|",
        f"| right tool first (top 1) | {top1}/{n} = {top1 / n:.2f} |",
        f"| right tool in the top 3 | {top3}/{n} = {top3 / n:.2f} |",
        f"| first search in a fresh process (bm25s + numpy import, index build) | {cold[1] * 1000:.0f} ms |",
        f"| importing the server's modules before it (context) | {cold[0] * 1000:.0f} ms |",
        f"| a search after the first, median / max | {statistics.median(times) * 1000:.2f} ms / "
        f"{max(times) * 1000:.2f} ms |",
        "",
        f"First-search cost is the median of {COLD_RUNS} fresh processes; searches after it are the "
        f"{n} tasks in one process. The held-out phrasings (tests/test_discovery.py) are a separate check.",
    ]
    wrong = [o for o in outcomes if not o.found(1 if misses else 3)]
    if wrong:
        lines += ["", "Tasks whose right tool is not in the top 3:" if not misses else "Not first:", ""]
        for o in wrong:
            mark = "" if o.found(3) else " (not in top 3)"
            lines.append(
                f"- {o.task.ask!r}: wanted {', '.join(o.task.right)}; got {', '.join(o.top[:3])}{mark}"
            )
    return "\n".join(lines) + "\n"


def write_section(text: str) -> None:
    current = RESULTS.read_text(encoding="utf-8")
    start = current.find(SECTION)
    if start < 0:
        updated = current.rstrip("\n") + "\n\n" + text
    else:
        end = current.find("\n## ", start + len(SECTION))
        updated = current[:start] + text + (current[end + 1 :] if end >= 0 else "")
    RESULTS.write_text(updated, encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", action="store_true", help="list every task whose tool is not first")
    parser.add_argument("--write", action="store_true", help="put the report in bench/RESULTS.md")
    args = parser.parse_args()
    tasks = load_tasks()
    cold = cold_costs()
    outcomes, times = rank_all(tasks)
    text = report(outcomes, times, cold, args.misses)
    print(text)
    if args.write:
        write_section(report(outcomes, times, cold, False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
