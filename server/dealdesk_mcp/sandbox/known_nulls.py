"""The one list of nulls the sandbox sends where Pipedrive's documents forget `nullable`.

Each entry is a property name and why the real API sends null for it. The projection (project.py) keeps
a null only for these names (elsewhere an unset, non-nullable property is left out), and the schema
checks in the tests (the sweep and the property-based runs) mark exactly these properties nullable.
The list holds only nulls the sandbox's answers were seen to carry where the document allows none;
tests/sandbox/test_schemas.py fails when an entry is no longer seen in the sweep.
"""

from __future__ import annotations

import copy
from typing import Any

from .jsontypes import is_array, is_object

KNOWN_NULLS: dict[str, str] = {
    "next_cursor": "the last page of a cursor list has no next cursor: Pipedrive sends null",
    "won_time": "an open or lost deal has no won time; Pipedrive sends null",
    "lost_time": "an open or won deal has no lost time; Pipedrive sends null",
    "org_id": "a person or deal without an organization: Pipedrive sends null",
    "person_id": "a deal or activity without a contact person: Pipedrive sends null",
    "deal_id": "an activity, note or file not on a deal: Pipedrive sends null",
    "lead_id": "a note, file or activity not on a lead: Pipedrive sends null",
    "project_id": "a note or activity not on a project: Pipedrive sends null",
    "expected_close_date": "unset on most deals and leads; Pipedrive sends null",
    "next_activity_date": "nothing scheduled: Pipedrive sends null",
    "next_activity_time": "nothing scheduled: Pipedrive sends null",
    "next_activity_subject": "nothing scheduled: Pipedrive sends null",
    "next_activity_type": "nothing scheduled: Pipedrive sends null",
    "next_activity_duration": "nothing scheduled: Pipedrive sends null",
    "due_date": "a task or activity without a due date: Pipedrive sends null",
    "due_time": "an activity for a whole day has no time: Pipedrive sends null",
    "duration": "an activity without a length: Pipedrive sends null",
    "marked_as_done_time": "an activity not done yet: Pipedrive sends null",
    "parent_task_id": "a top-level task has no parent: Pipedrive sends null",
    "description": "free text left empty: Pipedrive sends null",
    "picture_id": "a person without a picture: Pipedrive sends null",
    "label": "a deal without a label: Pipedrive sends null",
    "options": "a field without options (not enum or set): Pipedrive sends null",
    "subfields": "a field without subfields: Pipedrive sends null",
    "code": "a product without a code: Pipedrive sends null",
    "unit": "a product without a unit: Pipedrive sends null",
}


def nullable_known(schema: Any) -> Any:
    """A copy of an OpenAPI schema with the known-null properties marked nullable."""
    schema = copy.deepcopy(schema)
    _mark(schema)
    return schema


def _mark(node: Any) -> None:
    if is_array(node):
        for item in node:
            _mark(item)
        return
    if not is_object(node):
        return
    props = node.get("properties")
    if is_object(props):
        for name, sub in props.items():
            if name in KNOWN_NULLS and is_object(sub):
                sub["nullable"] = True
    for value in node.values():
        _mark(value)
