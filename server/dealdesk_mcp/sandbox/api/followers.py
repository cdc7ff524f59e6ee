"""Followers: users linked to a deal, person, organization, product or user, in both versions.

One follower record per (item, user). v1 removes a follower by the link's own id, v2 by the user's id;
every add and removal is kept for the v2 followers changelog.
"""

from __future__ import annotations

from typing import Any

from ..call import Answer, Call
from ..db import Record
from ..registry import special
from ..store_ops import fetch, listing, require
from ..wire import BadRequest, NotFound, v2_time

ITEMS = {"Deal": "deal", "Person": "person", "Organization": "organization", "Product": "product"}
KEYS = {
    "deal": "deal_id",
    "person": "person_id",
    "organization": "org_id",
    "product": "product_id",
    "user": "user_id",
}


def followers_of(call: Call, kind: str, item_id: Any) -> list[Record]:
    return [f for f in call.store.all("follower") if f["parent_kind"] == kind and f["parent_id"] == item_id]


def follow(call: Call, kind: str, item_id: Any, user_id: int) -> Record:
    require(call.store, "user", user_id, "User")
    if any(f["user_id"] == user_id for f in followers_of(call, kind, item_id)):
        raise BadRequest(f"User {user_id} already follows this item")
    rec = {
        "id": call.store.next_id("follower"),
        "parent_kind": kind,
        "parent_key": KEYS[kind],
        "parent_id": item_id,
        "user_id": user_id,
        "add_time": v2_time(call.moment),
    }
    call.store.put("follower", rec["id"], rec)
    _log(call, kind, item_id, user_id, "added")
    return rec


def unfollow(call: Call, rec: Record) -> None:
    call.store.delete("follower", rec["id"])
    _log(call, rec["parent_kind"], rec["parent_id"], rec["user_id"], "removed")


def _log(call: Call, kind: str, item_id: Any, user_id: int, action: str) -> None:
    entry_id = call.store.next_id("follower_log")
    call.store.put(
        "follower_log",
        entry_id,
        {
            "id": entry_id,
            "parent_kind": kind,
            "parent_id": item_id,
            "action": action,
            "actor_user_id": call.user_id,
            "follower_user_id": user_id,
            "time": v2_time(call.moment),
        },
    )


def _family(name: str, kind: str) -> None:
    @special("v1", f"get{name}Followers")
    @special("v2", f"get{name}Followers")
    def list_followers(call: Call) -> Answer:
        item = fetch(call.store, kind, call.id)
        return listing(call, "follower", followers_of(call, kind, item["id"]), related=False)

    @special("v1", f"add{name}Follower")
    @special("v2", f"add{name}Follower")
    def add_follower(call: Call) -> Answer:
        with call.store.transaction():
            item = fetch(call.store, kind, call.id)
            rec = follow(call, kind, item["id"], call.data()["user_id"])
        from ..views import view

        return Answer(view(call.store, "follower", rec, call.version))

    @special("v1", f"delete{name}Follower")
    @special("v2", f"delete{name}Follower")
    def delete_follower(call: Call) -> Answer:
        target = call.path["follower_id"]
        with call.store.transaction():
            item = fetch(call.store, kind, call.id)
            key = "id" if call.version == "v1" else "user_id"
            rec = next((f for f in followers_of(call, kind, item["id"]) if f[key] == target), None)
            if rec is None:
                raise NotFound("Follower not found")
            unfollow(call, rec)
        return Answer({"id": rec["id"], "user_id": rec["user_id"]})

    @special("v2", f"get{name}FollowersChangelog")
    def changelog(call: Call) -> Answer:
        item = fetch(call.store, kind, call.id)
        rows = [
            e
            for e in call.store.all("follower_log")
            if e["parent_kind"] == kind and e["parent_id"] == item["id"]
        ]
        return listing(call, "follower_log", rows, related=False, shape=dict)


for _name, _kind in ITEMS.items():
    _family(_name, _kind)


@special("v1", "getUserFollowers")
def v1_user_followers(call: Call) -> Answer:
    user = fetch(call.store, "user", call.id)
    return Answer([f["user_id"] for f in followers_of(call, "user", user["id"])])


@special("v2", "getUserFollowers")
def v2_user_followers(call: Call) -> Answer:
    user = fetch(call.store, "user", call.id)
    return listing(call, "follower", followers_of(call, "user", user["id"]), related=False)
