"""The hardship register's import, in memory: rows go in commits of ROWS_PER_TRANSACTION, and when a
later commit is refused (a person registered meanwhile) the earlier rows are taken out again, so
nothing is left half-imported. tests/api/test_hardship_register.py proves it on the table."""

from __future__ import annotations

import base64
import io

import pytest
from openpyxl import Workbook

from chalicelib.core import db, errors, personal, uow
from chalicelib.core.auth import Principal
from chalicelib.hardship import service, store
from chalicelib.hardship.models import ImportIn
from chalicelib.orgs import service as orgs

STAFF = Principal(kind="staff", id="t.admin", unit_id="taishan", unit_path="/city/taishan/",
                  roles=frozenset({"unit_admin"}))
ROWS = service.ROWS_PER_TRANSACTION + 1


def _id_number(serial: int) -> str:
    first17 = f"37090219800101{serial:03d}"
    return first17 + personal.id_check_character(first17)


def _sheet(rows: int) -> ImportIn:
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.append(["姓名", "身份证号", "手机号码", "困难情况", "联系人"])
    for n in range(rows):
        ws.append([f"职工{n}", _id_number(n), f"138{n:08d}", "家中有重病患者", ""])
    buffer = io.BytesIO()
    book.save(buffer)
    return ImportIn(content_base64=base64.b64encode(buffer.getvalue()).decode())


@pytest.fixture(autouse=True)
def _nobody_registered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(orgs, "scoped_path", lambda unit_id, by: "/city/taishan/")
    monkeypatch.setattr(store, "get_id", lambda id_hash: None)


def test_rows_are_written_in_commits_of_a_bounded_size() -> None:
    with uow.recording() as fake:
        result = service.import_register("taishan", _sheet(ROWS), STAFF)
    assert result.imported == ROWS and len(fake.commits) == 2
    assert [names.count("add_worker") for names in fake.names] == [service.ROWS_PER_TRANSACTION, 1]
    assert [names.count("register_id") for names in fake.names] == [service.ROWS_PER_TRANSACTION, 1]


def test_a_person_registered_meanwhile_takes_the_rows_already_written_out_again() -> None:
    last = store.id_key(personal.keyed_hash("hardship-id", _id_number(ROWS - 1)))[0]

    def registered_meanwhile(op: db.Op) -> bool:
        return op.name == "register_id" and op.params["Item"]["PK"] == last

    with uow.recording(refuse=registered_meanwhile) as fake, pytest.raises(errors.ProblemError) as raised:
        service.import_register("taishan", _sheet(ROWS), STAFF)
    assert raised.value.status == 409
    first, *undo = fake.commits
    written = {(op.params["Item"]["PK"], op.params["Item"]["SK"]) for op in first if op.name}
    removed = {(op.params["Key"]["PK"], op.params["Key"]["SK"]) for ops in undo for op in ops}
    assert {name for names in fake.names[1:] for name in names} == {"remove"}
    assert removed == written | {(f"REF#{w}", "REF") for w in _worker_ids(first)}


def _worker_ids(ops: list[db.Op]) -> list[str]:
    return [op.params["Item"]["worker_id"] for op in ops if op.name == "add_worker"]
