"""The restore drill's comparison (tools/restore_drill.py) on moto: a lost or altered item is found
and named, and the drill then fails."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.conftest import scans_allowed
from tools import backup, restore_drill


@pytest.fixture
def filled(moto_table: str) -> tuple[Any, str]:
    dynamodb = boto3.client("dynamodb", region_name="us-east-1")
    for n in range(30):
        dynamodb.put_item(TableName=moto_table, Item={"PK": {"S": f"X#{n}"}, "SK": {"S": "1"}, "n": {"N": str(n)},
                                                      "tags": {"SS": ["a", "b"]}, "blob": {"B": b"\x00\x01"}})
    return dynamodb, moto_table


def test_a_faithful_import_is_equal(filled, tmp_path: Path):
    dynamodb, table = filled
    lines: list[str] = []
    with scans_allowed():
        assert restore_drill.drill(dynamodb, table, tmp_path / "e.jsonl", lines.append) is True
    assert lines[-1].endswith("equal (every item's checksum matches)")


def test_a_lost_or_changed_item_fails_the_drill(filled, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    dynamodb, table = filled
    real = backup.read_export

    def lossy(path: Path) -> Any:
        for index, item in enumerate(real(path)):
            if index == 0:
                continue  # lost
            if index == 1:
                item["n"] = {"N": "999"}  # altered
            yield item

    monkeypatch.setattr(backup, "read_export", lossy)
    lines: list[str] = []
    with scans_allowed():
        assert restore_drill.drill(dynamodb, table, tmp_path / "e.jsonl", lines.append) is False
    assert "1 items missing after the import" in lines[-1] and "1 items changed" in lines[-1]
    assert "exported 30 and imported 29 of 30 items" in lines[-1]


def test_the_checksum_does_not_depend_on_attribute_order():
    one = {"PK": {"S": "a"}, "SK": {"S": "b"}, "x": {"M": {"p": {"N": "1"}, "q": {"S": "z"}}}}
    two = {"x": {"M": {"q": {"S": "z"}, "p": {"N": "1"}}}, "SK": {"S": "b"}, "PK": {"S": "a"}}
    assert restore_drill.item_checksum(one) == restore_drill.item_checksum(two)
    assert restore_drill.item_checksum(one) != restore_drill.item_checksum({**one, "SK": {"S": "c"}})
