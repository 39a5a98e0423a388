"""Fixtures for API tests that share one environment across a module."""

from __future__ import annotations

import os
from collections.abc import Iterator
from types import SimpleNamespace

import pytest

from tests.api import contract


@pytest.fixture(scope="module")
def shared(jwks_url: str) -> Iterator[SimpleNamespace]:
    """One moto account, user pool and token cache for a whole module, so thousands of cases do not
    each pay for new Cognito users. The table is seeded once; a test that writes asks for `fresh`,
    which gives it an empty, newly seeded table (moto copies the whole table on every transaction,
    so a table that grew over the module would make each case slower than the last)."""
    import boto3
    from chalice.test import Client
    from moto import mock_aws

    from app import app as chalice_app
    from chalicelib.core.config import reset_settings
    from tests.staff_accounts import put_staff_record, staff_id_token
    from tools.cognito import create_pool
    from tools.seed import seed_units
    from tools.table import create_table

    patch = pytest.MonkeyPatch()
    mock = mock_aws()
    mock.start()
    try:
        reset_settings()
        create_table(boto3.client("dynamodb", region_name="us-east-1"), os.environ["TABLE_NAME"], with_stream=False)
        seed_units()
        idp = boto3.client("cognito-idp", region_name="us-east-1")
        pool = create_pool(idp, "us-east-1")
        for name, value in (("COGNITO_USER_POOL_ID", pool.pool_id), ("COGNITO_CLIENT_ID", pool.client_id),
                            ("COGNITO_ISSUER", pool.issuer), ("COGNITO_JWKS_URL", jwks_url)):
            patch.setenv(name, value)
        reset_settings()
        tokens: dict[str, str] = {}

        def token(username: str, unit_id: str, roles: list[str]) -> str:
            if username not in tokens:
                tokens[username] = staff_id_token(idp, pool, username, unit_id, roles)
            else:
                put_staff_record(username, unit_id, roles)  # the table may have been emptied since
            return tokens[username]

        dynamodb = boto3.client("dynamodb", region_name="us-east-1")

        def reset() -> None:
            dynamodb.delete_table(TableName=os.environ["TABLE_NAME"])
            create_table(dynamodb, os.environ["TABLE_NAME"], with_stream=False)
            seed_units()

        with Client(chalice_app) as client:
            yield SimpleNamespace(client=client, token=token, pool=pool, table=os.environ["TABLE_NAME"], reset=reset)
    finally:
        patch.undo()
        mock.stop()
        reset_settings()


@pytest.fixture
def fresh(shared: SimpleNamespace) -> SimpleNamespace:
    """The shared environment with a new, seeded table for this test alone."""
    shared.reset()
    return shared


@pytest.fixture(autouse=True)
def _answers_keep_their_contract(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every request any API test makes, through any test client, has its answer checked against the
    route's documented response model and problem statuses (tests/api/contract.py); a mismatch fails
    the test that made the request."""
    from chalice.test import HTTPResponse, TestHTTPClient

    original = TestHTTPClient.request

    def checked(self: TestHTTPClient, method: str, path: str, headers: dict[str, str] | None = None,
                body: bytes = b"") -> HTTPResponse:
        response = original(self, method, path, headers=headers, body=body)
        wrong = contract.violations(method, path, response.status_code, response.headers, response.body)
        if wrong:
            pytest.fail("answer does not match its documented contract:\n  " + "\n  ".join(wrong))
        return response

    monkeypatch.setattr(TestHTTPClient, "request", checked)
