"""Meetings (find or create, list, read), their call recordings and transcripts.

Processing a recording is simulated: the sandbox cannot fetch the video, so a new recording answers
"processing" and turns "completed" PROCESSING_SECONDS later, with a transcript the sandbox writes from
the meeting's own title and participants (its raw text says it was made up by the sandbox).
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from ..jsontypes import as_array, is_object
from . import structure
from .errors import BadRequest, NotFound, RateLimited
from .http import Ctx, Reply, route
from .inputs import flag, items, obj, q_choice, q_uuid, text
from .links import linked_record
from .repo import Doc, Repo
from .wire import (
    WORKSPACE_ID,
    api_actor,
    cursor_page,
    decode_cursor,
    encode_cursor,
    is_uuid,
    new_id,
    parse_day,
    parse_moment,
    stamp,
)

PROCESSING_SECONDS = 1.0
TRANSCRIPT_PAGE = 25
SAYINGS = (
    "Thanks for making the time today; shall we start with where things stand?",
    "Sure. The team has finished the pilot and the results look promising.",
    "What would you need from us to roll it out to the whole department?",
    "Mostly a clear price for annual billing and a security review.",
    "We can send the security pack this week and a proposal by Friday.",
    "That works. Let's plan a follow-up once legal has read it.",
)


def when(value: Any, name: str) -> Doc:
    if not is_object(value):
        raise BadRequest(f"{name} must be {{datetime, timezone}} or {{date}}")
    if "datetime" in value:
        moment = parse_moment(value["datetime"], f"{name}.datetime")
        zone = value.get("timezone")
        if zone is not None and not isinstance(zone, str):
            raise BadRequest(f"{name}.timezone must be text or null")
        return {"datetime": stamp(moment), "timezone": zone}
    if "date" in value:
        return {"date": parse_day(value["date"], f"{name}.date")}
    raise BadRequest(f"{name} needs datetime or date")


def moment_of(point: Doc) -> str:
    return point.get("datetime") or f"{point['date']}T00:00:00.000000000Z"


def external_key(ref: Any) -> str:
    if isinstance(ref, str) and ref:
        return ref
    if (
        is_object(ref)
        and isinstance(ref.get("ical_uid"), str)
        and ref.get("provider") in ("google", "microsoft")
    ):
        if not isinstance(ref.get("is_recurring"), bool):
            raise BadRequest("external_ref.is_recurring must be true or false")
        return f"{ref['provider']}:{ref['ical_uid']}:{ref.get('original_start_time') or ''}"
    raise BadRequest("external_ref must be a non-empty string or {ical_uid, provider, is_recurring}")


def participant(item: Any) -> Doc:
    if not is_object(item) or not isinstance(item.get("email_address"), str):
        raise BadRequest("Each participant needs email_address, is_organizer and status")
    organizer = item.get("is_organizer")
    if organizer in ("true", "false"):
        organizer = organizer == "true"
    if not isinstance(organizer, bool):
        raise BadRequest("participants[].is_organizer must be true or false")
    if item.get("status") not in ("accepted", "tentative", "declined", "pending"):
        raise BadRequest("participants[].status must be accepted, tentative, declined or pending")
    return {"status": item["status"], "is_organizer": organizer, "email_address": item["email_address"]}


def new_meeting(meeting_id: str, data: Doc, repo: Repo, moment: Any, actor: Any, created: str) -> Doc:
    start, end = when(data.get("start"), "start"), when(data.get("end"), "end")
    if moment_of(end) < moment_of(start):
        raise BadRequest("end must not be before start")
    links: list[Any] = []
    for item in as_array(data.get("linked_records")):
        if not is_object(item):
            raise BadRequest("Each linked_records item needs object and record_id")
        record = linked_record(
            repo,
            {"target_object": item.get("object"), "target_record_id": item.get("record_id")},
            moment,
            "linked_records",
        )
        link = {
            "object_slug": structure.object_slug(repo, record["object_id"]),
            "object_id": record["object_id"],
            "record_id": record["record_id"],
        }
        if link not in links:
            links.append(link)
    return {
        "id": {"workspace_id": WORKSPACE_ID, "meeting_id": meeting_id},
        "title": text(data, "title", empty=True),
        "description": text(data, "description", empty=True),
        "is_all_day": flag(data, "is_all_day"),
        "start": start,
        "end": end,
        "participants": [participant(p) for p in items(data, "participants")],
        "linked_records": links,
        "created_at": created,
        "created_by_actor": actor,
        "_external": external_key(data.get("external_ref")),
    }


@route("GET", "/v2/meetings")
def list_meetings(ctx: Ctx) -> Any:
    order = q_choice(ctx.query, "sort", ("start_asc", "start_desc"), "start_asc")
    meetings = sorted(
        ctx.repo.all("meeting"), key=lambda m: moment_of(m["start"]), reverse=order == "start_desc"
    )
    linked_object, linked_record_id = ctx.query.get("linked_object"), q_uuid(ctx.query, "linked_record_id")
    if linked_object:
        oid = structure.object_id(structure.need_object(ctx.repo, linked_object))
        meetings = [m for m in meetings if any(link["object_id"] == oid for link in m["linked_records"])]
    if linked_record_id:
        meetings = [
            m for m in meetings if any(link["record_id"] == linked_record_id for link in m["linked_records"])
        ]
    emails = {e.strip().casefold() for e in (ctx.query.get("participants") or "").split(",") if e.strip()}
    if emails:
        meetings = [
            m for m in meetings if emails & {(p["email_address"] or "").casefold() for p in m["participants"]}
        ]
    if ctx.query.get("ends_from"):
        bound = stamp(parse_moment(ctx.query["ends_from"], "ends_from"))
        meetings = [m for m in meetings if moment_of(m["end"]) >= bound]
    if ctx.query.get("starts_before"):
        bound = stamp(parse_moment(ctx.query["starts_before"], "starts_before"))
        meetings = [m for m in meetings if moment_of(m["start"]) < bound]
    zone = ctx.query.get("timezone")
    if zone is not None and not re.fullmatch(r"[A-Za-z_]+(/[A-Za-z0-9_+-]+)*|UTC|[+-]\d{2}:\d{2}", zone):
        raise BadRequest(f"timezone must be an IANA zone name such as Europe/Berlin, got {zone!r}")
    page = cursor_page(meetings, ctx.query, default=50, high=200)
    page["data"] = [structure.public(m) for m in page["data"]]
    return page


@route("POST", "/v2/meetings")
def find_or_create_meeting(ctx: Ctx) -> Any:
    data = ctx.data()
    key = external_key(data.get("external_ref"))
    found = next((m for m in ctx.repo.all("meeting") if m["_external"] == key), None)
    if found is None:
        found = new_meeting(new_id(), data, ctx.repo, ctx.moment, api_actor(), stamp(ctx.moment))
        ctx.repo.put("meeting", found["id"]["meeting_id"], found)
    return {"data": structure.public(found)}


def _meeting(ctx: Ctx) -> Doc:
    return ctx.repo.need("meeting", ctx.params["meeting_id"], "Meeting")


@route("GET", "/v2/meetings/{meeting_id}")
def get_meeting(ctx: Ctx) -> Any:
    return {"data": structure.public(_meeting(ctx))}


# -- call recordings ------------------------------------------------------------------------------


def new_recording(
    meeting: Doc, recording_id: str, video_url: str, actor: Any, moment: Any, origin_path: str, ready: bool
) -> Doc:
    mid = meeting["id"]["meeting_id"]
    return {
        "id": {"workspace_id": WORKSPACE_ID, "meeting_id": mid, "call_recording_id": recording_id},
        "status": "completed" if ready else "processing",
        "web_url": "",
        "created_by_actor": actor,
        "created_at": stamp(moment),
        "_video_url": video_url,
        "_ready_at": stamp(moment + timedelta(seconds=0 if ready else PROCESSING_SECONDS)),
        "_path": origin_path,
    }


def render_recording(recording: Doc, ctx: Ctx) -> Doc:
    out = structure.public(recording)
    if out["status"] == "processing" and stamp(ctx.moment) >= recording["_ready_at"]:
        out["status"] = "completed"  # the simulated processing has finished
    out["web_url"] = f"{ctx.origin}{recording['_path']}"
    return out


def _recording(ctx: Ctx, meeting: Doc) -> Doc:
    rid = ctx.params["call_recording_id"]
    recording = ctx.repo.get("recording", rid) if is_uuid(rid) else None
    if recording is None or recording["id"]["meeting_id"] != meeting["id"]["meeting_id"]:
        raise NotFound(f"Call recording {rid!r} was not found on this meeting")
    return recording


@route("GET", "/v2/meetings/{meeting_id}/call_recordings")
def list_recordings(ctx: Ctx) -> Any:
    meeting = _meeting(ctx)
    mid = meeting["id"]["meeting_id"]
    recordings = ctx.repo.all("recording", lambda r: r["id"]["meeting_id"] == mid)
    page = cursor_page(recordings, ctx.query, default=50, high=200)
    page["data"] = [render_recording(r, ctx) for r in page["data"]]
    return page


@route("POST", "/v2/meetings/{meeting_id}/call_recordings")
def create_recording(ctx: Ctx) -> Any:
    meeting = _meeting(ctx)
    video_url = text(obj(ctx.body(), "data"), "video_url")
    if not re.match(r"^https?://[^\s/]+", video_url):
        raise BadRequest("video_url must be an http(s) URL")
    # Attio allows one new recording per second; the sandbox keeps to the same pace.
    last = ctx.repo.meta("last_recording_at")
    if last and (ctx.moment - parse_moment(last, "last")).total_seconds() < 1:
        raise RateLimited("One call recording per second; retry after a second")
    ctx.repo.set_meta("last_recording_at", stamp(ctx.moment))
    rid = new_id()
    path = f"/v2/meetings/{meeting['id']['meeting_id']}/call_recordings/{rid}"
    recording = new_recording(meeting, rid, video_url, api_actor(), ctx.moment, path, ready=False)
    ctx.repo.put("recording", rid, recording)
    return {"data": render_recording(recording, ctx)}


@route("GET", "/v2/meetings/{meeting_id}/call_recordings/{call_recording_id}")
def get_recording(ctx: Ctx) -> Any:
    return {"data": render_recording(_recording(ctx, _meeting(ctx)), ctx)}


@route("DELETE", "/v2/meetings/{meeting_id}/call_recordings/{call_recording_id}")
def delete_recording(ctx: Ctx) -> Any:
    recording = _recording(ctx, _meeting(ctx))
    ctx.repo.delete("recording", recording["id"]["call_recording_id"])
    return Reply(status=204)


def transcript_of(meeting: Doc) -> list[Doc]:
    """A made-up conversation between the meeting's participants (the sandbox has no speech to read)."""
    speakers = [
        p["email_address"].split("@")[0].replace(".", " ").title()
        for p in meeting["participants"]
        if p["email_address"]
    ]
    speakers = speakers or ["Speaker 1", "Speaker 2"]
    out: list[Doc] = []
    clock = 0.0
    for index, line in enumerate(SAYINGS):
        length = round(2.5 + len(line) / 18, 1)
        out.append(
            {
                "speech": line,
                "start_time": clock,
                "end_time": round(clock + length, 1),
                "speaker": {"name": speakers[index % len(speakers)]},
            }
        )
        clock = round(clock + length + 0.4, 1)
    return out


@route("GET", "/v2/meetings/{meeting_id}/call_recordings/{call_recording_id}/transcript")
def get_transcript(ctx: Ctx) -> Any:
    meeting = _meeting(ctx)
    recording = render_recording(_recording(ctx, meeting), ctx)
    if recording["status"] != "completed":
        raise BadRequest(
            "The recording is still being processed; its transcript is not ready yet", code="not_ready"
        )
    segments = transcript_of(meeting)
    start = decode_cursor(ctx.query.get("cursor"))
    page = segments[start : start + TRANSCRIPT_PAGE]
    more = start + TRANSCRIPT_PAGE < len(segments)
    raw = "[sandbox: simulated transcript]\n" + "\n".join(
        f"{s['speaker']['name']}: {s['speech']}" for s in page
    )
    return {
        "data": {
            "id": recording["id"],
            "transcript": page,
            "raw_transcript": raw,
            "web_url": recording["web_url"],
        },
        "pagination": {"next_cursor": encode_cursor(start + TRANSCRIPT_PAGE) if more else None},
    }
