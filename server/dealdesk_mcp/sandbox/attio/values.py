"""Attribute values: reading what a write sends, keeping Attio's value history, and rendering it.

A record's (or list entry's) values are stored per attribute id as a list of versioned entries:
{"active_from", "active_until", "created_by_actor", "attribute_type", ...the type's own fields}.
A write never edits an entry: it closes the ones that no longer hold (active_until = now) and adds
new ones, so the history stays readable (list-record-attribute-values with show_historic).
Select and status entries store the option or status id; rendering expands them to the object.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from functools import cache
from typing import Any

from dealdesk_mcp.sandbox import documents as specs

from ..jsontypes import as_array, is_array, is_object
from . import structure
from .errors import BadRequest
from .repo import Doc, Repo
from .wire import is_uuid, parse_day, parse_moment, stamp

Content = dict[str, Any]
# Attio puts these before the type's own fields in every value.
VERSION_KEYS = ("active_from", "active_until", "created_by_actor")

# Calling codes for the countries a sandbox user is likely to type; longest prefix wins.
DIAL_CODES = {
    "1": "US", "7": "RU", "20": "EG", "27": "ZA", "30": "GR", "31": "NL", "32": "BE", "33": "FR",
    "34": "ES", "36": "HU", "39": "IT", "40": "RO", "41": "CH", "43": "AT", "44": "GB", "45": "DK",
    "46": "SE", "47": "NO", "48": "PL", "49": "DE", "52": "MX", "54": "AR", "55": "BR", "56": "CL",
    "57": "CO", "61": "AU", "64": "NZ", "65": "SG", "81": "JP", "82": "KR", "86": "CN", "90": "TR",
    "91": "IN", "351": "PT", "352": "LU", "353": "IE", "354": "IS", "358": "FI", "420": "CZ",
    "852": "HK", "971": "AE", "972": "IL",
}  # fmt: skip
COUNTRY_DIAL = {country: code for code, country in DIAL_CODES.items()}
SECOND_LEVEL = {"co", "com", "org", "net", "ac", "gov", "edu"}
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@cache
def country_codes() -> frozenset[str]:
    """ISO country codes as the document lists them for location values."""
    schemas = specs.load("attio")["components"]["schemas"]["output-value"]["anyOf"]
    location = next(s for s in schemas if s["properties"]["attribute_type"]["enum"] == ["location"])
    return frozenset(c for c in location["properties"]["country_code"]["enum"] if c)


@cache
def currency_codes() -> frozenset[str]:
    schemas = specs.load("attio")["components"]["schemas"]["output-value"]["anyOf"]
    money = next(s for s in schemas if s["properties"]["attribute_type"]["enum"] == ["currency"])
    return frozenset(c for c in money["properties"]["currency_code"]["enum"] if c)


class Writer:
    """Parses written values for the attributes of one parent (an object or a list)."""

    def __init__(self, repo: Repo, parent_id: str, actor: Mapping[str, Any], moment: datetime) -> None:
        self.repo = repo
        self.parent_id = parent_id
        self.actor = dict(actor)
        self.moment = moment

    # -- reading one written value ----------------------------------------------------------------

    def parse(self, attr: Doc, raw: Any) -> Content:
        slug = attr["api_slug"]
        kind = attr["type"]
        parser: Callable[[Doc, Any, str], Content] | None = getattr(self, "_" + kind.replace("-", "_"), None)
        if parser is None or kind == "interaction":
            raise BadRequest(f"Attribute {slug!r} ({kind}) cannot be written", code="immutable_value")
        return parser(attr, raw, slug)

    @staticmethod
    def _field(raw: Any, key: str, slug: str) -> Any:
        """A written value given bare or as an object with one named field."""
        if is_object(raw):
            if key not in raw:
                raise BadRequest(f"A value of {slug!r} must have {key!r}")
            return raw[key]
        return raw

    def _text(self, attr: Doc, raw: Any, slug: str) -> Content:
        value = self._field(raw, "value", slug)
        if not isinstance(value, str):
            raise BadRequest(f"{slug!r} takes text, got {type(value).__name__}")
        return {"value": value}

    def _number(self, attr: Doc, raw: Any, slug: str) -> Content:
        value = self._field(raw, "value", slug)
        if isinstance(value, str):
            try:
                value = float(value)
            except ValueError:
                raise BadRequest(f"{slug!r} takes a number, got {value!r}") from None
        if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
            raise BadRequest(f"{slug!r} takes a number")
        return {"value": int(value) if float(value).is_integer() and abs(value) < 2**53 else value}

    def _checkbox(self, attr: Doc, raw: Any, slug: str) -> Content:
        value = self._field(raw, "value", slug)
        if isinstance(value, str) and value.lower() in ("true", "false"):
            value = value.lower() == "true"
        if not isinstance(value, bool):
            raise BadRequest(f"{slug!r} takes true or false")
        return {"value": value}

    def _currency(self, attr: Doc, raw: Any, slug: str) -> Content:
        amount = self._number(attr, {"value": self._field(raw, "currency_value", slug)}, slug)["value"]
        code = raw.get("currency_code") if is_object(raw) else None
        code = code or attr["config"]["currency"]["default_currency_code"]
        if code is not None and code not in currency_codes():
            raise BadRequest(f"{slug!r}: {code!r} is not a currency code Attio knows")
        return {"currency_value": amount, "currency_code": code}

    def _date(self, attr: Doc, raw: Any, slug: str) -> Content:
        return {"value": parse_day(self._field(raw, "value", slug), slug)}

    def _timestamp(self, attr: Doc, raw: Any, slug: str) -> Content:
        return {"value": stamp(parse_moment(self._field(raw, "value", slug), slug))}

    def _rating(self, attr: Doc, raw: Any, slug: str) -> Content:
        value = self._number(attr, {"value": self._field(raw, "value", slug)}, slug)["value"]
        if value not in (0, 1, 2, 3, 4, 5):
            raise BadRequest(f"{slug!r} takes a rating from 0 to 5, got {value!r}")
        return {"value": int(value)}

    def _choice(self, attr: Doc, raw: Any, slug: str, key: str) -> str:
        ident = self._field(raw, key, slug)
        if not isinstance(ident, str) or not ident:
            raise BadRequest(f"{slug!r} takes the title or id of a {key}")
        if key == "option":
            docs, id_key = structure.options_of(self.repo, structure.attribute_id(attr)), "option_id"
        else:
            docs, id_key = structure.statuses_of(self.repo, structure.attribute_id(attr)), "status_id"
        found = structure.find_choice([d for d in docs if not d["is_archived"]], id_key, ident)
        if found is None:
            raise BadRequest(f"{slug!r} has no {key} {ident!r}", code="value_not_found")
        return found["id"][id_key]

    def _select(self, attr: Doc, raw: Any, slug: str) -> Content:
        return {"option": self._choice(attr, raw, slug, "option")}

    def _status(self, attr: Doc, raw: Any, slug: str) -> Content:
        return {"status": self._choice(attr, raw, slug, "status")}

    def _record_reference(self, attr: Doc, raw: Any, slug: str) -> Content:
        allowed = as_array(attr["config"]["record_reference"]["allowed_object_ids"])
        if isinstance(raw, str):
            target = self.repo.get("record", raw) if is_uuid(raw) else None
            if target is None or (allowed and target["object_id"] not in allowed):
                raise BadRequest(f"{slug!r}: no record {raw!r} it may point to", code="value_not_found")
        elif is_object(raw) and isinstance(raw.get("target_object"), str):
            obj = structure.find_object(self.repo, raw["target_object"])
            if obj is None or (allowed and structure.object_id(obj) not in allowed):
                raise BadRequest(f"{slug!r} cannot point to {raw['target_object']!r}", code="value_not_found")
            target = self.target_record(obj, raw, slug)
        else:
            raise BadRequest(f"{slug!r} takes a record id or {{target_object, target_record_id}}")
        return {
            "target_object": structure.object_slug(self.repo, target["object_id"]),
            "target_record_id": target["record_id"],
        }

    def target_record(self, obj: Doc, raw: Mapping[str, Any], slug: str) -> Doc:
        """The record a reference names, by id or by a unique attribute's value."""
        oid = structure.object_id(obj)
        if "target_record_id" in raw:
            found = (
                self.repo.get("record", raw["target_record_id"]) if is_uuid(raw["target_record_id"]) else None
            )
            if found is None or found["object_id"] != oid:
                raise BadRequest(
                    f"{slug!r}: record {raw['target_record_id']!r} was not found", code="value_not_found"
                )
            return found
        keys = [k for k in raw if k != "target_object"]
        if len(keys) != 1 or not is_array(raw[keys[0]]) or not raw[keys[0]]:
            raise BadRequest(
                f"{slug!r}: give target_record_id or one matching attribute with a list of values"
            )
        matching = structure.need_attribute(self.repo, oid, keys[0])
        wanted = {identity(matching["type"], self.parse(matching, v)) for v in raw[keys[0]]}
        for record in self.repo.all("record", lambda r: r["object_id"] == oid):
            held = {
                identity(matching["type"], e)
                for e in active(record["values"].get(structure.attribute_id(matching), []))
            }
            if held & wanted:
                return record
        raise BadRequest(f"{slug!r}: no {obj['api_slug']} record matches {keys[0]!r}", code="value_not_found")

    def _actor_reference(self, attr: Doc, raw: Any, slug: str) -> Content:
        members = self.repo.all("member")
        if is_object(raw) and "workspace_member_email_address" in raw:
            raw = raw["workspace_member_email_address"]
        elif is_object(raw):
            if raw.get("referenced_actor_type") not in (None, "workspace-member"):
                raise BadRequest(f"{slug!r} can only point to workspace members")
            raw = raw.get("referenced_actor_id")
        if not isinstance(raw, str):
            raise BadRequest(f"{slug!r} takes a workspace member id or email address")
        folded = raw.casefold()
        member = next(
            (
                m
                for m in members
                if m["id"]["workspace_member_id"] == raw or m["email_address"].casefold() == folded
            ),
            None,
        )
        if member is None:
            raise BadRequest(f"{slug!r}: no workspace member {raw!r}", code="value_not_found")
        return {
            "referenced_actor_type": "workspace-member",
            "referenced_actor_id": member["id"]["workspace_member_id"],
        }

    def _location(self, attr: Doc, raw: Any, slug: str) -> Content:
        keys = (
            "line_1",
            "line_2",
            "line_3",
            "line_4",
            "locality",
            "region",
            "postcode",
            "country_code",
            "latitude",
            "longitude",
        )
        if isinstance(raw, str):
            raw = {"line_1": raw}
        if not is_object(raw):
            raise BadRequest(f"{slug!r} takes an address object or text")
        out: Content = {}
        for key in keys:
            value = raw.get(key)
            if value is not None and not isinstance(value, str):
                raise BadRequest(f"{slug!r}: {key} must be text or null")
            out[key] = value
        if out["country_code"] is not None:
            out["country_code"] = out["country_code"].upper()
            if out["country_code"] not in country_codes():
                raise BadRequest(f"{slug!r}: {raw['country_code']!r} is not an ISO country code")
        for key, limit in (("latitude", 90), ("longitude", 180)):
            if out[key] is not None:
                try:
                    ok = abs(float(out[key])) <= limit
                except ValueError:
                    ok = False
                if not ok:
                    raise BadRequest(f"{slug!r}: {key} must be a number within ±{limit}")
        return out

    def _domain(self, attr: Doc, raw: Any, slug: str) -> Content:
        value = self._field(raw, "domain", slug)
        if not isinstance(value, str) or not value.strip():
            raise BadRequest(f"{slug!r} takes a domain such as example.com")
        host = re.sub(r"^[a-z]+://", "", value.strip().lower()).split("/")[0].split(":")[0]
        if host.startswith("www."):
            host = host[4:]
        if "." not in host or not re.fullmatch(r"[a-z0-9.-]+", host):
            raise BadRequest(f"{slug!r}: {value!r} is not a domain")
        return {"domain": host, "root_domain": root_domain(host)}

    def _email_address(self, attr: Doc, raw: Any, slug: str) -> Content:
        value = self._field(raw, "email_address", slug)
        if not isinstance(value, str) or not EMAIL.match(value.strip()):
            raise BadRequest(f"{slug!r}: {value!r} is not an email address")
        original = value.strip()
        local, _, domain = original.lower().partition("@")
        return {
            "original_email_address": original,
            "email_address": original.lower(),
            "email_domain": domain,
            "email_root_domain": root_domain(domain),
            "email_local_specifier": local.split("+")[0],
        }

    def _phone_number(self, attr: Doc, raw: Any, slug: str) -> Content:
        value = self._field(raw, "original_phone_number", slug)
        country = raw.get("country_code") if is_object(raw) else None
        if not isinstance(value, str):
            raise BadRequest(f"{slug!r} takes a phone number as text")
        digits = re.sub(r"[^\d]", "", value)
        if value.strip().startswith("+"):
            prefix = next(
                (p for p in sorted(DIAL_CODES, key=len, reverse=True) if digits.startswith(p)), None
            )
            country = country or (DIAL_CODES[prefix] if prefix else None)
            e164 = "+" + digits
        else:
            dial = COUNTRY_DIAL.get((country or "").upper())
            if dial is None:
                raise BadRequest(
                    f"{slug!r}: give the number with +country code, or a country_code the sandbox knows"
                )
            e164 = "+" + dial + digits.lstrip("0")
        if country is None or len(digits) < 6 or len(digits) > 15:
            raise BadRequest(f"{slug!r}: {value!r} is not a phone number the sandbox can place")
        return {"original_phone_number": value, "country_code": country.upper(), "phone_number": e164}

    def _personal_name(self, attr: Doc, raw: Any, slug: str) -> Content:
        if isinstance(raw, str):
            first, _, last = raw.strip().partition(" ")
            return {"first_name": first, "last_name": last.strip(), "full_name": raw.strip()}
        if not is_object(raw) or not all(
            isinstance(raw.get(k, ""), str) for k in ("first_name", "last_name", "full_name")
        ):
            raise BadRequest(f"{slug!r} takes a name as text or {{first_name, last_name, full_name}}")
        first, last = raw.get("first_name", ""), raw.get("last_name", "")
        full = raw.get("full_name") or " ".join(p for p in (first, last) if p)
        return {"first_name": first, "last_name": last, "full_name": full}

    # -- applying a write -------------------------------------------------------------------------

    def entry(self, attr: Doc, content: Content) -> Doc:
        return {
            "active_from": stamp(self.moment),
            "active_until": None,
            "created_by_actor": self.actor,
            **content,
            "attribute_type": attr["type"],
        }

    def items(self, attr: Doc, raw: Any) -> list[Content]:
        written = raw if is_array(raw) else ([] if raw is None else [raw])
        if len(written) > 1 and not attr["is_multiselect"]:
            raise BadRequest(f"{attr['api_slug']!r} holds one value; {len(written)} were given")
        parsed = [self.parse(attr, item) for item in written]
        unique: dict[str, Content] = {}
        for content in parsed:
            unique.setdefault(identity(attr["type"], content), content)
        return list(unique.values())

    def apply(
        self, attr: Doc, history: list[Doc], raw: Any, *, append: bool
    ) -> tuple[list[Doc], set[str], set[str]]:
        """The new history of one attribute; also the identities added and removed (for mirroring)."""
        wanted = self.items(attr, raw)
        kind = attr["type"]
        current = {identity(kind, e): e for e in active(history)}
        wanted_ids = {identity(kind, c): c for c in wanted}
        added = {k for k in wanted_ids if k not in current}
        if append and attr["is_multiselect"]:
            removed: set[str] = set()
        else:
            removed = {k for k in current if k not in wanted_ids}
        now = stamp(self.moment)
        out: list[Any] = []
        for old in history:
            if old["active_until"] is None and identity(kind, old) in removed:
                old = {**old, "active_until": now}
            out.append(old)
        out.extend(self.entry(attr, wanted_ids[k]) for k in wanted_ids if k in added)
        return out, added, removed


def identity(kind: str, content: Mapping[str, Any]) -> str:
    """What makes two values of one attribute the same value (a multiselect holds each once)."""
    key = {
        "email-address": "email_address",
        "domain": "domain",
        "phone-number": "phone_number",
        "record-reference": "target_record_id",
        "select": "option",
        "status": "status",
        "actor-reference": "referenced_actor_id",
    }.get(kind)
    if key is not None:
        return str(content.get(key))
    return json.dumps(
        {k: v for k, v in content.items() if k not in (*VERSION_KEYS, "attribute_type")}, sort_keys=True
    )


def root_domain(host: str) -> str:
    labels = host.split(".")
    if len(labels) >= 3 and labels[-2] in SECOND_LEVEL and len(labels[-1]) == 2:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def active(history: list[Doc]) -> list[Doc]:
    return [e for e in history if e["active_until"] is None]


# -- rendering ------------------------------------------------------------------------------------


class Renderer:
    """Expands stored entries for serving; option and status objects are looked up once each."""

    def __init__(self, repo: Repo) -> None:
        self.repo = repo
        self._cache: dict[tuple[str, str], Doc | None] = {}

    def _lookup(self, kind: str, doc_id: str) -> Doc | None:
        if (kind, doc_id) not in self._cache:
            self._cache[(kind, doc_id)] = self.repo.get(kind, doc_id)
        return self._cache[(kind, doc_id)]

    def entry(self, stored: Doc) -> Doc:
        out = dict(stored)
        if "option" in stored and stored["attribute_type"] == "select":
            out["option"] = self._lookup("option", stored["option"])
        if "status" in stored and stored["attribute_type"] == "status":
            out["status"] = self._lookup("status", stored["status"])
        return out

    def values(
        self, attributes: list[Doc], stored: Mapping[str, list[Doc]], *, historic: bool = False
    ) -> Doc:
        """Every attribute of the parent by slug, empty lists for the unset ones (as Attio answers)."""
        out: Doc = {}
        for attr in attributes:
            history = stored.get(structure.attribute_id(attr), [])
            shown = history if historic else active(history)
            out[attr["api_slug"]] = [self.entry(e) for e in shown]
        return out
