"""Hostile input to every route answers 4xx problem+json, never 500, and writes nothing."""

import json
import re

import pytest

import app  # noqa: F401 - registers every route
from chalicelib.core import api
from chalicelib.core.roles import ROLES
from tests.api.helpers import count_items, new_key, problem

BODY_ROUTES = sorted({(d.path, d.method) for d in api.REGISTRY if d.body is not None})
ALL_ROUTES = sorted({(d.path, d.method) for d in api.REGISTRY})


def _concrete(path: str) -> str:
    return re.sub(r"\{[a-z_]+\}", "taishan", path)


def _nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


HOSTILE = {
    "malformed json": (b'{"category": "legal",', "application/json"),
    "wrong content type": (b'{"a": 1}', "text/plain"),
    "form encoded": (b"a=1&b=2", "application/x-www-form-urlencoded"),
    "two megabytes": (b'{"description": "' + b"x" * (2 * 1024 * 1024) + b'"}', "application/json"),
    "unknown field": (json.dumps({"is_admin": True}).encode(), "application/json"),
    "control characters": (json.dumps({"name": "张\x00三\x07", "description": "a\x1bb"}).encode(), "application/json"),
    "invalid utf-8": (b'{"name": "\xff\xfe\xfa"}', "application/json"),
    "deeply nested": (_nested(20000), "application/json"),
    "array not object": (b"[1, 2, 3]", "application/json"),
    "empty body": (b"", "application/json"),
    "json null": (b"null", "application/json"),
    "bidi and zero-width": (json.dumps({"name": "\u202eabc\u200b"}).encode(), "application/json"),
    "huge number": (b'{"consent": 1' + b"0" * 5000 + b"}", "application/json"),
}


@pytest.fixture
def signed_in(shared):
    """Headers of a city staff member holding every role, so any route gets as far as its body."""
    token = shared.token("city.everything", "city", list(ROLES))
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def client(shared):
    return shared.client


@pytest.fixture
def seeded(shared):
    return shared.table


@pytest.mark.parametrize(("path", "method"), BODY_ROUTES)
@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_body_is_refused_cleanly(client, seeded, signed_in, path, method, case):
    body, content_type = HOSTILE[case]
    before = count_items(seeded)
    headers = {"Content-Type": content_type, "Idempotency-Key": new_key(), **signed_in}
    response = client.http.request(method, _concrete(path), headers=headers, body=body)
    assert 400 <= response.status_code < 500, (case, response.status_code, response.body[:300])
    details = problem(response)
    assert details["title"] and all("\u4e00" <= ch <= "\u9fff" for ch in details["title"][:1])
    assert count_items(seeded) == before


@pytest.mark.parametrize(("path", "method"), ALL_ROUTES)
def test_a_two_megabyte_body_is_refused_on_every_route(client, seeded, signed_in, path, method):
    response = client.http.request(method, _concrete(path), headers={"Content-Type": "application/json",
                                                                     **signed_in},
                                   body=b"[" + b"1," * (1024 * 1024) + b"1]")
    assert response.status_code == 413
    assert problem(response)["title"] == "提交的内容过大"


def test_a_bad_idempotency_key_is_named(client, seeded):
    response = client.http.request("POST", "/support-requests", headers={"Content-Type": "application/json",
                                                          "Idempotency-Key": "<script>"}, body=b"{}")
    assert response.status_code == 400
