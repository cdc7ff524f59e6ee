"""Find-or-create: `upsert_person` (by email), `upsert_organization` (by name, and domain where given),
`upsert_deal` (by title and organization, or by one custom field's value).

Each searches with the API's own search (exact match), keeps only candidates whose record equals the
key exactly, and then: one candidate is `found` (and returned, unchanged); two or more are
`ambiguous` (listed, nothing created); none is `created` through the direct add_* tool, so the write
level, confirmation and audit rules apply as to any write. Per key, one upsert runs at a time
(keylocks), so concurrent upserts of one key create one record.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from pydantic import ConfigDict, Field, ValidationError, field_validator

from dealdesk_mcp.account import Account
from dealdesk_mcp.call import Peer, Progress
from dealdesk_mcp.errors import ApiError, InvalidArguments
from dealdesk_mcp.jsonvalues import as_object, is_array, is_object
from dealdesk_mcp.server_tools import ServerTool, ServerToolInput
from dealdesk_mcp.validation import describe
from dealdesk_mcp.workflows.keylocks import LOCKS, RECENT
from dealdesk_mcp.workflows.reading import Reader

if TYPE_CHECKING:
    from dealdesk_mcp.app import Runtime

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
Outcome = Literal["created", "found", "ambiguous", "not_created"]


class UpsertInput(ServerToolInput):
    """Arguments besides the key are the add tool's own, used only to create (listed there, not here:
    every listed character counts). A `fields` object holding them is taken as well."""

    model_config = ConfigDict(extra="allow")

    def creating(self, own: tuple[str, ...]) -> dict[str, Any]:
        extra = dict(self.model_extra or {})
        nested = extra.pop("fields", None)
        if is_object(nested):
            clash = sorted(set(nested) & set(extra))
            if clash:
                raise InvalidArguments(f"fields.{clash[0]}: given twice, in fields and beside it.")
            extra.update(nested)
        elif nested is not None:
            raise InvalidArguments("fields: expected an object of add tool arguments.")
        mine = sorted(set(extra) & set(own))
        if mine:
            raise InvalidArguments(f"fields.{mine[0]}: give it as the upsert's own argument.")
        return extra


class UpsertPersonInput(UpsertInput):
    email: str
    name: str

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        value = value.strip()
        if not EMAIL.match(value):
            raise ValueError("expected an email address like ada@example.com")
        return value


class UpsertOrganizationInput(UpsertInput):
    name: str
    domain: str | None = None

    @field_validator("domain")
    @classmethod
    def _domain(cls, value: str | None) -> str | None:
        if value is None:
            return None
        host = domain_of(value)
        if not host or "." not in host:
            raise ValueError("expected a domain like acme.com")
        return host


class UpsertDealInput(UpsertInput):
    title: str
    org_id: int | None = None
    key_field: str | None = Field(default=None, description="Custom field to match on.")


def domain_of(text: str) -> str:
    """The host of a website or domain as typed ("https://www.Acme.com/x" -> "acme.com")."""
    import httpx  # with the first request, not at start (see static_auth)

    text = text.strip()
    try:
        host = httpx.URL(text if "//" in text else f"//{text}").host
    except httpx.InvalidURL:
        return ""
    return host.lower().removeprefix("www.")


@dataclass
class Key:
    """What an upsert matches on, as told to the agent, and as the lock knows it."""

    entity: str
    on: dict[str, Any]
    rule: str

    def lock_key(self, account: Account, origin: str) -> tuple[Any, ...]:
        """Whose records (the account at its API's origin), which entity, which key."""
        values = tuple(str(v).casefold() for v in self.on.values())
        return (account.key, origin, self.entity, *self.on, *values)

    def described(self, via: str) -> dict[str, Any]:
        return {"on": self.on, "rule": self.rule, "searched_with": via}


Find = Callable[[Reader], Awaitable[list[dict[str, Any]]]]


@dataclass
class Plan:
    key: Key
    search_tool: str
    find: Find
    get_tool: str
    create_tool: str
    create_args: dict[str, Any]


def _check(runtime: Runtime, tool: str, arguments: dict[str, Any]) -> None:
    """A new record's arguments, checked by the add tool's own model before anything is searched."""
    model = runtime.catalog.tools[tool].model()
    try:
        model.model_validate(arguments)
    except ValidationError as exc:
        raise InvalidArguments(describe(tool, exc, model)) from None


async def _record(runtime: Runtime, account: Account, peer: Peer | None, tool: str, ident: Any) -> Any:
    """The record `ident` as the get tool answers it (shaped, custom fields by name); None if gone."""
    try:
        answer = await runtime.call(tool, {"id": ident}, None, account, peer)
    except ApiError as exc:
        if exc.status == 404:
            return None
        raise
    return answer.value.get("data")


async def upsert(runtime: Runtime, account: Account, peer: Peer | None, plan: Plan) -> dict[str, Any]:
    key = plan.key
    match = key.described(plan.search_tool)
    api = runtime.catalog.tools[plan.search_tool].api
    lock_key = key.lock_key(account, account.origin(runtime.profiles[api]))
    async with LOCKS.hold(lock_key):
        remembered = RECENT.recall(lock_key)
        if remembered is not None:
            record = await _record(runtime, account, peer, plan.get_tool, remembered)
            if record is not None:
                match["note"] = "created by this server moments ago (a search may not list it yet)"
                return {"outcome": "found", "match": match, "data": record}
            RECENT.forget(lock_key)
        candidates = await plan.find(Reader(runtime, account, None))
        if len(candidates) > 1:
            return {
                "outcome": "ambiguous",
                "match": match,
                "data": {"candidates": candidates},
                "notes": [
                    f"{len(candidates)} records match; nothing was created. Use one's id, or make the key narrower."
                ],
            }
        if candidates:
            record = await _record(runtime, account, peer, plan.get_tool, candidates[0]["id"])
            if record is not None:
                match["matched"] = candidates[0]  # what the search found, as compared with the key
                return {"outcome": "found", "match": match, "data": record}
        answer = await runtime.call(plan.create_tool, plan.create_args, None, account, peer)
        data = answer.value.get("data")
        if is_object(data) and "id" in data:
            RECENT.remember(lock_key, data["id"])
            return {"outcome": "created", "match": match, "data": data}
        # A dry run or a confirmation request: nothing exists yet, and the write's answer says why.
        return {"outcome": "not_created", "match": match, **answer.value}


def _same(a: Any, b: Any) -> bool:
    return isinstance(a, str) and isinstance(b, str) and a.strip().casefold() == b.strip().casefold()


def _hits(items: list[Any]) -> list[dict[str, Any]]:
    """The records of search results ({result_score, item})."""
    out: list[dict[str, Any]] = []
    for hit in items:
        item = as_object(as_object(hit) and hit.get("item"))
        if item is not None and "id" in item:
            out.append(item)
    return out


def _org_id(item: dict[str, Any]) -> Any:
    org = as_object(item.get("organization"))
    return org.get("id") if org is not None else item.get("org_id")


# -- people ---------------------------------------------------------------------------------------
def person_plan(runtime: Runtime, args: UpsertPersonInput) -> Plan:
    given = args.creating(("name", "email"))
    extra = given.get("emails")
    others = (
        [e for e in extra if not (is_object(e) and _same(e.get("value"), args.email))]
        if is_array(extra)
        else []
    )
    create = {
        **given,
        "name": args.name,
        "emails": [{"value": args.email, "primary": True, "label": "work"}, *others],
    }
    _check(runtime, "add_person", create)

    async def find(reader: Reader) -> list[dict[str, Any]]:
        items = await reader.walk(
            "search_persons", {"term": args.email, "fields": ["email"], "exact_match": True}
        )
        found: list[dict[str, Any]] = []
        for item in _hits(items):
            emails = item.get("emails")
            values = [e.get("value") if is_object(e) else e for e in emails] if is_array(emails) else []
            if any(_same(v, args.email) for v in values):
                found.append({"id": item["id"], "name": item.get("name"), "emails": values})
        return found

    key = Key("person", {"email": args.email}, "an email of the person equals it, ignoring case")
    return Plan(key, "search_persons", find, "get_person", "add_person", create)


# -- organizations --------------------------------------------------------------------------------
def organization_plan(runtime: Runtime, args: UpsertOrganizationInput) -> Plan:
    create = {**args.creating(("name", "domain")), "name": args.name}
    if args.domain and "website" not in create:
        create["website"] = f"https://{args.domain}"
    _check(runtime, "add_organization", create)
    domain = args.domain

    async def find(reader: Reader) -> list[dict[str, Any]]:
        items = await reader.walk(
            "search_organization", {"term": args.name, "fields": ["name"], "exact_match": True}
        )
        named = [i for i in _hits(items) if _same(i.get("name"), args.name)]
        found = [{"id": i["id"], "name": i.get("name")} for i in named]
        if domain is None or not found:
            return found
        same_domain: list[dict[str, Any]] = []
        without: list[dict[str, Any]] = []
        for candidate in found:
            record = as_object(await reader.one("get_organization", {"id": candidate["id"]})) or {}
            website = record.get("website")
            candidate["website"] = website
            if isinstance(website, str) and website.strip():
                if domain_of(website) == domain:
                    same_domain.append(candidate)
            else:
                without.append(candidate)
        return same_domain or without

    if domain is None:
        key = Key("organization", {"name": args.name}, "the name equals it, ignoring case")
    else:
        key = Key(
            "organization",
            {"name": args.name, "domain": domain},
            "the name equals it, ignoring case, and the website is on that domain (or the "
            "organization has no website); same-named ones on other domains do not match",
        )
    return Plan(key, "search_organization", find, "get_organization", "add_organization", create)


# -- deals ----------------------------------------------------------------------------------------
async def deal_plan(runtime: Runtime, account: Account, args: UpsertDealInput) -> Plan:
    given = args.creating(("title", "org_id", "key_field"))
    create = {**given, "title": args.title}
    if args.org_id is not None:
        create["org_id"] = args.org_id
    _check(runtime, "add_deal", create)
    org_id = args.org_id
    if args.key_field is None:
        search: dict[str, Any] = {"term": args.title, "fields": ["title"], "exact_match": True}
        if org_id is not None:
            search["organization_id"] = org_id

        async def by_title(reader: Reader) -> list[dict[str, Any]]:
            items = _hits(await reader.walk("search_deals", search))
            return [
                _deal_summary(i)
                for i in items
                if _same(i.get("title"), args.title) and (org_id is None or _org_id(i) == org_id)
            ]

        on: dict[str, Any] = {"title": args.title}
        rule = "the title equals it, ignoring case"
        if org_id is not None:
            on["org_id"] = org_id
            rule += ", and the deal's organization is org_id"
        return Plan(Key("deal", on, rule), "search_deals", by_title, "get_deal", "add_deal", create)

    custom = as_object(given.get("custom_fields")) or {}
    if args.key_field not in custom:
        raise InvalidArguments(f"key_field: give the value to match in custom_fields[{args.key_field!r}].")
    directory = account.fields
    fields = await directory.fields("deals") if directory is not None else None
    if fields is None:
        raise InvalidArguments("key_field: this server cannot read the deal fields of the account.")
    info = fields.resolve(args.key_field)
    wanted = fields.option_id(info, custom[args.key_field])
    term = str(wanted)

    async def by_field(reader: Reader) -> list[dict[str, Any]]:
        items = _hits(
            await reader.walk(
                "search_deals", {"term": term, "fields": ["custom_fields"], "exact_match": True}
            )
        )
        found: list[dict[str, Any]] = []
        for item in items:
            if org_id is not None and _org_id(item) != org_id:
                continue
            record = as_object(await reader.one("get_deal", {"id": item["id"]})) or {}
            stored = (as_object(record.get("custom_fields")) or {}).get(info.key, record.get(info.key))
            if is_object(stored) and "value" in stored:
                stored = stored["value"]  # monetary and range fields
            if stored is not None and str(stored).casefold() == term.casefold():
                found.append(_deal_summary(item))
        return found

    on = {info.name: custom[args.key_field]}
    rule = f"the custom field {info.name!r} equals it"
    if org_id is not None:
        on["org_id"] = org_id
        rule += ", and the deal's organization is org_id"
    return Plan(Key("deal", on, rule), "search_deals", by_field, "get_deal", "add_deal", create)


def _deal_summary(item: dict[str, Any]) -> dict[str, Any]:
    summary = {k: item[k] for k in ("id", "title", "status") if k in item}
    org = as_object(item.get("organization"))
    if org is not None:
        summary["organization"] = {k: org[k] for k in ("id", "name") if k in org}
    return summary


# -- the tools ------------------------------------------------------------------------------------
async def _person(
    runtime: Runtime, account: Account, args: UpsertPersonInput, progress: Progress | None, peer: Peer | None
) -> dict[str, Any]:
    return await upsert(runtime, account, peer, person_plan(runtime, args))


async def _organization(
    runtime: Runtime,
    account: Account,
    args: UpsertOrganizationInput,
    progress: Progress | None,
    peer: Peer | None,
) -> dict[str, Any]:
    return await upsert(runtime, account, peer, organization_plan(runtime, args))


async def _deal(
    runtime: Runtime, account: Account, args: UpsertDealInput, progress: Progress | None, peer: Peer | None
) -> dict[str, Any]:
    return await upsert(runtime, account, peer, await deal_plan(runtime, account, args))


OUTPUT_SCHEMA: dict[str, Any] = {"type": "object", "required": ["outcome"]}
# The answer says the rest: its outcome (created, found, ambiguous: the candidates listed, none created).
ANSWER = "; else added with the other arguments ({tool}'s)."

TOOLS = (
    ServerTool(
        "upsert_person",
        "Find or add a person",
        "Matched by exact email" + ANSWER.format(tool="add_person"),
        UpsertPersonInput,
        _person,
        read_only=False,
        output_schema=OUTPUT_SCHEMA,
        needs=("search_persons", "get_person", "add_person"),
    ),
    ServerTool(
        "upsert_organization",
        "Find or add an organization",
        "Matched by exact name (and domain)" + ANSWER.format(tool="add_organization"),
        UpsertOrganizationInput,
        _organization,
        read_only=False,
        output_schema=OUTPUT_SCHEMA,
        needs=("search_organization", "get_organization", "add_organization"),
    ),
    ServerTool(
        "upsert_deal",
        "Find or add a deal",
        "Matched by exact title and org_id, or key_field" + ANSWER.format(tool="add_deal"),
        UpsertDealInput,
        _deal,
        read_only=False,
        output_schema=OUTPUT_SCHEMA,
        needs=("search_deals", "get_deal", "add_deal"),
    ),
)
