"""The fetch stage: build the request, send it, decode the answer — once, or once per page of a walk;
for uploads the file part is streamed from disk, for downloads the bytes go to a file."""

from __future__ import annotations

import dataclasses
from contextlib import nullcontext
from typing import Any

import anyio

from dealdesk_mcp import collector, decode, files, pagination, uploads
from dealdesk_mcp.call import Call
from dealdesk_mcp.errors import ApiError, MissingCredentials
from dealdesk_mcp.pagination import Page, Walk
from dealdesk_mcp.request import build_request
from dealdesk_mcp.route import DownloadInput, ListInput, UploadInput

PAGING = ("cursor", "start", "offset", "limit", "skip")


def paging_args(given: dict[str, Any]) -> dict[str, Any]:
    """The paging arguments a page is fetched with (the agent's, then the walk's), typed as given."""
    return {k: given[k] for k in PAGING if given.get(k) is not None}


async def fetch_page(call: Call, args: dict[str, Any]) -> tuple[Any, Page | None]:
    """One request and its decoded answer, with the page facts of a list."""
    assert call.model is not None
    request = build_request(
        call.model, overrides={**call.overrides, **{k: v for k, v in args.items() if k != "skip"}}
    )
    call.requests.append(request)
    received = await call.session.send(call.account, call.profile, request, token_cost=call.route.token_cost)
    assert received.body is not None
    answer = decode.parse_json(received.body, received.response.headers, call.route)
    given = call.model.model_dump(by_alias=True, exclude_unset=True)
    sent = paging_args({**given, **call.overrides, **args})
    return answer, pagination.read_page(call.route, call.profile, answer, sent)


async def fetch(call: Call) -> None:
    if not call.account.has(call.profile.name):
        raise MissingCredentials(
            f"{call.entry.name} needs {call.profile.name} credentials: {call.profile.credential_hint}."
        )
    model = call.model
    if isinstance(model, UploadInput):
        await _upload(call, model)
    elif isinstance(model, DownloadInput):
        await _download(call, model)
    elif isinstance(model, ListInput) and model.max_items:
        page_size = call.route.page_size_max or call.profile.page_size_max
        start = {"skip": model.skip} if model.skip else {}
        shaper = call.page_shaper

        async def arrange(items: list[Any]) -> list[Any]:
            assert shaper is not None
            return await shaper(call, items)

        # Shaped page by page, the walk keeps thousands of records alive between its pages: the cycle
        # collector would scan them all again and again (see dealdesk_mcp.collector), so it waits for
        # the walk's end. (Other tasks run without it meanwhile; their cycles are collected after.)
        with collector.paused() if shaper is not None else nullcontext():
            call.walk = await pagination.walk(
                lambda args: fetch_page(call, args),
                wanted=int(model.max_items),
                page_size=page_size,
                start=start,
                progress=call.progress,
                label=call.entry.name,
                max_pages=call.max_pages,
                arrange=arrange if shaper is not None else None,
            )
        call.answer = call.walk.first
    else:
        start = {"skip": model.skip} if isinstance(model, ListInput) and model.skip else {}
        answer, page = await fetch_page(call, start)
        call.answer = answer
        if page is not None:
            call.walk = Walk(first=answer, pages=[page], items=list(page.items))


def upload_rules(call: Call) -> files.UploadRules:
    """What this call's account may upload: its own folders, none of its secrets."""
    rules = files.UploadRules.from_settings(call.settings, call.account.secrets())
    return dataclasses.replace(rules, roots=call.account.upload_roots)


async def _upload(call: Call, model: UploadInput) -> None:
    route = call.route
    assert route.file_part is not None
    account = call.account
    rules = upload_rules(call)
    request = build_request(model, overrides=call.overrides)
    async with uploads.open_upload(model, rules, call.settings, call.session.client) as upload:
        call.requests.append(request)  # only once the file passed its checks: then it is sent
        call.upload = {**uploads.source_of(model), "file_name": upload.file_name, "size": upload.size}
        reader = upload.reader
        request.files = {route.file_part: (upload.file_name, reader, upload.content_type)}
        request.form = request.form or {}
        failure: Exception | None = None
        received = None
        async with anyio.create_task_group() as tasks:
            if call.progress is not None:
                tasks.start_soon(_report_upload, reader, call)
            try:
                received = await call.session.send(
                    account, call.profile, request, token_cost=route.token_cost
                )
            except Exception as exc:  # kept whole: a task group would wrap it in an ExceptionGroup
                failure = exc
            finally:
                tasks.cancel_scope.cancel()
        if failure is not None:
            raise failure
        size, name = upload.size, upload.file_name
    assert received is not None and received.body is not None
    if call.progress is not None:
        await call.progress(size, size, f"{call.entry.name}: uploaded {name}")
    call.answer = decode.parse_json(received.body, received.response.headers, route)


async def _report_upload(reader: files.UploadReader, call: Call) -> None:
    assert call.progress is not None
    last = -1
    while True:
        if reader.sent != last:
            last = reader.sent
            await call.progress(
                reader.sent, reader.total, f"{call.entry.name}: {reader.sent} of {reader.total} bytes"
            )
        await anyio.sleep(0.2)


async def _download(call: Call, model: DownloadInput) -> None:
    import httpx  # with the first request, not at start (see static_auth)

    route = call.route
    files.check_save_as(model.save_as)
    request = build_request(model, overrides=call.overrides)
    request.accept = "*/*"
    call.requests.append(request)
    received = await call.session.send(
        call.account, call.profile, request, token_cost=route.token_cost, stream=True
    )
    response = received.response
    ident = "-".join(str(v) for v in model.model_dump(by_alias=True, exclude_unset=True).values())
    name = model.save_as or files.file_name_from(response) or f"{route.api}-file-{ident or 'download'}"
    try:
        saved = await files.save_download(
            response, call.account.download_dir, name, max_bytes=call.settings.max_upload_bytes * 20
        )
    except httpx.HTTPError as exc:
        raise ApiError(f"the download broke off ({type(exc).__name__}); nothing was saved.") from None
    call.saved = {
        "path": saved.path,
        "size": saved.size,
        "content_type": saved.content_type,
        "sha256": saved.sha256,
    }
