"""Maintenance: the purge of personal data once retention has run out (see core/retention.py).

This is a maintenance command, run daily by a schedule in AWS and by `make purge` locally (DynamoDB
Local and moto do not expire items). It is the one place besides backups that reads the whole
table, page by page (a maintenance Scan, never on a request path).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from chalicelib.core import db, retention, uow
from chalicelib.core.logs import logger


def scan_pages_for_maintenance() -> Any:
    """Every item of the table, a page at a time (maintenance only)."""
    start: dict[str, Any] | None = None
    while True:
        kwargs: dict[str, Any] = {"ExclusiveStartKey": start} if start else {}
        page = db.table().scan(**kwargs)  # maintenance: whole-table purge
        yield [db.plain(i) for i in page.get("Items", [])]
        start = page.get("LastEvaluatedKey")
        if not start:
            return


def purge(today: date | None = None, force: bool = False) -> dict[str, int]:
    """Anonymise or delete every item holding personal data, if retention has run out (or force)."""
    if not force and not retention.due(today):
        return {"checked": 0, "anonymised": 0}
    checked = anonymised = 0
    for page in scan_pages_for_maintenance():
        for item in page:
            checked += 1
            op = retention.anonymise_op(item, retention.RETENTION)
            if op is not None:
                uow.commit([op])
                anonymised += 1
    logger().info("purge finished", extra={"checked": checked, "anonymised": anonymised})
    return {"checked": checked, "anonymised": anonymised}
