"""The rest of the seeded company: access (permission sets, roles, teams), goals, filters, webhooks,
mail, calls, deal products and participants, followers, files, projects with tasks, converted leads.

Deterministic like seed.py: the same generator, times relative to the seeding moment.
"""

from __future__ import annotations

import hashlib
import random
import uuid
from datetime import datetime, timedelta
from typing import Any

from .db import Record, Store
from .jsontypes import as_object
from .wire import v2_time

PERMISSION_SETS = [
    ("sales", "admin", "Sales admin"),
    ("sales", "manager", "Sales manager"),
    ("sales", "regular", "Sales regular"),
    ("projects", "regular", "Projects regular"),
]


def _uuid(seed: str) -> str:
    return str(uuid.UUID(bytes=hashlib.sha256(seed.encode()).digest()[:16], version=4))


def _put(store: Store, kind: str, rows: list[Record]) -> None:
    store.put_many(kind, rows)
    numeric = [r["id"] for r in rows if isinstance(r["id"], int)]
    store.set_counter(kind, max(numeric, default=len(rows)))


def seed_more(store: Store, rng: random.Random, moment: datetime, deals: list[Record]) -> None:
    def ago(days: float) -> str:
        return v2_time(moment - timedelta(days=days))

    users = store.all("user")
    sets = [
        {
            "id": _uuid(f"ps:{i}"),
            "name": name,
            "description": f"{name} access",
            "app": app,
            "type": kind,
            "contents": ["deals", "contacts"] if app == "sales" else ["projects"],
        }
        for i, (app, kind, name) in enumerate(PERMISSION_SETS)
    ]
    store.put_many("permission_set", sets)
    for user in users:
        user["access"] = [
            {
                "app": "sales",
                "admin": bool(user["is_admin"]),
                "permission_set_id": sets[0 if user["is_admin"] else 2]["id"],
            }
        ]
        store.put("user", user["id"], user)

    _put(
        store,
        "role",
        [
            {
                "id": 1,
                "name": "Sales lead",
                "parent_role_id": None,
                "active_flag": True,
                "level": 1,
                "add_time": ago(400),
                "update_time": ago(400),
            },
            {
                "id": 2,
                "name": "Account executive",
                "parent_role_id": 1,
                "active_flag": True,
                "level": 2,
                "add_time": ago(400),
                "update_time": ago(400),
            },
        ],
    )
    _put(
        store,
        "role_assignment",
        [{"id": u["id"], "user_id": u["id"], "role_id": 1 if u["is_admin"] else 2} for u in users],
    )
    _put(
        store,
        "team",
        [
            {
                "id": 1,
                "name": "North America",
                "description": "US and Canada accounts",
                "manager_id": 1,
                "users": [1, 2, 3],
                "active_flag": True,
                "deleted_flag": False,
                "add_time": ago(300),
                "created_by_user_id": 1,
            },
            {
                "id": 2,
                "name": "Europe",
                "description": "EMEA accounts",
                "manager_id": 4,
                "users": [4, 5],
                "active_flag": True,
                "deleted_flag": False,
                "add_time": ago(200),
                "created_by_user_id": 1,
            },
        ],
    )
    month_start = moment.replace(day=1).strftime("%Y-%m-%d")
    quarter_end = (moment + timedelta(days=90)).strftime("%Y-%m-%d")
    _put(
        store,
        "goal",
        [
            {
                "id": "goal0a1b2c3d4e5f60718293a4",
                "owner_id": 1,
                "title": "Won deals this quarter",
                "type": {"name": "deals_won", "params": {"pipeline_id": [1]}},
                "assignee": {"id": 1, "type": "company"},
                "interval": "monthly",
                "duration": {"start": month_start, "end": quarter_end},
                "expected_outcome": {"target": 10, "tracking_metric": "quantity"},
                "is_active": True,
                "report_ids": [],
            },
            {
                "id": "goal1b2c3d4e5f60718293a4b5",
                "owner_id": 1,
                "title": "Calls completed by Priya",
                "type": {"name": "activities_completed", "params": {"activity_type_id": [1]}},
                "assignee": {"id": 2, "type": "person"},
                "interval": "weekly",
                "duration": {"start": month_start, "end": quarter_end},
                "expected_outcome": {"target": 20, "tracking_metric": "quantity"},
                "is_active": True,
                "report_ids": [],
            },
        ],
    )
    _put(
        store,
        "filter",
        [
            {
                "id": 1,
                "name": "Big open deals",
                "type": "deals",
                "user_id": 1,
                "active_flag": True,
                "is_editable": True,
                "temporary_flag": False,
                "visible_to": 1,
                "custom_view_id": None,
                "filter_code": "filter_1",
                "add_time": ago(100),
                "update_time": ago(10),
                "last_used_time": ago(1),
                "conditions": {
                    "glue": "and",
                    "conditions": [
                        {
                            "glue": "and",
                            "conditions": [
                                {
                                    "object": "deal",
                                    "field_id": _field_id(store, "deal", "value"),
                                    "operator": ">",
                                    "value": 40000,
                                }
                            ],
                        },
                        {"glue": "or", "conditions": []},
                    ],
                },
            },
        ],
    )
    _put(
        store,
        "webhook",
        [
            {
                "id": 1,
                "company_id": 7001,
                "owner_id": 1,
                "user_id": 1,
                "admin_id": 1,
                "event_action": "create",
                "event_object": "deal",
                "subscription_url": "https://hooks.example/deals",
                "version": "1.0",
                "is_active": 1,
                "add_time": ago(50),
                "remove_time": None,
                "type": "general",
                "name": "New deals",
                "last_delivery_time": None,
                "last_http_status": None,
                "remove_reason": None,
            },
        ],
    )
    _mail(store, moment, deals)
    _calls(store, moment, deals)
    _deal_products(store, deals, ago)
    _followers_and_participants(store, deals, ago)
    _projects(store, ago, moment, deals)
    _files(store, ago, deals)
    _converted_leads(store, deals, ago)
    _put(
        store,
        "org_relationship",
        [
            {
                "id": 1,
                "type": "parent",
                "rel_owner_org_id": 1,
                "rel_linked_org_id": 2,
                "add_time": ago(90),
                "update_time": ago(90),
                "active_flag": "true",
                "calculated_type": "parent",
                "calculated_related_org_id": 2,
            },
        ],
    )
    _put(
        store,
        "channel",
        [
            {
                "id": 1,
                "name": "Sandbox chat (simulated)",
                "provider_channel_id": "sandbox-chat",
                "avatar_url": None,
                "template_support": False,
                "provider_type": "other",
                "pd_company_id": 7001,
                "marketplace_client_id": "sandbox-client",
                "is_active": True,
                "add_time": ago(30),
                "created_at": ago(30),
            },
        ],
    )


def _field_id(store: Store, entity: str, code: str) -> Any:
    field = store.get(f"field:{entity}", code)
    return field["v1_id"] if field else None


def _mail(store: Store, moment: datetime, deals: list[Record]) -> None:
    threads: list[Record] = []
    messages: list[Record] = []
    for n in range(1, 7):
        deal = deals[n * 4]
        sent = v2_time(moment - timedelta(days=n * 3))
        person = as_object(store.get("person", deal["person_id"]))
        email = (person.get("emails") or [{"value": "contact@example.com"}])[0]["value"]
        threads.append(
            {
                "id": n,
                "account_id": "sandbox-mailbox",
                "user_id": deal["owner_id"],
                "subject": f"Re: {deal['title']}",
                "snippet": "Thanks for the proposal, a few questions",
                "read_flag": 1 if n % 2 else 0,
                "folders": ["inbox"] if n % 3 else ["sent"],
                "deal_id": deal["id"],
                "deal_status": deal["status"],
                "lead_id": None,
                "message_count": 1,
                "has_attachments_flag": 0,
                "deleted_flag": 0,
                "archived_flag": 0,
                "shared_flag": 0,
                "synced_flag": 1,
                "smart_bcc_flag": 0,
                "is_deleted": False,
                "parties": {
                    "to": [{"email_address": email}],
                    "from": [{"email_address": "sales@northwind-analytics.example"}],
                },
                "last_message_timestamp": sent,
                "first_message_timestamp": sent,
                "add_time": sent,
                "update_time": sent,
            }
        )
        messages.append(
            {
                "id": n,
                "thread_id": n,
                "user_id": deal["owner_id"],
                "deal_id": deal["id"],
                "person_id": deal["person_id"],
                "org_id": deal["org_id"],
                "subject": f"Re: {deal['title']}",
                "snippet": "Thanks for the proposal, a few questions",
                "from": [{"email_address": email}],
                "to": [{"email_address": "sales@northwind-analytics.example"}],
                "cc": [],
                "bcc": [],
                "body_url": f"https://mail.sandbox.invalid/{n}",
                "body_text": "Simulated mail body",
                "message_time": sent,
                "add_time": sent,
                "update_time": sent,
                "is_deleted": False,
                "read_flag": 1,
                "mail_tracking_status": None,
                "sent_flag": 0 if n % 3 else 1,
            }
        )
    _put(store, "mail_thread", threads)
    _put(store, "mail_message", messages)


def _calls(store: Store, moment: datetime, deals: list[Record]) -> None:
    rows: list[Any] = []
    for n in range(1, 6):
        deal = deals[n * 5]
        start = moment - timedelta(days=n * 2, hours=3)
        rows.append(
            {
                "id": f"call{n:020d}",
                "user_id": deal["owner_id"],
                "activity_id": None,
                "subject": f"Call about {deal['title']}",
                "duration": "600",
                "outcome": "connected",
                "from_phone_number": "+1 555 0100",
                "to_phone_number": f"+1 555 01{n:02d}",
                "start_time": v2_time(start),
                "end_time": v2_time(start + timedelta(minutes=10)),
                "person_id": deal["person_id"],
                "org_id": deal["org_id"],
                "deal_id": deal["id"],
                "lead_id": None,
                "note": "Discussed pricing",
                "has_recording": False,
                "company_id": 7001,
                "add_time": v2_time(start),
                "update_time": v2_time(start),
            }
        )
    store.put_many("call_log", rows)
    store.set_counter("call_log", len(rows))


def _deal_products(store: Store, deals: list[Record], ago: Any) -> None:
    products = {p["id"]: p for p in store.all("product")}
    rows: list[Any] = []
    for deal in deals[:30]:
        product = products[(deal["id"] % len(products)) + 1]
        price = product["prices"][0]["price"]
        rows.append(
            {
                "id": len(rows) + 1,
                "deal_id": deal["id"],
                "product_id": product["id"],
                "name": product["name"],
                "item_price": price,
                "quantity": 1 + deal["id"] % 3,
                "discount": 0,
                "discount_type": "percentage",
                "tax": 0,
                "tax_method": "inclusive",
                "sum": price * (1 + deal["id"] % 3),
                "currency": deal["currency"],
                "is_enabled": True,
                "comments": None,
                "product_variation_id": None,
                "billing_frequency": product["billing_frequency"],
                "billing_frequency_cycles": None,
                "billing_start_date": None,
                "add_time": ago(20),
                "update_time": ago(20),
            }
        )
    _put(store, "deal_product", rows)


def _followers_and_participants(store: Store, deals: list[Record], ago: Any) -> None:
    followers: list[Record] = []
    participants: list[Record] = []
    for deal in deals[:12]:
        followers.append(
            {
                "id": len(followers) + 1,
                "parent_kind": "deal",
                "parent_key": "deal_id",
                "parent_id": deal["id"],
                "user_id": deal["owner_id"],
                "add_time": ago(30),
            }
        )
        participants.append(
            {
                "id": len(participants) + 1,
                "deal_id": deal["id"],
                "person_id": deal["person_id"],
                "added_by_user_id": deal["owner_id"],
                "active_flag": True,
                "add_time": ago(30),
                "update_time": ago(30),
            }
        )
    for org_id in (1, 2, 3):
        followers.append(
            {
                "id": len(followers) + 1,
                "parent_kind": "organization",
                "parent_key": "org_id",
                "parent_id": org_id,
                "user_id": 2,
                "add_time": ago(40),
            }
        )
    _put(store, "follower", followers)
    _put(store, "participant", participants)


def _projects(store: Store, ago: Any, moment: datetime, deals: list[Record]) -> None:
    _put(
        store,
        "board",
        [{"id": 1, "name": "Onboarding", "order_nr": 1, "add_time": ago(200), "update_time": ago(200)}],
    )
    _put(
        store,
        "phase",
        [
            {
                "id": i,
                "name": name,
                "board_id": 1,
                "order_nr": i,
                "add_time": ago(200),
                "update_time": ago(200),
            }
            for i, name in enumerate(["Kick-off", "Implementation", "Go-live"], start=1)
        ],
    )
    won = [d for d in deals if d["status"] == "won"][:2]
    projects: list[Any] = []
    for n, deal in enumerate(won, start=1):
        projects.append(
            {
                "id": n,
                "title": f"Onboarding: {deal['title']}",
                "description": "Roll-out after the won deal",
                "status": "open",
                "board_id": 1,
                "phase_id": n,
                "owner_id": deal["owner_id"],
                "start_date": ago(20)[:10],
                "end_date": (moment + timedelta(days=40)).strftime("%Y-%m-%d"),
                "deal_ids": [deal["id"]],
                "org_ids": [deal["org_id"]],
                "person_ids": [deal["person_id"]],
                "org_id": deal["org_id"],
                "person_id": deal["person_id"],
                "labels": [],
                "label_ids": [],
                "health_status": None,
                "is_deleted": False,
                "archive_time": None,
                "status_change_time": None,
                "add_time": ago(20),
                "update_time": ago(5),
                "custom_fields": {},
            }
        )
    _put(store, "project", projects)
    tasks: list[Any] = []
    for project in projects:
        for title, done in (
            ("Kick-off call", True),
            ("Connect data sources", False),
            ("Train the team", False),
        ):
            tasks.append(
                {
                    "id": len(tasks) + 1,
                    "title": title,
                    "project_id": project["id"],
                    "description": None,
                    "parent_task_id": None,
                    "assignee_id": project["owner_id"],
                    "assignee_ids": [project["owner_id"]],
                    "done": 1 if done else 0,
                    "is_done": done,
                    "is_milestone": False,
                    "due_date": (moment + timedelta(days=len(tasks) * 4 - 4)).strftime("%Y-%m-%d"),
                    "creator_id": 1,
                    "is_deleted": False,
                    "add_time": ago(20),
                    "update_time": ago(3),
                    "marked_as_done_time": ago(10) if done else None,
                }
            )
    _put(store, "task", tasks)
    _put(
        store,
        "project_template",
        [
            {
                "id": 1,
                "title": "Standard onboarding",
                "description": "Three phases from kick-off to go-live",
                "projects_board_id": 1,
                "owner_id": 1,
                "add_time": ago(300),
                "update_time": ago(300),
            },
        ],
    )


def _files(store: Store, ago: Any, deals: list[Record]) -> None:
    rows: list[Any] = []
    for n, deal in enumerate(deals[:4], start=1):
        content = f"Proposal for {deal['title']}\n".encode() * 20
        name = f"proposal-{deal['id']}.txt"
        rows.append(
            {
                "id": n,
                "user_id": deal["owner_id"],
                "deal_id": deal["id"],
                "person_id": None,
                "org_id": None,
                "product_id": None,
                "activity_id": None,
                "lead_id": None,
                "project_id": None,
                "add_time": ago(15),
                "update_time": ago(15),
                "file_name": name,
                "name": name,
                "file_size": len(content),
                "active_flag": True,
                "inline_flag": False,
                "remote_location": "s3",
                "remote_id": None,
                "cid": None,
                "s3_bucket": None,
                "mail_message_id": None,
                "mail_template_id": None,
                "description": None,
                "file_type": "txt",
                "url": f"/api/v1/files/{n}/download",
            }
        )
        store.put_blob(n, content)
    _put(store, "file", rows)


def _converted_leads(store: Store, deals: list[Record], ago: Any) -> None:
    """Three of the open deals came from leads: the leads are archived and point at their deals."""
    leads = store.all("lead")
    for lead, deal in zip(leads[:3], [d for d in deals if d["status"] == "open"][:3], strict=False):
        lead.update(is_archived=True, source_deal_id=deal["id"], converted_to_deal_id=deal["id"])
        store.put("lead", lead["id"], lead)
        deal.update(source_lead_id=lead["id"], origin="Lead")
        store.put("deal", deal["id"], deal)
