"""What differs between the APIs we serve: data, not code paths."""

from __future__ import annotations

from dataclasses import dataclass

from dealdesk_mcp.config import Settings


@dataclass(frozen=True, slots=True)
class ApiProfile:
    name: str
    origin: str
    # Which variables to set, named in the error a call without credentials gets.
    credential_hint: str
    # Largest page the API serves when an operation's document gives no maximum.
    page_size_max: int
    # Where a list answer keeps its items and its paging facts.
    items_key: str = "data"


def profiles(settings: Settings) -> dict[str, ApiProfile]:
    return {
        "pipedrive": ApiProfile(
            name="pipedrive",
            origin=settings.pipedrive_origin,
            credential_hint=(
                "set PIPEDRIVE_API_TOKEN (Pipedrive > Settings > Personal preferences > API), "
                "or PIPEDRIVE_ACCESS_TOKEN with PIPEDRIVE_REFRESH_TOKEN, PIPEDRIVE_CLIENT_ID and "
                "PIPEDRIVE_CLIENT_SECRET for OAuth"
            ),
            page_size_max=500,
        ),
        "attio": ApiProfile(
            name="attio",
            origin=settings.attio_base_url,
            credential_hint="set ATTIO_API_KEY (Attio > Workspace settings > Developers)",
            page_size_max=500,
        ),
    }
