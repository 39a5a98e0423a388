"""The recording unit of work keeps ops instead of writing them, and refuses as the table would."""

import pytest

from chalicelib.core import db, errors, uow


def test_recording_keeps_each_commit_in_order() -> None:
    with uow.recording() as fake:
        uow.commit([db.put_new({"PK": "A", "SK": "1"}).named("first")])
        uow.commit([db.check("B", "2", "attribute_exists(PK)").named("second")])
    assert fake.names == [["first"], ["second"]]


def test_a_refused_condition_raises_its_domain_error_and_records_nothing() -> None:
    full = errors.conflict("名额已满。", "session-full")
    with uow.recording(refuse=lambda op: op.name == "take_seat") as fake:
        with pytest.raises(errors.ProblemError) as raised:
            uow.commit([db.update("S", "S", "SET n = n + :one", "n < cap", on_fail=full).named("take_seat")])
    assert raised.value is full
    assert fake.commits == []


def test_demo_writes_are_marked_and_leave_the_roll_up_counters_alone() -> None:
    from chalicelib.core import demo

    ops = [db.put_new({"PK": "R", "SK": "R"}).named("create_request"),
           db.update("C", "C", "ADD total :one", values={":one": 1}).named("count"),
           db.update("W", "W", "ADD n :one", values={":one": 1}).named("count_week")]
    with uow.recording() as fake:
        with demo.of({"demo": True}):
            uow.commit(ops)
        with demo.of({"reference": "R"}):  # a real record's change counts as ever
            uow.commit(ops)
    assert fake.names == [["create_request"], ["create_request", "count", "count_week"]]
    assert fake.commits[0][0].params["Item"]["demo"] is True
    assert "demo" not in fake.commits[1][0].params["Item"]
    assert "demo" not in ops[0].params["Item"]  # the store's op itself is left as it was
