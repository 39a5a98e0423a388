"""Shared fixtures for every tier.

Tiers: unit and api run on moto in this process; integration needs a real DynamoDB Local;
browser needs headless Chromium. A tier whose engine is missing is skipped with its reason,
unless WS_REQUIRE_ALL_TIERS=1 (set by .ci/run), which turns every skip into a failure.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import botocore.client
import pytest

os.environ.update({
    "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1",
    "WS_SECRET_KEY": "test-secret-key-for-cursors-and-hashes", "TABLE_NAME": "worker-services-test",
    "WS_HOTLINE": "12351", "WS_ENGINE": "moto",
})
os.environ.pop("DYNAMODB_ENDPOINT", None)

REQUIRE_ALL = os.environ.get("WS_REQUIRE_ALL_TIERS") == "1"


def skip_or_fail(reason: str) -> None:
    """Skip a test whose engine is missing here; in CI (WS_REQUIRE_ALL_TIERS=1) fail instead."""
    if REQUIRE_ALL:
        pytest.fail(f"required tier cannot run: {reason}")
    pytest.skip(reason)


_skipped: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped:
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if REQUIRE_ALL and _skipped and exitstatus == 0:
        print(f"\nWS_REQUIRE_ALL_TIERS=1 but {len(_skipped)} test(s) were skipped: {_skipped[:5]}")
        session.exitstatus = 1


# --- no Scan in request paths -----------------------------------------------------------------

_scan_allowed = [False]
_original_make_api_call = botocore.client.BaseClient._make_api_call  # type: ignore[attr-defined]


def _guarded_make_api_call(self: Any, operation_name: str, api_params: Any) -> Any:
    if operation_name == "Scan" and not _scan_allowed[0]:
        raise AssertionError("Scan called outside a maintenance command: request paths must Query or GetItem")
    return _original_make_api_call(self, operation_name, api_params)


botocore.client.BaseClient._make_api_call = _guarded_make_api_call  # type: ignore[attr-defined]


@contextmanager
def scans_allowed() -> Iterator[None]:
    """For maintenance commands under test (export, purge), which may Scan."""
    _scan_allowed[0] = True
    try:
        yield
    finally:
        _scan_allowed[0] = False


# --- moto in process ------------------------------------------------------------------------------

@pytest.fixture
def moto_table() -> Iterator[str]:
    """A fresh table, from infra's definition, on moto in this process."""
    import boto3
    from moto import mock_aws

    from chalicelib.core.config import reset_settings
    from tools.table import create_table

    with mock_aws():
        reset_settings()
        name = os.environ["TABLE_NAME"]
        create_table(boto3.client("dynamodb", region_name="us-east-1"), name)
        yield name
    reset_settings()


@pytest.fixture
def seeded(moto_table: str) -> str:
    from tools.seed import seed_units

    seed_units()
    return moto_table


@pytest.fixture
def client(moto_table: str) -> Iterator[Any]:
    from chalice.test import Client

    from app import app

    with Client(app) as test_client:
        yield test_client


@pytest.fixture(autouse=True)
def _generous_rate_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests send many requests from one client; the limiter's own test lowers this."""
    from chalicelib.core import ratelimit

    monkeypatch.setenv("WS_PUBLIC_WRITES_PER_MINUTE", "100000")
    monkeypatch.setenv("WS_PUBLIC_WRITES_BURST", "100000")
    ratelimit.reset()
