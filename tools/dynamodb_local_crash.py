"""Does DynamoDB Local keep what it acknowledged when it is killed?

    python -m tools.dynamodb_local_crash [--kills 6] [--writers 6]

For each kill: starts DynamoDB Local on a data directory of its own, creates a table, and lets
`--writers` threads send it transactions of 8 new items each (one attempt per call, no retries;
nothing of this project's application between them and the engine). After 3 seconds it kills the
engine as a crash would (SIGKILL), starts it again on the same data, and reads back every
transaction it had acknowledged. It prints, per kill, how many were acknowledged and each one
missing or incomplete afterwards, with when it was acknowledged relative to the kill.

tests/integration/test_dynamodb_restart.py allows for what this finds.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from tools import engines

TABLE = "crash-check"
ITEMS = 8


def _client(endpoint: str) -> Any:
    config = Config(retries={"total_max_attempts": 1}, connect_timeout=1, read_timeout=5, max_pool_connections=20)
    return boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="local",
                        aws_secret_access_key="local", config=config)  # noqa: S106 - DynamoDB Local


def _transaction(key: str) -> list[dict[str, Any]]:
    return [{"Put": {"TableName": TABLE, "ConditionExpression": "attribute_not_exists(PK)",
                     "Item": {"PK": {"S": key}, "SK": {"S": f"{i}"}, "data": {"S": "x" * 300}}}}
            for i in range(ITEMS)]


def one_kill(writers: int, run_seconds: float = 3.0) -> tuple[int, list[tuple[str, int, float]]]:
    """(transactions acknowledged, [(key, items found, seconds from the kill to the acknowledgement)])."""
    data = Path(tempfile.mkdtemp(prefix="crash-check-"))
    engine = engines.start_dynamodb_local(data)
    try:
        client = _client(engine.endpoint)
        client.create_table(TableName=TABLE, BillingMode="PAY_PER_REQUEST",
                            KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"},
                                       {"AttributeName": "SK", "KeyType": "RANGE"}],
                            AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"},
                                                  {"AttributeName": "SK", "AttributeType": "S"}])
        acknowledged: list[tuple[str, float]] = []
        lock, stop = threading.Lock(), threading.Event()

        def write() -> None:
            while not stop.is_set():
                key = uuid.uuid4().hex
                try:
                    client.transact_write_items(TransactItems=_transaction(key))
                except Exception:  # the engine is gone: wait for the end
                    time.sleep(0.05)
                    continue
                with lock:
                    acknowledged.append((key, time.monotonic()))

        threads = [threading.Thread(target=write) for _ in range(writers)]
        for thread in threads:
            thread.start()
        time.sleep(run_seconds)
        port = int(engine.endpoint.rsplit(":", 1)[1])
        killed_at = time.monotonic()
        engine.kill()
        time.sleep(1)
        stop.set()
        for thread in threads:
            thread.join()
        engine = engines.start_dynamodb_local(data, port=port)
        missing = []
        for key, moment in acknowledged:
            found = client.query(TableName=TABLE, KeyConditionExpression="PK = :k", ConsistentRead=True,
                                 ExpressionAttributeValues={":k": {"S": key}})["Count"]
            if found != ITEMS:
                missing.append((key, found, moment - killed_at))
        return len(acknowledged), missing
    finally:
        engine.stop()
        shutil.rmtree(data, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=6)
    parser.add_argument("--writers", type=int, default=6)
    args = parser.parse_args(argv)
    if engines.dynamodb_local_jar() is None:
        print("DynamoDB Local is not installed (make deps)")
        return 2
    for n in range(1, args.kills + 1):
        count, missing = one_kill(args.writers)
        found = ", ".join(f"{key[:8]}: {items} of {ITEMS} items, acknowledged {moment * 1000:+.0f} ms"
                          for key, items, moment in missing) or "none"
        print(f"kill {n}: {count} transactions acknowledged; missing or incomplete afterwards: {found}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
