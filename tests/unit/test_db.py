import pytest

from chalicelib.core import audit, db, errors


def test_a_failed_condition_raises_that_items_domain_error(moto_table):
    db.transact([db.put_new({"PK": "A", "SK": "1", "version": 1})])
    special = errors.conflict("已经有了", "entry-exists")
    with pytest.raises(errors.ProblemError) as caught:
        db.transact([
            db.put_new({"PK": "B", "SK": "1"}),
            db.put_new({"PK": "A", "SK": "1"}, on_fail=special),
        ])
    assert caught.value is special
    assert db.get("B", "1") is None  # all or nothing


def test_versioned_update_applies_once_per_version(moto_table):
    db.transact([db.put_new({"PK": "R", "SK": "1", "version": 1, "status": "submitted"})])
    assert db.versioned_update("R", "1", {"status": "accepted"}, expected_version=1) == 2
    with pytest.raises(errors.ProblemError) as caught:
        db.versioned_update("R", "1", {"status": "rejected"}, expected_version=1)
    assert caught.value.status == 409 and caught.value.code == "/problems/version-conflict"
    assert db.get("R", "1") == {"PK": "R", "SK": "1", "version": 2, "status": "accepted"}


def test_versioned_update_of_a_missing_item_is_404(moto_table):
    with pytest.raises(errors.ProblemError) as caught:
        db.versioned_update("NOPE", "1", {"status": "x"}, expected_version=1)
    assert caught.value.status == 404


def test_an_audit_entry_rides_in_the_same_transaction(moto_table):
    db.transact([db.put_new({"PK": "R", "SK": "1", "version": 1, "status": "submitted", "phone": "13800138000"})])
    entry = audit.entry(actor="u1", action="x.accept", entity="x", entity_id="1", unit_id="taishan",
                        before={"status": "submitted", "phone": "13800138000"}, after={"status": "accepted"})
    db.versioned_update("R", "1", {"status": "accepted"}, 1, extra_ops=[entry])
    [row] = audit.history("x", "1")
    assert row["before"] == {"status": "submitted", "phone": audit.REDACTED}
    assert row["after"] == {"status": "accepted"} and row["actor"] == "u1"
    with pytest.raises(errors.ProblemError):
        db.versioned_update("R", "1", {"status": "closed"}, 1, extra_ops=[
            audit.entry(actor="u2", action="x.close", entity="x", entity_id="1", unit_id="taishan")])
    assert len(audit.history("x", "1")) == 1  # the refused change left no entry


def test_transient_conflicts_are_retried_then_answered_503(moto_table, monkeypatch):
    from botocore.exceptions import ClientError

    calls = []

    def always_conflict(**kwargs):
        calls.append(1)
        raise ClientError({"Error": {"Code": "TransactionCanceledException", "Message": "x"},
                           "CancellationReasons": [{"Code": "TransactionConflict"}]}, "TransactWriteItems")

    monkeypatch.setattr(db.table().meta.client, "transact_write_items", always_conflict)
    monkeypatch.setattr(db.clock, "sleep", lambda seconds: None)
    with pytest.raises(errors.ProblemError) as caught:
        db.transact([db.put_new({"PK": "A", "SK": "1"})])
    assert caught.value.status == 503 and len(calls) == db.MAX_ATTEMPTS
