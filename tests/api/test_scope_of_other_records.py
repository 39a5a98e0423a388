"""No staff answer names a record of a sibling county.

Records of every kind are planted in 岱岳区 (county B) — through every route's own access case,
plus records with distinctive names and phones that collide with county A's (the same ID numbers
and the same phone) so duplicate checks, caller history and links have something to find. Then
every staff route of the app (enumerated from the registry: reads, writes and exports, whose xlsx
cells are read) is called by a caller of 泰山区 (county A) acting inside A's subtree, and no answer
may hold any of B's record ids, references, names or phones.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import re
import zipfile
from typing import Any

import pytest
from openpyxl import load_workbook

import app  # noqa: F401 - registers every route
from chalicelib.core import api
from chalicelib.core.personal import id_check_character
from tests.api.access_cases import Context, all_cases
from tests.api.access_cases import booking as booking_cases
from tests.api.access_cases import delivery as delivery_cases
from tests.api.access_cases import frontline as frontline_cases
from tests.api.access_cases import fund as fund_cases
from tests.api.access_cases import recruitment as recruitment_cases
from tests.api.access_cases import recuperation as recuperation_cases
from tests.api.access_cases import reports as reports_cases
from tests.api.helpers import support_body
from tests.api.test_frontline_archive import workbook_b64
from tests.api.test_hardship_register import sheet

CASES = all_cases()
STAFF_ROUTES = sorted((d.method, d.path) for d in api.REGISTRY if d.audience == api.STAFF)
ROLES_OF = {(d.method, d.path): d.roles for d in api.REGISTRY}
# Only the city federation's administrators may call these: their callers see the whole city.
CITY_ONLY = sorted(route for route in STAFF_ROUTES if set(ROLES_OF[route]) == {"city_admin"})
ASKED = [route for route in STAFF_ROUTES if route not in CITY_ONLY]

HOME, SIBLING = "taishan", "daiyue"
TARGET = "demo-taishan-factory"  # in A's subtree; cases make what they need under it
SIBLING_TARGET = "demo-daiyue-logistics"
HOME_HOSPITAL = "demo-taishan-hospital"


def _id_number(seed: str) -> str:
    first17 = f"3709111985{seed:0>7}"[:17]
    return first17 + id_check_character(first17)


SHARED_ID = _id_number("1234567")  # held by a household in B and by every household A enters
SHARED_PHONE = support_body()["phone"]  # A's support requests and a B request share the phone
B_NAMES = ("岱岳甲医生", "岱岳乙家长", "岱岳丙职工", "岱岳丁求助人", "岱岳戊家属", "岱岳己乘客")
HARDSHIP_ID = _id_number("7654321")
B_PHONES = ("13655550001", "13655550002", "13655550003", "13655550004")
# Keys under which an answer names a record.
ID_KEYS = re.compile(r"^(id|reference|[a-z_]*_id|[a-z_]*_ids|[a-z_]*_reference|references|duplicates)$")


def _strings(value: Any, key: str = "") -> set[str]:
    """The ids and references in an answer (values of id-like keys, lists included)."""
    found: set[str] = set()
    if isinstance(value, dict):
        for k, v in value.items():
            found |= _strings(v, k)
    elif isinstance(value, list):
        for v in value:
            found |= _strings(v, key)
    elif isinstance(value, str) and ID_KEYS.match(key) and len(value) >= 6:
        found.add(value)
    return found


def _cells(content: str) -> str:
    """An exported file's text: every cell of every sheet of an xlsx, or the decoded text."""
    try:
        raw = base64.b64decode(content, validate=True)
    except (binascii.Error, ValueError):
        return ""
    if raw[:2] != b"PK":
        return raw.decode("utf-8", "replace")
    try:
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError):
        return ""
    return "\n".join(str(cell) for ws in book.worksheets for row in ws.iter_rows(values_only=True)
                     for cell in row if cell is not None)


def _text(response: Any) -> str:
    """Everything an answer says, exported files opened."""
    raw = response.body.decode("utf-8", "replace") if isinstance(response.body, bytes) else str(response.body)
    try:
        body = json.loads(raw)
    except ValueError:
        return raw
    files = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                if k == "content_base64" and isinstance(v, str):
                    files.append(_cells(v))
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(body)
    return "\n".join([json.dumps(body, ensure_ascii=False), *files])


def _ok(response: Any) -> Any:
    assert response.status_code in (200, 201), response.body
    return json.loads(response.body)


def _plant_sibling(ctx: Context) -> set[str]:
    """Records of every kind in county B, some sharing an ID number or a phone with A's; returns
    their ids and references."""
    hospital = frontline_cases.hospital_under(ctx, SIBLING)
    family = _ok(ctx.call("POST", f"/staff/frontline/units/{hospital}/personnel", frontline_cases.person_body(
        name=B_NAMES[0], phone=B_PHONES[0], id_number=SHARED_ID), ctx.admin))
    member = _ok(ctx.call("POST", f"/staff/frontline/families/{family['id']}/members", {
        "name": B_NAMES[1], "relation": "母亲", "age": 80, "needs": "独居", "address": "岱岳区某某路 9 号"}, ctx.admin))
    _ok(ctx.call("POST", f"/staff/frontline/families/{family['id']}/logs",
                 {"kind": "phone", "notes": "岱岳区的联系记录。"}, ctx.admin))
    recuperation_cases.ensure_ended_campaign(ctx)
    _ok(ctx.call("POST", f"/staff/recuperation/nominations/{family['id']}", {"reason": recuperation_cases.REASON},
                 ctx.admin))
    delivery_cases.ensure_campaign(ctx)
    _ok(ctx.call("POST", f"/staff/delivery/families/{family['id']}/signup",
                 {"address": "岱岳区某某路 9 号", "window": "morning"}, ctx.admin))
    worker = _ok(ctx.call("POST", f"/hardship/units/{SIBLING_TARGET}/import", {"content_base64": sheet(
        [[B_NAMES[2], HARDSHIP_ID, B_PHONES[1], "困难", ""]])}, ctx.admin))
    request = _ok(ctx.call("POST", "/support-requests", support_body(
        county_unit_id=SIBLING, name=B_NAMES[3], phone=SHARED_PHONE), None))
    other = _ok(ctx.call("POST", "/support-requests", support_body(
        county_unit_id=SIBLING, name=B_NAMES[4], phone=B_PHONES[2]), None))
    session = booking_cases.existing_session(ctx, SIBLING_TARGET)
    seat = _ok(ctx.call("POST", f"/sessions/{session}/registrations", {
        "name": B_NAMES[5], "phone": B_PHONES[3], "consent": True, "consent_version": "2020-02-v1"}, None))
    firm, _ = recruitment_cases.existing_firm(ctx, SIBLING_TARGET)
    report = reports_cases.submitted(ctx, SIBLING_TARGET)
    entry = fund_cases.spent_entry(ctx, SIBLING_TARGET)
    return ({hospital, family["id"], member["id"], str(request["reference"]), str(other["reference"]), session,
             str(seat["reference"]), firm, str(report["report_id"]), entry}
            | set(worker["worker_ids"]))


def _plant_home(ctx: Context) -> None:
    """What A's unit lists show: a household of A's hospital that shares B's ID number, with cover,
    and a support request from the phone B's caller used."""
    family = _ok(ctx.call("POST", f"/staff/frontline/units/{HOME_HOSPITAL}/personnel",
                          frontline_cases.person_body(id_number=SHARED_ID), ctx.admin))
    _ok(ctx.call("POST", f"/staff/frontline/families/{family['id']}/cover", {"who": "SELF", "kinds": ["accident"]},
                 ctx.admin))
    _ok(ctx.call("POST", "/support-requests", support_body(county_unit_id=HOME), None))


def _target(route: tuple[str, str]) -> str:
    """Where in A a route acts: unit lists of the archive at A's hospital, of support at the county."""
    if route[0] == "GET" and route[1].startswith("/staff/frontline/units/"):
        return HOME_HOSPITAL
    if route[0] == "GET" and route[1].startswith("/staff/support/units/"):
        return HOME
    return TARGET


def _caller(ctx: Context, route: tuple[str, str]) -> str:
    """A caller of county A with a role the route accepts (the matrix's usernames, which cases use)."""
    role = next(r for r in ROLES_OF[route] if r != "city_admin")
    return str(ctx.token(f"{role}.home", HOME, [role]))


SHARING = {"on": False}


@pytest.fixture
def ctx(fresh, monkeypatch):
    # While SHARING is on, every household a case enters holds the ID number of B's household.
    original = frontline_cases.fresh_id_number
    monkeypatch.setattr(frontline_cases, "fresh_id_number", lambda: SHARED_ID if SHARING["on"] else original())
    SHARING["on"] = False
    return Context(fresh.client, fresh.token)


def test_the_routes_asked_are_every_staff_route_but_the_city_administrators():
    assert set(ASKED) | set(CITY_ONLY) == set(STAFF_ROUTES) and set(ASKED) <= set(CASES)
    assert len(ASKED) > 90


def _leaks(response: Any, secrets: set[str]) -> list[str]:
    text = _text(response)
    return sorted(s for s in secrets if s in text)


def _secrets(planted: set[str]) -> set[str]:
    return planted | set(B_NAMES) | set(B_PHONES) | {p[:3] + "****" + p[-4:] for p in B_PHONES}


@pytest.mark.parametrize("route", ASKED, ids=[f"{m} {p}" for m, p in ASKED])
def test_no_answer_in_county_a_names_a_record_of_county_b(ctx, route):
    secrets = _secrets(_plant_sibling(ctx))
    _plant_home(ctx)
    # Households A's archive routes enter are duplicates of B's (recuperation allows one per person).
    SHARING["on"] = route[1].startswith("/staff/frontline/")
    method, path, body = CASES[route].build(ctx, _target(route))
    SHARING["on"] = False
    response = ctx.call(method, path, body, _caller(ctx, route))
    assert response.status_code == CASES[route].success, response.body
    assert _leaks(response, secrets) == []


def test_checks_that_collide_with_county_b_name_nothing_of_it(ctx):
    """A's own checks on what B holds: the hardship register's ID guard, the hotline's history of a
    phone, an archive import with B's ID number, a nomination of the person B nominated."""
    from chalicelib.core.personal import REGISTERED_ELSEWHERE

    secrets = _secrets(_plant_sibling(ctx))
    SHARING["on"] = True
    _, mine, _ = frontline_cases.new_family(ctx, TARGET, contact=None)
    SHARING["on"] = False
    hospital = frontline_cases.hospital_under(ctx, TARGET)
    probes = [
        ("POST", f"/hardship/units/{TARGET}/import", {"content_base64": sheet(
            [["王芳", HARDSHIP_ID, "13800138009", "困难", ""]])}, "caseworker", 400),
        ("POST", "/staff/support/hotline/caller-history", {"phone": SHARED_PHONE}, "hotline_operator", 200),
        ("POST", f"/staff/frontline/units/{hospital}/imports", {"content_base64": workbook_b64(
            [["赵护士", SHARED_ID, "13700137000", "急诊科", "护士", "发热门诊", "2020-01-30", ""]], [])},
         "caseworker", 201),
        ("POST", f"/staff/recuperation/nominations/{mine}", {"reason": recuperation_cases.REASON}, "caseworker", 409),
    ]
    for method, path, body, role, status in probes:
        response = ctx.call(method, path, body, ctx.token(f"{role}.home", HOME, [role]))
        assert response.status_code == status, response.body
        assert _leaks(response, secrets) == [], path
        if status in (400, 409):
            assert REGISTERED_ELSEWHERE in response.body.decode(), response.body


def test_partner_apps_are_listed_only_under_the_unit_that_issued_them(ctx):
    issued = _ok(ctx.call("POST", "/admin/partners", {"name": "齐鲁工惠", "channel": "qlgh",
                                                      "operations": ["support.submit"]}, ctx.admin))
    county = ctx.token("auditor.taishan", HOME, ["auditor"])
    assert _ok(ctx.call("GET", "/admin/partners", None, county))["items"] == []
    city = ctx.token("auditor.city", "city", ["auditor"])
    assert [p["id"] for p in _ok(ctx.call("GET", "/admin/partners", None, city))["items"]] == [issued["id"]]
