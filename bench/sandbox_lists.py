"""How list answers of the sandbox scale: a page of 100 records against one record's answer.

Each list item carries counts (activities, notes, files, followers, deals, people) and names of
related records. When those are worked out once per request, a 100-item page costs a small multiple
of one record; when every item recounts them, the page costs grow with items x records.

The sandbox is grown first (deals, activities and notes added through the API) so the counts have
something to count. Prints each answer's median time and the page/one ratio; the ratios are the figure.

    .venv/bin/python bench/sandbox_lists.py [--rounds 7] [--grow 300]
"""

from __future__ import annotations

import argparse
import statistics
import time

import httpx

from dealdesk_mcp.sandbox import SANDBOX_TOKEN, start_sandbox

COUNTS = "activities_count,done_activities_count,notes_count,files_count,followers_count"
# (label, path, params): list answers whose items carry counts, and the one-record answer they are set against.
PAGES = [
    ("v2 deals with counts", "/api/v2/deals", {"limit": 100, "include_fields": COUNTS}),
    (
        "v2 organizations with counts",
        "/api/v2/organizations",
        {"limit": 100, "include_fields": "people_count,open_deals_count,notes_count,activities_count"},
    ),
    ("v1 deals of a pipeline", "/api/v1/pipelines/1/deals", {"limit": 100}),
    ("v1 notes", "/api/v1/notes", {"limit": 100}),
]
ONE = ("one deal (v2)", "/api/v2/deals/1", {})


def grow(client: httpx.Client, deals: int) -> None:
    """More of everything a count looks at: each new deal gets two activities and a note."""
    for n in range(deals):
        deal = client.post(
            "/api/v2/deals", json={"title": f"Bench deal {n}", "value": n, "org_id": 1 + n % 10}
        )
        deal_id = deal.json()["data"]["id"]
        for done in (False, True):
            client.post("/api/v2/activities", json={"subject": f"Call {n}", "deal_id": deal_id, "done": done})
        client.post("/api/v1/notes", json={"content": f"Note {n}", "deal_id": deal_id})


def median_ms(client: httpx.Client, path: str, params: dict[str, object], rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        answer = client.get(path, params=params)
        samples.append(time.perf_counter() - started)
        if answer.status_code != 200:
            raise SystemExit(f"{path} answered {answer.status_code}: {answer.text[:200]}")
    return statistics.median(samples) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--grow", type=int, default=300, help="deals to add (each with 2 activities, 1 note)")
    args = parser.parse_args()
    with (
        start_sandbox(":memory:") as sandbox,
        httpx.Client(base_url=sandbox.base_url, headers={"x-api-token": SANDBOX_TOKEN}, timeout=60) as client,
    ):
        grow(client, args.grow)
        one = median_ms(client, ONE[1], ONE[2], args.rounds)
        print(f"{ONE[0]:32} {one:8.1f} ms")
        for label, path, params in PAGES:
            page = median_ms(client, path, params, args.rounds)
            print(f"{label:32} {page:8.1f} ms   page/one {page / one:6.1f}")


if __name__ == "__main__":
    main()
