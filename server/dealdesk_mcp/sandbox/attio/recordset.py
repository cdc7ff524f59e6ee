"""Records and list entries as data: writing values (with history and relationship mirroring),
uniqueness and required checks, rendering, and removal."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ..jsontypes import is_object
from . import structure
from .errors import BadRequest
from .repo import Doc, Repo
from .values import Renderer, Writer, active, identity
from .wire import WORKSPACE_ID, stamp

SYSTEM_SLUGS = ("record_id", "created_at", "created_by")


class Values:
    """Writes the values of one record or entry; `values_key` is "values" or "entry_values"."""

    def __init__(self, repo: Repo, parent_id: str, actor: Mapping[str, Any], moment: datetime) -> None:
        self.repo = repo
        self.parent_id = parent_id
        self.attributes = structure.attributes_of(repo, parent_id)
        self.writer = Writer(repo, parent_id, actor, moment)

    def attribute(self, key: str) -> Doc:
        attr = structure.find_attribute(self.repo, self.parent_id, key)
        if attr is None or attr["is_archived"]:
            raise BadRequest(f"No attribute with slug or id {key!r}", code="value_not_found")
        return attr

    def write(
        self, stored: dict[str, list[Doc]], written: Any, *, append: bool, creating: bool
    ) -> list[tuple[Doc, set[str], set[str]]]:
        """Apply a values object in place; answers the changed attributes with identities added/removed."""
        if not is_object(written):
            raise BadRequest("values must be an object keyed by attribute slug or id")
        changes: list[Any] = []
        for key, raw in written.items():
            attr = self.attribute(key)
            if not attr["is_writable"]:
                raise BadRequest(
                    f"{attr['api_slug']!r} is a system attribute and cannot be written",
                    code="immutable_value",
                )
            aid = structure.attribute_id(attr)
            history, added, removed = self.writer.apply(attr, stored.get(aid, []), raw, append=append)
            stored[aid] = history
            changes.append((attr, added, removed))
        if creating:
            self._defaults(stored, written)
        required = [
            a["api_slug"]
            for a in self.attributes
            if a["is_required"] and not active(stored.get(structure.attribute_id(a), []))
        ]
        if required and (creating or any(a["api_slug"] in required for a, _, _ in changes)):
            raise BadRequest(f"Required attribute {required[0]!r} has no value", code="missing_value")
        return changes

    def _defaults(self, stored: dict[str, list[Doc]], written: Mapping[str, Any]) -> None:
        """Attributes with a default value get it when a new record or entry leaves them out."""
        given = set(written)
        for attr in self.attributes:
            default = attr.get("default_value")
            aid = structure.attribute_id(attr)
            if not default or attr["api_slug"] in given or aid in given or stored.get(aid):
                continue
            if default["type"] == "static":
                contents = [
                    {k: _stored(k, v) for k, v in c.items() if k != "attribute_type"}
                    for c in default["template"]
                ]
            elif default["template"] == "current-user" and self.writer.actor["type"] == "workspace-member":
                contents = [
                    {
                        "referenced_actor_type": "workspace-member",
                        "referenced_actor_id": self.writer.actor["id"],
                    }
                ]
            else:
                continue  # a dynamic default with nobody to stand for (an API token is not a member)
            stored[aid] = [self.writer.entry(attr, c) for c in contents]

    def system(self, stored: dict[str, list[Doc]], record_id: str) -> None:
        """record_id, created_at and created_by: set once by the API, never writable."""
        contents = {
            "record_id": {"value": record_id},
            "created_at": {"value": stamp(self.writer.moment)},
            "created_by": {
                "referenced_actor_type": self.writer.actor["type"],
                "referenced_actor_id": self.writer.actor["id"],
            },
        }
        for attr in self.attributes:
            if attr["api_slug"] in contents and attr["is_system_attribute"]:
                stored[structure.attribute_id(attr)] = [self.writer.entry(attr, contents[attr["api_slug"]])]


def _stored(key: str, value: Any) -> Any:
    """A default template holds options and statuses whole; a stored value holds their id."""
    if key in ("option", "status") and is_object(value):
        return value["id"][f"{key}_id"]
    return value


def check_unique(repo: Repo, record: Doc, attributes: list[Doc], kind: str = "record") -> None:
    """A unique attribute's value may be held by one record of the object only."""
    key = "object_id" if kind == "record" else "list_id"
    own = "record_id" if kind == "record" else "entry_id"
    values_key = "values" if kind == "record" else "entry_values"
    unique = [a for a in attributes if a["is_unique"]]
    if not unique:
        return
    others = repo.all(kind, lambda r: r[key] == record[key] and r[own] != record[own])
    for attr in unique:
        aid = structure.attribute_id(attr)
        mine = {identity(attr["type"], e) for e in active(record[values_key].get(aid, []))}
        for other in others:
            if mine & {identity(attr["type"], e) for e in active(other[values_key].get(aid, []))}:
                raise BadRequest(
                    f"Another record already has this value of the unique attribute {attr['api_slug']!r}",
                    code="uniqueness_conflict",
                )


def mirror(
    repo: Repo, values: Values, record: Doc, changes: list[tuple[Doc, set[str], set[str]]], depth: int = 0
) -> None:
    """Keep relationship attributes two-sided: person.company and company.team move together."""
    if depth > 1:
        return
    slug = structure.object_slug(repo, record["object_id"])
    for attr, added, removed in changes:
        relation = attr.get("relationship")
        if attr["type"] != "record-reference" or not relation:
            continue
        inverse = repo.get("attribute", relation["id"]["attribute_id"])
        if inverse is None:
            continue
        me = {"target_object": slug, "target_record_id": record["record_id"]}
        for target_id, adding in [(t, True) for t in added] + [(t, False) for t in removed]:
            target = repo.get("record", target_id)
            if target is None:
                continue
            side = Values(repo, target["object_id"], values.writer.actor, values.writer.moment)
            aid = structure.attribute_id(inverse)
            history = target["values"].get(aid, [])
            if adding:
                new, _, minus = side.writer.apply(inverse, history, [me], append=inverse["is_multiselect"])
            else:
                keep = [
                    {"target_object": e["target_object"], "target_record_id": e["target_record_id"]}
                    for e in active(history)
                    if e["target_record_id"] != record["record_id"]
                ]
                new, _, minus = side.writer.apply(inverse, history, keep, append=False)
            target["values"][aid] = new
            repo.put("record", target["record_id"], target)
            # A single-valued inverse that let go of another record: that record lets go too.
            mirror(repo, side, target, [(inverse, set(), minus - {record["record_id"]})], depth + 1)


def render_record(repo: Repo, record: Doc, origin: str, renderer: Renderer | None = None) -> Doc:
    renderer = renderer or Renderer(repo)
    attrs = structure.attributes_of(repo, record["object_id"])
    slug = structure.object_slug(repo, record["object_id"])
    return {
        "id": {
            "workspace_id": WORKSPACE_ID,
            "object_id": record["object_id"],
            "record_id": record["record_id"],
        },
        "created_at": record["created_at"],
        "web_url": f"{origin}/v2/objects/{slug}/records/{record['record_id']}",
        "values": renderer.values(attrs, record["values"]),
    }


def render_entry(repo: Repo, entry: Doc, renderer: Renderer | None = None) -> Doc:
    renderer = renderer or Renderer(repo)
    attrs = structure.attributes_of(repo, entry["list_id"])
    return {
        "id": {"workspace_id": WORKSPACE_ID, "list_id": entry["list_id"], "entry_id": entry["entry_id"]},
        "parent_record_id": entry["parent_record_id"],
        "parent_object": structure.object_slug(repo, entry["parent_object_id"]),
        "created_at": entry["created_at"],
        "entry_values": renderer.values(attrs, entry["entry_values"]),
    }


def remove_record(repo: Repo, record: Doc, moment: datetime) -> None:
    """Delete a record with its list entries; references to it elsewhere end now."""
    rid = record["record_id"]
    repo.delete("record", rid)
    for entry in repo.all("entry", lambda e: e["parent_record_id"] == rid):
        repo.delete("entry", entry["entry_id"])
    now = stamp(moment)
    for kind, key, values_key in (("record", "record_id", "values"), ("entry", "entry_id", "entry_values")):
        for doc in repo.all(kind):
            touched = False
            for history in doc[values_key].values():
                for i, e in enumerate(history):
                    if e["active_until"] is None and e.get("target_record_id") == rid:
                        history[i] = {**e, "active_until": now}
                        touched = True
            if touched:
                repo.put(kind, doc[key], doc)
