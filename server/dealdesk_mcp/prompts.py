"""Workflows written for agents, as MCP prompts: each a task in steps, naming the tools to use by
their real names (`backticked`; tests/test_prompts.py proves each is a catalog tool).

A prompt's text is filled from its arguments (an optional one left out reads as its `default`); the
message ends by naming the tools it uses that this connection does not offer, and how to get them.
An argument's `completes` names the completion source (completions.py) that suggests its values.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import mcp_types as types

from dealdesk_mcp.toolswitch import NAME as SWITCH

if TYPE_CHECKING:
    from dealdesk_mcp.app import Runtime

TOOL_NAME = re.compile(r"`([a-z][a-z0-9_]+)`")


@dataclass(frozen=True)
class PromptArg:
    name: str
    description: str
    required: bool = False
    # Said in the text when the argument is left out.
    default: str = ""
    # The completion source for its values (None: free text).
    completes: str | None = None


@dataclass(frozen=True)
class PromptSpec:
    name: str
    title: str
    description: str
    arguments: tuple[PromptArg, ...]
    text: str
    api: str = "pipedrive"

    def tools(self) -> list[str]:
        """The tools the text names, in order of first mention."""
        return list(dict.fromkeys(TOOL_NAME.findall(self.text)))


class UnknownPrompt(Exception):
    pass


class MissingArgument(Exception):
    pass


PROMPTS: tuple[PromptSpec, ...] = (
    PromptSpec(
        "weekly_pipeline_review",
        "Weekly pipeline review",
        "Review a pipeline's last days: what moved, what was won or lost, what is stuck; a short report.",
        (
            PromptArg("pipeline", "Pipeline name.", default="each pipeline", completes="pipeline"),
            PromptArg("owner", "Only deals of this user (name).", default="every owner", completes="user"),
            PromptArg("days", "How many days back.", default="7"),
        ),
        """Review {pipeline} in Pipedrive over the last {days} days, for {owner}, and write a short report. Change nothing.

1. Read the resource pipedrive://pipelines (or call `get_pipelines` and `get_stages`) for the pipeline and stage ids; read pipedrive://users (or `get_users`) for the owner's id.
2. Open deals: `get_deals` with pipeline_id, owner_id when given, status "open", max_items 500. Count deals and sum value per stage.
3. What changed: `get_deals` with status "won", then "lost", and updated_since {days} days ago. Note each deal's value and lost_reason.
4. Stuck deals: open deals not updated in the period, or without a next activity (no next_activity_id). For the largest few, `get_activities` with deal_id shows the last contact.
5. Totals: `get_deals_summary` with pipeline_id (and user_id for the owner) gives value by currency.

Report: pipeline totals by stage, wins and losses with reasons, the stuck deals with a suggested next step each.""",
    ),
    PromptSpec(
        "prepare_meeting",
        "Prepare for a meeting",
        "Brief me before a meeting with a person or organization: who they are, open deals, recent history.",
        (
            PromptArg("who", "The person's or organization's name.", required=True, completes="contact"),
            PromptArg("topic", "What the meeting is about.", default="not given"),
        ),
        """Prepare a one-page briefing for a meeting with {who} (topic: {topic}). Change nothing.

1. Find them: `search_persons` with term "{who}"; if nobody matches, `search_organization`. If several match, say so and list them instead of guessing.
2. Details: `get_person` (its org_id leads to `get_organization`), or `get_organization` for an organization.
3. Open deals: `get_deals` with person_id (or org_id), status "open": title, stage, value, expected close date.
4. History: `get_activities` with person_id (or org_id), newest first, and `get_notes` with person_id (or org_id): the last few contacts and what was said.
5. Open items: activities not done (done false) that are due.

Briefing: who they are (role, company), relationship so far, open deals and where each stands, promises made, three questions to ask.""",
    ),
    PromptSpec(
        "log_call_and_follow_up",
        "Log a call and schedule the follow-up",
        "Record a call that just happened (as a done activity with a note) and plan the next step.",
        (
            PromptArg("who", "The person called (name).", required=True, completes="person"),
            PromptArg("summary", "What was said and agreed.", required=True),
            PromptArg(
                "follow_up", "When to follow up (a date, or 'in 3 days').", default="in 3 working days"
            ),
            PromptArg(
                "deal", "The deal it was about (title).", default="the person's open deal, if exactly one"
            ),
        ),
        """Log a call with {who} and schedule the follow-up.

Call summary: {summary}

1. Find the person: `search_persons` with term "{who}"; if several match, ask which one before writing anything.
2. Find the deal ({deal}): `get_deals` with person_id and status "open", or `search_deals` by title.
3. Log the call: `add_activity` with type "call", done true, due_date today, subject a few words of the summary, person_id and deal_id, and the summary as its note.
4. Keep the details: `add_note` with the summary as content, person_id and deal_id.
5. Follow up: `add_activity` with type "call" (or "task"), done false, due_date {follow_up}, the same person_id and deal_id, subject saying what is to be done.
6. If the summary moves the deal on (a new stage, a new value or close date), say so and `update_deal` only after confirming with me.

Answer with the ids of what you created.""",
    ),
    PromptSpec(
        "clean_up_duplicates",
        "Clean up duplicates",
        "Find duplicate people or organizations and merge them, asking before each merge.",
        (
            PromptArg("kind", "persons or organizations.", default="persons", completes="duplicate_kind"),
            PromptArg("name", "Only records whose name contains this.", default="any name"),
            PromptArg(
                "field", "The field that marks a duplicate.", default="name and email", completes="field"
            ),
        ),
        """Find duplicate {kind} in Pipedrive (name filter: {name}; compared by {field}) and merge them with my consent.

1. Gather: `get_persons` (or `get_organizations`) with max_items 500; with a name filter, `search_persons` (or `search_organization`) with term "{name}" instead.
2. Group records that share {field}, ignoring case, spaces and punctuation. Read pipedrive://fields/{kind} (or `get_person_fields` / `get_organization_fields`) to learn which fields exist.
3. Show each group: ids, names, emails or addresses, deal counts, who owns them. Propose which record to keep (most deals and activities, newest data).
4. Only after I agree to a group, merge: `merge_persons` (or `merge_organizations`) with id the record to drop and merge_with_id the one to keep. Merging cannot be undone.
5. List what was merged and what was left for later.""",
    ),
    PromptSpec(
        "qualify_lead",
        "Qualify a lead",
        "Check a lead against qualification criteria; convert it to a deal or label it, with my consent.",
        (
            PromptArg("lead", "The lead's title.", required=True, completes="lead"),
            PromptArg(
                "criteria",
                "What makes a lead qualified.",
                default="a named contact, a real need, budget and a timeline",
            ),
            PromptArg(
                "pipeline",
                "Pipeline for the deal if qualified.",
                default="the default pipeline",
                completes="pipeline",
            ),
            PromptArg(
                "stage",
                "Stage for the deal if qualified.",
                default="the pipeline's first stage",
                completes="stage",
            ),
        ),
        """Qualify the lead "{lead}" against these criteria: {criteria}.

1. Find it: `search_leads` with term "{lead}", then `get_lead` with its id (a UUID). Note its person and organization.
2. Context: `get_person` and `get_organization` for the linked contact; `get_activities` with lead_id and `get_notes` with lead_id for what happened so far.
3. Judge each criterion: met, not met, or unknown, citing the facts found.
4. If qualified and I agree: `convert_lead_to_deal` with pipeline_id and stage_id for {pipeline}, {stage} (ids from pipedrive://pipelines or `get_pipelines` and `get_stages`).
5. If not yet: `update_lead` with label_ids of a fitting label (pipedrive://lead-labels or `get_lead_labels`), and `add_activity` with lead_id for the next step.

Answer with the verdict per criterion and what you did.""",
    ),
)
BY_NAME = {p.name: p for p in PROMPTS}


def offered(runtime: Runtime, apis: set[str]) -> list[PromptSpec]:
    return [p for p in PROMPTS if p.api in apis]


def listed(spec: PromptSpec) -> types.Prompt:
    return types.Prompt(
        name=spec.name,
        title=spec.title,
        description=spec.description,
        arguments=[
            types.PromptArgument(name=a.name, description=a.description, required=a.required)
            for a in spec.arguments
        ],
    )


def fill(spec: PromptSpec, given: Mapping[str, str] | None) -> str:
    given = {k: v.strip() for k, v in (given or {}).items() if isinstance(v, str) and v.strip()}  # pyright: ignore[reportUnnecessaryIsInstance]
    values: dict[str, str] = {}
    for arg in spec.arguments:
        value = given.get(arg.name)
        if value is None:
            if arg.required:
                raise MissingArgument(
                    f"prompt {spec.name} needs the argument {arg.name!r}: {arg.description}"
                )
            value = arg.default
        values[arg.name] = value
    unknown = sorted(set(given) - set(values))
    if unknown:
        valid = ", ".join(a.name for a in spec.arguments)
        raise MissingArgument(f"prompt {spec.name} takes no argument {', '.join(unknown)}; it takes: {valid}")
    # Braces in the user's values stay as typed: one substitution pass, no format language.
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), m.group(0)), spec.text)


def availability(runtime: Runtime, spec: PromptSpec) -> str:
    """A closing line naming the prompt's tools this connection does not offer, and how to get them."""
    if runtime.settings.discovery:
        return "Reach these tools through search_operations, describe_operation and call_operation."
    missing = [n for n in spec.tools() if n not in runtime.enabled]
    if not missing:
        return ""
    level = runtime.settings.writes
    beyond = [n for n in missing if not runtime.catalog.tools[n].allowed_at(level)]
    switchable = sorted({runtime.catalog.tools[n].toolset for n in missing if n not in beyond})
    lines = [f"Not offered on this connection now: {', '.join(missing)}."]
    if switchable and runtime.connection is not None and runtime.connection.lasting:
        lines.append(f"`{SWITCH}` with enable {switchable} offers them.")
    elif switchable:
        lines.append(
            f"The server offers them when started with --toolsets including {', '.join(switchable)}."
        )
    if beyond:
        lines.append(f"{', '.join(beyond)} need a higher write level than {level!r} (the server's --writes).")
    return " ".join(lines)


def get(
    runtime: Runtime, name: str, arguments: Mapping[str, str] | None, apis: set[str]
) -> types.GetPromptResult:
    spec = BY_NAME.get(name)
    if spec is None or spec.api not in apis:
        known = ", ".join(p.name for p in offered(runtime, apis)) or "none"
        raise UnknownPrompt(f"unknown prompt {name!r}; prompts here: {known}")
    text = fill(spec, arguments)
    closing = availability(runtime, spec)
    if closing:
        text += "\n\n" + closing
    return types.GetPromptResult(
        description=spec.description,
        messages=[types.PromptMessage(role="user", content=types.TextContent(text=text))],
    )
