"""Backfill the figures the dashboard reads: `make figures [ARGS="--endpoint ..."]`.

Sessions keep subtree figures per unit (BOOKSUM#<unit>#<n>) and unfinished support requests keep a
DUE# item under each unit above their own, both written with every change since they were
introduced. A table holding records from before starts with those empty: this command Scans the
table once (a maintenance command, never a request path) and sets them from the records as they
are. Rerunning it is harmless; run it at a quiet time (stop `make run`, or pass its endpoint).

Without `--endpoint` the command starts its own DynamoDB Local on var/dynamodb.
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from pathlib import Path
from typing import Any

from tools import backup
from tools.engines import ROOT
from tools.purge import configure

TYPES = ("unit", "booking_session", "support_request")


def records() -> dict[str, list[dict[str, Any]]]:
    """The table's units, sessions and support requests, by type (one Scan, page by page); demo
    sessions count nowhere, so they are left out (a demo request's due items are listed, marked)."""
    from boto3.dynamodb.conditions import Attr

    from chalicelib.core import db, demo

    found: dict[str, list[dict[str, Any]]] = defaultdict(list)
    params: dict[str, Any] = {"FilterExpression": Attr("type").is_in(list(TYPES))}
    while True:
        page = db.table().scan(**params)  # maintenance: the whole table, once
        for item in db.plain(page.get("Items", [])):
            if demo.counted(item) or item["type"] == "support_request":
                found[str(item["type"])].append(item)
        if not page.get("LastEvaluatedKey"):
            return found
        params["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def run() -> str:
    from chalicelib.booking import figures as booking
    from chalicelib.support import figures as support

    found = records()
    units = booking.rebuild(found["booking_session"], [str(u["id"]) for u in found["unit"]])
    due = support.rebuild_due(found["support_request"])
    return (f"figures set: {units} units' session figures changed (of {len(found['unit'])} units, "
            f"{len(found['booking_session'])} sessions); {due} unfinished support requests listed under their units")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--endpoint", help="DynamoDB endpoint (default: start DynamoDB Local on var/dynamodb)")
    parser.add_argument("--data", type=Path, default=ROOT / "var", help="the local stack's data directory")
    args = parser.parse_args(argv)
    with backup.endpoint_for(args.endpoint, args.data / "dynamodb") as endpoint:
        configure(endpoint, args.data)
        print(run())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
