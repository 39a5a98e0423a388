"""Access cases for the good-practice report routes."""

from __future__ import annotations

import json
from typing import Any

from tests.api.access_cases import Case


def tiny_png() -> bytes:
    """A valid 1x1 PNG (one red pixel)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
            + chunk(b"IEND", b""))


PNG = tiny_png()
BODY = {"title": "复工企业错时上下班",
        "text": "工会协调企业实行错时上下班，职工分批进出厂区，减少聚集。每班结束后统一消毒。"}


def ensure_bucket() -> None:
    """The uploads bucket on moto in this process (tests/conftest.py sets up moto, not the bucket)."""
    import boto3

    from chalicelib.core.config import settings

    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=settings().uploads_bucket)


def _reporter(ctx: Any, unit: str) -> str:
    return str(ctx.token(f"reporter.{unit}", unit, ["caseworker"]))


def draft(ctx: Any, unit: str) -> dict[str, Any]:
    """A draft report of `unit`, written by a caseworker of that unit."""
    response = ctx.call("POST", "/reports", BODY, _reporter(ctx, unit))
    assert response.status_code == 201, response.body
    return dict(json.loads(response.body))


def uploaded(ctx: Any, unit: str) -> tuple[str, str]:
    """A draft with a photo uploaded to the bucket but not confirmed yet: (report id, upload id)."""
    import boto3

    from chalicelib.core.config import settings

    ensure_bucket()
    report = draft(ctx, unit)
    response = ctx.call("POST", f"/reports/{report['report_id']}/uploads", {"content_type": "image/png", "size": 70},
                        _reporter(ctx, unit))
    assert response.status_code == 201, response.body
    upload = json.loads(response.body)
    boto3.client("s3", region_name="us-east-1").put_object(
        Bucket=settings().uploads_bucket, Key=upload["fields"]["key"], Body=PNG, ContentType="image/png")
    return report["report_id"], upload["upload_id"]


def with_photo(ctx: Any, unit: str) -> str:
    report_id, upload_id = uploaded(ctx, unit)
    response = ctx.call("POST", f"/reports/{report_id}/uploads/{upload_id}/confirm", None, _reporter(ctx, unit))
    assert response.status_code == 200, response.body
    return report_id


def submitted(ctx: Any, unit: str) -> dict[str, Any]:
    report = draft(ctx, unit)
    response = ctx.call("POST", f"/reports/{report['report_id']}/submit", {"version": report["version"]},
                        _reporter(ctx, unit))
    assert response.status_code == 200, response.body
    return dict(json.loads(response.body))


def accepted(ctx: Any, unit: str) -> dict[str, Any]:
    report = submitted(ctx, unit)
    response = ctx.call("POST", f"/reports/{report['report_id']}/review",
                        {"decision": "accept", "version": report["version"]}, ctx.admin)
    assert response.status_code == 200, response.body
    return dict(json.loads(response.body))


def _with(make: Any, path: str, body: Any = None, method: str = "POST") -> Any:
    def build(ctx: Any, unit: str) -> tuple[str, str, dict[str, Any] | None]:
        report = make(ctx, unit)
        b = body(report) if callable(body) else body
        return method, path.format(id=report["report_id"]), b
    return build


CASES: dict[tuple[str, str], Case] = {
    ("POST", "/reports"): Case(lambda ctx, unit: ("POST", "/reports", BODY), scoped=False, success=201),
    ("GET", "/reports"): Case(lambda ctx, unit: ("GET", "/reports?status=draft", None), scoped=False, success=200),
    ("GET", "/reports/{report_id}"): Case(_with(draft, "/reports/{id}", method="GET"), scoped=True, success=200),
    ("PUT", "/reports/{report_id}"): Case(
        _with(draft, "/reports/{id}", lambda r: {**BODY, "title": "错时上下班的做法", "version": r["version"]}, "PUT"),
        scoped=True, success=200),
    ("POST", "/reports/{report_id}/uploads"): Case(
        _with(draft, "/reports/{id}/uploads", {"content_type": "image/jpeg", "size": 1000}), scoped=True, success=201),
    ("POST", "/reports/{report_id}/uploads/{upload_id}/confirm"): Case(
        lambda ctx, unit: ("POST", "/reports/{}/uploads/{}/confirm".format(*uploaded(ctx, unit)), None),
        scoped=True, success=200),
    ("GET", "/reports/{report_id}/photos/{index}"): Case(
        lambda ctx, unit: ("GET", f"/reports/{with_photo(ctx, unit)}/photos/0", None), scoped=True, success=200),
    ("POST", "/reports/{report_id}/photos/{index}/remove"): Case(
        lambda ctx, unit: ("POST", f"/reports/{with_photo(ctx, unit)}/photos/0/remove", {"version": 2}),
        scoped=True, success=200),
    ("POST", "/reports/{report_id}/submit"): Case(
        _with(draft, "/reports/{id}/submit", lambda r: {"version": r["version"]}), scoped=True, success=200),
    ("POST", "/reports/{report_id}/comments"): Case(
        _with(submitted, "/reports/{id}/comments", {"text": "请补充职工的反映。"}), scoped=True, success=201),
    ("POST", "/reports/{report_id}/review"): Case(
        _with(submitted, "/reports/{id}/review", lambda r: {"decision": "accept", "version": r["version"]}),
        scoped=True, success=200),
    ("POST", "/reports/{report_id}/publication"): Case(
        _with(accepted, "/reports/{id}/publication", lambda r: {"published": True, "version": r["version"]}),
        scoped=True, success=200),
}
