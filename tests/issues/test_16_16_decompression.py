"""Issue 16, item 16: a 398 kB gzip JSON answer pushed the server to 2 GB of memory. Decoded answers are
bounded while they stream in, then refused clearly; other calls go on."""

from __future__ import annotations

import gzip
import resource

from tests.conftest import connect, make_settings, text_of
from tests.standin import Reply

# About 200 MB of JSON once inflated, under half a megabyte on the wire.
BOMB = gzip.compress(b'{"success":true,"data":[' + b'{"id":1},' * 22_000_000 + b'{"id":2}]}', compresslevel=9)


async def test_a_gzip_bomb_is_refused_without_inflating_it(standin, tmp_path):
    assert len(BOMB) < 600_000
    standin.reply_with(
        lambda r: (
            Reply(200, BOMB, {"content-encoding": "gzip", "content-type": "application/json"})
            if r.path == "/api/v2/deals"
            else Reply(body={"success": True, "data": {"id": 5}})
        )
    )
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    settings = make_settings(standin, tmp_path, PIPEDRIVE_MAX_RETRIES="1")
    async with connect(settings) as client:
        bomb = await client.call_tool("get_deals", {})
        after_bomb = await client.call_tool("get_deal", {"id": 5})
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert bomb.is_error and "once decoded; refused" in text_of(bomb)
    assert not after_bomb.is_error
    assert grown_mb < 150, (
        grown_mb
    )  # the bound (64 MB) plus working room, never the 200 MB it would inflate to
