"""Access cases for the frontline archive. Records are made in a hospital union created under the
target unit (the archive is entered by hospital unions), so the matrix's scope checks apply."""

from __future__ import annotations

import json
import uuid
from typing import Any

from tests.api.access_cases import Case

MATRIX_CONTACT = "contact_person.home"
ID_NUMBERS = ["110101199003074477", "110101199003076130", "110101199003072316", "110101199003075576"]


def fresh_id_number() -> str:
    """A valid ID number of its own, so the matrix's many households are not each other's duplicates
    (a shared number would make every new entry re-flag all the earlier ones)."""
    from chalicelib.core.personal import id_check_character

    n = uuid.uuid4().int
    first17 = f"110101{1960 + n % 40}{1 + n // 40 % 12:02d}{1 + n // 480 % 28:02d}{n // 13440 % 1000:03d}"
    return first17 + id_check_character(first17)


def person_body(n: int = 0, **overrides: Any) -> dict[str, Any]:
    body = {"name": "王医生", "id_number": ID_NUMBERS[n % len(ID_NUMBERS)], "phone": "13900139000",
            "department": "呼吸内科", "role": "护士", "deployment": "fever_clinic", "period_start": "2020-01-25"}
    body.update(overrides)
    return body


def hospital_under(ctx: Any, unit: str) -> str:
    code = f"h-{uuid.uuid4().hex[:8]}"
    response = ctx.call("POST", "/admin/units", {"id": code, "name": "测试医院工会", "kind": "hospital_union",
                                                  "parent_id": unit}, ctx.admin)
    assert response.status_code == 201, response.body
    return code


def contact_account(username: str, unit: str) -> None:
    """A contact person needs a staff account in the contact role that can see the hospital's families:
    made at `unit` (above the hospital) unless the account exists already (a caller's own token made it);
    one that sits elsewhere (a family of the other county in the same test) moves up to the city."""
    from chalicelib.orgs import service as orgs
    from chalicelib.orgs import store as orgs_store
    from tests.staff_accounts import put_staff_record

    existing = orgs_store.get_staff(username)
    if existing is None:
        put_staff_record(username, unit, ["contact_person"])
    elif not orgs.unit_path(unit).startswith(orgs.unit_path(str(existing["unit_id"]))):
        put_staff_record(username, "city", ["contact_person"])


def registered_contact(ctx: Any, hospital: str, unit: str, username: str = MATRIX_CONTACT) -> None:
    contact_account(username, unit)
    registered = ctx.call("POST", f"/staff/frontline/units/{hospital}/contacts",
                          {"username": username, "name": "联系人", "kind": "activist"}, ctx.admin)
    assert registered.status_code == 201, registered.body


def new_family(ctx: Any, unit: str, contact: str | None = MATRIX_CONTACT) -> tuple[str, str, int]:
    """(hospital, family id, version) in a new hospital under unit, its contact assigned."""
    hospital = hospital_under(ctx, unit)
    created = ctx.call("POST", f"/staff/frontline/units/{hospital}/personnel",
                       person_body(id_number=fresh_id_number()), ctx.admin)
    assert created.status_code == 201, created.body
    family = json.loads(created.body)
    version = int(family["version"])
    if contact:
        registered_contact(ctx, hospital, unit, contact)
        assigned = ctx.call("POST", f"/staff/frontline/families/{family['id']}/contact",
                            {"username": contact, "version": version}, ctx.admin)
        assert assigned.status_code == 200, assigned.body
        version = int(json.loads(assigned.body)["version"])
    return hospital, str(family["id"]), version


def _family_get(suffix: str) -> Case:
    def build(ctx: Any, unit: str) -> tuple[str, str, None]:
        _, family, _ = new_family(ctx, unit)
        return "GET", f"/staff/frontline/families/{family}{suffix}", None
    return Case(build, scoped=True, success=200)


def _family_post(suffix: str, body: dict[str, Any], success: int = 201) -> Case:
    def build(ctx: Any, unit: str) -> tuple[str, str, dict[str, Any]]:
        _, family, _ = new_family(ctx, unit)
        return "POST", f"/staff/frontline/families/{family}{suffix}", body
    return Case(build, scoped=True, success=success)


MEMBER = {"name": "李奶奶", "relation": "母亲", "age": 78, "needs": "独居，需要买菜", "address": "泰山区某某路 1 号"}


def _edit_member(ctx: Any, unit: str) -> tuple[str, str, dict[str, Any]]:
    _, family, _ = new_family(ctx, unit)
    added = ctx.call("POST", f"/staff/frontline/families/{family}/members", MEMBER, ctx.admin)
    assert added.status_code == 201, added.body
    member = json.loads(added.body)["id"]
    return "PUT", f"/staff/frontline/families/{family}/members/{member}", {**MEMBER, "age": 79}


def _unit_get(suffix: str) -> Case:
    return Case(lambda ctx, unit: ("GET", f"/staff/frontline/units/{unit}/{suffix}", None), scoped=True, success=200)


def _create(ctx: Any, unit: str) -> tuple[str, str, dict[str, Any]]:
    return "POST", f"/staff/frontline/units/{hospital_under(ctx, unit)}/personnel", person_body(
        id_number=fresh_id_number())


def _contact(ctx: Any, unit: str) -> tuple[str, str, dict[str, Any]]:
    username = f"c{uuid.uuid4().hex[:8]}"
    contact_account(username, unit)
    return "POST", f"/staff/frontline/units/{hospital_under(ctx, unit)}/contacts", {
        "username": username, "name": "联系人", "kind": "volunteer"}


def _assign(ctx: Any, unit: str) -> tuple[str, str, dict[str, Any]]:
    hospital, family, version = new_family(ctx, unit)
    other = f"c{uuid.uuid4().hex[:8]}"
    registered_contact(ctx, hospital, unit, other)
    return "POST", f"/staff/frontline/families/{family}/contact", {"username": other, "version": version}


def _assign_many(ctx: Any, unit: str) -> tuple[str, str, dict[str, Any]]:
    hospital, family, _ = new_family(ctx, unit, contact=None)
    registered_contact(ctx, hospital, unit)
    return "POST", f"/staff/frontline/units/{hospital}/contact-assignments", {
        "contact": MATRIX_CONTACT, "person_ids": [family]}


def _import(ctx: Any, unit: str) -> tuple[str, str, dict[str, Any]]:
    from tests.api.test_frontline_archive import workbook_b64

    return "POST", f"/staff/frontline/units/{hospital_under(ctx, unit)}/imports", {
        "content_base64": workbook_b64([["赵护士", fresh_id_number(), "13700137000", "急诊科", "护士", "发热门诊",
                                         "2020-01-30", ""]], [])}


def _check_import(ctx: Any, unit: str) -> tuple[str, str, dict[str, Any]]:
    method, path, body = _import(ctx, unit)
    return method, path + "/check", body


def _enrol(ctx: Any, unit: str) -> tuple[str, str, dict[str, Any]]:
    _, family, _ = new_family(ctx, unit)
    return "POST", f"/staff/frontline/families/{family}/cover", {"who": "SELF", "kinds": ["accident"]}


def _claim(ctx: Any, unit: str) -> tuple[str, str, dict[str, Any]]:
    _, family, _ = new_family(ctx, unit)
    enrolled = ctx.call("POST", f"/staff/frontline/families/{family}/cover", {"who": "SELF", "kinds": ["accident"]},
                        ctx.admin)
    assert enrolled.status_code == 200, enrolled.body
    return "POST", f"/staff/frontline/families/{family}/claims", {"who": "SELF", "kind": "accident",
                                                                   "description": "值班途中摔伤，住院治疗。",
                                                                   "phone": "13900139000"}


CASES: dict[tuple[str, str], Case] = {
    ("POST", "/staff/frontline/units/{unit_id}/personnel"): Case(_create, scoped=True, success=201),
    ("GET", "/staff/frontline/units/{unit_id}/personnel"): _unit_get("personnel"),
    ("GET", "/staff/frontline/units/{unit_id}/rollup"): _unit_get("rollup"),
    ("GET", "/staff/frontline/units/{unit_id}/duplicates"): _unit_get("duplicates"),
    ("GET", "/staff/frontline/units/{unit_id}/duplicate-groups"): _unit_get("duplicate-groups"),
    ("GET", "/staff/frontline/units/{unit_id}/uncovered"): _unit_get("uncovered"),
    ("GET", "/staff/frontline/units/{unit_id}/contacts"): _unit_get("contacts"),
    ("GET", "/staff/frontline/units/{unit_id}/cover"): _unit_get("cover"),
    ("GET", "/staff/frontline/units/{unit_id}/cover/export"): _unit_get("cover/export"),
    ("GET", "/staff/frontline/import-template"): Case(
        lambda ctx, unit: ("GET", "/staff/frontline/import-template", None), scoped=False, success=200),
    ("POST", "/staff/frontline/units/{unit_id}/imports"): Case(_import, scoped=True, success=201),
    ("POST", "/staff/frontline/units/{unit_id}/imports/check"): Case(_check_import, scoped=True, success=200),
    ("GET", "/staff/frontline/families/{person_id}"): _family_get(""),
    ("POST", "/staff/frontline/families/{person_id}/members"): _family_post("/members", MEMBER),
    ("PUT", "/staff/frontline/families/{person_id}/members/{member_id}"): Case(_edit_member, scoped=True,
                                                                              success=200),
    ("POST", "/staff/frontline/units/{unit_id}/contacts"): Case(_contact, scoped=True, success=201),
    ("POST", "/staff/frontline/families/{person_id}/contact"): Case(_assign, scoped=True, success=200),
    ("POST", "/staff/frontline/units/{unit_id}/contact-assignments"): Case(_assign_many, scoped=True, success=200),
    ("POST", "/staff/frontline/families/{person_id}/phone"): _family_post("/phone", {}, success=200),
    ("GET", "/staff/frontline/families/{person_id}/contact-history"): _family_get("/contact-history"),
    ("GET", "/staff/frontline/my-families"): Case(lambda ctx, unit: ("GET", "/staff/frontline/my-families", None),
                                                  scoped=False, success=200),
    ("POST", "/staff/frontline/families/{person_id}/logs"): _family_post("/logs", {
        "kind": "phone", "notes": "家中老人身体尚好。", "needs": "需要代购降压药"}),
    ("GET", "/staff/frontline/families/{person_id}/logs"): _family_get("/logs"),
    ("POST", "/staff/frontline/families/{person_id}/support-requests"): _family_post("/support-requests", {
        "category": "psychological", "description": "孩子情绪低落，想找心理咨询师聊聊。", "name": "王小明",
        "relation": "儿子", "phone": "13900139001"}),
    ("POST", "/staff/frontline/families/{person_id}/cover"): Case(_enrol, scoped=True, success=200),
    ("POST", "/staff/frontline/families/{person_id}/claims"): Case(_claim, scoped=True, success=201),
}
