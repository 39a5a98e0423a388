"""Recuperation placement under real concurrency on DynamoDB Local, over HTTP through the local
stack: nine parallel placement runs into three batches (three runs per batch) for 40 approved
nominees (then re-runs, for runs that stopped at their time budget) fill every seat, never more,
and place each nominee at most once."""

from __future__ import annotations

import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any

from tests.integration.conftest import call
from tests.integration.test_delivery_concurrency import _token

NOMINEES = 40
SEATS = 6
BATCHES = 3


def _approved_nominees() -> list[str]:
    """The archive, an ended campaign and the nominations, through the services (the stack runs in
    this process, on the same DynamoDB Local)."""
    from chalicelib.core import db
    from chalicelib.core.auth import Principal
    from chalicelib.delivery import service as delivery
    from chalicelib.delivery.models import CampaignIn
    from chalicelib.frontline import service as frontline
    from chalicelib.frontline.models import PersonIn
    from chalicelib.recuperation import service
    from chalicelib.recuperation.models import DecisionIn, NominationIn
    from tests.api.access_cases.frontline import fresh_id_number

    db.reset_clients()
    admin = Principal(kind="staff", id="it.admin", unit_id="city", unit_path="/city/",
                      roles=frozenset({"city_admin"}))
    delivery.save_campaign(f"ended-{uuid.uuid4().hex[:6]}", CampaignIn(
        name="一线人员家庭爱心蔬菜", start_date=date(2020, 2, 18), end_date=date(2020, 6, 30), cap_fen=8000,
        price_fen=7500, suppliers=[]), admin)
    people = []
    for i in range(NOMINEES):
        person = frontline.create_person("demo-taishan-hospital", PersonIn(
            name=f"一线{i}", id_number=fresh_id_number(), phone=f"137{i:08d}", department="急诊科", role="护士",
            deployment="fever_clinic", period_start=date(2020, 2, 1), period_end=date(2020, 3, 1 + i % 20)), admin)
        service.nominate(person.id, NominationIn(reason="在发热门诊连续值守，主动承担夜班和留观病人护理。"), admin)
        service.decide(person.id, DecisionIn(decision="approve", version=1), admin)
        people.append(person.id)
    return people


def test_parallel_placements_fill_the_seats_and_place_each_nominee_once(stack):
    from chalicelib.booking import service as booking
    from chalicelib.recuperation import store

    people = _approved_nominees()
    token = _token(stack)
    headers = {"Authorization": f"Bearer {token}"}
    batches = []
    for n in range(BATCHES):
        status, _, body = call(f"{stack.url}/api/staff/recuperation/batches", "POST", {
            "title": f"并发测试疗休养第{n + 1}批", "starts_at": "2030-05-10T08:00:00+08:00",
            "ends_at": "2030-05-16T18:00:00+08:00", "place": "泰山职工疗休养院", "capacity": SEATS},
            {**headers, "Idempotency-Key": str(uuid.uuid4())})
        assert status == 201, body
        batches.append(body["id"])

    def place(batch_id: str) -> tuple[int, Any]:
        status, _, body = call(f"{stack.url}/api/staff/recuperation/batches/{batch_id}/placements", "POST", {},
                               {**headers, "Idempotency-Key": str(uuid.uuid4())}, timeout=120)
        return status, body

    with ThreadPoolExecutor(max_workers=9) as pool:
        answers = list(pool.map(place, batches * 3))
    assert all(status == 200 for status, _ in answers), answers
    # a run stops at its time budget and leaves the rest to the next: re-run until every batch is full
    for _ in range(5):
        unfilled = [b for b in batches if booking.get_session(b)["confirmed"] < SEATS]
        if not unfilled:
            break
        answers += [place(b) for b in unfilled]
        assert all(status == 200 for status, _ in answers), answers
    assert sum(len(body["placed"]) for _, body in answers) == SEATS * BATCHES

    confirmed: list[dict[str, Any]] = []
    for batch_id in batches:
        session = booking.get_session(batch_id)
        assert session["confirmed"] == SEATS and session["waitlisted"] == 0
        registrations = booking.all_registrations(batch_id)
        assert not [r for r in registrations if r["status"] == "waitlisted"]
        confirmed += [r for r in registrations if r["status"] == "confirmed"]
    assert len(confirmed) == SEATS * BATCHES
    assert set(Counter(r["phone"] for r in confirmed).values()) == {1}  # nobody holds two places

    nominations = {n["person_id"]: n for n in store.all_under("/city/") if n["person_id"] in people}
    placed = [n for n in nominations.values() if n["status"] == "placed"]
    assert len(placed) == SEATS * BATCHES
    assert {n["booking_reference"] for n in placed} == {r["reference"] for r in confirmed}
    assert {n["status"] for n in nominations.values()} == {"placed", "approved"}
    again = [place(b) for b in batches]
    assert all(status == 200 and body["placed"] == [] for status, body in again)
