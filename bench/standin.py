"""A loopback stand-in for the Pipedrive API, shared by every side of the benchmark.

Standard library only, so the same file runs under any interpreter. It answers
GET /api/v2/deals with one 100-deal page carrying custom fields, GET /api/v2/dealFields
with the matching field definitions, and a small generic JSON object for everything
else. Answers are built once at start-up so the stand-in costs the same for every caller.
With --deals N it serves N such deals instead, paged by cursor (limit up to 500); each page's
bytes are built on its first request and kept, so every later caller gets them at the same cost.

Run: python bench/standin.py [--port 0] [--deals N]   (prints "PORT <n>" on stdout once listening)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import random
from typing import Any

DEAL_COUNT = 100

# (name, field_type) of the custom fields every stand-in deal carries.
CUSTOM_FIELDS: list[tuple[str, str]] = [
    ("Region", "enum"),
    ("Segments", "set"),
    ("Contract value", "monetary"),
    ("Seats", "double"),
    ("Renewal date", "date"),
    ("Account notes", "text"),
    ("Source campaign", "varchar"),
    ("Technical contact", "phone"),
    ("Success manager", "user"),
    ("Reseller", "org"),
]

ENUM_OPTIONS = [{"id": 40 + i, "label": label} for i, label in enumerate(["North", "South", "East", "West"])]
SET_OPTIONS = [{"id": 60 + i, "label": label} for i, label in enumerate(["SMB", "Mid-market", "Enterprise"])]


def field_key(name: str) -> str:
    """A 40-character hex key, the shape Pipedrive gives custom fields."""
    return hashlib.sha1(name.encode()).hexdigest()


def custom_value(field_type: str, rng: random.Random, deal_id: int) -> Any:
    match field_type:
        case "enum":
            return rng.choice(ENUM_OPTIONS)["id"]
        case "set":
            return sorted(o["id"] for o in rng.sample(SET_OPTIONS, rng.randint(1, 2)))
        case "monetary":
            return {"value": rng.randint(1, 500) * 100, "currency": rng.choice(["EUR", "USD"])}
        case "double":
            return rng.randint(1, 300)
        case "date":
            return f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        case "text":
            return f"Stand-in note {deal_id}: renewal discussed, follow up after the quarterly review."
        case "varchar":
            return rng.choice(["spring-webinar", "partner-referral", "trade-show", None])
        case "phone":
            return f"+372 5{rng.randint(1000000, 9999999)}"
        case "user":
            return rng.randint(1, 9)
        case "org":
            return rng.choice([None, rng.randint(1, 50)])
    return None


def build_deal(deal_id: int, rng: random.Random) -> dict[str, Any]:
    stamp = f"2026-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}T09:{rng.randint(10, 59)}:00Z"
    return {
        "id": deal_id,
        "title": f"Stand-in deal {deal_id}",
        "creator_user_id": 1,
        "owner_id": rng.randint(1, 9),
        "value": rng.randint(1, 900) * 50,
        "person_id": rng.choice([None, 1000 + deal_id]),
        "org_id": 2000 + deal_id % 37,
        "stage_id": rng.randint(1, 6),
        "pipeline_id": 1,
        "currency": "EUR",
        "archive_time": None,
        "add_time": stamp,
        "update_time": stamp,
        "stage_change_time": None,
        "status": "open",
        "is_archived": False,
        "is_deleted": False,
        "probability": None,
        "lost_reason": None,
        "visible_to": 3,
        "close_time": None,
        "won_time": None,
        "lost_time": None,
        "local_won_date": None,
        "local_lost_date": None,
        "local_close_date": None,
        "expected_close_date": None,
        "label_ids": [],
        "origin": "ManuallyCreated",
        "origin_id": None,
        "channel": None,
        "channel_id": None,
        "source_lead_id": None,
        "acv": None,
        "arr": None,
        "mrr": None,
        "custom_fields": {
            field_key(name): custom_value(ftype, rng, deal_id) for name, ftype in CUSTOM_FIELDS
        },
    }


def deals_page() -> dict[str, Any]:
    rng = random.Random(13)
    return {
        "success": True,
        "data": [build_deal(i, rng) for i in range(1, DEAL_COUNT + 1)],
        "additional_data": {"next_cursor": "c3RhbmQtaW4tbmV4dA"},
    }


def deal_fields() -> dict[str, Any]:
    standard = [
        {"field_name": "Title", "field_code": "title", "field_type": "varchar", "options": None},
        {"field_name": "Value", "field_code": "value", "field_type": "monetary", "options": None},
        {"field_name": "Owner", "field_code": "owner_id", "field_type": "user", "options": None},
    ]
    custom = [
        {
            "field_name": name,
            "field_code": field_key(name),
            "field_type": ftype,
            "options": ENUM_OPTIONS if ftype == "enum" else SET_OPTIONS if ftype == "set" else None,
        }
        for name, ftype in CUSTOM_FIELDS
    ]
    data = [
        {**f, "is_custom_field": f in custom, "is_optional_response_field": False, "subfields": None}
        for f in standard + custom
    ]
    return {"success": True, "data": data, "additional_data": {"next_cursor": None}}


GENERIC = {"success": True, "data": {"id": 1, "name": "stand-in", "active_flag": True}}


def _response(payload: dict[str, Any], status: str = "200 OK") -> bytes:
    body = json.dumps(payload, separators=(",", ":")).encode()
    head = f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    return head.encode() + body


DEALS_RESPONSE = _response(deals_page())
FIELDS_RESPONSE = _response(deal_fields())
GENERIC_RESPONSE = _response(GENERIC)
CREATED_RESPONSE = _response({"success": True, "data": {"id": 101, "title": "created by the bench"}})


PAGE_MAX = 500


class DealList:
    """N deals paged by cursor, the way Pipedrive v2 pages: `cursor` and `limit` in, `next_cursor` out."""

    def __init__(self, count: int) -> None:
        rng = random.Random(13)
        self.deals = [build_deal(i, rng) for i in range(1, count + 1)]
        self.pages: dict[tuple[int, int], bytes] = {}

    def page(self, query: str) -> bytes:
        args = dict(part.split("=", 1) for part in query.split("&") if "=" in part)
        start = int(args.get("cursor", "o0").lstrip("o") or 0)
        limit = max(1, min(PAGE_MAX, int(args.get("limit", "100"))))
        key = (start, limit)
        if key not in self.pages:
            end = start + limit
            following = f"o{end}" if end < len(self.deals) else None
            body = {
                "success": True,
                "data": self.deals[start:end],
                "additional_data": {"next_cursor": following},
            }
            self.pages[key] = _response(body)
        return self.pages[key]


DEAL_LIST: DealList | None = None  # set by --deals


def route(method: str, target: str) -> bytes:
    path, _, query = target.partition("?")
    path = path.rstrip("/")
    if method == "GET" and path == "/api/v2/deals":
        return DEAL_LIST.page(query) if DEAL_LIST is not None else DEALS_RESPONSE
    if method == "GET" and path == "/api/v2/dealFields":
        return FIELDS_RESPONSE
    if method == "POST" and path == "/api/v2/deals":
        return CREATED_RESPONSE
    return GENERIC_RESPONSE


async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    # Minimal HTTP/1.1 with keep-alive: enough for httpx and httpx2 clients.
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, target, _ = lines[0].split(" ", 2)
            length = 0
            for line in lines[1:]:
                if line[:15].lower() == "content-length:":
                    length = int(line[15:].strip())
            if length:
                await reader.readexactly(length)
            writer.write(route(method, target))
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError, ValueError):
        pass
    finally:
        writer.close()


async def serve(port: int) -> None:
    server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=256)
    print(f"PORT {server.sockets[0].getsockname()[1]}", flush=True)
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--deals", type=int, default=0, help="serve this many deals, paged by cursor")
    args = parser.parse_args()
    if args.deals:
        global DEAL_LIST
        DEAL_LIST = DealList(args.deals)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.port))


if __name__ == "__main__":
    main()
