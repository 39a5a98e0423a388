"""A job fair opens and 300 people register within a minute from one address (a carrier's NAT, a
venue's Wi-Fi): with the limits the function runs with, none of them is refused. Over HTTP through
the local stack on DynamoDB Local, 16 at a time, every request from 127.0.0.1."""

from __future__ import annotations

import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.integration.conftest import call

CROWD = 300


def _fair() -> str:
    from chalicelib.booking import service
    from chalicelib.booking.models import SessionIn
    from chalicelib.core import db
    from chalicelib.core.auth import Principal

    db.reset_clients()
    by = Principal(kind="staff", id="it.caseworker", unit_id="taishan", unit_path="/city/taishan/",
                   roles=frozenset({"caseworker"}))
    body = SessionIn.model_validate({
        "kind": "fair", "title": "开场招聘会", "unit_id": "taishan", "starts_at": "2030-03-02T09:00:00+08:00",
        "ends_at": "2030-03-02T17:00:00+08:00", "place": "泰山区人力资源市场", "capacity": CROWD})
    return service.create_session(body, by).id


def test_a_crowd_behind_one_address_is_served(stack, monkeypatch: pytest.MonkeyPatch):
    for name in ("WS_PERSON_WRITES", "WS_SOURCE_WRITES"):  # the limits the function runs with
        monkeypatch.delenv(name)
    url = f"{stack.url}/api/sessions/{_fair()}/registrations"

    def register(n: int) -> tuple[int, Any]:
        body = {"name": f"工友{n}", "phone": f"137{n:08d}", "consent": True, "consent_version": "2020-02-v1"}
        key = str(uuid.uuid4())
        for _ in range(20):  # as the portal does: "in progress" and "busy" are retried with the same key
            status, _, answer = call(url, "POST", body, {"Idempotency-Key": key}, timeout=120)
            if status not in (409, 503):
                break
        return status, answer

    with ThreadPoolExecutor(max_workers=16) as pool:
        statuses = Counter(status for status, _ in pool.map(register, range(CROWD)))
    assert statuses == {201: CROWD}, statuses
