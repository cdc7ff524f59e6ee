"""The oracle can fail: Prism, behind our routing proxy, rejects requests the documents do not accept.

Each case sends one hand-made request and checks Prism's verdict, so a green contract run means the
tools' requests were judged, not waved through.
"""

from __future__ import annotations

import httpx
import pytest

from tests.contract.conftest import Mocks

PIPEDRIVE = {"x-api-token": "contract-token"}
ATTIO = {"authorization": "Bearer contract-key"}


def send(mocks: Mocks, method: str, path: str, *, api: str = "pipedrive", **kwargs: object) -> httpx.Response:
    proxy = mocks.pipedrive if api == "pipedrive" else mocks.attio
    headers = PIPEDRIVE if api == "pipedrive" else ATTIO
    headers = {**headers, **kwargs.pop("headers", {})}  # type: ignore[dict-item]
    return httpx.request(method, proxy.origin + path, headers=headers, timeout=30, **kwargs)  # type: ignore[arg-type]


def complaint(response: httpx.Response) -> str:
    return response.json()["error"]


def test_valid_requests_are_answered_with_a_mock(mocks: Mocks) -> None:
    assert send(mocks, "GET", "/api/v2/deals", params={"limit": 5}).status_code == 200
    assert send(mocks, "GET", "/api/v1/users/me").status_code == 200
    created = send(mocks, "POST", "/api/v2/deals", json={"title": "Rocket fuel"})
    assert created.status_code == 200
    assert created.json()["success"] is True
    assert send(mocks, "GET", "/v2/objects", api="attio").status_code == 200


def test_the_proxy_strips_the_version_prefix(mocks: Mocks) -> None:
    # The v1 document's server is .../v1 and v2's is .../api/v2; Prism serves paths without either.
    assert send(mocks, "GET", "/api/v1/activityFields").status_code == 200
    wrong = send(mocks, "GET", "/v1/activityFields")
    assert wrong.status_code == 404
    assert "no upstream" in complaint(wrong)


def test_missing_api_token_is_401(mocks: Mocks) -> None:
    response = httpx.get(mocks.pipedrive.origin + "/api/v2/deals", timeout=30)
    assert response.status_code == 401
    assert "security" in complaint(response)


def test_attio_needs_a_bearer_token(mocks: Mocks) -> None:
    assert httpx.get(mocks.attio.origin + "/v2/objects", timeout=30).status_code == 401
    wrong_scheme = httpx.get(mocks.attio.origin + "/v2/objects", headers=PIPEDRIVE, timeout=30)
    assert wrong_scheme.status_code == 401


def test_unknown_path_is_404_and_unknown_method_405(mocks: Mocks) -> None:
    missing = send(mocks, "GET", "/api/v2/nowhere")
    assert missing.status_code == 404
    assert "no path matched" in complaint(missing)
    wrong_method = send(mocks, "PUT", "/api/v2/activities")
    assert wrong_method.status_code == 405


def test_missing_required_query_parameter_is_422(mocks: Mocks) -> None:
    response = send(mocks, "GET", "/api/v2/deals/search")
    assert response.status_code == 422
    assert "required property 'term'" in complaint(response)


def test_query_values_are_checked(mocks: Mocks) -> None:
    bad_enum = send(mocks, "GET", "/api/v2/activities", params={"sort_by": "bogus"})
    assert bad_enum.status_code == 422
    assert "query.sort_by" in complaint(bad_enum)
    bad_path = send(mocks, "GET", "/api/v2/deals/abc")
    assert bad_path.status_code == 422
    assert "path.id" in complaint(bad_path)


def test_body_field_sent_as_query_parameter_is_rejected(mocks: Mocks) -> None:
    response = send(mocks, "POST", "/api/v2/deals", params={"title": "Rocket fuel"}, json={})
    assert response.status_code == 422
    assert "required property 'title'" in complaint(response)


def test_wrong_body_type_is_422(mocks: Mocks) -> None:
    response = send(mocks, "POST", "/api/v2/deals", json={"title": 5})
    assert response.status_code == 422
    assert "body.title: Request body property title must be string" in complaint(response)


def test_documented_400_example_still_carries_the_complaint(mocks: Mocks) -> None:
    # This operation documents a 400 answer: Prism sends that example and lists the violations only in
    # its sl-violations header; the proxy moves them into the body.
    response = send(mocks, "POST", "/api/v1/callLogs", json={})
    assert response.status_code == 400
    assert "required property 'outcome'" in complaint(response)
    attio = send(mocks, "PATCH", "/v2/objects/people", api="attio", json={"data": 5})
    assert attio.status_code == 400
    assert "body.data" in complaint(attio)


@pytest.mark.parametrize(
    ("kwargs", "status", "expected"),
    [
        ({"files": {"file": ("a.txt", b"hello")}, "data": {"deal_id": "1"}}, 200, None),
        ({"data": {"deal_id": "1"}, "files": {"other": ("a.txt", b"x")}}, 422, "required property 'file'"),
        (
            {"files": {"file": ("a.txt", b"hello")}, "data": {"deal_id": "abc"}},
            422,
            "deal_id must be integer",
        ),
    ],
)
def test_multipart_uploads_are_checked(mocks: Mocks, kwargs: dict, status: int, expected: str | None) -> None:
    response = send(mocks, "POST", "/api/v1/files", **kwargs)
    assert response.status_code == status
    if expected:
        assert expected in complaint(response)


def test_form_body_sent_as_json_is_415(mocks: Mocks) -> None:
    fields = {
        "file_type": "gdoc",
        "title": "Plan",
        "item_type": "deal",
        "item_id": 1,
        "remote_location": "googledrive",
    }
    assert send(mocks, "POST", "/api/v1/files/remote", data=fields).status_code == 200
    response = send(mocks, "POST", "/api/v1/files/remote", json=fields)
    assert response.status_code == 415
    assert "content type" in complaint(response).lower()


def test_every_rejection_is_logged(mocks: Mocks) -> None:
    before = len(mocks.pipedrive.rejected())
    send(mocks, "GET", "/api/v2/deals/search")
    rejected = mocks.pipedrive.rejected()
    assert len(rejected) == before + 1
    assert rejected[-1].path == "/api/v2/deals/search"
    assert rejected[-1].status == 422


def test_undeclared_names_are_flagged_by_our_stricter_check(mocks: Mocks) -> None:
    # Prism lets these through (OpenAPI allows extras); the real API would silently ignore them.
    query = send(mocks, "GET", "/api/v2/deals", params={"limit": 5, "titel": "typo"})
    assert query.status_code == 422
    assert "query parameter 'titel'" in complaint(query)
    body = send(mocks, "POST", "/api/v2/deals", json={"title": "Rocket fuel", "titel": "typo"})
    assert body.status_code == 422
    assert "body.titel" in complaint(body)
    nested = send(
        mocks, "POST", "/v2/objects/people/records", api="attio", json={"data": {"values": {}, "extra": 1}}
    )
    assert nested.status_code == 422
    assert "body.data.extra" in complaint(nested)
    upload = send(
        mocks, "POST", "/api/v1/files", files={"file": ("a.txt", b"x")}, data={"deal_id": "1", "dael_id": "1"}
    )
    assert upload.status_code == 422
    assert "body.dael_id" in complaint(upload)


def test_free_form_members_are_not_judged(mocks: Mocks) -> None:
    # Attio record values are keyed by attribute slugs; v2 custom fields by field keys.
    values = {"data": {"values": {"name": [{"value": "Ada"}]}}}
    assert send(mocks, "POST", "/v2/objects/people/records", api="attio", json=values).status_code == 200
    custom = {"title": "Rocket fuel", "custom_fields": {"a" * 40: "x"}}
    assert send(mocks, "POST", "/api/v2/deals", json=custom).status_code == 200
