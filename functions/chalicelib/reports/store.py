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

from chalicelib.core import db

PUBLIC_PK = "PUBLICCASES"


def report_key(report_id: str) -> tuple[str, str]:
    return f"REPORT#{report_id}", "REPORT"


def status_index(status: str, unit_path: str, created_at: str, report_id: str) -> dict[str, str]:
    return {"GSI1PK": f"REPORTS#{status}", "GSI1SK": f"{unit_path}{created_at}#{report_id}"}


def report_item(record: dict[str, Any]) -> dict[str, Any]:
    pk, sk = report_key(record["report_id"])
    return {"PK": pk, "SK": sk, "type": "report", **record,
            **status_index(record["status"], record["unit_path"], record["created_at"], record["report_id"])}


def get_report(report_id: str, consistent: bool = False) -> dict[str, Any] | None:
    return db.get(*report_key(report_id), consistent=consistent)


def by_status(status: str, unit_path: str, limit: int,
              start: dict[str, Any] | None) -> tuple[list[dict[str, Any]], Any]:
    return db.query(f"REPORTS#{status}", unit_path, index="GSI1", limit=limit, start_key=start)


def comment_item(report_id: str, at: str, suffix: str, record: dict[str, Any]) -> dict[str, Any]:
    return {"PK": f"REPORT#{report_id}", "SK": f"COMMENT#{at}#{suffix}", "type": "report_comment", **record}


def comments(report_id: str) -> list[dict[str, Any]]:
    items, _ = db.query(f"REPORT#{report_id}", "COMMENT#", limit=200)
    return items


def upload_key(report_id: str, upload_id: str) -> tuple[str, str]:
    return f"REPORT#{report_id}", f"UPLOAD#{upload_id}"


def get_upload(report_id: str, upload_id: str) -> dict[str, Any] | None:
    return db.get(*upload_key(report_id, upload_id), consistent=True)


def public_key(published_at: str, report_id: str) -> tuple[str, str]:
    return PUBLIC_PK, f"{published_at}#{report_id}"


def public_cases(limit: int, start: dict[str, Any] | None) -> tuple[list[dict[str, Any]], Any]:
    return db.query(PUBLIC_PK, limit=limit, start_key=start, forward=False)
