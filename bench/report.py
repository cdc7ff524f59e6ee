"""Turn one run's measurements into the Markdown report (ratios first, absolute numbers for context)."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from typing import TYPE_CHECKING, Any

import standin
from common import BENCH, MAIN_PYTHON, REPO, median

if TYPE_CHECKING:
    from run import Results

NA = "n/a"


def _ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.2f}" if a is not None and b else NA


def _met(value: float | None, limit: float | None) -> str:
    return NA if value is None or limit is None else ("yes" if value <= limit else "no")


def _chars(tools: list[dict[str, Any]]) -> int:
    return len(json.dumps(tools, separators=(",", ":"), ensure_ascii=False))


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or NA


def _version(python: str, module: str) -> str:
    code = f"import importlib.metadata as m; print(m.version({module!r}))"
    done = subprocess.run([python, "-c", code], capture_output=True, text=True)
    return done.stdout.strip() or NA


def _git_head() -> str:
    done = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    )
    return done.stdout.strip() or NA


def ids_kept(text: str) -> tuple[int, int, int]:
    """(deals whose id is in the answer, deals on the page, id-valued fields that differ or are missing).

    Understands a plain list of objects and the columns/rows(/same) table form.
    """
    page = standin.deals_page()["data"]
    try:
        doc = json.loads(text)
    except json.JSONDecodeError:
        return 0, len(page), -1
    data = doc.get("data") if isinstance(doc, dict) else doc
    if isinstance(data, dict) and "columns" in data and "rows" in data:
        same = data.get("same") or {}
        rows = [{**same, **dict(zip(data["columns"], row, strict=False))} for row in data["rows"]]
    elif isinstance(data, list):
        rows = [r for r in data if isinstance(r, dict)]
    else:
        return 0, len(page), -1
    by_id = {row.get("id"): row for row in rows}
    # A cut answer names the ids of the items it left out (their whole records are in its file).
    cut = doc.get("cut") if isinstance(doc, dict) else None
    listed = set(cut.get("ids_cut") or ()) if isinstance(cut, dict) else set()
    kept = [deal for deal in page if deal["id"] in by_id or deal["id"] in listed]
    wrong = sum(
        1
        for deal in kept
        if deal["id"] in by_id
        for key, value in deal.items()
        if (key == "id" or key.endswith("_id")) and value is not None and by_id[deal["id"]].get(key) != value
    )
    return len(kept), len(page), wrong


def _added_ms(res: Results, case: str) -> tuple[float | None, float | None, float | None]:
    """(ours - raw - floor, ours - raw, floor) p50 in ms for one per-call case (None where not measured)."""
    entry = res.calls.get("ours", {}).get("cases", {}).get(case, {})
    if "mcp" not in entry:
        return None, None, None
    over_raw = (entry["mcp"]["p50_us"] - entry["raw"]["p50_us"]) / 1e3
    if "floor" not in entry:
        return None, over_raw, None
    floor_ms = entry["floor"]["p50_us"] / 1e3
    return over_raw - floor_ms, over_raw, floor_ms


def _targets(res: Results) -> list[str]:
    """The targets of issue 17, each with its figure from this run."""
    rows = ["## Targets (issue 17: ratios and differences within this one run)\n"]
    rows.append("| target | this run | limit | met |")
    rows.append("|---|---|---|---|")

    def ms(value: float | None) -> str:
        return f"{value:.2f} ms" if value is not None else NA

    for case, label, limit in (
        (
            "get_deals",
            "get_deals limit 100 (100-deal v2 page, 10 custom fields): ours - raw - floor, p50",
            1.5,
        ),
        ("add_deal", "add_deal (a small call): ours - raw - floor, p50", 0.3),
    ):
        added, over_raw, floor_ms = _added_ms(res, case)
        rows.append(f"| {label} | {ms(added)} | <= {limit} ms | {_met(added, limit)} |")
        rows.append(
            f"| ... context: ours - raw {ms(over_raw)}, of which the SDK floor {ms(floor_ms)} | | | |"
        )
    walk = res.walk
    growth = walk["growth_kb"] / 1024 if walk else None
    ratio = walk["ours_s"] / walk["raw_s"] if walk else None
    items = f"{walk['items']:,}" if walk else "10,000"
    rows.append(
        f"| walk of {items} deals (max_items): peak RSS growth over the server at rest | "
        f"{f'{growth:.1f} MiB' if growth is not None else NA} | <= 30 MiB | {_met(growth, 30)} |"
    )
    rows.append(
        f"| walk of {items} deals: ours / raw httpx fetching the same pages | "
        f"{f'{ratio:.2f}' if ratio is not None else NA} | <= 1.10 | {_met(ratio, 1.1)} |"
    )
    st = {side: median(v) for side, v in res.startup.items()}
    ours, flo = st.get("ours"), st.get("floor")
    gap = ours - flo if ours is not None and flo is not None else None
    rows.append(
        f"| start-up (--toolsets all) - SDK floor | {f'{gap:.3f} s' if gap is not None else NA} | <= 0.100 s | "
        f"{_met(gap, 0.1)} |"
    )
    rows.append("")
    return rows


def render(res: Results, elapsed: float) -> str:
    plan = res.plan
    st = {side: median(v) for side, v in res.startup.items()}
    rss = {side: median(v) / 1024 for side, v in res.rss_kb.items()}
    ours, generic, flo = st.get("ours"), st.get("generic"), st.get("floor")
    out: list[str] = []
    w = out.append

    w("# dealdesk-mcp benchmark results\n")
    w(
        "Produced by `bench/run.py`"
        + (" --quick (tiny setting: numbers are noisy)" if plan.startup_runs == 1 else "")
        + f"; one run, {elapsed:.0f} s. Every side talks to the same loopback stand-in for Pipedrive "
        "(bench/standin.py). Ratios are the result; absolute times are for context on this machine only.\n"
    )
    w("## Machine and versions\n")
    generic_python = str(REPO / "bench/.work/fastmcp-venv/bin/python")
    w(f"- CPU: {_cpu_model()}, nproc {os.cpu_count()}; kernel {platform.release()}")
    w(f"- Python {platform.python_version()} ({sys.implementation.name})")
    w(f"- dealdesk-mcp at git {_git_head()} (working tree as found); mcp {_version(str(MAIN_PYTHON), 'mcp')}")
    if res.calls.get("generic") or res.startup.get("generic"):
        w(
            f"- generic baseline: {res.generic_note} with mcp {_version(generic_python, 'mcp')} in "
            "bench/.work/fastmcp-venv (pinned; see README)"
        )
    else:
        w(f"- generic baseline: {res.generic_note}")
    w(
        f"- repeats: start-up {plan.startup_runs} cold starts per side (median); per-call {plan.calls} calls "
        f"per case after {plan.warmup} warm-up; throughput {plan.throughput_runs} x {plan.throughput_seconds:g} s "
        f"per tool, {plan.clients} clients (median); walk of {plan.walk_items:,} deals, "
        f"{plan.walk_repeats} timed repeats (median)"
    )
    if res.load:
        loads = " -> ".join("/".join(f"{v:.2f}" for v in load) for load in res.load)
        w(
            f"- machine load (1/5/15-minute load averages, start -> end of the run; {os.cpu_count()} cores "
            f"shared with other developers): {loads}. Ratios within this one run are what count.\n"
        )
    else:
        w("")
    out.extend(_targets(res))

    w("## 1. Start-up (process start to first tools/list answer, stdio, all toolsets)\n")
    w("| measure | value | target | met |")
    w("|---|---|---|---|")
    w(f"| ours / generic | {_ratio(ours, generic)} | <= 0.33 | {_met(ours, generic and generic / 3)} |")
    if ours and flo:
        w(f"| ours - floor | {(ours - flo):.3f} s | <= 0.300 s | {_met(ours, flo + 0.3)} |")
    else:
        w("| ours - floor | n/a | <= 0.300 s | n/a |")
    if ours and flo and generic:
        w(
            f"| floor / generic (context: the best any server on this SDK can do) | {_ratio(flo, generic)} | | |"
        )
    for label, value in (
        ("ours (`pipedrive-mcp --toolsets all`)", ours),
        ("generic (fastmcp, 2 mounted from_openapi servers)", generic),
        ("floor (import mcp low-level server + stdio; time to imports done)", flo),
    ):
        if value is not None:
            w(f"| {label} | {value:.3f} s | | |")
    if "floor:exit" in st:
        w(f"| floor, time to process exit (context) | {st['floor:exit']:.3f} s | | |")
    for name in ("ours:default", "ours:discovery"):
        if name in st:
            w(f"| {name.replace(':', ' ')} (one start, context) | {st[name]:.3f} s | | |")
    w("")

    w("## 2. tools/list size (compact JSON of the tools array; tokens = chars / 4)\n")
    base = _chars(res.tools["generic:all"]) if "generic:all" in res.tools else None
    w("| listing | tools | chars | ~tokens | / generic |")
    w("|---|---|---|---|---|")
    rows: list[tuple[str, list[dict[str, Any]]]] = [
        (label, res.tools[key])
        for key, label in (
            ("ours:all", "ours, --toolsets all"),
            ("ours:default", "ours, default flags"),
            ("ours:discovery", "ours, --discovery"),
        )
        if key in res.tools
    ]
    if "ours:all" in res.tools:
        pipedrive_only = [t for t in res.tools["ours:all"] if not t["name"].startswith("attio_")]
        rows.append(("ours, all minus the attio_ tools (context)", pipedrive_only))
    for key, label in (
        ("generic:all", "generic (validate_output=False, as measured)"),
        ("generic:strict", "generic with fastmcp's default validate_output=True (context)"),
    ):
        if key in res.tools:
            rows.append((label, res.tools[key]))
    for label, tools in rows:
        chars = _chars(tools)
        w(f"| {label} | {len(tools)} | {chars:,} | {chars // 4:,} | {_ratio(chars, base)} |")
    w("")
    w(
        "The generic server converts the facts-only documents in specs/ (the vendors' prose stripped), so "
        "its listing carries no descriptions at all: a generic conversion of the original documents would "
        "be larger by their prose, and ours is the only listing here that explains its parameters.\n"
    )

    w("## 3. Per-call overhead over raw HTTP (in process, added microseconds)\n")
    w(
        "Ours: `mcp.Client(build_server(settings))` vs `httpx.AsyncClient`; generic: `fastmcp.Client(server)` "
        "vs `httpx2.AsyncClient` (its own HTTP client). Same requests, same stand-in, calls alternated.\n"
    )
    w(
        "| case | ours added p50 | ours added p99 | generic added p50 | generic added p99 | ours/generic (p50) |"
    )
    w("|---|---|---|---|---|---|")
    detail: list[str] = []
    for case in ("get_deals", "add_deal"):
        o = res.calls.get("ours", {}).get("cases", {}).get(case, {})
        g = res.calls.get("generic", {}).get("cases", {}).get(case, {})

        def added(entry: dict[str, Any], pct: str) -> float | None:
            return entry["mcp"][pct] - entry["raw"][pct] if "mcp" in entry else None

        def us(value: float | None) -> str:
            return f"{value:,.0f} µs" if value is not None else NA

        oa50, oa99, ga50, ga99 = (
            added(o, "p50_us"),
            added(o, "p99_us"),
            added(g, "p50_us"),
            added(g, "p99_us"),
        )
        w(f"| {case} | {us(oa50)} | {us(oa99)} | {us(ga50)} | {us(ga99)} | {_ratio(oa50, ga50)} |")
        for side, entry in (("ours", o), ("generic", g)):
            if "mcp" in entry:
                detail.append(
                    f"| {case} | {side} | {entry['raw']['p50_us']:,.0f} | {entry['raw']['p99_us']:,.0f} | "
                    f"{entry['mcp']['p50_us']:,.0f} | {entry['mcp']['p99_us']:,.0f} |"
                )
    w("\nAbsolute (context):\n")
    w("| case | side | raw p50 µs | raw p99 µs | MCP call p50 µs | MCP call p99 µs |")
    w("|---|---|---|---|---|---|")
    out.extend(detail)
    w("")

    w("## 4. Answer size: one 100-deal v2 page with 10 custom fields\n")
    raw_text = res.calls.get("generic", {}).get("cases", {}).get("get_deals", {}).get("answer_text")
    raw_len = len(raw_text) if raw_text else len(json.dumps(standin.deals_page(), separators=(",", ":")))
    raw_label = "generic tool result text (raw JSON)" if raw_text else "stand-in body (raw JSON; generic n/a)"
    w(
        "| answer | chars | / raw | deals whose id is in the text (rows, or ids_cut) | id values differing | met |"
    )
    w("|---|---|---|---|---|---|")
    w(f"| {raw_label} | {raw_len:,} | 1.00 | 100/100 | 0 | |")
    ours_text = res.calls.get("ours", {}).get("cases", {}).get("get_deals", {}).get("answer_text")
    for label, text in (
        ("ours, default answer cap (PIPEDRIVE_MAX_ANSWER_CHARS default)", ours_text),
        ("ours, cap lifted (whole page shaped)", res.uncapped_text),
    ):
        if text is not None:
            kept, total, wrong = ids_kept(text)
            met = "yes" if len(text) <= 0.35 * raw_len and kept == total and wrong == 0 else "no"
            ratio = _ratio(len(text), raw_len)
            w(f"| {label} | {len(text):,} | {ratio} | {kept}/{total} | {wrong} | {met} |")
    w(
        '\nTarget: <= 0.35 of raw with every id kept. "id values differing" counts id-valued fields '
        "(id, *_id) of the shown deals whose value differs from the stand-in's.\n"
    )

    w("## 5. Memory (peak RSS after start-up and one full tools/list)\n")
    w("| measure | value |")
    w("|---|---|")
    w(f"| ours / generic | {_ratio(rss.get('ours'), rss.get('generic'))} |")
    w(f"| ours / floor | {_ratio(rss.get('ours'), rss.get('floor'))} |")
    for side in ("ours", "generic", "floor"):
        if side in rss:
            w(f"| {side} | {rss[side]:.1f} MiB |")
    w("")

    w(f"## 6. Throughput (streamable HTTP, {plan.clients} concurrent clients, tool calls per second)\n")
    w("| tool | ours calls/s | generic calls/s | ours / generic |")
    w("|---|---|---|---|")
    for case in ("get_deals", "add_deal"):
        o_tp = res.throughput.get("ours", {}).get(case)
        g_tp = res.throughput.get("generic", {}).get(case)
        o_m = median(o_tp) if o_tp else None
        g_m = median(g_tp) if g_tp else None
        o_s = f"{o_m:.1f}" if o_m is not None else NA
        g_s = f"{g_m:.1f}" if g_m is not None else NA
        w(f"| {case} | {o_s} | {g_s} | {_ratio(o_m, g_m)} |")
    w("")
    walk = res.walk
    if walk:
        w(f"## 7. A walk of {walk['items']:,} deals with max_items (pages of {walk['page']})\n")
        w(
            "bench/walk.py, a fresh process against a stand-in serving that many deals (cursor-paged). "
            "Memory: after start-up and one small call, the garbage collector runs and VmRSS is the "
            "server at rest; VmHWM is then reset (`5` to /proc/self/clear_refs) and read after the walk. "
            "Time: raw = GET each page with httpx, read and decode it (the next cursor is inside), "
            "follow the cursor; ours = the same walk as one get_deals call (shaped, tabled, cut to the "
            "answer cap, the whole answer written to its file); alternated, medians.\n"
        )
        w("| measure | value |")
        w("|---|---|")
        w(f"| server at rest (VmRSS) | {walk['rest_kb'] / 1024:.1f} MiB |")
        w(
            f"| peak during the walk (VmHWM; peak reset: {walk['peak_reset']}) | {walk['peak_kb'] / 1024:.1f} MiB |"
        )
        w(f"| peak growth | {walk['growth_kb'] / 1024:.1f} MiB |")
        w(f"| raw httpx walk | {walk['raw_s'] * 1e3:,.0f} ms ({walk['raw_items']:,} items) |")
        w(f"| ours | {walk['ours_s'] * 1e3:,.0f} ms ({walk['ours_items']:,} items) |")
        w(f"| ours / raw | {walk['ours_s'] / walk['raw_s']:.2f} |")
        w("")
    findings = BENCH / "FINDINGS.md"
    if findings.exists():
        out.append(findings.read_text().rstrip("\n"))
    return "\n".join(line for line in out if line is not None) + "\n"
