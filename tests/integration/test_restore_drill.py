"""`make restore-drill` on DynamoDB Local: the demo data exported, wiped and imported back comes
back item for item, and the printed figures say so."""

from __future__ import annotations

import re

import pytest

from tests.conftest import scans_allowed
from tests.integration.conftest import require_dynamodb_local
from tools import restore_drill


def test_the_drill_restores_every_item_and_prints_equal_figures(capsys: pytest.CaptureFixture[str]):
    require_dynamodb_local()
    with scans_allowed():
        assert restore_drill.main(["--requests", "5"]) == 0
    out = capsys.readouterr().out
    before = re.search(r"before:\s+(\d+) items\s+checksum ([0-9a-f]{64})", out)
    after = re.search(r"after:\s+(\d+) items\s+checksum ([0-9a-f]{64})", out)
    exported = re.search(r"exported:\s+(\d+) items", out)
    imported = re.search(r"imported:\s+(\d+) items", out)
    assert before and after and exported and imported, out
    assert before.groups() == after.groups(), out
    assert int(before.group(1)) == int(exported.group(1)) == int(imported.group(1)) > 50  # demo data and 5 requests
    assert "result:    equal" in out
