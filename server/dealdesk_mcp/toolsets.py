"""The toolsets, as one table: name, what they cover, and whether the default selection has them.

The generator assigns each operation to one of these (tests/test_catalog.py proves every toolset in
tool_schemas/ is here, and every row here has tools); the README's table says the same.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

# In the default selection: all its tools, only its reading tools, or none.
DefaultPart = Literal["all", "reads", "none"]


@dataclass(frozen=True, slots=True)
class Toolset:
    name: str
    summary: str
    default: DefaultPart = "none"
    # Tools of a default toolset that everyday work rarely needs: left out of the default selection (as
    # its deprecated tools are), offered when the toolset is named or enabled during a session.
    occasional: tuple[str, ...] = ()


TOOLSETS: tuple[Toolset, ...] = (
    Toolset(
        "deals",
        "deals: list, search, create, update (stage moves too), summaries",
        default="all",
        occasional=(
            "get_archived_deals",
            "get_deals_timeline",
            "duplicate_deal",
            "convert_deal_to_lead",
            "get_deal_conversion_status",
            "get_deal_participants",
            "add_deal_participant",
        ),
    ),
    Toolset(
        "persons",
        "people: list, search, create, update",
        default="all",
        occasional=("get_person_products", "add_person_picture", "get_person_picture"),
    ),
    Toolset("organizations", "organizations: list, search, create, update", default="all"),
    Toolset("activities", "calls, meetings, tasks and other activities", default="all"),
    Toolset(
        "notes",
        "notes on deals, people, organizations and leads, and their comments",
        default="all",
        occasional=("get_note_comments", "add_note_comment", "update_comment_for_note", "get_comment"),
    ),
    Toolset(
        "leads",
        "leads: list, search, create, update, convert",
        default="all",
        occasional=("get_archived_leads",),
    ),
    Toolset(
        "search", "one search over every kind of item", default="all", occasional=("search_item_by_field",)
    ),
    Toolset(
        "pipelines",
        "pipelines, their stages' order, conversion and movement figures",
        default="reads",
        occasional=("get_pipeline_conversion_statistics", "get_pipeline_movement_statistics"),
    ),
    Toolset("stages", "stages of the pipelines", default="reads"),
    Toolset(
        "files",
        "files attached to items: upload from disk, download, remote links",
        default="all",
        occasional=("add_file_and_link_it", "link_file_to_item", "update_file"),
    ),
    Toolset("deal_products", "products, discounts and installments on deals"),
    Toolset("products", "the product catalogue, variations and images"),
    Toolset("organization_relationships", "parent, daughter and related organizations"),
    Toolset("activity_types", "the kinds of activity an account uses"),
    Toolset("lead_labels", "lead labels and lead sources"),
    Toolset("projects", "projects, boards, phases, templates and tasks"),
    Toolset("users", "users, and who may see an item"),
    Toolset("roles", "roles and permission sets"),
    Toolset("teams", "legacy teams"),
    Toolset("filters", "saved filters"),
    Toolset("goals", "goals and their results"),
    Toolset("mail", "mail threads and messages"),
    Toolset("call_logs", "call logs and their recordings"),
    Toolset("webhooks", "webhooks"),
    Toolset("followers", "who follows deals, people, organizations, products"),
    Toolset("history", "changelogs and update flows of items"),
    Toolset("fields", "every *Fields catalogue: custom fields and their options"),
    Toolset("channels", "messaging channels (integrations)"),
    Toolset("meetings", "meeting integrations"),
    Toolset("account", "billing add-ons, currencies, recent changes"),
    # Making objects, attributes, options and statuses is workspace set-up, like Pipedrive's fields
    # toolset: the default reads them (records need their slugs), `--toolsets attio_attributes` writes.
    Toolset("attio_objects", "Attio objects and their views", default="reads"),
    Toolset("attio_attributes", "Attio attributes, select options and statuses", default="reads"),
    Toolset("attio_records", "Attio records: query, create, assert (upsert), update", default="all"),
    Toolset("attio_lists", "Attio lists and their views", default="all"),
    Toolset("attio_entries", "entries of Attio lists", default="all"),
    Toolset("attio_notes", "Attio notes", default="all"),
    Toolset("attio_tasks", "Attio tasks", default="all"),
    Toolset("attio_threads", "Attio comment threads", default="all"),
    Toolset("attio_comments", "Attio comments", default="all"),
    Toolset("attio_meetings", "Attio meetings", default="all"),
    Toolset("attio_call_recordings", "Attio call recordings", default="all"),
    Toolset("attio_transcripts", "Attio call transcripts", default="all"),
    Toolset("attio_files", "Attio files and folders", default="all"),
    Toolset("attio_webhooks", "Attio webhooks"),
    Toolset("attio_workspace_members", "Attio workspace members", default="all"),
    Toolset("attio_meta", "who the Attio key belongs to", default="all"),
    Toolset("attio_scim", "Attio SCIM users and groups"),
)
BY_NAME = {t.name: t for t in TOOLSETS}
DEFAULTS = tuple(t.name for t in TOOLSETS if t.default != "none")


# Groups of the server's own tools that --toolsets names like toolsets (not in the default; `all` has them).
@dataclass(frozen=True, slots=True)
class ServerGroup:
    name: str
    summary: str
    # The API its tools read.
    api: str


SERVER_GROUPS = {
    g.name: g
    for g in (
        ServerGroup(
            "reports", "pipeline, forecast, win/loss, stale-deal, activity and lead reports", "pipedrive"
        ),
    )
}
# Names that stand for several toolsets in --toolsets.
ALL = "all"
DEFAULT = "default"


def groups_named(names: Iterable[str]) -> frozenset[str]:
    """The server groups a --toolsets list names, itself or through `all`."""
    chosen = {n.strip().lower() for n in names}
    return frozenset(g for g in SERVER_GROUPS if g in chosen or ALL in chosen)
