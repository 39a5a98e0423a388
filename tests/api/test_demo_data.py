"""The demo data set `make run` seeds (tools/demo.py): made through the services, every record it
writes marked `demo`, seeded once, and never into a database that already holds data."""

from __future__ import annotations

import json
from typing import Any

from tests.api.access_cases import Context
from tests.api.helpers import new_key, post_json, support_body
from tests.conftest import scans_allowed
from tools import demo, seed


def _records() -> list[dict[str, Any]]:
    from chalicelib.core import db

    with scans_allowed():
        items: list[dict[str, Any]] = []
        start: Any = None
        while True:
            kwargs: dict[str, Any] = {"ExclusiveStartKey": start} if start else {}
            page = db.table().scan(**kwargs)
            items += page["Items"]
            start = page.get("LastEvaluatedKey")
            if not start:
                return items


def test_seeded_once_every_record_marked(fresh: Any) -> None:
    seed.seed_staff_records(seed.load_staff()["staff"])  # the contact person's account is checked
    with scans_allowed():
        assert demo.seed_demo() == "seeded"
        before = len(_records())
        assert demo.seed_demo() == "present"  # a restart adds nothing
    items = _records()
    assert len(items) == before
    made = [i for i in items if i.get("type") not in demo.SEED_TYPES]
    kinds = {i["type"] for i in made if i.get("demo")}
    assert {"support_request", "frontline_person", "delivery_package", "booking_session", "booking_wait",
            "fund_entry", "public_case", "hardship_worker", "hardship_supply", "firm", "opening",
            "frontline_cover"} <= kinds
    statuses = {i["status"] for i in made if i["type"] == "support_request"}
    assert statuses == {"submitted", "accepted", "in_progress", "callback", "resolved", "closed", "rejected"}
    records = [i for i in made if i["type"] in kinds and not i["type"].endswith("_count")]
    assert all(i.get("demo") is True for i in records)

    # left out of the figures sent upward, also when staff later work a demo record
    ctx = Context(fresh.client, fresh.token)
    waiting = next(i for i in made if i["type"] == "support_request" and i["status"] == "submitted")
    moved = ctx.call("POST", f"/staff/support/requests/{waiting['reference']}/transitions",
                     {"to": "accepted", "version": int(waiting["version"])}, ctx.admin)
    assert moved.status_code == 200, moved.body
    board = json.loads(ctx.call("GET", "/staff/dashboard/units/city", None, ctx.admin).body)
    unit = board["unit"]
    assert (unit["support_total"], unit["support_open"], unit["support_in_progress"], unit["frontline_persons"],
            unit["sessions"], unit["packages"]) == (0, 0, 0, 0, 0, 0)
    assert board.get("delivery") is None and board["registrations"] == []


def test_a_database_with_data_is_not_seeded(fresh: Any) -> None:
    ctx = Context(fresh.client, fresh.token)
    response = post_json(ctx.client, "/support-requests", support_body(), new_key())
    assert response.status_code == 201, json.loads(response.body)
    with scans_allowed():
        assert demo.seed_demo() == "skipped"
    assert not [i for i in _records() if i.get("demo")]
