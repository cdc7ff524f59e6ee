"""Calling every documented Pipedrive operation against a running sandbox, with valid arguments.

Path ids come from the seeded company or from earlier answers; required query parameters and bodies are
built from the documents' schemas. Creates run first (so children exist), deletes last, children before
parents. Each answer is kept with the operation for the checks in test_schemas.py.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx
import jsonschema

from dealdesk_mcp.sandbox.inputs import json_schema
from dealdesk_mcp.sandbox.known_nulls import nullable_known
from dealdesk_mcp.sandbox.project import merged
from dealdesk_mcp.sandbox.spec import Operation, api_operations
from tests.contract.argbuilder import value_for

ORDER = {"POST": 0, "GET": 1, "PUT": 2, "PATCH": 2, "DELETE": 3}


@dataclass
class Outcome:
    op: Operation
    status: int
    body: Any
    url: str


def format_checker() -> jsonschema.FormatChecker:
    import re
    from datetime import date, datetime

    checker = jsonschema.FormatChecker(formats=())

    @checker.checks("date-time", raises=ValueError)
    def _datetime(value: object) -> bool:
        if not isinstance(value, str):
            return True
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})", value):
            raise ValueError(value)
        datetime.fromisoformat(value.replace("Z", "+00:00"))
        return True

    @checker.checks("date", raises=ValueError)
    def _date(value: object) -> bool:
        if isinstance(value, str):
            date.fromisoformat(value)
        return True

    @checker.checks("uuid", raises=ValueError)
    def _uuid(value: object) -> bool:
        import uuid

        if isinstance(value, str):
            uuid.UUID(value)
        return True

    return checker


def validator(op: Operation, status: int) -> jsonschema.Draft4Validator | None:
    schema = op.response_schema(status)
    if schema is None:
        return None
    return jsonschema.Draft4Validator(json_schema(nullable_known(schema)), format_checker=format_checker())


class Sweep:
    def __init__(self, client: httpx.Client) -> None:
        self.client = client
        self.made: dict[str, Any] = {}

    # -- ids ----------------------------------------------------------------------------------------

    def _first(self, path: str, key: str = "id", params: dict[str, Any] | None = None) -> Any:
        answer = self.client.get(path, params=params or {}).json()
        data = answer.get("data")
        if isinstance(data, dict):
            data = data.get("items") or data.get("goals") or [data]
        for item in data or []:
            if isinstance(item, dict) and key in item:
                return item[key]
        return None

    def ids(self) -> dict[str, Any]:
        c = self._first
        fields = {}
        for path in (
            "dealFields",
            "personFields",
            "organizationFields",
            "productFields",
            "projectFields",
            "activityFields",
        ):
            rows = self.client.get(f"/api/v2/{path}", params={"limit": 500}).json()["data"]
            custom = [f for f in rows if f["is_custom_field"] and f["field_type"] in ("enum", "set")]
            fields[path] = (custom or rows)[0]["field_code"]
        return {
            "deal": 1,
            "person": 1,
            "organization": 1,
            "product": 1,
            "activity": 1,
            "pipeline": 1,
            "stage": 1,
            "note": 1,
            "file": 1,
            "user": 1,
            "lead": c("/api/v1/leads"),
            "lead_label": c("/api/v1/leadLabels"),
            "activity_type": 1,
            "call_log": c("/api/v1/callLogs"),
            "filter": 1,
            "goal": c("/api/v1/goals/find"),
            "team": 1,
            "mail_thread": 1,
            "mail_message": 1,
            "org_relationship": 1,
            "permission_set": c("/api/v1/permissionSets"),
            "project": 1,
            "task": 1,
            "board": 1,
            "phase": 1,
            "project_template": 1,
            "role": 1,
            "webhook": 1,
            "channel": 1,
            "fields": fields,
            "provider_link": "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b",
        }


def path_for(op: Operation, ids: dict[str, Any], made: dict[str, Any]) -> str:
    from dealdesk_mcp.sandbox.handlers import split

    parts = split(op)
    kind = parts[0] if parts else None
    names = {
        "follower_id": made.get(f"follower:{op.version}:{op.template.split('/')[1]}", 1),
        "product_attachment_id": made.get("deal_product", 1),
        "discount_id": made.get("discount"),
        "installment_id": made.get("installment"),
        "product_variation_id": made.get("variation"),
        "conversion_id": made.get(f"conversion:{op.template.split('/')[1]}"),
        "commentId": made.get("comment"),
        "deal_participant_id": made.get("participant", 1),
        "activityId": made.get("project_activity", 1),
        "taskId": 1,
        "channel-id": 1,
        "conversation-id": "sandbox-conversation",
        "field_code": ids["fields"].get(op.template.split("/")[1], "id"),
    }
    out = []
    for segment in op.template.strip("/").split("/"):
        if segment.startswith("{"):
            name = segment[1:-1]
            if name == "id":
                if op.template.startswith(
                    ("/dealFields", "/personFields", "/organizationFields", "/productFields")
                ):
                    value: Any = made.get(f"v1field:{op.template.split('/')[1]}", 1)
                elif op.template.startswith("/legacyTeams/user"):
                    value = 1
                else:
                    exact = op.template.count("/") == 2
                    value = made.get(f"created:{kind}") if op.method == "DELETE" and exact else None
                    value = value if value is not None else ids.get(kind or "", 1)
            else:
                value = names.get(name, 1)
            out.append(str(value))
        else:
            out.append(segment)
    return f"/api/{op.version}/" + "/".join(out)


QUERY_VALUES: dict[str, Any] = {
    "term": "acme",
    "start_date": "2020-01-01",
    "end_date": "2035-12-31",
    "folder": "inbox",
    "interval": "month",
    "amount": 3,
    "field_key": "add_time",
    "since_timestamp": "2000-01-01 00:00:00",
    "period.start": "2000-01-01",
    "period.end": "2035-12-31",
    "org_id": 1,
    "board_id": 1,
    "deal_ids": "1,2,3",
    "entity_type": "deal",
    "field": "title",
    "ids": None,
}
BODY_VALUES: dict[str, Any] = {
    "person_id": 2,
    "org_id": 2,
    "deal_id": 2,
    "user_id": 5,
    "owner_id": 1,
    "product_id": 2,
    "stage_id": 2,
    "pipeline_id": 1,
    "project_id": 1,
    "board_id": 1,
    "phase_id": 1,
    "rel_owner_org_id": 3,
    "rel_linked_org_id": 4,
    "merge_with_id": 3,
    "item_type": "deal",
    "item_id": 2,
    "type": None,
    "color": "blue",
    "email": "new.user@northwind-analytics.example",
    "users": [2],
    "activity_id": None,
    "lead_id": None,
    "parent_task_id": None,
    "parent_role_id": None,
    "label_ids": None,
    "deal_ids": [1],
    "template_id": None,
    "product_variation_id": None,
    "assignee_id": 2,
    "assignee_ids": [2],
    "manager_id": 1,
    "start_time": "2024-05-17T09:30:00Z",
    "end_time": "2024-05-17T09:40:00Z",
    "setting_key": "deal_default_visibility",
    "remote_location": "googledrive",
    "field_type": "enum",
    "field_name": "Sweep field",
    "name": "Sweep item",
    "options": [{"label": "A"}, {"label": "B"}],
    "conditions": {"glue": "and", "conditions": []},
}


def body_for(op: Operation) -> tuple[dict[str, Any], Any]:
    """(httpx keyword arguments, the body value) for an operation's documented body."""
    if op.body_schema is None:
        return {}, None
    schema = merged(json_schema(op.body_schema))
    if schema.get("type") == "array":
        items = merged(schema.get("items") or {})
        if "id" in (items.get("properties") or {}):
            option = OPTIONS.get(op.template.split("/")[1], -1)
            return {"json": [{"id": option, "label": "Renamed option"}]}, None
        return {"json": [{"label": "Option C"}]}, None
    props = schema.get("properties") or {}
    required = set(schema.get("required") or [])
    body: dict[str, Any] = {}
    files: dict[str, Any] = {}
    for name, sub in props.items():
        raw = (merged(op.body_schema).get("properties") or {}).get(name) or {}
        if raw.get("format") == "binary":
            files[name] = ("picture.png", b"\x89PNG\r\n\x1a\n" + b"0" * 64, "image/png")
            continue
        if name in BODY_VALUES:
            if BODY_VALUES[name] is not None:
                body[name] = BODY_VALUES[name]
            elif name in required:
                body[name] = value_for(sub, name)
        elif name in required:
            body[name] = value_for(_deep_merge(sub), name)
    if op.operation_id == "addOrUpdateRoleSetting":
        body["value"] = 3
    if op.version == "v2" and op.template.endswith("/followers"):
        body["user_id"] = 4
    if op.operation_id == "addManyDealProducts":
        body["data"] = [{"product_id": 3, "item_price": 100, "quantity": 2}]
    if op.operation_id in ("addGoal",):
        body.update(
            type={"name": "deals_won", "params": {"pipeline_id": [1]}},
            assignee={"id": 1, "type": "person"},
            expected_outcome={"target": 5, "tracking_metric": "quantity"},
            duration={"start": "2024-01-01", "end": "2030-12-31"},
            interval="monthly",
        )
    if op.operation_id == "addOrganizationRelationship":
        body["type"] = "parent"
    if op.operation_id in ("postAdditionalDiscount",):
        body["type"] = "percentage"
    if op.operation_id in ("addCallLog",):
        body["outcome"] = "connected"
    if op.operation_id == "addActivity":
        body["type"] = "call"
    if op.operation_id == "addFile":
        body.pop("deal_id", None)  # a file on a person alone: its answer carries the known null deal_id
    if op.operation_id == "addFileAndLinkIt":
        body.update(file_type="gdoc", title="Plan")
    if op.operation_id == "linkFileToItem":
        body["remote_id"] = "drive-123"
    if op.operation_id == "receiveMessage":
        body.update(
            channel_id="1",
            id="m1",
            conversation_id="sandbox-conversation",
            sender_id="s1",
            message="Hello",
            status="sent",
            created_at="2024-05-17 09:30",
        )
    if op.operation_id == "addWebhook":
        body.update(event_action="create", event_object="deal", subscription_url="https://example.com/hook")
    if op.body_media == "multipart/form-data":
        return {"data": {k: str(v) for k, v in body.items()}, "files": files or None}, body
    if op.body_media == "application/x-www-form-urlencoded":
        return {"data": {k: str(v) for k, v in body.items()}}, body
    return {"json": body}, body


def _deep_merge(schema: Any) -> Any:
    if isinstance(schema, dict):
        schema = merged(schema)
        return {k: _deep_merge(v) for k, v in schema.items()}
    if isinstance(schema, list):
        return [_deep_merge(v) for v in schema]
    return schema


def query_for(op: Operation) -> dict[str, Any]:
    out = {}
    for param in op.params:
        if param.location != "query":
            continue
        if param.name in QUERY_VALUES and (param.required or param.name in ("start_date", "end_date")):
            if QUERY_VALUES[param.name] is not None:
                out[param.name] = QUERY_VALUES[param.name]
        elif param.required:
            out[param.name] = value_for(param.schema, param.name)
    return out


OPTIONS: dict[str, Any] = {}


def _sort_key(op: Operation) -> tuple[int, int, str]:
    depth = op.template.count("/")
    # merges and conversions remove their item: they run with the deletes
    order = 3 if op.template.endswith(("/merge", "/convert/lead", "/convert/deal")) else ORDER[op.method]
    if op.method == "DELETE" and "/options" in op.template:
        order = 2
    return (order, -depth if op.method == "DELETE" else depth, op.template)


def run(client: httpx.Client) -> list[Outcome]:
    sweep = Sweep(client)
    ids = sweep.ids()
    made = sweep.made
    outcomes = []
    for op in sorted(api_operations(), key=_sort_key):
        url = path_for(op, ids, made)
        kwargs, _ = body_for(op)
        params = query_for(op)
        if op.method == "DELETE" and op.param("ids") and "ids" not in params:
            params["ids"] = _bulk_ids(client, op, made)
        answer = client.request(op.method, url, params=params, **kwargs)
        try:
            body = answer.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            body = answer.content
        outcomes.append(Outcome(op, answer.status_code, body, url))
        _remember(op, body, made, answer.status_code)
    return outcomes


def _bulk_ids(client: httpx.Client, op: Operation, made: dict[str, Any]) -> str:
    """Something to delete in bulk: a fresh item made for the purpose."""
    from dealdesk_mcp.sandbox.handlers import split

    head = op.template.split("/")[1]
    if head.endswith("Fields"):
        made_field = client.post(f"/api/v1/{head}", json={"name": "Bulk", "field_type": "varchar"}).json()
        return str(made_field["data"]["id"])
    parts = split(op)
    if parts and parts[0] == "filter":
        answer = client.post(
            "/api/v1/filters",
            json={"name": "Bulk", "type": "deals", "conditions": {"glue": "and", "conditions": []}},
        ).json()
        return str(answer["data"]["id"])
    return "1"


def _remember(op: Operation, body: Any, made: dict[str, Any], status: int) -> None:
    if status >= 300 or not isinstance(body, dict) or op.method != "POST":
        return
    data = body.get("data")
    if isinstance(data, dict) and "goal" in data:
        data = data["goal"]
    if isinstance(data, list):
        data = data[0] if data and isinstance(data[0], dict) else None
    if not isinstance(data, dict):
        return
    head = op.template.split("/")[1]
    tail = op.template.rsplit("/", 1)[-1]
    key = {
        "products": "deal_product",
        "discounts": "discount",
        "installments": "installment",
        "variations": "variation",
        "comments": "comment",
        "participants": "participant",
    }.get(tail)
    if tail == "options":
        if isinstance(body.get("data"), list) and body["data"]:
            OPTIONS[head] = body["data"][0]["id"]
    elif tail == "followers":
        made[f"follower:{op.version}:{head}"] = data.get("id") if op.version == "v1" else data.get("user_id")
    elif key and "{" in op.template:
        made[key] = data.get("id") or data.get("uuid")
    elif tail == "lead" or tail == "deal":
        made[f"conversion:{head}"] = data.get("conversion_id")
    elif tail == "options" and isinstance(body.get("data"), list):
        OPTIONS[head] = body["data"][0]["id"]
    elif "{" not in op.template and op.template.count("/") == 1 and "id" in data:
        from dealdesk_mcp.sandbox.handlers import split

        parts = split(op)
        if parts:
            made[f"created:{parts[0]}"] = data["id"]
        if head.endswith("Fields") and op.version == "v1":
            made[f"v1field:{head}"] = data["id"]
