"""Public writes are limited per person (the reference or phone in the body), under a generous
ceiling per address; a replay of a completed request spends nothing; failed partner keys block
their source for a while. Every request of the Chalice test client comes from one address
(127.0.0.1). A crowd of 300 behind one address is served: tests/integration/test_crowd_rate_limits.py."""

from __future__ import annotations

import json
import uuid
from types import SimpleNamespace
from typing import Any

import pytest

import app  # noqa: F401 - registers every route
from chalicelib.core import api, ratelimit
from tests.api.access_cases import Context
from tests.api.helpers import post_json, problem, support_body


@pytest.fixture
def ctx(fresh: SimpleNamespace) -> Context:
    return Context(fresh.client, fresh.token)


@pytest.fixture
def real_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    """The limits the function runs with (the suite's own fixture lifts them)."""
    for name in ("WS_PERSON_WRITES", "WS_SOURCE_WRITES", "WS_CREDENTIAL_FAILURES"):
        monkeypatch.delenv(name)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    now = [1_700_000_000.0]
    monkeypatch.setattr(ratelimit, "clock", lambda: now[0], raising=False)
    return now


def test_one_phone_past_its_limit_is_refused_and_others_are_not(ctx, real_limits, clock):
    limit = ratelimit.person_limit()
    for _ in range(limit.count):
        assert post_json(ctx.client, "/support-requests", support_body(), str(uuid.uuid4())).status_code == 201
    refused = post_json(ctx.client, "/support-requests", support_body(), str(uuid.uuid4()))
    assert refused.status_code == 429
    assert problem(refused)["title"] == "提交太频繁" and "12351" in problem(refused)["detail"]
    assert 1 <= int(refused.headers["Retry-After"]) <= limit.window
    other = post_json(ctx.client, "/support-requests", support_body(phone="13700137000"), str(uuid.uuid4()))
    assert other.status_code == 201  # the same address, another person
    clock[0] += int(refused.headers["Retry-After"])
    again = post_json(ctx.client, "/support-requests", support_body(), str(uuid.uuid4()))
    assert again.status_code == 201  # the window has passed


def test_look_ups_are_limited_per_reference(ctx, real_limits, clock):
    created = post_json(ctx.client, "/support-requests", support_body(), str(uuid.uuid4()))
    reference = json.loads(created.body)["reference"]
    limit = ratelimit.person_limit()
    guesses = [post_json(ctx.client, "/status/lookup", {"reference": reference, "phone": f"1370013{i:04d}"},
                         str(uuid.uuid4())).status_code for i in range(limit.count + 1)]
    assert guesses == [404] * limit.count + [429]


def test_a_replay_spends_nothing(ctx, monkeypatch, clock):
    monkeypatch.setenv("WS_PERSON_WRITES", "2")
    key = str(uuid.uuid4())
    first = post_json(ctx.client, "/support-requests", support_body(), key)
    for _ in range(5):
        replay = post_json(ctx.client, "/support-requests", support_body(), key)
        assert (replay.status_code, replay.headers.get("Idempotent-Replayed")) == (201, "true")
    assert first.status_code == 201
    assert post_json(ctx.client, "/support-requests", support_body(), str(uuid.uuid4())).status_code == 201
    assert post_json(ctx.client, "/support-requests", support_body(), str(uuid.uuid4())).status_code == 429


def test_the_address_ceiling_still_holds(ctx, monkeypatch, clock):
    monkeypatch.setenv("WS_SOURCE_WRITES", "3")
    statuses = [post_json(ctx.client, "/support-requests", support_body(phone=f"1370013{i:04d}"),
                          str(uuid.uuid4())).status_code for i in range(4)]
    assert statuses == [201, 201, 201, 429]


def test_failed_partner_keys_block_their_source_before_the_key_is_checked(ctx, real_limits, clock):
    issued = ctx.call("POST", "/admin/partners", {"name": "齐鲁工惠", "channel": "qlgh",
                                                  "operations": ["support.submit"]}, ctx.admin)
    key = json.loads(issued.body)["key"]
    wrong = key[:-4] + ("AAAA" if not key.endswith("AAAA") else "BBBB")
    limit = ratelimit.credential_limit()

    def submit(credential: str) -> Any:
        return post_json(ctx.client, "/support-requests", support_body(), str(uuid.uuid4()),
                         Authorization=f"Bearer {credential}")

    assert [submit(wrong).status_code for _ in range(limit.count)] == [401] * limit.count
    blocked = submit(wrong)
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) <= limit.window
    refused = submit(key)  # the right key, from the blocked source
    assert refused.status_code == 429
    clock[0] += int(refused.headers["Retry-After"])
    assert submit(key).status_code == 201


def test_a_right_key_is_not_counted_as_a_failure(ctx, real_limits, clock):
    issued = ctx.call("POST", "/admin/partners", {"name": "齐鲁工惠", "channel": "qlgh",
                                                  "operations": ["support.submit"]}, ctx.admin)
    key = json.loads(issued.body)["key"]
    for i in range(ratelimit.credential_limit().count + 2):
        response = post_json(ctx.client, "/support-requests", support_body(phone=f"1370013{i:04d}"),
                             str(uuid.uuid4()), Authorization=f"Bearer {key}")
        assert response.status_code == 201, response.body


PUBLIC_WRITES = sorted((d.method, d.path) for d in api.REGISTRY if d.audience == api.PUBLIC and d.method != "GET")


@pytest.mark.parametrize("route", PUBLIC_WRITES, ids=[f"{m} {p}" for m, p in PUBLIC_WRITES])
def test_every_public_write_names_whom_it_is_for(route):
    model = {(d.method, d.path): d.body for d in api.REGISTRY}[route]
    assert model is not None and set(model.model_fields) & set(ratelimit.PERSON_FIELDS)


class _Request:
    def __init__(self, source: str, forwarded: str | None) -> None:
        self.context = {"identity": {"sourceIp": source}}
        self.headers = {"x-forwarded-for": forwarded} if forwarded else {}


@pytest.mark.parametrize(("hops", "source", "forwarded", "expected"), [
    ("0", "203.0.113.9", "198.51.100.1", "203.0.113.9"),  # no CDN in front: the address as seen
    ("1", "130.176.0.5", "198.51.100.1, 130.176.0.5", "198.51.100.1"),  # the CDN's entry, API Gateway's own
    ("1", "130.176.0.5", "6.6.6.6, 198.51.100.1", "198.51.100.1"),  # a made-up entry ahead is ignored
    ("1", "130.176.0.5", None, "130.176.0.5"),
])
def test_the_client_address_behind_the_cdn(monkeypatch, hops, source, forwarded, expected):
    monkeypatch.setenv("WS_TRUSTED_PROXIES", hops)
    assert ratelimit.client_address(_Request(source, forwarded)) == expected  # type: ignore[arg-type]
