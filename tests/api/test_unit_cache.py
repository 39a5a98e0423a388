"""The union tree as one container sees it: a support request reads its unit once, later requests
read it from the container's cache, a unit created here is seen at once, and a cached unit is read
again after orgs.UNIT_TTL_SECONDS. The same holds for the list of a unit's children (a dashboard's
rows)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import botocore.client
import pytest

import app  # noqa: F401 - registers every route
from chalicelib.orgs import service as orgs
from chalicelib.orgs import store as orgs_store
from tests.api.helpers import new_key, post_json, support_body


@contextmanager
def unit_reads() -> Iterator[list[str]]:
    """The unit ids this process reads from the table (GetItem on a unit item)."""
    reads: list[str] = []
    original = botocore.client.BaseClient._make_api_call  # type: ignore[attr-defined]

    def counted(self: Any, operation: str, params: Any) -> Any:
        if operation == "GetItem" and str(params["Key"]["PK"]).startswith("UNIT#"):
            reads.append(str(params["Key"]["PK"]).removeprefix("UNIT#"))
        return original(self, operation, params)

    botocore.client.BaseClient._make_api_call = counted  # type: ignore[attr-defined]
    try:
        yield reads
    finally:
        botocore.client.BaseClient._make_api_call = original  # type: ignore[attr-defined]


def submit(client: Any, **overrides: Any) -> None:
    response = post_json(client, "/support-requests", support_body(**overrides), new_key())
    assert response.status_code == 201, response.body


def test_a_support_request_reads_each_unit_once_and_the_next_reads_none(fresh):
    orgs.forget_units()
    with unit_reads() as reads:
        submit(fresh.client, unit_id="demo-taishan-hospital")
    assert sorted(reads) == ["demo-taishan-hospital", "taishan"]
    with unit_reads() as reads:
        submit(fresh.client, unit_id="demo-taishan-hospital")
        submit(fresh.client)
    assert reads == []


def test_a_cached_unit_is_read_again_after_its_time(fresh, monkeypatch: pytest.MonkeyPatch):
    orgs.forget_units()
    now = [1000.0]
    monkeypatch.setattr("chalicelib.core.cache.time.monotonic", lambda: now[0])
    with unit_reads() as reads:
        submit(fresh.client)
        now[0] += orgs.UNIT_TTL_SECONDS - 1
        submit(fresh.client)
        assert reads == ["taishan"]
        now[0] += 2
        submit(fresh.client)
    assert reads == ["taishan", "taishan"]


def test_a_missing_unit_is_not_kept_and_a_unit_created_here_is_seen_at_once(fresh):
    orgs.forget_units()
    body = support_body(unit_id="taishan-new-hospital")
    with unit_reads() as reads:
        for _ in range(2):
            assert post_json(fresh.client, "/support-requests", body, new_key()).status_code == 400
    assert reads.count("taishan-new-hospital") == 2
    admin = {"Authorization": f"Bearer {fresh.token('c.admin', 'city', ['city_admin'])}"}
    created = post_json(fresh.client, "/admin/units", {"id": "taishan-new-hospital", "name": "泰山区新医院工会",
                                                       "kind": "hospital_union", "parent_id": "taishan"},
                        new_key(), **admin)
    assert created.status_code == 201, created.body
    submit(fresh.client, unit_id="taishan-new-hospital")


def test_a_dashboard_finds_the_units_under_it_once_until_its_time_or_a_unit_created_here(
        fresh: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    orgs.forget_units()
    now = [1000.0]
    monkeypatch.setattr("chalicelib.core.cache.time.monotonic", lambda: now[0])
    reads: list[str] = []  # the units whose children were looked for in the tree index
    looked_up = orgs_store.children

    def counted(path: str, unit_id: str) -> list[dict[str, Any]]:
        reads.append(unit_id)
        return looked_up(path, unit_id)

    monkeypatch.setattr(orgs_store, "children", counted)
    admin = {"Authorization": f"Bearer {fresh.token('c.admin', 'city', ['city_admin'])}"}

    def children() -> list[str]:
        response = fresh.client.http.get("/staff/dashboard/units/taishan", headers=admin)
        assert response.status_code == 200, response.body
        return sorted(row["unit_id"] for row in json.loads(response.body)["children"])

    listed = children()
    assert listed and children() == listed
    assert reads == ["taishan"]  # read once for both openings
    created = post_json(fresh.client, "/admin/units", {"id": "taishan-new-hospital", "name": "泰山区新医院工会",
                                                       "kind": "hospital_union", "parent_id": "taishan"},
                        new_key(), **admin)
    assert created.status_code == 201, created.body
    assert children() == sorted([*listed, "taishan-new-hospital"])  # created here: listed at once
    assert reads == ["taishan", "taishan"]
    children()
    now[0] += orgs.UNIT_TTL_SECONDS + 1
    children()
    assert reads == ["taishan", "taishan", "taishan"]  # kept until its time was up
