"""Recuperation's decisions, in memory: placing a nominee books a seat and marks them placed in one
commit; a cancelled placement puts them back before the city; app.py registers that hook with
booking. The DynamoDB tests (tests/api/test_recuperation_placement.py,
tests/integration/test_recuperation_concurrency.py) prove the conditions."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.booking import service as booking
from chalicelib.booking import store as booking_store
from chalicelib.core import errors, uow
from chalicelib.core.auth import Principal
from chalicelib.frontline import service as frontline
from chalicelib.recuperation import service, store
from chalicelib.recuperation.models import Placed, WithdrawIn

CITY = Principal(kind="staff", id="c.admin", unit_id="city", unit_path="/city/", roles=frozenset({"city_admin"}))
BATCH = {"id": "b1", "kind": "recuperation", "title": "第一批疗休养", "unit_id": "city", "unit_path": "/city/",
         "unit_name": "市总工会", "starts_at": "2099-05-01T00:00:00Z", "ends_at": "2099-05-06T00:00:00Z",
         "place": "泰山疗养院", "status": "open", "capacity": 2, "confirmed": 0, "waitlisted": 0, "wait_seq": 0,
         "version": 1}
NOMINEE = {"person_id": "p1", "id_hash": "idh", "name": "李四", "unit_id": "hospital", "unit_name": "市中心医院",
           "department": "急诊科", "role": "护士", "deployment": "fever_clinic", "days_deployed": 30,
           "days_from_archive": True, "reason": "发热门诊值守", "nominated_at": "2020-07-01T00:00:00Z",
           "nominated_by": "staff:h.admin", "status": "approved", "version": 3}


def _names(fake: uow.Recording) -> list[list[str]]:
    return [[name for name in names if name] for names in fake.names]


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The batch, the archive record and the nomination, answered from memory."""
    state: dict[str, Any] = {"batch": dict(BATCH), "person": {"id": "p1", "id_hash": "idh", "phone": "13900000001"},
                             "nomination": dict(NOMINEE)}
    monkeypatch.setattr(booking_store, "get_session", lambda session_id, consistent=False: state["batch"])
    monkeypatch.setattr(frontline, "person_item", lambda person_id: state["person"])
    monkeypatch.setattr(store, "get_nomination", lambda id_hash: state["nomination"])
    return state


def test_the_app_registers_the_cancel_hook_of_recuperation_batches() -> None:
    from app import app  # noqa: F401 - importing the app registers the domains' hooks

    assert booking.cancel_hook("recuperation") is service.placement_cancelled
    assert booking.cancel_hook("fair") is None


def test_a_placed_nominee_gets_a_seat_and_the_mark_in_one_commit(reads: dict[str, Any]) -> None:
    with uow.recording() as fake:
        placed = service._place_one(NOMINEE, BATCH, CITY)
    assert _names(fake) == [["hold_place", "take_seat", "add_registration", "count_figures", "mark_placed",
                             "outbox_message"]]  # the dashboard figures and the seat text, in the same commit
    mark = next(op for op in fake.commits[0] if op.name == "mark_placed").params
    assert mark["ExpressionAttributeValues"][":seen"] == 3  # only the approved nomination as read
    registration = next(op for op in fake.commits[0] if op.name == "add_registration").params["Item"]
    assert registration["link"] == "p1" and registration["channel"] == "recuperation"
    assert isinstance(placed, Placed) and placed.booking_reference == registration["reference"]


def test_a_full_batch_places_nobody_and_stops_the_run(reads: dict[str, Any]) -> None:
    reads["batch"]["confirmed"] = 2
    with uow.recording() as fake:
        assert service._place_one(NOMINEE, reads["batch"], CITY) is False
    assert fake.commits == []


def test_a_nominee_changed_meanwhile_is_skipped_with_no_booking_left(reads: dict[str, Any]) -> None:
    with uow.recording(refuse=lambda op: op.name == "mark_placed") as fake:
        assert service._place_one(NOMINEE, BATCH, CITY) is None
    assert fake.commits == []


def test_a_cancelled_placement_puts_the_nominee_back_before_the_city(reads: dict[str, Any]) -> None:
    reads["nomination"] |= {"status": "placed", "booking_reference": "REF111"}
    ops = service.placement_cancelled({"link": "p1", "reference": "REF111"})
    assert [op.name for op in ops if op.name] == ["unplace"]
    assert ops[0].params["ExpressionAttributeValues"][":ref"] == "REF111"
    assert ops[0].on_condition_failed is not None and ops[0].on_condition_failed.code == "/problems/booking-retry"


@pytest.mark.parametrize("nomination, person", [
    ({"status": "placed", "booking_reference": "OTHER1"}, {"id_hash": "idh"}),  # placed by another booking
    ({"status": "approved"}, {"id_hash": "idh"}),  # placed no more
    ({"status": "placed", "booking_reference": "REF111"}, {}),  # the archive record erased
])
def test_a_cancellation_leaves_a_nominee_it_did_not_place_alone(reads: dict[str, Any], nomination: dict[str, Any],
                                                                 person: dict[str, Any]) -> None:
    reads["nomination"] |= nomination
    reads["person"] = person
    assert service.placement_cancelled({"link": "p1", "reference": "REF111"}) == []


def _withdraw(monkeypatch: pytest.MonkeyPatch, version: int) -> Any:
    monkeypatch.setattr(frontline, "load", lambda person_id, by: {"id": "p1", "id_hash": "idh"})
    return service.withdraw("p1", WithdrawIn(version=version), CITY)


def test_a_nomination_is_withdrawn_at_the_version_read_while_not_yet_placed(
        reads: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    reads["nomination"] |= {"unit_path": "/city/hospital/"}
    with uow.recording() as fake:
        _withdraw(monkeypatch, 3)
    assert _names(fake) == [["change_nomination"]]
    values = fake.commits[0][0].params["ExpressionAttributeValues"]
    assert (values[":seen"], values[":s0"], values[":s1"], values[":f0"]) == (3, "nominated", "approved", "withdrawn")


@pytest.mark.parametrize("status, version, code", [
    ("placed", 3, "/problems/nomination-state"),
    ("approved", 2, "/problems/version-conflict"),
])
def test_a_placed_or_changed_nomination_is_not_withdrawn(reads: dict[str, Any], monkeypatch: pytest.MonkeyPatch,
                                                         status: str, version: int, code: str) -> None:
    reads["nomination"] |= {"unit_path": "/city/hospital/", "status": status}
    with uow.recording() as fake, pytest.raises(errors.ProblemError) as raised:
        _withdraw(monkeypatch, version)
    assert raised.value.code == code and fake.commits == []
