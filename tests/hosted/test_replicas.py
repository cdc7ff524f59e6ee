"""Several replicas sharing one Redis serve one team as one server: a client whose requests go to the
replicas in turn (sign-in included) sees no error over a few hundred calls from several users, the
users' CRM tokens, expiring mid-run, are refreshed once each across all replicas, and killing a replica
mid-run loses nothing."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import anyio
import httpx
import pytest

from dealdesk_mcp.sandbox import SandboxHandle, start_sandbox
from dealdesk_mcp.sandbox.db import Store
from dealdesk_mcp.sandbox.oauth import expire_access_tokens
from dealdesk_mcp.sandbox.views import alive
from tests.hosted.balancer import Balancer, BrowserBalancer, Pool
from tests.hosted.conftest import (
    STARTUP_SECONDS,
    RedisServer,
    hosted_env,
    oauth_client,
    start_hosted_process,
    structured,
)
from tests.transports.conftest import ServerProcess, free_port, wait_for_port

REPLICAS = 3
USERS = (1, 2, 3, 4, 5)
CALLS_PER_USER = 60
EXPIRE_AT = 100  # calls done when every user's CRM access token runs out
KILL_AT = 180  # calls done when one replica is killed


@dataclass
class Cluster:
    sandbox: SandboxHandle
    crm: Store  # the sandbox's database, opened beside it: what its OAuth emulation issued
    replicas: list[ServerProcess]
    pool: Pool
    public_url: str
    # One more server, signing users in at Pipedrive and then at Attio (each with an app of its own).
    both: ServerProcess
    figures: Counter[str] = field(default_factory=Counter[str])


@pytest.fixture(scope="module")
def cluster(redis_server: RedisServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    tmp = tmp_path_factory.mktemp("replicas")
    db = str(tmp / "sandbox.sqlite3")
    sandbox = start_sandbox(db)
    public_port = free_port()  # the balancer's address: no process listens there
    public_url = f"http://127.0.0.1:{public_port}"
    env = hosted_env(
        tmp,
        PIPEDRIVE_BASE_URL=sandbox.base_url,
        ATTIO_BASE_URL=sandbox.base_url,
        PIPEDRIVE_CLIENT_ID="dealdesk-replica-test",
        PIPEDRIVE_CLIENT_SECRET="replica-test-app-secret-5c1e",
        PIPEDRIVE_MCP_STORE=redis_server.url,
        PIPEDRIVE_MCP_PUBLIC_URL=public_url,
    )
    replicas = [start_hosted_process(tmp, f"replica-{i}", [], env, free_port()) for i in range(REPLICAS)]
    # Attio at another name of the same sandbox: an API of its own to the server, with its own sign-in.
    attio = sandbox.base_url.replace("127.0.0.1", "localhost")
    both_env = hosted_env(
        tmp / "both",
        PIPEDRIVE_BASE_URL=sandbox.base_url,
        ATTIO_BASE_URL=attio,
        PIPEDRIVE_CLIENT_ID="dealdesk-pipedrive-app",
        PIPEDRIVE_CLIENT_SECRET="pipedrive-app-secret-0a1b",
        ATTIO_CLIENT_ID="dealdesk-attio-app",
        ATTIO_CLIENT_SECRET="attio-app-secret-2c3d",
        PIPEDRIVE_TOOLSETS="deals,attio_meta",
    )
    both = start_hosted_process(tmp, "both", [], both_env, free_port())
    try:
        for server in (*replicas, both):
            wait_for_port(server, STARTUP_SECONDS)
        pool = Pool(public_port, [r.port for r in replicas])
        yield Cluster(sandbox, Store(db), replicas, pool, public_url, both)
    finally:
        for server in (*replicas, both):
            server.stop()
        sandbox.close()


async def test_replicas_serve_any_request_refresh_once_and_survive_a_kill(cluster: Cluster) -> None:
    pool, figures = cluster.pool, cluster.figures
    people = {
        uid: oauth_client(
            cluster.public_url + "/mcp",
            uid,
            transport=Balancer(pool),
            browser_transport=BrowserBalancer(pool),
        )
        for uid in USERS
    }
    signed_in = anyio.Event()
    ready = Counter[str]()
    issued: dict[str, int] = {}
    killed: list[ServerProcess] = []

    def expire() -> int:
        """Every user's CRM access token runs out now; how many tokens were issued before."""
        before = len(cluster.crm.ids("oauth_access"))
        expire_access_tokens(cluster.crm)
        return before

    async def milestone() -> None:
        done = figures["calls"]
        if done >= EXPIRE_AT and not issued:
            issued["expiring"] = 1
            # In a thread: the sandbox's store takes a lock, and a wait for it on the event loop would
            # also stop fail_after below from ending the test.
            issued["before"] = await anyio.to_thread.run_sync(expire, abandon_on_cancel=True)
        if done >= KILL_AT and not killed:
            victim = cluster.replicas[1]
            pool.mark()
            victim.process.kill()  # SIGKILL: no goodbye
            killed.append(victim)

    async def call(client: Any, uid: int, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
        result = await client.call_tool(tool, arguments)
        figures["calls"] += 1
        if result.is_error:
            figures["errors"] += 1
        answer = structured(result)
        if tool == "get_session_info":
            assert answer["user"]["id"] == uid, (uid, answer["user"])
        await milestone()
        return answer

    async def work(uid: int) -> None:
        person = people[uid]
        async with person.client() as client:
            await call(client, uid, "get_session_info", {})  # the first request signs the user in
            deal = await call(client, uid, "add_deal", {"title": f"replicas: user {uid}"})
            assert deal["data"]["owner_id"] == uid
            ready["users"] += 1
            if ready["users"] == len(USERS):
                signed_in.set()
            await signed_in.wait()
            plan = [
                ("get_deal", {"id": deal["data"]["id"]}),
                ("get_deals", {"limit": 5}),
                ("get_session_info", {}),
                ("get_current_user", {}),
            ]
            for n in range(CALLS_PER_USER - 3):
                tool, arguments = plan[n % len(plan)]
                await call(client, uid, tool, arguments)
            mine = await call(client, uid, "get_deal", {"id": deal["data"]["id"]})
            assert mine["data"]["owner_id"] == uid and mine["data"]["title"] == f"replicas: user {uid}"

    started = time.monotonic()
    with anyio.fail_after(120):
        async with anyio.create_task_group() as tasks:
            for uid in USERS:
                tasks.start_soon(work, uid)
    elapsed = time.monotonic() - started
    refreshes = len(cluster.crm.ids("oauth_access")) - issued["before"]
    after_kill = {port: pool.served_after_mark.get(port, 0) for port in pool.ports}
    print(
        f"\nhosted replicas: {figures['calls']} calls from {len(USERS)} users over {REPLICAS} replicas in "
        f"{elapsed:.1f} s, {figures['errors']} errors, {refreshes} upstream refreshes after one expiry, "
        f"requests per replica {dict(pool.served)}, after the kill {after_kill}, "
        f"requests the balancer sent again {pool.retried}"
    )
    assert figures["calls"] == len(USERS) * CALLS_PER_USER and figures["errors"] == 0
    # Every user's access token expired once; across all replicas each was refreshed exactly once.
    assert refreshes == len(USERS)
    # Every replica served (sign-ins included), and what was sent after the kill the others answered alone.
    assert all(pool.served.get(port, 0) > 0 for port in pool.ports)
    victim = killed[0]
    assert after_kill[victim.port] == 0
    assert sum(after_kill.values()) > len(USERS) * 10
    for replica in cluster.replicas:
        if replica is not victim:
            assert "Traceback" not in replica.stderr(), replica.stderr()[-3000:]


async def test_a_user_whose_crm_grant_is_gone_is_asked_to_sign_in_again(cluster: Cluster) -> None:
    pool = cluster.pool
    person = oauth_client(
        cluster.public_url + "/mcp", 2, transport=Balancer(pool), browser_transport=BrowserBalancer(pool)
    )
    async with person.client() as client:
        assert structured(await client.call_tool("get_session_info", {}))["user"]["id"] == 2
        # The user disconnects the app in the CRM: their tokens there stop working, refresh token included.
        for key in cluster.crm.ids("oauth_refresh"):
            cluster.crm.delete("oauth_refresh", key)
        expire_access_tokens(cluster.crm)
        refused = await client.call_tool("get_deals", {"limit": 1})
    assert refused.is_error and "sign in again" in refused.content[0].text  # type: ignore[union-attr]
    # Their MCP token now gets a 401, and the client, signing in once more, carries on.
    assert person.storage.tokens is not None
    async with httpx.AsyncClient(transport=BrowserBalancer(pool)) as http:
        answer = await http.post(
            cluster.public_url + "/mcp",
            json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
            headers={
                "authorization": f"Bearer {person.storage.tokens.access_token}",
                "accept": "application/json, text/event-stream",
                "content-type": "application/json",
                "mcp-protocol-version": "2025-06-18",
            },
        )
    assert answer.status_code == 401 and "resource_metadata=" in answer.headers["www-authenticate"]
    async with person.client() as client:
        assert structured(await client.call_tool("get_deals", {"limit": 1}))["data"]
    assert len(person.browser.pages) == 2


async def test_with_an_attio_app_too_users_sign_in_at_both_and_each_api_gets_its_own_grant(
    cluster: Cluster,
) -> None:
    before = len(cluster.crm.ids("oauth_access"))
    person = oauth_client(cluster.both.url, 3)
    async with person.client() as client:
        info = structured(await client.call_tool("get_session_info", {}))
        workspace = structured(await client.call_tool("attio_identify", {}))
    # Two sign-in pages, Pipedrive's and then Attio's, each for its own app.
    assert len(person.browser.pages) == 2
    assert (
        "dealdesk-pipedrive-app" in person.browser.pages[0]
        and "dealdesk-attio-app" in person.browser.pages[1]
    )
    assert len(cluster.crm.ids("oauth_access")) - before == 2
    assert info["user"]["id"] == 3 and info["apis"]["attio"]["credentials"]
    assert info["identities"]["attio"]["workspace_id"] == workspace["data"]["workspace_id"]


async def test_a_confirm_value_one_replica_gave_is_carried_out_by_another(cluster: Cluster) -> None:
    """Stateless replicas ask no question mid-call: a destructive call is confirmed in two steps, and the
    second may reach another replica, which must accept the value the first one gave."""
    first, second = [r.port for r in cluster.replicas if r.process.poll() is None][:2]
    pool = Pool(cluster.pool.public_port, [first])
    person = oauth_client(
        cluster.public_url + "/mcp", 4, transport=Balancer(pool), browser_transport=BrowserBalancer(pool)
    )
    async with person.client() as client:
        deal = structured(await client.call_tool("add_deal", {"title": "confirmed elsewhere"}))["data"]
        asked = structured(await client.call_tool("delete_deal", {"id": deal["id"]}))
        pool.ports = [second]
        kept = alive("deal", cluster.crm.get("deal", deal["id"]))
        done = structured(
            await client.call_tool("delete_deal", {"id": deal["id"], "confirm": asked["confirm"]})
        )
    # The first replica only asked (the deal stayed); the second, given its value, deleted it.
    assert asked["confirm"] and asked["preview"] and kept
    assert done["data"]["id"] == deal["id"] and not alive("deal", cluster.crm.get("deal", deal["id"]))
    assert pool.served[second] == 1
