"""A county union's review of firms and openings, checked in memory: the store's reads are stubbed,
commits are recorded by `uow.recording()` and the table is never reached."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from chalicelib.core import db, errors, uow
from chalicelib.core.auth import STAFF, Principal
from chalicelib.orgs import service as orgs
from chalicelib.recruitment import service, store
from chalicelib.recruitment.models import Decision, ReviewIn

REVIEWER = Principal(kind=STAFF, id="taishan.worker", unit_id="taishan", unit_path="/city/taishan/",
                     roles=frozenset({"caseworker"}), name="泰山区工作人员")
NEIGHBOUR = Principal(kind=STAFF, id="daiyue.worker", unit_id="daiyue", unit_path="/city/daiyue/",
                      roles=frozenset({"caseworker"}))
FIRM: dict[str, Any] = {"reference": "FIRM0001", "status": "pending", "version": 2, "name": "泰安某某机械有限公司",
        "credit_code": "91370900MA3C000001", "county_unit_id": "taishan", "unit_path": "/city/taishan/",
        "industry": "manufacturing", "address": "泰山区某路 1 号", "contact_name": "张经理",
        "contact_phone": "13800000000", "created_at": "2026-02-20T01:00:00Z"}
OPENING: dict[str, Any] = {"reference": "OPEN0001", "status": "pending", "version": 1, "firm_reference": "FIRM0001",
           "firm_name": FIRM["name"], "county_unit_id": "taishan", "unit_path": "/city/taishan/",
           "title": "数控车工", "headcount": 3, "wage_min": 4000, "wage_max": 6000, "shift": "fixed", "remote": False,
           "place": "泰山区", "requirements": "有经验者优先", "valid_until": "2026-03-31",
           "created_at": "2026-02-21T01:00:00Z"}


@pytest.fixture
def held(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[tuple[str, str], dict[str, Any]]]:
    """Firms and openings by key, as the store answers them; the table itself is out of reach."""
    items: dict[tuple[str, str], dict[str, Any]] = {
        store.firm_key(FIRM["reference"]): dict(FIRM), store.opening_key(OPENING["reference"]): dict(OPENING)}

    def no_table() -> Any:
        raise AssertionError("a decision test reached the table")

    monkeypatch.setattr(db, "table", no_table)
    monkeypatch.setattr(store, "get", lambda key, consistent=False: items.get(key))
    monkeypatch.setattr(orgs, "get_unit", lambda unit_id: SimpleNamespace(id=unit_id, name="泰山区总工会"))
    yield items


def _set(op: db.Op) -> dict[str, Any]:
    """The fields a versioned set writes (besides the version)."""
    names, values = op.params["ExpressionAttributeNames"], op.params["ExpressionAttributeValues"]
    return {names[n]: values[":" + n[1:]] for n in names if n.startswith("#f")}


def _named(ops: list[db.Op]) -> list[str]:
    return [op.name for op in ops if op.name]  # audit entries are core's, unnamed


def _op(ops: list[db.Op], name: str) -> db.Op:
    [op] = [op for op in ops if op.name == name]
    return op


def _line(ops: list[db.Op]) -> dict[str, Any]:
    """The history line a commit writes: the change, who made it, the state it left, the reason."""
    [op] = [op for op in ops if op.name in ("record_firm_change", "record_opening_change")]
    return {k: v for k, v in op.params["Item"].items() if k in ("PK", "action", "actor", "status", "reason")}


def _message(ops: list[db.Op]) -> tuple[str, str, dict[str, str]]:
    """The one text message of a commit: (template, phone, values)."""
    [item] = [op.params["Item"] for op in ops if op.name == "outbox_message"]
    return item["template"], item["to"], item["params"]


def test_a_reason_with_an_id_number_is_refused_before_anything_is_committed(held):
    with uow.recording() as fake, pytest.raises(errors.ProblemError) as refused:
        service.review_firm("FIRM0001", ReviewIn(decision=Decision.reject, reason="法人 11010519491231002X 不符",
                                                 version=2), REVIEWER)
    assert [e.field for e in refused.value.errors] == ["reason"] and fake.commits == []


def test_approving_a_firm_moves_it_in_the_queue_and_keeps_its_credit_code(held):
    with uow.recording() as fake:
        review = service.review_firm("firm0001", ReviewIn(decision=Decision.approve, version=2), REVIEWER)
    [ops] = fake.commits
    assert _named(ops) == ["approve_firm", "record_firm_change", "outbox_message"]
    assert _line(ops) == {"PK": "FIRM#FIRM0001", "action": "approve", "actor": "staff:taishan.worker",
                          "status": "approved"}
    assert _message(ops) == ("firm_approved", "13800000000", {"ref": "FIRM0001"})
    assert _set(ops[0])["GSI1SK"].startswith("approved#") and "reason" not in _set(ops[0])
    assert review.status == "approved" and review.version == 3


def test_rejecting_a_firm_gives_its_reason_and_frees_the_credit_code(held):
    with uow.recording() as fake:
        review = service.review_firm("FIRM0001", ReviewIn(decision=Decision.reject, reason="营业执照已过期",
                                                          version=2), REVIEWER)
    [ops] = fake.commits
    assert _named(ops) == ["reject_firm", "record_firm_change", "release_credit_code", "outbox_message"]
    assert _message(ops) == ("firm_returned", "13800000000", {"ref": "FIRM0001", "reason": "营业执照已过期"})
    assert _line(ops) == {"PK": "FIRM#FIRM0001", "action": "return", "actor": "staff:taishan.worker",
                          "status": "rejected", "reason": "营业执照已过期"}
    assert _op(ops, "release_credit_code").params["Key"] == dict(zip(("PK", "SK"), store.code_key(FIRM["credit_code"]),
                                                                     strict=True))
    assert _set(ops[0])["reason"] == "营业执照已过期" and review.status == "rejected"


@pytest.mark.parametrize("status", ["approved", "rejected"])
def test_a_firm_is_reviewed_once(held, status):
    held[store.firm_key("FIRM0001")]["status"] = status
    with uow.recording() as fake, pytest.raises(errors.ProblemError) as refused:
        service.review_firm("FIRM0001", ReviewIn(decision=Decision.approve, version=2), REVIEWER)
    assert refused.value.code.endswith("/already-reviewed") and fake.commits == []


def test_a_firm_in_another_county_is_not_there_for_the_reviewer(held):
    with uow.recording() as fake, pytest.raises(errors.ProblemError) as refused:
        service.review_firm("FIRM0001", ReviewIn(decision=Decision.approve, version=2), NEIGHBOUR)
    assert refused.value.status == 404 and fake.commits == []


def test_a_review_of_a_firm_changed_meanwhile_is_a_version_conflict(held, monkeypatch):
    monkeypatch.setattr(db, "get", lambda pk, sk, consistent=False: held[(pk, sk)])
    with uow.recording(lambda op: op.name == "approve_firm") as fake, pytest.raises(errors.ProblemError) as refused:
        service.review_firm("FIRM0001", ReviewIn(decision=Decision.approve, version=1), REVIEWER)
    assert refused.value.code.endswith("/version-conflict") and fake.commits == []


def test_publishing_an_opening_lists_it_publicly_only_under_an_approved_firm(held):
    held[store.firm_key("FIRM0001")]["status"] = "approved"
    with uow.recording() as fake:
        review = service.review_opening("OPEN0001", ReviewIn(decision=Decision.approve, version=1), REVIEWER)
    [ops] = fake.commits
    assert _named(ops) == ["publish_opening", "require_approved_firm", "record_opening_change", "outbox_message"]
    assert _line(ops) == {"PK": "OPENING#OPEN0001", "action": "publish", "actor": "staff:taishan.worker",
                          "status": "published"}
    assert _message(ops) == ("opening_approved", "13800000000", {"ref": "OPEN0001", "title": "数控车工"})
    changes = _set(ops[0])
    assert changes["GSI1PK"] == store.PUBLISHED and changes["county_name"] == "泰山区总工会"
    assert _op(ops, "require_approved_firm").params["Key"] == dict(zip(("PK", "SK"), store.firm_key("FIRM0001"),
                                                                       strict=True))
    assert review.status == "published" and review.firm_status == "approved"


def test_an_opening_under_a_firm_not_yet_approved_is_refused(held):
    with uow.recording(lambda op: op.name == "require_approved_firm") as fake, \
            pytest.raises(errors.ProblemError) as refused:
        service.review_opening("OPEN0001", ReviewIn(decision=Decision.approve, version=1), REVIEWER)
    assert refused.value.code.endswith("/firm-not-approved") and fake.commits == []


def test_rejecting_an_opening_keeps_it_in_the_county_queue_with_its_reason(held):
    with uow.recording() as fake:
        review = service.review_opening("OPEN0001", ReviewIn(decision=Decision.reject, reason="工资低于最低标准",
                                                             version=1), REVIEWER)
    [ops] = fake.commits
    assert _named(ops) == ["reject_opening", "record_opening_change", "outbox_message"]
    assert _line(ops) == {"PK": "OPENING#OPEN0001", "action": "return", "actor": "staff:taishan.worker",
                          "status": "rejected", "reason": "工资低于最低标准"}
    assert _message(ops) == ("opening_returned", "13800000000",
                             {"ref": "OPEN0001", "title": "数控车工", "reason": "工资低于最低标准"})
    changes = _set(ops[0])
    assert changes["GSI1PK"] == "OPENINGQ#taishan" and changes["GSI1SK"].startswith("rejected#")
    assert "published_at" not in changes and review.reason == "工资低于最低标准"
