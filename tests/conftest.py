"""Shared fixtures for every tier.

Tiers: unit and api run on moto in this process; integration needs a real DynamoDB Local;
browser needs headless Chromium. A tier whose engine is missing is skipped with its reason,
unless WS_REQUIRE_ALL_TIERS=1 (set by .ci/run), which turns every skip into a failure.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import botocore.client
import pytest

os.environ.update({
    "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1",
    "WS_SECRET_KEY": "test-secret-key-for-cursors-and-hashes", "TABLE_NAME": "worker-services-test",
    "WS_HOTLINE": "12351", "WS_ENGINE": "moto",
    "MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP": "true",  # moto checks TOTP codes, as Cognito does
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
    if os.environ.get("PYTEST_XDIST_WORKER") is None:  # the controller, after every worker is done
        leaks = personal_data_in_logs()
        if leaks:
            print("\nPersonal data found in the app's logs during the tests:\n  " + "\n  ".join(leaks[:20]))
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
        create_table(boto3.client("dynamodb", region_name="us-east-1"), name, with_stream=False)
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
    """Tests send many requests for one phone from one address; the limiter's own tests lower this."""
    monkeypatch.setenv("WS_PERSON_WRITES", "100000")
    monkeypatch.setenv("WS_SOURCE_WRITES", "100000")
    monkeypatch.setenv("WS_CREDENTIAL_FAILURES", "100000")


# --- staff sign-in on moto's Cognito ----------------------------------------------------------------

def _moto_jwks(name: str) -> dict[str, Any]:
    import gzip
    import json
    from pathlib import Path

    import moto.cognitoidp

    path = Path(moto.cognitoidp.__file__).parent / "resources" / f"jwks-{name}.json.gz"
    data: dict[str, Any] = json.loads(gzip.decompress(path.read_bytes()))
    return data


@pytest.fixture(scope="session")
def jwks_url() -> Iterator[str]:
    """moto's public signing keys served over HTTP on loopback, as Cognito serves a pool's JWKS."""
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    body = json.dumps(_moto_jwks("public")).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/.well-known/jwks.json"
    server.shutdown()


@pytest.fixture
def cognito(moto_table: str, jwks_url: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A user pool on moto (same calls as the local stack), with its JWKS on loopback."""
    import boto3

    from chalicelib.core.config import reset_settings
    from tools.cognito import create_pool

    pool = create_pool(boto3.client("cognito-idp", region_name="us-east-1"), "us-east-1")
    monkeypatch.setenv("COGNITO_USER_POOL_ID", pool.pool_id)
    monkeypatch.setenv("COGNITO_CLIENT_ID", pool.client_id)
    monkeypatch.setenv("COGNITO_ISSUER", pool.issuer)
    monkeypatch.setenv("COGNITO_JWKS_URL", jwks_url)
    reset_settings()
    yield pool
    reset_settings()


@pytest.fixture
def staff_token(cognito: Any, seeded: str) -> Any:
    """staff_token(username, unit_id, roles) -> a real ID token from moto's Cognito."""
    import boto3

    from tests.staff_accounts import staff_id_token

    idp = boto3.client("cognito-idp", region_name="us-east-1")
    made: dict[str, str] = {}

    def make(username: str, unit_id: str, roles: list[str]) -> str:
        if username not in made:
            made[username] = staff_id_token(idp, cognito, username, unit_id, roles)
        return made[username]

    return make


def forge_token(claims: dict[str, Any], foreign_key: bool = False) -> str:
    """Sign claims with moto's pool key (expired, wrong-audience and similar tokens), or with a
    key of our own that the pool's JWKS does not hold (a forged signature)."""
    import jwt
    from cryptography.hazmat.primitives.asymmetric import rsa

    jwk = _moto_jwks("private")
    signing_key: Any = rsa.generate_private_key(public_exponent=65537, key_size=2048) if foreign_key \
        else jwt.PyJWK(jwk).key
    return jwt.encode(claims, signing_key, algorithm="RS256", headers={"kid": jwk["kid"]})


# --- no personal data in any log line the suite produces --------------------------------------------

_LOG_DIR = Path(__file__).resolve().parent.parent / "build" / "test-logs"
_PERSONAL_PATTERNS = {
    "mobile number": re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)"),
    "national ID number": re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)"),
}


def _log_file() -> Path:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    return _LOG_DIR / f"{worker}.jsonl"


def pytest_configure(config: pytest.Config) -> None:
    """Copy every line the app logs (through its own redacting formatter) to a file per worker."""
    import logging

    from chalicelib.core import logs

    _LOG_DIR.mkdir(parents=True, exist_ok=True)
    if os.environ.get("PYTEST_XDIST_WORKER") is None:  # the controller starts before its workers
        for old in _LOG_DIR.glob("*.jsonl"):
            old.unlink()
    handler = logging.FileHandler(_log_file(), mode="w", encoding="utf-8")
    handler.setFormatter(logs.formatter())
    logging.getLogger(logs.logger().service).addHandler(handler)
    # The app imports a route's module on the route's first call; the tests that walk the route
    # registry (and parametrise over it) need every route declared before they are collected.
    import app

    app.load_routes()


def personal_data_in_logs() -> list[str]:
    found = []
    for path in sorted(_LOG_DIR.glob("*.jsonl")):
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
            for label, pattern in _PERSONAL_PATTERNS.items():
                if pattern.search(line):
                    found.append(f"{path.name}:{number}: {label}")
    return found
