"""Good-practice and typical-case reports: a unit writes, adds a photo and submits; the city
federation comments, returns, accepts and publishes; the public sees published cases only. Photos
go to the uploads bucket by presigned POST (here: moto's S3 server, as under `make run`)."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.api.access_cases import Context
from tests.api.access_cases.reports import BODY, PNG, draft, ensure_bucket, submitted, with_photo
from tests.api.helpers import count_items, problem

FACTORY = "demo-taishan-factory"


@pytest.fixture
def ctx(client, staff_token) -> Context:
    return Context(client, staff_token)


def _body(response: Any) -> Any:
    return json.loads(response.body)


def _unit(ctx: Context) -> str:
    return str(ctx.token(f"reporter.{FACTORY}", FACTORY, ["caseworker"]))


def test_a_report_goes_from_the_unit_to_the_city_and_onto_the_public_list(ctx):
    report_id = with_photo(ctx, FACTORY)
    unit = _unit(ctx)
    report = _body(ctx.call("GET", f"/reports/{report_id}", None, unit))
    assert report["status"] == "draft" and report["photo_count"] == 1 and report["unit_name"]
    photo = _body(ctx.call("GET", f"/reports/{report_id}/photos/0", None, unit))
    assert base64.b64decode(photo["data_url"].split(",", 1)[1]) == PNG

    sent = _body(ctx.call("POST", f"/reports/{report_id}/submit", {"version": report["version"]}, unit))
    queue = _body(ctx.call("GET", "/reports?status=submitted", None, ctx.admin))
    assert [i["report_id"] for i in queue["items"]] == [report_id]

    returned = ctx.call("POST", f"/reports/{report_id}/review",
                        {"decision": "return", "comment": "请补充职工的反映和具体数字。", "version": sent["version"]},
                        ctx.admin)
    assert returned.status_code == 200, returned.body
    mine = _body(ctx.call("GET", f"/reports/{report_id}", None, unit))
    assert mine["status"] == "returned"
    assert [(c["action"], c["text"]) for c in mine["comments"]] == [("return", "请补充职工的反映和具体数字。")]

    longer = {**BODY, "text": BODY["text"] + "三百余名职工分四批返岗。", "version": mine["version"]}
    edited = _body(ctx.call("PUT", f"/reports/{report_id}", longer, unit))
    again = _body(ctx.call("POST", f"/reports/{report_id}/submit", {"version": edited["version"]}, unit))
    commented = ctx.call("POST", f"/reports/{report_id}/comments", {"text": "已收到，正在审核。"}, ctx.admin)
    assert commented.status_code == 201
    accept = {"decision": "accept", "version": again["version"]}
    accepted = _body(ctx.call("POST", f"/reports/{report_id}/review", accept, ctx.admin))
    assert accepted["status"] == "accepted"
    assert _body(ctx.client.http.get("/public/cases"))["items"] == []  # accepted is not yet public

    published = ctx.call("POST", f"/reports/{report_id}/publication", {"published": True,
                                                                       "version": accepted["version"]}, ctx.admin)
    assert published.status_code == 200, published.body
    cases = _body(ctx.client.http.get("/public/cases"))["items"]
    assert [(c["case_id"], c["title"]) for c in cases] == [(report_id, BODY["title"])]
    assert cases[0]["text"].endswith("三百余名职工分四批返岗。") and cases[0]["unit_name"] == report["unit_name"]
    assert cases[0]["photos"] == [f"/api/public/cases/{report_id}/photos/0"]
    assert set(cases[0]) == {"case_id", "title", "unit_name", "text", "photos", "published_at"}  # no staff names
    image = ctx.client.http.get(f"/public/cases/{report_id}/photos/0", headers={"Accept": "image/png,image/*"})
    assert image.status_code == 200 and image.headers["Content-Type"] == "image/png" and image.body == PNG

    history = _body(ctx.call("GET", f"/reports/{report_id}", None, unit))["comments"]
    assert [c["action"] for c in history] == ["return", "comment"]

    down = ctx.call("POST", f"/reports/{report_id}/publication",
                    {"published": False, "version": _body(published)["version"]}, ctx.admin)
    assert down.status_code == 200 and _body(down)["status"] == "accepted"
    assert _body(ctx.client.http.get("/public/cases"))["items"] == []
    gone = ctx.client.http.get(f"/public/cases/{report_id}/photos/0", headers={"Accept": "image/png"})
    assert gone.status_code == 404


def test_units_see_their_own_subtree_only(ctx):
    report = draft(ctx, FACTORY)
    county = ctx.token("taishan.admin", "taishan", ["unit_admin"])
    sibling = ctx.token("daiyue.admin", "daiyue", ["unit_admin"])
    hospital = ctx.token("hospital.caseworker", "demo-taishan-hospital", ["caseworker"])
    listed = _body(ctx.call("GET", "/reports?status=draft", None, county))["items"]
    assert [i["report_id"] for i in listed] == [report["report_id"]]
    for outsider in (sibling, hospital):
        assert _body(ctx.call("GET", "/reports?status=draft", None, outsider))["items"] == []
        refused = ctx.call("GET", f"/reports/{report['report_id']}", None, outsider)
        assert refused.status_code == 404
        comment = ctx.call("POST", f"/reports/{report['report_id']}/comments", {"text": "看看"}, outsider)
        assert comment.status_code == 404
    review = ctx.call("POST", f"/reports/{report['report_id']}/review", {"decision": "accept", "version": 1}, county)
    assert review.status_code == 403


@pytest.mark.parametrize(("path", "body", "field", "words"), [
    ("/reports", {"title": "好", "text": BODY["text"]}, "title", "标题至少要写 4 个字"),
    ("/reports", {"title": BODY["title"], "text": ""}, "text", "正文不能为空"),
    ("/reports", {"title": "标" * 61, "text": BODY["text"]}, "title", "标题不能超过 60 个字"),
    ("/reports", {**BODY, "unit_id": "daiyue"}, "unit_id", "是不认识的字段"),
    ("/reports", {"text": BODY["text"]}, "title", "标题为必填项"),
    ("{report}/uploads", {"content_type": "image/gif", "size": 100}, "content_type", "照片格式不是可选的值"),
    ("{report}/uploads", {"content_type": "image/png", "size": 3 * 1024 * 1024}, "size", "照片大小不能超过 2 MB"),
    ("{report}/review", {"decision": "return", "version": 2}, "comment", "意见为必填项"),
])
def test_bad_input_is_refused_in_chinese_naming_the_field_and_nothing_is_stored(ctx, seeded, path, body, field,
                                                                               words):
    report = submitted(ctx, FACTORY)
    url = path.format(report=f"/reports/{report['report_id']}")
    before = count_items(seeded)
    token = ctx.admin if path.endswith("review") else _unit(ctx)
    response = ctx.call("POST", url, body, token)
    assert response.status_code == 400, response.body
    errors = problem(response)["errors"]
    assert [e["field"] for e in errors] == [field] and words in errors[0]["message"], errors
    assert count_items(seeded) == before


def test_two_reviewers_on_the_same_version_cannot_both_decide(ctx):
    report = submitted(ctx, FACTORY)
    other = ctx.token("city.reviewer", "city", ["city_admin"])
    first = ctx.call("POST", f"/reports/{report['report_id']}/review",
                     {"decision": "accept", "version": report["version"]}, ctx.admin)
    second = ctx.call("POST", f"/reports/{report['report_id']}/review",
                      {"decision": "return", "comment": "请修改", "version": report["version"]}, other)
    assert first.status_code == 200 and second.status_code == 409
    assert problem(second)["type"] == "/problems/version-conflict"
    final = _body(ctx.call("GET", f"/reports/{report['report_id']}", None, ctx.admin))
    assert final["status"] == "accepted" and final["comments"] == []


def test_a_submitted_report_is_locked_for_the_unit(ctx):
    report = submitted(ctx, FACTORY)
    unit = _unit(ctx)
    edit = ctx.call("PUT", f"/reports/{report['report_id']}", {**BODY, "version": report["version"]}, unit)
    upload = ctx.call("POST", f"/reports/{report['report_id']}/uploads", {"content_type": "image/png", "size": 10},
                      unit)
    assert edit.status_code == 409 and upload.status_code == 409
    assert "待审核" in problem(edit)["detail"]


# --- presigned upload round trip against moto's S3 server --------------------------------------------

@pytest.fixture
def s3_server(staff_token, monkeypatch) -> Iterator[str]:
    """moto's S3 server on loopback (what tools.localstack runs), with the uploads bucket."""
    import boto3

    from chalicelib.core.config import reset_settings, settings
    from tools import engines

    server = engines.start_moto()
    monkeypatch.setenv("S3_ENDPOINT", server.endpoint)
    reset_settings()
    boto3.client("s3", endpoint_url=server.endpoint, region_name="us-east-1").create_bucket(
        Bucket=settings().uploads_bucket)
    yield server.endpoint
    server.stop()
    monkeypatch.delenv("S3_ENDPOINT")
    reset_settings()


def _presign(ctx: Context, report_id: str, content_type: str = "image/png", size: int = 100) -> dict[str, Any]:
    response = ctx.call("POST", f"/reports/{report_id}/uploads", {"content_type": content_type, "size": size},
                        _unit(ctx))
    assert response.status_code == 201, response.body
    return dict(_body(response))


def _post_file(upload: dict[str, Any], data: bytes, content_type: str) -> requests.Response:
    return requests.post(upload["url"], data=upload["fields"], files={"file": ("photo", data, content_type)},
                         timeout=10)


def _confirm(ctx: Context, report_id: str, upload: dict[str, Any]) -> Any:
    return ctx.call("POST", f"/reports/{report_id}/uploads/{upload['upload_id']}/confirm", None, _unit(ctx))


def test_a_photo_uploaded_with_the_presigned_form_is_confirmed_and_attached(ctx, s3_server):
    report = draft(ctx, FACTORY)
    upload = _presign(ctx, report["report_id"])
    assert upload["url"].startswith(s3_server)
    key = upload["fields"]["key"]
    assert key.startswith(f"pending/reports/{report['report_id']}/") and key.endswith(".png")  # the server's key
    policy = json.loads(base64.b64decode(upload["fields"]["policy"]))
    assert {"Content-Type": "image/png"} in policy["conditions"]
    assert ["content-length-range", 1, upload["max_bytes"]] in policy["conditions"]

    early = _confirm(ctx, report["report_id"], upload)  # nothing uploaded yet
    assert early.status_code == 400 and problem(early)["errors"][0]["field"] == "file"
    assert _post_file(upload, PNG, "image/png").status_code in (200, 201, 204)
    confirmed = _confirm(ctx, report["report_id"], upload)
    assert confirmed.status_code == 200, confirmed.body
    assert _body(confirmed)["photo_count"] == 1
    again = _confirm(ctx, report["report_id"], upload)
    assert again.status_code == 404  # an upload is attached once
    photo = _body(ctx.call("GET", f"/reports/{report['report_id']}/photos/0", None, _unit(ctx)))
    assert photo["data_url"] == "data:image/png;base64," + base64.b64encode(PNG).decode()
    import boto3

    from chalicelib.core.config import settings

    listed = boto3.client("s3", endpoint_url=s3_server, region_name="us-east-1").list_objects_v2(
        Bucket=settings().uploads_bucket)
    assert [o["Key"] for o in listed["Contents"]] == [key.removeprefix("pending/")]  # out of pending/


@pytest.mark.parametrize(("data", "content_type"), [
    (b"GIF89a" + bytes(64), "image/png"),  # not a PNG, whatever the form said
    (b"GIF89a" + bytes(64), "image/gif"),  # a type the form did not allow
    (PNG + bytes(2 * 1024 * 1024), "image/png"),  # over the size limit
], ids=["disguised", "wrong type", "oversize"])
def test_a_wrong_file_is_refused_and_removed(ctx, s3_server, data, content_type):
    import boto3

    from chalicelib.core.config import settings

    report = draft(ctx, FACTORY)
    upload = _presign(ctx, report["report_id"])
    posted = _post_file(upload, data, content_type)
    if posted.status_code < 300:  # moto does not enforce the policy's conditions; S3 does
        refused = _confirm(ctx, report["report_id"], upload)
        assert refused.status_code == 400, refused.body
        assert problem(refused)["errors"][0]["field"] == "file"
    s3 = boto3.client("s3", endpoint_url=s3_server, region_name="us-east-1")
    assert s3.list_objects_v2(Bucket=settings().uploads_bucket).get("KeyCount", 0) == 0
    assert _body(ctx.call("GET", f"/reports/{report['report_id']}", None, _unit(ctx)))["photo_count"] == 0


def test_the_public_photo_route_shows_only_published_cases(ctx):
    ensure_bucket()
    report_id = with_photo(ctx, FACTORY)
    response = ctx.client.http.get(f"/public/cases/{report_id}/photos/0", headers={"Accept": "image/png"})
    assert response.status_code == 404
    assert ctx.client.http.get("/public/cases/NOT-A-CASE/photos/0", headers={"Accept": "image/png"}).status_code == 404


def test_a_photo_can_be_taken_out_while_the_report_is_a_draft(ctx):
    import boto3

    from chalicelib.core.config import settings

    report_id = with_photo(ctx, FACTORY)
    unit = _unit(ctx)
    report = _body(ctx.call("GET", f"/reports/{report_id}", None, unit))
    stale = ctx.call("POST", f"/reports/{report_id}/photos/0/remove", {"version": report["version"] - 1}, unit)
    assert stale.status_code == 409
    missing = ctx.call("POST", f"/reports/{report_id}/photos/3/remove", {"version": report["version"]}, unit)
    assert missing.status_code == 404
    removed = ctx.call("POST", f"/reports/{report_id}/photos/0/remove", {"version": report["version"]}, unit)
    assert removed.status_code == 200 and _body(removed)["photo_count"] == 0
    s3 = boto3.client("s3", region_name="us-east-1")
    assert s3.list_objects_v2(Bucket=settings().uploads_bucket, Prefix=f"reports/{report_id}/").get("KeyCount") == 0


def test_a_second_confirm_racing_the_first_leaves_the_attached_photo(ctx, s3_server, monkeypatch):
    """Two confirms of one upload (two tabs, a retried request) both read it as pending; the one that
    loses its transaction must not remove the photo the winner attached."""
    from chalicelib.reports import store

    report = draft(ctx, FACTORY)
    upload = _presign(ctx, report["report_id"])
    assert _post_file(upload, PNG, "image/png").status_code in (200, 201, 204)
    pending = store.get_upload(report["report_id"], upload["upload_id"])
    assert _confirm(ctx, report["report_id"], upload).status_code == 200
    # The loser read the upload before the winner's transaction deleted it.
    monkeypatch.setattr(store, "get_upload", lambda *a: pending)
    storage_key = pending["key"]
    import boto3

    from chalicelib.core.config import settings

    s3 = boto3.client("s3", endpoint_url=s3_server, region_name="us-east-1")
    s3.put_object(Bucket=settings().uploads_bucket, Key=storage_key, Body=PNG, ContentType="image/png")
    loser = _confirm(ctx, report["report_id"], upload)
    assert loser.status_code == 409, loser.body
    photo = ctx.call("GET", f"/reports/{report['report_id']}/photos/0", None, _unit(ctx))
    assert photo.status_code == 200, photo.body
    assert _body(photo)["data_url"] == "data:image/png;base64," + base64.b64encode(PNG).decode()
