"""Weekly food packages: public sign-up by household code + phone, pause and resume, roster
generation charged to the city fund once per package, supplier list, confirmation."""

from __future__ import annotations

import base64
import json
from typing import Any

from chalicelib.core import times
from tests.api.access_cases import Context
from tests.api.access_cases.delivery import CAMPAIGN, ensure_campaign
from tests.api.access_cases.frontline import new_family
from tests.api.helpers import new_key, post_json
from tests.conftest import scans_allowed


def fund_city(amount_fen: int = 100_000_000) -> None:
    """Give the city federation's special fund a balance for this year (through the fund service)."""
    from chalicelib.core.auth import Principal
    from chalicelib.fund import service as fund
    from chalicelib.fund import store as fund_store
    from chalicelib.fund.models import BudgetIn

    year = times.today().year
    current = fund_store.get_account("city", year, consistent=True)
    admin = Principal(kind="staff", id="root.admin", unit_id="city", unit_path="/city/",
                      roles=frozenset({"city_admin"}))
    fund.set_budget("city", BudgetIn(year=year, annual_budget_fen=amount_fen, special_fund_fen=amount_fen,
                                     version=current["version"] if current else None), admin)


MAX_PRESSES = 50  # a test's few families fit in one press; more means generation stopped making progress


def package_for(ctx: Any, family: str) -> str:
    from chalicelib.delivery import service

    week = service.week_of(service.campaign(CAMPAIGN), times.today())
    for _ in range(MAX_PRESSES):  # as the workbench button: press again until the week is done
        response = ctx.call("POST", f"/staff/delivery/campaigns/{CAMPAIGN}/rosters", {"week": week}, ctx.admin)
        assert response.status_code == 200, response.body
        if json.loads(response.body)["done"]:
            return f"{CAMPAIGN}.{week}.{family}"
    raise AssertionError(f"the week's roster was not done after {MAX_PRESSES} presses")


def _signup(client: Any, reference: str, phone: str = "13900139000", **extra: Any) -> Any:
    body = {"reference": reference, "phone": phone, "address": "泰山区某某路 8 号", "window": "afternoon",
            "dietary_notes": "老人低盐", "consent": True, "consent_version": "2020-02-v1", **extra}
    return post_json(client, "/delivery/signups", body, new_key())


def test_family_signs_up_roster_charges_fund_once_and_contact_confirms(client, staff_token, seeded):
    from chalicelib.delivery import service
    from chalicelib.fund import store as fund_store

    ctx = Context(client, staff_token)
    ensure_campaign(ctx)
    fund_city(1_000_000)
    _, family, _ = new_family(ctx, "taishan")
    assert _signup(client, family, phone="13900139009").status_code == 404  # wrong phone: as if missing
    created = _signup(client, family)
    assert created.status_code == 201, created.body
    assert json.loads(created.body)["status"] == "active"
    week = service.week_of(service.campaign(CAMPAIGN), times.today())
    first = ctx.call("POST", f"/staff/delivery/campaigns/{CAMPAIGN}/rosters", {"week": week}, ctx.admin)
    again = ctx.call("POST", f"/staff/delivery/campaigns/{CAMPAIGN}/rosters", {"week": week}, ctx.admin)
    assert json.loads(first.body)["created"] == 1 and json.loads(again.body)["created"] == 0
    assert json.loads(again.body)["existing"] == 1
    account = fund_store.get_account("city", times.today().year, consistent=True)
    assert account["spent_fen"] == 7800  # the Taishan supplier's price, under the 8000 cap, charged once
    roster = ctx.call("GET", f"/staff/delivery/units/taishan/roster?campaign_id={CAMPAIGN}&week={week}", None,
                      ctx.admin)
    items = json.loads(roster.body)["items"]
    assert [i["family_id"] for i in items] == [family] and items[0]["phone"] == "139****9000"
    export = ctx.call("GET", f"/staff/delivery/units/taishan/supplier-list?campaign_id={CAMPAIGN}&week={week}",
                      None, ctx.admin)
    assert base64.b64decode(json.loads(export.body)["content_base64"])[:2] == b"PK"
    contact = staff_token("contact_person.home", "taishan", ["contact_person"])
    stranger = staff_token("contact_person.other", "taishan", ["contact_person"])
    package = f"{CAMPAIGN}.{week}.{family}"
    assert ctx.call("POST", f"/staff/delivery/packages/{package}/confirmation", {"outcome": "delivered"},
                    stranger).status_code == 404
    done = ctx.call("POST", f"/staff/delivery/packages/{package}/confirmation", {"outcome": "delivered"}, contact)
    assert done.status_code == 200 and json.loads(done.body)["status_label"] == "已送达"
    status = post_json(client, "/status/lookup", {"reference": family, "phone": "13900139000"})
    assert json.loads(status.body)["message"] == f"第 {week} 周的爱心蔬菜：已送达"


def test_paused_families_are_left_out_and_resumed_ones_come_back(client, staff_token, seeded):
    from chalicelib.delivery import service

    ctx = Context(client, staff_token)
    ensure_campaign(ctx)
    fund_city()
    _, family, _ = new_family(ctx, "taishan")
    assert _signup(client, family).status_code == 201
    paused = post_json(client, "/delivery/signups/pause", {"reference": family, "phone": "13900139000",
                                                           "action": "pause"}, new_key())
    assert json.loads(paused.body)["status"] == "paused"
    week = service.week_of(service.campaign(CAMPAIGN), times.today())
    result = service.generate(CAMPAIGN, week, "test")
    assert result.total == 0
    post_json(client, "/delivery/signups/pause", {"reference": family, "phone": "13900139000", "action": "resume"},
              new_key())
    assert service.generate(CAMPAIGN, week, "test").created == 1


def test_a_family_is_offered_the_action_its_state_allows_and_the_other_is_refused(client, staff_token, seeded):
    ctx = Context(client, staff_token)
    ensure_campaign(ctx)
    _, family, _ = new_family(ctx, "taishan")

    def state() -> Any:
        answer = ctx.call("GET", f"/staff/delivery/families/{family}/signup", None, ctx.admin)
        assert answer.status_code == 200, answer.body
        return json.loads(answer.body)

    def act(action: str):
        return ctx.call("POST", f"/staff/delivery/families/{family}/pause", {"action": action}, ctx.admin)

    before = state()
    assert before["campaign_id"] == CAMPAIGN and before.get("signup") is None and before["actions"] == []
    assert act("pause").status_code == 404  # nothing to pause before the sign-up
    assert _signup(client, family).status_code == 201
    assert state()["actions"] == ["pause"] and state()["signup"]["status"] == "active"
    refused = act("resume")
    assert refused.status_code == 409, refused.body
    problem = json.loads(refused.body)
    assert problem["type"] == "/problems/invalid-transition"
    assert problem["detail"] == "这户家庭的爱心蔬菜正在配送，无需恢复。"
    assert act("pause").status_code == 200
    assert state()["actions"] == ["resume"] and state()["signup"]["status_label"] == "已暂停"
    again = post_json(client, "/delivery/signups/pause", {"reference": family, "phone": "13900139000",
                                                          "action": "pause"}, new_key())
    assert again.status_code == 409 and "已经暂停" in json.loads(again.body)["detail"]
    assert act("resume").status_code == 200 and state()["actions"] == ["pause"]


def test_campaign_refuses_a_price_over_the_cap_and_stale_versions(client, staff_token, seeded):
    from tests.api.access_cases.delivery import campaign_body

    ctx = Context(client, staff_token)
    over = ctx.call("POST", "/staff/delivery/campaigns/c2", campaign_body(price_fen=9000), ctx.admin)
    assert over.status_code == 400
    assert ctx.call("POST", "/staff/delivery/campaigns/c2", campaign_body(), ctx.admin).status_code == 200
    assert ctx.call("POST", "/staff/delivery/campaigns/c2", campaign_body(end_date="2020-05-01"),
                    ctx.admin).status_code == 409
    ended = ctx.call("POST", "/staff/delivery/campaigns/c2", campaign_body(end_date="2020-05-01", version=1), ctx.admin)
    assert ended.status_code == 200 and json.loads(ended.body).get("current_week") is None


def test_every_frontline_and_delivery_record_with_personal_data_has_a_retention_rule(client, staff_token, seeded):
    """Erasing a household removes its name, phone and ID, and the look-up items that find it."""
    from chalicelib.core import db, retention
    from chalicelib.frontline import store as frontline_store
    from chalicelib.privacy import rules  # noqa: F401 - registers the rules
    from tests.conftest import scans_allowed

    ctx = Context(client, staff_token)
    ensure_campaign(ctx)
    fund_city(1_000_000)
    _, family, _ = new_family(ctx, "taishan")
    assert _signup(client, family).status_code == 201
    package_for(ctx, family)
    personal_keys = {"phone", "name", "address", "id_hash", "id_masked", "phone_hash", "dietary_notes", "needs"}
    with scans_allowed():
        items = db.table().scan()["Items"]
    # a campaign's "name" is the campaign's, not a person's
    types = {i.get("type") for i in items if personal_keys & set(i)} - {"unit", "staff", "audit", "delivery_campaign"}
    assert {"frontline_person", "delivery_signup", "delivery_package"} <= types
    assert types <= set(retention.RULES), types - set(retention.RULES)
    person = frontline_store.get_person(family, consistent=True)
    assert person is not None
    ops = retention.erase_ops(retention.graph(person), "test")
    assert (f"FRONTLINEID#{person['id_hash']}", person["unit_id"]) in [
        (op.params["Key"]["PK"], op.params["Key"]["SK"]) for op in ops if op.kind == "Delete"]


def test_batches_charge_each_package_once_and_a_refused_batch_is_written_one_by_one(client, staff_token, seeded,
                                                                                    monkeypatch):
    """Packages go several to a transaction; when another run already wrote one of a batch's packages
    the batch is refused as a whole and its packages are written one by one: the others still get
    their package and charge, the one already there is neither written nor charged again."""
    from chalicelib.core.db import table
    from chalicelib.delivery import service, store
    from chalicelib.fund import store as fund_store

    ctx = Context(client, staff_token)
    ensure_campaign(ctx)
    fund_city(1_000_000)
    families = [new_family(ctx, "taishan")[1] for _ in range(5)]
    for n, family in enumerate(families):
        assert _signup(client, family).status_code == 201, n
    week = service.week_of(service.campaign(CAMPAIGN), times.today())
    signups = {s["family_id"]: s for s in store.active_signups(CAMPAIGN)}
    # Another run got to the third family first, between this run's read of the roster and its write.
    with monkeypatch.context() as other_run:
        other_run.setattr(store, "active_signups", lambda campaign_id: [signups[families[2]]])
        assert service.generate(CAMPAIGN, week, "other-run").created == 1
    monkeypatch.setattr(store, "served_in_unit", lambda *a: [])
    monkeypatch.setattr(store, "unit_roster", lambda *a: [])
    result = service.generate(CAMPAIGN, week, "test")
    monkeypatch.undo()
    assert (result.created, result.existing, result.total) == (4, 1, 5)
    account = fund_store.get_account("city", times.today().year, consistent=True)
    assert account["spent_fen"] == 5 * 7800
    with scans_allowed():  # the test reads the whole table to see every package and entry
        items = table().scan()["Items"]
    entries = [i for i in items if i.get("type") == "fund_entry" and i.get("beneficiary") in families]
    assert sorted(str(e["beneficiary"]) for e in entries) == sorted(families)
    packages = [i for i in items if i.get("type") == "delivery_package" and i["family_id"] in families]
    assert sorted(str(p["family_id"]) for p in packages) == sorted(families)


def test_a_batch_the_fund_cannot_cover_charges_what_it_can_and_says_so(client, staff_token, seeded):
    """All or none per batch, then one by one: with money for 2 of 3 packages, 2 are written and
    charged and generation answers 409 fund-insufficient for the third."""
    from chalicelib.core import errors
    from chalicelib.delivery import service
    from chalicelib.fund import store as fund_store

    ctx = Context(client, staff_token)
    ensure_campaign(ctx)
    fund_city(2 * 7800 + 100)
    families = [new_family(ctx, "taishan")[1] for _ in range(3)]
    for n, family in enumerate(families):
        assert _signup(client, family).status_code == 201, n
    week = service.week_of(service.campaign(CAMPAIGN), times.today())
    try:
        service.generate(CAMPAIGN, week, "test")
        raise AssertionError("expected a refusal for the package the fund cannot cover")
    except errors.ProblemError as exc:
        assert exc.code == "/problems/fund-insufficient"
    account = fund_store.get_account("city", times.today().year, consistent=True)
    assert account["spent_fen"] == 2 * 7800 and account["balance_fen"] == 100


def test_a_new_campaign_gets_an_id_the_system_makes_and_is_edited_under_it(client, staff_token, seeded):
    from tests.api.access_cases.delivery import campaign_body

    ctx = Context(client, staff_token)
    body = campaign_body(name="春节慰问爱心蔬菜", start_date="2020-03-01", end_date="2020-03-31")
    created = ctx.call("POST", "/staff/delivery/campaigns", body, ctx.admin)
    assert created.status_code == 201, created.body
    campaign = json.loads(created.body)
    assert campaign["name"] == "春节慰问爱心蔬菜" and campaign["version"] == 1
    again = ctx.call("POST", "/staff/delivery/campaigns", body, ctx.admin)
    assert json.loads(again.body)["id"] != campaign["id"]  # a second campaign, its own id
    edited = ctx.call("POST", f"/staff/delivery/campaigns/{campaign['id']}", {**body, "version": 1}, ctx.admin)
    assert edited.status_code == 200 and json.loads(edited.body)["version"] == 2
    assert ctx.call("POST", "/staff/delivery/campaigns", {**body, "version": 1}, ctx.admin).status_code == 400
