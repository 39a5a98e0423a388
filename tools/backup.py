"""Export and import the local table in DynamoDB JSON: `make export` / `make import FROM=...`.

    python -m tools.backup export [--out var/export-<UTC timestamp>.jsonl]
    python -m tools.backup import --from var/export-....jsonl

One item per line in the layout of DynamoDB's export to S3 (`{"Item": {"PK": {"S": "..."}, ...}}`,
binary values base64), so a file from an AWS export imports here and the other way round.

Without `--endpoint` the command starts its own DynamoDB Local on var/dynamodb (the data the local
stack keeps there); stop `make run` first, or pass the endpoint its banner shows. Export scans the
table (a maintenance command, never a request path); import writes with BatchWriteItem in chunks
of 25, retrying unprocessed items with backoff, and creates the table from infra/table.yaml when
it is missing. In AWS use point-in-time recovery instead (see infra/README.md).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3

from tools import engines
from tools.engines import ROOT

TABLE = "worker-services"  # the local stack's table name (tools.localstack.TABLE)
REGION = "us-east-1"
BATCH = 25  # BatchWriteItem's limit
MAX_ROUNDS = 12


def client(endpoint: str) -> Any:
    return boto3.client("dynamodb", endpoint_url=endpoint, region_name=REGION,
                        aws_access_key_id="local", aws_secret_access_key="local")  # noqa: S106 - DynamoDB Local


def _to_json(value: Any) -> Any:
    """A DynamoDB JSON attribute value with bytes as base64 text, as S3 exports write it."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for kind, inner in value.items():
            if kind == "B":
                out[kind] = base64.b64encode(inner).decode()
            elif kind == "BS":
                out[kind] = [base64.b64encode(b).decode() for b in inner]
            elif kind == "M":
                out[kind] = {k: _to_json(v) for k, v in inner.items()}
            elif kind == "L":
                out[kind] = [_to_json(v) for v in inner]
            else:
                out[kind] = inner
        return out
    return value


def _from_json(value: Any) -> Any:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for kind, inner in value.items():
            if kind == "B":
                out[kind] = base64.b64decode(inner)
            elif kind == "BS":
                out[kind] = [base64.b64decode(b) for b in inner]
            elif kind == "M":
                out[kind] = {k: _from_json(v) for k, v in inner.items()}
            elif kind == "L":
                out[kind] = [_from_json(v) for v in inner]
            else:
                out[kind] = inner
        return out
    return value


def scan_items(dynamodb: Any, table: str) -> Iterator[dict[str, Any]]:
    """Every item of the table, strongly consistent, page by page."""
    params: dict[str, Any] = {"TableName": table, "ConsistentRead": True}
    while True:
        page = dynamodb.scan(**params)
        yield from page.get("Items", [])
        if "LastEvaluatedKey" not in page:
            return
        params["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def export_table(dynamodb: Any, table: str, out: Path) -> int:
    """Write every item to out (sorted by key, so two exports of the same data are identical)."""
    items = sorted(scan_items(dynamodb, table), key=lambda i: (i["PK"]["S"], i["SK"]["S"]))
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    partial.unlink(missing_ok=True)
    # Every record, personal data included: readable by its owner only.
    with os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w", encoding="utf-8") as f:
        for item in items:
            f.write(json.dumps({"Item": {k: _to_json(v) for k, v in item.items()}},
                               ensure_ascii=False, sort_keys=True) + "\n")
    partial.replace(out)  # never leave a half-written export under the final name
    return len(items)


def read_export(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            record = json.loads(line)
            if not isinstance(record, dict) or not isinstance(record.get("Item"), dict):
                raise ValueError(f"{path}:{number}: expected {{\"Item\": {{...}}}}")
            yield {k: _from_json(v) for k, v in record["Item"].items()}


def write_batch(dynamodb: Any, table: str, items: list[dict[str, Any]], sleep: Any = time.sleep) -> None:
    """BatchWriteItem one chunk of at most 25, retrying what DynamoDB leaves unprocessed."""
    requests: list[Any] = [{"PutRequest": {"Item": item}} for item in items]
    for attempt in range(MAX_ROUNDS):
        answer = dynamodb.batch_write_item(RequestItems={table: requests})
        requests = answer.get("UnprocessedItems", {}).get(table, [])
        if not requests:
            return
        sleep(min(2.0, 0.05 * 2**attempt))
    raise RuntimeError(f"{len(requests)} items still unprocessed after {MAX_ROUNDS} rounds")


def import_table(dynamodb: Any, table: str, source: Path) -> int:
    from tools.table import create_table

    create_table(dynamodb, table)
    chunk: list[dict[str, Any]] = []
    written = 0
    for item in read_export(source):
        chunk.append(item)
        if len(chunk) == BATCH:
            write_batch(dynamodb, table, chunk)
            written += len(chunk)
            chunk = []
    if chunk:
        write_batch(dynamodb, table, chunk)
        written += len(chunk)
    return written


@contextmanager
def endpoint_for(endpoint: str | None, data_dir: Path) -> Iterator[str]:
    """The given endpoint, or a DynamoDB Local of our own on the local stack's data."""
    if endpoint:
        yield endpoint
        return
    reason = engines.dynamodb_local_available()
    if reason:
        raise SystemExit(f"DynamoDB Local cannot run: {reason}; pass --endpoint")
    engine = engines.start_dynamodb_local(data_dir)
    try:
        yield engine.endpoint
    finally:
        engine.stop()


def default_out() -> Path:
    return ROOT / "var" / f"export-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.jsonl"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--endpoint", help="DynamoDB endpoint (default: start DynamoDB Local on --data)")
    parser.add_argument("--table", default=TABLE)
    parser.add_argument("--data", type=Path, default=ROOT / "var" / "dynamodb")
    commands = parser.add_subparsers(dest="command", required=True)
    exporting = commands.add_parser("export", help="write every item to a DynamoDB JSON file")
    exporting.add_argument("--out", type=Path, default=None)
    importing = commands.add_parser("import", help="write every item of a DynamoDB JSON file")
    importing.add_argument("--from", dest="source", type=Path, required=True)
    args = parser.parse_args(argv)
    with endpoint_for(args.endpoint, args.data) as endpoint:
        dynamodb = client(endpoint)
        if args.command == "export":
            out = args.out or default_out()
            count = export_table(dynamodb, args.table, out)
            print(f"exported {count} items of {args.table} to {out}")
        else:
            count = import_table(dynamodb, args.table, args.source)
            print(f"imported {count} items from {args.source} into {args.table}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
