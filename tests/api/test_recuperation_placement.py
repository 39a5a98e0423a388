"""Placement under interleaving: a second placement run that starts while the first is about to
book never makes a batch exceed its capacity nor places anyone twice, and the booking and the
nominee's placed mark are one write, so a fault leaves neither."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest

from chalicelib.booking import service as booking
from chalicelib.core import errors
from chalicelib.recuperation import service
from tests.api.test_recuperation import Api


@pytest.fixture
def api(client, staff_token):
    return Api(client, staff_token)


def approved(api: Api, n: int) -> list[str]:
    """n approved nominees, the first ranked highest (more days deployed)."""
    api.campaign()
    people = [api.person(period_start="2020-02-01", period_end=f"2020-02-{20 - i:02d}") for i in range(n)]
    for person in people:
        assert api.nominate(person)[0] == 201
        api.approve(person, 1)
    return people


def registrations(batch_id: str) -> list[dict[str, Any]]:
    return booking.all_registrations(batch_id)


def statuses(api: Api) -> dict[str, dict[str, Any]]:
    items = api.call("GET", "/staff/recuperation/units/city/nominations", api.city)[1]["items"]
    return {n["person_id"]: n for n in items}


def test_a_run_starting_mid_placement_neither_overfills_nor_double_places(api, monkeypatch):
    people = approved(api, 4)
    batch = api.batch(2)
    real = booking.register
    nested: list[dict[str, Any]] = []

    def register(*args: Any, **kwargs: Any) -> Any:
        if not nested:  # the first run is about to book people[0]; another run fills the batch meanwhile
            nested.append({})
            nested[0] = api.place(batch["id"])
        return real(*args, **kwargs)

    monkeypatch.setattr(booking, "register", register)
    outer = api.place(batch["id"])
    monkeypatch.setattr(booking, "register", real)

    assert [p["person_id"] for p in nested[0]["placed"]] == people[:2]
    assert outer["placed"] == [] and outer["seats_left"] == 0  # its booking of people[0] found them placed
    session = booking.get_session(batch["id"])
    assert session["confirmed"] == 2 and session["waitlisted"] == 0
    live = registrations(batch["id"])
    assert len(live) == 2 and all(r["status"] == "confirmed" for r in live)
    state = statuses(api)
    assert [state[p]["status"] for p in people] == ["placed", "placed", "approved", "approved"]

    other = api.batch(5, "2020年第二批一线医务人员疗休养")
    assert [p["person_id"] for p in api.place(other["id"])["placed"]] == people[2:]
    assert api.place(other["id"])["placed"] == []
    phones = Counter(r["phone"] for b in (batch["id"], other["id"]) for r in registrations(b)
                     if r["status"] == "confirmed")
    assert len(phones) == 4 and set(phones.values()) == {1}  # each person holds one place in all


def test_the_booking_and_the_placed_mark_are_one_write(api, monkeypatch):
    """A fault in the booking's transaction leaves neither a registration nor a placed nominee, and
    the next run places the person."""
    from chalicelib.core import db

    people = approved(api, 1)
    batch = api.batch(2)
    real = db.transact

    def fail_the_booking(ops: list[Any]) -> Any:
        if any(op.params.get("Item", {}).get("type") == "booking_registration" for op in ops):
            raise errors.unavailable()
        return real(ops)

    monkeypatch.setattr(db, "transact", fail_the_booking)
    assert api.call("POST", f"/staff/recuperation/batches/{batch['id']}/placements", api.city, {})[0] == 503
    monkeypatch.setattr(db, "transact", real)
    assert registrations(batch["id"]) == []
    assert statuses(api)[people[0]]["status"] == "approved"
    assert [p["person_id"] for p in api.place(batch["id"])["placed"]] == people
    assert statuses(api)[people[0]]["status"] == "placed"


def test_a_run_that_reaches_its_time_budget_leaves_the_rest_to_the_next(api, monkeypatch):
    people = approved(api, 3)
    batch = api.batch(3)
    monkeypatch.setattr(service, "PLACE_BUDGET_SECONDS", 0.0)
    runs = [api.place(batch["id"]) for _ in range(4)]
    assert [[p["person_id"] for p in r["placed"]] for r in runs] == [[people[0]], [people[1]], [people[2]], []]
    assert [r["seats_left"] for r in runs] == [2, 1, 0, 0]


def test_a_cancelled_placement_waits_for_the_city_again(api, client):
    """The person cancels by reference + phone, or staff cancel on the sessions page: the nomination
    goes back to awaiting the city's decision in the same transaction, so no run books them again
    until the city approves them again."""
    people = approved(api, 2)
    batch = api.batch(2)
    placed = api.place(batch["id"])["placed"]
    assert sorted(p["person_id"] for p in placed) == sorted(people)
    first, second = people
    reference = statuses(api)[first]["booking_reference"]

    response = client.http.post("/bookings/cancel", headers={"Content-Type": "application/json"},
                                body=json.dumps({"reference": reference, "phone": api.phones[first]}))
    assert response.status_code == 200, response.body
    after = statuses(api)
    assert after[first]["status"] == "nominated" and after[first].get("booking_reference") is None
    assert after[second]["status"] == "placed"

    other = statuses(api)[second]["booking_reference"]
    status, answer = api.call("POST", f"/staff/sessions/{batch['id']}/registrations/{other}/cancel", api.city)
    assert status == 200, answer
    assert statuses(api)[second]["status"] == "nominated"
    assert api.place(batch["id"])["placed"] == []  # not without a new decision

    api.approve(first, statuses(api)[first]["version"])
    again = api.place(batch["id"])["placed"]
    assert [p["person_id"] for p in again] == [first]
    assert Counter(r["status"] for r in registrations(batch["id"])) == {"cancelled": 2, "confirmed": 1}
