"""A tool call is this list of stages, run in order over one shared context (dealdesk_mcp.call.Call).

    validate -> resolve names -> policy -> fetch (build -> send -> decode, per page) -> shape -> fit

Each stage is a function in the module its name says; none calls back up here. A walk's pages are
shaped as they arrive: the shape stage's page shaper goes to the fetch stage on the call. A stage may answer
in place of the API (a dry run, a confirmation request): the call ends there. However it ends, a
write then leaves its line in the audit log.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from dealdesk_mcp import audit, fetching, fitting, names, policy, shaping, validation
from dealdesk_mcp.answers import AnswerTooDeep, Fitted
from dealdesk_mcp.call import Call
from dealdesk_mcp.errors import ApiError

Stage = Callable[[Call], Awaitable[None]]

STAGES: tuple[Stage, ...] = (
    validation.validate,
    names.resolve,  # first: a dry run shows custom fields by key, as they are sent
    policy.apply,
    fetching.fetch,
    shaping.shape,
    fitting.fit,
)
# What a walk over a *Fields list gathers at most (no company has more custom fields).
FIELDS_WANTED = 5000
FIELDS_PAGES = 10


async def run(call: Call, stages: tuple[Stage, ...] = STAGES) -> Fitted:
    failure: BaseException | None = None
    if shaping.shape in stages:
        call.page_shaper = shaping.shape_page
    try:
        for stage in stages:
            await stage(call)
            if call.result is not None:
                break
    except (RecursionError, AnswerTooDeep):
        failure = ApiError(
            f"the answer to {call.entry.name} is nested too deeply to read; refused (no CRM record is shaped like that)."
        )
        raise failure from None
    except BaseException as exc:  # recorded, then on its way
        failure = exc
        raise
    finally:
        audit.record(call, failure)
    assert call.result is not None, "the fit stage always answers"
    return call.result


async def collect(call: Call) -> list[Any]:
    """Every item of a list tool (validated and fetched only): how the *Fields lists are read."""
    call.arguments = {**call.arguments, "max_items": FIELDS_WANTED}
    call.max_pages = FIELDS_PAGES
    await validation.validate(call)
    await fetching.fetch(call)
    return list(call.walk.items) if call.walk is not None else []
