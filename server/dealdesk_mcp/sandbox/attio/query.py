"""Attio's filter and sort language over records and list entries.

Filters: {"slug": value} (shorthand equality), {"slug": {"$op": operand}}, {"slug": {"field":
value-or-ops}} for one field of a value (email_domain, first_name, currency_code...), and the logical
forms {"$and": [...]}, {"$or": [...]}, {"$not": {...}}. Several keys in one object must all hold.
A condition holds when any current value of the attribute satisfies it; $not_empty asks whether there
is one. Sorts: [{"attribute": slug, "field"?: name, "direction": "asc"|"desc"}].
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..jsontypes import is_array, is_object
from . import structure
from .errors import BadRequest
from .repo import Doc, Repo
from .values import Renderer, active
from .wire import parse_moment, stamp

# Which field of a value a bare comparison looks at.
PRIMARY = {
    "text": "value",
    "number": "value",
    "checkbox": "value",
    "currency": "currency_value",
    "date": "value",
    "timestamp": "value",
    "rating": "value",
    "status": "status",
    "select": "option",
    "record-reference": "target_record_id",
    "actor-reference": "referenced_actor_id",
    "location": "locality",
    "domain": "domain",
    "email-address": "email_address",
    "phone-number": "phone_number",
    "personal-name": "full_name",
    "interaction": "interacted_at",
}
OPERATORS = (
    "$eq",
    "$contains",
    "$starts_with",
    "$ends_with",
    "$in",
    "$gt",
    "$gte",
    "$lt",
    "$lte",
    "$not_empty",
)
Predicate = Callable[[Doc], bool]
CASELESS = ("email-address", "domain")


def filter_error(message: str) -> BadRequest:
    return BadRequest(message, code="filter_error")


class Subjects:
    """How to read one kind of filtered item: its attributes, where its values are, its own ids."""

    def __init__(
        self, repo: Repo, attributes: list[Doc], values_key: str, own_fields: Mapping[str, str]
    ) -> None:
        self.repo = repo
        self.by_slug = {a["api_slug"]: a for a in attributes}
        self.by_id = {structure.attribute_id(a): a for a in attributes}
        self.values_key = values_key
        self.own_fields = own_fields  # filter key -> document key, e.g. record_id
        self.renderer = Renderer(repo)

    def attribute(self, key: str) -> Doc | None:
        return self.by_slug.get(key) or self.by_id.get(key)

    def current(self, doc: Doc, attr: Doc) -> list[Doc]:
        history = doc[self.values_key].get(structure.attribute_id(attr), [])
        return [self.renderer.entry(e) for e in active(history)]


def _scalar(attr: Doc, entry: Doc, field: str) -> Any:
    value = entry.get(field)
    if is_object(value) and "title" in value:  # select option or status object
        return value["title"]
    return value


def _ids(entry: Doc) -> set[str]:
    """The ids a select or status value may also be named by."""
    out: set[Any] = set()
    for key in ("option", "status"):
        obj = entry.get(key)
        if is_object(obj):
            out.update(v for v in obj["id"].values())
    return out


def _normal(attr: Doc, field: str, operand: Any) -> Any:
    if isinstance(operand, str) and attr["type"] == "timestamp" and field == "value":
        return stamp(parse_moment(operand, attr["api_slug"]))
    if isinstance(operand, str) and attr["type"] in CASELESS:
        return operand.lower()
    return operand


def _compare(op: str, value: Any, operand: Any) -> bool:
    if op == "$eq":
        return value == operand
    if op == "$in":
        if not is_array(operand):
            raise filter_error("$in takes a list")
        return value in operand
    if op in ("$contains", "$starts_with", "$ends_with"):
        if not isinstance(operand, str):
            raise filter_error(f"{op} takes text")
        if not isinstance(value, str):
            return False
        text, part = value.casefold(), operand.casefold()
        return (
            part in text
            if op == "$contains"
            else text.startswith(part)
            if op == "$starts_with"
            else text.endswith(part)
        )
    if isinstance(operand, bool) or not isinstance(operand, int | float | str):
        raise filter_error(f"{op} takes a number, a date or a time stamp")
    if value is None or isinstance(value, bool) or isinstance(value, str) != isinstance(operand, str):
        return False
    return {
        "$gt": value > operand,
        "$gte": value >= operand,
        "$lt": value < operand,
        "$lte": value <= operand,
    }[op]


def _value_holds(attr: Doc, entry: Doc, field: str, condition: Any) -> bool:
    value = _scalar(attr, entry, field)
    if is_object(condition):
        unknown = [k for k in condition if k not in OPERATORS or k == "$not_empty"]
        if unknown:
            raise filter_error(f"Unknown filter operator {unknown[0]!r} on {attr['api_slug']!r}")
        return all(_compare(op, value, _normal(attr, field, operand)) for op, operand in condition.items())
    operand = _normal(attr, field, condition)
    return value == operand or (field == PRIMARY.get(attr["type"]) and operand in _ids(entry))


def _attribute_holds(subjects: Subjects, doc: Doc, attr: Doc, condition: Any) -> bool:
    entries = subjects.current(doc, attr)
    primary = PRIMARY[attr["type"]]
    if is_object(condition) and condition and all(k.startswith("$") for k in condition):
        condition = dict(condition)
        if "$not_empty" in condition:
            wanted = condition.pop("$not_empty")
            if not isinstance(wanted, bool):
                raise filter_error("$not_empty takes true or false")
            if bool(entries) != wanted:
                return False
            if not condition:
                return True
        return any(_value_holds(attr, e, primary, condition) for e in entries)
    if is_object(condition) and condition:  # field-level: {"email_domain": "acme.com"}
        return any(
            all(_value_holds(attr, e, field, sub) for field, sub in condition.items()) for e in entries
        )
    if condition is None:
        return not entries
    return any(_value_holds(attr, e, primary, condition) for e in entries)


def compile_filter(subjects: Subjects, spec: Any) -> Predicate:
    if spec is None:
        return lambda doc: True
    if not is_object(spec):
        raise filter_error("filter must be an object")
    parts: list[Predicate] = []
    for key, condition in spec.items():
        parts.append(_part(subjects, key, condition))
    return lambda doc: all(p(doc) for p in parts)


def _part(subjects: Subjects, key: str, condition: Any) -> Predicate:
    if key in ("$and", "$or"):
        if not is_array(condition):
            raise filter_error(f"{key} takes a list of filters")
        subs = [compile_filter(subjects, c) for c in condition]
        combine = all if key == "$and" else any
        return lambda doc: combine(p(doc) for p in subs)
    if key == "$not":
        inner = compile_filter(subjects, condition)
        return lambda doc: not inner(doc)
    if key in subjects.own_fields:
        field = subjects.own_fields[key]
        if is_object(condition):
            bad = [k for k in condition if k not in ("$eq", "$in")]
            if bad:
                raise filter_error(f"{key} takes $eq or $in")
            return lambda doc: all(_compare(op, doc[field], v) for op, v in condition.items())
        return lambda doc: doc[field] == condition
    attr = subjects.attribute(key)
    if attr is None:
        raise filter_error(f"Unknown attribute {key!r} in filter")
    return lambda doc: _attribute_holds(subjects, doc, attr, condition)


def sort(subjects: Subjects, docs: list[Doc], sorts: Any) -> list[Doc]:
    if sorts is None:
        return docs
    if not is_array(sorts):
        raise BadRequest("sorts must be a list")
    out = list(docs)
    for item in reversed(sorts):
        if not is_object(item) or item.get("direction") not in ("asc", "desc"):
            raise BadRequest('Each sort needs "direction": "asc" or "desc"')
        key = _sort_key(subjects, item)
        present = [d for d in out if key(d) is not None]
        absent = [d for d in out if key(d) is None]
        present.sort(key=lambda d: _orderable(key(d)), reverse=item["direction"] == "desc")
        out = present + absent  # values missing go last either way
    return out


def _orderable(value: Any) -> tuple[int, Any]:
    if isinstance(value, bool):
        return (0, int(value))
    if isinstance(value, int | float):
        return (0, value)
    return (1, str(value).casefold())


def _sort_key(subjects: Subjects, item: Mapping[str, Any]) -> Callable[[Doc], Any]:
    if "path" in item:
        path = item["path"]
        if not is_array(path) or not path or not all(is_array(p) and len(p) == 2 for p in path):
            raise BadRequest("A sort path is a list of [object, attribute] pairs")
        return _path_key(subjects, path, item.get("field"))
    slug = item.get("attribute")
    if not isinstance(slug, str):
        raise BadRequest("Each sort needs an attribute (or a path)")
    attr = subjects.attribute(slug)
    if attr is None:
        raise BadRequest(f"Unknown attribute {slug!r} in sorts")
    field = item.get("field") or PRIMARY[attr["type"]]

    def key(doc: Doc) -> Any:
        entries = subjects.current(doc, attr)
        return _scalar(attr, entries[0], field) if entries else None

    return key


def _path_key(subjects: Subjects, path: list[list[str]], field: str | None) -> Callable[[Doc], Any]:
    """Follow record references: [[people, company], [companies, name]] sorts people by company name."""
    repo = subjects.repo

    def key(doc: Doc) -> Any:
        current: Doc | None = doc
        here = subjects
        for index, (object_ident, slug) in enumerate(path):
            if current is None:
                return None
            if index > 0:
                obj = structure.find_object(repo, object_ident)
                if obj is None:
                    return None
                here = Subjects(repo, structure.attributes_of(repo, structure.object_id(obj)), "values", {})
            attr = here.attribute(slug)
            if attr is None:
                raise BadRequest(f"Unknown attribute {slug!r} in sort path")
            entries = here.current(current, attr)
            if not entries:
                return None
            if index == len(path) - 1:
                return _scalar(attr, entries[0], field or PRIMARY[attr["type"]])
            target = entries[0].get("target_record_id")
            current = repo.get("record", target) if target else None
        return None

    return key
