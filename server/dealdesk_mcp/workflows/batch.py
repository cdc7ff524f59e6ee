"""`batch`: several tool calls in one. Each operation is called exactly as if the agent had called it
(runtime.call: the same model validates it, the same listing, write-level, confirmation and audit
rules apply), independent ones concurrently within a small limit, and each answers in its place."""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import anyio
from pydantic import BaseModel, ConfigDict, Field

from dealdesk_mcp import files
from dealdesk_mcp.account import Account
from dealdesk_mcp.answers import dumps
from dealdesk_mcp.call import Peer, Progress
from dealdesk_mcp.config import Settings
from dealdesk_mcp.errors import ToolError
from dealdesk_mcp.server_tools import ServerTool, ServerToolInput, registered
from dealdesk_mcp.workflows import references

if TYPE_CHECKING:
    from dealdesk_mcp.app import Runtime

log = logging.getLogger(__name__)

NAME = "batch"
# 50: the answers of 50 ordinary writes (a few hundred characters each) fit one answer cap of 20,000
# characters, and 50 calls four at a time finish in seconds, well inside a host's wait for a tool call.
MAX_OPERATIONS = 50
# Operations running at once: few enough that a batch never floods the API's rate window by itself.
CONCURRENT = 4


class Operation(BaseModel):
    # Listed as a plain object (the description names its two keys): every listed character counts.
    model_config = ConfigDict(extra="forbid", json_schema_extra=lambda schema: _plain(schema))

    tool: str
    arguments: dict[str, Any] = Field(default_factory=dict[str, Any])


def _plain(schema: dict[str, Any]) -> None:
    schema.clear()
    schema["type"] = "object"


class BatchInput(ServerToolInput):
    operations: list[Operation] = Field(max_length=MAX_OPERATIONS)
    # None (not given) is false; no default is listed, as every listed character counts.
    stop_on_error: bool | None = None


class _OneQuestionAtATime:
    """The client, asked one confirmation at a time however many operations run at once. Only where
    the question waits for its answer: a client that answers by calling again would run the batch's
    earlier writes a second time, so there its operations answer with a preview to confirm instead."""

    def __init__(self, peer: Peer) -> None:
        self._peer = peer
        self._lock = anyio.Lock()

    def can_elicit(self) -> bool:
        return self._peer.asks_while_waiting() and self._peer.can_elicit()

    def asks_while_waiting(self) -> bool:
        return self._peer.asks_while_waiting()

    async def elicit(self, message: str, schema: dict[str, Any]) -> tuple[str, dict[str, Any] | None]:
        async with self._lock:
            return await self._peer.elicit(message, schema)


def refusal(runtime: Runtime, tool: str) -> str | None:
    """Why `tool` cannot be an operation of a batch on this server, or None if it can."""
    if tool == NAME:
        return "a batch cannot hold another batch; list its operations in this one."
    if tool in runtime.server_tools:
        return None
    own = next((t for t in registered() if t.name == tool), None)
    if own is not None:
        if not own.read_only and runtime.settings.read_only:
            return f"{tool} changes data, and this server runs read-only (PIPEDRIVE_WRITES=none)."
        missing = [name for name in own.needs if name not in runtime.enabled]
        if missing:
            return f"{tool} calls {missing[0]}, which this server does not offer: " + _why(
                runtime, missing[0]
            )
        return f"{tool} is not offered with this server's settings (toolsets, write level, discovery)."
    try:
        runtime.reachable(tool)
    except ToolError as exc:
        return exc.message
    return None


def _why(runtime: Runtime, tool: str) -> str:
    try:
        runtime.reachable(tool)
    except ToolError as exc:
        return exc.message
    return "it is not enabled."


class _Run:
    """One batch under way: results by operation, and the answers later operations may refer to."""

    def __init__(self, runtime: Runtime, account: Account, peer: Peer | None, ops: list[Operation]) -> None:
        self.runtime = runtime
        self.account = account
        self.peer = peer
        self.ops = ops
        self.results: list[dict[str, Any] | None] = [None] * len(ops)
        self.answers: dict[int, Any] = {}
        self.finished = [anyio.Event() for _ in ops]
        self.progress: Progress | None = None
        self.count = 0

    def precheck(self, index: int) -> str | None:
        op = self.ops[index]
        refused = refusal(self.runtime, op.tool)
        if refused:
            return refused
        later = sorted(n for n in references.referenced(op.arguments) if n >= index)
        if later:
            return (
                f"arguments refer to operation {later[0]}, which does not come before this one "
                f"(operation {index}); a reference may only name an earlier operation."
            )
        return None

    async def one(self, index: int) -> None:
        op = self.ops[index]
        try:
            arguments = references.substitute(op.arguments, self.answers)
            answer = await self.runtime.call(op.tool, arguments, None, self.account, self.peer)
        except ToolError as exc:
            self.results[index] = {"ok": False, "error": exc.message}
        except Exception:  # a bug of ours fails one operation, not the batch
            log.exception("batch operation %d (%s) failed unexpectedly", index, op.tool)
            self.results[index] = {
                "ok": False,
                "error": f"{op.tool} failed inside the server; see the server log.",
            }
        else:
            self.answers[index] = answer.value
            self.results[index] = {"ok": True, "result": answer.value}
        await self._finished(index)

    async def _finished(self, index: int) -> None:
        self.finished[index].set()
        self.count += 1
        if self.progress is not None:
            await self.progress(self.count, len(self.ops), f"batch: {self.count} of {len(self.ops)} done")

    async def fail(self, index: int, message: str) -> None:
        self.results[index] = {"ok": False, "error": message}
        await self._finished(index)

    async def in_order(self) -> None:
        """One at a time, stopping at the first error: the rest answer as not run."""
        for index in range(len(self.ops)):
            refused = self.precheck(index)
            if refused:
                await self.fail(index, refused)
            else:
                await self.one(index)
            result = self.results[index]
            if result is not None and not result["ok"]:
                for rest in range(index + 1, len(self.ops)):
                    self.results[rest] = {
                        "ok": False,
                        "not_run": True,
                        "error": f"not run: operation {index} failed and stop_on_error is set.",
                    }
                return

    async def concurrently(self) -> None:
        """Each operation as soon as the ones it refers to have answered, a few at a time."""
        limit = anyio.CapacityLimiter(CONCURRENT)

        async def task(index: int) -> None:
            refused = self.precheck(index)
            if refused:
                await self.fail(index, refused)
                return
            needed = sorted(references.referenced(self.ops[index].arguments))
            for earlier in needed:
                await self.finished[earlier].wait()
            failed = [n for n in needed if n not in self.answers]
            if failed:
                await self.fail(
                    index, f"not run: it refers to operation {failed[0]}, which failed (see its error)."
                )
                return
            async with limit:
                await self.one(index)

        async with anyio.create_task_group() as tasks:
            for index in range(len(self.ops)):
                tasks.start_soon(task, index)


def _fit(results: list[dict[str, Any]], account: Account, limit: int) -> list[dict[str, Any]]:
    """Results within the answer cap: the largest answers move, whole, to files named in their place."""
    if len(dumps(results)) <= limit:
        return results
    fitted = list(results)
    by_size = sorted(
        (i for i, r in enumerate(results) if r.get("ok")), key=lambda i: -len(dumps(results[i]["result"]))
    )
    stamp = int(time.time())
    for index in by_size:
        text = account.scrub(dumps(results[index]["result"]))
        path = files.write_json_file(
            account.download_dir, f"batch-{stamp}-{index}.json", text, account.secrets()
        )
        note = f"operation {index}'s answer ({len(text)} characters) did not fit beside the others"
        fitted[index] = {"ok": True, "result": {"cut": {"note": note, "full_answer_file": path}}}
        if len(dumps(fitted)) <= limit:
            break
    return fitted


async def run_batch(
    runtime: Runtime, account: Account, args: BatchInput, progress: Progress | None, peer: Peer | None
) -> dict[str, Any]:
    asking = _OneQuestionAtATime(peer) if peer is not None else None
    batch = _Run(runtime, account, asking, list(args.operations))
    batch.progress = progress
    if args.stop_on_error:
        await batch.in_order()
    else:
        await batch.concurrently()
    results = [r if r is not None else {"ok": False, "error": "not run."} for r in batch.results]
    failed = sum(1 for r in results if not r["ok"] and not r.get("not_run"))
    skipped = sum(1 for r in results if r.get("not_run"))
    return {
        "results": _fit(results, account, runtime.settings.max_answer_chars),
        "done": len(results) - failed - skipped,
        "failed": failed,
        "not_run": skipped,
    }


OUTPUT_SCHEMA: dict[str, Any] = {"type": "object", "required": ["results"]}
DESCRIPTION = (
    f"Up to {MAX_OPERATIONS} tool calls {{tool, arguments}}, concurrently where independent. "
    '"$N.path" in arguments: that path of operation N\'s answer ("$0.data.id").'
)


def _reads(settings: Settings) -> bool:
    return settings.writes == "none"


def _safe(settings: Settings) -> bool:
    return settings.writes == "safe"


def _all(settings: Settings) -> bool:
    return settings.writes == "all"


_BATCH = ServerTool(
    NAME,
    "Batch tool calls",
    DESCRIPTION,
    BatchInput,
    run_batch,
    read_only=False,
    output_schema=OUTPUT_SCHEMA,
)
# One record per write level: what the batch may do is what the server's other tools may do.
TOOLS = (
    replace(_BATCH, offered=_safe),
    replace(_BATCH, destructive=True, offered=_all),
    # On a read-only server it only reads: its writes are refused one by one.
    replace(
        _BATCH,
        description=DESCRIPTION + " Writes are refused (read-only server).",
        read_only=True,
        offered=_reads,
    ),
)
