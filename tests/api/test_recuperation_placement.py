"""Placement under interleaving: a second placement run that starts while the first is between its
claim and its booking never makes a batch exceed its capacity nor places anyone twice; a run that
was interrupted is settled by the next one (placed if the booking holds the person, else released)."""

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
        if not nested:  # the first run has claimed people[0]; another run fills the batch meanwhile
            nested.append({})
            nested[0] = api.place(batch["id"])
        return real(*args, **kwargs)

    monkeypatch.setattr(booking, "register", register)
    outer = api.place(batch["id"])
    monkeypatch.setattr(booking, "register", real)

    assert [p["person_id"] for p in nested[0]["placed"]] == people[1:3]  # people[0] was claimed by the outer run
    assert outer["placed"] == [] and outer["seats_left"] == 0
    session = booking.get_session(batch["id"])
    assert session["confirmed"] == 2 and session["waitlisted"] == 0
    live = [r for r in registrations(batch["id"]) if r["status"] != "cancelled"]
    assert len(live) == 2 and all(r["status"] == "confirmed" for r in live)
    state = statuses(api)
    assert state[people[0]]["status"] == "approved" and state[people[0]].get("batch_id") is None
    assert [state[p]["status"] for p in people[1:]] == ["placed", "placed", "approved"]

    other = api.batch(5, "2020年第二批一线医务人员疗休养")
    assert [p["person_id"] for p in api.place(other["id"])["placed"]] == [people[0], people[3]]
    assert api.place(other["id"])["placed"] == []
    phones = Counter(r["phone"] for b in (batch["id"], other["id"]) for r in registrations(b)
                     if r["status"] == "confirmed")
    assert len(phones) == 4 and set(phones.values()) == {1}  # each person holds one place in all


def test_an_interrupted_run_is_settled_by_the_next(api, monkeypatch):
    people = approved(api, 2)
    batch = api.batch(5)
    real_set = service._set
    real_register = booking.register

    def crash_after_booking(record: dict[str, Any], was: str, changes: dict[str, Any], *args: Any, **kw: Any) -> None:
        if record["person_id"] == people[0] and changes.get("status") == "placed":
            raise errors.unavailable()
        real_set(record, was, changes, *args, **kw)

    def crash_before_booking(*args: Any, **kwargs: Any) -> Any:
        raise errors.unavailable()

    monkeypatch.setattr(service, "_set", crash_after_booking)
    assert api.call("POST", f"/staff/recuperation/batches/{batch['id']}/placements", api.city, {"limit": 1})[0] == 503
    monkeypatch.setattr(service, "_set", real_set)
    real_release = service._release
    monkeypatch.setattr(booking, "register", crash_before_booking)
    monkeypatch.setattr(service, "_release", lambda record, actor: None)  # the crash also skips the release
    assert api.call("POST", f"/staff/recuperation/batches/{batch['id']}/placements", api.city, {})[0] == 503
    monkeypatch.setattr(booking, "register", real_register)
    monkeypatch.setattr(service, "_release", real_release)
    state = statuses(api)
    assert state[people[0]]["status"] == "placing" and state[people[1]]["status"] == "placing"
    assert len(registrations(batch["id"])) == 1

    assert api.place(batch["id"])["placed"] == []  # fresh claims are left to the run that holds them
    monkeypatch.setattr(service, "STALE_SECONDS", 0)
    result = api.place(batch["id"])
    assert [p["person_id"] for p in result["placed"]] == [people[1]]  # released, then placed
    state = statuses(api)
    assert state[people[0]]["status"] == "placed"  # the booking held it: settled as placed
    live = registrations(batch["id"])
    assert len(live) == 2 and {r["reference"] for r in live} == {state[p]["booking_reference"] for p in people}


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
