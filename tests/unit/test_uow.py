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
