"""Decisions on a support request, checked in memory: the store's reads are stubbed, commits are
recorded by `uow.recording()` and the table is never reached (the API and DynamoDB Local tests
prove the conditions themselves)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.core import db, errors, uow
from chalicelib.core.auth import STAFF, Principal
from chalicelib.support import store, work
from chalicelib.support.models import CounsellorAssignIn, Status, TransitionIn
from chalicelib.support.service import TERMINAL, TRANSITIONS

STATUSES = sorted(TRANSITIONS)
WORKER = Principal(kind=STAFF, id="taishan.worker", unit_id="taishan", unit_path="/city/taishan/",
                   roles=frozenset({"caseworker"}), name="泰山区工作人员")
EXTRA = {"resolved": {"outcome": "已安排咨询师两次通话。"}, "closed": {"outcome": "多次联系不上。"},
         "rejected": {"reason": "不属于工会受理范围。"}}


def _request(**fields: Any) -> dict[str, Any]:
    return {"reference": "ZF7K3QW9", "status": "submitted", "version": 3, "category": "psychological",
            "unit_id": "taishan", "unit_path": "/city/taishan/", "created_at": "2026-02-20T01:00:00Z",
            "due_at": "2026-02-21T01:00:00Z", "callback_attempts": 0, "phone": "13800138000", **fields}


@pytest.fixture
def requests(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, dict[str, Any]]]:
    """The requests the store answers with; the table itself is out of reach."""
    held: dict[str, dict[str, Any]] = {}

    def no_table() -> Any:
        raise AssertionError("a decision test reached the table")

    monkeypatch.setattr(db, "table", no_table)
    monkeypatch.setattr(store, "get_request", lambda reference, consistent=False: held.get(reference))
    yield held


def _changes(op: db.Op) -> dict[str, Any]:
    """The fields a versioned set writes (besides the version)."""
    names, values = op.params["ExpressionAttributeNames"], op.params["ExpressionAttributeValues"]
    return {names[n]: values[":" + n[1:]] for n in names if n.startswith("#f")}


def _move(requests: dict[str, dict[str, Any]], record: dict[str, Any], to: str, version: int | None = None,
          **extra: Any) -> dict[str, Any]:
    requests[record["reference"]] = record
    body = TransitionIn(to=Status(to), version=record["version"] if version is None else version,
                        **{**EXTRA.get(to, {}), **extra})
    return work.transition(record["reference"], body, WORKER)


CASES = [(a, b) for a in STATUSES for b in STATUSES]


@pytest.mark.parametrize(("start", "to"), CASES, ids=[f"{a}->{b}" for a, b in CASES])
def test_a_transition_commits_only_what_the_table_allows(requests, start, to):
    with uow.recording() as fake:
        if to not in TRANSITIONS[start]:
            with pytest.raises(errors.ProblemError) as refused:
                _move(requests, _request(status=start), to)
            assert refused.value.status == 409 and refused.value.code.endswith("/invalid-transition")
            assert fake.commits == []
            return
        changed = _move(requests, _request(status=start), to)
    [ops] = fake.commits
    assert ops[0].name == "transition" and _changes(ops[0])["status"] == to
    counted = [op for op in ops if op.name == "count"]
    # a status change moves one count on the unit and each ancestor; staying put moves none
    assert len(counted) == (0 if to == start else 2)
    assert ("unlist_open" in fake.names[0]) == (to in TERMINAL)
    assert changed["status"] == to and changed["version"] == 4
    # the requester's text message is in the same commit as the change, to the phone on the request
    expected = {"accepted": "support_accepted",  # the first acceptance (these requests were never accepted)
                "callback": "support_callback_missed", "resolved": "support_resolved",
                "closed": "support_closed", "rejected": "support_closed"}.get(to)
    messages = [op.params["Item"] for op in ops if op.name == "outbox_message"]
    assert [m["template"] for m in messages] == ([expected] if expected else [])
    assert all(m["to"] == "13800138000" and m["about"] == "support:ZF7K3QW9" for m in messages)


def test_the_reply_staff_wrote_goes_to_the_requester_shortened_and_an_id_number_never(requests):
    with uow.recording() as fake:
        _move(requests, _request(status="in_progress"), "resolved", public_message="已为您联系心理咨询师。" * 40)
        with pytest.raises(errors.ProblemError) as refused:
            _move(requests, _request(status="in_progress"), "resolved", public_message="核实 11010519491231002X")
    assert [e.field for e in refused.value.errors] == ["public_message"]
    [ops] = fake.commits
    [message] = [op.params["Item"] for op in ops if op.name == "outbox_message"]
    assert message["params"]["reply"].endswith("（详见门户查询）") and len(message["params"]["reply"]) <= 300


def test_only_the_first_acceptance_is_told(requests):
    with uow.recording() as fake:
        _move(requests, _request(status="callback", accepted_by="taishan.worker"), "accepted")
    assert "outbox_message" not in fake.names[0]


def test_an_erased_request_gets_no_message(requests):
    with uow.recording() as fake:
        _move(requests, _request(status="submitted", anonymised_at="2026-03-01T00:00:00Z"), "accepted")
    assert "outbox_message" not in fake.names[0]


def test_a_stale_version_is_refused_before_anything_is_committed(requests):
    with uow.recording() as fake, pytest.raises(errors.ProblemError) as refused:
        _move(requests, _request(status="accepted"), "in_progress", version=2)
    assert refused.value.code.endswith("/version-conflict")
    assert fake.commits == []


def test_a_change_made_meanwhile_answers_409_and_a_request_gone_meanwhile_404(requests, monkeypatch):
    record = _request(status="accepted")
    refuse = lambda op: op.name == "transition"  # noqa: E731 - the table saw another version
    monkeypatch.setattr(db, "get", lambda pk, sk, consistent=False: record)
    with uow.recording(refuse) as fake, pytest.raises(errors.ProblemError) as changed:
        _move(requests, record, "in_progress")
    assert changed.value.status == 409 and fake.commits == []
    monkeypatch.setattr(db, "get", lambda pk, sk, consistent=False: None)
    with uow.recording(refuse), pytest.raises(errors.ProblemError) as gone:
        _move(requests, record, "in_progress")
    assert gone.value.status == 404


def test_finishing_without_an_outcome_names_the_field_and_commits_nothing(requests):
    with uow.recording() as fake, pytest.raises(errors.ProblemError) as refused:
        _move(requests, _request(status="in_progress"), "resolved", outcome=None)
    assert [e.field for e in refused.value.errors] == ["outcome"]
    assert fake.commits == []


def test_callbacks_are_counted_and_the_first_acceptance_is_kept(requests):
    with uow.recording() as fake:
        _move(requests, _request(status="callback", callback_attempts=2, accepted_by="first"), "callback")
        _move(requests, _request(status="submitted"), "accepted")
    again, first = (_changes(ops[0]) for ops in fake.commits)
    assert again["callback_attempts"] == 3 and "accepted_by" not in again
    assert first["accepted_by"] == WORKER.id


def test_finishing_a_counselled_request_frees_the_counsellor(requests):
    with uow.recording() as fake:
        _move(requests, _request(status="in_progress", counsellor="xl.wang"), "resolved")
    assert fake.names[0][-3:] == ["unlist_open", "release_counsellor", "outbox_message"]


def test_handing_a_request_to_another_counsellor_moves_the_case_in_one_commit(requests):
    requests["ZF7K3QW9"] = _request(status="accepted", counsellor="xl.wang")
    with uow.recording() as fake:
        changed = work.assign_counsellor("ZF7K3QW9", CounsellorAssignIn(username="xl.li", version=3), WORKER)
    assert [name for name in fake.names[0] if name] == [
        "set_counsellor", "release_counsellor", "drop_counsellor_case", "take_counsellor", "add_counsellor_case"]
    assert changed["counsellor"] == "xl.li" and changed["version"] == 4


def test_a_counsellor_not_on_duty_is_a_field_error(requests):
    requests["ZF7K3QW9"] = _request(status="accepted")
    with uow.recording(lambda op: op.name == "take_counsellor") as fake, pytest.raises(errors.ProblemError) as refused:
        work.assign_counsellor("ZF7K3QW9", CounsellorAssignIn(username="xl.li", version=3), WORKER)
    assert [e.field for e in refused.value.errors] == ["username"]
    assert fake.commits == []


@pytest.mark.parametrize(("fields", "code"), [({"category": "legal"}, "/validation"),
                                              ({"status": "resolved"}, "/finished")])
def test_only_an_open_psychological_request_gets_a_counsellor(requests, fields, code):
    requests["ZF7K3QW9"] = _request(**fields)
    with uow.recording() as fake, pytest.raises(errors.ProblemError) as refused:
        work.assign_counsellor("ZF7K3QW9", CounsellorAssignIn(username="xl.li", version=3), WORKER)
    assert refused.value.code.endswith(code)
    assert fake.commits == []
