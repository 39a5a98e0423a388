"""The city dashboard: records made in several units through the API, then the subtree totals and the
per-child rows checked exactly, and callers outside the unit's subtree refused."""

from __future__ import annotations

import json
import os
import random
import re
from typing import Any

import pytest

from tests.api.access_cases import Context
from tests.api.access_cases.booking import existing_session
from tests.api.access_cases.delivery import CAMPAIGN, signed_up_family
from tests.api.access_cases.frontline import new_family
from tests.api.helpers import new_key, post_json, support_body
from tests.api.test_delivery_roster import fund_city, package_for

NAME, PHONE = "张敏", "13800138000"


@pytest.fixture
def ctx(fresh: Any) -> Context:
    return Context(fresh.client, fresh.token)


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.body
    return json.loads(response.body)


def _support(ctx: Any, county: str, unit: str | None = None) -> tuple[str, int]:
    body = support_body(county_unit_id=county, name=NAME, phone=PHONE, **({"unit_id": unit} if unit else {}))
    created = _ok(post_json(ctx.client, "/support-requests", body, new_key()), 201)
    return str(created["reference"]), 1


def _move(ctx: Any, reference: str, version: int, to: str, **extra: str) -> int:
    body = {"to": to, "version": version, **extra}
    return int(_ok(ctx.call("POST", f"/staff/support/requests/{reference}/transitions", body, ctx.admin))["version"])


def _register(ctx: Any, session: str) -> str:
    body = {"name": NAME, "phone": f"139{random.randrange(10**8):08d}", "consent": True,
            "consent_version": "2020-02-v1"}
    return str(_ok(ctx.call("POST", f"/sessions/{session}/registrations", body, None), 201)["reference"])


def _dashboard(ctx: Any, unit: str, token: str | None = None) -> Any:
    return ctx.call("GET", f"/staff/dashboard/units/{unit}", None, token or ctx.admin)


def _row(board: dict[str, Any], unit: str) -> dict[str, Any]:
    return next(r for r in board["children"] if r["unit_id"] == unit)


def test_subtree_totals_and_child_rows_are_exact(ctx, monkeypatch):
    # Support: two in the Taishan factory (one accepted), one at Taishan (resolved), one at Daiyue's hospital.
    factory_a, _ = _support(ctx, "taishan", "demo-taishan-factory")
    _move(ctx, factory_a, 1, "accepted")
    _support(ctx, "taishan", "demo-taishan-factory")
    taishan_ref, version = _support(ctx, "taishan")
    version = _move(ctx, taishan_ref, version, "accepted")
    version = _move(ctx, taishan_ref, version, "in_progress")
    _move(ctx, taishan_ref, version, "resolved", outcome="已电话回访，问题已解决。")
    _support(ctx, "daiyue", "demo-daiyue-hospital")

    # Frontline: one household with a contact and one without under Taishan, one with a contact under Daiyue.
    new_family(ctx, "taishan")
    new_family(ctx, "taishan", contact=None)
    new_family(ctx, "daiyue")

    # Food packages: two Taishan families and one Daiyue family this week; one delivered, one failed.
    fund_city()
    families = [signed_up_family(ctx, "taishan"), signed_up_family(ctx, "taishan"), signed_up_family(ctx, "daiyue")]
    packages = [package_for(ctx, f) for f in families]
    for package, outcome in zip(packages, ("delivered", "failed"), strict=False):
        _ok(ctx.call("POST", f"/staff/delivery/packages/{package}/confirmation", {"outcome": outcome}, ctx.admin))

    # Sessions: a shuttle (2 seats) in the Taishan factory with three registrations, one cancelled (the
    # waitlisted one moves up) and one attended; a course at Daiyue with one registration.
    shuttle = existing_session(ctx, "demo-taishan-factory")
    registered = [_register(ctx, shuttle) for _ in range(3)]
    first = registered[0]
    _ok(ctx.call("POST", f"/staff/sessions/{shuttle}/registrations/{first}/cancel", None, ctx.admin))
    second_ref = json.loads(ctx.call("GET", f"/staff/sessions/{shuttle}/registrations?status=confirmed", None,
                                     ctx.admin).body)["items"][0]["reference"]
    for attended in (True, True, False, True):  # marking twice counts once; unmarking takes it back
        _ok(ctx.call("POST", f"/staff/sessions/{shuttle}/registrations/{second_ref}/attendance",
                     {"attended": attended}, ctx.admin))
    course = _ok(ctx.call("POST", "/staff/sessions", {
        "kind": "course", "title": "电工技能培训", "unit_id": "demo-daiyue-hospital",
        "starts_at": "2030-03-02T09:00:00+08:00", "ends_at": "2030-03-02T17:00:00+08:00", "place": "岱岳区职工学校",
        "capacity": 30}, ctx.admin), 201)["id"]
    _register(ctx, course)

    board = _ok(_dashboard(ctx, "city"))
    city, taishan, daiyue = board["unit"], _row(board, "taishan"), _row(board, "daiyue")
    assert (city["support_total"], city["support_open"], city["support_in_progress"],
            city["support_done"]) == (4, 2, 1, 1)
    assert (taishan["support_total"], taishan["support_open"], taishan["support_in_progress"]) == (3, 1, 1)
    assert (daiyue["support_total"], daiyue["support_open"], daiyue["support_done"]) == (1, 1, 0)
    assert city["support_overdue"] == 0  # nothing is past its due time yet
    assert [(c["category"], c["total"], c["unfinished"]) for c in board["support_categories"]] == [
        ("psychological", 4, 3)]
    assert board["support_weekly"][-1]["count"] == 4 and len(board["support_weekly"]) == 12
    assert sum(w["count"] for w in board["support_weekly"]) == 4

    # new_family adds a household each time; the delivery families came with a contact person.
    assert (city["frontline_persons"], city["frontline_uncovered"]) == (6, 1)
    assert (taishan["frontline_persons"], taishan["frontline_uncovered"]) == (4, 1)
    assert (daiyue["frontline_persons"], daiyue["frontline_uncovered"]) == (2, 0)

    assert (city["packages"], city["delivered"], city["failed"], city["refused"], city["pending"]) == (3, 1, 1, 0, 1)
    assert (taishan["packages"], taishan["delivered"], taishan["failed"]) == (2, 1, 1)
    assert (daiyue["packages"], daiyue["pending"]) == (1, 1)
    assert board["delivery"]["campaign_id"] == CAMPAIGN
    assert [(w["packages"], w["delivered"]) for w in board["delivery"]["weeks"]] == [(3, 1)]
    assert city["packages_last_week"] == 0  # the packages are this week's

    assert (city["sessions"], city["registrations"], city["attended"]) == (2, 4, 1)
    assert (taishan["sessions"], taishan["registrations"], taishan["attended"]) == (1, 3, 1)
    kinds = {k["kind"]: k for k in board["registrations"]}
    assert (kinds["shuttle"]["confirmed"], kinds["shuttle"]["waitlisted"], kinds["shuttle"]["cancelled"]) == (2, 0, 1)
    assert (kinds["course"]["registrations"], kinds["course"]["confirmed"]) == (1, 1)

    others = [r for r in board["children"] if r["unit_id"] not in ("taishan", "daiyue")]
    assert others and all(r["support_total"] == r["frontline_persons"] == r["packages"] == r["registrations"] == 0
                          for r in others)
    assert len(board["children"]) == 17  # every unit directly under the city federation

    # Drill down: Taishan's own board has the same totals as its row, and a row for the factory.
    county = _ok(_dashboard(ctx, "taishan"))
    assert {k: v for k, v in county["unit"].items() if k != "support_overdue"} == {
        k: v for k, v in taishan.items() if k != "support_overdue"}
    factory = _row(county, "demo-taishan-factory")
    assert (factory["support_total"], factory["support_in_progress"], factory["sessions"]) == (2, 1, 1)

    # Counts only: nobody's name or phone number anywhere in the answer.
    raw = _dashboard(ctx, "city").body.decode()
    assert NAME not in raw and not re.search(r"1[3-9]\d{9}", raw)

    # Once every due time has passed, each unfinished request is overdue, counted where it is handled.
    from chalicelib.support import figures

    monkeypatch.setattr(figures, "now_seconds", lambda: "2999-01-01T00:00:00Z")
    late = _ok(_dashboard(ctx, "city"))
    assert late["unit"]["support_overdue"] == 3
    assert (_row(late, "taishan")["support_overdue"], _row(late, "daiyue")["support_overdue"]) == (2, 1)
    assert _row(_ok(_dashboard(ctx, "taishan")), "demo-taishan-factory")["support_overdue"] == 2


def test_reassignment_moves_the_weekly_count(ctx):
    reference, version = _support(ctx, "taishan")
    body = {"unit_id": "demo-taishan-factory", "version": version}
    _ok(ctx.call("POST", f"/staff/support/requests/{reference}/assignment", body, ctx.admin))
    county = _ok(_dashboard(ctx, "taishan"))
    assert county["support_weekly"][-1]["count"] == 1
    assert _row(county, "demo-taishan-factory")["support_total"] == 1
    factory = _ok(_dashboard(ctx, "demo-taishan-factory"))
    assert factory["support_weekly"][-1]["count"] == 1 and factory["unit"]["support_open"] == 1


def test_callers_outside_the_subtree_are_refused(ctx):
    county_admin = ctx.token("dash.taishan", "taishan", ["unit_admin"])
    hospital_finance = ctx.token("dash.hospital", "demo-taishan-hospital", ["finance"])
    caseworker = ctx.token("dash.caseworker", "taishan", ["caseworker"])
    assert _dashboard(ctx, "taishan", county_admin).status_code == 200
    assert _dashboard(ctx, "daiyue", county_admin).status_code == 404  # a sibling county
    assert _dashboard(ctx, "city", county_admin).status_code == 404  # the county's parent
    assert _dashboard(ctx, "demo-taishan-hospital", hospital_finance).status_code == 200
    assert _dashboard(ctx, "taishan", hospital_finance).status_code == 404  # a hospital cannot read its county
    assert _dashboard(ctx, "taishan", caseworker).status_code == 403  # not a dashboard role
    assert _dashboard(ctx, "no-such-unit").status_code == 404


FIGURES = ("support_total", "support_open", "sessions", "registrations", "attended")


def test_the_city_is_the_sum_of_two_counties_and_each_county_sees_its_own_subtree_alone(ctx):
    for county, unit in (("taishan", "demo-taishan-factory"), ("daiyue", "demo-daiyue-logistics")):
        _support(ctx, county, unit)
        _register(ctx, existing_session(ctx, unit))
    taishan_fair = existing_session(ctx, "taishan")
    for _ in range(2):
        _register(ctx, taishan_fair)

    city = _ok(_dashboard(ctx, "city"))
    taishan, daiyue = _ok(_dashboard(ctx, "taishan")), _ok(_dashboard(ctx, "daiyue"))
    assert {f: city["unit"][f] for f in FIGURES} == {f: taishan["unit"][f] + daiyue["unit"][f] for f in FIGURES}
    assert [taishan["unit"][f] for f in FIGURES] == [1, 1, 2, 3, 0]
    assert [daiyue["unit"][f] for f in FIGURES] == [1, 1, 1, 1, 0]
    assert {r["unit_id"] for r in taishan["children"]} == {"demo-taishan-hospital", "demo-taishan-factory"}
    assert _row(taishan, "demo-taishan-factory")["registrations"] == 1
    assert {k["kind"]: k["registrations"] for k in taishan["registrations"]} == {"shuttle": 3}


def _calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Each DynamoDB call made from now on: its operation and its parameters as text."""
    import botocore.client

    seen: list[tuple[str, str]] = []
    original = botocore.client.BaseClient._make_api_call  # type: ignore[attr-defined]

    def counting(self: Any, operation: str, params: Any) -> Any:
        seen.append((operation, repr(params)))
        return original(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", counting)
    return seen


def test_opening_the_city_board_reads_the_same_however_many_units_lie_below(ctx, monkeypatch):
    import boto3

    from chalicelib.orgs import store as orgs_store

    _register(ctx, existing_session(ctx, "demo-taishan-factory"))
    _support(ctx, "taishan", "demo-taishan-factory")
    _ok(_dashboard(ctx, "city"))  # the first opening fills the per-container caches; count a warm one
    calls = _calls(monkeypatch)
    before = _ok(_dashboard(ctx, "city"))
    asked = len(calls)
    assert asked < 60 and "Scan" not in {operation for operation, _ in calls}
    # 400 more units, two levels under the Taishan factory: the board reads none of them
    table = boto3.resource("dynamodb", region_name="us-east-1").Table(os.environ["TABLE_NAME"])
    with table.batch_writer() as batch:
        for i in range(20):
            parent = f"workshop-{i}"
            batch.put_item(Item=orgs_store.unit_item(
                {"id": parent, "name": f"车间{i}", "kind": "enterprise_union", "parent_id": "demo-taishan-factory"},
                f"/city/taishan/demo-taishan-factory/{parent}/"))
            for j in range(19):
                team = f"team-{i}-{j}"
                batch.put_item(Item=orgs_store.unit_item(
                    {"id": team, "name": f"班组{i}-{j}", "kind": "enterprise_union", "parent_id": parent},
                    f"/city/taishan/demo-taishan-factory/{parent}/{team}/"))
    calls.clear()
    after = _ok(_dashboard(ctx, "city"))
    # the same calls, give or take a page of the tree index (read a megabyte a call), none about the new units
    assert asked <= len(calls) <= asked + 2
    assert not [params for _, params in calls if "team-" in params or "workshop-" in params]
    assert {k: v for k, v in after.items() if k != "as_of"} == {k: v for k, v in before.items() if k != "as_of"}


def test_the_backfill_sets_figures_that_start_empty_to_what_the_records_say(ctx, monkeypatch):
    import boto3

    from tests.conftest import scans_allowed
    from tools import figures

    shuttle = existing_session(ctx, "demo-taishan-factory")
    for _ in range(3):
        _register(ctx, shuttle)
    _support(ctx, "taishan", "demo-taishan-factory")
    from chalicelib.support import figures as support_figures

    monkeypatch.setattr(support_figures, "now_seconds", lambda: "2999-01-01T00:00:00Z")
    before = _ok(_dashboard(ctx, "city"))
    assert before["unit"]["registrations"] == 3 and before["unit"]["support_overdue"] == 1
    table = boto3.resource("dynamodb", region_name="us-east-1").Table(os.environ["TABLE_NAME"])
    with scans_allowed():
        kept = [i for i in table.scan()["Items"] if str(i["PK"]).startswith(("BOOKSUM#", "DUE#"))]
        with table.batch_writer() as batch:
            for item in kept:
                batch.delete_item(Key={"PK": item["PK"], "SK": item["SK"]})
        emptied = _ok(_dashboard(ctx, "city"))
        assert emptied["unit"]["registrations"] == 0 and emptied["unit"]["support_overdue"] == 0
        figures.run()
        figures.run()  # a second run changes nothing
    after = _ok(_dashboard(ctx, "city"))
    assert {k: v for k, v in after.items() if k != "as_of"} == {k: v for k, v in before.items() if k != "as_of"}
