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
# How a token endpoint takes the OAuth app's credentials: HTTP Basic, or client_id/client_secret form fields.
ClientAuthStyle = Literal["basic", "form"]


@dataclass(frozen=True, slots=True)
class OAuthApp:
    """The OAuth app a hosted server signs users in with, at one API, and how it learns who signed in."""

    client_id: str
    client_secret: str
    authorize_url: str
    token_url: str
    client_auth: ClientAuthStyle
    # The request that says who a fresh access token belongs to, and where its answer keeps each fact
    # (dotted paths): id and name of the user, id, name and domain of the company (workspace).
    identity_path: str
    identity_fields: Mapping[str, str]


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
    # The API's name as people know it.
    title: str = ""
    # OAuth refresh (Pipedrive): the token endpoint; None for APIs we reach with a static key only.
    oauth_token_url: str | None = None
    # OAuth tokens a local server was given in its settings (None: none given), and its app's credentials.
    oauth_access_token: str | None = None
    oauth_refresh_token: str | None = None
    oauth_client_id: str | None = None
    oauth_client_secret: str | None = None
    oauth_client_auth: ClientAuthStyle = "basic"
    # Hosted mode: the app users sign in with here (None: no sign-in at this API) ...
    oauth_app: OAuthApp | None = None
    # ... or the API whose sign-in also serves this one (the sandbox's one OAuth emulation serves both).
    oauth_grant_from: str | None = None
    # Hosts an OAuth token answer may move us to (`api_domain`), besides the configured origin.
    api_domain_suffix: str | None = None
    # The tool that says who the credential belongs to, and which of its answer's keys to show.
    identity_tool: str | None = None
    identity_keys: tuple[str, ...] = ()
    # Which identity keys name the company (workspace) the credential acts in: id, name, domain.
    identity_company: Mapping[str, str] = field(default_factory=dict[str, str])


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


def _app(
    client_id: str | None,
    client_secret: str | None,
    authorize_url: str,
    token_url: str,
    client_auth: ClientAuthStyle,
    identity_path: str,
    identity_fields: Mapping[str, str],
) -> OAuthApp | None:
    if not (client_id and client_secret):
        return None
    return OAuthApp(
        client_id, client_secret, authorize_url, token_url, client_auth, identity_path, identity_fields
    )


def entity_of(profile: ApiProfile, path: str) -> str | None:
    """The entity (deals, persons ...) whose custom fields a tool's answers and bodies carry, if any."""
    match = profile.entity_path.match(path) if profile.entity_path else None
    return match.group(1) if match else None


def profiles(settings: Settings) -> dict[str, ApiProfile]:
    hosted = settings.hosted
    # Hosted, every user brings their own credential: a key in the settings would be everyone's.
    pipedrive_token = None if hosted else settings.pipedrive_api_token
    attio_key = None if hosted else settings.attio_api_key
    oauth = bool(settings.pipedrive_access_token or settings.pipedrive_refresh_token) and not pipedrive_token
    pipedrive_app = _app(
        settings.pipedrive_client_id,
        settings.pipedrive_client_secret,
        settings.pipedrive_oauth_authorize_url,
        settings.pipedrive_oauth_token_url,
        "basic",
        "/api/v1/users/me",
        {
            "id": "data.id",
            "name": "data.name",
            "email": "data.email",
            "company_id": "data.company_id",
            "company_name": "data.company_name",
            "company_domain": "data.company_domain",
        },
    )
    attio_app = _app(
        settings.attio_client_id,
        settings.attio_client_secret,
        settings.attio_oauth_authorize_url,
        settings.attio_oauth_token_url,
        "form",
        "/v2/self",
        {
            "id": "authorized_by_workspace_member_id",
            "company_id": "workspace_id",
            "company_name": "workspace_name",
            "company_domain": "workspace_slug",
        },
    )
    # The sandbox serves both APIs, and one OAuth emulation for both, from one origin: one sign-in.
    shared_origin = settings.attio_base_url == settings.pipedrive_origin
    return {
        "pipedrive": ApiProfile(
            name="pipedrive",
            title="Pipedrive",
            origin=settings.pipedrive_origin,
            credential=pipedrive_token,
            credential_style="bearer" if oauth or hosted else "header",
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
            oauth_access_token=None if hosted else settings.pipedrive_access_token,
            oauth_refresh_token=None if hosted else settings.pipedrive_refresh_token,
            oauth_client_id=settings.pipedrive_client_id,
            oauth_client_secret=settings.pipedrive_client_secret,
            oauth_app=pipedrive_app if hosted else None,
            api_domain_suffix=".pipedrive.com",
            identity_tool="get_current_user",
            identity_keys=("id", "name", "email", "company_id", "company_name", "company_domain"),
            identity_company={"id": "company_id", "name": "company_name", "domain": "company_domain"},
        ),
        "attio": ApiProfile(
            name="attio",
            title="Attio",
            origin=settings.attio_base_url,
            credential=attio_key,
            credential_style="bearer",
            credential_header="authorization",
            credential_hint="set ATTIO_API_KEY (Attio > Workspace settings > Developers)",
            page_size_max=500,
            cursor_at=(("pagination", "next_cursor"),),
            value_style="versioned",
            oauth_token_url=settings.attio_oauth_token_url if hosted else None,
            oauth_client_id=settings.attio_client_id,
            oauth_client_secret=settings.attio_client_secret,
            oauth_client_auth="form",
            oauth_app=attio_app if hosted and not shared_origin else None,
            oauth_grant_from="pipedrive" if hosted and shared_origin and attio_app is None else None,
            identity_tool="attio_identify",
            identity_keys=(
                "workspace_id",
                "workspace_name",
                "workspace_slug",
                "authorized_by_workspace_member_id",
            ),
            identity_company={"id": "workspace_id", "name": "workspace_name", "domain": "workspace_slug"},
        ),
    }
