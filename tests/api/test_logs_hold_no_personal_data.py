"""The suite copies every app log line to build/test-logs/ and fails at the end if any holds a
mobile number or an ID number (tests/conftest.py); this test proves the copy catches them."""

import json
import uuid

from chalicelib.core.logs import logger
from tests.api.helpers import post_json, support_body
from tests.conftest import _log_file, personal_data_in_logs


def test_the_log_copy_sees_app_lines_and_redacts_them(client, seeded):
    marker = f"marker-{uuid.uuid4()}"
    logger().info(marker, extra={"note": "caller 13800138000 id 11010519491231002X"})
    post_json(client, "/support-requests", support_body(phone="13912345678"), str(uuid.uuid4()))
    lines = [json.loads(line) for line in _log_file().read_text("utf-8").splitlines()]
    [mine] = [line for line in lines if line["message"] == marker]
    assert mine["note"] == "caller [已隐去] id [已隐去]"
    assert any(line.get("route") == "/support-requests" for line in lines)
    assert personal_data_in_logs() == []
