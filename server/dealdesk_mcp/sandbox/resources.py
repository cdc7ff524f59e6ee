"""The sandbox's resources as data: where each lives in the URL space, how its ids look, how it is deleted.

One row per stored kind. The generic handlers (handlers.py) read these rows; what is particular to a
resource beyond them lives in rules.py (derived fields) and views.py (how it is served).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Resource:
    kind: str  # the store's kind
    label: str  # for messages: "Deal not found"
    ids: str = "int"  # "int" (a counter), "uuid", or "hex" (a short random-looking string)
    delete: str = "soft"  # "soft" (is_deleted), "flag" (active_flag false) or "hard"
    owner_key: str | None = "owner_id"  # set to the caller's user on create
    stamps: bool = True  # add_time / update_time kept up to date
    followers: str | None = None  # the key a follower record of this kind carries (v1 shape)


RESOURCES: dict[str, Resource] = {
    r.kind: r
    for r in [
        Resource("deal", "Deal", followers="deal_id"),
        Resource("person", "Person", followers="person_id"),
        Resource("organization", "Organization", followers="org_id"),
        Resource("product", "Product", followers="product_id"),
        Resource("activity", "Activity"),
        Resource("pipeline", "Pipeline", owner_key=None),
        Resource("stage", "Stage", owner_key=None),
        Resource("note", "Note", ids="int", delete="hard", owner_key="user_id"),
        Resource("comment", "Comment", ids="uuid", delete="hard", owner_key="user_id"),
        Resource("file", "File", delete="flag", owner_key="user_id"),
        Resource("lead", "Lead", ids="uuid", delete="hard"),
        Resource("lead_label", "Lead label", ids="uuid", delete="hard", owner_key=None),
        Resource("user", "User", delete="flag", owner_key=None, followers="user_id"),
        Resource("activity_type", "Activity type", delete="flag", owner_key=None),
        Resource("call_log", "Call log", ids="hex", delete="hard", owner_key="user_id"),
        Resource("channel", "Channel", delete="hard", owner_key=None),
        Resource("message", "Message", ids="hex", delete="hard", owner_key=None),
        Resource("filter", "Filter", delete="hard", owner_key="user_id"),
        Resource("goal", "Goal", ids="hex", delete="flag", owner_key="owner_id"),
        Resource("team", "Team", delete="flag", owner_key="created_by_user_id"),
        Resource("mail_thread", "Mail thread", delete="soft", owner_key="user_id"),
        Resource("mail_message", "Mail message", delete="soft", owner_key="user_id"),
        Resource("provider_link", "Provider link", ids="uuid", delete="hard", owner_key=None),
        Resource("org_relationship", "Organization relationship", delete="hard", owner_key=None),
        Resource("permission_set", "Permission set", ids="uuid", delete="hard", owner_key=None),
        Resource("project", "Project", delete="soft"),
        Resource("task", "Task", delete="soft", owner_key="creator_id"),
        Resource("board", "Board", delete="hard", owner_key=None),
        Resource("phase", "Phase", delete="hard", owner_key=None),
        Resource("project_template", "Project template", delete="hard"),
        Resource("role", "Role", delete="flag", owner_key=None),
        Resource("webhook", "Webhook", delete="hard", owner_key="user_id"),
        Resource("deal_product", "Product attachment", delete="hard", owner_key=None),
        Resource("discount", "Discount", ids="uuid", delete="hard", owner_key="created_by"),
        Resource("installment", "Installment", delete="hard", owner_key=None),
        Resource("variation", "Product variation", delete="hard", owner_key=None),
        Resource("participant", "Participant", delete="hard", owner_key="added_by_user_id"),
        Resource("follower", "Follower", delete="hard", owner_key=None, stamps=False),
        Resource("org_follower", "Follower", delete="hard", owner_key=None, stamps=False),
        Resource("role_assignment", "Role assignment", delete="hard", owner_key=None, stamps=False),
        Resource("product_image", "Product image", delete="hard", owner_key=None),
        Resource("picture", "Picture", delete="hard", owner_key="added_by_user_id"),
        Resource("conversion", "Conversion", ids="uuid", delete="hard", owner_key=None),
    ]
}

# URL collections -> kind. Two-segment collections come first so /projects/boards is not a project.
COLLECTIONS: dict[str, str] = {
    "projects/boards": "board",
    "projects/phases": "phase",
    "mailbox/mailThreads": "mail_thread",
    "mailbox/mailMessages": "mail_message",
    "meetings/userProviderLinks": "provider_link",
    "legacyTeams/user": "user",
    "deals": "deal",
    "persons": "person",
    "organizations": "organization",
    "products": "product",
    "activities": "activity",
    "pipelines": "pipeline",
    "stages": "stage",
    "notes": "note",
    "files": "file",
    "leads": "lead",
    "leadLabels": "lead_label",
    "users": "user",
    "activityTypes": "activity_type",
    "callLogs": "call_log",
    "channels": "channel",
    "filters": "filter",
    "goals": "goal",
    "legacyTeams": "team",
    "organizationRelationships": "org_relationship",
    "permissionSets": "permission_set",
    "projects": "project",
    "tasks": "task",
    "boards": "board",
    "phases": "phase",
    "projectTemplates": "project_template",
    "roles": "role",
    "webhooks": "webhook",
}

# (parent kind, URL segment) -> (child kind, the child's key naming the parent)
CHILDREN: dict[tuple[str, str], tuple[str, str]] = {
    ("deal", "files"): ("file", "deal_id"),
    ("person", "files"): ("file", "person_id"),
    ("organization", "files"): ("file", "org_id"),
    ("product", "files"): ("file", "product_id"),
    ("deal", "participants"): ("participant", "deal_id"),
    ("deal", "products"): ("deal_product", "deal_id"),
    ("deal", "discounts"): ("discount", "deal_id"),
    ("deal", "installments"): ("installment", "deal_id"),
    ("deal", "mailMessages"): ("mail_message", "deal_id"),
    ("person", "mailMessages"): ("mail_message", "person_id"),
    ("organization", "mailMessages"): ("mail_message", "org_id"),
    ("pipeline", "deals"): ("deal", "pipeline_id"),
    ("stage", "deals"): ("deal", "stage_id"),
    ("project", "tasks"): ("task", "project_id"),
    ("project", "activities"): ("activity", "project_id"),
    ("note", "comments"): ("comment", "object_id"),
    ("product", "variations"): ("variation", "product_id"),
    ("mail_thread", "mailMessages"): ("mail_message", "thread_id"),
    ("role", "assignments"): ("role_assignment", "role_id"),
    ("user", "roleAssignments"): ("role_assignment", "user_id"),
}

# Keys that name another record, for existence checks and for expanding ids into objects.
LINKS: dict[str, str] = {
    "deal_id": "deal",
    "person_id": "person",
    "org_id": "organization",
    "organization_id": "organization",
    "user_id": "user",
    "owner_id": "user",
    "creator_user_id": "user",
    "creator_id": "user",
    "assignee_id": "user",
    "manager_id": "user",
    "stage_id": "stage",
    "pipeline_id": "pipeline",
    "product_id": "product",
    "activity_id": "activity",
    "project_id": "project",
    "board_id": "board",
    "phase_id": "phase",
    "task_id": "task",
    "lead_id": "lead",
    "parent_task_id": "task",
    "rel_owner_org_id": "organization",
    "rel_linked_org_id": "organization",
    "parent_role_id": "role",
    "channel_id": "channel",
}

# Body keys whose ids must exist when given, per kind; absent kinds check every LINKS key they carry.
UNCHECKED_LINKS: dict[str, frozenset[str]] = {
    "message": frozenset({"channel_id"}),  # the channel's own provider id, not ours
    "provider_link": frozenset({"user_id"}),
    "webhook": frozenset(),
}


def resource(kind: str) -> Resource:
    return RESOURCES[kind]
