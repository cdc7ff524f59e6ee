"""What differs between the APIs we serve, as data: one profile per API, nothing else branches on its name.

Adding an API is a new profile here and a new document in specs/ (plus its rows in the generator's
sources): the engine reads everything else from the profile and from each tool's route.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from dealdesk_mcp.config import Settings

# How a credential travels: a fixed header, or `Authorization: Bearer` (static key or OAuth access token).
CredentialStyle = Literal["header", "bearer"]
# How answers keep record values: plain fields, or Attio's lists of versioned values per attribute.
ValueStyle = Literal["plain", "versioned"]


@dataclass(frozen=True, slots=True)
class ErrorHint:
    """Advice added to an API error whose cause the API's own words leave implicit."""

    path: re.Pattern[str]
    message: re.Pattern[str]
    hint: str


@dataclass(frozen=True, slots=True)
class ApiProfile:
    name: str
    origin: str
    # The credential from the settings (None: not configured) and how it travels.
    credential: str | None
    credential_style: CredentialStyle
    credential_header: str
    # Which variables to set, named in the error a call without credentials gets.
    credential_hint: str
    # Largest page the API serves when an operation's document gives no maximum.
    page_size_max: int
    # Where a cursor list answer names its next cursor: (container key, cursor key) pairs, tried in order.
    cursor_at: tuple[tuple[str, str], ...]
    value_style: ValueStyle = "plain"
    # Custom fields keyed by 40-character hashes, named through the *Fields tools (tool per entity), and
    # which entity a tool's path is about (its first group).
    fields_tools: Mapping[str, str] = field(default_factory=dict[str, str])
    entity_path: re.Pattern[str] | None = None
    error_hints: tuple[ErrorHint, ...] = ()
    # OAuth refresh (Pipedrive): the token endpoint; None for APIs we reach with a static key only.
    oauth_token_url: str | None = None
    # Hosts an OAuth token answer may move us to (`api_domain`), besides the configured origin.
    api_domain_suffix: str | None = None
    # The tool that says who the credential belongs to, and which of its answer's keys to show.
    identity_tool: str | None = None
    identity_keys: tuple[str, ...] = ()


PIPEDRIVE_FIELDS_TOOLS = {
    "deals": "get_deal_fields",
    "leads": "get_deal_fields",  # leads carry the deal fields
    "persons": "get_person_fields",
    "organizations": "get_organization_fields",
    "products": "get_product_fields",
    "activities": "get_activity_fields",
    "projects": "get_project_fields",
}

GOOGLE_DRIVE_HINT = ErrorHint(
    path=re.compile(r"^/api/v1/files/remote"),
    # Word boundaries: "pipedrive" contains "drive", and a plain 403 is not about Google Drive.
    message=re.compile(
        r"\bgoogle\b|\bgdrive\b|\bdrive (?:is )?not (?:connected|linked|authori[sz]ed)\b", re.I
    ),
    hint=(
        "To create or link Google Drive files, connect Google Drive to the Pipedrive account first "
        "(Pipedrive > Tools and apps > Google Drive), then try again."
    ),
)


def entity_of(profile: ApiProfile, path: str) -> str | None:
    """The entity (deals, persons ...) whose custom fields a tool's answers and bodies carry, if any."""
    match = profile.entity_path.match(path) if profile.entity_path else None
    return match.group(1) if match else None


def profiles(settings: Settings) -> dict[str, ApiProfile]:
    pipedrive_token = settings.pipedrive_api_token
    oauth = bool(settings.pipedrive_access_token or settings.pipedrive_refresh_token) and not pipedrive_token
    return {
        "pipedrive": ApiProfile(
            name="pipedrive",
            origin=settings.pipedrive_origin,
            credential=pipedrive_token,
            credential_style="bearer" if oauth else "header",
            credential_header="x-api-token",
            credential_hint=(
                "set PIPEDRIVE_API_TOKEN (Pipedrive > Settings > Personal preferences > API), "
                "or PIPEDRIVE_ACCESS_TOKEN with PIPEDRIVE_REFRESH_TOKEN, PIPEDRIVE_CLIENT_ID and "
                "PIPEDRIVE_CLIENT_SECRET for OAuth"
            ),
            page_size_max=500,
            cursor_at=(("additional_data", "next_cursor"),),
            fields_tools=PIPEDRIVE_FIELDS_TOOLS,
            entity_path=re.compile(
                r"^/api/v[12]/(deals|persons|organizations|products|activities|projects|leads)(?:/|$)"
            ),
            error_hints=(GOOGLE_DRIVE_HINT,),
            oauth_token_url=settings.pipedrive_oauth_token_url,
            api_domain_suffix=".pipedrive.com",
            identity_tool="get_current_user",
            identity_keys=("id", "name", "email", "company_id", "company_name", "company_domain"),
        ),
        "attio": ApiProfile(
            name="attio",
            origin=settings.attio_base_url,
            credential=settings.attio_api_key,
            credential_style="bearer",
            credential_header="authorization",
            credential_hint="set ATTIO_API_KEY (Attio > Workspace settings > Developers)",
            page_size_max=500,
            cursor_at=(("pagination", "next_cursor"),),
            value_style="versioned",
            identity_tool="attio_identify",
            identity_keys=(
                "workspace_id",
                "workspace_name",
                "workspace_slug",
                "authorized_by_workspace_member_id",
            ),
        ),
    }
