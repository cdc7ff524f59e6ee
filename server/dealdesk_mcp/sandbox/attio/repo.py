"""The Attio half's view of the shared Store: every kind carries the `attio_` prefix."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dealdesk_mcp.sandbox.db import Store

from .errors import NotFound

Doc = dict[str, Any]

KINDS = (
    "object",
    "attribute",
    "option",
    "status",
    "view",
    "record",
    "list",
    "entry",
    "member",
    "note",
    "task",
    "thread",
    "comment",
    "meeting",
    "recording",
    "file",
    "webhook",
    "scim_group",
)


class Repo:
    """Documents by kind and id (ids are UUID strings), over the sandbox's Store."""

    def __init__(self, store: Store) -> None:
        self.store = store
        # Each kind is read whole at most once between writes to it: a request (one Repo) looks up
        # attributes and options many times, and parsing every JSON document again costs.
        self._all: dict[str, list[Doc]] = {}

    @staticmethod
    def kind(name: str) -> str:
        return f"attio_{name}"

    def get(self, kind: str, doc_id: str) -> Doc | None:
        return self.store.get(self.kind(kind), doc_id)

    def need(self, kind: str, doc_id: object, label: str) -> Doc:
        doc = self.get(kind, doc_id) if isinstance(doc_id, str) else None
        if doc is None:
            raise NotFound(f"{label} {doc_id!r} was not found")
        return doc

    def all(self, kind: str, where: Callable[[Doc], bool] | None = None) -> list[Doc]:
        if kind not in self._all:
            self._all[kind] = self.store.all(self.kind(kind))
        docs = self._all[kind]
        return list(docs) if where is None else [d for d in docs if where(d)]

    def put(self, kind: str, doc_id: str, doc: Doc) -> Doc:
        self._all.pop(kind, None)
        return self.store.put(self.kind(kind), doc_id, doc)

    def delete(self, kind: str, doc_id: str) -> bool:
        self._all.pop(kind, None)
        return self.store.delete(self.kind(kind), doc_id)

    # Blob keys are integers in the shared table; Attio's use negative ones so they can never meet
    # the positive ids of Pipedrive's files.
    def put_blob(self, content: bytes) -> int:
        key = -self.store.next_id(self.kind("blob"))
        self.store.put_blob(key, content)
        return key

    def get_blob(self, key: int) -> bytes | None:
        return self.store.get_blob(key)

    def delete_blob(self, key: int) -> None:
        self.store.delete_blob(key)

    def meta(self, key: str) -> str | None:
        return self.store.get_meta(self.kind(key))

    def set_meta(self, key: str, value: str) -> None:
        self.store.set_meta(self.kind(key), value)
