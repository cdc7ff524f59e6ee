"""Asking Pipedrive whose credential this is: GET /api/v1/users/me, before anything is stored."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import httpx

from dealdesk_mcp.config import Settings
from dealdesk_mcp.jsonvalues import is_object


class VerifyError(Exception):
    """The credential could not be confirmed; the message never contains it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Identity:
    name: str
    email: str | None
    company_name: str | None
    company_domain: str | None

    def describe(self) -> str:
        who = f"{self.name} <{self.email}>" if self.email else self.name
        if self.company_name and self.company_domain:
            return f"{who} at {self.company_name} ({self.company_domain}.pipedrive.com)"
        return f"{who} at {self.company_name}" if self.company_name else who


def origin_for(settings: Mapping[str, str]) -> str:
    """The API origin the server would use with these settings (base URL, else company domain)."""
    return Settings(
        pipedrive_base_url=settings.get("PIPEDRIVE_BASE_URL") or None,
        pipedrive_company_domain=settings.get("PIPEDRIVE_COMPANY_DOMAIN") or None,
    ).pipedrive_origin


def auth_headers(secrets: Mapping[str, str]) -> dict[str, str]:
    """The header the server sends for this credential (OAuth access token wins, as in auth.py)."""
    if secrets.get("PIPEDRIVE_ACCESS_TOKEN"):
        return {"authorization": f"Bearer {secrets['PIPEDRIVE_ACCESS_TOKEN']}"}
    if secrets.get("PIPEDRIVE_API_TOKEN"):
        return {"x-api-token": secrets["PIPEDRIVE_API_TOKEN"]}
    raise VerifyError("no API token or OAuth access token to check")


def _scrub(text: str, secrets: Mapping[str, str]) -> str:
    for value in secrets.values():
        if value:
            text = text.replace(value, "***")
    return text


def who_am_i(origin: str, secrets: Mapping[str, str], *, timeout: float = 15.0) -> Identity:
    """The user and company the credential belongs to; VerifyError when the API says no."""
    url = f"{origin.rstrip('/')}/api/v1/users/me"
    try:
        # No redirects: a credential is only ever sent to the origin it was configured for.
        with httpx.Client(timeout=timeout, follow_redirects=False) as client:
            response = client.get(url, headers={**auth_headers(secrets), "accept": "application/json"})
    except httpx.HTTPError as exc:
        raise VerifyError(f"could not reach {origin} ({type(exc).__name__})") from None
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code in (401, 403):
        raise VerifyError(f"{origin} refused the credential ({response.status_code}): check the token")
    if response.status_code != 200 or not is_object(body) or not is_object(body.get("data")):
        detail = body.get("error") if is_object(body) else None
        message = f"{origin} answered {response.status_code} to /api/v1/users/me"
        raise VerifyError(_scrub(f"{message}: {detail}" if detail else message, secrets))
    data = body["data"]
    return Identity(
        name=str(data.get("name") or data.get("email") or f"user {data.get('id')}"),
        email=data.get("email") or None,
        company_name=data.get("company_name") or None,
        company_domain=data.get("company_domain") or None,
    )
