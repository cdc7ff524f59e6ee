"""How well search_operations finds the tool for a task, and what its index costs.

    .venv/bin/python bench/discovery.py              # report (Markdown) to stdout
    .venv/bin/python bench/discovery.py --misses     # also every task whose tool is not first
    .venv/bin/python bench/discovery.py --write      # and put the report in bench/RESULTS.md

Reads bench/discovery_tasks.yaml (task phrasings with the tools that do them) and ranks each over the
whole catalog, as search_operations does; the held-out phrasings of tests/test_discovery.py are
scored the same way. A task is found in the top k when any of its right tools is among the first k
results. For context it also scores the substring count that search_operations used before, and
BM25 alone (the same fields without the word tables, pairs, verb kinds or API words). The
first-search cost (importing bm25s and numpy, stemming and indexing every tool) is measured in fresh
processes, since a process builds the index only once.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import yaml
from common import put_section

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(REPO))  # for the held-out set in tests/
TASKS = BENCH / "discovery_tasks.yaml"
RESULTS = BENCH / "RESULTS.md"
SECTION = "## 8. Discovery search (bench/discovery.py, run separately)"
COLD_RUNS = 5

# Run in a fresh interpreter: the server's modules are imported first, then the first search is
# timed in its parts (importing bm25s, numpy and PyStemmer; building the index; ranking).
COLD = """
import time
from dealdesk_mcp.catalog import load_catalog
from dealdesk_mcp import discovery_index
catalog = load_catalog()
marks = [(time.perf_counter(), time.process_time())]
import bm25s, Stemmer
marks.append((time.perf_counter(), time.process_time()))
index = discovery_index.index_of(catalog)
marks.append((time.perf_counter(), time.process_time()))
index.rank("move a deal to the next stage")
marks.append((time.perf_counter(), time.process_time()))
print(*(b[i] - a[i] for i in (0, 1) for a, b in zip(marks, marks[1:])))
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


Ranker = Callable[[str], list[str]]


def ours() -> Ranker:
    from dealdesk_mcp import discovery_index
    from dealdesk_mcp.catalog import load_catalog

    index = discovery_index.index_of(load_catalog())
    return lambda query: [h.entry.name for h in index.rank(query)[:5]]


def substring_count() -> Ranker:
    """The scorer search_operations had before BM25: query words counted as substrings of the
    name (3 each) and of the toolset and description (1 each)."""
    from dealdesk_mcp.catalog import load_catalog

    tools = list(load_catalog().tools.values())

    def rank(query: str) -> list[str]:
        typed = [w for w in re.split(r"\W+", query.lower()) if w]
        scored: list[tuple[int, bool, str]] = []
        for entry in tools:
            name_text = entry.name.replace("_", " ")
            text = f"{name_text} {entry.toolset} {entry.description}".lower()
            score = sum(3 if w in name_text else 1 for w in typed if w in text)
            if score:
                scored.append((-score, entry.deprecated, entry.name))
        return [name for *_, name in sorted(scored)[:5]]

    return rank


@contextmanager
def bm25_alone() -> Iterator[Ranker]:
    """Our fields and weights with every table emptied and pairs, verb kinds and API words off."""
    from dealdesk_mcp import discovery_index
    from dealdesk_mcp import discovery_words as words
    from dealdesk_mcp import toolsets as toolset_table
    from dealdesk_mcp.catalog import load_catalog

    saved = {name: getattr(words, name) for name in ("SAME", "IMPLIES", "PHRASES", "VERB_KINDS", "API_WORDS")}
    saved_fields = dict(words.FIELD_WEIGHTS)
    saved_object = words.OBJECT_WEIGHT
    try:
        words.SAME, words.IMPLIES, words.PHRASES, words.VERB_KINDS, words.API_WORDS = (), {}, {}, {}, {}
        words.FIELD_WEIGHTS["pairs"] = 0.0
        words.OBJECT_WEIGHT = 1.0
        summaries = {t.name: t.summary for t in toolset_table.TOOLSETS}
        index = discovery_index.SearchIndex(list(load_catalog().tools.values()), summaries)
        yield lambda query: [h.entry.name for h in index.rank(query)[:5]]
    finally:
        for name, value in saved.items():
            setattr(words, name, value)
        words.FIELD_WEIGHTS.update(saved_fields)
        words.OBJECT_WEIGHT = saved_object


def held_out() -> list[Task]:
    from tests.test_discovery import HELD_OUT

    return [Task(ask, right) for ask, right in HELD_OUT]


def rank_all(tasks: list[Task], rank: Ranker) -> tuple[list[Outcome], list[float]]:
    outcomes: list[Outcome] = []
    times: list[float] = []
    for task in tasks:
        start = time.perf_counter()
        top = rank(task.ask)
        times.append(time.perf_counter() - start)
        outcomes.append(Outcome(task, tuple(top)))
    return outcomes, times


@dataclass(frozen=True)
class Cold:
    """Seconds of the first search's parts: importing bm25s, numpy and PyStemmer; building the
    index; ranking. Wall-clock and CPU time (the CPU time is the work; the wall clock also holds
    whatever else the machine was doing)."""

    wall: tuple[float, float, float]
    cpu: tuple[float, float, float]


def cold_costs() -> Cold:
    """Medians over fresh processes."""
    runs: list[list[float]] = []
    for _ in range(COLD_RUNS):
        out = subprocess.run([sys.executable, "-c", COLD], capture_output=True, text=True, check=True)
        runs.append([float(x) for x in out.stdout.split()])
    parts = [statistics.median(part) for part in zip(*runs, strict=True)]
    return Cold(wall=(parts[0], parts[1], parts[2]), cpu=(parts[3], parts[4], parts[5]))


def installed_mib(distribution: str) -> float:
    """The size on disk of an installed distribution's files."""
    from importlib import metadata

    files = metadata.distribution(distribution).files or []
    return sum(Path(str(f.locate())).stat().st_size for f in files if Path(str(f.locate())).is_file()) / 2**20


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def share(outcomes: list[Outcome], k: int) -> str:
    found = sum(o.found(k) for o in outcomes)
    return f"{found}/{len(outcomes)} = {found / len(outcomes):.2f}"


def report(
    sets: dict[str, dict[str, list[Outcome]]],
    times: list[float],
    cold: Cold,
    misses: bool,
) -> str:
    from dealdesk_mcp.catalog import load_catalog

    catalog = load_catalog()
    bench = sets["ours"]["bench"]
    covered = sorted({catalog.tools[name].toolset for o in bench for name in o.task.right})
    lines = [
        SECTION,
        "",
        f"{len(bench)} task phrasings (bench/discovery_tasks.yaml, {len(covered)} of {len(catalog.toolsets)} "
        "toolsets, Pipedrive and Attio, written before tuning) and "
        f"{len(sets['ours']['held-out'])} held-out phrasings (tests/test_discovery.py, written after "
        f"tuning), each ranked over the whole catalog ({len(catalog.tools)} tools) as search_operations "
        "ranks them. A task counts when one of its right tools is first (top 1) or among the first three "
        "(top 3). Target: top 3 >= 0.90 on the bench set.",
        "",
        "| ranker | bench top 1 | bench top 3 | held-out top 1 | held-out top 3 |",
        "|---|---|---|---|---|",
    ]
    labels = {
        "ours": "search_operations (BM25 + word tables)",
        "bm25": "BM25 alone, same fields (context)",
        "substring": "the substring count it replaced (context)",
    }
    for key, label in labels.items():
        got = sets[key]
        lines.append(
            f"| {label} | {share(got['bench'], 1)} | {share(got['bench'], 3)} | "
            f"{share(got['held-out'], 1)} | {share(got['held-out'], 3)} |"
        )
    lines += [
        "",
        "| cost | CPU time | wall clock (context) |",
        "|---|---|---|",
        f"| first search in a fresh process, in all | {_ms(sum(cold.cpu))} | {_ms(sum(cold.wall))} |",
        f"| of which importing bm25s, numpy and PyStemmer | {_ms(cold.cpu[0])} | {_ms(cold.wall[0])} |",
        f"| of which building the index (stemming and indexing every tool) | {_ms(cold.cpu[1])} | "
        f"{_ms(cold.wall[1])} |",
        f"| a search after the first, median / max (wall clock) | | {statistics.median(times) * 1000:.2f} ms / "
        f"{max(times) * 1000:.2f} ms |",
        "",
        "Installed size of the dependencies search_operations added: "
        + ", ".join(f"{name} {installed_mib(name):.1f} MiB" for name in ("bm25s", "numpy", "PyStemmer"))
        + " (numpy is bm25s's only requirement).",
        "",
        f"First-search figures are medians of {COLD_RUNS} fresh processes; later searches are the "
        f"{len(times)} bench and held-out tasks in one process; the machine's load average was "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores. Server start-up pays none of it: bm25s "
        "and numpy are imported on the first search (tests/test_discovery.py checks that).",
    ]
    wrong = [o for o in bench if not o.found(1 if misses else 3)]
    if wrong:
        lines += [
            "",
            "Bench tasks not first:" if misses else "Bench tasks whose right tool is not in the top 3:",
            "",
        ]
        for o in wrong:
            mark = "" if o.found(3) else " (not in top 3)"
            lines.append(
                f"- {o.task.ask!r}: wanted {', '.join(o.task.right)}; got {', '.join(o.top[:3])}{mark}"
            )
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", action="store_true", help="list every bench task whose tool is not first")
    parser.add_argument("--write", action="store_true", help="put the report in bench/RESULTS.md")
    args = parser.parse_args()
    tasks = {"bench": load_tasks(), "held-out": held_out()}
    cold = cold_costs()
    sets: dict[str, dict[str, list[Outcome]]] = {}
    times: list[float] = []
    rank = ours()
    sets["ours"] = {}
    for name, group in tasks.items():
        sets["ours"][name], took = rank_all(group, rank)
        times += took
    with bm25_alone() as plain:
        sets["bm25"] = {name: rank_all(group, plain)[0] for name, group in tasks.items()}
    old = substring_count()
    sets["substring"] = {name: rank_all(group, old)[0] for name, group in tasks.items()}
    print(report(sets, times, cold, args.misses))
    if args.write:
        put_section(RESULTS, SECTION, report(sets, times, cold, False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
