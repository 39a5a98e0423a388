"""`make export` / `make import`: a round trip through DynamoDB JSON gives back exactly the same items."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any, ClassVar

from tests.api.helpers import support_body
from tests.conftest import scans_allowed
from tests.integration.conftest import call
from tools import backup, engines


def _all_items(endpoint: str, table: str) -> list[str]:
    with scans_allowed():
        items = list(backup.scan_items(backup.client(endpoint), table))
    return sorted(json.dumps(backup._to_json({"M": item}), sort_keys=True, ensure_ascii=False) for item in items)


def _settled(endpoint: str, table: str, timeout: float = 60.0) -> list[str]:
    """The items once the stack's stream delivery has finished writing (two scans a second apart agree).

    Requests write messages that delivery then records on, so a table just written to keeps changing
    for a moment; a copy taken meanwhile is a copy of a different moment."""
    before = _all_items(endpoint, table)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        time.sleep(1.0)
        now = _all_items(endpoint, table)
        if now == before:
            return now
        before = now
    raise AssertionError("the table kept changing")


def test_export_then_import_into_a_fresh_table_gives_the_same_items(stack, tmp_path: Path):
    references = []
    for i in range(3):
        status, _, body = call(f"{stack.url}/api/support-requests", "POST",
                               support_body(description=f"备份测试第 {i} 份：<b>加粗</b> “引号”"),
                               {"Idempotency-Key": str(uuid.uuid4())})
        assert status == 201, body
        references.append(body["reference"])
    source = stack.env["DYNAMODB_ENDPOINT"]
    table = stack.env["TABLE_NAME"]
    out = tmp_path / "export.jsonl"
    original = _settled(source, table)
    with scans_allowed():
        exported = backup.export_table(backup.client(source), table, out)
    assert _all_items(source, table) == original
    assert exported == len(original) > 3
    lines = out.read_text("utf-8").splitlines()
    assert all(set(json.loads(line)) == {"Item"} for line in lines)
    assert any(references[0] in line for line in lines)

    fresh = engines.start_dynamodb_local(None)
    try:
        assert backup.main(["--endpoint", fresh.endpoint, "--table", "restored", "import", "--from", str(out)]) == 0
        assert _all_items(fresh.endpoint, "restored") == original
        # Importing the same file again changes nothing (puts of the same items).
        backup.import_table(backup.client(fresh.endpoint), "restored", out)
        assert _all_items(fresh.endpoint, "restored") == original
        second = tmp_path / "again.jsonl"
        with scans_allowed():
            backup.main(["--endpoint", fresh.endpoint, "--table", "restored", "export", "--out", str(second)])
        assert second.read_bytes() == out.read_bytes()
    finally:
        fresh.stop()


def test_binary_values_and_unprocessed_items_survive_the_round_trip():
    item = {"PK": {"S": "X"}, "SK": {"S": "1"}, "blob": {"B": b"\x00\xff"}, "bag": {"BS": [b"a"]},
            "m": {"M": {"l": {"L": [{"B": b"\x01"}, {"N": "5"}]}}}, "tags": {"SS": ["a", "b"]}}
    encoded = backup._to_json({"M": item})
    assert json.loads(json.dumps(encoded))["M"]["blob"] == {"B": "AP8="}
    assert backup._from_json(encoded) == {"M": item}

    class Flaky:
        calls: ClassVar[list[int]] = []

        def batch_write_item(self, RequestItems: Any) -> Any:
            requests = RequestItems["t"]
            self.calls.append(len(requests))
            return {"UnprocessedItems": {"t": requests[1:]} if len(requests) > 1 else {}}

    flaky = Flaky()
    backup.write_batch(flaky, "t", [{"PK": {"S": str(i)}} for i in range(4)], sleep=lambda s: None)
    assert flaky.calls == [4, 3, 2, 1]


def test_without_an_endpoint_the_command_runs_its_own_engine_on_the_data_dir(tmp_path: Path):
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"Item": {"PK": {"S": "UNIT#x"}, "SK": {"S": "UNIT"}, "n": {"N": "1"}}}) + "\n")
    data = tmp_path / "dynamodb"
    assert backup.main(["--data", str(data), "import", "--from", str(source)]) == 0
    out = tmp_path / "out.jsonl"
    with scans_allowed():
        assert backup.main(["--data", str(data), "export", "--out", str(out)]) == 0  # a second engine, same data
    assert json.loads(out.read_text()) == json.loads(source.read_text())
