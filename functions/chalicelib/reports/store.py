"""Good-practice and typical-case reports in the one table.

  report          PK=REPORT#<id>    SK=REPORT
  by status       GSI1PK=REPORTS#<status>  GSI1SK=<unit path><created_at>#<id>   (on the report item)
  comment         PK=REPORT#<id>    SK=COMMENT#<at>#<random>
  pending upload  PK=REPORT#<id>    SK=UPLOAD#<upload id>     (expires by ttl unless confirmed)
  public case     PK=PUBLICCASES    SK=<published_at>#<id>    (only while published)

A status list of a unit's subtree is one Query: GSI1PK for the status, GSI1SK beginning with the
caller's unit path. The public page is one Query on PUBLICCASES, newest first.
"""

from __future__ import annotations

from typing import Any

from chalicelib.core import db, errors

PUBLIC_PK = "PUBLICCASES"


def report_key(report_id: str) -> tuple[str, str]:
    return f"REPORT#{report_id}", "REPORT"


def status_index(status: str, unit_path: str, created_at: str, report_id: str) -> dict[str, str]:
    return {"GSI1PK": f"REPORTS#{status}", "GSI1SK": f"{unit_path}{created_at}#{report_id}"}


def report_item(record: dict[str, Any]) -> dict[str, Any]:
    pk, sk = report_key(record["report_id"])
    return {"PK": pk, "SK": sk, "type": "report", **record,
            **status_index(record["status"], record["unit_path"], record["created_at"], record["report_id"])}


def create_report(record: dict[str, Any]) -> db.Op:
    return db.put_new(report_item(record)).named("create_report")


def change_report(report_id: str, changes: dict[str, Any], expected_version: int) -> db.Op:
    """Set fields of the report at the version the caller read (commit with uow.commit_versioned)."""
    return db.versioned_set(*report_key(report_id), changes, expected_version).named("change_report")


def move_report(report_id: str, status: str, changes: dict[str, Any], expected_version: int) -> db.Op:
    """A new status (and the status index with it) at the version read (commit with uow.commit_versioned)."""
    return db.versioned_set(*report_key(report_id), {"status": status, "GSI1PK": f"REPORTS#{status}", **changes},
                            expected_version).named("move_report")


def report_exists(report_id: str) -> db.Op:
    return db.check(*report_key(report_id), "attribute_exists(PK)").named("report_exists")


def attach_photo(report_id: str, photo: dict[str, Any], at: str, most: int) -> db.Op:
    """Append a photo while the unit can still change the report and it has fewer than `most`."""
    return db.update(*report_key(report_id),
                     "SET photos = list_append(photos, :new), version = version + :one, updated_at = :at",
                     "attribute_exists(PK) AND #s IN (:draft, :returned) AND size(photos) < :max",
                     names={"#s": "status"},
                     values={":new": [photo], ":one": 1, ":at": at, ":draft": "draft", ":returned": "returned",
                             ":max": most},
                     on_fail=errors.conflict(f"报送已不能再添加照片（已提交或已有 {most} 张）。", "report-locked"),
                     ).named("attach_photo")


def get_report(report_id: str, consistent: bool = False) -> dict[str, Any] | None:
    return db.get(*report_key(report_id), consistent=consistent)


def by_status(status: str, unit_path: str, limit: int,
              start: dict[str, Any] | None) -> tuple[list[dict[str, Any]], Any]:
    return db.query(f"REPORTS#{status}", unit_path, index="GSI1", limit=limit, start_key=start)


def comment_item(report_id: str, at: str, suffix: str, record: dict[str, Any]) -> dict[str, Any]:
    return {"PK": f"REPORT#{report_id}", "SK": f"COMMENT#{at}#{suffix}", "type": "report_comment", **record}


def add_comment(report_id: str, at: str, suffix: str, record: dict[str, Any]) -> db.Op:
    return db.put_new(comment_item(report_id, at, suffix, record)).named("add_comment")


def comments(report_id: str) -> list[dict[str, Any]]:
    items, _ = db.query(f"REPORT#{report_id}", "COMMENT#", limit=200)
    return items


def upload_key(report_id: str, upload_id: str) -> tuple[str, str]:
    return f"REPORT#{report_id}", f"UPLOAD#{upload_id}"


def start_upload(report_id: str, upload_id: str, record: dict[str, Any]) -> db.Op:
    """A pending upload (record holds its key, content type, who, when and ttl)."""
    pk, sk = upload_key(report_id, upload_id)
    return db.put_new({"PK": pk, "SK": sk, "type": "report_upload", **record}).named("start_upload")


def drop_upload(report_id: str, upload_id: str) -> db.Op:
    """Forget a pending upload whose file was refused."""
    return db.delete(*upload_key(report_id, upload_id)).named("drop_upload")


def use_upload(report_id: str, upload_id: str) -> db.Op:
    """Take the pending upload as confirmed: it can be used once."""
    return db.delete(*upload_key(report_id, upload_id), "attribute_exists(PK)",
                     on_fail=errors.conflict("这张照片已经确认过了。")).named("use_upload")


def get_upload(report_id: str, upload_id: str) -> dict[str, Any] | None:
    return db.get(*upload_key(report_id, upload_id), consistent=True)


def public_key(published_at: str, report_id: str) -> tuple[str, str]:
    return PUBLIC_PK, f"{published_at}#{report_id}"


def publish_case(report_id: str, published_at: str, record: dict[str, Any]) -> db.Op:
    """The case on the public page (record: title, unit name, text, photo count)."""
    pk, sk = public_key(published_at, report_id)
    return db.put_new({"PK": pk, "SK": sk, "type": "public_case", "case_id": report_id, **record,
                       "published_at": published_at}).named("publish_case")


def unpublish_case(report_id: str, published_at: str) -> db.Op:
    return db.delete(*public_key(published_at, report_id), "attribute_exists(PK)").named("unpublish_case")


def public_cases(limit: int, start: dict[str, Any] | None) -> tuple[list[dict[str, Any]], Any]:
    return db.query(PUBLIC_PK, limit=limit, start_key=start, forward=False)
