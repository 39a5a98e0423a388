"""Rehearse a restore on DynamoDB Local: `make restore-drill`.

    python -m tools.restore_drill [--requests 20] [--keep var/restore-drill.jsonl]

Starts its own DynamoDB Local in memory, creates the table from infra/table.yaml and fills it with
the demo data of the local stack (the union tree, the demo sessions, the demo staff records) plus
`--requests` support requests filed through the support service. Then, as a restore does:

1. counts every item and takes a checksum of each (SHA-256 of the item in DynamoDB JSON with
   sorted keys) and of the whole table (SHA-256 of the sorted item checksums);
2. exports the table to a DynamoDB JSON file (`tools/backup.py`, the layout of DynamoDB's export to
   S3);
3. wipes it: deletes the table;
4. imports the file (the table is created again from infra/table.yaml);
5. counts and checksums again and compares: the same number of items and the same checksum for
   every item, or it names how many are missing, extra or changed.

It prints the figures and exits 0 when they are equal, 1 when they differ, 2 when DynamoDB Local
cannot run here. The restore of a deployment (point-in-time recovery into a new table) is in
docs/operations.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tools import backup, engines

TABLE = "worker-services"
Print = Callable[[str], None]


@dataclass(frozen=True)
class Fingerprint:
    count: int
    checksum: str
    items: dict[str, str]  # key (PK|SK) -> checksum of the item


def item_checksum(item: dict[str, Any]) -> str:
    text = json.dumps(backup._to_json({"M": item}), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def fingerprint(dynamodb: Any, table: str) -> Fingerprint:
    items = {f"{i['PK']['S']}|{i['SK']['S']}": item_checksum(i) for i in backup.scan_items(dynamodb, table)}
    whole = hashlib.sha256("\n".join(sorted(items.values())).encode()).hexdigest()
    return Fingerprint(len(items), whole, items)


def differences(before: Fingerprint, after: Fingerprint) -> list[str]:
    missing = before.items.keys() - after.items.keys()
    extra = after.items.keys() - before.items.keys()
    changed = [k for k in before.items.keys() & after.items.keys() if before.items[k] != after.items[k]]
    found = []
    if missing:
        found.append(f"{len(missing)} items missing after the import")
    if extra:
        found.append(f"{len(extra)} items that were not exported")
    if changed:
        found.append(f"{len(changed)} items changed")
    return found


def seed_demo_data(requests: int) -> None:
    """The local stack's demo data, and support requests filed through the service (each with its
    reference index, counters and audit entry, as the API writes them)."""
    from chalicelib.support import service
    from chalicelib.support.models import SupportRequestIn
    from tools import demo, seed

    seed.seed_units()
    seed.seed_staff_records(seed.load_staff()["staff"])
    demo.seed_demo()
    for n in range(requests):
        service.submit(SupportRequestIn.model_validate({
            "category": "psychological", "description": f"演练用求助第 {n + 1} 份：孩子情绪低落，想找人聊聊。",
            "name": "演练", "phone": f"139{n:08d}", "county_unit_id": "taishan", "frontline": "family",
            "consent": True, "consent_version": "2020-02-v1"}), None)


def drill(dynamodb: Any, table: str, export: Path, out: Print = print) -> bool:
    """Export, wipe, import and compare; True when the table came back item for item."""
    before = fingerprint(dynamodb, table)
    out(f"  before:    {before.count:>6} items  checksum {before.checksum}")
    exported = backup.export_table(dynamodb, table, export)
    out(f"  exported:  {exported:>6} items  to {export}")
    dynamodb.delete_table(TableName=table)
    dynamodb.get_waiter("table_not_exists").wait(TableName=table)
    out(f"  wiped:     table {table} deleted")
    imported = backup.import_table(dynamodb, table, export)
    out(f"  imported:  {imported:>6} items")
    after = fingerprint(dynamodb, table)
    out(f"  after:     {after.count:>6} items  checksum {after.checksum}")
    problems = differences(before, after)
    if exported != before.count or imported != before.count:
        problems.append(f"exported {exported} and imported {imported} of {before.count} items")
    if problems:
        out("  result:    DIFFERENT: " + "; ".join(problems))
        return False
    out("  result:    equal (every item's checksum matches)")
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--requests", type=int, default=20, help="support requests to file besides the demo data")
    parser.add_argument("--keep", type=Path, help="keep the export at this path (default: a temporary file)")
    args = parser.parse_args(argv)
    reason = engines.dynamodb_local_available()
    if reason:
        print(f"restore drill: DynamoDB Local cannot run: {reason}", file=sys.stderr)
        return 2
    from chalicelib.core.config import reset_settings
    from tools import localstack, table

    engine = engines.start_dynamodb_local(None)
    saved = dict(os.environ)
    try:
        os.environ.update(localstack.table_env(engine.endpoint, None))
        os.environ["WS_PERSON_WRITES"] = os.environ["WS_SOURCE_WRITES"] = str(10 * args.requests + 100)
        reset_settings()
        dynamodb = backup.client(engine.endpoint)
        table.create_table(dynamodb, TABLE)
        seed_demo_data(args.requests)
        print(f"restore drill on DynamoDB Local ({engine.endpoint}), table {TABLE}")
        with tempfile.TemporaryDirectory(prefix="ws-restore-drill-") as tmp:
            export = args.keep or Path(tmp) / "export.jsonl"
            ok = drill(dynamodb, TABLE, export)
    finally:
        os.environ.clear()
        os.environ.update(saved)
        reset_settings()
        engine.stop()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
