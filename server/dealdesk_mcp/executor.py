"""Run one tool call: validate, build the request, send it, page, shape and cap the answer."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import anyio
import httpx
from pydantic import ValidationError

from dealdesk_mcp import custom_fields, files, shaping
from dealdesk_mcp.catalog import Catalog, ToolEntry
from dealdesk_mcp.config import Settings
from dealdesk_mcp.errors import ApiError, InvalidArguments, MissingCredentials
from dealdesk_mcp.pagination import Page, list_items, read_page
from dealdesk_mcp.request import OutgoingRequest, build_request
from dealdesk_mcp.route import DownloadInput, ListInput, Route, ToolInput, UploadInput
from dealdesk_mcp.session import Session

Progress = Callable[[float, float | None, str | None], Awaitable[None]]
# Advice for errors whose cause the API's own words leave implicit: (path, message, hint).
ERROR_HINTS = (
    (
        re.compile(r"^/api/v1/files/remote"),
        re.compile(r"google|drive", re.IGNORECASE),
        "To create or link Google Drive files, connect Google Drive to the Pipedrive account first "
        "(Pipedrive > Tools and apps > Google Drive), then try again.",
    ),
)
# Room kept for the page summary and the note about what was cut.
SUMMARY_ROOM = 800
MAX_FIELD_PAGES = 10


@dataclass
class Answer:
    """What a tool call returns: the JSON value shown to the agent (and its text, once serialised)."""

    value: Any
    text: str | None = None


def describe_validation_error(tool: str, error: ValidationError, model: type[ToolInput]) -> str:
    lines = []
    for item in error.errors(include_url=False):
        where = ".".join(str(p) for p in item["loc"]) or "(arguments)"
        kind = item["type"]
        if kind == "extra_forbidden":
            valid = ", ".join(sorted(f.alias or n for n, f in model.model_fields.items()))
            lines.append(f"- {where}: not an argument of {tool}. Valid arguments: {valid}")
        elif kind == "missing":
            lines.append(f"- {where}: required")
        else:
            shown = json.dumps(item.get("input"), default=str)
            shown = shown if len(shown) <= 80 else shown[:77] + "..."
            message = item["msg"].removeprefix("Value error, ")
            lines.append(f"- {where}: {message} (got {shown})")
    return f"Invalid arguments for {tool}; nothing was sent:\n" + "\n".join(lines)


def _parse_json(response: httpx.Response, route: Route) -> Any:
    if not response.content.strip():
        return {"success": response.is_success}
    try:
        return response.json()
    except (ValueError, RecursionError):
        kind = response.headers.get("content-type", "unknown type")
        raise ApiError(
            f"{route.api} answered {route.method} {route.path} with something that is not valid JSON ({kind}, "
            f"{len(response.content)} bytes)."
        ) from None


class Executor:
    def __init__(self, settings: Settings, catalog: Catalog, session: Session) -> None:
        self.settings = settings
        self.catalog = catalog
        self.session = session
        self.fields = custom_fields.FieldDirectory(self._load_fields, ttl=settings.fields_cache_seconds)

    # -- the call -----------------------------------------------------------------------------
    async def run(
        self, entry: ToolEntry, arguments: dict[str, Any] | None, progress: Progress | None = None
    ) -> Answer:
        model_cls = entry.model()
        try:
            model = model_cls.model_validate(arguments or {})
        except ValidationError as exc:
            raise InvalidArguments(describe_validation_error(entry.name, exc, model_cls)) from None
        route = model.route
        if not self.session.credentials.has(route.api):
            raise MissingCredentials(
                f"{entry.name} needs {route.api} credentials: {self.session.profiles[route.api].credential_hint}."
            )
        try:
            return await self._dispatch(entry, model, progress)
        except ApiError as exc:
            for path, message, hint in ERROR_HINTS:
                if path.search(route.path) and message.search(exc.message):
                    exc.message = f"{exc.message}\n{hint}"
            raise

    async def _dispatch(self, entry: ToolEntry, model: ToolInput, progress: Progress | None) -> Answer:
        route = model.route
        overrides = await self._named_custom_fields(model, route)
        if isinstance(model, UploadInput):
            return await self._upload(entry, model, overrides, progress)
        if isinstance(model, DownloadInput):
            return await self._download(entry, model, overrides)
        if isinstance(model, ListInput) and model.max_items:
            return await self._walk(entry, model, overrides, progress)
        request = build_request(model, overrides=overrides)
        answer = await self._send_json(route, request)
        page = read_page(route, answer, self._sent(request))
        return await self._shape(entry, route, answer, page, raw=bool(model.raw))

    async def _send_json(self, route: Route, request: OutgoingRequest) -> Any:
        response = await self.session.send(
            route.api,
            request.method,
            request.path,
            params=request.params,
            json=request.json,
            has_json=request.has_json,
            data=request.form,
            token_cost=route.token_cost,
        )
        return _parse_json(response, route)

    @staticmethod
    def _sent(request: OutgoingRequest) -> dict[str, Any]:
        sent: dict[str, Any] = dict(request.params)
        if isinstance(request.json, dict):
            sent.update({k: v for k, v in request.json.items() if k in ("offset", "limit")})
        return sent

    # -- custom fields ----------------------------------------------------------------------------
    async def _named_custom_fields(self, model: ToolInput, route: Route) -> dict[str, Any]:
        """Custom fields given by name go out keyed by their hashes."""
        if route.api != "pipedrive" or "custom_fields" not in route.body_params:
            return {}
        given = model.model_dump(by_alias=True, exclude_unset=True, mode="json").get("custom_fields")
        if not isinstance(given, dict) or not given:
            return {}
        if all(custom_fields.HASH_KEY.match(k) for k in given):
            return {}
        entity = custom_fields.entity_of(route.path)
        directory = await self.fields.fields(entity) if entity else None
        if directory is None:
            return {}
        return {"custom_fields": custom_fields.keys_for_write(given, directory)}

    async def _load_fields(self, tool: str) -> list[Any]:
        entry = self.catalog.tools.get(tool)
        if entry is None:
            return []
        model = entry.model().model_validate({})
        items: list[Any] = []
        overrides: dict[str, Any] = {}
        for _ in range(MAX_FIELD_PAGES):
            request = build_request(model, overrides=overrides)
            answer = await self._send_json(model.route, request)
            page = read_page(model.route, answer, self._sent(request))
            items.extend(list_items(answer) or [])
            if page is None or not page.next_args:
                break
            overrides = dict(page.next_args)
        return items

    # -- paging -----------------------------------------------------------------------------------
    async def _walk(
        self, entry: ToolEntry, model: ListInput, overrides: dict[str, Any], progress: Progress | None
    ) -> Answer:
        route = model.route
        wanted = int(model.max_items)
        page_max = route.page_size_max or self.session.profiles[route.api].page_size_max
        collected: list[Any] = []
        first: Any = None
        page: Page | None = None
        pages = 0
        args = dict(overrides)
        while len(collected) < wanted:
            args["limit"] = min(page_max, wanted - len(collected))
            request = build_request(model, overrides=args)
            answer = await self._send_json(route, request)
            first = first if first is not None else answer
            page = read_page(route, answer, self._sent(request))
            pages += 1
            if page is None:
                break
            collected.extend(page.items[: wanted - len(collected)])
            if progress is not None:
                await progress(len(collected), wanted, f"{entry.name}: page {pages}, {len(collected)} items")
            if not page.next_args or not page.items:
                break
            args.update(page.next_args)
        if page is None:
            return await self._shape(entry, route, first, None, raw=bool(model.raw))
        combined = Page(collected, page.more, page.next_args)
        merged = dict(first) if isinstance(first, dict) else {}
        merged["data"] = collected
        return await self._shape(entry, route, merged, combined, raw=bool(model.raw), pages=pages)

    # -- shaping ----------------------------------------------------------------------------------
    async def _shape(
        self, entry: ToolEntry, route: Route, answer: Any, page: Page | None, *, raw: bool, pages: int = 1
    ) -> Answer:
        if not isinstance(answer, dict):
            return Answer({"data": answer})
        if raw:
            result = dict(answer)
            items = page.items if page else None
        else:
            result, items = await self._small(route, answer, page)
        summary = None
        if page is not None:
            summary = {"count": len(page.items), "more": page.more}
            if page.next_args:
                summary["next"] = page.next_args
            if pages > 1:
                summary["pages"] = pages
            result["page"] = summary
        return self._cap(entry, result, items, table=not raw)

    async def _small(
        self, route: Route, answer: dict[str, Any], page: Page | None
    ) -> tuple[dict[str, Any], list | None]:
        directory = None
        entity = custom_fields.entity_of(route.path) if route.api == "pipedrive" else None
        if entity and custom_fields.has_hash_keys(answer.get("data")):
            try:
                directory = await self.fields.fields(entity)
            except ApiError:
                directory = None  # names are a nicety; the answer itself still stands

        def one(item: Any) -> Any:
            if directory is not None:
                item = custom_fields.name_fields(item, directory)
            if route.api == "attio":
                item = shaping.attio_current_values(item)
            return shaping.compact(item, depth=1)

        result: dict[str, Any] = {}
        items = None
        if page is not None:
            items = [one(i) for i in page.items]
            result["data"] = items
        elif isinstance(answer.get("data"), list):
            items = [one(i) for i in answer["data"]]
            result["data"] = items
        elif "data" in answer:
            data = answer["data"]
            result["data"] = one(data) if isinstance(data, dict) else data
        else:
            result = shaping.compact(answer)
        for key, value in answer.items():
            # Envelope and paging facts are summarised; related_objects repeat names the items already carry.
            if (
                key in ("data", "success", "additional_data", "related_objects", "pagination")
                or key in result
            ):
                continue
            value = shaping.compact(value, key, 1)
            if not shaping.is_empty(value):
                result[key] = value
        return result, items

    def _cap(self, entry: ToolEntry, result: dict[str, Any], items: list | None, *, table: bool) -> Answer:
        """Lists become tables; past the size limit, cut at item boundaries and keep the whole in a file."""
        limit = self.settings.max_answer_chars
        listed = items is not None and isinstance(result.get("data"), list)
        shown = {**result, "data": shaping.as_table(items)} if listed and table else result
        text = shaping.dumps(shown)
        if len(text) <= limit:
            return Answer(shown, text)
        saved = files.write_json_file(
            self.settings.download_dir,
            f"{entry.name}-{int(time.time())}.json",
            shaping.dumps(result),
            secrets=[*self.session.credentials.secrets(), *self.settings.secrets()],
        )
        if not listed:
            note = f"the answer is {len(text)} characters, over the {limit} limit"
            preview = text[: max(0, limit - SUMMARY_ROOM)]
            return Answer({"cut": {"note": note, "full_answer_file": saved, "preview": preview}})
        assert items is not None
        rest = {k: v for k, v in result.items() if k != "data"}
        data = shown["data"]
        budget = limit - len(shaping.dumps(rest)) - SUMMARY_ROOM
        # Every id stays in the answer: those of the items cut are listed too, while they fit in a
        # quarter of the room (a walk of thousands keeps them in the file only).
        ids = [item.get("id") if isinstance(item, dict) else None for item in items]
        keep = shaping.fit_rows(data, budget)
        ids_cut = ids[keep:]
        listed_ids = any(i is not None for i in ids_cut) and len(shaping.dumps(ids_cut)) <= budget // 4
        if listed_ids:
            # Make room for the list: each row given up adds one id to it, so settle in two steps.
            keep = shaping.fit_rows(data, budget - len(shaping.dumps(ids_cut)))
            ids_cut = ids[keep:]
        cut: dict[str, Any] = {"items_shown": keep, "items_cut": len(items) - keep}
        if listed_ids:
            cut["ids_cut"] = ids_cut
        cut["full_answer_file"] = saved
        cut["how_to_get_the_rest"] = (
            "read that file (JSON), or ask for fewer items per call (limit) or a narrower filter"
        )
        page = result.get("page") or {}
        if "start" in (page.get("next") or {}) and keep < len(items):
            # Offset lists can resume exactly at the first item not shown.
            cut["next_for_cut_items"] = {"start": int(page["next"]["start"]) - (len(items) - keep)}
        kept = {**data, "rows": data["rows"][:keep]} if isinstance(data, dict) else data[:keep]
        return Answer({**rest, "data": kept, "cut": cut})

    # -- files ------------------------------------------------------------------------------------
    async def _upload(
        self, entry: ToolEntry, model: UploadInput, overrides: dict[str, Any], progress: Progress | None
    ) -> Answer:
        route = model.route
        rules = files.UploadRules.from_settings(self.settings, self.session.credentials.secrets())
        opened = files.open_upload(
            model.path, rules, file_name=model.file_name, content_type=model.content_type
        )
        async with opened as upload:
            request = build_request(model, overrides=overrides)
            reader = upload.reader
            part = {route.file_part: (upload.file_name, reader, upload.content_type)}
            async with anyio.create_task_group() as tasks:
                if progress is not None:
                    tasks.start_soon(self._report_upload, reader, progress, entry.name)
                try:
                    response = await self.session.send(
                        route.api,
                        request.method,
                        request.path,
                        params=request.params,
                        data=request.form or {},
                        files=part,
                        token_cost=route.token_cost,
                    )
                finally:
                    tasks.cancel_scope.cancel()
        if progress is not None:
            await progress(upload.size, upload.size, f"{entry.name}: uploaded {upload.file_name}")
        answer = _parse_json(response, route)
        return await self._shape(entry, route, answer, None, raw=bool(model.raw))

    @staticmethod
    async def _report_upload(reader: files.UploadReader, progress: Progress, name: str) -> None:
        last = -1
        while True:
            if reader.sent != last:
                last = reader.sent
                await progress(reader.sent, reader.total, f"{name}: {reader.sent} of {reader.total} bytes")
            await anyio.sleep(0.2)

    async def _download(self, entry: ToolEntry, model: DownloadInput, overrides: dict[str, Any]) -> Answer:
        route = model.route
        files.check_save_as(model.save_as)
        request = build_request(model, overrides=overrides)
        response = await self.session.send(
            route.api, request.method, request.path, params=request.params, stream=True, accept="*/*"
        )
        ident = "-".join(str(v) for v in model.model_dump(by_alias=True, exclude_unset=True).values())
        name = model.save_as or files.file_name_from(response) or f"{route.api}-file-{ident or 'download'}"
        try:
            saved = await files.save_download(
                response, self.settings.download_dir, name, max_bytes=self.settings.max_upload_bytes * 20
            )
        except httpx.HTTPError as exc:
            raise ApiError(f"the download broke off ({type(exc).__name__}); nothing was saved.") from None
        return Answer(
            {
                "saved": {
                    "path": saved.path,
                    "size": saved.size,
                    "content_type": saved.content_type,
                    "sha256": saved.sha256,
                }
            }
        )
