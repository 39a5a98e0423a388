"""Integration tier: the local stack on a real DynamoDB Local, driven over HTTP."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import skip_or_fail
from tools import engines
from tools.localstack import Stack, start_stack


def require_dynamodb_local() -> None:
    reason = engines.dynamodb_local_available()
    if reason:
        skip_or_fail(f"DynamoDB Local cannot run: {reason}")


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    require_dynamodb_local()
    data = tmp_path_factory.mktemp("var")
    running, _ = start_stack(data, port=0, site_dir=Path(data), engine="dynamodb-local", seed_staff=True)
    try:
        yield running
    finally:
        running.stop()


def call(url: str, method: str = "GET", body: Any = None, headers: dict[str, str] | None = None,
         timeout: float = 30) -> tuple[int, dict[str, str], Any]:
    """One HTTP request; returns (status, headers, decoded JSON body or None)."""
    data = None if body is None else json.dumps(body, ensure_ascii=False).encode()
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw = response.read()
            return response.status, dict(response.headers), json.loads(raw) if raw else None
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        return exc.code, dict(exc.headers), json.loads(raw) if raw else None
