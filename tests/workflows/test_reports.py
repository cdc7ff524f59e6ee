"""Reports computed on the server: each figure equals what this test computes itself from the
sandbox's raw API data (read here over httpx, page by page)."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime
from typing import Any

import pytest

from dealdesk_mcp.workflows import reading
from tests.workflows.conftest import answer, client_for, table, walk_v1, walk_v2

Sums = dict[str, float]


def money(pairs: list[tuple[str, float]]) -> Sums:
    out: dict[str, float] = defaultdict(float)
    for currency, amount in pairs:
        out[currency] += amount
    return {k: round(v, 2) for k, v in sorted(out.items())}


def approx(value: Any) -> Any:
    return pytest.approx(value, abs=0.011)


def when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def probability(deal: dict[str, Any], stages: dict[int, dict[str, Any]]) -> float:
    own = deal.get("probability")
    return float(own if own is not None else stages[deal["stage_id"]]["deal_probability"])


async def test_pipeline_summary_per_stage_equals_the_raw_deals(sandbox, api, tmp_path):
    async with client_for(sandbox, tmp_path) as client:
        report = await answer(client, "pipeline_summary", {})
        narrowed = await answer(client, "pipeline_summary", {"pipeline_id": 2, "currency": "EUR"})
    stages = {s["id"]: s for s in walk_v2(api, "/api/v2/stages")}
    deals = walk_v2(api, "/api/v2/deals", status="open")
    as_of = when(report["walk"]["as_of"])
    rows = {r["stage_id"]: r for r in table(report)}
    assert set(rows) == set(stages)
    for stage_id, row in rows.items():
        mine = [d for d in deals if d["stage_id"] == stage_id]
        ages = [(as_of - when(d["add_time"])).total_seconds() / 86400 for d in mine]
        assert row["count"] == len(mine)
        assert row["value"] == approx(money([(d["currency"], d["value"]) for d in mine]))
        weighted = [(d["currency"], d["value"] * probability(d, stages) / 100) for d in mine]
        assert row["weighted_value"] == approx(money(weighted))
        assert row["avg_age_days"] == (round(sum(ages) / len(ages), 1) if ages else None)
    assert report["data"]["totals"]["count"] == len(deals)
    assert len({d["currency"] for d in deals}) > 1  # the seeded stages mix currencies
    # Converted figures add up to what the API's own summary of all open deals says.
    whole = api.get("/api/v1/deals/summary", params={"status": "open"}).json()["data"]
    totals = report["data"]["totals"]
    assert totals["value_converted"] == approx(whole["total_currency_converted_value"])
    assert totals["weighted_converted"] == approx(whole["total_weighted_currency_converted_value"])
    assert report["walk"]["complete"] is True
    assert report["walk"]["read"]["get_deals"]["items"] == len(deals)
    # Narrowed: one pipeline's stages, one currency, nothing to convert.
    eur = [d for d in deals if d["pipeline_id"] == 2 and d["currency"] == "EUR"]
    assert {r["stage_id"] for r in table(narrowed)} == {s for s in stages if stages[s]["pipeline_id"] == 2}
    assert narrowed["data"]["totals"]["value"] == approx(money([("EUR", d["value"]) for d in eur]))
    assert "value_converted" not in narrowed["data"]["columns"]


async def test_deals_forecast_groups_open_deals_by_expected_close_month(sandbox, api, tmp_path):
    deals = walk_v2(api, "/api/v2/deals", status="open")
    stages = {s["id"]: s for s in walk_v2(api, "/api/v2/stages")}
    months = sorted({d["expected_close_date"][:7] for d in deals})
    since, until = f"{months[1]}-01", f"{months[-2]}-28"
    async with client_for(sandbox, tmp_path) as client:
        report = await answer(client, "deals_forecast", {"since": since, "until": until})
    kept = [d for d in deals if since <= d["expected_close_date"] <= until]
    expected = {}
    for month in sorted({d["expected_close_date"][:7] for d in kept}):
        mine = [d for d in kept if d["expected_close_date"].startswith(month)]
        weighted = money([(d["currency"], d["value"] * probability(d, stages) / 100) for d in mine])
        expected[month] = [len(mine), money([(d["currency"], d["value"]) for d in mine]), weighted]
    assert {r["period"]: [r["count"], r["value"], r["weighted_value"]] for r in table(report)} == expected
    assert report["data"]["totals"]["count"] == len(kept) < len(deals)


async def test_win_loss_report_by_owner_and_month_with_lost_reasons(sandbox, api, tmp_path):
    async with client_for(sandbox, tmp_path) as client:
        report = await answer(client, "win_loss_report", {})
    closed = walk_v2(api, "/api/v2/deals", status="won,lost")
    users = {u["id"]: u["name"] for u in api.get("/api/v1/users").json()["data"]}
    groups: dict[tuple[int, str], list[dict[str, Any]]] = defaultdict(list)
    for deal in closed:
        day = deal["won_time"] if deal["status"] == "won" else deal["lost_time"]
        groups[deal["owner_id"], day[:7]].append(deal)
    rows = {(r["owner_id"], r["period"]): r for r in table(report)}
    assert set(rows) == set(groups)
    for key, deals in groups.items():
        won = [d for d in deals if d["status"] == "won"]
        lost = [d for d in deals if d["status"] == "lost"]
        row = rows[key]
        assert (row["owner"], row["won"], row["lost"]) == (users[key[0]], len(won), len(lost))
        assert row["win_rate"] == approx(len(won) / len(deals))
        assert row["won_value"] == money([(d["currency"], d["value"]) for d in won])
        assert row["lost_reasons"] == dict(Counter(d["lost_reason"] for d in lost))
    totals = report["data"]["totals"]
    assert totals["lost_reasons"] == dict(Counter(d["lost_reason"] for d in closed if d["status"] == "lost"))
    assert len(groups) > 5 and len({m for _, m in groups}) >= 4  # six months of history in the seed


async def test_stale_deals_have_nothing_planned_and_nothing_done_lately(sandbox, api, tmp_path):
    async with client_for(sandbox, tmp_path) as client:
        report = await answer(client, "stale_deals", {"days": 25})
    today = when(report["walk"]["as_of"]).date()
    activities = walk_v2(api, "/api/v2/activities")
    expected = {}
    for deal in walk_v2(api, "/api/v2/deals", status="open"):
        mine = [a for a in activities if a["deal_id"] == deal["id"]]
        if any(not a["done"] for a in mine):
            continue
        done = [date.fromisoformat(a["due_date"]) for a in mine]
        last = max(done) if done else None
        idle = (today - (last or date.fromisoformat(deal["add_time"][:10]))).days
        if idle >= 25:
            expected[deal["id"]] = (last.isoformat() if last else None, idle)
    rows = table(report)
    assert {r["deal_id"]: (r["last_activity"], r["idle_days"]) for r in rows} == expected
    assert [r["idle_days"] for r in rows] == sorted((r["idle_days"] for r in rows), reverse=True)
    assert any(last is None for last, _ in expected.values())  # the seed has deals never touched


async def test_activity_summary_per_owner_and_type_in_a_period(sandbox, api, tmp_path):
    activities = walk_v2(api, "/api/v2/activities")
    days = sorted(a["due_date"] for a in activities)
    since, until = days[len(days) // 4], days[3 * len(days) // 4]
    async with client_for(sandbox, tmp_path) as client:
        report = await answer(client, "activity_summary", {"since": since, "until": until})
    today = when(report["walk"]["as_of"]).date().isoformat()
    expected: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for a in activities:
        if since <= a["due_date"] <= until:
            counts = expected[a["owner_id"], a["type"]]
            counts[0 if a["done"] else 1] += 1
            counts[2] += not a["done"] and a["due_date"] < today
    rows = {(r["owner_id"], r["type"]): [r["done"], r["undone"], r["overdue"]] for r in table(report)}
    assert rows == dict(expected)
    assert report["data"]["totals"]["total"] == sum(sum(c[:2]) for c in expected.values()) < len(activities)


async def test_lead_conversion_by_month_and_source(sandbox, api, tmp_path):
    async with client_for(sandbox, tmp_path) as client:
        report = await answer(client, "lead_conversion", {})
    leads = walk_v1(api, "/api/v1/leads") + walk_v1(api, "/api/v1/leads/archived")
    deals = walk_v2(api, "/api/v2/deals", include_fields="source_lead_id")
    converted = {d["source_lead_id"] for d in deals if d.get("source_lead_id")}
    expected: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for lead in leads:
        counts = expected[lead["add_time"][:7], lead["source_name"]]
        counts[0] += 1
        counts[1] += lead["id"] in converted
    rows = {(r["period"], r["source"]): [r["created"], r["converted"]] for r in table(report)}
    assert rows == dict(expected)
    totals = report["data"]["totals"]
    assert (totals["created"], totals["converted"]) == (len(leads), len(converted))
    assert totals["rate"] == approx(len(converted) / len(leads))
    assert len({source for _, source in expected}) == 3


async def test_reports_notify_progress_per_page_and_say_when_the_budget_cut_a_walk(
    sandbox, tmp_path, monkeypatch
):
    seen: list[tuple[float, str | None]] = []

    async def progress(done: float, total: float | None, message: str | None) -> None:
        seen.append((done, message))

    async with client_for(sandbox, tmp_path) as client:
        whole = await answer(client, "stale_deals", {}, progress_callback=progress)
        # Room for the stage list, none left for the deals.
        monkeypatch.setattr(reading, "TOKEN_BUDGET", 12)
        cut = await answer(client, "pipeline_summary", {})
    assert [str(m).split(":")[0] for _, m in seen] == ["get_deals", "get_stages", "get_activities"]
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert whole["walk"]["complete"] is True
    assert cut["walk"]["complete"] is False
    assert cut["walk"]["read"]["get_deals"] == {
        "items": 0,
        "pages": 0,
        "complete": False,
        "arguments": {"status": ["open"]},
    }
    assert any("budget" in note for note in cut["notes"])
