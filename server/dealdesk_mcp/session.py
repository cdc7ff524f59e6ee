"""One shared HTTP session per server: auth, base URLs, retries, rate limits, and a tally of the calls."""

from __future__ import annotations

import email.utils
import json
import logging
import math
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import anyio
import httpx

from dealdesk_mcp import __version__
from dealdesk_mcp.apis import ApiProfile, profiles
from dealdesk_mcp.auth import Credentials
from dealdesk_mcp.config import Settings
from dealdesk_mcp.errors import ApiError, RateLimited

log = logging.getLogger(__name__)

IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "PATCH", "DELETE"})
REDIRECTS = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 5
# The longest Retry-After we take at its word; anything larger (or not finite) is capped.
RETRY_AFTER_CAP = 3600.0
BACKOFF_BASE = 0.5
BACKOFF_CAP = 8.0


@dataclass
class SessionStats:
    calls: int = 0
    token_cost: int = 0
    retries: int = 0
    by_api: dict[str, int] = field(default_factory=dict)
    rate_limit: dict[str, str] = field(default_factory=dict)


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds to wait from Retry-After (seconds or an HTTP date) or Pipedrive's x-ratelimit-reset."""
    for header in ("retry-after", "x-ratelimit-reset"):
        value = response.headers.get(header)
        if not value:
            continue
        try:
            seconds = float(value)
        except ValueError:
            pass
        else:
            return min(RETRY_AFTER_CAP, max(0.0, seconds)) if math.isfinite(seconds) else RETRY_AFTER_CAP
        try:
            parsed = email.utils.parsedate_to_datetime(value) if header == "retry-after" else None
        except (TypeError, ValueError):
            parsed = None  # not a date either: fall back to our own backoff
        if parsed is not None:
            return max(0.0, parsed.timestamp() - time.time())
    return None


def error_message(response: httpx.Response, secrets: list[str] = ()) -> str:
    """The API's own words about what went wrong, whatever shape its error body has. Secrets an API
    echoes back are removed before anything is cut to length, so no fragment of one survives."""
    content_type = response.headers.get("content-type", "")
    text = response.text.strip()
    for secret in secrets:
        text = text.replace(secret, "[redacted]")
    if "html" in content_type or text[:15].lower().startswith(("<!doctype", "<html")):
        return "the server answered with an HTML page instead of JSON (a proxy or outage page)"
    try:
        body = json.loads(text)
    except ValueError:
        return text[:300] or response.reason_phrase or "no details"
    if isinstance(body, dict):
        parts = [str(body[k]) for k in ("error", "message", "title", "detail", "error_info") if body.get(k)]
        code = body.get("code") or body.get("type")
        if code and str(code) not in " ".join(parts):
            parts.insert(0, f"[{code}]")
        errors = body.get("errors") or body.get("validation")
        if errors and not parts:
            parts.append(str(errors)[:500])
        if parts:
            return " ".join(dict.fromkeys(parts))[:1000]
    return str(body)[:500]


class Session:
    """The httpx client every tool call goes through."""

    def __init__(self, settings: Settings, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.settings = settings
        self.profiles: dict[str, ApiProfile] = profiles(settings)
        self.credentials = Credentials(settings)
        self.stats = SessionStats()
        self._transport = transport
        self._client: httpx.AsyncClient | None = None

    @property
    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(
                timeout=httpx.Timeout(self.settings.timeout, connect=min(10.0, self.settings.timeout)),
                transport=self._transport,
                headers={"user-agent": f"dealdesk-mcp/{__version__}"},
                follow_redirects=False,  # see _follow: credentials must not leave the API's origin
            )
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def origin(self, api: str) -> str:
        if api == "pipedrive" and self.credentials.origin_override:
            return self.credentials.origin_override
        return self.profiles[api].origin

    async def send(
        self,
        api: str,
        method: str,
        path: str,
        *,
        params: list[tuple[str, str]] | None = None,
        json: Any = None,
        has_json: bool = False,
        data: Mapping[str, str] | None = None,
        files: Mapping[str, Any] | None = None,
        token_cost: int | None = None,
        stream: bool = False,
        accept: str = "application/json",
    ) -> httpx.Response:
        """Send one API request with auth, retrying where that is safe. Error statuses raise ApiError."""
        idempotent = method in IDEMPOTENT
        waited = 0.0
        refreshed = False
        attempt = 0
        while True:
            if self.credentials.needs_refresh(api):
                await self.credentials.refresh(self.client, stale_token=self.credentials.current_token(api))
            token_before = self.credentials.current_token(api)
            request = self.client.build_request(
                method,
                self.origin(api) + path,
                params=params or None,
                json=json if has_json else None,
                data=data,
                files=files,
                headers={**self.credentials.headers(api), "accept": accept},
            )
            try:
                response = await self.client.send(request, stream=stream)
            except httpx.TimeoutException:
                if idempotent and attempt < self.settings.max_retries:
                    attempt += 1
                    waited += await self._backoff(attempt)
                    continue
                raise ApiError(
                    f"{api} did not answer within {self.settings.timeout:g} s ({method} {path}); "
                    "try again, or narrow the request."
                ) from None
            except httpx.DecodingError:
                raise ApiError(
                    f"the answer from {api} to {method} {path} could not be decoded (bad compression)."
                ) from None
            except httpx.RequestError as exc:
                if idempotent and attempt < self.settings.max_retries:
                    attempt += 1
                    waited += await self._backoff(attempt)
                    continue
                raise ApiError(f"could not reach {api} ({type(exc).__name__}) for {method} {path}.") from None
            self._count(api, response, token_cost)

            status = response.status_code
            if status == 401 and not refreshed and self.credentials.can_refresh(api):
                await self._discard(response)
                await self.credentials.refresh(self.client, stale_token=token_before)
                refreshed = True
                continue
            if status == 429:
                wait = _retry_after(response)
                await self._discard(response)
                wait = wait if wait is not None else min(BACKOFF_CAP, BACKOFF_BASE * 2**attempt)
                if attempt >= self.settings.max_retries or waited + wait > self.settings.max_retry_wait:
                    raise RateLimited(
                        f"{api} rate limit reached (HTTP 429) for {method} {path}; retry in about "
                        f"{max(1, round(wait))} s.",
                        retry_after=wait,
                    )
                attempt += 1
                self.stats.retries += 1
                jittered = wait + random.uniform(0, min(1.0, wait * 0.1 + 0.05))
                await anyio.sleep(jittered)
                waited += jittered
                continue
            if status >= 500 and idempotent and attempt < self.settings.max_retries:
                await self._discard(response)
                attempt += 1
                waited += await self._backoff(attempt)
                continue
            if status >= 400:
                if stream:
                    await response.aread()
                details = error_message(response, self.credentials.secrets())
                raise ApiError(f"{api} answered HTTP {status} for {method} {path}: {details}", status=status)
            if status in REDIRECTS and response.headers.get("location"):
                return await self._follow(response, stream=stream)
            return response

    async def _follow(self, response: httpx.Response, *, stream: bool) -> httpx.Response:
        """Follow a redirect by hand: our credentials go only to the API's own origin, so a file
        download may continue at a storage host, but never with the token (httpx would strip only
        Authorization, not x-api-token)."""
        for _ in range(MAX_REDIRECTS):
            target = response.url.join(response.headers["location"])
            same_origin = (target.scheme, target.host, target.port) == (
                response.url.scheme,
                response.url.host,
                response.url.port,
            )
            headers = (
                dict(response.request.headers)
                if same_origin
                else {"accept": response.request.headers["accept"]}
            )
            await self._discard(response)
            try:
                response = await self.client.send(
                    self.client.build_request("GET", target, headers=headers), stream=stream
                )
            except httpx.RequestError as exc:
                raise ApiError(
                    f"following a redirect to {target.host} failed ({type(exc).__name__})."
                ) from None
            if response.status_code not in REDIRECTS or not response.headers.get("location"):
                if response.status_code >= 400:
                    if stream:
                        await response.aread()
                    details = error_message(response, self.credentials.secrets())
                    raise ApiError(
                        f"the redirect target answered HTTP {response.status_code}: {details}",
                        status=response.status_code,
                    )
                return response
        await self._discard(response)
        raise ApiError(f"too many redirects (more than {MAX_REDIRECTS}).")

    async def _backoff(self, attempt: int) -> float:
        self.stats.retries += 1
        delay = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (attempt - 1)) * random.uniform(0.5, 1.0)
        await anyio.sleep(delay)
        return delay

    @staticmethod
    async def _discard(response: httpx.Response) -> None:
        await response.aclose()

    def _count(self, api: str, response: httpx.Response, token_cost: int | None) -> None:
        self.stats.calls += 1
        self.stats.by_api[api] = self.stats.by_api.get(api, 0) + 1
        self.stats.token_cost += token_cost or 0
        for header, value in response.headers.items():
            if header.startswith("x-ratelimit-"):
                self.stats.rate_limit[header.removeprefix("x-ratelimit-")] = value
