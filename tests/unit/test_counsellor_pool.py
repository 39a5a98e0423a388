"""Taking a counsellor out of the pool, decided without a database: one named delete, guarded by
no open case, with its audit entry; a counsellor with open cases is refused with what to do."""

from typing import Any

import pytest

from chalicelib.core import errors, uow
from chalicelib.core.auth import Principal
from chalicelib.support import pool, store

CITY = Principal(kind="staff", id="city.admin", unit_id="city", unit_path="/city/", roles=frozenset({"city_admin"}))


def _in_pool(monkeypatch: pytest.MonkeyPatch, item: dict[str, Any] | None) -> None:
    monkeypatch.setattr(store, "get_counsellor", lambda username: item)


def test_an_idle_counsellor_is_removed_in_one_commit_with_the_audit_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    _in_pool(monkeypatch, {"PK": "COUNSELLORS", "SK": "c.wang", "open_cases": 0})
    with uow.recording() as fake:
        pool.remove("c.wang", CITY)
    assert [ops[0].name for ops in fake.commits] == ["remove_counsellor"]
    assert len(fake.commits[0]) == 2 and fake.commits[0][1].kind == "Put"  # the audit entry
    condition = fake.commits[0][0].params["ConditionExpression"]
    assert "open_cases <= :zero" in condition


def test_a_counsellor_with_open_cases_is_refused_and_told_to_reassign(monkeypatch: pytest.MonkeyPatch) -> None:
    _in_pool(monkeypatch, {"PK": "COUNSELLORS", "SK": "c.wang", "open_cases": 2})
    with uow.recording(refuse=lambda op: op.name == "remove_counsellor") as fake:
        with pytest.raises(errors.ProblemError) as refused:
            pool.remove("c.wang", CITY)
    assert refused.value.status == 409 and "改派" in refused.value.detail
    assert fake.commits == []


def test_someone_not_in_the_pool_is_not_found(monkeypatch: pytest.MonkeyPatch) -> None:
    _in_pool(monkeypatch, None)
    with uow.recording() as fake, pytest.raises(errors.ProblemError) as missing:
        pool.remove("c.nobody", CITY)
    assert missing.value.status == 404 and fake.commits == []
