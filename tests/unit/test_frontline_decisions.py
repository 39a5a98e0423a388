"""Frontline decisions against the recording unit of work: which named changes each one commits."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.core import errors, uow
from chalicelib.core.auth import Principal
from chalicelib.frontline import importer, service, store
from chalicelib.orgs import service as orgs

ADMIN = Principal(kind="staff", id="hospital.admin", unit_id="h1", unit_path="/city/taishan/h1/",
                  roles=frozenset({"unit_admin"}))
HOUSEHOLD = {"id": "ABCD-EFGH", "unit_id": "h1", "unit_path": "/city/taishan/h1/", "version": 3}


def test_a_first_contact_covers_the_household_up_the_tree() -> None:
    ops = service.contact_change_ops(HOUSEHOLD, "hospital.contact", "联系人", 3, "2020-02-20T00:00:00.000Z", ADMIN)
    with uow.recording() as fake:
        uow.commit(ops)
    assert fake.names == [["set_contact", "take_family", "point_to_family", "record_contact_change", "",
                           "cover_family", "count", "count", "count"]]
    assert [op.params["Key"]["PK"] for op in ops if op.name == "count"] == [
        "FLCOUNT#city", "FLCOUNT#taishan", "FLCOUNT#h1"]


def test_a_change_of_contact_releases_the_former_one_and_counts_nothing() -> None:
    ops = service.contact_change_ops({**HOUSEHOLD, "contact_person": "old.contact"}, "new.contact", "新联系人", 3,
                                     "2020-02-20T00:00:00.000Z", ADMIN, reason="调岗")
    names = [op.name for op in ops]
    assert "release_family" in names and "uncount_family" in names
    assert "cover_family" not in names and "count" not in names
    [released] = [op for op in ops if op.name == "release_family"]
    assert released.params["Key"] == {"PK": "CPFAM#old.contact", "SK": "ABCD-EFGH"}
    [history] = [op for op in ops if op.name == "record_contact_change"]
    assert history.params["Item"]["reason"] == "调岗"


def test_a_contact_removed_meanwhile_refuses_the_whole_change() -> None:
    ops = service.contact_change_ops(HOUSEHOLD, "gone.contact", "联系人", 3, "2020-02-20T00:00:00.000Z", ADMIN)
    with uow.recording(refuse=lambda op: op.name == "take_family") as fake:
        with pytest.raises(errors.ProblemError) as raised:
            uow.commit(ops)
    assert raised.value.detail == "这位联系人已被移出名单，请刷新后重试。"
    assert fake.commits == []


def _household(n: int, members: int) -> dict[str, Any]:
    return {"record": {"id": f"P{n:03d}", "unit_id": "h1", "unit_path": "/city/taishan/h1/", "name": "某",
                       "id_hash": f"hash{n}", "phone": "13800138000", "created_at": "2020-02-20T00:00:00.000Z"},
            "members": [{"id": f"M{n}{m}", "name": "家属"} for m in range(members)]}


def test_an_import_is_written_in_chunks_of_at_most_100_items_and_skips_written_chunks(monkeypatch) -> None:
    monkeypatch.setattr(store, "import_chunk_done", lambda import_id, chunk: chunk == 0)
    households = [_household(n, 3) for n in range(30)]  # 7 items each: 4 chunks of 13, 13, 4 households
    with uow.recording() as fake:
        importer._write("imp1", households, "/city/taishan/h1/", ADMIN)
    assert len(fake.commits) == 2  # the first chunk was written by an earlier attempt
    for commit in fake.commits:
        assert len(commit) <= 100
        assert commit[0].name == "mark_import_chunk"
        assert [op.name for op in commit].count("count") == 3
    written = [op.params["Item"]["id"] for commit in fake.commits for op in commit if op.name == "register_person"]
    assert written == [f"P{n:03d}" for n in range(13, 30)]


def test_the_same_id_number_in_two_hospitals_flags_both_and_shows_the_group_above_them(monkeypatch) -> None:
    entries = [{"unit_id": "h1", "person_id": "P1"}, {"unit_id": "h2", "person_id": "P2"}]
    paths = {"h1": "/city/taishan/h1/", "h2": "/city/daiyue/h2/"}
    monkeypatch.setattr(store, "id_index", lambda hash_value: entries)
    monkeypatch.setattr(orgs, "unit_path", lambda unit_id: paths[unit_id])
    with uow.recording() as fake:
        found = service.flag_duplicates("hash")
    assert found == ["P1", "P2"]
    assert fake.names[:2] == [["flag_duplicate", "count", "count", "count"]] * 2
    assert sorted(op.params["Item"]["PK"] for op in fake.commits[2]) == [
        f"FLDUPGROUPS#{u}" for u in ("city", "daiyue", "h1", "h2", "taishan")]


def test_a_household_flagged_before_is_left_as_it_is(monkeypatch) -> None:
    monkeypatch.setattr(store, "id_index", lambda hash_value: [{"unit_id": "h1", "person_id": "P1"},
                                                               {"unit_id": "h2", "person_id": "P2"}])
    monkeypatch.setattr(orgs, "unit_path", lambda unit_id: f"/city/{unit_id}/")
    with uow.recording(refuse=lambda op: op.name == "flag_duplicate") as fake:
        service.flag_duplicates("hash")
    assert fake.names == [["show_duplicate_group"] * 3]


def test_a_bulk_assignment_touches_each_item_once_and_sums_the_counts() -> None:
    first = {**HOUSEHOLD, "id": "P1"}
    second = {**HOUSEHOLD, "id": "P2"}
    moved = {**HOUSEHOLD, "id": "P3", "contact_person": "old.contact"}
    ops = service.bulk_ops([first, second, moved], "new.contact", "新联系人", "2020-02-20T00:00:00.000Z", ADMIN, None)
    keys = [(op.params.get("Key") or op.params["Item"])["PK"] + "|" + (op.params.get("Key") or op.params["Item"])["SK"]
            for op in ops]
    assert len(keys) == len(set(keys))  # a transaction may name an item once
    counts = {op.params["Key"]["SK"]: op.params["ExpressionAttributeValues"][":delta"]
              for op in ops if op.name == "count_families"}
    assert counts == {"new.contact": 3, "old.contact": -1}
    covered = {op.params["Key"]["PK"]: op.params["ExpressionAttributeValues"][":d0"]
               for op in ops if op.name == "count"}
    assert covered == {"FLCOUNT#city": 2, "FLCOUNT#taishan": 2, "FLCOUNT#h1": 2}
    undo = service.bulk_undo_ops([first, moved], "new.contact", {"FLPERSON#P1": "CONTACTHIST#a", "FLPERSON#P3":
                                                                 "CONTACTHIST#b"}, ADMIN)
    names = [op.name for op in undo]
    assert names.count("clear_contact") == 1 and names.count("set_contact") == 1
    assert {op.params["Key"]["SK"] for op in undo if op.name == "forget_contact_change"} == {"CONTACTHIST#a",
                                                                                           "CONTACTHIST#b"}
