"""Hosted mode against `--sandbox`: the MCP SDK's own OAuth client registers, signs two different users
in through the sandbox's sign-in form, and each acts as themselves; refresh, revocation and expiry."""

from __future__ import annotations

import base64
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from dealdesk_mcp.hosted.sealing import Sealer
from dealdesk_mcp.hosted.sqlite_store import SqliteStore
from dealdesk_mcp.hosted.state import State
from tests.hosted.conftest import SECRET_KEY, SignedIn, oauth_client, structured
from tests.transports.conftest import INITIALIZE, MCP_POST_HEADERS, ServerProcess


def post_mcp(server: ServerProcess, token: str | None) -> httpx.Response:
    headers = dict(MCP_POST_HEADERS, **({"authorization": f"Bearer {token}"} if token else {}))
    return httpx.post(server.url, json=INITIALIZE, headers=headers, timeout=30)


def assert_refused(response: httpx.Response, server: ServerProcess) -> None:
    assert response.status_code == 401, response.text
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith("Bearer ")
    assert f'resource_metadata="{server.origin}/.well-known/oauth-protected-resource/mcp"' in challenge


def test_metadata_names_what_a_client_needs(sandbox_server: ServerProcess) -> None:
    origin = sandbox_server.origin
    server_meta = httpx.get(f"{origin}/.well-known/oauth-authorization-server").json()
    assert server_meta["issuer"] == origin
    assert server_meta["registration_endpoint"] == f"{origin}/register"
    assert server_meta["code_challenge_methods_supported"] == ["S256"]
    assert {"authorization_code", "refresh_token"} <= set(server_meta["grant_types_supported"])
    assert server_meta["revocation_endpoint"] == f"{origin}/revoke"
    for path in ("/.well-known/oauth-protected-resource", "/.well-known/oauth-protected-resource/mcp"):
        resource = httpx.get(origin + path).json()
        assert resource["resource"] == f"{origin}/mcp"
        assert resource["authorization_servers"] == [origin]
    assert httpx.get(f"{origin}/healthz").json()["status"] == "ok"
    # Codes go to this machine, an app's own scheme or a trusted web host: never to an address others read.
    for uri, status in [
        ("http://localhost:7777/cb", 201),
        ("cursor://anysphere.cursor/oauth/callback", 201),
        ("https://claude.ai/api/mcp/auth_callback", 201),
        ("https://attacker.example.net/steal", 400),
        ("http://192.0.2.10/cb", 400),
    ]:
        registered = httpx.post(f"{origin}/register", json={"redirect_uris": [uri], "client_name": "probe"})
        assert registered.status_code == status, (uri, registered.text)
        if status == 400:
            assert registered.json()["error"] == "invalid_redirect_uri"
    assert_refused(post_mcp(sandbox_server, None), sandbox_server)
    assert_refused(post_mcp(sandbox_server, "dd_at_not-a-token-this-server-issued"), sandbox_server)


async def sign_in(server: ServerProcess, user_id: int) -> tuple[SignedIn, dict[str, Any]]:
    """Sign `user_id` in with the SDK client; their session info."""
    person = oauth_client(server.url, user_id)
    async with person.client() as client:
        info = structured(await client.call_tool("get_session_info", {}))
    return person, info


async def test_two_users_sign_in_and_each_acts_as_themselves(sandbox_server: ServerProcess) -> None:
    people = {2: "Priya Natarajan", 3: "Tomás Rivera"}
    folders: set[Path] = set()
    for user_id, name in people.items():
        person = oauth_client(sandbox_server.url, user_id)
        async with person.client() as client:
            listed = {tool.name: tool for tool in (await client.list_tools()).tools}
            info = structured(await client.call_tool("get_session_info", {}))
            deal = structured(await client.call_tool("add_deal", {"title": f"Signed in as {name}"}))
            upload = structured(
                await client.call_tool(
                    "add_file",
                    {
                        "content_base64": base64.b64encode(f"notes of {name}".encode()).decode(),
                        "file_name": "notes.txt",
                        "deal_id": deal["data"]["id"],
                    },
                )
            )
            by_path = await client.call_tool(
                "add_file", {"path": "/etc/hostname", "deal_id": deal["data"]["id"]}
            )
            saved = structured(await client.call_tool("download_file", {"id": upload["data"]["id"]}))["saved"]
        # The sign-in walked the sandbox's form once: one sign-in serves Pipedrive and Attio there.
        assert len(person.browser.pages) == 1
        assert info["user"]["id"] == user_id and info["user"]["name"] == name
        assert info["company"]["name"] and info["company"]["id"]
        assert info["apis"]["pipedrive"]["credentials"] and info["apis"]["attio"]["credentials"]
        # Their write is theirs: the CRM records the signed-in user as its owner.
        assert deal["data"]["owner_id"] == user_id
        assert upload["data"]["user_id"] == user_id and upload["data"]["file_size"] == len(
            f"notes of {name}".encode()
        )
        # Local paths mean nothing to a hosted server; files arrive as content.
        assert by_path.is_error and "content_base64" in by_path.content[0].text  # type: ignore[union-attr]
        # Downloads go to the user's own folder.
        folder = Path(saved["path"]).parent
        assert (
            folder.parent.name == "downloads"
            and folder.name == f"pipedrive-{info['company']['id']}-{user_id}"
        )
        assert Path(saved["path"]).read_bytes() == f"notes of {name}".encode()
        folders.add(folder)
        schema = listed["add_file"].input_schema
        assert "content_base64" in schema["properties"] and "path" not in schema["properties"]
        assert "path" not in schema.get("required", [])
    assert len(folders) == 2
    assert "Traceback" not in sandbox_server.stderr()


async def test_refresh_rotates_and_revocation_ends_access(sandbox_server: ServerProcess) -> None:
    person, info = await sign_in(sandbox_server, 4)
    assert info["user"]["name"] == "Grace Liu"
    tokens, client_info = person.storage.tokens, person.storage.client_info
    assert tokens is not None and tokens.refresh_token and client_info is not None
    token_url = f"{sandbox_server.origin}/token"
    credentials = {"client_id": client_info.client_id, "client_secret": client_info.client_secret}
    assert post_mcp(sandbox_server, tokens.access_token).status_code == 200

    fresh = httpx.post(
        token_url, data={"grant_type": "refresh_token", "refresh_token": tokens.refresh_token, **credentials}
    )
    assert fresh.status_code == 200, fresh.text
    new = fresh.json()
    assert new["refresh_token"] != tokens.refresh_token and new["access_token"] != tokens.access_token
    # Rotation: the old refresh token works no more, nor the access token it came with.
    again = httpx.post(
        token_url, data={"grant_type": "refresh_token", "refresh_token": tokens.refresh_token, **credentials}
    )
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    assert_refused(post_mcp(sandbox_server, tokens.access_token), sandbox_server)
    assert post_mcp(sandbox_server, new["access_token"]).status_code == 200

    revoked = httpx.post(
        f"{sandbox_server.origin}/revoke", data={"token": new["access_token"], **credentials}
    )
    assert revoked.status_code == 200
    assert_refused(post_mcp(sandbox_server, new["access_token"]), sandbox_server)
    # Revoking the access token ended its refresh token too.
    ended = httpx.post(
        token_url, data={"grant_type": "refresh_token", "refresh_token": new["refresh_token"], **credentials}
    )
    assert ended.status_code == 400


async def test_an_expired_token_is_refused_with_the_metadata_header(sandbox_server: ServerProcess) -> None:
    person, _ = await sign_in(sandbox_server, 5)
    assert person.storage.tokens is not None
    token = person.storage.tokens.access_token
    assert post_mcp(sandbox_server, token).status_code == 200
    # Its lifetime runs out (set in the server's own store, as the clock would).
    folder = sandbox_server.stderr_path.parent
    state = State(SqliteStore(folder / "state" / "hosted.sqlite3"), Sealer(SECRET_KEY))
    grant = await state.grant("access", token)
    assert grant is not None and grant.user.endswith("-5")
    grant.expires_at = time.time() - 1
    await state.put_grant("access", token, grant)
    assert_refused(post_mcp(sandbox_server, token), sandbox_server)


@pytest.fixture(autouse=True)
def _no_secrets_in_logs(sandbox_server: ServerProcess) -> Any:
    yield
    log = sandbox_server.stderr()
    assert "dd_at_" not in log and "dd_rt_" not in log and SECRET_KEY not in log
