"""Contract fuzzing: schemathesis against the running local stack's OpenAPI description, with a
fixed, derandomised budget per operation. No 5xx; every answer's status is documented and its body
matches the documented schema."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks
from schemathesis.specs.openapi import checks as openapi_checks

from tests.integration.conftest import require_dynamodb_local
from tools import seed
from tools.cognito import DEMO_TOTP_SECRET, sign_in
from tools.localstack import Stack, start_stack

MAX_EXAMPLES = 20


@pytest.fixture(scope="module")
def fuzz_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    require_dynamodb_local()
    saved = {k: os.environ.get(k) for k in ("WS_PERSON_WRITES", "WS_SOURCE_WRITES")}
    os.environ.update({"WS_PERSON_WRITES": "1000000", "WS_SOURCE_WRITES": "1000000"})
    data = tmp_path_factory.mktemp("fuzz")
    running, _ = start_stack(data, port=0, site_dir=Path(data), engine="dynamodb-local", seed_staff=True)
    try:
        yield running
    finally:
        running.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture(scope="module")
def staff_header(fuzz_stack: Stack) -> dict[str, str]:
    """A seeded demo city administrator, signed in through (moto's) Cognito."""
    staff = seed.load_staff()
    admin = next(p for p in staff["staff"] if "city_admin" in p["roles"])
    idp = boto3.client("cognito-idp", endpoint_url=fuzz_stack.aux.endpoint, region_name="us-east-1",
                       aws_access_key_id="local", aws_secret_access_key="local")
    answer = sign_in(idp, fuzz_stack.pool, admin["username"], staff["password"], DEMO_TOTP_SECRET)
    return {"Authorization": f"Bearer {answer['IdToken']}"}


@pytest.fixture(scope="module")
def api_schema(fuzz_stack: Stack) -> Any:
    return schemathesis.openapi.from_url(f"{fuzz_stack.url}/api/openapi.json")


schema = schemathesis.pytest.from_fixture("api_schema")
CHECKS = [checks.not_a_server_error, openapi_checks.status_code_conformance,
          openapi_checks.response_schema_conformance]


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, derandomize=True, deadline=None,
          suppress_health_check=list(HealthCheck))
def test_every_operation_keeps_its_contract(case: Any, fuzz_stack: Stack, staff_header: dict[str, str]) -> None:
    if case.method.upper() != case.operation.method.upper():
        # Probes with undocumented methods (TRACE) reach tools/front.py's HTTP server, which answers
        # 501; in AWS, API Gateway answers them. Not the API's contract.
        return
    headers = dict(staff_header) if "/admin" in case.path or "/staff" in case.path or case.path == "/me" else {}
    case.call_and_validate(base_url=f"{fuzz_stack.url}/api", headers=headers, checks=CHECKS)
