"""A contact person's work from the workbench: the family's number to call (for its own contact only,
audited), contacts that must hold a contact person's staff account, many families assigned at once
(all or nothing), and the my-families cards in one request."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from chalicelib.core import audit
from tests.api.access_cases import Context
from tests.api.access_cases.delivery import CAMPAIGN, signed_up_family
from tests.api.access_cases.frontline import (
    MATRIX_CONTACT,
    contact_account,
    fresh_id_number,
    hospital_under,
    person_body,
    registered_contact,
)
from tests.api.helpers import count_items

HOME = "demo-taishan-factory"  # under 泰山区 (taishan); daiyue is the sibling county


@pytest.fixture
def ctx(fresh):
    return Context(fresh.client, fresh.token)


def _json(response: Any) -> Any:
    return json.loads(response.body) if response.body else None


def _family(ctx: Context, hospital: str) -> dict[str, Any]:
    response = ctx.call("POST", f"/staff/frontline/units/{hospital}/personnel",
                        person_body(id_number=fresh_id_number(), phone="13912345678"), ctx.admin)
    assert response.status_code == 201, response.body
    return dict(_json(response))


def _assign(ctx: Context, family: dict[str, Any], username: str) -> None:
    response = ctx.call("POST", f"/staff/frontline/families/{family['id']}/contact",
                        {"username": username, "version": family["version"]}, ctx.admin)
    assert response.status_code == 200, response.body


# --- tap to call ----------------------------------------------------------------------------------------

def test_the_full_number_goes_to_the_familys_contact_only_and_each_view_is_audited(ctx):
    mine = ctx.token("cp.mine", "taishan", ["contact_person"])
    other = ctx.token("cp.other", "taishan", ["contact_person"])
    stranger = ctx.token("cp.daiyue", "daiyue", ["contact_person"])
    admin = ctx.token("t.admin", "taishan", ["unit_admin"])
    hospital = hospital_under(ctx, HOME)
    family = _family(ctx, hospital)
    registered_contact(ctx, hospital, HOME, "cp.mine")
    _assign(ctx, family, "cp.mine")
    path = f"/staff/frontline/families/{family['id']}/phone"

    answer = ctx.call("POST", path, None, mine)
    assert answer.status_code == 200 and _json(answer) == {"phone": "13912345678"}
    [view] = audit.views("taishan")
    assert view["actor"] == "staff:cp.mine" and view["route"] == "POST /staff/frontline/families/{person_id}/phone"
    assert view["target"] == f"person_id={family['id']}"

    refused = ctx.call("POST", path, None, other)  # in scope, but not this family's contact
    assert refused.status_code == 403
    assert "只有这个家庭的一对一联系人" in _json(refused)["detail"]
    assert "13912345678" not in refused.body.decode()
    assert ctx.call("POST", path, None, stranger).status_code == 404  # a sibling county: as if missing
    assert ctx.call("POST", path, None, admin).status_code == 403  # not a contact person at all
    assert len(audit.views("taishan")) == 1


def test_the_my_families_card_masks_the_number_the_phone_route_reveals(ctx):
    mine = ctx.token("cp.mine", "taishan", ["contact_person"])
    hospital = hospital_under(ctx, HOME)
    family = _family(ctx, hospital)
    registered_contact(ctx, hospital, HOME, "cp.mine")
    _assign(ctx, family, "cp.mine")
    [card] = _json(ctx.call("GET", "/staff/frontline/my-families", None, mine))["items"]
    assert card["phone"] == "139****5678"


# --- contact persons need a contact person's staff account -----------------------------------------------

def test_a_contact_login_without_a_contact_persons_account_is_refused(ctx, fresh):
    hospital = hospital_under(ctx, HOME)
    contact_account("cp.elsewhere", "daiyue")  # a contact person who cannot see this hospital
    ctx.token("t.case", "taishan", ["caseworker"])  # an account, but not a contact person
    contact_account("cp.good", hospital)
    before = count_items(fresh.table)
    for username in ("hospital.contakt605", "t.case", "cp.elsewhere"):
        refused = ctx.call("POST", f"/staff/frontline/units/{hospital}/contacts",
                           {"username": username, "name": "联系人", "kind": "activist"}, ctx.admin)
        assert refused.status_code == 400, username
        [error] = _json(refused)["errors"]
        assert error["field"] == "username" and "一对一联系人账号" in error["message"]
    assert count_items(fresh.table) == before
    ok = ctx.call("POST", f"/staff/frontline/units/{hospital}/contacts",
                  {"username": "cp.good", "name": "联系人", "kind": "activist"}, ctx.admin)
    assert ok.status_code == 201, ok.body


def test_a_contact_whose_account_was_disabled_is_not_assigned(ctx):
    from tests.staff_accounts import put_staff_record

    hospital = hospital_under(ctx, HOME)
    family = _family(ctx, hospital)
    registered_contact(ctx, hospital, HOME, "cp.leaving")
    put_staff_record("cp.leaving", HOME, ["contact_person"], status="disabled")
    refused = ctx.call("POST", f"/staff/frontline/families/{family['id']}/contact",
                       {"username": "cp.leaving", "version": family["version"]}, ctx.admin)
    assert refused.status_code == 400 and _json(refused)["errors"][0]["field"] == "username"


# --- many families at once -------------------------------------------------------------------------------

def _rollup(ctx: Context, hospital: str) -> dict[str, Any]:
    return dict(_json(ctx.call("GET", f"/staff/frontline/units/{hospital}/rollup", None, ctx.admin))["items"][0])


def _contacts(ctx: Context, hospital: str) -> dict[str, int]:
    listed = _json(ctx.call("GET", f"/staff/frontline/units/{hospital}/contacts", None, ctx.admin))["items"]
    return {c["username"]: c["families"] for c in listed}


def test_many_families_get_one_contact_at_once_and_a_repeat_changes_nothing(ctx):
    caseworker = ctx.token("t.case", "taishan", ["caseworker"])
    mine = ctx.token(MATRIX_CONTACT, "taishan", ["contact_person"])
    hospital = hospital_under(ctx, HOME)
    families = [_family(ctx, hospital) for _ in range(4)]
    registered_contact(ctx, hospital, HOME)
    registered_contact(ctx, hospital, HOME, "cp.before")
    _assign(ctx, families[0], "cp.before")
    _assign(ctx, families[1], MATRIX_CONTACT)
    body = {"contact": MATRIX_CONTACT, "person_ids": [f["id"] for f in families]}
    key = str(uuid.uuid4())
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {caseworker}", "Idempotency-Key": key}
    path = f"/staff/frontline/units/{hospital}/contact-assignments"
    answer = ctx.client.http.post(path, headers=headers, body=json.dumps(body).encode())
    assert answer.status_code == 200 and _json(answer) == {"assigned": 3}
    again = ctx.client.http.post(path, headers=headers, body=json.dumps(body).encode())
    assert again.status_code == 200 and _json(again) == {"assigned": 3}
    mine_now = _json(ctx.call("GET", "/staff/frontline/my-families", None, mine))["items"]
    assert sorted(f["id"] for f in mine_now) == sorted(f["id"] for f in families)
    assert _contacts(ctx, hospital) == {MATRIX_CONTACT: 4, "cp.before": 0}
    counts = _rollup(ctx, hospital)
    assert counts["covered"] == 4 and counts["uncovered"] == 0
    history = _json(ctx.call("GET", f"/staff/frontline/families/{families[0]['id']}/contact-history", None,
                             ctx.admin))["items"]
    assert [h["username"] for h in history] == ["cp.before", MATRIX_CONTACT]


def test_a_bulk_assignment_with_one_wrong_family_changes_none(ctx, fresh):
    hospital = hospital_under(ctx, HOME)
    second_hospital = hospital_under(ctx, HOME)
    sibling_hospital = hospital_under(ctx, "daiyue")
    ours = [_family(ctx, hospital) for _ in range(2)]
    theirs = _family(ctx, second_hospital)
    sibling = _family(ctx, sibling_hospital)
    registered_contact(ctx, hospital, HOME)
    caseworker = ctx.token("t.case", "taishan", ["caseworker"])
    path = f"/staff/frontline/units/{hospital}/contact-assignments"
    before = count_items(fresh.table)
    refused = ctx.call("POST", path, {"contact": MATRIX_CONTACT,
                                      "person_ids": [ours[0]["id"], theirs["id"], ours[1]["id"]]}, caseworker)
    assert refused.status_code == 400
    assert [e["field"] for e in _json(refused)["errors"]] == ["person_ids.1"]
    missing = ctx.call("POST", path, {"contact": MATRIX_CONTACT, "person_ids": [ours[0]["id"], sibling["id"]]},
                       caseworker)
    assert missing.status_code == 404  # a sibling county's family: as if it did not exist
    unknown = ctx.call("POST", path, {"contact": "nobody.here", "person_ids": [ours[0]["id"]]}, caseworker)
    assert unknown.status_code == 400 and _json(unknown)["errors"][0]["field"] == "contact"
    too_many = ctx.call("POST", path, {"contact": MATRIX_CONTACT, "person_ids": [ours[0]["id"]] * 101}, caseworker)
    assert too_many.status_code == 400 and _json(too_many)["errors"][0]["field"] == "person_ids"
    assert count_items(fresh.table) - before <= 4  # the idempotency records of the refused calls, nothing else
    assert _rollup(ctx, hospital)["covered"] == 0


def test_a_bulk_assignment_that_fails_part_way_is_undone(ctx, monkeypatch):
    from chalicelib.core import db, errors
    from chalicelib.frontline import service

    hospital = hospital_under(ctx, HOME)
    families = [_family(ctx, hospital) for _ in range(3)]
    registered_contact(ctx, hospital, HOME)
    registered_contact(ctx, hospital, HOME, "cp.before")
    _assign(ctx, families[2], "cp.before")
    monkeypatch.setattr(service, "BULK_CHUNK", 1)
    original, calls = db.transact, {"n": 0}

    def second_fails(ops):
        calls["n"] += 1
        if calls["n"] == 3:  # the third household: someone changed it meanwhile
            raise errors.version_conflict()
        return original(ops)

    monkeypatch.setattr(db, "transact", second_fails)
    refused = ctx.call("POST", f"/staff/frontline/units/{hospital}/contact-assignments",
                       {"contact": MATRIX_CONTACT, "person_ids": [f["id"] for f in families]}, ctx.admin)
    assert refused.status_code == 409
    monkeypatch.setattr(db, "transact", original)
    for family in families[:2]:
        detail = _json(ctx.call("GET", f"/staff/frontline/families/{family['id']}", None, ctx.admin))
        assert detail.get("contact_person") is None and detail["version"] == family["version"] + 2
        assert _json(ctx.call("GET", f"/staff/frontline/families/{family['id']}/contact-history", None,
                              ctx.admin))["items"] == []
    assert _contacts(ctx, hospital) == {MATRIX_CONTACT: 0, "cp.before": 1}
    counts = _rollup(ctx, hospital)
    assert counts["covered"] == 1 and counts["uncovered"] == 2
    uncovered = _json(ctx.call("GET", f"/staff/frontline/units/{hospital}/uncovered", None, ctx.admin))["items"]
    assert sorted(f["id"] for f in uncovered) == sorted(f["id"] for f in families[:2])


def test_the_families_without_a_contact_are_read_in_a_batch_not_one_by_one(ctx):
    """A hospital with 12 households and no contact person: its list of families without one reads
    them with one BatchGetItem, not a GetItem each."""
    from tools.bench.measure import counting_dynamodb_calls

    hospital = hospital_under(ctx, HOME)
    families = [_family(ctx, hospital) for _ in range(12)]
    with counting_dynamodb_calls() as calls:
        answer = ctx.call("GET", f"/staff/frontline/units/{hospital}/uncovered", None, ctx.admin)
    assert answer.status_code == 200
    assert sorted(f["id"] for f in _json(answer)["items"]) == sorted(f["id"] for f in families)
    assert calls["BatchGetItem"] == 1 and calls["GetItem"] < 12, calls


# --- my families in one request --------------------------------------------------------------------------

def test_my_families_carries_members_latest_logs_and_packages_in_one_request(ctx):
    from tests.api.test_delivery_roster import fund_city, package_for

    mine = ctx.token(MATRIX_CONTACT, "taishan", ["contact_person"])
    fund_city()
    family = signed_up_family(ctx, HOME)
    package = package_for(ctx, family)
    member = ctx.call("POST", f"/staff/frontline/families/{family}/members", {
        "name": "李奶奶", "relation": "母亲", "age": 78, "needs": "独居，需要买菜",
        "address": "泰山区某某路 1 号"}, mine)
    assert member.status_code == 201, member.body
    for n in range(7):
        logged = ctx.call("POST", f"/staff/frontline/families/{family}/logs", {"kind": "phone", "notes": f"第{n}次"},
                          mine)
        assert logged.status_code == 201
    answer = _json(ctx.call("GET", "/staff/frontline/my-families", None, mine))
    [card] = answer["items"]
    assert card["id"] == family and card["unit_name"] == "测试医院工会"
    assert [(m["name"], m["relation"]) for m in card["members"]] == [("李奶奶", "母亲")]
    assert [entry["notes"] for entry in card["logs"]] == ["第6次"]  # the latest; the logs route has them all
    assert [p["id"] for p in card["packages"]] == [package]
    assert card["packages"][0]["status_label"] and card["packages"][0]["address"] == "泰山区某某路 8 号"
    assert answer["campaign"]["id"] == CAMPAIGN


def test_my_families_reads_a_fixed_number_of_times_whatever_the_number_of_families(ctx):
    """Pointers and campaigns are a Query each; households, their members and latest logs, the
    packages and the names of who wrote the logs are batched reads: the same number of calls for 1
    family as for 100."""
    from tools.bench.measure import counting_dynamodb_calls

    mine = ctx.token(MATRIX_CONTACT, "taishan", ["contact_person"])
    hospital = hospital_under(ctx, HOME)
    families = [_family(ctx, hospital) for _ in range(8)]
    for family in families[:3]:
        for path, body in (("members", {"name": "李奶奶", "relation": "母亲", "age": 78, "needs": "独居",
                                        "address": "泰山区某某路 1 号"}), ("logs", {"kind": "visit", "notes": "上门"})):
            assert ctx.call("POST", f"/staff/frontline/families/{family['id']}/{path}", body,
                            ctx.admin).status_code == 201
    registered_contact(ctx, hospital, HOME)
    assigned = ctx.call("POST", f"/staff/frontline/units/{hospital}/contact-assignments",
                        {"contact": MATRIX_CONTACT, "person_ids": [f["id"] for f in families]}, ctx.admin)
    assert assigned.status_code == 200, assigned.body
    with counting_dynamodb_calls() as calls:
        answer = ctx.call("GET", "/staff/frontline/my-families", None, mine)
    assert answer.status_code == 200 and len(_json(answer)["items"]) == 8
    cards = {c["id"]: c for c in _json(answer)["items"]}
    assert [len(cards[f["id"]]["members"]) for f in families] == [1, 1, 1, 0, 0, 0, 0, 0]
    assert [len(cards[f["id"]]["logs"]) for f in families] == [1, 1, 1, 0, 0, 0, 0, 0]
    assert calls["BatchGetItem"] <= 3 and calls["Query"] <= 2 and calls["GetItem"] <= 4, calls
    # A household written before households listed their members and latest log is read by a Query.
    from chalicelib.core import db
    from chalicelib.frontline import store

    db.table().update_item(Key=db.key(*store.person_key(families[0]["id"])),
                           UpdateExpression="REMOVE member_ids, log_count, last_log")
    older = {c["id"]: c for c in _json(ctx.call("GET", "/staff/frontline/my-families", None, mine))["items"]}
    assert older[families[0]["id"]]["members"] == cards[families[0]["id"]]["members"]
    assert older[families[0]["id"]]["logs"] == cards[families[0]["id"]]["logs"]
