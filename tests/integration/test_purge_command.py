"""`make purge` on a real DynamoDB Local: nothing goes before the retention date; on and after it,
no personal data is left and the counts stay as they were."""

from __future__ import annotations

import json
import uuid
from datetime import date
from pathlib import Path

from tests.api.helpers import support_body
from tests.conftest import scans_allowed
from tests.integration.conftest import call
from tools import backup, purge


def _table_text(stack) -> str:
    with scans_allowed():
        items = list(backup.scan_items(backup.client(stack.env["DYNAMODB_ENDPOINT"]), stack.env["TABLE_NAME"]))
    return json.dumps([backup._to_json({"M": i}) for i in items], ensure_ascii=False)


def test_purge_waits_for_retention_then_leaves_no_personal_data(stack, tmp_path: Path, capsys):
    from chalicelib.core import db, retention
    from chalicelib.support import store

    phone = f"1390{uuid.uuid4().int % 10**7:07d}"
    status, _, created = call(f"{stack.url}/api/support-requests", "POST",
                              support_body(name="清除测试", phone=phone), {"Idempotency-Key": str(uuid.uuid4())})
    assert status == 201, created
    db.transact([retention.policy_op(date(2020, 6, 30), 180)])  # as the city admin's page sets it
    counts_before = store.counters("taishan")
    assert counts_before
    data = tmp_path / "var"
    data.mkdir()
    (data / "secret.key").write_text(stack.env["WS_SECRET_KEY"])  # the stack's own key
    endpoint = stack.env["DYNAMODB_ENDPOINT"]

    with scans_allowed():  # the purge is a maintenance command: it reads the whole table
        assert purge.main(["--endpoint", endpoint, "--data", str(data), "--today", "2020-12-26"]) == 0
    assert "nothing purged" in (said := capsys.readouterr().out) and "from 2020-12-27" in said
    assert phone in _table_text(stack)

    with scans_allowed():
        assert purge.main(["--endpoint", endpoint, "--data", str(data), "--today", "2020-12-27"]) == 0
    assert "purged:" in capsys.readouterr().out
    text = _table_text(stack)
    assert phone not in text and "清除测试" not in text
    assert store.counters("taishan") == counts_before
