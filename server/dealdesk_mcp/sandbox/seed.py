"""The seeded company: a small, made-up B2B software vendor with pipelines, deals, contacts and history.

Names come from a fixed random generator so every fresh sandbox holds the same company; dates are
relative to the moment of seeding so due dates and "last week" stay meaningful.
"""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta
from typing import Any

from .db import Record, Store
from .fields import hash_key, seed_fields
from .jsontypes import as_array, as_object
from .wire import lead_time, v1_time, v2_time

ADMIN_ID = 1
COMPANY = {"id": 7001, "name": "Northwind Analytics", "domain": "northwind-analytics", "country": "US"}

USERS = [
    (1, "Alex Morgan", "alex.morgan@northwind-analytics.example", True),
    (2, "Priya Natarajan", "priya.natarajan@northwind-analytics.example", False),
    (3, "Tomás Rivera", "tomas.rivera@northwind-analytics.example", False),
    (4, "Grace Liu", "grace.liu@northwind-analytics.example", False),
    (5, "Samuel Osei", "samuel.osei@northwind-analytics.example", False),
]
CURRENCY_MIX = ["USD", "USD", "EUR", "USD", "GBP", "EUR"]
LOST_REASONS = [
    "Went with a competitor",
    "No budget this year",
    "Timing: revisit next quarter",
    "Price too high",
]

PIPELINES = [
    (
        "Sales",
        [
            ("Qualified", 10),
            ("Contact made", 25),
            ("Demo scheduled", 50),
            ("Proposal made", 75),
            ("Negotiations", 90),
        ],
    ),
    ("Partnerships", [("Prospecting", 10), ("Intro call", 30), ("Agreement drafted", 70), ("Signed", 100)]),
    ("Renewals", [("Upcoming", 50), ("In discussion", 70), ("Renewed", 100)]),
]

ORGANIZATIONS = [
    ("Acme Logistics", "Chicago", "US"),
    ("Bluefin Retail", "Austin", "US"),
    ("Cedar Health", "Boston", "US"),
    ("Dunmore Foods", "Dublin", "IE"),
    ("Evergreen Energy", "Portland", "US"),
    ("Fjord Shipping", "Oslo", "NO"),
    ("Granite Insurance", "Denver", "US"),
    ("Harbor Media", "London", "GB"),
    ("Iris Biotech", "Basel", "CH"),
    ("Juniper Hotels", "Lisbon", "PT"),
    ("Kestrel Aerospace", "Toulouse", "FR"),
    ("Lumen Education", "Toronto", "CA"),
    ("Maple Finance", "Montreal", "CA"),
    ("Nimbus Software", "Berlin", "DE"),
    ("Orchid Fashion", "Milan", "IT"),
]

FIRST = [
    "Olivia",
    "Liam",
    "Emma",
    "Noah",
    "Ava",
    "Mateo",
    "Sofia",
    "Lucas",
    "Mia",
    "Ethan",
    "Hannah",
    "Jonas",
    "Chloe",
    "Arjun",
    "Lena",
    "Kenji",
    "Amara",
    "Felix",
    "Zoe",
    "Omar",
]
LAST = [
    "Schmidt",
    "Okafor",
    "Nguyen",
    "Larsen",
    "Fischer",
    "Moreau",
    "Kowalski",
    "Tanaka",
    "Silva",
    "Brennan",
    "Haddad",
    "Petrov",
    "Rossi",
    "Johansson",
    "Walsh",
    "Kim",
]
TITLES = [
    "Head of Operations",
    "CFO",
    "IT Director",
    "Procurement Manager",
    "VP Sales",
    "Data Lead",
    "COO",
    "Analytics Manager",
]

PRODUCTS = [
    ("Insight Platform - Starter", "INS-S", 4800, "annually"),
    ("Insight Platform - Growth", "INS-G", 12000, "annually"),
    ("Insight Platform - Enterprise", "INS-E", 36000, "annually"),
    ("Onboarding package", "SRV-ONB", 3500, "one-time"),
    ("Custom dashboard", "SRV-DSH", 1800, "one-time"),
    ("Data connector add-on", "ADD-CON", 150, "monthly"),
    ("Premium support", "SUP-PRM", 600, "monthly"),
    ("Training day", "SRV-TRN", 1200, "one-time"),
]

DEAL_TOPICS = [
    "Analytics rollout",
    "Dashboard pilot",
    "Platform upgrade",
    "Data connector bundle",
    "Enterprise licence",
    "Team expansion",
    "Renewal",
    "Reporting revamp",
]

ACTIVITY_TYPES = [
    ("Call", "call", "call"),
    ("Meeting", "meeting", "meeting"),
    ("Task", "task", "task"),
    ("Deadline", "deadline", "deadline"),
    ("Email", "email", "email"),
    ("Lunch", "lunch", "lunch"),
]
ACTIVITY_SUBJECTS = {
    "call": "Discovery call",
    "meeting": "Product demo",
    "task": "Send proposal",
    "deadline": "Contract deadline",
    "email": "Follow-up email",
    "lunch": "Lunch with champion",
}

LEAD_LABELS = [("Hot", "red"), ("Warm", "orange"), ("Cold", "blue")]
# (source_name, origin) of the seeded leads, in turn: lead reports have sources to compare
LEAD_SOURCES = [("Manually created", "ManuallyCreated"), ("Web forms", "WebForms"), ("API", "API")]
NOTE_LINES = [
    "Budget approved for Q3; waiting on security review.",
    "Asked for a reference customer in the same industry.",
    "Champion is moving teams next month - find a second contact.",
    "Prefers annual billing, wants a discount for a two-year term.",
    "Demo went well; the data team wants a sandbox account.",
    "Legal is reviewing the DPA.",
]


def seed(store: Store, moment: datetime) -> None:
    """Fill an empty store; ids continue from the seeded ones afterwards."""
    rng = random.Random(20240611)
    with store.transaction():
        seed_fields(store, moment)
        _users(store, moment)
        _activity_types(store, moment)
        stage_ids = _pipelines(store, moment)
        org_ids = _organizations(store, rng, moment)
        people = _persons(store, rng, moment, org_ids)
        products = _products(store, moment)
        deals = _deals(store, rng, moment, stage_ids, people)
        _activities(store, rng, moment, deals)
        _notes(store, rng, moment, deals)
        _leads(store, rng, moment, people)
        store.set_counter("product", len(products))
        from .seed_more import seed_more

        seed_more(store, rng, moment, deals)
        store.set_meta("seeded_at", v2_time(moment))


def _ago(moment: datetime, days: float) -> datetime:
    return moment - timedelta(days=days)


def _users(store: Store, moment: datetime) -> None:
    rows: list[Any] = []
    for user_id, name, email, is_admin in USERS:
        rows.append(
            {
                "id": user_id,
                "name": name,
                "default_currency": "USD",
                "locale": "en_US",
                "lang": 1,
                "email": email,
                "phone": None,
                "activated": True,
                "last_login": v1_time(_ago(moment, 1)),
                "created": v1_time(_ago(moment, 400)),
                "modified": v1_time(_ago(moment, 30)),
                "has_created_company": is_admin,
                "access": [
                    {
                        "app": "sales",
                        "admin": is_admin,
                        "permission_set_id": "sandbox-sales-" + ("admin" if is_admin else "regular"),
                    }
                ],
                "active_flag": True,
                "timezone_name": "America/New_York",
                "timezone_offset": "-04:00",
                "role_id": 1,
                "icon_url": None,
                "is_admin": 1 if is_admin else 0,
                "is_deleted": False,
            }
        )
    store.put_many("user", rows)
    store.set_counter("user", len(rows))


def _activity_types(store: Store, moment: datetime) -> None:
    rows = [
        {
            "id": index,
            "name": name,
            "icon_key": icon,
            "color": None,
            "order_nr": index,
            "key_string": key,
            "active_flag": True,
            "is_custom_flag": False,
            "add_time": v1_time(_ago(moment, 400)),
            "update_time": v1_time(_ago(moment, 400)),
        }
        for index, (name, key, icon) in enumerate(ACTIVITY_TYPES, start=1)
    ]
    store.put_many("activity_type", rows)
    store.set_counter("activity_type", len(rows))


def _pipelines(store: Store, moment: datetime) -> dict[int, list[Record]]:
    pipelines: list[Record] = []
    stages: list[Record] = []
    stage_id = 0
    by_pipeline: dict[int, list[Record]] = {}
    for pipeline_id, (name, stage_list) in enumerate(PIPELINES, start=1):
        created = v2_time(_ago(moment, 365))
        pipelines.append(
            {
                "id": pipeline_id,
                "name": name,
                "order_nr": pipeline_id,
                "is_deleted": False,
                "is_deal_probability_enabled": pipeline_id == 1,
                "add_time": created,
                "update_time": created,
            }
        )
        for order, (stage_name, probability) in enumerate(stage_list, start=1):
            stage_id += 1
            stage = {
                "id": stage_id,
                "order_nr": order,
                "name": stage_name,
                "is_deleted": False,
                "deal_probability": probability,
                "pipeline_id": pipeline_id,
                "is_deal_rot_enabled": pipeline_id == 1,
                "days_to_rotten": 30 if pipeline_id == 1 else None,
                "add_time": created,
                "update_time": created,
            }
            stages.append(stage)
            by_pipeline.setdefault(pipeline_id, []).append(stage)
    store.put_many("pipeline", pipelines)
    store.put_many("stage", stages)
    store.set_counter("pipeline", len(pipelines))
    store.set_counter("stage", len(stages))
    return by_pipeline


def _organizations(store: Store, rng: random.Random, moment: datetime) -> list[int]:
    tier = hash_key("organization:tier")
    tier_options = _option_ids(store, "organization", tier)
    rows: list[Any] = []
    for org_id, (name, city, country) in enumerate(ORGANIZATIONS, start=1):
        created = v2_time(_ago(moment, rng.randint(60, 360)))
        slug = name.lower().replace(" ", "")
        rows.append(
            {
                "id": org_id,
                "name": name,
                "owner_id": rng.choice(USERS)[0],
                "add_time": created,
                "update_time": created,
                "is_deleted": False,
                "visible_to": 3,
                "address": {
                    "value": f"{rng.randint(1, 400)} Main Street, {city}, {country}",
                    "country": country,
                    "admin_area_level_1": None,
                    "admin_area_level_2": None,
                    "locality": city,
                    "sublocality": None,
                    "route": "Main Street",
                    "street_number": str(rng.randint(1, 400)),
                    "subpremise": None,
                    "postal_code": None,
                },
                "label_ids": [],
                "website": f"https://www.{slug}.example",
                "linkedin": None,
                "industry": None,
                "annual_revenue": rng.choice([2, 5, 12, 40, 90]) * 1_000_000,
                "employee_count": rng.choice([25, 80, 150, 400, 1200]),
                "custom_fields": {
                    tier: rng.choice(tier_options),
                    hash_key("organization:customer_since"): None,
                    hash_key("organization:vat_number"): None,
                },
            }
        )
    store.put_many("organization", rows)
    store.set_counter("organization", len(rows))
    return [row["id"] for row in rows]


def _persons(store: Store, rng: random.Random, moment: datetime, org_ids: list[int]) -> list[Record]:
    language = hash_key("person:language")
    languages = _option_ids(store, "person", language)
    rows: list[Any] = []
    for person_id in range(1, 41):
        first, last = FIRST[(person_id - 1) % len(FIRST)], LAST[(person_id * 7) % len(LAST)]
        org_id = org_ids[(person_id - 1) % len(org_ids)] if person_id <= 36 else None
        org_name = ORGANIZATIONS[org_id - 1][0] if org_id else "gmail"
        domain = org_name.lower().replace(" ", "") + ".example"
        created = v2_time(_ago(moment, rng.randint(20, 300)))
        rows.append(
            {
                "id": person_id,
                "name": f"{first} {last}",
                "first_name": first,
                "last_name": last,
                "owner_id": rng.choice(USERS)[0],
                "org_id": org_id,
                "add_time": created,
                "update_time": created,
                "emails": [{"value": f"{first}.{last}@{domain}".lower(), "primary": True, "label": "work"}],
                "phones": [{"value": f"+1 555 01{person_id:02d}", "primary": True, "label": "work"}],
                "is_deleted": False,
                "visible_to": 3,
                "label_ids": [],
                "picture_id": None,
                "postal_address": None,
                "notes": None,
                "im": [],
                "birthday": None,
                "job_title": rng.choice(TITLES),
                "custom_fields": {language: rng.choice(languages)},
            }
        )
    store.put_many("person", rows)
    store.set_counter("person", len(rows))
    return rows


def _products(store: Store, moment: datetime) -> list[Record]:
    rows: list[Any] = []
    created = v2_time(_ago(moment, 200))
    for product_id, (name, code, price, billing) in enumerate(PRODUCTS, start=1):
        rows.append(
            {
                "id": product_id,
                "name": name,
                "code": code,
                "unit": "licence" if code.startswith("INS") else "item",
                "tax": 0,
                "is_deleted": False,
                "is_linkable": True,
                "visible_to": 3,
                "owner_id": 1,
                "add_time": created,
                "update_time": created,
                "description": None,
                "category": None,
                "custom_fields": {hash_key("product:sku_family"): code.split("-")[0]},
                "billing_frequency": billing,
                "billing_frequency_cycles": None,
                "prices": [
                    {
                        "product_id": product_id,
                        "price": price,
                        "currency": "USD",
                        "cost": round(price * 0.2),
                        "direct_cost": None,
                        "notes": "",
                    }
                ],
            }
        )
    store.put_many("product", rows)
    return rows


def _deals(
    store: Store, rng: random.Random, moment: datetime, stages: dict[int, list[Record]], people: list[Record]
) -> list[Record]:
    source = hash_key("deal:source_channel")
    sources = _option_ids(store, "deal", source)
    rows: list[Any] = []
    for deal_id in range(1, 51):
        person = people[(deal_id * 3) % 36]
        pipeline_id = 1 if deal_id <= 32 else (2 if deal_id <= 42 else 3)
        stage = rng.choice(stages[pipeline_id])
        status = "open" if deal_id % 3 else ("won" if deal_id % 2 else "lost")
        created = _ago(moment, rng.randint(30, 240))
        # closed deals spread over the last six months, so win/loss reports have periods to compare
        closed_at = min(created + timedelta(days=rng.randint(5, 60)), _ago(moment, (deal_id * 11) % 180))
        closed = v2_time(max(closed_at, created)) if status != "open" else None
        org_name: str = ORGANIZATIONS[int(person["org_id"]) - 1][0]
        rows.append(
            {
                "id": deal_id,
                "title": f"{org_name} - {DEAL_TOPICS[deal_id % len(DEAL_TOPICS)]}",
                "owner_id": rng.choice(USERS)[0],
                "person_id": person["id"],
                "org_id": person["org_id"],
                "pipeline_id": pipeline_id,
                "stage_id": stage["id"],
                "value": rng.randrange(2000, 90000, 500),
                "currency": CURRENCY_MIX[deal_id % len(CURRENCY_MIX)],
                "add_time": v2_time(created),
                "update_time": v2_time(created + timedelta(days=3)),
                "stage_change_time": v2_time(created + timedelta(days=2)),
                "is_deleted": False,
                "is_archived": False,
                "archive_time": None,
                "status": status,
                "probability": None,
                "lost_reason": LOST_REASONS[deal_id % len(LOST_REASONS)] if status == "lost" else None,
                "visible_to": 3,
                "close_time": closed,
                "won_time": closed if status == "won" else None,
                "lost_time": closed if status == "lost" else None,
                "expected_close_date": (moment + timedelta(days=rng.randint(5, 150))).strftime("%Y-%m-%d"),
                "creator_user_id": 1,
                "label_ids": [],
                "origin": "ManuallyCreated",
                "origin_id": None,
                "channel": None,
                "channel_id": None,
                "source_lead_id": None,
                "arr": None,
                "mrr": None,
                "acv": None,
                "custom_fields": {
                    source: rng.choice(sources),
                    hash_key("deal:contract_months"): rng.choice([12, 24, 36]),
                    hash_key("deal:renewal_date"): None,
                    hash_key("deal:competitor"): rng.choice([None, "Looker", "Tableau", "Power BI"]),
                },
            }
        )
    store.put_many("deal", rows)
    store.set_counter("deal", len(rows))
    return rows


def _activities(store: Store, rng: random.Random, moment: datetime, deals: list[Record]) -> None:
    rows: list[Any] = []
    for activity_id in range(1, 61):
        # deals 41-50 get none: stale-deal reports have something to find
        deal = deals[(activity_id * 7) % 40]
        _, key, _ = ACTIVITY_TYPES[activity_id % len(ACTIVITY_TYPES)]
        offset = rng.randint(-45, 30)
        done = offset < 0
        due = moment + timedelta(days=offset)
        created = v2_time(_ago(moment, 25))
        rows.append(
            {
                "id": activity_id,
                "subject": ACTIVITY_SUBJECTS[key],
                "type": key,
                "owner_id": USERS[activity_id % len(USERS)][0] if activity_id % 4 == 0 else deal["owner_id"],
                "creator_user_id": 1,
                "is_deleted": False,
                "add_time": created,
                "update_time": created,
                "deal_id": deal["id"],
                "lead_id": None,
                "person_id": deal["person_id"],
                "org_id": deal["org_id"],
                "project_id": None,
                "due_date": due.strftime("%Y-%m-%d"),
                "due_time": f"{rng.randint(8, 17):02d}:{rng.choice(['00', '30'])}",
                "duration": "00:30",
                "busy": key in ("meeting", "lunch"),
                "done": done,
                "marked_as_done_time": v2_time(due) if done else None,
                "location": None,
                "participants": [{"person_id": deal["person_id"], "primary": True}],
                "attendees": [],
                "conference_meeting_client": None,
                "conference_meeting_url": None,
                "conference_meeting_id": None,
                "public_description": None,
                "priority": None,
                "note": None,
            }
        )
    store.put_many("activity", rows)
    store.set_counter("activity", len(rows))


def _notes(store: Store, rng: random.Random, moment: datetime, deals: list[Record]) -> None:
    rows: list[Any] = []
    for note_id in range(1, 21):
        deal = deals[(note_id * 7) % len(deals)]
        created = v1_time(_ago(moment, rng.randint(1, 60)))
        rows.append(
            {
                "id": note_id,
                "active_flag": True,
                "add_time": created,
                "content": f"<p>{NOTE_LINES[note_id % len(NOTE_LINES)]}</p>",
                "lead_id": None,
                "deal_id": deal["id"],
                "org_id": deal["org_id"],
                "person_id": deal["person_id"],
                "project_id": None,
                "task_id": None,
                "user_id": deal["owner_id"],
                "last_update_user_id": None,
                "pinned_to_lead_flag": False,
                "pinned_to_deal_flag": note_id % 5 == 0,
                "pinned_to_organization_flag": False,
                "pinned_to_person_flag": False,
                "pinned_to_project_flag": False,
                "pinned_to_task_flag": False,
                "update_time": created,
            }
        )
    store.put_many("note", rows)
    store.set_counter("note", len(rows))


def _leads(store: Store, rng: random.Random, moment: datetime, people: list[Record]) -> None:
    labels: list[Any] = []
    for name, color in LEAD_LABELS:
        created = lead_time(_ago(moment, 300))
        labels.append(
            {
                "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                "name": name,
                "color": color,
                "add_time": created,
                "update_time": created,
            }
        )
    store.put_many("lead_label", labels)
    leads: list[Any] = []
    for index in range(10):
        person = people[36 + index % 4] if index < 4 else people[index * 3]
        created = lead_time(_ago(moment, rng.randint(1, 40)))
        leads.append(
            new_lead_record(
                lead_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                title=f"{person['name']} lead"
                if not person["org_id"]
                else f"{ORGANIZATIONS[person['org_id'] - 1][0]} lead",
                person_id=person["id"],
                organization_id=person["org_id"],
                stamp=created,
                label_ids=[labels[index % 3]["id"]],
                archived=index == 9,
                value={"amount": rng.randrange(1000, 20000, 500), "currency": "USD"} if index % 2 else None,
                source=LEAD_SOURCES[index % len(LEAD_SOURCES)],
            )
        )
    store.put_many("lead", leads)


def new_lead_record(
    *,
    lead_id: str,
    title: str,
    person_id: int | None,
    organization_id: int | None,
    stamp: str,
    label_ids: list[str] | None = None,
    archived: bool = False,
    value: dict[str, Any] | None = None,
    owner_id: int = 1,
    source: tuple[str, str] = LEAD_SOURCES[0],
) -> Record:
    return {
        "id": lead_id,
        "title": title,
        "owner_id": owner_id,
        "creator_id": 1,
        "label_ids": label_ids or [],
        "person_id": person_id,
        "organization_id": organization_id,
        "source_name": source[0],
        "origin": source[1],
        "origin_id": None,
        "channel": None,
        "channel_id": None,
        "source_deal_id": None,
        "is_archived": archived,
        "was_seen": False,
        "value": value,
        "expected_close_date": None,
        "next_activity_id": None,
        "add_time": stamp,
        "update_time": stamp,
        "visible_to": "3",
        "cc_email": f"{COMPANY['domain']}+{lead_id[:8]}@pipedrivemail.com",
        "custom_fields": {},
    }


def _option_ids(store: Store, entity: str, code: str) -> list[int]:
    field = store.get(f"field:{entity}", code)
    return [option["id"] for option in as_array(as_object(field).get("options"))]
