"""The send stage: one shared httpx client; each request goes out with its account's auth flow,
is retried only where a retry can succeed, follows redirects without leaking credentials, and comes
back read within a size bound, or raises an ApiError carrying the API's own status and words."""

from __future__ import annotations

import email.utils
import math
import random
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import anyio

from dealdesk_mcp import __version__
from dealdesk_mcp.account import Account
from dealdesk_mcp.apis import ApiProfile
from dealdesk_mcp.config import Settings
from dealdesk_mcp.decode import error_message
from dealdesk_mcp.errors import ApiError, RateLimited
from dealdesk_mcp.notes import note
from dealdesk_mcp.request import OutgoingRequest

if TYPE_CHECKING:
    import httpx

# The methods that send import httpx themselves: a server answers its first tools/list before httpx
# (and all it imports) is loaded, with the first request.

IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "PATCH", "DELETE"})
# Answers that may change on a retry; any other error status will not (501, 500, every 4xx but 429).
RETRYABLE_STATUS = frozenset({502, 503, 504})
REDIRECTS = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 5
# The longest Retry-After we take at its word; anything larger (or not finite) is capped.
RETRY_AFTER_CAP = 3600.0
BACKOFF_BASE = 0.5
BACKOFF_CAP = 8.0
CHUNK = 64 * 1024


@dataclass
class Received:
    """A success answer: its response (headers, status) and its body, read within the size bound.
    For downloads `body` is None and `response` is still open, to be streamed to a file."""

    response: httpx.Response
    body: bytes | None


def retry_after(response: httpx.Response) -> float | None:
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
            return min(RETRY_AFTER_CAP, max(0.0, parsed.timestamp() - time.time()))
    return None


def backoff(attempt: int) -> float:
    return min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (attempt - 1)) * random.uniform(0.5, 1.0)


class RateBudget(Protocol):
    """A rate budget shared beyond this process (hosted replicas serving one company): `delay` says how
    long a request must wait before going out, `observe` learns from each answer that it is spent."""

    async def delay(self, account: Account, profile: ApiProfile) -> float: ...

    async def observe(self, account: Account, profile: ApiProfile, response: httpx.Response) -> None: ...


class OwnBudget:
    """A local server's: only its own 429s tell it to wait (the retry loop below does)."""

    async def delay(self, account: Account, profile: ApiProfile) -> float:
        return 0.0

    async def observe(self, account: Account, profile: ApiProfile, response: httpx.Response) -> None:
        return None


class _BrokenBody(Exception):
    """The answer's body stopped arriving (a reset mid-answer)."""


class Session:
    """The HTTP client every tool call goes through, shared by all accounts of a server."""

    def __init__(self, settings: Settings, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.settings = settings
        self._transport = transport
        self._client: httpx.AsyncClient | None = None
        self.budget: RateBudget = OwnBudget()

    @property
    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            import httpx

            self._client = httpx.AsyncClient(
                timeout=httpx.Timeout(self.settings.timeout, connect=min(10.0, self.settings.timeout)),
                transport=self._transport,
                headers={"user-agent": f"dealdesk-mcp/{__version__}"},
                follow_redirects=False,  # see _follow: credentials must not leave the API's origin
            )
        return self._client

    async def send_raw(self, request: httpx.Request) -> httpx.Response:
        """Send one request as it is (auth flows use it for token requests)."""
        return await self.client.send(request)

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def send(
        self,
        account: Account,
        profile: ApiProfile,
        outgoing: OutgoingRequest,
        *,
        token_cost: int | None = None,
        stream: bool = False,
    ) -> Received:
        """Send `outgoing` for `account`, retrying where that is safe. Error statuses raise ApiError."""
        import httpx

        api, method, path = profile.name, outgoing.method, outgoing.path
        idempotent = method in IDEMPOTENT
        auth = account.auths[api]
        waited = 0.0
        attempt = 0
        while True:
            request = self.client.build_request(
                method,
                account.origin(profile) + path,
                params=tuple(outgoing.params) or None,
                json=outgoing.json if outgoing.has_json else None,
                data=outgoing.form,
                files=outgoing.files,
                headers={"accept": outgoing.accept},
            )
            hold = await self.budget.delay(account, profile)
            if hold > 0:
                if waited + hold > self.settings.max_retry_wait:
                    raise RateLimited(
                        f"{api} rate limit reached (the budget this company's users share) for {method} {path}; "
                        f"retry in about {max(1, round(hold))} s.",
                        retry_after=hold,
                    )
                waited += await self._pause(
                    account, hold, f"{api}: the rate budget this company's users share is spent"
                )
            try:
                response = await self.client.send(request, auth=auth, stream=True)
            except httpx.TimeoutException:
                if idempotent and attempt < self.settings.max_retries:
                    attempt += 1
                    waited += await self._pause(
                        account, backoff(attempt), f"{api} timed out on {method} {path}"
                    )
                    continue
                raise ApiError(
                    f"{api} did not answer within {self.settings.timeout:g} s ({method} {path}); "
                    "try again, or narrow the request."
                ) from None
            except httpx.RequestError as exc:
                if idempotent and attempt < self.settings.max_retries:
                    attempt += 1
                    why = f"could not reach {api} ({type(exc).__name__}) for {method} {path}"
                    waited += await self._pause(account, backoff(attempt), why)
                    continue
                raise ApiError(f"could not reach {api} ({type(exc).__name__}) for {method} {path}.") from None
            account.tally.count(api, response, token_cost)
            await note("debug", f"{api}: {method} {path} answered HTTP {response.status_code}")
            await self.budget.observe(account, profile, response)

            status = response.status_code
            if status == 429:
                wait = retry_after(response)
                await response.aclose()
                wait = wait if wait is not None else min(BACKOFF_CAP, BACKOFF_BASE * 2**attempt)
                if attempt >= self.settings.max_retries or waited + wait > self.settings.max_retry_wait:
                    raise RateLimited(
                        f"{api} rate limit reached (HTTP 429) for {method} {path}; retry in about "
                        f"{max(1, round(wait))} s.",
                        retry_after=wait,
                    )
                attempt += 1
                wait += random.uniform(0, min(1.0, wait * 0.1 + 0.05))
                waited += await self._pause(account, wait, f"{api} rate limit (HTTP 429) on {method} {path}")
                continue
            if status in RETRYABLE_STATUS and idempotent and attempt < self.settings.max_retries:
                await response.aclose()
                attempt += 1
                waited += await self._pause(
                    account, backoff(attempt), f"{api} answered HTTP {status} to {method} {path}"
                )
                continue
            if status in REDIRECTS and response.headers.get("location"):
                response = await self._follow(response, method)
            try:
                return await self._received(account, profile, response, method, path, stream=stream)
            except _BrokenBody as broken:
                # The connection failed mid-answer: like a failed connection, retried where that is safe.
                if idempotent and attempt < self.settings.max_retries:
                    attempt += 1
                    waited += await self._pause(account, backoff(attempt), str(broken).removesuffix("."))
                    continue
                if not idempotent:
                    raise ApiError(
                        f"{broken} The API may have carried out the request: check before sending it again."
                    ) from None
                raise ApiError(str(broken)) from None

    async def _received(
        self,
        account: Account,
        profile: ApiProfile,
        response: httpx.Response,
        method: str,
        path: str,
        *,
        stream: bool,
    ) -> Received:
        api = profile.name
        status = response.status_code
        if status >= 400:
            body = await self._read(response, api, method, path)
            details = error_message(response.headers, body, account.secrets())
            message = f"{api} answered HTTP {status} for {method} {path}: {details}"
            for hint in profile.error_hints:
                if hint.path.search(path) and hint.message.search(details):
                    message += f"\n{hint.hint}"
            raise ApiError(message, status=status)
        if stream:
            return Received(response, None)
        return Received(response, await self._read(response, api, method, path))

    async def _read(self, response: httpx.Response, api: str, method: str, path: str) -> bytes:
        """The body, decompressed chunk by chunk and refused once it passes the bound (a small gzip
        answer may inflate a thousandfold)."""
        import httpx

        limit = self.settings.max_answer_bytes
        chunks: list[bytes] = []
        size = 0
        try:
            async for chunk in response.aiter_bytes(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise ApiError(
                        f"the answer from {api} to {method} {path} is over {limit // 2**20} MB once decoded; "
                        "refused. Ask for less (a smaller limit or a narrower filter)."
                    )
                chunks.append(chunk)
        except httpx.DecodingError:
            raise ApiError(
                f"the answer from {api} to {method} {path} could not be decoded (bad compression)."
            ) from None
        except httpx.TransportError as exc:
            raise _BrokenBody(
                f"the answer from {api} to {method} {path} broke off ({type(exc).__name__})."
            ) from None
        finally:
            await response.aclose()
        return b"".join(chunks)

    async def _follow(self, response: httpx.Response, method: str) -> httpx.Response:
        """Follow a redirect by hand: our credentials go only to the API's own origin, so a file
        download may continue at a storage host, but never with the token (httpx would strip only
        Authorization, not x-api-token). A redirect that would need the body sent again (307/308
        after a write) is refused: the body is not ours to replay."""
        import httpx

        for _ in range(MAX_REDIRECTS):
            if method != "GET" and response.status_code in (307, 308):
                await response.aclose()
                raise ApiError(
                    f"the API redirected a {method} request (HTTP {response.status_code}) to "
                    f"{response.url.join(response.headers['location']).host}; not followed, nothing more was sent."
                )
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
            headers.pop("content-length", None)
            headers.pop("content-type", None)
            await response.aclose()
            try:
                response = await self.client.send(
                    self.client.build_request("GET", target, headers=headers), stream=True
                )
            except httpx.RequestError as exc:
                raise ApiError(
                    f"following a redirect to {target.host} failed ({type(exc).__name__})."
                ) from None
            method = "GET"
            if response.status_code not in REDIRECTS or not response.headers.get("location"):
                return response
        await response.aclose()
        raise ApiError(f"too many redirects (more than {MAX_REDIRECTS}).")

    @staticmethod
    async def _pause(account: Account, seconds: float, why: str) -> float:
        account.tally.retries += 1
        await note("notice", f"{why}; trying again in {seconds:.1f} s")
        await anyio.sleep(seconds)
        return seconds
