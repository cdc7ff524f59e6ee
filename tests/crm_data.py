"""Realistic Pipedrive v2 deals with custom fields, shaped like the documents' own answer examples."""

from __future__ import annotations

import hashlib
from typing import Any


def field_key(name: str) -> str:
    return hashlib.sha1(name.encode()).hexdigest()  # 40 hex characters, like Pipedrive's keys


CUSTOM_FIELDS = [
    {
        "field_name": "Region",
        "field_type": "enum",
        "options": [{"id": 11, "label": "EMEA"}, {"id": 12, "label": "APAC"}],
    },
    {"field_name": "Lead source", "field_type": "varchar", "options": None},
    {"field_name": "Contract value", "field_type": "monetary", "options": None},
    {"field_name": "Renewal date", "field_type": "date", "options": None},
    {
        "field_name": "Products of interest",
        "field_type": "set",
        "options": [{"id": 21, "label": "CRM"}, {"id": 22, "label": "Phone"}],
    },
    {"field_name": "Account manager notes", "field_type": "text", "options": None},
    {"field_name": "Partner", "field_type": "varchar", "options": None},
    {"field_name": "Health score", "field_type": "double", "options": None},
]
for spec in CUSTOM_FIELDS:
    spec["field_code"] = field_key(spec["field_name"])


def deal_fields_answer() -> dict[str, Any]:
    return {"success": True, "data": CUSTOM_FIELDS, "additional_data": {"next_cursor": None}}


def deal(i: int) -> dict[str, Any]:
    keys = [f["field_code"] for f in CUSTOM_FIELDS]
    return {
        "id": i,
        "title": f"Deal {i} with Company {i % 37}",
        "creator_user_id": 1001,
        "owner_id": 1000 + i % 5,
        "value": 1000 + i * 10,
        "person_id": 5000 + i,
        "org_id": 7000 + i % 37,
        "stage_id": 1 + i % 6,
        "pipeline_id": 1 + i % 2,
        "currency": "EUR",
        "archive_time": None,
        "add_time": f"2025-03-{1 + i % 28:02d}T09:{i % 60:02d}:00Z",
        "update_time": f"2025-06-{1 + i % 28:02d}T14:{i % 60:02d}:13Z",
        "stage_change_time": f"2025-05-{1 + i % 28:02d}T08:00:{i % 60:02d}Z",
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
        "expected_close_date": f"2025-09-{1 + i % 28:02d}",
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
            keys[0]: 11 + i % 2,
            keys[1]: "Web form" if i % 3 else None,
            keys[2]: {"value": 5000 + i, "currency": "EUR"},
            keys[3]: "2026-01-15" if i % 2 else None,
            keys[4]: [21, 22] if i % 4 == 0 else None,
            keys[5]: None,
            keys[6]: None,
            keys[7]: round(0.5 + (i % 10) / 20, 2),
        },
    }


def deals_page(start: int, limit: int, total: int) -> dict[str, Any]:
    ids = range(start + 1, min(total, start + limit) + 1)
    more = start + limit < total
    return {
        "success": True,
        "data": [deal(i) for i in ids],
        "additional_data": {"next_cursor": str(start + limit) if more else None},
    }


def _versioned(attribute_type: str, **value: Any) -> list[dict[str, Any]]:
    return [
        {
            "active_from": "2025-02-11T10:04:33.120000000Z",
            "active_until": None,
            "created_by_actor": {"type": "workspace-member", "id": "50cf242c-7fa3-4cad-87d0-75b1af71c57b"},
            **value,
            "attribute_type": attribute_type,
        }
    ]


def attio_person(i: int) -> dict[str, Any]:
    """An Attio person record as GET/POST record endpoints answer it: versioned values per attribute."""
    return {
        "id": {
            "workspace_id": "14beef7a-99f7-4534-a87e-70b564330a4c",
            "object_id": "97052eb9-e65e-443f-a297-f2d9a4a7f795",
            "record_id": f"bf071e1f-6035-429d-b874-{i:012d}",
        },
        "created_at": "2025-02-11T10:04:33.120000000Z",
        "web_url": f"https://app.attio.com/acme/person/bf071e1f-6035-429d-b874-{i:012d}/overview",
        "values": {
            "name": _versioned(
                "personal-name", first_name="Ada", last_name=f"Lovelace {i}", full_name=f"Ada Lovelace {i}"
            ),
            "email_addresses": _versioned(
                "email-address",
                original_email_address=f"ada{i}@example.com",
                email_address=f"ada{i}@example.com",
                email_domain="example.com",
                email_root_domain="example.com",
                email_local_specifier=f"ada{i}",
            ),
            "company": _versioned(
                "record-reference",
                target_object="companies",
                target_record_id=f"a1b2c3d4-0000-4000-8000-{i % 7:012d}",
            ),
            "job_title": _versioned("text", value="Engineer"),
            "stage": _versioned(
                "status",
                status={
                    "id": {
                        "workspace_id": "14beef7a",
                        "object_id": "97052eb9",
                        "attribute_id": "s1",
                        "status_id": "st2",
                    },
                    "title": "Qualified",
                    "is_archived": False,
                    "celebration_enabled": False,
                    "target_time_in_status": None,
                },
            ),
            "description": [],
            "phone_numbers": [],
            "twitter": [],
            "linkedin": [],
        },
    }
