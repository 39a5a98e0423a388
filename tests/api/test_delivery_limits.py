"""The notice's two limits on food packages (part 3.3), held in the database across campaigns: at most
80 yuan a package, and one package per family per week whichever campaign it comes from."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from chalicelib.core import times
from tests.api.access_cases import Context
from tests.api.access_cases.delivery import CAMPAIGN, campaign_body, ensure_campaign
from tests.api.access_cases.frontline import new_family
from tests.api.test_delivery_roster import fund_city
from tests.conftest import scans_allowed

SECOND = "2020-second"  # sorts after CAMPAIGN on the same start date, so sign-ups go to it once it exists


def _items(kind: str) -> list[dict[str, Any]]:
    from chalicelib.core import db

    with scans_allowed():  # the test reads the whole table to see every package and charge
        return [dict(i) for i in db.table().scan()["Items"] if i.get("type") == kind]


def _signup(ctx: Context, family: str) -> None:
    response = ctx.call("POST", f"/staff/delivery/families/{family}/signup",
                        {"address": "泰山区某某路 8 号", "window": "morning"}, ctx.admin)
    assert response.status_code == 201, response.body


def _generate(ctx: Context, campaign: str, week: int) -> dict[str, Any]:
    response = ctx.call("POST", f"/staff/delivery/campaigns/{campaign}/rosters", {"week": week}, ctx.admin)
    assert response.status_code == 200, response.body
    body: dict[str, Any] = json.loads(response.body)
    assert body["done"]
    return body


def _week() -> int:
    """This week of the campaign starting on the anchor day (sign-ups start from the current week)."""
    from chalicelib.delivery import service

    week = service.week_of(service.campaign(CAMPAIGN), times.today())
    assert week
    return week


def _spent() -> int:
    from chalicelib.fund import store as fund_store

    account = fund_store.get_account("city", times.today().year, consistent=True)
    return int(account["spent_fen"])


def test_a_cap_above_80_yuan_is_refused_naming_each_field(client, staff_token, seeded):
    ctx = Context(client, staff_token)
    body = campaign_body(cap_fen=10_000, price_fen=9_000,
                         suppliers=[{"county_unit_id": "taishan", "name": "泰山爱心蔬菜合作社", "price_fen": 8_100}])
    response = ctx.call("POST", "/staff/delivery/campaigns/c-over", body, ctx.admin)
    assert response.status_code == 400, response.body
    problems = {e["field"]: e["message"] for e in json.loads(response.body)["errors"]}
    assert set(problems) == {"cap_fen", "price_fen", "suppliers.0.price_fen"}
    assert all("80" in message for message in problems.values()), problems
    listed = json.loads(ctx.call("GET", "/staff/delivery/campaigns", None, ctx.admin).body)["items"]
    assert "c-over" not in [c["id"] for c in listed]
    exactly = ctx.call("POST", "/staff/delivery/campaigns/c-ceiling", campaign_body(cap_fen=8000, price_fen=8000),
                       ctx.admin)
    assert exactly.status_code == 200, exactly.body


def test_a_stored_campaign_above_the_ceiling_writes_no_package_and_no_charge(client, staff_token, seeded):
    """A campaign saved before the rule (cap 100 yuan) is refused by generation; and the package's
    reservation refuses an amount above the stored cap or a cap above the ceiling, whatever the code
    computed (the campaign is checked in the transaction that reserves the roster's money)."""
    from chalicelib.core import audit, db, errors
    from chalicelib.delivery import service, store

    ctx = Context(client, staff_token)
    ensure_campaign(ctx)
    fund_city()
    _, family, _ = new_family(ctx, "taishan")
    _signup(ctx, family)
    camp = service.campaign(CAMPAIGN)
    signup = store.get_signup(CAMPAIGN, family)
    for cap, amount in ((8000, 8500), (10_000, 7800)):
        db.table().put_item(Item=store.campaign_item({**camp, "cap_fen": cap}))
        try:
            service._reserve(service.campaign(CAMPAIGN), 1, [(signup, amount, "供应商")], "test", audit.now_iso(),
                             None)
            raise AssertionError(f"a package of {amount} under a cap of {cap} was written")
        except errors.ProblemError as exc:
            assert exc.code == "/problems/over-cap"
    db.table().put_item(Item=store.campaign_item({**camp, "cap_fen": 10_000, "price_fen": 9000, "suppliers": []}))
    response = ctx.call("POST", f"/staff/delivery/campaigns/{CAMPAIGN}/rosters", {"week": _week()}, ctx.admin)
    assert response.status_code == 409 and json.loads(response.body)["type"].endswith("/over-cap")
    assert _items("delivery_package") == [] and [e for e in _items("fund_entry") if e["kind"] == "spend"] == []
    assert _spent() == 0


def test_two_campaigns_on_the_same_dates_give_a_family_one_package_and_one_charge(client, staff_token, seeded):
    ctx = Context(client, staff_token)
    ensure_campaign(ctx)
    fund_city()
    _, family, _ = new_family(ctx, "taishan")
    _signup(ctx, family)  # to the one campaign open
    second = ctx.call("POST", f"/staff/delivery/campaigns/{SECOND}", campaign_body(name="第二个活动"), ctx.admin)
    assert second.status_code == 200, second.body
    _signup(ctx, family)  # now to the second one too
    week = _week()
    first = _generate(ctx, CAMPAIGN, week)
    again = _generate(ctx, SECOND, week)
    assert [p["campaign_id"] for p in _items("delivery_package")] == [CAMPAIGN]
    assert _spent() == 7800  # one charge, not 15,600
    assert (first["created"], first["skipped"]) == (1, 0)
    assert (again["created"], again["existing"], again["skipped"]) == (0, 0, 1)
    assert again["skipped_families"] == [family] and again["amount_fen"] == 0
    assert again["served_week"] == first["served_week"] == (date(2020, 2, 18) + timedelta(weeks=week - 1)).isoformat()
    assert _generate(ctx, SECOND, week + 1)["created"] == 1  # the next week is another week


def test_of_two_open_campaigns_starting_the_same_day_sign_ups_join_the_one_set_up_last(client, staff_token, seeded):
    """Campaign ids are random, so the order of ids says nothing: "zz" set up first, "aa" last."""
    ctx = Context(client, staff_token)
    for campaign in ("2020-zz-first", "2020-aa-last"):
        response = ctx.call("POST", f"/staff/delivery/campaigns/{campaign}", campaign_body(name=campaign), ctx.admin)
        assert response.status_code == 200, response.body
    _, family, _ = new_family(ctx, "taishan")
    response = ctx.call("POST", f"/staff/delivery/families/{family}/signup",
                        {"address": "泰山区某某路 8 号", "window": "morning"}, ctx.admin)
    assert response.status_code == 201 and json.loads(response.body)["campaign_id"] == "2020-aa-last", response.body
    edited = ctx.call("POST", "/staff/delivery/campaigns/2020-zz-first",
                      campaign_body(name="改过名字", version=1), ctx.admin)
    assert edited.status_code == 200, edited.body  # an edit is not a new set-up
    listed = json.loads(ctx.call("GET", "/staff/delivery/campaigns", None, ctx.admin).body)["items"]
    assert [c["id"] for c in listed][:2] == ["2020-aa-last", "2020-zz-first"]


def test_weeks_are_the_citys_whatever_a_campaigns_start_date(client, staff_token, seeded):
    """A campaign starting two days later maps its week 1 onto the same city week as a campaign
    starting on the anchor day: the family gets the first campaign's package only."""
    ctx = Context(client, staff_token)
    ensure_campaign(ctx)
    fund_city()
    _, family, _ = new_family(ctx, "taishan")
    _signup(ctx, family)
    later = ctx.call("POST", f"/staff/delivery/campaigns/{SECOND}", campaign_body(start_date="2020-02-20"), ctx.admin)
    assert later.status_code == 200, later.body
    _signup(ctx, family)
    week = _week()  # the second campaign's week of the same number begins two days later, in the same city week
    assert _generate(ctx, SECOND, week)["created"] == 1
    result = _generate(ctx, CAMPAIGN, week)
    assert _spent() == 7800 and len(_items("delivery_package")) == 1
    assert (result["created"], result["skipped_families"]) == (0, [family])
    assert _generate(ctx, CAMPAIGN, week + 1)["created"] == 1  # the next city week
    assert _spent() == 2 * 7800


@given(st.dates(date(2019, 1, 1), date(2030, 12, 31)), st.integers(1, 300))
def test_each_campaign_week_falls_in_one_city_week_and_the_next_in_the_next(start, week):
    from chalicelib.delivery import service

    camp = {"start_date": start.isoformat()}
    served = date.fromisoformat(service.served_week(camp, week))
    first_day = service.week_start(camp, week)
    assert served <= first_day < served + timedelta(days=7)
    assert (served - service.week_anchor()).days % 7 == 0
    assert date.fromisoformat(service.served_week(camp, week + 1)) == served + timedelta(days=7)


def test_a_family_already_served_does_not_make_a_batch_fail(client, staff_token, seeded, monkeypatch):
    """Families another campaign served this week are left out before the batch is written, so no
    transaction is refused for them; if one slips in (served between the read and the write), the
    batch is refused once and written one by one, and the family is skipped, not charged."""
    from chalicelib.core import db, errors
    from chalicelib.delivery import service, store

    ctx = Context(client, staff_token)
    ensure_campaign(ctx)
    fund_city()
    families = [new_family(ctx, "taishan")[1] for _ in range(5)]
    for family in families:
        _signup(ctx, family)
    assert ctx.call("POST", f"/staff/delivery/campaigns/{SECOND}", campaign_body(), ctx.admin).status_code == 200
    for family in families:
        _signup(ctx, family)
    # The first campaign serves two of the five this week (its own sign-ups of the others paused).
    for family in families[2:]:
        db.table().update_item(Key=dict(zip(("PK", "SK"), store.signup_key(CAMPAIGN, family), strict=True)),
                               UpdateExpression="SET #s = :p", ExpressionAttributeNames={"#s": "status"},
                               ExpressionAttributeValues={":p": "paused"})
    week = _week()
    assert _generate(ctx, CAMPAIGN, week)["created"] == 2
    refused: list[str] = []
    real = db.transact

    def counting(ops: list[db.Op]) -> dict[str, Any]:
        try:
            return real(ops)
        except errors.ProblemError as exc:
            refused.append(exc.code)
            raise

    monkeypatch.setattr(db, "transact", counting)
    result = _generate(ctx, SECOND, week)
    assert _spent() == 5 * 7800 and refused == []
    assert (result["created"], result["skipped"]) == (3, 2)
    assert sorted(result["skipped_families"]) == sorted(families[:2])
    # Served between the read and the write: the pre-check sees nothing this time.
    third = "2020-third"
    assert ctx.call("POST", f"/staff/delivery/campaigns/{third}", campaign_body(), ctx.admin).status_code == 200
    for family in families:
        _signup(ctx, family)
    monkeypatch.setattr(store, "served_in_unit", lambda *a: [])
    outcome = service.generate(third, week, "test")
    assert (outcome.created, outcome.skipped) == (0, 5)
    assert refused == ["/problems/served-this-week"] * 6  # the batch once, then each package once
    assert len(_items("delivery_package")) == 5 and _spent() == 5 * 7800
